"""The evidence of one mode's GP prior given its Gaussian sites, for many hyperparameters at once.

Conditional EP leaves, per mode, a Gaussian site ``t_s(u) = exp(-½ uᵀΛ_s u + η_sᵀ u)`` at every
distinct coordinate.  The log normaliser ``log Z(θ) = log ∫ p_θ(U) Π_s t_s(U(c_s)) dU`` is the
part of the EP evidence that depends on the mode's kernel hyperparameters ``θ``: maximising it
with the sites held fixed is EP's type-II maximum-likelihood step.  It comes out of the Kalman
filter, one factor per coordinate, with the predicted latent ``N(m, P)``::

    log Z_s = -½ log det(I + ΛP) + ½ bᵀ P (I + ΛP)⁻¹ b - ½ mᵀΛm + ηᵀm,    b = η - Λm.

The filter here runs a batch of candidates ``(ℓ_c, σ²_c)`` of one kernel family side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device

from .kalman import _kron_identity, loop_namespace
from .state_space import MaternStateSpace

__all__ = ["log_evidence", "site_expectation"]


def log_evidence(kernel: str, lengthscales: Sequence[float], variances: Sequence[float], coordinates: Any,
                 precision: Any, shift: Any):
    """``log Z`` of the sites ``(precision, shift)`` under each candidate prior.

    Parameters
    ----------
    kernel : {"matern12", "matern32", "matern52"}
    lengthscales, variances : sequence of float
        One candidate per pair (same length ``C``).
    coordinates : array (S,)
        Sorted distinct coordinates of the mode.
    precision, shift : arrays (S, R, R) and (S, R)
        The summed site parameters at each coordinate.

    Returns
    -------
    array (C,)
        The log evidence of each candidate, in the namespace of ``coordinates``.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.linspace(0.0, 1.0, 20)
    >>> lam = np.full((20, 1, 1), 100.0)                     # observations with noise σ = 0.1
    >>> eta = 100.0 * np.sin(2 * np.pi * c)[:, None]          # of sin(2πc)
    >>> z = log_evidence("matern52", [0.01, 0.3], [1.0, 1.0], c, lam, eta)
    >>> bool(z[1] > z[0])                                    # a smooth prior explains them better
    True
    """
    xp = loop_namespace(array_namespace(coordinates, precision, shift))
    if len(lengthscales) != len(variances) or not len(lengthscales):
        raise ValueError(f"give as many lengthscales as variances (at least one), got {len(lengthscales)} "
                         f"and {len(variances)}")
    dtype, dev = shift.dtype, device(shift)
    s_count, r = shift.shape
    deltas = xp.concat([xp.zeros((1,), dtype=coordinates.dtype, device=dev), coordinates[1:] - coordinates[:-1]])
    models = [MaternStateSpace(kernel, lengthscale=float(a), variance=float(b)) for a, b in zip(lengthscales, variances)]
    transitions = [m.transition(deltas) for m in models]
    a = _kron_identity(xp, xp.stack([t[0] for t in transitions], axis=1), r)  # (S, C, D, D)
    q = _kron_identity(xp, xp.stack([t[1] for t in transitions], axis=1), r)
    p_inf = _kron_identity(xp, xp.stack([xp.asarray(m.stationary_covariance(), dtype=dtype, device=dev)
                                         for m in models]), r)
    c_count, d = p_inf.shape[0], p_inf.shape[-1]
    eye_r = xp.eye(r, dtype=dtype, device=dev)
    t = xp.matrix_transpose
    mean = xp.zeros((c_count, d), dtype=dtype, device=dev)
    cov = p_inf
    total = xp.zeros((c_count,), dtype=dtype, device=dev)
    for s in range(s_count):
        if s > 0:
            mean = (a[s, ...] @ mean[..., None])[..., 0]
            cov = a[s, ...] @ cov @ t(a[s, ...]) + q[s, ...]
        lam, eta = precision[s, ...], shift[s, ...]
        m = mean[:, :r]
        ph = cov[:, :, :r]  # P Hᵀ, (C, D, R)
        big_m = eye_r + lam @ cov[:, :r, :r]
        b = eta - (lam @ m[..., None])[..., 0]
        gain = t(xp.linalg.solve(t(big_m), t(ph)))  # P Hᵀ M⁻¹
        quad = xp.sum(b * (gain[:, :r, :] @ b[..., None])[..., 0], axis=-1)
        _, logdet = xp.linalg.slogdet(big_m)
        total = total - 0.5 * logdet + 0.5 * quad - 0.5 * xp.sum(m * (lam @ m[..., None])[..., 0], axis=-1) \
            + xp.sum(eta * m, axis=-1)
        mean = mean + (gain @ b[..., None])[..., 0]
        cov = cov - gain @ lam @ t(ph)
        cov = 0.5 * (cov + t(cov))
    return total


def site_expectation(precision: Any, shift: Any, mean: Any, cov: Any) -> float:
    """``Σ_s E_q[log t_s] = Σ_s -½ tr(Λ_s (S_s + m_s m_sᵀ)) + η_sᵀ m_s`` under the marginals ``(mean, cov)``.

    With :func:`log_evidence` it gives the Kullback–Leibler divergence of the mode's posterior
    ``q ∝ p · Π t_s`` from its prior: ``KL(q ‖ p) = Σ_s E_q[log t_s] - log Z``.

    Examples
    --------
    >>> import numpy as np
    >>> lam, eta = np.eye(1)[None] * 2.0, np.ones((1, 1))
    >>> site_expectation(lam, eta, np.zeros((1, 1)), np.eye(1)[None])    # -½ · 2 · 1
    -1.0
    """
    xp = array_namespace(precision, shift, mean, cov)
    second = cov + mean[:, :, None] * mean[:, None, :]
    return float(-0.5 * xp.sum(precision * second) + xp.sum(shift * mean))
