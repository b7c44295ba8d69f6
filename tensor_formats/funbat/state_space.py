"""Matérn Gaussian processes as linear state-space models (one channel, then batched).

A Matérn-ν process with ``ν = p + 1/2`` is the first component of a ``p + 1``-dimensional
linear SDE ``dz = F z dt + L dβ`` with companion matrix ``F`` whose only eigenvalue is
``-λ`` (``λ = √(2ν)/ℓ``).  Hence ``N = F + λI`` is nilpotent and the transition has the
closed form ``A(Δ) = expm(FΔ) = e^(-λΔ) Σ_{j<=p} (NΔ)^j / j!``; the process noise follows
from stationarity, ``Q(Δ) = P∞ - A P∞ Aᵀ``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, device

__all__ = ["KERNELS", "MaternStateSpace"]

#: Kernel name -> ν.
KERNELS = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}


@dataclass(frozen=True)
class MaternStateSpace:
    """State-space form of a Matérn kernel ``κ(Δ) = σ² k_ν(Δ/ℓ)``.

    Parameters
    ----------
    kernel : {"matern12", "matern32", "matern52"}
    lengthscale, variance : float
        ``ℓ > 0`` and ``σ² > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.funbat.state_space import MaternStateSpace
    >>> ss = MaternStateSpace("matern32", lengthscale=0.5, variance=2.0)
    >>> A, Q = ss.transition(np.array([0.3]))
    >>> # the first state's covariance at lag 0.3 equals the kernel: (A P∞)[0, 0]
    >>> bool(np.isclose((A[0] @ ss.stationary_covariance())[0, 0], ss.covariance(0.3)))
    True
    """

    kernel: str
    lengthscale: float
    variance: float

    def __post_init__(self):
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {self.kernel!r}")
        if not (math.isfinite(self.lengthscale) and self.lengthscale > 0):
            raise ValueError(f"lengthscale must be a positive number, got {self.lengthscale}")
        if not (math.isfinite(self.variance) and self.variance > 0):
            raise ValueError(f"variance must be a positive number, got {self.variance}")

    @property
    def order(self) -> int:
        """State dimension ``p + 1`` (1, 2 or 3)."""
        return int(KERNELS[self.kernel] + 0.5)

    @property
    def rate(self) -> float:
        """``λ = √(2ν) / ℓ``."""
        return math.sqrt(2.0 * KERNELS[self.kernel]) / self.lengthscale

    def covariance(self, delta: float) -> float:
        """The kernel ``κ(Δ)`` (host float, for checks)."""
        r = self.rate * abs(delta)
        poly = {1: 1.0, 2: 1.0 + r, 3: 1.0 + r + r * r / 3.0}[self.order]
        return self.variance * poly * math.exp(-r)

    def stationary_covariance(self) -> list[list[float]]:
        """``P∞`` as nested host lists (it is tiny)."""
        s, lam = self.variance, self.rate
        if self.order == 1:
            return [[s]]
        if self.order == 2:
            return [[s, 0.0], [0.0, lam * lam * s]]
        q = lam * lam * s / 3.0
        return [[s, 0.0, -q], [0.0, q, 0.0], [-q, 0.0, s * lam**4]]

    def _nilpotent(self) -> list[list[float]]:
        lam = self.rate
        if self.order == 1:
            return [[0.0]]
        if self.order == 2:
            return [[lam, 1.0], [-lam * lam, -lam]]
        return [[lam, 1.0, 0.0], [0.0, lam, 1.0], [-lam**3, -3.0 * lam * lam, -2.0 * lam]]

    def transition(self, deltas: Any):
        """``(A, Q)`` for each gap, arrays of shape ``(S, p+1, p+1)`` in the namespace of ``deltas``."""
        xp = array_namespace(deltas)
        if not bool(xp.all(deltas >= 0)):
            raise ValueError("state-space gaps must be non-negative")
        dev = device(deltas)
        n = xp.asarray(self._nilpotent(), dtype=deltas.dtype, device=dev)
        p_inf = xp.asarray(self.stationary_covariance(), dtype=deltas.dtype, device=dev)
        d = self.order
        eye = xp.eye(d, dtype=deltas.dtype, device=dev)
        delta = deltas[:, None, None]
        poly = eye + delta * n
        if d == 3:
            poly = poly + 0.5 * delta * delta * (n @ n)
        a = xp.exp(-self.rate * delta) * poly
        q = p_inf - a @ p_inf @ xp.matrix_transpose(a)
        return a, 0.5 * (q + xp.matrix_transpose(q))
