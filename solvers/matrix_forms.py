"""The assembled matrix behind an operator, for the solver objects: its CSR form and backend, and
whether a new matrix keeps the sparsity pattern of the old one (what :meth:`LinearSolver.update` reuses)."""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace, backend_name

from .krylov import _is_array, _is_sparse

__all__ = ["matrix_of", "same_pattern"]


def matrix_of(A: Any):
    """``(matrix or None, backend)``: the assembled CSR matrix of ``A`` where there is one."""
    if hasattr(A, "to_sparse") and hasattr(A, "grid_shape"):
        backend = getattr(A, "backend", "numpy")
        return A.to_sparse(backend=backend), backend
    if _is_sparse(A):
        backend = "cupy" if type(A).__module__.startswith("cupyx") else "numpy"
        return (A if A.format == "csr" else A.tocsr()), backend
    if _is_array(A):
        backend = backend_name(A)
        if backend == "numpy":
            import scipy.sparse as sp

            return sp.csr_matrix(A), backend
        if backend == "cupy":
            from sciml.backend import namespace_for, scipy_like

            return scipy_like(namespace_for("cupy")).sparse.csr_matrix(A), backend
        raise TypeError(f"A is a dense {backend} array: give a numpy/cupy array, a sparse matrix or an operator")
    return None, getattr(A, "backend", "numpy")


def same_pattern(old, new) -> bool:
    """Whether two CSR matrices have the same sparsity pattern (their indices are sorted in place)."""
    if old.shape != new.shape or old.nnz != new.nnz:
        return False
    xp = array_namespace(old.indptr)
    old.sort_indices()
    new.sort_indices()
    return bool(xp.all(old.indptr == new.indptr)) and bool(xp.all(old.indices == new.indices))
