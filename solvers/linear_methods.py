"""The methods of :func:`solvers.make_solver`: CG with no, Jacobi, IC(0), MIC(0) or AMG preconditioning,
and a reused sparse factorisation.  Each registers itself in :data:`solvers.SOLVERS`.
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace

from .krylov import KrylovInfo, _as_matvec, _cg_iterate, _true_residual
from .linear_solver import LinearSolver
from .nullspace import in_range, range_projector
from .solver_registry import register_solver
from .preconditioners import ic0

__all__ = ["AMGSolver", "CGSolver", "DirectSolver", "ICSolver", "JacobiSolver", "MICSolver"]

#: MIC(0)'s modification in "pcg-mic0" (Bridson's value; :func:`solvers.ic0`'s ``tau``).
MIC0_TAU = 0.97


class CGSolver(LinearSolver):
    """Conjugate gradients (``method="cg"``), optionally with ``preconditioner=`` ("jacobi", "ic0",
    "mic0", "amg" or an operator/callable).  The matrix is applied as CSR where there is one (2-3x faster than
    the matrix-free stencil); the iteration is that of :func:`solvers.cg` without its per-call checks.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> solver = make_solver(Laplacian((16, 16)), "cg", preconditioner="jacobi")
    >>> solver.solve(np.ones((16, 16)))[1].reason
    'converged'
    """

    method = "cg"
    kind: str | None = None   # the preconditioner a subclass fixes
    _ordered = None           # the level-ordered loop of IC(0)/MIC(0) (set up by _setup)

    def _validate_options(self) -> None:
        if self.options:
            raise ValueError(f"method {self.method!r} takes no options {sorted(self.options)}")
        if self.kind is not None and self.preconditioner is not None:
            raise ValueError(f"method {self.method!r} fixes its preconditioner ({self.kind}); use method='cg' "
                             "to give one")

    def _setup(self) -> None:
        self._matvec = _as_matvec(self.matrix if self.matrix is not None else self.A, self.n, "A",
                                  array_namespace(self._probe()), check=False)
        kind = self.kind if self.kind is not None else self.preconditioner
        self._ic0 = None
        self._precondition, self._description = self._build_preconditioner(kind)
        self._precondition = self._in_range(self._precondition)
        self._ordered = self._level_ordered_loop()

    def _level_ordered_loop(self):
        """For IC(0)/MIC(0) with level-ordered sweeps: the CG loop run in the sweeps' order (the matrix
        permuted once, ``(order, inverse, matvec, preconditioner)``), which spares the two permutations
        per application (at 256²: PCG-IC(0) 0.80x plain CG's time instead of 0.99x); None otherwise."""
        order = None if self._ic0 is None else self._ic0.order
        if order is None or self.backend != "numpy":
            return None
        import numpy as np

        permuted = self.matrix[order][:, order].tocsr()
        permuted.sort_indices()
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        precondition = self._ic0.matvec_ordered
        if self._closed is not None:
            precondition = in_range(range_projector(self._closed, self.backend, order=order), precondition)
        return order, inverse, (lambda v: permuted @ v), precondition

    def _probe(self):
        from sciml.backend import namespace_for

        return namespace_for(self.backend).zeros(1)

    def _build_preconditioner(self, kind: Any):
        xp = array_namespace(self._probe())
        if kind is None:
            return None, "none"
        if isinstance(kind, str):
            if kind == "jacobi":
                source = self.matrix if self.matrix is not None else self.A
                if self.matrix is not None:
                    diag = xp.asarray(self.matrix.diagonal())
                elif hasattr(source, "diagonal"):
                    diag = source.diagonal(backend=self.backend)
                else:
                    raise TypeError("the Jacobi preconditioner needs A as a matrix or an operator with diagonal()")
                if not bool(xp.all(diag > 0)):
                    raise ValueError("the Jacobi preconditioner needs a positive diagonal of A")
                inverse = 1.0 / xp.reshape(diag, (self.n,))
                return (lambda v: inverse * v), "Jacobi (inverse diagonal)"
            if kind in ("ic0", "mic0", "amg"):
                if self.matrix is None:
                    raise TypeError(f"preconditioner {kind!r} needs an assembled matrix")
                if kind in ("ic0", "mic0"):
                    tau = MIC0_TAU if kind == "mic0" else 0.0
                    factor = ic0(self._pinned_matrix(), tau=tau)
                    self._ic0 = factor
                    name = "IC(0)" if kind == "ic0" else f"MIC(0) (tau {tau}, sigma 0.25)"
                    return factor.matvec, f"{name}, factor nnz {factor.factor.nnz}, {factor.sweeps}"
                self._hierarchy = _smoothed_aggregation(self._amg_matrix(), self.backend, None, {},
                                                        closed=self._closed is not None)
                return _v_cycle(self._hierarchy), _hierarchy_line(self._hierarchy)
            raise ValueError(f"preconditioner must be None, 'jacobi', 'ic0', 'mic0', 'amg' or an operator, got {kind!r}")
        return _as_matvec(kind, self.n, "preconditioner", xp, check=False), f"user {type(kind).__name__}"

    def _amg_matrix(self):
        """The matrix the hierarchy is built on: in ``compute_dtype`` when one is given."""
        if self.compute_dtype is None or self.matrix.dtype == self.compute_dtype:
            return self.matrix
        return self.matrix.astype(self.compute_dtype)

    def _solve_impl(self, b, x0, tolerance):
        xp = array_namespace(b)
        if self._ordered is not None:
            order, inverse, matvec, precondition = self._ordered
            x = xp.zeros_like(b) if x0 is None else xp.take(x0, order)
            x, info = _cg_iterate(xp, matvec, precondition, xp.take(b, order), x, x_given=x0 is not None,
                                  maxiter=self._maxiter(), tolerance=tolerance, method=self.method)
            return xp.take(x, inverse), info
        x = xp.zeros_like(b) if x0 is None else x0
        return _cg_iterate(xp, self._matvec, self._precondition, b, x, x_given=x0 is not None,
                           maxiter=self._maxiter(), tolerance=tolerance, method=self.method)

    def _preconditioner_apply(self, r):
        return None if self._precondition is None else self._precondition(r)

    def _describe(self) -> list[str]:
        return [f"preconditioner: {self._description}"]


class JacobiSolver(CGSolver):
    """CG preconditioned by the inverse diagonal (``method="pcg-jacobi"``).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> make_solver(Laplacian((16, 16)), "pcg-jacobi").solve(np.ones(256))[1].converged
    True
    """

    method = "pcg-jacobi"
    kind = "jacobi"


class ICSolver(CGSolver):
    """CG preconditioned by IC(0) (``method="pcg-ic0"``, :func:`solvers.ic0`); an update recomputes
    the factor's values.  On a closed domain the factorised copy has one cell per closed component
    pinned (its diagonal doubled): IC(0) of the singular matrix itself can break down (a zero last
    pivot, e.g. on a 1-cell-wide channel), the pinned copy is SPD; the preconditioner is then
    projected onto the range after (its input, a residual, is in the range already).  With PyAMG
    installed the triangular solves are level-ordered compiled sweeps (:class:`IncompleteCholesky`)
    and the whole CG loop runs in that order (the matrix permuted once at set-up; ``b`` and ``x``
    permuted once per solve); the iterates are those of natural-order PCG up to round-off.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> make_solver(Laplacian((32, 32)), "pcg-ic0").solve(np.ones(1024))[1].iterations < 40
    True
    """

    method = "pcg-ic0"
    kind = "ic0"
    needs_matrix = True


class MICSolver(ICSolver):
    """CG preconditioned by the modified incomplete Cholesky MIC(0) (``method="pcg-mic0"``,
    :func:`solvers.ic0` with ``tau=0.97``, ``sigma=0.25``): the fluid-simulation standard, fewer
    iterations than IC(0) on Poisson matrices (O(n^(1/2)) instead of O(n) for ``n`` cells per axis)
    at the same cost per application.  Set-up, update and closed domains as "pcg-ic0".

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> A, b = Laplacian((64, 64)), np.ones(4096)
    >>> ic, mic = (make_solver(A, m).solve(b)[1].iterations for m in ("pcg-ic0", "pcg-mic0"))
    >>> mic < ic
    True
    """

    method = "pcg-mic0"
    kind = "mic0"


def _smoothed_aggregation(matrix, backend: str, previous, options: dict, *, closed: bool = False):
    """A PyAMG smoothed-aggregation hierarchy; with ``previous``, its aggregates are reused.

    ``closed`` (a singular matrix): the coarsest solve is a pseudo-inverse that cuts singular values
    below 1e-10 of the largest.  PyAMG's default cut (``n eps``) keeps the round-off eigenvalue of the
    coarse null space, and the V-cycle then multiplies a 1e-16 null-space part of its input by about
    1e13 (measured on two closed rooms, 24²); with the cut the V-cycle is ``P M P`` to round-off and
    converges in the same iterations."""
    if backend != "numpy":
        raise TypeError("method 'amg' runs PyAMG on the host: give a numpy/scipy operator")
    try:
        import pyamg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("method 'amg' needs PyAMG: pip install 'sciml[amg]' (or pyamg)") from exc
    import scipy.sparse as sp

    matrix = sp.csr_matrix(matrix)
    options = dict(options)
    options.setdefault("keep", True)   # keeps the aggregates (AggOp) for an update
    if closed:
        options.setdefault("coarse_solver", ("pinv", {"rtol": 1e-10}))
    if previous is not None:
        aggregates = [("predefined", {"AggOp": level.AggOp}) for level in previous.levels[:-1]]
        options = dict(options, aggregate=aggregates, max_levels=len(previous.levels), max_coarse=1)
    return pyamg.smoothed_aggregation_solver(matrix, **options)


def _v_cycle(hierarchy):
    """One V-cycle on vectors of any float dtype (PyAMG's needs its hierarchy's; cast in and out)."""
    apply = hierarchy.aspreconditioner(cycle="V")
    dtype = hierarchy.levels[0].A.dtype

    def cycle(r):
        out = apply.matvec(r if r.dtype == dtype else r.astype(dtype))
        return out if out.dtype == r.dtype else out.astype(r.dtype)

    return cycle


def _hierarchy_line(hierarchy) -> str:
    sizes = " > ".join(str(level.A.shape[0]) for level in hierarchy.levels)
    return (f"smoothed aggregation, {len(hierarchy.levels)} levels ({sizes}), operator complexity "
            f"{hierarchy.operator_complexity():.3f}")


class AMGSolver(CGSolver):
    """CG preconditioned by one V-cycle of a PyAMG smoothed-aggregation hierarchy (``method="amg"``),
    built once; options go to ``pyamg.smoothed_aggregation_solver``.  On a closed domain the
    hierarchy is built on the singular matrix itself (PyAMG's coarse solve is a pseudo-inverse) and
    the V-cycle's output is projected onto the range.  An update with the same
    pattern keeps the aggregates and recomputes the smoothed prolongators and Galerkin products.
    PyAMG is optional: ``pip install 'sciml[amg]'``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> solver = make_solver(Laplacian((64, 64)), "amg", rtol=1e-8)
    >>> solver.solve(np.ones(4096))[1].iterations < 15
    True
    """

    method = "amg"
    needs_matrix = True

    def _validate_options(self) -> None:
        if self.preconditioner is not None:
            raise ValueError("method 'amg' fixes its preconditioner; use method='cg' to give one")

    def _setup(self) -> None:
        self._matvec = _as_matvec(self.matrix, self.n, "A", array_namespace(self._probe()), check=False)
        self._hierarchy = _smoothed_aggregation(self._amg_matrix(), self.backend, None, self.options,
                                                closed=self._closed is not None)
        self._precondition, self._description = self._in_range(_v_cycle(self._hierarchy)), _hierarchy_line(self._hierarchy)

    def _update(self, old_matrix) -> None:
        self._matvec = _as_matvec(self.matrix, self.n, "A", array_namespace(self._probe()), check=False)
        try:
            hierarchy = _smoothed_aggregation(self._amg_matrix(), self.backend, self._hierarchy, self.options,
                                              closed=self._closed is not None)
        except (AttributeError, ValueError, TypeError, IndexError):   # PyAMG refused the old aggregates: a full set-up
            hierarchy = _smoothed_aggregation(self._amg_matrix(), self.backend, None, self.options,
                                              closed=self._closed is not None)
            self._stats.setups += 1
        self._hierarchy = hierarchy
        self._precondition, self._description = self._in_range(_v_cycle(hierarchy)), _hierarchy_line(hierarchy)


class DirectSolver(LinearSolver):
    """A sparse LU factorisation (SuperLU: scipy, or cupyx on cupy), computed at set-up and reused by
    every solve (``method="direct"``).  A symmetric matrix is factored with a symmetric ordering and
    diagonal pivots; any other nonsingular matrix with SuperLU's defaults.  ``info.iterations`` is 1;
    converged when the true residual meets the tolerance.  On a closed domain the factorised copy
    has one cell per closed component pinned (its diagonal doubled, which makes it nonsingular and
    still solves ``A x = b`` exactly for the projected ``b``); the mean is removed afterwards.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from solvers import make_solver
    >>> A = sp.csr_matrix(np.array([[4.0, 1.0], [2.0, 3.0]]))        # not symmetric
    >>> x, info = make_solver(A, "direct").solve(np.array([1.0, 2.0]))
    >>> bool(np.allclose(A @ x, [1.0, 2.0])), info.reason
    (True, 'converged')
    """

    method = "direct"
    needs_matrix = True
    needs_spd = False

    def _setup(self) -> None:
        matrix = self._pinned_matrix()
        if self.backend == "cupy":
            from cupyx.scipy.sparse.linalg import splu
        else:
            from scipy.sparse.linalg import splu
        asymmetry = abs(matrix - matrix.T)
        symmetric = not asymmetry.nnz or float(asymmetry.max()) <= 1e-12 * float(abs(matrix).max())
        options = (dict(permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
                   if symmetric else {})
        try:
            self._lu = splu(matrix.tocsc().astype("float64"), **options)
        except RuntimeError as exc:
            raise ValueError(f"A is singular ({exc}); a closed domain is handled when A is a grid operator "
                             "with a null space (A.nullspace_components) and nullspace='project'") from exc
        self._symmetric = symmetric
        self._matvec = _as_matvec(self.matrix, self.n, "A", array_namespace(matrix.data), check=False)

    def _solve_impl(self, b, x0, tolerance):
        xp = array_namespace(b)
        b64 = b if b.dtype == xp.float64 else xp.astype(b, xp.float64)
        x = self._lu.solve(b64)
        if not bool(xp.all(xp.isfinite(x))):
            return x, KrylovInfo(-1, 1, [float("nan")], tolerance, reason="nan", method=self.method)
        _, residual = _true_residual(xp, self._matvec, b64, x)
        converged = residual <= tolerance
        info = KrylovInfo(0 if converged else 1, 1, [residual], tolerance,
                          reason="converged" if converged else "stagnation", method=self.method)
        return x if x.dtype == b.dtype else xp.astype(x, b.dtype), info

    def _preconditioner_apply(self, r):
        return self._in_range(self._lu.solve)(r)

    def _describe(self) -> list[str]:
        ordering = "symmetric (MMD on A+Aᵀ, diagonal pivots)" if self._symmetric else "COLAMD, partial pivoting"
        nnz = getattr(self._lu, "L", None)
        size = f", nnz(L+U) {self._lu.L.nnz + self._lu.U.nnz}" if nnz is not None else ""
        return [f"factorisation: SuperLU, {ordering}{size}"]


register_solver("cg", CGSolver)
register_solver("pcg-jacobi", JacobiSolver)
register_solver("pcg-ic0", ICSolver)
register_solver("pcg-mic0", MICSolver)
register_solver("amg", AMGSolver)
register_solver("direct", DirectSolver)
