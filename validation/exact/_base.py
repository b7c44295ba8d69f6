"""The interface shared by every analytic solution."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device, namespace_for

__all__ = ["ExactSolution", "Domain"]

Domain = tuple[tuple[float, float], ...]


class ExactSolution:
    """An analytic solution together with the data that poses its problem.

    Subclasses set ``name``, ``equation``, ``dim`` (number of spatial coordinates),
    ``domain`` (one ``(a, b)`` per coordinate, infinite for the whole line/space),
    ``bc`` (kind of boundary data: ``"dirichlet"``, ``"neumann"``, ``"periodic"`` or
    ``"none"``) and ``time_dependent``, and implement :meth:`_solution`.

    Coordinates are passed as separate arrays, one per spatial axis, that broadcast
    against each other (``solution(x, y)`` with ``x`` of shape ``(n, 1)`` and ``y`` of
    shape ``(1, n)`` gives an ``(n, n)`` grid).  Results live in the namespace of the
    coordinates.  Points outside the domain, NaN coordinates, or a negative time raise
    ``ValueError``; periodic problems (``bc == "periodic"``) accept any real coordinate.

    Examples
    --------
    >>> import numpy as np
    >>> from validation import exact
    >>> problem = exact.PoissonSineMode(2)                  # an ExactSolution
    >>> x = np.linspace(0, 1, 5)
    >>> problem.solution(x[:, None], x[None, :]).shape, problem.equation
    ((5, 5), '-Δu = f')
    """

    name: str = "exact"
    equation: str = ""
    dim: int = 1
    domain: Domain = ((0.0, 1.0),)
    bc: str = "dirichlet"
    time_dependent: bool = False
    #: Relative slack when testing that points lie inside the domain.
    domain_tolerance: float = 1e-12

    def __init_subclass__(cls, **kwargs):
        """Every concrete constructor ends with :meth:`_check_coefficients` (NaN, inf, a
        reversed domain are refused once, at the boundary, for every solution alike)."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def checked_init(self, *args, **options):
            if type(self).__init__ is checked_init:  # numbers in, before any arithmetic on them
                for name, value in [*((f"argument {i}", v) for i, v in enumerate(args)), *options.items()]:
                    if any(not math.isfinite(v) for v in _numbers(value)):
                        raise ValueError(f"{name} of {cls.__name__} must be finite, got {value}")
            init(self, *args, **options)
            if type(self).__init__ is checked_init:  # the outermost constructor, once
                self._check_coefficients()

        cls.__init__ = checked_init

    def _check_coefficients(self) -> None:
        for name, value in self.coefficients.items():
            if name == "domain":
                continue
            for v in _numbers(value):
                if not math.isfinite(v):
                    raise ValueError(f"{name} must be finite, got {value}")
        for axis, (a, b) in enumerate(self.domain):
            if math.isnan(a) or math.isnan(b) or not a < b:
                raise ValueError(f"axis {axis} of the domain needs a < b, got ({a}, {b})")

    # -- public interface -------------------------------------------------------------
    def solution(self, *x: Any, t: float | None = None):
        """The exact solution at points ``x`` (and time ``t`` when time-dependent)."""
        xp, x = self._check_points(x)
        return self._finite(xp, "solution", self._solution(xp, *x, t=self._check_time(t)))

    def source(self, *x: Any, t: float | None = None):
        """Right-hand side (forcing) of the equation at ``x``; zero unless overridden."""
        xp, x = self._check_points(x)
        return self._finite(xp, "source", self._source(xp, *x, t=self._check_time(t)))

    def boundary(self, *x: Any, t: float | None = None):
        """Boundary data at boundary points ``x``.

        The kind of data follows :attr:`bc`: values for Dirichlet problems, the outward
        normal derivative for Neumann problems.  The points are not required to lie on
        the boundary (the Dirichlet data of a solution is the solution itself).
        """
        xp, x = self._check_points(x)
        return self._finite(xp, "boundary", self._boundary(xp, *x, t=self._check_time(t)))

    def initial(self, *x: Any):
        """Initial values at ``t = 0`` (time-dependent problems only)."""
        if not self.time_dependent:
            raise TypeError(f"{self.name} is a steady problem and has no initial values")
        return self.solution(*x, t=0.0)

    @property
    def coefficients(self) -> dict[str, Any]:
        """The problem's parameters by name (viscosity, diffusivity, wave numbers, ...)."""
        return {}

    def grid(self, n: int | Sequence[int], *, kind: str = "cell", backend: str = "numpy"):
        """Coordinates of a uniform tensor grid on the (finite) domain.

        Parameters
        ----------
        n : int or sequence of int
            Points (cells) per axis.
        kind : {"cell", "vertex", "interior", "periodic"}
            ``cell``: cell centres ``a + (i + 1/2) h``, ``h = (b - a)/n``;
            ``vertex``: ``n + 1`` points including both ends;
            ``interior``: ``n - 1`` interior vertices;
            ``periodic``: ``a + i h`` for ``i < n``.
        backend : str
            Array backend of the result.

        Returns
        -------
        tuple of arrays
            One array per axis, shaped to broadcast into the full grid.
        """
        xp = namespace_for(backend)
        sizes = [int(n)] * self.dim if isinstance(n, (int,)) else [int(v) for v in n]
        if len(sizes) != self.dim:
            raise ValueError(f"n has {len(sizes)} entries for a {self.dim}-dimensional domain")
        axes = []
        for axis, ((a, b), m) in enumerate(zip(self.domain, sizes)):
            if not (math.isfinite(a) and math.isfinite(b)):
                raise ValueError(f"axis {axis} of {self.name} is unbounded; pass coordinates explicitly")
            if m < 2:
                raise ValueError(f"need at least 2 points per axis, got {m}")
            h = (b - a) / m
            if kind == "cell":
                c = a + (xp.arange(m, dtype=xp.float64) + 0.5) * h
            elif kind == "vertex":
                c = xp.linspace(a, b, m + 1, dtype=xp.float64)
            elif kind == "interior":
                c = a + xp.arange(1, m, dtype=xp.float64) * h
            elif kind == "periodic":
                c = a + xp.arange(m, dtype=xp.float64) * h
            else:
                raise ValueError(f"kind must be 'cell', 'vertex', 'interior' or 'periodic', got {kind!r}")
            shape = [1] * self.dim
            shape[axis] = c.shape[0]
            axes.append(xp.reshape(c, tuple(shape)))
        return tuple(axes)

    # -- hooks ------------------------------------------------------------------------
    def _solution(self, xp, *x, t):
        raise NotImplementedError

    def _source(self, xp, *x, t):
        return self._zeros_like(xp, *x)

    def _boundary(self, xp, *x, t):
        if self.bc == "neumann":
            raise NotImplementedError(f"{self.name} does not provide Neumann data")
        return self._solution(xp, *x, t=t)

    # -- helpers ----------------------------------------------------------------------
    def _finite(self, xp, what: str, values):
        """``values``, or a ValueError: finite points and parameters must not give NaN/inf
        (extreme parameters, e.g. a viscosity of 1e-300, overflow the closed form)."""
        if not bool(xp.all(xp.isfinite(values))):
            raise ValueError(f"the {what} of {self!r} overflows or is undefined at these points "
                             "(parameters outside the floating-point range of the closed form)")
        return values

    @staticmethod
    def _zeros_like(xp, *x):
        shape = xp.broadcast_arrays(*x)[0].shape
        return xp.zeros(shape, dtype=x[0].dtype, device=device(x[0]))

    def _check_time(self, t):
        if not self.time_dependent:
            if t is not None:
                raise ValueError(f"{self.name} is steady; do not pass t")
            return None
        if t is None:
            raise ValueError(f"{self.name} is time-dependent; pass t")
        t = float(t)
        if not math.isfinite(t) or t < 0:
            raise ValueError(f"t must be finite and >= 0, got {t}")
        return t

    def _check_points(self, x: tuple[Any, ...]):
        if len(x) != self.dim:
            raise ValueError(f"{self.name} takes {self.dim} coordinate array(s), got {len(x)}")
        xp = array_namespace(*x)
        x = tuple(xp.asarray(c) for c in x)
        for c in x:
            if not xp.isdtype(c.dtype, "real floating"):
                raise TypeError(f"coordinates must be real floating arrays, got dtype {c.dtype}")
        try:
            xp.broadcast_arrays(*x)
        except ValueError as exc:
            raise ValueError(
                f"coordinate shapes {[tuple(c.shape) for c in x]} do not broadcast"
            ) from exc
        for axis, (c, (a, b)) in enumerate(zip(x, self.domain)):
            if not bool(xp.all(xp.isfinite(c))):
                raise ValueError(f"coordinate {axis} contains NaN or infinite values")
            if self.bc == "periodic":
                continue
            slack = self.domain_tolerance * (b - a if math.isfinite(b - a) else 1.0)
            if math.isfinite(a) and bool(xp.any(c < a - slack)) or math.isfinite(b) and bool(
                xp.any(c > b + slack)
            ):
                raise ValueError(
                    f"coordinate {axis} has points outside the domain [{a}, {b}] of {self.name}"
                )
        return xp, x

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.coefficients.items())
        return f"{type(self).__name__}({params})"


def _numbers(value: Any) -> list[float]:
    """The real numbers in a coefficient (a number or nested sequences of them)."""
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _numbers(item)]
    return []
