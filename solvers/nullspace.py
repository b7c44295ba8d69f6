"""Closed domains for the solver objects: a right-hand side checked against the null space, the
matrix a factorisation can take (one cell per closed component pinned), and preconditioners kept
in the range (projected before and after).  The null space itself is the operator's
(:attr:`solvers.GridOperator.nullspace_components`, :meth:`~solvers.GridOperator.project_range`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sciml.backend import array_namespace

from .grid_operator import _sparse_on
from .krylov import _dot

__all__ = ["check_compatible", "in_range", "pinned_matrix"]


def check_compatible(operator: Any, b: Any, dtype: Any) -> None:
    """Raise ValueError when ``b`` has a part in the null space beyond round-off: on a closed
    component ``k`` of ``n_k`` cells, ``|mean_k(b)| sqrt(n_k) > max(1e-10, 100 eps) ||b||``
    (``eps`` of the dtype of ``b``)."""
    import numpy as np

    xp = array_namespace(b)
    norm = math.sqrt(_dot(xp, b, b))
    tolerance = max(1e-10, 100 * float(np.finfo(np.dtype(str(dtype).rsplit(".", 1)[-1])).eps)) * norm
    counts = np.bincount(operator.nullspace_components.ravel())[1:]
    parts = np.abs(operator.component_means(b)) * np.sqrt(counts)
    worst = int(np.argmax(parts))
    if parts[worst] > tolerance:
        cell = tuple(int(i) for i in np.argwhere(operator.nullspace_components == worst + 1)[0])
        raise ValueError(f"b is incompatible with the null space of A (nullspace='raise'): on closed component "
                         f"{worst + 1} of {counts.size} ({counts[worst]} cells, containing cell {cell}) b has mean "
                         f"{parts[worst] / math.sqrt(counts[worst]):.3e}, an incompatible part of norm "
                         f"{parts[worst]:.3e} > {tolerance:.3e} (= {tolerance / norm:.1e} ||b||); "
                         "nullspace='project' removes it")


def pinned_matrix(matrix: Any, operator: Any, backend: str) -> Any:
    """``matrix`` with its diagonal doubled at one cell per closed component of ``operator`` (the first
    in flat order).  That copy is nonsingular (SPD for a symmetric matrix), and for a compatible ``b``
    its solution solves ``A x = b`` exactly: summing its equations over component ``k`` gives
    ``A_ii x_i = 0`` at the pinned cell ``i``.  The sparsity pattern is unchanged."""
    import numpy as np
    import scipy.sparse as sp

    from sciml.backend import to_numpy

    n = matrix.shape[0]
    labels = operator.nullspace_components.ravel()
    values, first = np.unique(labels, return_index=True)
    cells = first[values > 0]
    diagonal = to_numpy(matrix.diagonal())[cells]
    shift = sp.csr_matrix((diagonal, (cells, cells)), shape=(n, n), dtype=matrix.dtype)
    return (matrix + _sparse_on(shift, backend, "csr")).tocsr()


def in_range(operator: Any, apply: Callable | None) -> Callable | None:
    """``apply`` (a preconditioner, or None) with its output projected onto the range (the identity
    wrapper without a null space), so that search directions stay in the range.

    The input needs no projection: the solvers project ``b``, so every residual ``b - A x`` is in the
    range already, and on the range ``P M = P M P`` is symmetric when ``M`` is.  One projection per
    application, not two: this wrapper sits on the Krylov loop's hot path."""
    if operator is None or apply is None:
        return apply
    project = operator.project_range
    return lambda r: project(apply(r))
