"""Exact solutions of the heat equation ``u_t = κ Δu``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._base import ExactSolution
from .poisson import PoissonSineMode

__all__ = ["HeatFourierMode", "HeatKernel"]


class HeatFourierMode(ExactSolution):
    """Decaying Fourier mode on an interval or box with zero Dirichlet values.

    ``u = exp(-κ |k|² t) prod_i sin(k_i (x_i - a_i))`` with ``k_i = m_i π / L_i``.

    Parameters
    ----------
    dim : {1, 2, 3}
    kappa : float
        Diffusivity ``κ > 0``.
    modes : int or sequence of int
        Mode numbers ``m_i >= 1``.
    domain : sequence of (a, b), optional

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import HeatFourierMode
    >>> h = HeatFourierMode(1, kappa=1.0 / np.pi**2)
    >>> bool(np.isclose(h.solution(np.array([0.5]), t=1.0)[0], np.exp(-1.0), rtol=1e-14))
    True
    """

    equation = "u_t = κ Δu"
    bc = "dirichlet"
    time_dependent = True

    def __init__(self, dim: int = 1, *, kappa: float = 1.0, modes: int | Sequence[int] = 1, domain=None):
        self._mode = PoissonSineMode(dim, modes=modes, domain=domain)
        self.dim, self.domain = self._mode.dim, self._mode.domain
        self.kappa = float(kappa)
        if not self.kappa > 0:
            raise ValueError(f"kappa must be > 0, got {kappa}")
        self.decay_rate = self.kappa * sum(k * k for k in self._mode.wavenumbers)
        self.name = f"heat-{self.dim}d-mode"

    @property
    def coefficients(self):
        return {"dim": self.dim, "kappa": self.kappa, "modes": self._mode.modes, "domain": self.domain}

    def _solution(self, xp, *x, t):
        return math.exp(-self.decay_rate * t) * self._mode._solution(xp, *x, t=None)


class HeatKernel(ExactSolution):
    """The Gaussian heat kernel on the line, started at time ``t0 > 0``.

    ``u = (4πκ(t + t0))^(-1/2) exp(-(x - x0)² / (4κ(t + t0)))``; its integral is 1 for all t.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import HeatKernel
    >>> g = HeatKernel(kappa=0.25, t0=1.0)
    >>> bool(np.isclose(g.solution(np.array([0.0]), t=0.0)[0], 1 / np.sqrt(np.pi), rtol=1e-14))
    True
    """

    name = "heat-kernel-1d"
    equation = "u_t = κ u_xx"
    bc = "none"
    dim = 1
    domain = ((-math.inf, math.inf),)
    time_dependent = True

    def __init__(self, *, kappa: float = 1.0, x0: float = 0.0, t0: float = 0.1):
        self.kappa, self.x0, self.t0 = float(kappa), float(x0), float(t0)
        if not self.kappa > 0 or not self.t0 > 0:
            raise ValueError(f"kappa and t0 must be > 0, got kappa={kappa}, t0={t0}")

    @property
    def coefficients(self):
        return {"kappa": self.kappa, "x0": self.x0, "t0": self.t0}

    def _solution(self, xp, x, t):
        s = 4.0 * self.kappa * (t + self.t0)
        return xp.exp(-((x - self.x0) ** 2) / s) / math.sqrt(math.pi * s)
