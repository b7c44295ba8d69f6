"""Closed domains for the solver objects: a right-hand side checked against the null space, the
matrix a factorisation can take (one cell per closed component pinned), and preconditioners kept
in the range (their output projected, by one fused reduction).  The null space itself is the
operator's (:attr:`solvers.GridOperator.nullspace_components`, :meth:`~solvers.GridOperator.project_range`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sciml.backend import array_namespace

from .grid_operator import _sparse_on
from .krylov import _dot

__all__ = ["check_compatible", "in_range", "pinned_matrix", "range_projector"]


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


def range_projector(operator: Any, backend: str, *, order: Any = None) -> Callable[[Any], Any]:
    """``operator.project_range`` for flat vectors on ``backend``, as one fused reduction and no
    host round trip (the solvers call it on the Krylov hot path, once per preconditioner application).

    One closed component: its mean is a single sum (the whole grid) or a dot product with its
    indicator (a fluid region among solid cells) and stays a device scalar on cupy; several: one
    ``bincount`` of the values by component label, then a gather of the means.  Measured on a 64²
    closed box (benchmarks/bench_simulation.py): 0.3 CSR mat-vecs for one component, 1.8 for
    several, against about 3 for ``project_range`` (per-component sums copied to the host).  Vectors
    that are not float64, and backends other than numpy and cupy, go through ``project_range``
    (means accumulated in float64).

    ``order`` (a permutation of the cells, numpy): the projector for vectors given in that order
    (``v[k]`` the value of cell ``order[k]``), as a solver working in a permuted order needs.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian
    >>> from solvers.nullspace import range_projector
    >>> A = Laplacian((4, 4), bc="neumann")
    >>> v = np.arange(16.0)
    >>> bool(np.allclose(range_projector(A, "numpy")(v), A.project_range(v)))
    True
    """
    import numpy as np

    from sciml.backend import backend_name, namespace_for, to_backend

    labels = np.asarray(operator.nullspace_components).ravel()
    counts = np.bincount(labels)[1:]
    general = operator.project_range
    if order is not None:
        order = np.asarray(order)
        unorder = np.empty_like(order)
        unorder[order] = np.arange(order.size)
        labels = labels[order]

        def general(v, _project=operator.project_range):
            xp_v = array_namespace(v)
            back = to_backend(unorder, backend_name(xp_v))
            return xp_v.take(_project(xp_v.take(v, back)), to_backend(order, backend_name(xp_v)))
    if backend not in ("numpy", "cupy"):
        return general
    xp = namespace_for(backend)
    if counts.size == 1 and counts[0] == labels.size:
        inverse_count = 1.0 / float(labels.size)

        def project(v):
            return v - xp.sum(v) * inverse_count if v.dtype == xp.float64 else general(v)
    elif counts.size == 1:
        indicator = to_backend((labels == 1).astype(np.float64), backend)
        inverse_count = 1.0 / float(counts[0])

        def project(v):
            return v - (xp.vecdot(indicator, v) * inverse_count) * indicator if v.dtype == xp.float64 else general(v)
    else:
        on_backend = to_backend(labels, backend)
        scale = to_backend(np.concatenate([[0.0], 1.0 / counts]), backend)   # label 0 (not closed): unchanged
        size = counts.size + 1

        def project(v):
            if v.dtype != xp.float64:
                return general(v)
            means = xp.bincount(on_backend, weights=v, minlength=size) * scale
            return v - xp.take(means, on_backend)
    return project


def in_range(project: Callable | None, apply: Callable | None) -> Callable | None:
    """``apply`` (a preconditioner, or None) with its output projected onto the range by ``project``
    (:func:`range_projector`; no wrapper when ``project`` is None: no null space), so that search
    directions stay in the range.

    The input needs no projection: the solvers project ``b``, so every residual ``b - A x`` is in the
    range already, and on the range ``P M = P M P`` is symmetric when ``M`` is.  One projection per
    application, not two: this wrapper sits on the Krylov loop's hot path."""
    if project is None or apply is None:
        return apply
    return lambda r: project(apply(r))
