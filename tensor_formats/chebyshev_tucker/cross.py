"""Tucker cross approximation on Chebyshev grids (the Chebfun3F approach): the function is
sampled on fibres only, never on the full tensor grid.

For mode ``k`` the *fibre matrix* holds the values at all ``m_k`` Chebyshev points of mode
``k`` times the pivot points of the other modes (``m_k × Π_{j≠k} s_j`` samples).  Its leading
left singular vectors span the mode-``k`` functions, their ε-rank is the Tucker rank, and
DEIM on them picks the next pivots of mode ``k``.

1. **Pivots and ranks** on a coarse grid (33 points per mode): alternating sweeps over the
   modes until the ranks stop changing (each pivot set keeps a few more points than the
   rank, so a rank can still grow).
2. **Degrees**: per mode, the fibres are resampled on 2x finer (nested) grids, only the new
   points being evaluated, until their Chebyshev coefficients chop
   (:func:`~tensor_formats.chebyshev.standard_chop`); the rank and pivots of the mode are
   renewed on the fine grid.
3. **Core**: the values at the ``r_1 × ... × r_d`` pivot points; the mode-``k`` factor is the
   interpolating basis ``U_k U_k[I_k]^{-1}`` turned into Chebyshev coefficients.
4. **Spot check** on a random ``4^d`` grid against the function; if it misses by more than
   ``10 tol`` (relative to the largest sample), one more sweep on the fine grids with twice
   the oversampling, then a ``RuntimeWarning`` if it still misses.

A rank-``r``, degree-``n`` function costs ``O(d n s^{d-1} + r^d)`` evaluations with ``s ≈ r``
(``O(n r² + r³)`` in 3-D) instead of ``n^d``.  A mode not resolved at the degree cap gives a
``RuntimeWarning`` saying "not resolved: degree cap N reached".

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> f = ChebyshevTucker.from_function(lambda x, y, z: np.exp(x * y * z), [(-1, 1)] * 3,
...                                   tol=1e-10, method="cross")
>>> bool(abs(f(np.array([[0.5, 0.5, 0.5]]))[0] - np.exp(0.125)) < 1e-9)
True
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace

from .. import chebyshev as cheb
from ..tucker import mode_product

__all__ = ["CrossResult", "deim", "tucker_cross"]

_COARSE = 33
_MAX_SWEEPS = 8
FINE_PASSES = 2
#: Ranks are decided at this fraction of the tolerance (the interpolation through pivots loses a
#: little accuracy; the final simplification compresses back to the tolerance).
RANK_SAFETY = 0.1


def deim(u: Any) -> list[int]:
    """DEIM row indices for the columns of ``u`` (one per column, greedy on the residual).

    Examples
    --------
    >>> import numpy as np
    >>> deim(np.eye(4)[:, [2, 0]])
    [2, 0]
    """
    xp = array_namespace(u)
    index = [int(xp.argmax(xp.abs(u[:, 0])))]
    for j in range(1, u.shape[1]):
        rows = xp.take(u, xp.asarray(index), axis=0)
        c = xp.linalg.solve(rows[:, :j], rows[:, j:j + 1])
        residual = u[:, j:j + 1] - u[:, :j] @ c
        index.append(int(xp.argmax(xp.abs(residual[:, 0]))))
    return index


class CrossResult:
    """What :func:`tucker_cross` returns: the core values at the pivots, the interpolating
    factors (values at the Chebyshev points), the evaluation count and the unresolved modes."""

    def __init__(self, core, factors, evaluations: int, unresolved: list[int]):
        self.core, self.factors = core, factors
        self.evaluations, self.unresolved = evaluations, unresolved


class _Fibres:
    """Samples fibre matrices through ``sampler``, re-using nested samples, counting evaluations."""

    def __init__(self, sampler: Callable, box, backend: str, pivots: list):
        self.sampler, self.box, self.backend = sampler, box, backend
        self.pivots = pivots
        self.version = [0] * len(box)
        self.cache: dict[int, tuple] = {}
        self.evaluations = 0

    def points(self, m: int, k: int):
        return cheb.chebyshev_points(m, self.box[k], backend=self.backend)

    def set_pivots(self, k: int, pivots) -> None:
        self.pivots[k] = pivots
        self.version[k] += 1

    def grid(self, grids: Sequence[Any]):
        self.evaluations += math.prod(int(g.shape[0]) for g in grids)
        return self.sampler(grids)

    def _sample(self, k: int, pts):
        xp = array_namespace(pts)
        values = self.grid([pts if j == k else p for j, p in enumerate(self.pivots)])
        moved = xp.moveaxis(values, k, 0)
        return xp.reshape(moved, (moved.shape[0], -1))

    def matrix(self, k: int, m: int):
        """``(m, Π_{j≠k} s_j)`` fibre matrix of mode ``k`` on ``m`` Chebyshev points."""
        key = tuple(v for j, v in enumerate(self.version) if j != k)
        cached = self.cache.get(k)
        pts = self.points(m, k)
        xp = array_namespace(pts)
        if cached is not None and cached[0] == key and cached[1] == m:
            return cached[2]
        if cached is not None and cached[0] == key and 2 * (cached[1] - 1) == m - 1:
            # Nested grids: the old points are the even ones; evaluate the odd ones only.
            odd = self._sample(k, pts[1::2])
            old = cached[2]
            rows = [old[i // 2, :] if i % 2 == 0 else odd[i // 2, :] for i in range(m)]
            result = xp.stack(rows, axis=0)
        else:
            result = self._sample(k, pts)
        self.cache[k] = (key, m, result)
        return result


def _rank(s, tol: float, floor: float) -> int:
    """Number of singular values above ``tol`` times the largest (and above ``floor``)."""
    xp = array_namespace(s)
    top = float(s[0]) if s.shape[0] else 0.0
    if top <= floor:
        return 0
    return int(xp.sum(xp.astype(s > max(tol * top, floor), xp.int64)))


def _spread(m: int, count: int) -> list[int]:
    return sorted({round(i * (m - 1) / max(count - 1, 1)) for i in range(count)})


def tucker_cross(sampler: Callable[[Sequence[Any]], Any], box: Sequence[tuple[float, float]], *, tol: float,
                 limits: Sequence[int], backend: str = "numpy", seed: int = 0) -> CrossResult:
    """Cross approximation of the function behind ``sampler`` on ``box``.

    Parameters
    ----------
    sampler : callable
        ``sampler(grids)`` returns the values on the tensor grid of the 1-D arrays ``grids``
        (checked for shape and finiteness by the caller's sampler).
    box : sequence of (a, b)
    tol : float
        Relative tolerance of the rank (singular values) and degree (chopping) decisions.
    limits : sequence of int
        Degree cap per mode.
    backend : str
    seed : int
        Seed of the spot-check points.
    """
    d = len(box)
    m = [min(_COARSE, lim + 1) for lim in limits]
    fibres = _Fibres(sampler, box, backend, [None] * d)
    for k in range(d):  # pivots are coordinates, so that they survive a refinement of the grid
        pts = fibres.points(m[k], k)
        fibres.pivots[k] = array_namespace(pts).take(pts, array_namespace(pts).asarray(_spread(m[k], 3)), axis=0)
    ranks, bases = [0] * d, [None] * d
    state = {"scale": 0.0, "extra": 2}

    def renew(k: int, matrix) -> bool:
        """Rank, basis and pivots of mode ``k`` from its fibre matrix; True if all columns were used."""
        xp = array_namespace(matrix)
        state["scale"] = max(state["scale"], float(xp.max(xp.abs(matrix))))
        u, s, _ = xp.linalg.svd(matrix, full_matrices=False)
        r = _rank(s, RANK_SAFETY * tol, 1e-300 + 1e-15 * tol * state["scale"])
        saturated = r >= u.shape[1] and r < matrix.shape[0]
        size = min(u.shape[1], r + max(state["extra"], r // 4))
        bases[k] = u[:, :max(r, 1)]
        pts = fibres.points(matrix.shape[0], k)
        fibres.set_pivots(k, xp.take(pts, xp.asarray(deim(u[:, :max(size, 1)])), axis=0))
        ranks[k] = r
        return saturated

    def grow(k: int) -> None:
        """Twice the pivots for mode ``k`` when another mode's fibre matrix used all its columns."""
        xp = array_namespace(fibres.pivots[k])
        have = fibres.pivots[k].shape[0]
        if have < m[k]:
            extra = xp.take(fibres.points(m[k], k), xp.asarray(_spread(m[k], min(m[k], 2 * have))), axis=0)
            fibres.set_pivots(k, xp.unique_values(xp.concat([fibres.pivots[k], extra])))

    # 1. ranks and pivots on the coarse grid
    for _ in range(_MAX_SWEEPS):
        before, saturated = list(ranks), []
        for k in range(d):
            if renew(k, fibres.matrix(k, m[k])):
                saturated.append(k)
        for k in saturated:
            for j in range(d):
                if j != k:
                    grow(j)
        if ranks == before and not saturated:
            break
    if max(ranks) == 0:
        return CrossResult(None, None, fibres.evaluations, [])
    # 2. degrees: refine each mode's fibres until their coefficients chop
    chop_tol = max(tol, 2.0**-52)
    unresolved, cut = [], list(m)
    for sweep in range(FINE_PASSES):
        for k in range(d):
            if sweep > 0 and cut[k] < m[k]:
                m[k] = min(m[k], cut[k] + 9)  # resolved: a grid just above the degree suffices
            while True:
                matrix = fibres.matrix(k, m[k])
                xp = array_namespace(matrix)
                coefficients = cheb.values_to_coefficients(matrix, axis=0)
                cut[k] = cheb.standard_chop(xp.max(xp.abs(coefficients), axis=1), chop_tol)
                if cut[k] < m[k] or m[k] - 1 >= limits[k] or sweep > 0:
                    break
                m[k] = min(2 * (m[k] - 1), limits[k]) + 1
            if sweep == 0 and cut[k] >= m[k]:
                unresolved.append(k)
            cut[k] = min(cut[k], m[k])
            renew(k, matrix)
    # 3. core and factors, 4. spot check (one more sweep with more pivots if it misses)
    rng = random.Random(seed)
    for attempt in range(2):
        result = _assemble(fibres, bases, m, cut, ranks)
        if max(ranks) == 0:
            return CrossResult(None, None, fibres.evaluations, unresolved)
        xp = array_namespace(result.core)
        grids = [xp.asarray([a + (b - a) * rng.random() for _ in range(4)], dtype=xp.float64) for a, b in box]
        error = _spot_error(result, fibres, grids, box)
        if error <= max(10.0 * tol, 1e-14) * state["scale"] or attempt == 1:
            break
        state["extra"] *= 2
        for k in range(d):
            renew(k, fibres.matrix(k, m[k]))
    if error > max(10.0 * tol, 1e-14) * state["scale"]:
        warnings.warn(f"cross approximation missed its spot check: max error {error:.2e} against the "
                      f"function at random points (tolerance {tol:g} x max |f| = {tol * state['scale']:.2e})",
                      RuntimeWarning, stacklevel=4)
    result.evaluations, result.unresolved = fibres.evaluations, unresolved
    return result


def _assemble(fibres: _Fibres, bases, m, cut, ranks) -> CrossResult:
    d = len(bases)
    factors, final_pivots = [], []
    for k in range(d):
        xp = array_namespace(bases[k])
        index = xp.asarray(deim(bases[k]))
        final_pivots.append(xp.take(fibres.points(m[k], k), index, axis=0))
        square = xp.take(bases[k], index, axis=0)
        factors.append(xp.linalg.solve(square.T, bases[k].T).T)  # U (U[I])^{-1}: interpolating
    core = fibres.grid(final_pivots)
    coefficient_factors = []
    for k in range(d):
        c = cheb.values_to_coefficients(factors[k], axis=0)
        coefficient_factors.append(c[:max(min(cut[k], m[k]), 1), :])
    return CrossResult(core, coefficient_factors, fibres.evaluations, [])


def _spot_error(result: CrossResult, fibres: _Fibres, grids, box) -> float:
    """Max difference between the samples on ``grids`` and the cross approximation there."""
    exact = fibres.grid(grids)
    xp = array_namespace(exact)
    approx = result.core
    for k, (c, g) in enumerate(zip(result.factors, grids)):
        t = cheb.map_to_reference(g, box[k])
        approx = mode_product(approx, cheb.vandermonde(t, c.shape[0]) @ c, k)
    return float(xp.max(xp.abs(approx - exact)))


def orthonormal_tucker(result: CrossResult):
    """Core and orthonormal coefficient factors (QR of each factor, ``R`` into the core)."""
    core = result.core
    xp = array_namespace(core)
    factors = []
    for k, c in enumerate(result.factors):
        q, r = xp.linalg.qr(c)
        factors.append(q)
        core = mode_product(core, r, k)
    return core, factors


def warn_unresolved(unresolved: Sequence[int], degrees: Sequence[int], tol: float) -> None:
    """The ``RuntimeWarning`` for modes whose coefficients did not chop at the degree cap."""
    if unresolved:
        warnings.warn(
            f"not resolved: degree cap {max(degrees[k] for k in unresolved)} reached on mode(s) {list(unresolved)} "
            f"at tol={tol:g}; the result is less accurate than asked", RuntimeWarning, stacklevel=4)
