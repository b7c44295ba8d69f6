"""Tucker cross approximation on Chebyshev grids (the Chebfun3F approach): the function is
sampled on fibres only, never on the full tensor grid.

For mode ``k`` the *fibre matrix* holds the values at all ``m_k`` Chebyshev points of mode
``k`` times the pivot points of the other modes (``m_k × Π_{j≠k} s_j`` samples).  Its leading
left singular vectors span the mode-``k`` functions, their ε-rank is the Tucker rank, and
DEIM on them picks the next pivots of mode ``k``.

1. **Pivots and ranks** on a coarse grid (33 points per mode): alternating sweeps over the
   modes until the ranks stop changing (each pivot set keeps a few more points than the
   rank, so a rank can still grow).
2. **Degrees**: per mode, the fibres are resampled on 2x finer grids until their Chebyshev
   coefficients chop (:func:`~tensor_formats.chebyshev.standard_chop`); the rank and pivots of
   the mode are renewed on the fine grid, and step 2 repeats while a rank grows.
3. **Core**: the values at the ``r_1 × ... × r_d`` pivot points; the mode-``k`` factor is the
   interpolating basis ``U_k U_k[I_k]^{-1}`` turned into Chebyshev coefficients.

A rank-``r``, degree-``n`` function costs ``O(d n s^{d-1} + r^d)`` evaluations with ``s ≈ r``
(``O(n r² + r³)`` in 3-D) instead of ``n^d``.  A spot check at random points against the
function follows; a mode not resolved at the degree cap gives a ``RuntimeWarning`` saying
"not resolved: degree cap N reached".

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
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace

from .. import chebyshev as cheb
from ..tucker import mode_product

__all__ = ["CrossResult", "deim", "tucker_cross"]

_COARSE = 33
_MAX_SWEEPS = 8


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
    """Samples fibre matrices through ``sampler`` and counts the evaluations."""

    def __init__(self, sampler: Callable, box, backend: str):
        self.sampler, self.box, self.backend = sampler, box, backend
        self.evaluations = 0

    def points(self, m: int, k: int):
        return cheb.chebyshev_points(m, self.box[k], backend=self.backend)

    def grid(self, grids: Sequence[Any]):
        self.evaluations += math.prod(int(g.shape[0]) for g in grids)
        return self.sampler(grids)

    def matrix(self, k: int, m: int, pivots: Sequence[Any]):
        """``(m, Π_{j≠k} s_j)`` fibre matrix of mode ``k`` on ``m`` Chebyshev points."""
        xp = array_namespace(pivots[0])
        grids = [self.points(m, k) if j == k else p for j, p in enumerate(pivots)]
        values = self.grid(grids)
        moved = xp.moveaxis(values, k, 0)
        return xp.reshape(moved, (moved.shape[0], -1))


def _rank(s, tol: float, floor: float) -> int:
    """Number of singular values above ``tol`` times the largest (and above ``floor``)."""
    xp = array_namespace(s)
    top = float(s[0]) if s.shape[0] else 0.0
    if top <= floor:
        return 0
    return int(xp.sum(xp.astype(s > max(tol * top, floor), xp.int64)))


def tucker_cross(sampler: Callable[[Sequence[Any]], Any], box: Sequence[tuple[float, float]], *, tol: float,
                 limits: Sequence[int], backend: str = "numpy") -> CrossResult:
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
    """
    d = len(box)
    fibres = _Fibres(sampler, box, backend)
    m = [min(_COARSE, lim + 1) for lim in limits]
    # Pivots are coordinates, so that they survive a refinement of the grid.
    start = [min(mk, 3) for mk in m]
    pivots = []
    for k in range(d):
        pts = fibres.points(m[k], k)
        xp = array_namespace(pts)
        idx = [round(i * (m[k] - 1) / max(start[k] - 1, 1)) for i in range(start[k])]
        pivots.append(xp.take(pts, xp.asarray(idx), axis=0))
    ranks = [0] * d
    bases = [None] * d
    scale = [0.0]

    def renew(k: int, matrix) -> bool:
        """Rank, basis and pivots of mode ``k`` from its fibre matrix; True if the pivot set was full."""
        xp = array_namespace(matrix)
        scale[0] = max(scale[0], float(xp.max(xp.abs(matrix))))
        u, s, _ = xp.linalg.svd(matrix, full_matrices=False)
        r = _rank(s, tol, 1e-300 + 1e-15 * tol * scale[0])
        saturated = r >= u.shape[1] and r < matrix.shape[0]
        size = min(u.shape[1], max(r + max(2, r // 4), 1))
        if saturated:  # all columns independent: the other modes need more pivots, this one too
            size = min(matrix.shape[0], u.shape[1])
        bases[k] = u[:, :max(r, 1)]
        pts = fibres.points(matrix.shape[0], k)
        pivots[k] = xp.take(pts, xp.asarray(deim(u[:, :size])), axis=0)
        ranks[k] = r
        return saturated

    def grow(k: int):
        """More pivots for mode ``k`` when another mode's fibre matrix was saturated."""
        xp = array_namespace(pivots[k])
        have = pivots[k].shape[0]
        want = min(m[k], 2 * have)
        if want > have:
            pts = fibres.points(m[k], k)
            idx = [round(i * (m[k] - 1) / max(want - 1, 1)) for i in range(want)]
            pivots[k] = xp.unique_values(xp.concat([pivots[k], xp.take(pts, xp.asarray(idx), axis=0)]))

    # 1. ranks and pivots on the coarse grid
    for _ in range(_MAX_SWEEPS):
        before = list(ranks)
        saturated = []
        for k in range(d):
            if renew(k, fibres.matrix(k, m[k], pivots)):
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
    unresolved = []
    cut = list(m)
    for _ in range(_MAX_SWEEPS):
        before = list(ranks)
        unresolved = []
        for k in range(d):
            while True:
                matrix = fibres.matrix(k, m[k], pivots)
                xp = array_namespace(matrix)
                coefficients = cheb.values_to_coefficients(matrix, axis=0)
                cut[k] = cheb.standard_chop(xp.max(xp.abs(coefficients), axis=1), chop_tol)
                if cut[k] < m[k] or m[k] - 1 >= limits[k]:
                    break
                m[k] = min(2 * (m[k] - 1), limits[k]) + 1
            if cut[k] >= m[k]:
                unresolved.append(k)
            renew(k, matrix)
        if ranks == before:
            break
    # 3. core at the pivots, interpolating factors
    factors, final_pivots = [], []
    for k in range(d):
        xp = array_namespace(bases[k])
        index = xp.asarray(deim(bases[k]))
        final_pivots.append(xp.take(fibres.points(m[k], k), index, axis=0))
        square = xp.take(bases[k], index, axis=0)
        factors.append(xp.linalg.solve(square.T, bases[k].T).T)  # U (U[I])^{-1}
    core = fibres.grid(final_pivots)
    coefficient_factors = []
    for k in range(d):
        c = cheb.values_to_coefficients(factors[k], axis=0)
        coefficient_factors.append(c[:max(min(cut[k], m[k]), 1), :])
    return CrossResult(core, coefficient_factors, fibres.evaluations, unresolved)


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
