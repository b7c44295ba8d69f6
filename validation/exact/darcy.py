"""1D variable-coefficient Darcy problem ``-(a u')' = f`` with ``u(0) = u(1) = 0``."""

from __future__ import annotations

import math
from collections.abc import Callable

from sciml.backend import device

from ._base import ExactSolution

__all__ = ["Darcy1D", "DarcyManufactured"]


def _default_coefficient(x):
    return 1.0 + 0.5 * (x * x + 0.2) ** 0.5


class Darcy1D(ExactSolution):
    """Exact solution of ``-(a u')' = f`` on ``[0, 1]`` by Gauss–Legendre quadrature.

    Integrating twice, ``a u' = C - F`` with ``F(x) = ∫_0^x f``, hence
    ``u(x) = C ∫_0^x 1/a - ∫_0^x F/a`` and ``C = ∫_0^1 F/a / ∫_0^1 1/a``.  Each integral
    from 0 to ``x`` uses a Gauss–Legendre rule of ``quadrature_order`` nodes mapped to
    ``[0, x]``, so ``a`` and ``f`` must be smooth (analytic) on ``[0, 1]``: then the
    result is exact to round-off.

    Parameters
    ----------
    coefficient : callable
        ``a(x)`` on arrays, positive on ``[0, 1]``.  Default ``1 + 0.5 sqrt(x² + 0.2)``.
    source : callable or float
        ``f(x)`` on arrays, or a constant.  Default 1.
    quadrature_order : int
        Gauss–Legendre nodes per integral.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import Darcy1D
    >>> d = Darcy1D(coefficient=lambda x: 1.0 + 0.0 * x)   # -u'' = 1: u = x(1 - x)/2
    >>> float(d.solution(np.array([0.5]))[0])
    0.125
    """

    name = "darcy-1d"
    equation = "-(a u')' = f"
    bc = "dirichlet"
    dim = 1
    domain = ((0.0, 1.0),)

    def __init__(self, *, coefficient: Callable | None = None, source: Callable | float = 1.0,
                 quadrature_order: int = 40):
        import numpy as np

        import math

        if not callable(source) and not math.isfinite(float(source)):
            raise ValueError(f"source must be a callable or a finite number, got {source}")
        if int(quadrature_order) < 1:
            raise ValueError(f"quadrature_order must be >= 1, got {quadrature_order}")
        self._a = coefficient if coefficient is not None else _default_coefficient
        self._f = source if callable(source) else (lambda x, c=float(source): c + 0.0 * x)
        self.quadrature_order = int(quadrature_order)
        nodes, weights = np.polynomial.legendre.leggauss(self.quadrature_order)
        # Host-side rule on [0, 1]: s = (1 + t)/2, w/2.
        self._nodes = tuple(float(v) for v in 0.5 * (nodes + 1.0))
        self._weights = tuple(float(v) for v in 0.5 * weights)

    @property
    def coefficients(self):
        return {"quadrature_order": self.quadrature_order}

    def coefficient(self, x):
        """The permeability ``a(x)``."""
        xp, (x,) = self._check_points((x,))
        return self._a(x)

    def _rule(self, xp, x):
        """Nodes ``x s_j`` (new last axis) and weights ``x w_j`` of ``∫_0^x``."""
        s = xp.asarray(self._nodes, dtype=x.dtype, device=device(x))
        w = xp.asarray(self._weights, dtype=x.dtype, device=device(x))
        return x[..., None] * s, x[..., None] * w

    def _integrals(self, xp, x):
        """``(∫_0^x 1/a, ∫_0^x F/a)`` elementwise."""
        nodes, weights = self._rule(xp, x)
        inner_nodes, inner_weights = self._rule(xp, nodes)
        big_f = xp.sum(inner_weights * self._f(inner_nodes), axis=-1)
        a = self._a(nodes)
        if not bool(xp.all(a > 0)):
            raise ValueError("the coefficient a(x) must be positive on [0, 1]")
        return xp.sum(weights / a, axis=-1), xp.sum(weights * big_f / a, axis=-1)

    def _constant(self, xp, like):
        one = xp.ones((1,), dtype=like.dtype, device=device(like))
        inv_a, f_over_a = self._integrals(xp, one)
        return f_over_a / inv_a

    def _solution(self, xp, x, t):
        inv_a, f_over_a = self._integrals(xp, x)
        return self._constant(xp, x) * inv_a - f_over_a

    def _source(self, xp, x, t):
        return self._f(x)

    def flux(self, x):
        """The flux ``a u' = C - F(x)``."""
        xp, (x,) = self._check_points((x,))
        nodes, weights = self._rule(xp, x)
        return self._constant(xp, x) - xp.sum(weights * self._f(nodes), axis=-1)


class DarcyManufactured(ExactSolution):
    """Manufactured 2D solution of ``-∇·(a ∇u) = f`` on the unit square, ``u = 0`` on its boundary.

    ``u = sin(πx) sin(πy)`` with the smooth, non-separable coefficient
    ``a = 2 + sin(2πx) cos(3πy)`` (between 1 and 3); :meth:`source` is the matching ``f``.
    Second-order finite volumes converge to it with order 2.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import DarcyManufactured
    >>> d = DarcyManufactured()
    >>> x, y = np.array([0.5]), np.array([0.5])
    >>> float(d.solution(x, y)[0]), float(d.coefficient(x, y)[0])
    (1.0, 2.0)
    """

    name = "darcy-2d-manufactured"
    equation = "-div(a grad u) = f"
    bc = "dirichlet"
    dim = 2
    domain = ((0.0, 1.0), (0.0, 1.0))

    def coefficient(self, x, y):
        """The coefficient ``a(x, y)``."""
        xp, (x, y) = self._check_points((x, y))
        return self._coefficient(xp, x, y)

    @staticmethod
    def _coefficient(xp, x, y):
        return 2.0 + xp.sin(2.0 * math.pi * x) * xp.cos(3.0 * math.pi * y)

    def _solution(self, xp, x, y, t):
        return xp.sin(math.pi * x) * xp.sin(math.pi * y)

    def _source(self, xp, x, y, t):
        pi = math.pi
        a = self._coefficient(xp, x, y)
        a_x = 2.0 * pi * xp.cos(2.0 * pi * x) * xp.cos(3.0 * pi * y)
        a_y = -3.0 * pi * xp.sin(2.0 * pi * x) * xp.sin(3.0 * pi * y)
        u = xp.sin(pi * x) * xp.sin(pi * y)
        u_x = pi * xp.cos(pi * x) * xp.sin(pi * y)
        u_y = pi * xp.sin(pi * x) * xp.cos(pi * y)
        return -(a_x * u_x + a_y * u_y) + 2.0 * pi**2 * a * u
