"""Preconditioners for :func:`solvers.pcg`: incomplete Cholesky IC(0) (and the modified MIC(0)) and
smoothed-aggregation AMG.

Both return objects with ``matvec`` and ``shape`` (so they go into ``pcg(A, b, M=...)`` and
scipy's solvers alike) applying an approximation of ``A⁻¹``.
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace

__all__ = ["IncompleteCholesky", "SmoothedAggregationAMG", "amg", "ic0"]


class IncompleteCholesky:
    """``M = (D + L) D⁻¹ (D + L)ᵀ ≈ A``: the IC(0) or MIC(0) factorization of a sparse SPD matrix
    (built by :func:`ic0`, which also gives ``levels``, the rows' depths in the factor).

    ``L`` is the strictly lower triangle of ``A`` and ``D`` the pivots of IC(0) (of MIC(0) with
    ``ic0(A, tau=...)``; the solves below are the same).  This is IC(0)
    exactly when the factor has no fill inside the sparsity pattern (5- and 7-point stencils in
    any ordering of the grid, identity rows included); :func:`ic0` verifies it.

    On the host the two triangular solves are sequential compiled sweeps in a *level order*: the
    rows sorted by their level in the factor's dependency graph (``level(i) = 1 + max level(j)`` over
    ``L_ij ≠ 0``; for a 5/7-point stencil in natural order, the anti-diagonal ``i + j (+ k)``).  A
    symmetric permutation by that order keeps the factor triangular with the same values, so the
    preconditioner is the same operator (the same IC(0), the same iterations); only the rows that
    follow each other in a sweep are now independent, so the processor overlaps them instead of
    waiting on each row's division (a natural-order sweep is a chain of dependent rows, latency
    bound).  The sweeps are PyAMG's compiled Gauss–Seidel kernel (``pyamg.amg_core.gauss_seidel``:
    one forward sweep from zero on the lower triangle is the forward substitution, one backward sweep
    on its transpose the back substitution).  Measured (benchmarks/bench_ic0.py, one thread, CPU
    time): one application, permutations included, costs 2.0-3.0 CSR mat-vecs of the same matrix at
    2D 128²/256² and 3D 32³/64³ (issue 14's target: about 4); natural-order sweeps cost 2.8-6.7,
    SuperLU on the factor 4.3-8.4, ``spsolve_triangular`` (scipy 1.17) 24-62.  Without PyAMG (the ``amg`` extra)
    the solves fall back to SuperLU on the natural-order factor (``splu`` with its natural column
    order and no pivoting: exact, no fill).  On cupy they use
    ``cupyx.scipy.sparse.linalg.spsolve_triangular``.  :attr:`sweeps` says which is used.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, ic0
    >>> A = Laplacian((6, 6)).to_sparse()
    >>> M = ic0(A)
    >>> r = np.arange(36.0)
    >>> bool(np.allclose(M.factor @ (M.factor.T @ M.matvec(r) / M.pivots), r))   # (D+L) D⁻¹ (D+L)ᵀ M⁻¹ r = r
    True
    """

    def __init__(self, lower, pivots, *, backend: str = "numpy", levels=None):
        self._lower = lower          # D + L, CSR
        self._pivots = pivots
        self.shape = lower.shape
        self.backend = backend
        self._lu = self._sweep = None
        if backend == "cupy":
            from cupyx.scipy.sparse.linalg import spsolve_triangular

            self._upper = lower.T.tocsr()
            self._solve = spsolve_triangular
            self.sweeps = "cupyx spsolve_triangular"
            return
        try:
            from pyamg.amg_core import gauss_seidel
        except ImportError:
            gauss_seidel = None
        if gauss_seidel is None:
            from scipy.sparse.linalg import splu

            self._lu = splu(lower.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0)
            self.sweeps = "SuperLU, natural order"
            return
        if levels is None:
            raise ValueError("IncompleteCholesky needs the levels of its factor (ic0 computes them)")
        self._sweep = gauss_seidel
        self._order, self._lower_level, self._upper_level, self._pivots_level = _level_ordered(lower, pivots, levels)
        self._inverse_order = _inverse(self._order)
        self.sweeps = f"level-ordered compiled sweeps ({int(levels.max()) + 1} levels)"

    @property
    def factor(self):
        """``D + L`` (CSR)."""
        return self._lower

    @property
    def pivots(self):
        """The IC(0) pivots ``D`` (flat)."""
        return self._pivots

    def matvec(self, r: Any) -> Any:
        """``M⁻¹ r`` by a forward and a backward triangular solve (float64 inside; ``r``'s dtype out)."""
        xp = array_namespace(r)
        flat = xp.reshape(r, (-1,))
        if self.backend == "cupy":
            y = self._solve(self._lower, flat, lower=True)
            return self._solve(self._upper, self._pivots * y, lower=False)
        import numpy as np

        if self._lu is not None:
            work = np.asarray(flat, dtype=np.float64)
            out = self._lu.solve(self._pivots * self._lu.solve(work), trans="T")
            return out if out.dtype == flat.dtype else out.astype(flat.dtype)
        return np.take(self.matvec_ordered(np.take(flat, self._order)), self._inverse_order)

    __call__ = matvec

    @property
    def order(self):
        """The level order of the sweeps (a permutation of the rows), or None where they are not
        level-ordered (SuperLU, cupy).  A solver can work in that order throughout (the matrix
        permuted once, :meth:`matvec_ordered`) and spare the two permutations per application."""
        return None if self._sweep is None else self._order

    def matvec_ordered(self, r: Any) -> Any:
        """:meth:`matvec` for a flat numpy ``r`` given in :attr:`order`, the result in that order
        (float64 inside; ``r``'s dtype out).  Only where :attr:`order` is not None."""
        import numpy as np

        n = self.shape[0]
        lower, upper = self._lower_level, self._upper_level
        y = np.empty(n)   # a sweep over a triangle reads no unknown it has not written
        self._sweep(lower.indptr, lower.indices, lower.data, y, r if r.dtype == np.float64 else r.astype(np.float64),
                    0, n, 1)
        rhs = self._pivots_level * y
        self._sweep(upper.indptr, upper.indices, upper.data, y, rhs, n - 1, -1, -1)
        return y if r.dtype == np.float64 else y.astype(r.dtype)


def _level_ordered(lower, pivots, levels):
    """The rows sorted by level (stable), and ``D + L``, its transpose (CSR, int32 indices, sorted)
    and the pivots in that order."""
    import numpy as np

    order = np.argsort(levels, kind="stable")
    permuted = lower[order][:, order].tocsr()
    permuted.sort_indices()
    upper = permuted.T.tocsr()
    upper.sort_indices()
    as_int32 = [m.indptr.astype(np.int32) for m in (permuted, upper)]
    for m, indptr in zip((permuted, upper), as_int32):
        m.indptr, m.indices, m.data = indptr, m.indices.astype(np.int32), np.ascontiguousarray(m.data, dtype=np.float64)
    return order, permuted, upper, np.ascontiguousarray(pivots[order], dtype=np.float64)


def _inverse(order):
    import numpy as np

    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return inverse


def ic0(A: Any, *, tau: float = 0.0, sigma: float = 0.25) -> IncompleteCholesky:
    """Incomplete Cholesky with zero fill of a sparse symmetric positive definite matrix: IC(0), or
    with ``tau > 0`` the modified incomplete Cholesky MIC(0).

    MIC(0) adds ``tau`` times the fill IC(0) drops in a row to that row's pivot, so that with
    ``tau = 1`` the factor keeps the row sums of ``A`` (it is exact on constants).  On a Poisson
    matrix this takes the condition number from O(h⁻²) to O(h⁻¹): iterations O(n^(1/2)) instead of
    O(n) for ``n`` unknowns per axis.  ``tau = 0.97`` and the safety ``sigma = 0.25`` (a pivot below
    ``sigma`` times the diagonal of ``A`` is replaced by that diagonal) are the values of Bridson's
    *Fluid Simulation for Computer Graphics* (2nd ed., §5.2), the standard in fluid codes.

    Parameters
    ----------
    A : scipy or cupyx sparse matrix
        Symmetric positive definite, with an IC(0) factor free of in-pattern fill (5/7-point
        stencils such as :class:`solvers.Laplacian` and :class:`solvers.ObstacleLaplacian`).
    tau : float
        The modification, in ``[0, 1]``: 0 is IC(0), 0.97 Bridson's MIC(0).
    sigma : float
        MIC(0)'s safety, in ``[0, 1)`` (unused when ``tau = 0``).

    Returns
    -------
    IncompleteCholesky
        Use as ``pcg(A, b, M=ic0(A))``.

    Raises
    ------
    ValueError
        A non-square or non-symmetric matrix, a non-positive pivot (``A`` not positive definite
        enough for IC(0)), or a pattern whose IC(0) factor would have in-pattern fill.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, cg, ic0, pcg
    >>> A = Laplacian((32, 32)).to_sparse()
    >>> b = np.ones(32 * 32)
    >>> plain, preconditioned = cg(A, b, rtol=1e-8)[1], pcg(A, b, M=ic0(A), rtol=1e-8)[1]
    >>> preconditioned.iterations < plain.iterations / 2
    True
    >>> modified = pcg(A, b, M=ic0(A, tau=0.97), rtol=1e-8)[1]
    >>> modified.iterations < preconditioned.iterations
    True
    """
    import numpy as np
    import scipy.sparse as sp

    if not (isinstance(tau, (int, float)) and 0.0 <= tau <= 1.0):
        raise ValueError(f"tau must be a number in [0, 1], got {tau!r}")
    if not (isinstance(sigma, (int, float)) and 0.0 <= sigma < 1.0):
        raise ValueError(f"sigma must be a number in [0, 1), got {sigma!r}")

    backend = "cupy" if type(A).__module__.startswith("cupyx") else "numpy"
    host = A.get() if backend == "cupy" else A
    if not sp.issparse(host) or host.shape[0] != host.shape[1]:
        raise ValueError("ic0 needs a square scipy or cupyx sparse matrix")
    host = sp.csr_matrix(host, dtype=np.float64)
    host.sum_duplicates()
    if abs(host - host.T).max() > 1e-12 * abs(host).max():
        raise ValueError("ic0 needs a symmetric matrix")
    lower = sp.tril(host, k=-1, format="csr")
    diagonal = host.diagonal()
    pivots = np.empty_like(diagonal)
    levels = np.zeros(host.shape[0], dtype=np.int64)   # the row's depth in the factor's dependency graph
    # column sums of L: the fill row i drops through column j is L_ij (S_j - L_ij) / d_j (no in-pattern fill)
    below = np.asarray(lower.sum(axis=0)).ravel()
    name = "IC(0)" if tau == 0 else "MIC(0)"
    indptr, indices, data = lower.indptr, lower.indices, lower.data
    for i in range(host.shape[0]):
        start, stop = indptr[i], indptr[i + 1]
        cols = indices[start:stop]
        value = diagonal[i]
        if stop > start:
            row = data[start:stop]
            dropped = row * tau * (below[cols] - row) if tau else 0.0
            value -= float(np.sum((row**2 + dropped) / pivots[cols]))
            levels[i] = levels[cols].max() + 1
        if tau and value < sigma * diagonal[i]:
            value = diagonal[i]
        if not value > 0:
            raise ValueError(f"{name} broke down at row {i} (pivot {value:.3e} <= 0): is A positive definite?")
        pivots[i] = value
    factor = (lower + sp.diags(pivots)).tocsr()
    # IC(0) reproduces A's off-diagonal on its pattern ((D + L) D⁻¹ (D + L)ᵀ does so iff there is no
    # in-pattern fill; IC(0) also its diagonal, by construction, MIC(0) not)
    product = (factor @ sp.diags(1.0 / pivots) @ factor.T).tocsr()
    on_pattern = product.multiply(host != 0) - host
    on_pattern = on_pattern - sp.diags(on_pattern.diagonal())
    if abs(on_pattern).max() > 1e-10 * abs(host).max():
        raise ValueError("ic0 supports matrices whose IC(0) factor has no fill inside the pattern "
                         "(5- and 7-point stencils); this matrix has some")
    if backend == "cupy":
        from sciml.backend import namespace_for, scipy_like, to_backend

        factor, pivots = scipy_like(namespace_for("cupy")).sparse.csr_matrix(factor), to_backend(pivots, "cupy")
    return IncompleteCholesky(factor, pivots, backend=backend, levels=levels)


class SmoothedAggregationAMG:
    """One V-cycle of a PyAMG smoothed-aggregation hierarchy as a preconditioner (host only).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, amg
    >>> M = amg(Laplacian((32, 32)).to_sparse())            # a SmoothedAggregationAMG
    >>> M.shape, M(np.ones(32 * 32)).shape
    ((1024, 1024), (1024,))
    """

    def __init__(self, hierarchy):
        self.hierarchy = hierarchy
        self._apply = hierarchy.aspreconditioner(cycle="V")
        self.shape = self._apply.shape

    def matvec(self, r: Any) -> Any:
        return self._apply.matvec(r)

    __call__ = matvec


def amg(A: Any, **options) -> SmoothedAggregationAMG:
    """PyAMG smoothed aggregation (``pyamg.smoothed_aggregation_solver(A, **options)``) as a
    preconditioner for :func:`solvers.pcg`.  PyAMG is an optional dependency
    (``pip install pyamg``; part of the ``bench`` extra).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, amg, pcg
    >>> A = Laplacian((64, 64)).to_sparse()
    >>> x, info = pcg(A, np.ones(64 * 64), M=amg(A), rtol=1e-8)
    >>> info.iterations < 15
    True
    """
    try:
        import pyamg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("amg needs PyAMG: pip install pyamg (or the 'bench' extra)") from exc
    import scipy.sparse as sp

    if not sp.issparse(A):
        raise ValueError("amg needs a scipy sparse matrix (PyAMG runs on the host)")
    return SmoothedAggregationAMG(pyamg.smoothed_aggregation_solver(sp.csr_matrix(A), **options))
