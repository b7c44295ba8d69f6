"""Kalman filtering and RTS smoothing of R latent GP channels sharing one Matérn kernel,
observed through Gaussian messages in information form, and conditioning at new inputs.

The joint state of the ``R`` channels at a coordinate is ``z = [f_1..f_R, f'_1..f'_R, ...]``
(derivative order major), so ``A = A_1 ⊗ I_R``, ``P∞ = P∞_1 ⊗ I_R`` and ``H z`` takes the
first ``R`` entries.  Observations come as precision ``Λ_s`` (R×R, possibly singular) and
shift ``η_s`` per coordinate: the likelihood ``exp(-½ uᵀΛu + ηᵀu)`` of ``u = H z``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, backend_name, device

from .state_space import MaternStateSpace

__all__ = ["StateSpacePosterior", "condition", "joint_transition", "loop_namespace", "smooth"]


def _kron_identity(xp, m, r: int):
    """``m ⊗ I_r`` for a batch of matrices ``m`` (..., d, d)."""
    eye = xp.eye(r, dtype=m.dtype, device=device(m))
    d = m.shape[-1]
    big = m[..., :, None, :, None] * eye[:, None, :]
    return xp.reshape(big, tuple(m.shape[:-2]) + (d * r, d * r))


def joint_transition(model: MaternStateSpace, deltas: Any, r: int):
    """``(A, Q, P∞)`` of the joint state for gaps ``deltas`` (S,): shapes (S, D, D), (S, D, D), (D, D)."""
    xp = array_namespace(deltas)
    a, q = model.transition(deltas)
    p_inf = xp.asarray(model.stationary_covariance(), dtype=deltas.dtype, device=device(deltas))
    return _kron_identity(xp, a, r), _kron_identity(xp, q, r), _kron_identity(xp, p_inf, r)


@dataclass
class StateSpacePosterior:
    """Filtered and smoothed moments of the joint state at the sorted training coordinates."""

    coordinates: Any  # (S,)
    filtered_mean: Any  # (S, D)
    filtered_cov: Any  # (S, D, D)
    smoothed_mean: Any  # (S, D)
    smoothed_cov: Any  # (S, D, D)
    rank: int

    def marginals(self):
        """Mean (S, R) and covariance (S, R, R) of the latent functions at the coordinates."""
        r = self.rank
        return self.smoothed_mean[:, :r], self.smoothed_cov[:, :r, :r]


def loop_namespace(xp):
    """The namespace for a Python loop of tiny operations: numpy itself for numpy arrays (its
    array-API functions, without the compatibility wrappers' per-call cost; same results),
    ``xp`` otherwise."""
    if backend_name(xp) == "numpy":
        import numpy

        return numpy
    return xp


def _sym(xp, p):
    return 0.5 * (p + xp.matrix_transpose(p))


def smooth(model: MaternStateSpace, coordinates: Any, precision: Any, shift: Any) -> StateSpacePosterior:
    """Kalman filter and RTS smoother over sorted unique ``coordinates`` (S,).

    ``precision`` (S, R, R) and ``shift`` (S, R) are the summed observation messages.
    The update uses ``P⁺ = P - P Hᵀ (I + Λ H P Hᵀ)⁻¹ Λ H P``, valid for singular ``Λ``.
    """
    xp = loop_namespace(array_namespace(coordinates, precision, shift))
    s_count, r = shift.shape
    deltas = xp.concat([xp.zeros((1,), dtype=coordinates.dtype, device=device(coordinates)),
                        coordinates[1:] - coordinates[:-1]])
    a, q, p_inf = joint_transition(model, deltas, r)
    d = p_inf.shape[0]
    eye_r = xp.eye(r, dtype=shift.dtype, device=device(shift))
    m_f, p_f = [], []
    mean = xp.zeros((d,), dtype=shift.dtype, device=device(shift))
    cov = p_inf
    for s in range(s_count):
        if s > 0:
            mean = a[s, ...] @ m_f[-1]
            cov = a[s, ...] @ p_f[-1] @ a[s, ...].T + q[s, ...]
        lam = precision[s, ...]
        ph = cov[:, :r]  # P Hᵀ
        # gain = P Hᵀ M⁻¹ with M = I + Λ H P Hᵀ (not symmetric): solve with Mᵀ and transpose.
        gain = xp.linalg.solve((eye_r + lam @ cov[:r, :r]).T, ph.T).T
        mean = mean + gain @ (shift[s, ...] - lam @ mean[:r])
        cov = _sym(xp, cov - gain @ lam @ ph.T)
        m_f.append(mean)
        p_f.append(cov)
    m_s, p_s = [m_f[-1]], [p_f[-1]]
    for s in range(s_count - 2, -1, -1):
        a_next = a[s + 1, ...]
        predicted = a_next @ p_f[s] @ a_next.T + q[s + 1, ...]
        smoother_gain = xp.linalg.solve(predicted, a_next @ p_f[s]).T
        m_s.append(m_f[s] + smoother_gain @ (m_s[-1] - a_next @ m_f[s]))
        p_s.append(_sym(xp, p_f[s] + smoother_gain @ (p_s[-1] - predicted) @ smoother_gain.T))
    return StateSpacePosterior(coordinates, xp.stack(m_f), xp.stack(p_f), xp.stack(m_s[::-1]),
                               xp.stack(p_s[::-1]), r)


def condition(model: MaternStateSpace, posterior: StateSpacePosterior, points: Any):
    """Posterior mean (B, R) and covariance (B, R, R) of the latent functions at ``points`` (B,).

    Between training coordinates ``c_{l-1} <= t < c_l``: the filtered state at ``c_{l-1}``
    predicted to ``t``, then one RTS step against the smoothed state at ``c_l`` — the exact
    posterior, since nothing is observed at ``t``.  Beyond the last coordinate: forward
    prediction.  Before the first: the stationary prior at ``t`` conditioned on the
    smoothed first state.
    """
    xp = array_namespace(points, posterior.smoothed_mean)
    c = posterior.coordinates
    s_count = c.shape[0]
    r = posterior.rank
    right = xp.searchsorted(c, points, side="right")  # c[right-1] <= t < c[right]
    left_idx = xp.clip(right - 1, 0, s_count - 1)
    right_idx = xp.clip(right, 0, s_count - 1)
    inside = (right > 0) & (right < s_count)
    after = right >= s_count
    zero = xp.zeros_like(points)
    delta_left = xp.where(right > 0, points - xp.take(c, left_idx), zero)
    delta_right = xp.where(right < s_count, xp.take(c, right_idx) - points, zero)
    a1, q1, p_inf = joint_transition(model, xp.maximum(delta_left, 0.0), r)
    a2, q2, _ = joint_transition(model, xp.maximum(delta_right, 0.0), r)
    t = xp.matrix_transpose

    # Interior: forward prediction from the filtered left state, RTS step to the smoothed right state.
    mf, pf = xp.take(posterior.filtered_mean, left_idx, axis=0), xp.take(posterior.filtered_cov, left_idx, axis=0)
    ms, ps = xp.take(posterior.smoothed_mean, right_idx, axis=0), xp.take(posterior.smoothed_cov, right_idx, axis=0)
    mean_pred = (a1 @ mf[..., None])[..., 0]
    cov_pred = a1 @ pf @ t(a1) + q1
    predicted_right = a2 @ cov_pred @ t(a2) + q2
    gain = t(xp.linalg.solve(predicted_right, a2 @ cov_pred))
    mean_in = mean_pred + (gain @ (ms - (a2 @ mean_pred[..., None])[..., 0])[..., None])[..., 0]
    cov_in = cov_pred + gain @ (ps - predicted_right) @ t(gain)

    # After the last coordinate: predict forward from the smoothed last state.
    ml, pl = xp.take(posterior.smoothed_mean, left_idx, axis=0), xp.take(posterior.smoothed_cov, left_idx, axis=0)
    mean_after = (a1 @ ml[..., None])[..., 0]
    cov_after = a1 @ pl @ t(a1) + q1

    # Before the first coordinate: stationary prior at t, conditioned on the smoothed first state.
    rhs = a2 @ p_inf  # cupy's solve does not broadcast the batch axes of a: give P∞ the batch of rhs
    prior_gain = t(xp.linalg.solve(xp.broadcast_to(p_inf, rhs.shape), rhs))  # P∞ A2ᵀ P∞⁻¹ (A2 P∞ A2ᵀ + Q2 = P∞)
    mean_before = (prior_gain @ ms[..., None])[..., 0]
    cov_before = p_inf + prior_gain @ (ps - p_inf) @ t(prior_gain)

    mean = xp.where(inside[:, None], mean_in, xp.where(after[:, None], mean_after, mean_before))
    cov = xp.where(inside[:, None, None], cov_in, xp.where(after[:, None, None], cov_after, cov_before))
    cov = _sym(xp, cov)
    return mean[:, :r], cov[:, :r, :r]
