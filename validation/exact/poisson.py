"""Exact solutions of the Poisson equation ``-Δu = f`` in 1, 2 and 3 dimensions."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._base import Domain, ExactSolution

__all__ = ["PoissonSineMode", "PoissonCosineMode", "PoissonManufactured"]


def _box(dim: int, domain: Sequence[tuple[float, float]] | None) -> Domain:
    if dim not in (1, 2, 3):
        raise ValueError(f"dim must be 1, 2 or 3, got {dim}")
    if domain is None:
        return ((0.0, 1.0),) * dim
    box = tuple((float(a), float(b)) for a, b in domain)
    if len(box) != dim:
        raise ValueError(f"domain has {len(box)} intervals for dim={dim}")
    for a, b in box:
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            raise ValueError(f"each domain interval needs finite a < b, got ({a}, {b})")
    return box


def _modes(dim: int, modes: int | Sequence[int]) -> tuple[int, ...]:
    k = (int(modes),) * dim if isinstance(modes, int) else tuple(int(m) for m in modes)
    if len(k) != dim:
        raise ValueError(f"modes has {len(k)} entries for dim={dim}")
    return k


class _ProductMode(ExactSolution):
    """``u = prod_i g(k_i π (x_i - a_i) / L_i)`` with ``g`` = sin or cos."""

    equation = "-Δu = f"

    def __init__(self, dim: int = 2, *, modes: int | Sequence[int] = 1, domain=None):
        self.dim = int(dim)
        self.domain = _box(self.dim, domain)
        self.modes = _modes(self.dim, modes)
        self.wavenumbers = tuple(
            math.pi * k / (b - a) for k, (a, b) in zip(self.modes, self.domain)
        )

    @property
    def coefficients(self):
        return {"dim": self.dim, "modes": self.modes, "domain": self.domain}

    def _factor(self, xp, c, axis):
        raise NotImplementedError

    def _solution(self, xp, *x, t):
        u = None
        for axis, c in enumerate(x):
            f = self._factor(xp, c, axis)
            u = f if u is None else u * f
        return u

    def _source(self, xp, *x, t):
        return sum(k * k for k in self.wavenumbers) * self._solution(xp, *x, t=t)


class PoissonSineMode(_ProductMode):
    """Dirichlet sine mode ``u = prod_i sin(k_i π (x_i - a_i)/L_i)``, ``u = 0`` on the boundary.

    Parameters
    ----------
    dim : {1, 2, 3}
    modes : int or sequence of int
        Mode numbers ``k_i >= 1`` per axis.
    domain : sequence of (a, b), optional
        The box; the unit box by default.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import PoissonSineMode
    >>> p = PoissonSineMode(2, modes=(1, 2))
    >>> x, y = np.array([0.5]), np.array([0.25])
    >>> float(p.solution(x, y)[0]), float(p.source(x, y)[0] / p.solution(x, y)[0] / np.pi**2)
    (1.0, 5.0)
    """

    name = "poisson-sine"
    bc = "dirichlet"

    def __init__(self, dim: int = 2, *, modes: int | Sequence[int] = 1, domain=None):
        super().__init__(dim, modes=modes, domain=domain)
        if any(k < 1 for k in self.modes):
            raise ValueError(f"sine modes must be >= 1, got {self.modes}")
        self.name = f"poisson-{self.dim}d-sine"

    def _factor(self, xp, c, axis):
        return xp.sin(self.wavenumbers[axis] * (c - self.domain[axis][0]))


class PoissonCosineMode(_ProductMode):
    """Neumann cosine mode ``u = prod_i cos(k_i π (x_i - a_i)/L_i)``, ``∂u/∂n = 0``.

    The solution has zero mean over the box when any ``k_i >= 1`` (which is required),
    the normalisation under which the pure Neumann problem has a unique solution.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import PoissonCosineMode
    >>> p = PoissonCosineMode(1, modes=2)
    >>> float(p.boundary(np.array([0.0]))[0])   # outward normal derivative
    0.0
    """

    name = "poisson-cosine"
    bc = "neumann"

    def __init__(self, dim: int = 2, *, modes: int | Sequence[int] = 1, domain=None):
        super().__init__(dim, modes=modes, domain=domain)
        if any(k < 0 for k in self.modes) or all(k == 0 for k in self.modes):
            raise ValueError(f"cosine modes must be >= 0 and not all zero, got {self.modes}")
        self.name = f"poisson-{self.dim}d-cosine"

    def _factor(self, xp, c, axis):
        return xp.cos(self.wavenumbers[axis] * (c - self.domain[axis][0]))

    def _boundary(self, xp, *x, t):
        return self._zeros_like(xp, *x)


class PoissonManufactured(ExactSolution):
    """Non-separable manufactured solution ``u = 1 / (1 + α |x - c|²)``.

    Its Dirichlet data is non-zero and varies along every face, and
    ``-Δu = 2αd / (1 + αs)² - 8α² s / (1 + αs)³`` with ``s = |x - c|²``.

    Parameters
    ----------
    dim : {1, 2, 3}
    alpha : float
        Sharpness, ``> 0``.
    center : sequence of float, optional
        Defaults to ``(0.3, 0.6, 0.45)`` cut to ``dim``.
    domain : sequence of (a, b), optional

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import PoissonManufactured
    >>> p = PoissonManufactured(1, alpha=1.0, center=(0.0,))
    >>> float(p.solution(np.array([1.0]))[0]), float(p.source(np.array([0.0]))[0])
    (0.5, 2.0)
    """

    equation = "-Δu = f"
    bc = "dirichlet"

    def __init__(self, dim: int = 2, *, alpha: float = 4.0, center=None, domain=None):
        self.dim = int(dim)
        self.domain = _box(self.dim, domain)
        self.alpha = float(alpha)
        if not self.alpha > 0:
            raise ValueError(f"alpha must be > 0, got {alpha}")
        c = (0.3, 0.6, 0.45)[: self.dim] if center is None else tuple(float(v) for v in center)
        if len(c) != self.dim:
            raise ValueError(f"center has {len(c)} entries for dim={dim}")
        self.center = c
        self.name = f"poisson-{self.dim}d-manufactured"

    @property
    def coefficients(self):
        return {"dim": self.dim, "alpha": self.alpha, "center": self.center, "domain": self.domain}

    def _s(self, x):
        return sum((c - c0) ** 2 for c, c0 in zip(x, self.center))

    def _solution(self, xp, *x, t):
        return 1.0 / (1.0 + self.alpha * self._s(x))

    def _source(self, xp, *x, t):
        s = self._s(x)
        q = 1.0 + self.alpha * s
        a, d = self.alpha, self.dim
        return 2.0 * a * d / q**2 - 8.0 * a * a * s / q**3
