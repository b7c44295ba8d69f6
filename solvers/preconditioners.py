"""Preconditioners for :func:`solvers.pcg`: incomplete Cholesky IC(0) and smoothed-aggregation AMG.

Both return objects with ``matvec`` and ``shape`` (so they go into ``pcg(A, b, M=...)`` and
scipy's solvers alike) applying an approximation of ``A⁻¹``.
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace

__all__ = ["IncompleteCholesky", "SmoothedAggregationAMG", "amg", "ic0"]


class IncompleteCholesky:
    """``M = (D + L) D⁻¹ (D + L)ᵀ ≈ A``: the IC(0) factorization of a sparse SPD matrix.

    ``L`` is the strictly lower triangle of ``A`` and ``D`` the pivots of IC(0).  This is IC(0)
    exactly when the factor has no fill inside the sparsity pattern (5- and 7-point stencils in
    any ordering of the grid, identity rows included); :func:`ic0` verifies it.

    On the host the two triangular solves run in compiled code: SuperLU (``scipy.sparse.linalg.splu``)
    factors ``D + L`` once with its natural column order and no pivoting, which is exact and has no
    fill for a triangular matrix (the LU factors are ``(D + L) D⁻¹`` and ``D``); one application is
    ``lu.solve(r)`` then ``lu.solve(D y, trans="T")``.  Measured (benchmarks/bench_ic0.py, one
    thread, a loaded 2-core machine): one application costs about 10-20 CSR mat-vecs of the same
    matrix at 2D 128²/256² and 3D 32³ (``spsolve_triangular``, used before: 50-180, i.e. 5-8x
    faster now), about 3-5 at 3D 64³ where the mat-vec is memory bound.  The target of issue 14
    (at most ~4 mat-vecs) is not met on the small sizes.  A triangular solve is a chain of dependent rows (latency
    bound), so no compiled sweep gets near one mat-vec on cache-resident sizes: a numba loop
    measured 4.5-8.  On cupy the solves use ``cupyx.scipy.sparse.linalg.spsolve_triangular``.

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

    def __init__(self, lower, pivots, *, backend: str = "numpy"):
        self._lower = lower          # D + L, CSR
        self._pivots = pivots
        self.shape = lower.shape
        self.backend = backend
        if backend == "cupy":
            from cupyx.scipy.sparse.linalg import spsolve_triangular

            self._upper = lower.T.tocsr()
            self._solve = spsolve_triangular
            self._lu = None
        else:
            from scipy.sparse.linalg import splu

            self._lu = splu(lower.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0)

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
        if self._lu is None:
            y = self._solve(self._lower, flat, lower=True)
            return self._solve(self._upper, self._pivots * y, lower=False)
        import numpy as np

        work = np.asarray(flat, dtype=np.float64)
        out = self._lu.solve(self._pivots * self._lu.solve(work), trans="T")
        return out if out.dtype == flat.dtype else out.astype(flat.dtype)

    __call__ = matvec


def ic0(A: Any) -> IncompleteCholesky:
    """Incomplete Cholesky with zero fill of a sparse symmetric positive definite matrix.

    Parameters
    ----------
    A : scipy or cupyx sparse matrix
        Symmetric positive definite, with an IC(0) factor free of in-pattern fill (5/7-point
        stencils such as :class:`solvers.Laplacian` and :class:`solvers.ObstacleLaplacian`).

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
    """
    import numpy as np
    import scipy.sparse as sp

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
    indptr, indices, data = lower.indptr, lower.indices, lower.data
    for i in range(host.shape[0]):
        start, stop = indptr[i], indptr[i + 1]
        cols = indices[start:stop]
        value = diagonal[i] - float(np.sum(data[start:stop] ** 2 / pivots[cols])) if stop > start else diagonal[i]
        if not value > 0:
            raise ValueError(f"IC(0) broke down at row {i} (pivot {value:.3e} <= 0): is A positive definite?")
        pivots[i] = value
    factor = (lower + sp.diags(pivots)).tocsr()
    # IC(0) reproduces A on its pattern; (D + L) D⁻¹ (D + L)ᵀ does so iff there is no in-pattern fill
    product = (factor @ sp.diags(1.0 / pivots) @ factor.T).tocsr()
    on_pattern = product.multiply(host != 0) - host
    if abs(on_pattern).max() > 1e-10 * abs(host).max():
        raise ValueError("ic0 supports matrices whose IC(0) factor has no fill inside the pattern "
                         "(5- and 7-point stencils); this matrix has some")
    if backend == "cupy":
        from sciml.backend import namespace_for, scipy_like, to_backend

        factor, pivots = scipy_like(namespace_for("cupy")).sparse.csr_matrix(factor), to_backend(pivots, "cupy")
    return IncompleteCholesky(factor, pivots, backend=backend)


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
