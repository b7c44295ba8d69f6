"""Solver objects for a code that solves with one matrix many times: the base :class:`LinearSolver`
(the registry and :func:`make_solver` are in :mod:`solvers.solver_registry`, the errors and
:class:`SolverStats` in :mod:`solvers.solver_outcomes`).

The design follows scipy's ``solve_ivp`` (``METHODS``, the ``OdeSolver`` base): a public template
method :meth:`LinearSolver.solve` does the shared work (checks of ``b`` and ``x0`` against ``A``,
the tolerance, the fallback, the failure policy, :attr:`LinearSolver.stats`) and calls private hooks
a method implements: ``_setup()`` (once, and again on :meth:`LinearSolver.update`), ``_solve_impl``,
and optionally ``_update``, ``_preconditioner_apply`` and ``_describe``.

Closed domains (an operator with a null space, :attr:`solvers.GridOperator.nullspace_components`)
are handled here once for every method: :meth:`LinearSolver.solve` projects ``b`` onto the range
(or, with ``nullspace="raise"``, refuses an incompatible ``b``) before ``_solve_impl`` and removes
the mean of ``x`` on each closed component after it.  A method that factorises uses
``_pinned_matrix()`` (one cell per closed component pinned) and a Krylov method wraps its
preconditioner with ``_in_range`` (its output projected by one fused reduction,
:func:`solvers.nullspace.range_projector`).  The methods of :mod:`solvers.linear_methods` register
themselves here; DCDM plugs itself in from
:mod:`solvers.deep_conjugate` (above this layer), so the registry lives low and knows no method.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, ClassVar

from sciml.backend import array_namespace, backend_name

from .krylov import KrylovInfo, _dot
from .matrix_forms import matrix_of, same_pattern
from .nullspace import check_compatible, in_range, pinned_matrix, range_projector
from .solver_outcomes import CHECKS, ON_FAILURE, ConvergenceError, ConvergenceWarning, SolverStats
from .solver_registry import _REGISTRY

__all__ = ["LinearSolver"]

NULLSPACE = (None, "project", "raise", "ignore")


class LinearSolver:
    """Base of the solver objects (built by :func:`make_solver`; parameters as there).

    Public: :meth:`solve`, :meth:`update`, :meth:`aspreconditioner`, :attr:`stats`.  A method
    subclasses this, sets ``method`` (its registry name), ``needs_matrix`` (it needs the assembled
    matrix) and ``needs_spd`` (checked at set-up), and implements ``_setup()`` and
    ``_solve_impl(b, x0, tolerance) -> (x, info)`` on flat vectors of the working dtype (``x0`` may
    be None; ``b`` is finite and nonzero).  Optional hooks: ``_update(old_matrix)`` (default: a
    full ``_setup()``), ``_preconditioner_apply(r)`` (default: none, :meth:`aspreconditioner` then
    makes a loose solve) and ``_describe()`` (lines for ``repr``).

    Attributes
    ----------
    A : object
        The operator as given.
    matrix : sparse matrix or None
        Its CSR matrix (None for a matrix-free operator).
    n : int
    dtype : numpy.dtype
        The operator's (float64 for an operator without one).
    backend : str
        Where ``b`` must live: "numpy" or "cupy".
    rtol, atol, maxiter, check, on_failure, fallback, options
        As given to :func:`make_solver`.
    compute_dtype : numpy.dtype or None
        The dtype the method computes in (None: that of ``b`` promoted with the operator's).
    nullspace : {"project", "raise", "ignore"}
        The null-space policy (``None`` given means "project"); it acts only when ``A`` has a null
        space (``A.nullspace_size > 0``: a closed domain, all faces Neumann/periodic or a fluid
        region with no open face).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, LinearSolver, make_solver
    >>> solver = make_solver(Laplacian((16, 16)), "cg")
    >>> isinstance(solver, LinearSolver), solver.solve(np.ones(256))[1].converged
    (True, True)
    """

    method: ClassVar[str] = ""
    needs_matrix: ClassVar[bool] = False
    needs_spd: ClassVar[bool] = True
    default_maxiter_per_unknown: ClassVar[int] = 10
    loose_rtol: ClassVar[float] = 1e-2

    def __init__(self, A: Any, *, rtol: float = 1e-6, atol: float = 0.0, maxiter: int | None = None,
                 preconditioner: Any = None, check: str = "once", on_failure: str = "raise",
                 fallback: str | None = None, nullspace: str | None = None, compute_dtype: Any = None,
                 **options: Any):
        import numpy as np

        if not (isinstance(rtol, (int, float)) and isinstance(atol, (int, float)) and rtol >= 0 and atol >= 0
                and math.isfinite(rtol) and math.isfinite(atol)):
            raise ValueError(f"rtol and atol must be finite and >= 0, got rtol={rtol!r}, atol={atol!r}")
        if rtol == 0 and atol == 0:
            raise ValueError("rtol and atol cannot both be 0")
        if maxiter is not None and int(maxiter) < 1:
            raise ValueError(f"maxiter must be >= 1 or None, got {maxiter!r}")
        if check not in CHECKS:
            raise ValueError(f"check must be one of {CHECKS}, got {check!r}")
        if on_failure not in ON_FAILURE:
            raise ValueError(f"on_failure must be one of {ON_FAILURE}, got {on_failure!r}")
        if fallback is not None and fallback not in _REGISTRY:
            raise ValueError(f"fallback must be None or one of {sorted(_REGISTRY)}, got {fallback!r}")
        if fallback == self.method:
            raise ValueError(f"fallback must differ from the method ({self.method!r})")
        if nullspace not in NULLSPACE:
            raise ValueError(f"nullspace must be one of {NULLSPACE}, got {nullspace!r}")
        self.nullspace = "project" if nullspace is None else nullspace
        if compute_dtype is not None:
            try:
                compute_dtype = np.dtype(compute_dtype)
            except TypeError as exc:
                raise ValueError(f"compute_dtype must be None or a real floating dtype, got {compute_dtype!r}") from exc
            if compute_dtype.kind != "f":
                raise ValueError(f"compute_dtype must be None or a real floating dtype, got {compute_dtype}")
        self.compute_dtype = compute_dtype
        self.rtol, self.atol = float(rtol), float(atol)
        self.maxiter = None if maxiter is None else int(maxiter)
        self.preconditioner = preconditioner
        self.check, self.on_failure, self.fallback = check, on_failure, fallback
        self.options = dict(options)
        self._validate_options()
        self._stats = SolverStats()
        self._fallback_solver: LinearSolver | None = None
        start = time.perf_counter()
        self._take(A)
        self._setup()
        self._stats.setups += 1
        self._stats.setup_time += time.perf_counter() - start

    # -- the operator ------------------------------------------------------------------------
    def _take(self, A: Any) -> None:
        """Resolve ``A`` (matrix, backend, size, dtype) and check it (``check="once"``)."""
        import numpy as np

        matrix, backend = matrix_of(A)
        shape = tuple(getattr(A, "shape", ()) if matrix is None else matrix.shape)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"A must be a square operator, got shape {shape}")
        if matrix is None:
            if self.needs_matrix:
                raise TypeError(f"method {self.method!r} needs an assembled matrix (a grid operator, a sparse "
                                f"matrix or an array), got a matrix-free {type(A).__name__}; 'cg' works with it")
            if not callable(getattr(A, "matvec", A)):
                raise TypeError(f"A must be a grid operator, a sparse matrix, an array or an operator with matvec, "
                                f"got {type(A).__name__}")
        dtype = getattr(matrix if matrix is not None else A, "dtype", None)
        try:
            dtype = np.dtype(dtype) if dtype is not None else np.dtype(np.float64)
        except TypeError:
            dtype = np.dtype(str(dtype).rsplit(".", 1)[-1])
        if dtype.kind != "f":
            raise TypeError(f"A must be real floating, got dtype {dtype}")
        if self.check == "once" and matrix is not None:
            self._check_matrix(matrix)
        self.A, self.matrix, self.backend, self.n, self.dtype = A, matrix, backend, int(shape[0]), dtype
        closed = int(getattr(A, "nullspace_size", 0) or 0) > 0 and self.nullspace != "ignore"
        self._closed, self._pinned = (A if closed else None), None
        self._project = range_projector(A, backend) if closed else None
        self.grid_shape = tuple(A.grid_shape) if hasattr(A, "grid_shape") else None

    def _check_matrix(self, matrix) -> None:
        xp = array_namespace(matrix.data)
        if not bool(xp.all(xp.isfinite(matrix.data))):
            raise ValueError("A contains NaN or infinite values")
        if self.needs_spd:
            scale = float(abs(matrix).max()) if matrix.nnz else 0.0
            asymmetry = abs(matrix - matrix.T)
            worst = float(asymmetry.max()) if asymmetry.nnz else 0.0
            if worst > 1e-12 * scale:
                raise ValueError(f"A is not symmetric (max |A - Aᵀ| = {worst:.3e}): method {self.method!r} needs a "
                                 "symmetric positive definite matrix; method='direct' solves a general one")

    def _validate_options(self) -> None:
        """Refuse options the method does not know (override to accept some)."""
        if self.options:
            raise ValueError(f"method {self.method!r} takes no options {sorted(self.options)}")
        if self.preconditioner is not None:
            raise ValueError(f"method {self.method!r} takes no preconditioner (only 'cg' does)")

    # -- the template methods ----------------------------------------------------------------
    @property
    def stats(self) -> SolverStats:
        """Set-ups, updates, solves, iterations and times (:class:`SolverStats`)."""
        return self._stats

    def _flat(self, v: Any, name: str):
        """``v`` checked against ``A`` and flattened: ``(xp, flat)``."""
        try:
            xp = array_namespace(v)
        except TypeError as exc:
            raise TypeError(f"{name} must be an array, got {type(v).__name__}") from exc
        if backend_name(xp) != self.backend:
            raise TypeError(f"{name} is a {backend_name(xp)} array but the solver works on {self.backend}")
        if not xp.isdtype(v.dtype, "real floating"):
            raise TypeError(f"{name} must be a real floating array, got dtype {v.dtype}")
        shape = tuple(v.shape)
        if shape != (self.n,) and (self.grid_shape is None or shape != self.grid_shape):
            expected = f"({self.n},)" + (f" or {self.grid_shape}" if self.grid_shape else "")
            raise ValueError(f"{name} must have shape {expected}, got {shape}")
        flat = xp.reshape(v, (self.n,))
        if not bool(xp.all(xp.isfinite(flat))):
            raise ValueError(f"{name} contains NaN or infinite values")
        return xp, flat

    def solve(self, b: Any, x0: Any | None = None) -> tuple[Any, KrylovInfo]:
        """Solve ``A x = b``; ``x`` has the shape, backend and dtype of ``b``.

        Parameters
        ----------
        b : array
            Shape ``(N,)`` or the operator's ``grid_shape``, on the solver's backend, real
            floating, finite.  Computed in ``compute_dtype`` if given, else in the promoted dtype
            of ``b`` and ``A``; ``x`` comes back in the dtype of ``b``.
        x0 : array, optional
            Starting guess, shaped like ``b``.

        Returns
        -------
        x : array
            On a closed domain (``A`` with a null space, ``nullspace="project"`` or ``"raise"``):
            the solution of ``A x = P b`` (``P`` the projection onto the range, ``A.project_range``)
            with mean zero on each closed component; ``info`` measures the residual against ``P b``.
        info : KrylovInfo
            ``info.reason`` says why it stopped; ``info.method`` which method produced ``x``.

        Raises
        ------
        ValueError, TypeError
            ``b`` or ``x0`` of the wrong shape, dtype or backend, or with NaN/inf (named); with
            ``nullspace="raise"``, a ``b`` whose mean on a closed component is beyond round-off
            (the message names the component, a cell of it, and the size of the incompatible part).
        ConvergenceError
            No convergence (after the fallback) with ``on_failure="raise"``.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import Laplacian, make_solver
        >>> solver = make_solver(Laplacian((8, 8)), "direct")
        >>> x, info = solver.solve(np.ones((8, 8), dtype=np.float32))
        >>> x.dtype, info.method, info.converged
        (dtype('float32'), 'direct', True)
        """
        start = time.perf_counter()
        xp, b_flat = self._flat(b, "b")
        x0_flat = None if x0 is None else self._flat(x0, "x0")[1]
        work = getattr(xp, self._work_dtype(b_flat.dtype).name)
        b_work = b_flat if b_flat.dtype == work else xp.astype(b_flat, work)
        if x0_flat is not None:
            x0_flat = xp.astype(x0_flat, work, copy=True)
        if self._closed is not None:
            if self.nullspace == "raise":
                self._check_compatible(b_work, b.dtype)
            b_work = self._project(b_work)
        x, info = self._solve_flat(xp, b_work, x0_flat)
        if not info.converged and self.fallback is not None:
            first = info
            solver = self._fallback()
            x, info = solver._solve_flat(xp, b_work, x0_flat)
            info.failed_attempt = first
            self._stats.fallbacks += 1
            self._stats.iterations += first.iterations
        if self._closed is not None:
            x = self._project(x)
        stats = self._stats
        stats.solves += 1
        stats.last_iterations = info.iterations + (info.failed_attempt.iterations if info.failed_attempt else 0)
        stats.iterations += info.iterations
        x = xp.reshape(x if x.dtype == b.dtype else xp.astype(x, b.dtype), tuple(b.shape))
        stats.solve_time += time.perf_counter() - start
        if not info.converged:
            stats.failures += 1
            message = f"{self.method}: {info.message}"
            if self.on_failure == "raise":
                raise ConvergenceError(message, info)
            if self.on_failure == "warn":
                warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return x, info

    # -- closed domains ----------------------------------------------------------------------
    def _check_compatible(self, b, dtype) -> None:
        check_compatible(self._closed, b, dtype)

    def _pinned_matrix(self):
        """``self.matrix``, or on a closed domain its copy with one cell per closed component pinned
        (:func:`solvers.nullspace.pinned_matrix`), built once."""
        if self._closed is None or self.matrix is None:
            return self.matrix
        if self._pinned is None:
            self._pinned = pinned_matrix(self.matrix, self._closed, self.backend)
        return self._pinned

    def _in_range(self, apply):
        """``apply`` with its output projected onto the range (unchanged without a null space)."""
        return in_range(self._project, apply)

    def _work_dtype(self, dtype):
        import numpy as np

        if self.compute_dtype is not None:
            return self.compute_dtype
        return np.promote_types(np.dtype(str(dtype).rsplit(".", 1)[-1]), self.dtype)

    def _solve_flat(self, xp, b, x0):
        """The tolerance, the zero right-hand side, then the method's ``_solve_impl``."""
        norm = math.sqrt(_dot(xp, b, b))
        tolerance = max(self.rtol * norm, self.atol)
        if norm == 0.0:
            return xp.zeros_like(b), KrylovInfo(0, 0, [0.0], tolerance, method=self.method)
        x, info = self._solve_impl(b, x0, tolerance)
        if not info.method:
            info.method = self.method
        return x, info

    def _maxiter(self) -> int:
        return self.maxiter if self.maxiter is not None else self.default_maxiter_per_unknown * self.n

    def _fallback(self) -> LinearSolver:
        if self._fallback_solver is None:
            self._fallback_solver = _REGISTRY[self.fallback](self.A, rtol=self.rtol, atol=self.atol, check="never",
                                                             on_failure="ignore", nullspace=self.nullspace,
                                                             compute_dtype=self.compute_dtype)
        return self._fallback_solver

    def update(self, A_new: Any, *, allow_new_pattern: bool = False) -> LinearSolver:
        """Take new coefficients of the operator, re-doing only what changed; returns ``self``.

        ``A_new`` must have the shape of ``A`` and, for matrix methods, its sparsity pattern (the
        symbolic work is reused where the method can); ``allow_new_pattern=True`` permits a new
        pattern (a full set-up).  ``check="once"`` checks ``A_new`` as at set-up.  A failed update
        leaves the solver as it was.

        Raises
        ------
        ValueError
            A different shape, or a different sparsity pattern without ``allow_new_pattern``, or
            ``A_new`` failing the checks.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import DiffusionOperator, Grid, make_solver
        >>> grid = Grid((8, 8))
        >>> solver = make_solver(DiffusionOperator(np.ones((8, 8)), grid=grid), "pcg-ic0", rtol=1e-10)
        >>> A2 = DiffusionOperator(np.full((8, 8), 2.0), grid=grid)
        >>> x, info = solver.update(A2).solve(np.ones(64))
        >>> bool(np.allclose(A2.matvec(x), 1.0)), solver.stats.updates
        (True, 1)
        """
        start = time.perf_counter()
        saved = dict(self.__dict__)
        saved_stats = SolverStats(**vars(self._stats))
        old_matrix = self.matrix
        try:
            self._take(A_new)
            if self.n != (old_matrix.shape[0] if old_matrix is not None else saved["n"]):
                raise ValueError(f"A_new has shape {(self.n, self.n)} but the solver's A has {(saved['n'], saved['n'])}")
            new_pattern = (old_matrix is not None and self.matrix is not None
                           and not same_pattern(old_matrix, self.matrix))
            if new_pattern and not allow_new_pattern:
                raise ValueError("A_new has a different sparsity pattern from A; pass allow_new_pattern=True for a "
                                 "full set-up")
            self._fallback_solver = None
            if new_pattern or old_matrix is None:
                self._setup()
                self._stats.setups += 1
            else:
                self._update(old_matrix)
            self._stats.updates += 1
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            self._stats = saved_stats
            raise
        self._stats.setup_time += time.perf_counter() - start
        return self

    def aspreconditioner(self):
        """A scipy ``LinearOperator`` approximating ``A⁻¹`` (host arrays).

        It applies the method's preconditioner once where the method has one ("pcg-jacobi": the
        inverse diagonal, "pcg-ic0"/"pcg-mic0": (M)IC(0), "amg": one V-cycle, "cg" with a preconditioner: that
        one): a fixed linear operator.  Otherwise ("direct": one exact solve with the
        factorisation; "cg", "dcdm": one solve at the loose tolerance ``rtol = loose_rtol = 1e-2``,
        which is not a fixed linear operator: use it in a flexible Krylov method).  On a closed domain
        (``A`` with a null space, ``nullspace`` not "ignore") every method's operator is ``P M P``
        with ``P`` the projection onto the range: its input and output have mean zero on each
        closed component, so an outer CG on a compatible ``b`` keeps its iterates in the range.

        Examples
        --------
        >>> import numpy as np
        >>> import scipy.sparse.linalg as spla
        >>> from solvers import Laplacian, make_solver
        >>> A = Laplacian((32, 32)).to_sparse()
        >>> M = make_solver(A, "pcg-ic0").aspreconditioner()
        >>> x, code = spla.cg(A, np.ones(1024), M=M, rtol=1e-8)
        >>> code
        0
        """
        import numpy as np
        from scipy.sparse.linalg import LinearOperator

        if self.backend != "numpy":
            raise TypeError(f"aspreconditioner gives a scipy LinearOperator: the solver works on {self.backend}")
        project = self._project

        def apply(r):
            r = np.asarray(r, dtype=self.dtype).reshape(self.n)
            if project is not None:   # P M P: symmetric, and blind to an outer residual's null-space part
                r = project(r)
            out = self._preconditioner_apply(r)   # projects its output on a closed domain
            if out is None:
                norm = math.sqrt(float(r @ r))
                if norm == 0.0:
                    return np.zeros_like(r)
                out, _ = self._solve_impl(r, None, self.loose_rtol * norm)
                if project is not None:
                    out = project(out)
            return out

        return LinearOperator((self.n, self.n), matvec=apply, dtype=self.dtype)

    def __repr__(self) -> str:
        stats = self._stats
        operator = f"{type(self.A).__name__} {self.n}x{self.n}, {self.dtype}, {self.backend}"
        if self.matrix is not None:
            operator += f" (CSR, nnz {self.matrix.nnz})"
        lines = [f"LinearSolver {self.method!r} ({type(self).__name__})",
                 f"  operator:   {operator}",
                 f"  tolerance:  rtol={self.rtol:g}, atol={self.atol:g}, maxiter={self.maxiter}",
                 f"  policy:     check={self.check!r}, on_failure={self.on_failure!r}, fallback={self.fallback!r}"]
        lines += [f"  {line}" for line in self._describe()]
        lines.append(f"  stats:      {stats.setups} set-up, {stats.updates} updates ({stats.setup_time:.3g} s); "
                     f"{stats.solves} solves, {stats.iterations} iterations (last {stats.last_iterations}; "
                     f"{stats.solve_time:.3g} s); {stats.fallbacks} fallbacks, {stats.failures} failures")
        return "\n".join(lines)

    # -- hooks -------------------------------------------------------------------------------
    def _setup(self) -> None:
        raise NotImplementedError

    def _solve_impl(self, b: Any, x0: Any | None, tolerance: float) -> tuple[Any, KrylovInfo]:
        raise NotImplementedError

    def _update(self, old_matrix) -> None:
        self._setup()

    def _preconditioner_apply(self, r: Any) -> Any | None:
        return None

    def _describe(self) -> list[str]:
        return []
