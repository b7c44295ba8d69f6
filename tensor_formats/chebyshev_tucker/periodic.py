"""Periodic modes: :class:`PeriodicChebyshevTucker`, a Tucker function whose modes are each
either Chebyshev (as in :class:`~tensor_formats.ChebyshevTucker`) or periodic with the real
trigonometric basis of :mod:`tensor_formats.fourier` on equispaced points (Chebfun3's
``'trig'`` variables).

Construction samples the full tensor grid (Chebyshev points on the Chebyshev modes,
equispaced points on the periodic ones), grows each unresolved mode and chops each mode to
``tol``: trailing Chebyshev coefficients, trailing wavenumbers (pairs of rows) on a periodic
mode.  A function declared periodic whose values at the two ends of the period differ raises
``ValueError``; one that is periodic but not resolved at the degree cap warns "not resolved".
Products are re-sampled on the product grid (full sampling, not cross approximation).

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> f = ChebyshevTucker.from_function(lambda x, y: np.sin(2 * np.pi * x) ** 2 * np.exp(y),
...                                   [(0, 1), (0, 1)], periodic=(True, False))
>>> f.degrees[0], bool(abs(f.integral() - 0.5 * (np.e - 1)) < 1e-13)
(2, True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace, namespace_for

from .. import chebyshev as cheb
from .. import fourier
from ..tucker import TuckerTensor, hosvd, mode_product
from .grid import MAX_SAMPLES, check_domain, sample
from .simplify import chop_degree, pad_rows

__all__ = ["PeriodicChebyshevTucker"]


def _rows_to_keep(profile: Any, tol: float, periodic: bool) -> int:
    keep = chop_degree(profile, tol)
    return keep + 1 - keep % 2 if periodic else keep  # whole wavenumbers: an odd number of rows


def _wavenumber_profile(xp, profile):
    """Row profile of a periodic mode folded to one entry per wavenumber (max of cos and sin)."""
    pairs = xp.reshape(profile[1:], (-1, 2))
    return xp.concat([profile[:1], xp.max(pairs, axis=1)])


class PeriodicChebyshevTucker:
    """A function on a box in Tucker form with Chebyshev and periodic (Fourier) modes.

    Build one with ``ChebyshevTucker.from_function(f, box, periodic=(...))`` or
    :meth:`from_function`.

    Parameters
    ----------
    core : array of shape ``ranks``
    factors : sequence of arrays
        ``V_k`` of shape ``(m_k, r_k)``: Chebyshev coefficients, or trigonometric
        coefficients (``m_k = 2K + 1`` rows ordered as in :mod:`tensor_formats.fourier`) on a
        periodic mode.
    domain : sequence of (a, b)
        On a periodic mode, ``b - a`` is the period.
    periodic : sequence of bool
    tol : float

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev_tucker import PeriodicChebyshevTucker
    >>> f = PeriodicChebyshevTucker.from_function(lambda x, y: np.cos(x) * y, [(0, 2 * np.pi), (0, 1)],
    ...                                           periodic=(True, False))
    >>> f.ranks, f.degrees
    ((1, 1), (1, 1))
    >>> round(float(f.diff(0)(np.array([[np.pi / 2, 1.0]]))[0]), 12)
    -1.0
    """

    def __init__(self, core: Any, factors: Sequence[Any], domain: Sequence[Sequence[float]], *,
                 periodic: Sequence[bool], tol: float = 1e-12):
        self.domain = check_domain(domain)
        self.core = core
        self.factors = list(factors)
        self.periodic = tuple(bool(p) for p in periodic)
        self.tol = float(tol)
        TuckerTensor(core, self.factors)  # validates shapes
        if not len(self.factors) == len(self.domain) == len(self.periodic):
            raise ValueError(f"{len(self.factors)} factors and {len(self.periodic)} periodic flags for a "
                             f"{len(self.domain)}-dimensional domain")
        for k, v in enumerate(self.factors):
            if self.periodic[k] and v.shape[0] % 2 == 0:
                raise ValueError(f"periodic mode {k} needs an odd number of coefficient rows, got {v.shape[0]}")

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_function(cls, f: Callable[..., Any], domain: Sequence[Sequence[float]], *,
                      periodic: Sequence[bool], tol: float = 1e-12, rank: int | Sequence[int] | None = None,
                      max_degree: int | Sequence[int] | None = None,
                      backend: str = "numpy") -> PeriodicChebyshevTucker:
        """Sample ``f`` on the mixed grid, adaptively per mode, chop and compress by HOSVD.

        Parameters
        ----------
        f : callable
            Vectorised over broadcast arrays.
        domain : sequence of (a, b)
        periodic : sequence of bool
            Which modes are periodic (period ``b - a``).
        tol : float
        rank : int or sequence of int, optional
        max_degree : int or sequence of int, optional
            Cap of the polynomial degree (Chebyshev) or wavenumber (periodic) per mode;
            reaching it warns "not resolved: degree cap N reached".
        backend : str

        Examples
        --------
        >>> import numpy as np
        >>> f = PeriodicChebyshevTucker.from_function(lambda x, y: np.exp(np.sin(x)) * y,
        ...                                           [(0, 2 * np.pi), (0, 1)], periodic=(True, False))
        >>> bool(abs(f.integral() - np.pi * 1.2660658777520082) < 1e-12)   # π I0(1)
        True
        """
        box = check_domain(domain)
        d = len(box)
        flags = tuple(bool(p) for p in periodic)
        if len(flags) != d:
            raise ValueError(f"periodic needs {d} flags, got {periodic!r}")
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        if not tol > 0:
            raise ValueError(f"tol must be > 0, got {tol}")
        xp = namespace_for(backend)
        if max_degree is None:
            cap = 16
            while (2 * cap + 1) ** d <= MAX_SAMPLES:
                cap *= 2
            limits = [cap + 1] * d  # rows: degree cap + 1, or 2 (cap / 2) + 1 on a periodic mode
        else:
            caps = [int(v) for v in ((max_degree,) * d if isinstance(max_degree, int) else max_degree)]
            if len(caps) != d or min(caps) < 1:
                raise ValueError(f"max_degree must be >= 1 for each of the {d} modes, got {max_degree}")
            limits = [2 * c + 1 if p else c + 1 for c, p in zip(caps, flags)]
        chop_tol = max(tol, 2.0**-52)
        m = [min(17, lim) for lim in limits]
        first = True
        while True:
            grids = [fourier.fourier_points(mk, ab, backend=backend) if p else
                     cheb.chebyshev_points(mk, ab, backend=backend) for mk, ab, p in zip(m, box, flags)]
            c = sample(f, grids, xp)
            if first:
                _check_periodic(f, grids, box, flags, c, tol, xp)
                first = False
            for k in range(d):
                c = fourier.values_to_coefficients(c, k) if flags[k] else cheb.values_to_coefficients(c, k)
            profiles = []
            for k in range(d):
                axes = tuple(j for j in range(d) if j != k)
                profile = xp.max(xp.abs(c), axis=axes) if axes else xp.abs(c)
                profiles.append(_wavenumber_profile(xp, profile) if flags[k] else profile)
            unhappy = [k for k in range(d) if cheb.standard_chop(profiles[k], chop_tol) >= profiles[k].shape[0]]
            growable = [k for k in unhappy if 2 * (m[k] - 1) + 1 <= limits[k]]
            if not growable:
                break
            for k in growable:
                m[k] = 2 * (m[k] - 1) + 1
        if unhappy:
            caps = [(m[k] - 1) // 2 if flags[k] else m[k] - 1 for k in unhappy]
            warnings.warn(f"not resolved: degree cap {max(caps)} reached: coefficients not resolved to "
                          f"tol={tol:g} on mode(s) {unhappy} (degree or wavenumber {caps}); the result is less "
                          "accurate than asked", RuntimeWarning, stacklevel=2)
        for k in range(d):
            keep = min(cheb.standard_chop(profiles[k], chop_tol), profiles[k].shape[0])
            rows = 2 * keep - 1 if flags[k] else max(keep, 1)
            index = [slice(None)] * d
            index[k] = slice(0, rows)
            c = c[tuple(index)]
        tucker = hosvd(c, tol=tol, rank=rank)
        return cls(tucker.core, tucker.factors, box, periodic=flags, tol=tol)

    # -- properties --------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.domain)

    @property
    def ranks(self) -> tuple[int, ...]:
        """Tucker ranks."""
        return tuple(int(r) for r in self.core.shape)

    @property
    def degrees(self) -> tuple[int, ...]:
        """Polynomial degree (Chebyshev mode) or largest wavenumber ``K`` (periodic mode)."""
        return tuple((v.shape[0] - 1) // 2 if p else v.shape[0] - 1 for v, p in zip(self.factors, self.periodic))

    @property
    def backend(self) -> str:
        from sciml.backend import backend_name

        return backend_name(self.core)

    def __repr__(self) -> str:
        return (f"PeriodicChebyshevTucker(domain={self.domain}, periodic={self.periodic}, "
                f"degrees={self.degrees}, ranks={self.ranks})")

    def _like(self, core: Any, factors: Sequence[Any]) -> PeriodicChebyshevTucker:
        return type(self)(core, factors, self.domain, periodic=self.periodic, tol=self.tol)

    def _zero(self) -> PeriodicChebyshevTucker:
        xp = array_namespace(self.core)
        return self._like(xp.zeros((0,) * self.ndim, dtype=xp.float64), [xp.zeros((1, 0), dtype=xp.float64)] * self.ndim)

    def _basis(self, k: int, x: Any, m: int | None = None):
        """``(len(x), m)`` basis matrix of mode ``k`` at coordinates ``x``."""
        m = self.factors[k].shape[0] if m is None else m
        if self.periodic[k]:
            return fourier.vandermonde(x, m, self.domain[k])
        xp = array_namespace(x)
        a, b = self.domain[k]
        if bool(xp.any(x < a - 1e-12 * (b - a))) or bool(xp.any(x > b + 1e-12 * (b - a))):
            raise ValueError(f"coordinate {k} outside [{a}, {b}] (a non-periodic mode)")
        return cheb.vandermonde(cheb.map_to_reference(x, (a, b)), m)

    # -- evaluation --------------------------------------------------------------------
    def __call__(self, points: Any):
        """Values at points of shape ``(N, d)`` (periodic coordinates may lie outside the period)."""
        xp = array_namespace(points)
        if points.ndim != 2 or points.shape[1] != self.ndim:
            raise ValueError(f"points must have shape (N, {self.ndim}), got {tuple(points.shape)}")
        if not bool(xp.all(xp.isfinite(points))):
            raise ValueError("points contain NaN or infinite coordinates")
        mats = [self._basis(k, points[:, k]) @ self.factors[k] for k in range(self.ndim)]
        if min(self.ranks) == 0:
            return xp.zeros((points.shape[0],), dtype=xp.float64)
        acc = mats[0] @ xp.reshape(self.core, (self.ranks[0], -1))
        for k in range(1, self.ndim):
            acc = xp.reshape(acc, (acc.shape[0], self.ranks[k], -1))
            acc = xp.reshape(xp.matmul(mats[k][:, None, :], acc), (acc.shape[0], -1))
        return xp.reshape(acc, (-1,))

    def on_grid(self, *xs: Any, full: bool = False):
        """Values on the tensor grid ``x1 × ... × xd`` (a TuckerTensor, or the array with ``full=True``)."""
        if len(xs) != self.ndim:
            raise ValueError(f"on_grid takes {self.ndim} coordinate vectors, got {len(xs)}")
        tucker = TuckerTensor(self.core, [self._basis(k, x) @ self.factors[k] for k, x in enumerate(xs)])
        return tucker.full() if full else tucker

    # -- calculus ----------------------------------------------------------------------
    def integral(self, axes: int | Sequence[int] | None = None):
        """Integral over the box (a float), or over ``axes``: a function of the other variables (one
        Chebyshev variable left: a :class:`~tensor_formats.chebyshev_tucker.ChebyshevLine`)."""
        xp = array_namespace(self.core)
        chosen = tuple(range(self.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
        if any(not 0 <= k < self.ndim for k in chosen) or len(set(chosen)) != len(chosen):
            raise ValueError(f"axes must be distinct integers in [0, {self.ndim}), got {axes}")
        core = self.core
        for k in chosen:
            mod = fourier if self.periodic[k] else cheb
            w = xp.asarray(mod.definite_integrals(self.factors[k].shape[0], self.domain[k], backend=self.backend))
            core = mode_product(core, xp.reshape(w @ self.factors[k], (1, -1)), k)
        keep = [k for k in range(self.ndim) if k not in chosen]
        if not keep:
            return float(xp.reshape(core, (-1,))[0]) if min(self.ranks) else 0.0
        if len(keep) == 1:
            k = keep[0]
            if self.periodic[k]:
                raise ValueError(f"a function of the periodic variable {k} alone is not provided; keep two variables")
            from .univariate import ChebyshevLine

            return ChebyshevLine(self.factors[k] @ xp.reshape(core, (-1,)) if min(self.ranks) else
                                 xp.zeros((1,), dtype=xp.float64), self.domain[k])
        core = xp.reshape(core, tuple(self.ranks[k] for k in keep))
        return type(self)(core, [self.factors[k] for k in keep], [self.domain[k] for k in keep],
                          periodic=[self.periodic[k] for k in keep], tol=self.tol)

    def diff(self, axis: int, order: int = 1) -> PeriodicChebyshevTucker:
        """Partial derivative along ``axis`` (trigonometric on a periodic mode), simplified."""
        if not 0 <= int(axis) < self.ndim:
            raise ValueError(f"axis must be in [0, {self.ndim}), got {axis}")
        if int(order) < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        v = self.factors[axis]
        if min(self.ranks) == 0 or v.shape[0] <= (0 if self.periodic[axis] else int(order)):
            return self._zero()
        if self.periodic[axis]:
            dv = fourier.differentiate(v, domain=self.domain[axis], order=int(order))
        else:
            dv = cheb.differentiate(v, 0, domain=self.domain[axis], order=int(order))[:v.shape[0] - int(order)]
        xp = array_namespace(v)
        q, r = xp.linalg.qr(dv)
        factors = list(self.factors)
        factors[axis] = q
        return self._like(mode_product(self.core, r, axis), factors).simplify()

    def norm(self) -> float:
        """L2 norm over the box."""
        xp = array_namespace(self.core)
        t = self.core
        for k, v in enumerate(self.factors):
            mod = fourier if self.periodic[k] else cheb
            t = mode_product(t, v.T @ mod.gram_matrix(v.shape[0], self.domain[k], backend=self.backend) @ v, k)
        return math.sqrt(max(float(xp.sum(self.core * t)), 0.0))

    # -- compression and arithmetic ----------------------------------------------------
    def simplify(self, tol: float | None = None, *, reference_norm: float | None = None) -> PeriodicChebyshevTucker:
        """Ranks by the ε-HOSVD of the core, then trailing Chebyshev coefficients and trailing
        wavenumbers chopped below ``tol`` (default ``self.tol``) relative to the largest."""
        tol = self.tol if tol is None else float(tol)
        if min(self.ranks) == 0:
            return self._zero()
        xp = array_namespace(self.core)
        core_norm = float(xp.linalg.vector_norm(self.core))
        scale = core_norm if reference_norm is None else float(reference_norm)
        if core_norm <= tol * scale or core_norm == 0.0:
            return self._zero()
        inner = hosvd(self.core, tol=tol, reference_norm=scale)
        core, factors = inner.core, []
        for k, (v, u) in enumerate(zip(self.factors, inner.factors)):
            w = v @ u
            sigma = xp.linalg.vector_norm(xp.reshape(xp.moveaxis(core, k, 0), (core.shape[k], -1)), axis=1)
            keep = _rows_to_keep(xp.linalg.vector_norm(w * sigma[None, :], axis=1), tol / math.sqrt(self.ndim),
                                 self.periodic[k])
            q, r = xp.linalg.qr(w[:keep, :])
            factors.append(q)
            core = mode_product(core, r, k)
        return self._like(core, factors)

    def _operand(self, other: Any) -> Any:
        if isinstance(other, PeriodicChebyshevTucker):
            if (other.domain, other.periodic, other.tol) != (self.domain, self.periodic, self.tol):
                raise ValueError(f"operands differ in domain, periodic modes or tol: {self!r} (tol {self.tol:g}) "
                                 f"and {other!r} (tol {other.tol:g})")
            return other
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            xp = array_namespace(self.core)
            one = xp.ones((1, 1), dtype=xp.float64)
            return self._like(xp.full((1,) * self.ndim, float(other), dtype=xp.float64), [one] * self.ndim)
        return NotImplemented

    def __add__(self, other: Any) -> PeriodicChebyshevTucker:
        g = self._operand(other)
        if g is NotImplemented:
            return NotImplemented
        if min(self.ranks) == 0 or min(g.ranks) == 0:
            return (g if min(self.ranks) == 0 else self).simplify()
        xp = array_namespace(self.core)
        ra, rb = self.ranks, g.ranks
        block_a, block_b, factors = self.core, g.core, []
        for k, (va, vb) in enumerate(zip(self.factors, g.factors)):
            m = max(va.shape[0], vb.shape[0])
            factors.append(xp.concat([pad_rows(xp, va, m), pad_rows(xp, vb, m)], axis=1))
            za, zb = list(block_a.shape), list(block_b.shape)
            za[k], zb[k] = rb[k], ra[k]
            block_a = xp.concat([block_a, xp.zeros(tuple(za), dtype=xp.float64)], axis=k)
            block_b = xp.concat([xp.zeros(tuple(zb), dtype=xp.float64), block_b], axis=k)
        core, qs = block_a + block_b, []
        for k, v in enumerate(factors):
            q, r = xp.linalg.qr(v)
            qs.append(q)
            core = mode_product(core, r, k)
        reference = float(xp.linalg.vector_norm(self.core)) + float(xp.linalg.vector_norm(g.core))
        return self._like(core, qs).simplify(reference_norm=reference)

    __radd__ = __add__

    def __neg__(self) -> PeriodicChebyshevTucker:
        return self._like(-self.core, self.factors)

    def __sub__(self, other: Any) -> PeriodicChebyshevTucker:
        return self + (-other)

    def __rsub__(self, other: Any) -> PeriodicChebyshevTucker:
        return (-self) + other

    def __mul__(self, other: Any) -> PeriodicChebyshevTucker:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return self._like(self.core * float(other), self.factors) if other else self._zero()
        g = self._operand(other)
        if g is NotImplemented:
            return NotImplemented
        if min(self.ranks) == 0 or min(g.ranks) == 0:
            return self._zero()
        # Exact product grid: degree da + db (Chebyshev), wavenumber Ka + Kb (periodic).
        m = [va.shape[0] + vb.shape[0] - 1 for va, vb in zip(self.factors, g.factors)]
        grids = [fourier.fourier_points(mk, ab, backend=self.backend) if p else
                 cheb.chebyshev_points(max(mk, 2), ab, backend=self.backend)
                 for mk, ab, p in zip(m, self.domain, self.periodic)]
        c = self.on_grid(*grids, full=True) * g.on_grid(*grids, full=True)
        for k in range(self.ndim):
            c = fourier.values_to_coefficients(c, k) if self.periodic[k] else cheb.values_to_coefficients(c, k)
        tucker = hosvd(c, tol=0.1 * self.tol)
        return self._like(tucker.core, tucker.factors).simplify()

    __rmul__ = __mul__


def _check_periodic(f, grids, box, flags, values, tol, xp) -> None:
    """``ValueError`` if ``f`` differs at the two ends of a mode declared periodic."""
    scale = float(xp.max(xp.abs(values)))
    for k, p in enumerate(flags):
        if not p:
            continue
        ends = list(grids)
        ends[k] = xp.asarray(list(box[k]), dtype=xp.float64)
        v = sample(f, ends, xp)
        jump = float(xp.max(xp.abs(xp.take(v, xp.asarray([1]), axis=k) - xp.take(v, xp.asarray([0]), axis=k))))
        if jump > 1e3 * max(tol, 2.0**-52) * max(scale, 1e-300):
            raise ValueError(f"f is not periodic in mode {k} (declared periodic): f(b) - f(a) is {jump:.3g} at "
                             f"a={box[k][0]}, b={box[k][1]} (values up to {scale:.3g}); not resolved by a "
                             "Fourier basis: declare this mode non-periodic")
