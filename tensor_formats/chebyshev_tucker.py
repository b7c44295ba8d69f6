"""The hybrid Chebyshev–Tucker format: a d-variate Chebyshev interpolant whose coefficient
tensor is stored in Tucker form.

``f(x) ≈ Σ_{i} G[i_1..i_d] Π_k u^k_{i_k}(x_k)`` where each ``u^k_i`` is a Chebyshev
series on ``[a_k, b_k]`` whose coefficients form column ``i`` of the orthonormal factor
``V_k`` (``m_k × r_k``); ``G`` is the core.  Following Khoromskij, Khoromskaia et al. (2025)
and Chebfun3, the coefficient tensor comes from samples on a Chebyshev grid (DCT-I along
every mode) and is compressed by a truncated HOSVD with the ε-rank rule.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sciml.backend import array_namespace, backend_name, device, namespace_for, to_backend, to_numpy

from . import chebyshev as cheb
from .tucker import TuckerTensor, hosvd, mode_product, rhosvd

__all__ = ["ChebyshevTucker"]

_FORMAT, _FORMAT_VERSION = "sciml.ChebyshevTucker", 1
#: Largest number of samples the adaptive constructor takes on one grid.
MAX_SAMPLES = 2**25
_CHUNK = 32768


def _check_domain(domain: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    try:
        box = tuple((float(a), float(b)) for a, b in domain)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"domain must be a sequence of (a, b) pairs, got {domain!r}") from exc
    if not box:
        raise ValueError("domain is empty")
    for k, (a, b) in enumerate(box):
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            raise ValueError(f"domain interval {k} needs finite a < b, got ({a}, {b})")
    return box


def _broadcast_axis(xp, x, axis: int, d: int):
    shape = [1] * d
    shape[axis] = x.shape[0]
    return xp.reshape(x, tuple(shape))


def _sample(f: Callable, grids: Sequence[Any], xp):
    d = len(grids)
    shape = tuple(g.shape[0] for g in grids)
    values = f(*(_broadcast_axis(xp, g, k, d) for k, g in enumerate(grids)))
    values = xp.asarray(values, dtype=xp.float64)
    try:
        values = xp.broadcast_to(values, shape)
    except ValueError as exc:
        raise ValueError(
            f"f returned shape {tuple(values.shape)}, which does not broadcast to the grid {shape}; "
            "f must be vectorised over broadcast arrays"
        ) from exc
    if not bool(xp.all(xp.isfinite(values))):
        raise ValueError("f returned NaN or infinite values on the Chebyshev grid")
    return values


def _coefficients(values):
    c = values
    for k in range(values.ndim):
        c = cheb.values_to_coefficients(c, axis=k)
    return c


def _mode_profile(xp, c, k: int):
    """max |c| over all axes but ``k``: the decay of the coefficients along mode ``k``."""
    axes = tuple(j for j in range(c.ndim) if j != k)
    return xp.max(xp.abs(c), axis=axes) if axes else xp.abs(c)


def _take(xp, x, axis: int, stop: int):
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, stop)
    return x[tuple(index)]


def _pad_rows(xp, v, m: int):
    if v.shape[0] == m:
        return v
    zeros = xp.zeros((m - v.shape[0], v.shape[1]), dtype=v.dtype, device=device(v))
    return xp.concat([v, zeros], axis=0)


class ChebyshevTucker:
    """A function on a box in Chebyshev–Tucker form.

    Build one with :meth:`from_function`, :meth:`from_values` or :meth:`from_cp`.

    Parameters
    ----------
    core : array of shape ``ranks``
    factors : sequence of arrays
        Coefficient factors ``V_k`` of shape ``(m_k, r_k)``: column ``i`` holds the
        Chebyshev coefficients of the ``i``-th basis function of mode ``k``.
    domain : sequence of (a, b)
    tol : float
        The tolerance the object was built with (default for recompression).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import ChebyshevTucker
    >>> f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + 2 * y + 3 * z), [(-1, 1)] * 3)
    >>> f.ranks
    (2, 2, 2)
    >>> bool(abs(f(np.array([[0.1, 0.2, 0.3]]))[0] - np.sin(1.4)) < 1e-12)
    True
    """

    def __init__(self, core: Any, factors: Sequence[Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12):
        self.domain = _check_domain(domain)
        self.core = core
        self.factors = list(factors)
        self.tol = float(tol)
        TuckerTensor(core, self.factors)  # validates shapes
        if len(self.factors) != len(self.domain):
            raise ValueError(f"{len(self.factors)} factors for a {len(self.domain)}-dimensional domain")

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_function(cls, f: Callable[..., Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                      degree: int | Sequence[int] | None = None, rank: int | Sequence[int] | None = None,
                      backend: str = "numpy", max_degree: int | Sequence[int] | None = None) -> ChebyshevTucker:
        """Interpolate ``f(x1, ..., xd)`` on a Chebyshev grid and compress.

        Parameters
        ----------
        f : callable
            Vectorised over broadcast arrays of the chosen backend.
        domain : sequence of (a, b)
        tol : float
            Relative accuracy: the chopping tolerance of the adaptive degree and the
            ε of the Tucker truncation.
        degree : int or sequence of int, optional
            Polynomial degree per mode (``degree + 1`` points).  ``None``: adaptive —
            the grid grows (17, 33, 65, ... points) on every mode whose coefficients are
            not resolved by the chopping rule, then each mode is trimmed.
        rank : int or sequence of int, optional
            Fixed Tucker ranks (caps when ``tol`` also applies).
        backend : str
        max_degree : int or sequence of int, optional
            Upper limit of the adaptive degree; by default the largest ``2^k`` keeping
            the grid under 2^25 samples.  If a mode is not resolved there, a
            ``RuntimeWarning`` names it.
        """
        box = _check_domain(domain)
        d = len(box)
        xp = namespace_for(backend)
        if not callable(f):
            raise TypeError("f must be callable")
        if not tol > 0:
            raise ValueError(f"tol must be > 0, got {tol}")
        if degree is not None:
            m = [int(v) + 1 for v in ((degree,) * d if isinstance(degree, int) else degree)]
            if len(m) != d or min(m) < 2:
                raise ValueError(f"degree must be >= 1 for each of the {d} modes, got {degree}")
            grids = [cheb.chebyshev_points(mk, ab, backend=backend) for mk, ab in zip(m, box)]
            c = _coefficients(_sample(f, grids, xp))
            return cls.from_coefficients(c, box, tol=tol, rank=rank)

        if max_degree is None:
            cap = 16
            while (2 * cap + 1) ** d <= MAX_SAMPLES:
                cap *= 2
            limits = [cap] * d
        else:
            limits = [int(v) for v in ((max_degree,) * d if isinstance(max_degree, int) else max_degree)]
            if len(limits) != d or min(limits) < 1:
                raise ValueError(f"max_degree must be >= 1 for each of the {d} modes, got {max_degree}")
        m = [min(17, lim + 1) for lim in limits]
        chop_tol = max(tol, 2.0**-52)
        while True:
            grids = [cheb.chebyshev_points(mk, ab, backend=backend) for mk, ab in zip(m, box)]
            c = _coefficients(_sample(f, grids, xp))
            cutoffs = [cheb.standard_chop(_mode_profile(xp, c, k), chop_tol) for k in range(d)]
            unhappy = [k for k in range(d) if cutoffs[k] >= m[k]]
            growable = [k for k in unhappy if m[k] - 1 < limits[k]]
            if not unhappy or not growable:
                break
            for k in growable:
                m[k] = min(2 * (m[k] - 1), limits[k]) + 1
        if unhappy:
            warnings.warn(
                f"Chebyshev coefficients not resolved to tol={tol:g} on mode(s) {unhappy} at degree(s) "
                f"{[m[k] - 1 for k in unhappy]} (the maximum); the result is less accurate than asked",
                RuntimeWarning, stacklevel=2)
        for k in range(d):
            if cutoffs[k] < m[k]:
                c = _take(xp, c, k, max(cutoffs[k], 2))
        return cls.from_coefficients(c, box, tol=tol, rank=rank)

    @classmethod
    def from_values(cls, values: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                    rank: int | Sequence[int] | None = None) -> ChebyshevTucker:
        """Compress samples at the (ascending) Chebyshev points of each mode.

        ``values`` has shape ``(m_1, ..., m_d)``, the grid of
        :func:`tensor_formats.chebyshev.chebyshev_points` on each interval.
        """
        box = _check_domain(domain)
        xp = array_namespace(values)
        if values.ndim != len(box):
            raise ValueError(f"values has {values.ndim} axes for a {len(box)}-dimensional domain")
        if min(values.shape) < 2:
            raise ValueError(f"need at least 2 points per mode, got shape {tuple(values.shape)}")
        if not bool(xp.all(xp.isfinite(values))):
            raise ValueError("values contain NaN or infinite entries")
        return cls.from_coefficients(_coefficients(values), box, tol=tol, rank=rank)

    @classmethod
    def from_coefficients(cls, coefficients: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                          rank: int | Sequence[int] | None = None) -> ChebyshevTucker:
        """Compress a full tensor of Chebyshev coefficients by truncated HOSVD."""
        tucker = hosvd(coefficients, tol=tol, rank=rank)
        return cls(tucker.core, tucker.factors, domain, tol=tol)

    @classmethod
    def from_cp(cls, factors: Sequence[Any], domain: Sequence[Sequence[float]], *, weights: Any | None = None,
                degree: int | Sequence[int] = 128, tol: float = 1e-12, rank: int | Sequence[int] | None = None,
                method: str = "rhosvd", backend: str = "numpy") -> ChebyshevTucker:
        """Chebyshev–Tucker form of a canonical (CP) sum ``Σ_r λ_r Π_k a^k_r(x_k)``.

        Parameters
        ----------
        factors : sequence of callables or arrays
            Per mode either a callable ``x -> array (len(x), R)`` (the factor functions,
            evaluated at the Chebyshev points), or an array ``(n, R)`` of samples on the
            uniform cell-centred grid ``a + (i + 1/2)(b - a)/n``, interpolated to the
            Chebyshev points by cubic splines on the host (accuracy ``O(h⁴)``).
        weights : array of shape (R,), optional
        degree : int or sequence of int
            Polynomial degree per mode.
        method : {"rhosvd", "full"}
            ``"rhosvd"``: reduced HOSVD of the coefficient factors, never forming the
            tensor; ``"full"``: assemble the full coefficient tensor, then HOSVD.
        """
        box = _check_domain(domain)
        d = len(box)
        if len(factors) != d:
            raise ValueError(f"{len(factors)} factors for a {d}-dimensional domain")
        m = [int(v) + 1 for v in ((degree,) * d if isinstance(degree, int) else degree)]
        if len(m) != d or min(m) < 2:
            raise ValueError(f"degree must be >= 1 for each of the {d} modes, got {degree}")
        if method not in ("rhosvd", "full"):
            raise ValueError(f"method must be 'rhosvd' or 'full', got {method!r}")
        xp = namespace_for(backend)
        coefficient_factors = []
        for k, (a, mk, ab) in enumerate(zip(factors, m, box)):
            points = cheb.chebyshev_points(mk, ab, backend=backend)
            if callable(a):
                samples = xp.asarray(a(points), dtype=xp.float64)
            else:
                samples = _spline_to_points(a, points, ab, xp)
            if samples.ndim != 2 or samples.shape[0] != mk:
                raise ValueError(f"factor {k} gives shape {tuple(samples.shape)}, expected ({mk}, R)")
            if not bool(xp.all(xp.isfinite(samples))):
                raise ValueError(f"factor {k} has NaN or infinite values")
            coefficient_factors.append(cheb.values_to_coefficients(samples, axis=0))
        n_terms = coefficient_factors[0].shape[1]
        if any(cf.shape[1] != n_terms for cf in coefficient_factors):
            raise ValueError("all CP factors need the same number of columns")
        lam = None if weights is None else xp.asarray(weights, dtype=xp.float64)
        if method == "rhosvd":
            tucker = rhosvd(coefficient_factors, lam, tol=tol, rank=rank)
            return cls(tucker.core, tucker.factors, box, tol=tol)
        first = coefficient_factors[0] if lam is None else coefficient_factors[0] * lam
        khatri_rao = coefficient_factors[-1]
        for cf in reversed(coefficient_factors[1:-1]):
            khatri_rao = xp.reshape(cf[:, None, :] * khatri_rao[None, :, :], (-1, n_terms))
        full = xp.reshape(first @ khatri_rao.T, tuple(m))
        return cls.from_coefficients(full, box, tol=tol, rank=rank)

    @classmethod
    def constant(cls, value: float, domain: Sequence[Sequence[float]], *, backend: str = "numpy") -> ChebyshevTucker:
        """The constant function ``value`` (rank 1, degree 1 per mode)."""
        box = _check_domain(domain)
        xp = namespace_for(backend)
        e0 = xp.asarray([[1.0], [0.0]], dtype=xp.float64)
        core = xp.full((1,) * len(box), float(value), dtype=xp.float64)
        return cls(core, [e0] * len(box), box)

    # -- properties --------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.domain)

    @property
    def ranks(self) -> tuple[int, ...]:
        """Tucker ranks ``(r_1, ..., r_d)``."""
        return tuple(int(r) for r in self.core.shape)

    @property
    def degrees(self) -> tuple[int, ...]:
        """Polynomial degree per mode (``m_k - 1``)."""
        return tuple(int(v.shape[0]) - 1 for v in self.factors)

    @property
    def nbytes(self) -> int:
        """Bytes of core and factors."""
        return TuckerTensor(self.core, self.factors).nbytes

    @property
    def compression_ratio(self) -> float:
        """Entries of the full coefficient tensor per stored entry."""
        stored = math.prod(self.ranks) + sum(math.prod(v.shape) for v in self.factors)
        return math.prod(d + 1 for d in self.degrees) / stored

    @property
    def backend(self) -> str:
        return backend_name(self.core)

    def __repr__(self) -> str:
        return (f"ChebyshevTucker(domain={self.domain}, degrees={self.degrees}, ranks={self.ranks}, "
                f"backend={self.backend!r})")

    # -- evaluation --------------------------------------------------------------------
    def _reference(self, x, k: int, extrapolate: bool, name: str):
        xp = array_namespace(x)
        a, b = self.domain[k]
        if not bool(xp.all(xp.isfinite(x))):
            raise ValueError(f"{name} contain NaN or infinite coordinates")
        if not extrapolate:
            slack = 1e-12 * (b - a)
            if bool(xp.any(x < a - slack)) or bool(xp.any(x > b + slack)):
                raise ValueError(f"{name} have coordinate {k} outside [{a}, {b}]; pass extrapolate=True to allow")
        return cheb.map_to_reference(x, (a, b))

    def _mode_values(self, k: int, t):
        """``(len(t), r_k)`` values of the mode-``k`` basis functions at reference points ``t``."""
        return (self.factors[k].T @ cheb.vandermonde(t, self.factors[k].shape[0], transpose=True)).T

    def __call__(self, points: Any, *, extrapolate: bool = False):
        """Values at scattered points of shape ``(N, d)`` (result shape ``(N,)``).

        Points outside the box raise ``ValueError`` unless ``extrapolate=True``.
        """
        xp = array_namespace(points, self.core)
        if points.ndim != 2 or points.shape[1] != self.ndim:
            raise ValueError(f"points must have shape (N, {self.ndim}), got {tuple(points.shape)}")
        n = points.shape[0]
        d = self.ndim
        core_matrix = xp.reshape(self.core, (self.ranks[0], -1))
        pieces = []
        for start in range(0, n, _CHUNK):
            chunk = points[start:min(start + _CHUNK, n), :]
            acc = self._mode_values(0, self._reference(chunk[:, 0], 0, extrapolate, "points")) @ core_matrix
            for k in range(1, d):
                g = self._mode_values(k, self._reference(chunk[:, k], k, extrapolate, "points"))
                acc = xp.reshape(acc, (acc.shape[0], self.ranks[k], -1))
                acc = xp.reshape(xp.matmul(g[:, None, :], acc), (acc.shape[0], -1))
            pieces.append(xp.reshape(acc, (-1,)))
        if not pieces:
            return xp.zeros((0,), dtype=self.core.dtype, device=device(self.core))
        return pieces[0] if len(pieces) == 1 else xp.concat(pieces)

    def on_grid(self, *xs: Any, full: bool = False, extrapolate: bool = False):
        """Values on the tensor grid ``x1 × ... × xd``.

        Returns the algebraic Tucker tensor (:class:`~tensor_formats.tucker.TuckerTensor`
        with factors ``T(x_k) V_k``, storage ``O(n r)`` per mode), or with ``full=True``
        the full array of shape ``(len(x1), ..., len(xd))``.
        """
        if len(xs) != self.ndim:
            raise ValueError(f"on_grid takes {self.ndim} coordinate vectors, got {len(xs)}")
        factors = []
        for k, x in enumerate(xs):
            if x.ndim != 1:
                raise ValueError(f"grid vector {k} must be 1-D, got shape {tuple(x.shape)}")
            factors.append(self._mode_values(k, self._reference(x, k, extrapolate, "grid vectors")))
        tucker = TuckerTensor(self.core, factors)
        return tucker.full() if full else tucker

    # -- calculus ----------------------------------------------------------------------
    def _contract(self, weights_by_mode: dict[int, Any]):
        xp = array_namespace(self.core)
        core = self.core
        for k, w in weights_by_mode.items():
            core = mode_product(core, xp.reshape(w @ self.factors[k], (1, -1)), k)
        return core

    def integral(self, axes: int | Sequence[int] | None = None):
        """Integral over the box (a float), or over ``axes`` (a ChebyshevTucker in the rest)."""
        xp = array_namespace(self.core)
        chosen = tuple(range(self.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
        if any(not 0 <= k < self.ndim for k in chosen) or len(set(chosen)) != len(chosen):
            raise ValueError(f"axes must be distinct integers in [0, {self.ndim}), got {axes}")
        weights = {k: xp.asarray(cheb.definite_integrals(self.factors[k].shape[0], self.domain[k],
                                                         backend=self.backend)) for k in chosen}
        core = self._contract(weights)
        keep = [k for k in range(self.ndim) if k not in chosen]
        if not keep:
            return float(xp.reshape(core, (-1,))[0])
        core = xp.reshape(core, tuple(self.ranks[k] for k in keep))
        return ChebyshevTucker(core, [self.factors[k] for k in keep], [self.domain[k] for k in keep], tol=self.tol)

    def diff(self, axis: int, order: int = 1) -> ChebyshevTucker:
        """Partial derivative of the given order along ``axis`` (factors re-orthonormalised by QR)."""
        if not 0 <= int(axis) < self.ndim:
            raise ValueError(f"axis must be in [0, {self.ndim}), got {axis}")
        if int(order) < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        xp = array_namespace(self.core)
        dv = cheb.differentiate(self.factors[axis], 0, domain=self.domain[axis], order=int(order))
        q, r = xp.linalg.qr(dv)
        factors = list(self.factors)
        factors[axis] = q
        return ChebyshevTucker(mode_product(self.core, r, axis), factors, self.domain, tol=self.tol)

    def norm(self) -> float:
        """L2 norm ``(∫ f²)^(1/2)`` over the box, exact from the Chebyshev Gram matrices."""
        xp = array_namespace(self.core)
        t = self.core
        for k, v in enumerate(self.factors):
            gram = xp.asarray(cheb.gram_matrix(v.shape[0], self.domain[k], backend=self.backend))
            t = mode_product(t, v.T @ gram @ v, k)
        return math.sqrt(max(float(xp.sum(self.core * t)), 0.0))

    # -- compression and arithmetic ----------------------------------------------------
    def compress(self, tol: float | None = None, *, rank: int | Sequence[int] | None = None,
                 reference_norm: float | None = None) -> ChebyshevTucker:
        """Recompress by an HOSVD of the core (exact for orthonormal factors).

        The ε-rule is relative to the coefficient norm, or to ``reference_norm``.
        """
        tol = self.tol if tol is None else float(tol)
        inner = hosvd(self.core, tol=tol, rank=rank, reference_norm=reference_norm)
        return ChebyshevTucker(inner.core, [v @ u for v, u in zip(self.factors, inner.factors)],
                               self.domain, tol=tol)

    def _check_compatible(self, other: ChebyshevTucker) -> None:
        if other.domain != self.domain:
            raise ValueError(f"domains differ: {self.domain} and {other.domain}")
        if other.backend != self.backend:
            raise TypeError(f"backends differ: {self.backend} and {other.backend}")

    def _as_function(self, other) -> ChebyshevTucker:
        if isinstance(other, ChebyshevTucker):
            self._check_compatible(other)
            return other
        if isinstance(other, (int, float)):
            return ChebyshevTucker.constant(float(other), self.domain, backend=self.backend)
        return NotImplemented

    def __add__(self, other) -> ChebyshevTucker:
        other = self._as_function(other)
        if other is NotImplemented:
            return NotImplemented
        xp = array_namespace(self.core)
        ra, rb = self.ranks, other.ranks
        factors = []
        for va, vb in zip(self.factors, other.factors):
            m = max(va.shape[0], vb.shape[0])
            factors.append(xp.concat([_pad_rows(xp, va, m), _pad_rows(xp, vb, m)], axis=1))
        # Block-diagonal core: A in the leading block, B in the trailing block.
        block_a, block_b = self.core, other.core
        for k in range(self.ndim):
            za = list(block_a.shape)
            za[k] = rb[k]
            block_a = xp.concat([block_a, xp.zeros(tuple(za), dtype=block_a.dtype, device=device(block_a))], axis=k)
            zb = list(block_b.shape)
            zb[k] = ra[k]
            block_b = xp.concat([xp.zeros(tuple(zb), dtype=block_b.dtype, device=device(block_b)), block_b], axis=k)
        core = block_a + block_b
        qs = []
        for k, v in enumerate(factors):
            q, r = xp.linalg.qr(v)
            qs.append(q)
            core = mode_product(core, r, k)
        operands_norm = float(xp.linalg.vector_norm(self.core)) + float(xp.linalg.vector_norm(other.core))
        return ChebyshevTucker(core, qs, self.domain, tol=max(self.tol, other.tol)).compress(reference_norm=operands_norm)

    __radd__ = __add__

    def __neg__(self) -> ChebyshevTucker:
        return ChebyshevTucker(-self.core, self.factors, self.domain, tol=self.tol)

    def __sub__(self, other) -> ChebyshevTucker:
        return self + (-other)

    def __rsub__(self, other) -> ChebyshevTucker:
        return (-self) + other

    def __mul__(self, other) -> ChebyshevTucker:
        if isinstance(other, (int, float)):
            return ChebyshevTucker(self.core * float(other), self.factors, self.domain, tol=self.tol)
        other = self._as_function(other)
        if other is NotImplemented:
            return NotImplemented
        # The product has degree deg_a + deg_b per mode: sample both on that grid and recompress.
        m = [da + db + 1 for da, db in zip(self.degrees, other.degrees)]
        grids = [cheb.chebyshev_points(mk, ab, backend=self.backend) for mk, ab in zip(m, self.domain)]
        values = self.on_grid(*grids, full=True) * other.on_grid(*grids, full=True)
        return ChebyshevTucker.from_values(values, self.domain, tol=max(self.tol, other.tol))

    __rmul__ = __mul__

    def __truediv__(self, other) -> ChebyshevTucker:
        if not isinstance(other, (int, float)):
            return NotImplemented
        return self * (1.0 / float(other))

    # -- backends and files ------------------------------------------------------------
    def to_backend(self, name: str) -> ChebyshevTucker:
        """The same function with core and factors on backend ``name``."""
        return ChebyshevTucker(to_backend(self.core, name), [to_backend(v, name) for v in self.factors],
                               self.domain, tol=self.tol)

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` file (plain arrays only: no pickled objects), atomically."""
        from sciml.io import write_arrays

        arrays = {f"factor_{k}": to_numpy(v) for k, v in enumerate(self.factors)}
        write_arrays(path, {"core": to_numpy(self.core), "domain": [list(ab) for ab in self.domain],
                            "tol": self.tol, **arrays}, format=_FORMAT, version=_FORMAT_VERSION)

    @classmethod
    def load(cls, path: str | Path, *, backend: str = "numpy") -> ChebyshevTucker:
        """Read a file written by :meth:`save` (never unpickles); a damaged file raises ``ValueError``."""
        from sciml.io import ArraySpec, read_arrays

        data = read_arrays(path, format=_FORMAT, max_version=_FORMAT_VERSION,
                           expect={"core": ArraySpec(finite=True), "tol": ArraySpec(shape=()),
                                   "domain": ArraySpec(shape=(None, 2), dtype="f", finite=True)}).arrays
        try:
            domain = [tuple(row) for row in data["domain"].tolist()]
            factors = [data[f"factor_{k}"] for k in range(len(domain))]
            model = cls(data["core"], factors, domain, tol=float(data["tol"]))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path} is not a valid {_FORMAT} file: {exc}") from exc
        return model if backend == "numpy" else model.to_backend(backend)


def _spline_to_points(samples: Any, points: Any, interval: tuple[float, float], xp):
    """Cubic-spline interpolation (host) from the uniform cell-centred grid to ``points``."""
    import numpy as np
    from scipy.interpolate import CubicSpline

    host = np.asarray(to_numpy(samples), dtype=float)
    if host.ndim != 2:
        raise ValueError(f"sampled CP factors must have shape (n, R), got {host.shape}")
    a, b = interval
    n = host.shape[0]
    centres = a + (np.arange(n) + 0.5) * (b - a) / n
    spline = CubicSpline(centres, host, axis=0, extrapolate=True)
    return xp.asarray(spline(to_numpy(points)), dtype=xp.float64)
