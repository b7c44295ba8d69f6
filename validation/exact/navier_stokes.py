"""Exact solutions of 2D incompressible Navier–Stokes in vorticity form on the unit torus.

``ω_t + u·∇ω = ν Δω + F`` with ``u = (ψ_y, -ψ_x)`` and ``-Δψ = ω``.
"""

from __future__ import annotations

import math

from ._base import ExactSolution

__all__ = ["TaylorGreenVortex", "KolmogorovFlow"]

_TORUS = ((0.0, 1.0), (0.0, 1.0))


class TaylorGreenVortex(ExactSolution):
    """Decaying Taylor–Green vortex ``ω = A sin(kx) sin(ky) e^(-2νk²t)``, ``k = 2π m``.

    The advection term vanishes (ω is a multiple of ψ), so the vortex decays by
    viscosity alone.  :meth:`velocity` gives ``(u, v)``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import TaylorGreenVortex
    >>> tg = TaylorGreenVortex(nu=1e-3)
    >>> x, y = np.array([0.25]), np.array([0.25])
    >>> float(tg.solution(x, y, t=0.0)[0])
    1.0
    """

    name = "navier-stokes-taylor-green"
    equation = "ω_t + u·∇ω = ν Δω"
    bc = "periodic"
    dim = 2
    domain = _TORUS
    time_dependent = True

    def __init__(self, *, nu: float = 1e-3, amplitude: float = 1.0, wavenumber: int = 1):
        self.nu, self.amplitude, self.wavenumber = float(nu), float(amplitude), int(wavenumber)
        if not self.nu > 0 or self.wavenumber < 1:
            raise ValueError("nu must be > 0 and wavenumber >= 1")
        self.k = 2.0 * math.pi * self.wavenumber

    @property
    def coefficients(self):
        return {"nu": self.nu, "amplitude": self.amplitude, "wavenumber": self.wavenumber}

    def _amplitude(self, t):
        return self.amplitude * math.exp(-2.0 * self.nu * self.k**2 * t)

    def _solution(self, xp, x, y, t):
        return self._amplitude(t) * xp.sin(self.k * x) * xp.sin(self.k * y)

    def velocity(self, x, y, *, t: float):
        """Velocity ``(u, v) = (ψ_y, -ψ_x)`` with ``ψ = ω / (2k²)``."""
        xp, (x, y) = self._check_points((x, y))
        a = self._amplitude(self._check_time(t)) / (2.0 * self.k)
        return a * xp.sin(self.k * x) * xp.cos(self.k * y), -a * xp.cos(self.k * x) * xp.sin(self.k * y)


class KolmogorovFlow(ExactSolution):
    """Forced flow ``F = A (sin θ + cos θ)``, ``θ = 2π (k1 x + k2 y)``, and its exact transient.

    Every field is a function of ``θ`` alone, so advection vanishes and
    ``ω(t) = ω_s + (ω_0 - ω_s) e^(-ν|K|² t)`` with the steady state
    ``ω_s = F / (ν |K|²)``, ``|K|² = 4π²(k1² + k2²)``, and ``ω_0 = initial_fraction · ω_s``.
    The default forcing is the one of the FNO Navier–Stokes data sets.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import KolmogorovFlow
    >>> kf = KolmogorovFlow(nu=1e-3)
    >>> x, y = np.array([0.0]), np.array([0.0])
    >>> bool(np.isclose(kf.steady(x, y)[0], 0.1 / (1e-3 * 8 * np.pi**2)))
    True
    """

    name = "navier-stokes-kolmogorov"
    equation = "ω_t + u·∇ω = ν Δω + F"
    bc = "periodic"
    dim = 2
    domain = _TORUS
    time_dependent = True

    def __init__(self, *, nu: float = 1e-3, amplitude: float = 0.1, wavevector=(1, 1),
                 initial_fraction: float = 0.0):
        self.nu, self.amplitude = float(nu), float(amplitude)
        self.wavevector = tuple(int(k) for k in wavevector)
        if not self.nu > 0 or len(self.wavevector) != 2 or self.wavevector == (0, 0):
            raise ValueError("nu must be > 0 and wavevector a non-zero integer pair")
        self.initial_fraction = float(initial_fraction)
        self.k2 = 4.0 * math.pi**2 * (self.wavevector[0] ** 2 + self.wavevector[1] ** 2)

    @property
    def coefficients(self):
        return {"nu": self.nu, "amplitude": self.amplitude, "wavevector": self.wavevector,
                "initial_fraction": self.initial_fraction}

    def _shape(self, xp, x, y):
        theta = 2.0 * math.pi * (self.wavevector[0] * x + self.wavevector[1] * y)
        return xp.sin(theta) + xp.cos(theta)

    def _source(self, xp, x, y, t):
        return self.amplitude * self._shape(xp, x, y)

    def _solution(self, xp, x, y, t):
        factor = 1.0 + (self.initial_fraction - 1.0) * math.exp(-self.nu * self.k2 * t)
        return factor * self.amplitude / (self.nu * self.k2) * self._shape(xp, x, y)

    def forcing(self, x, y):
        """The forcing ``F(x, y)`` (same as :meth:`source`, without ``t``)."""
        return self.source(x, y, t=0.0)

    def steady(self, x, y):
        """The steady state ``ω_s = F / (ν |K|²)``."""
        xp, (x, y) = self._check_points((x, y))
        return self.amplitude / (self.nu * self.k2) * self._shape(xp, x, y)
