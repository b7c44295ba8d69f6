"""Exact solutions of linear advection and the wave equation on a periodic interval."""

from __future__ import annotations

import math

from ._base import ExactSolution

__all__ = ["Advection1D", "Wave1D"]


class Advection1D(ExactSolution):
    """``u_t + c u_x = 0`` on ``[0, L)`` periodic: ``u = u0(x - ct)``.

    ``u0(x) = sin(2πx/L) + 0.5 cos(4πx/L)``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import Advection1D
    >>> a = Advection1D(velocity=1.0)
    >>> x = np.array([0.1, 0.6])
    >>> bool(np.allclose(a.solution(x, t=1.0), a.initial(x)))   # one period later
    True
    """

    name = "advection-1d"
    equation = "u_t + c u_x = 0"
    bc = "periodic"
    dim = 1
    time_dependent = True

    def __init__(self, *, velocity: float = 1.0, length: float = 1.0):
        self.velocity, self.length = float(velocity), float(length)
        if not self.length > 0:
            raise ValueError(f"length must be > 0, got {length}")
        self.domain = ((0.0, self.length),)

    @property
    def coefficients(self):
        return {"velocity": self.velocity, "length": self.length}

    def _profile(self, xp, x):
        k = 2.0 * math.pi / self.length
        return xp.sin(k * x) + 0.5 * xp.cos(2.0 * k * x)

    def _solution(self, xp, x, t):
        return self._profile(xp, x - self.velocity * t)


class Wave1D(ExactSolution):
    """``u_tt = c² u_xx`` on ``[0, L)`` periodic, by d'Alembert's formula.

    Initial displacement ``f = sin(2πx/L)``, initial velocity ``g = cos(4πx/L)``:
    ``u = (f(x - ct) + f(x + ct))/2 + (G(x + ct) - G(x - ct)) / (2c)`` with
    ``G = L/(4π) sin(4πx/L)`` an antiderivative of ``g``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import Wave1D
    >>> w = Wave1D(speed=1.0)
    >>> x = np.array([0.2])
    >>> bool(np.allclose(w.solution(x, t=0.0), np.sin(2 * np.pi * x)))
    True
    """

    name = "wave-1d"
    equation = "u_tt = c² u_xx"
    bc = "periodic"
    dim = 1
    time_dependent = True

    def __init__(self, *, speed: float = 1.0, length: float = 1.0):
        self.speed, self.length = float(speed), float(length)
        if not (self.speed > 0 and self.length > 0):
            raise ValueError("speed and length must be > 0")
        self.domain = ((0.0, self.length),)

    @property
    def coefficients(self):
        return {"speed": self.speed, "length": self.length}

    def _solution(self, xp, x, t):
        k = 2.0 * math.pi / self.length
        c = self.speed
        f = 0.5 * (xp.sin(k * (x - c * t)) + xp.sin(k * (x + c * t)))
        big_g = lambda s: xp.sin(2.0 * k * s) / (2.0 * k)  # noqa: E731
        return f + (big_g(x + c * t) - big_g(x - c * t)) / (2.0 * c)

    def initial_velocity(self, x):
        """The initial velocity ``g(x) = u_t(x, 0)``."""
        xp, (x,) = self._check_points((x,))
        return xp.cos(4.0 * math.pi * x / self.length)
