"""The methods of :func:`make_solver` by name: :data:`SOLVERS`, :func:`register_solver`.

The registry sits below every method: :mod:`solvers.linear_methods` registers the numerical ones and
:mod:`solvers.deep_conjugate` registers DCDM from its layer above, so this module imports no method
(it recognises a :class:`~solvers.LinearSolver` subclass by name in the class's MRO, which keeps
``linear_solver -> solver_registry`` the only direction).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["SOLVERS", "make_solver", "register_solver"]


def _is_linear_solver(cls: type) -> bool:
    return any(f"{c.__module__}.{c.__qualname__}" == "solvers.linear_solver.LinearSolver" for c in cls.__mro__)


_REGISTRY: dict[str, type["LinearSolver"]] = {}

#: The registered methods, name -> :class:`LinearSolver` subclass (read-only view; add with
#: :func:`register_solver`).
SOLVERS = MappingProxyType(_REGISTRY)


def register_solver(name: str, cls: type["LinearSolver"], *, replace: bool = False) -> type["LinearSolver"]:
    """Make ``cls`` available as ``make_solver(A, method=name)``; returns ``cls``.

    Raises
    ------
    TypeError
        ``cls`` is not a :class:`LinearSolver` subclass.
    ValueError
        ``name`` is taken (by another class) and ``replace`` is False.

    Examples
    --------
    >>> from solvers import SOLVERS, register_solver
    >>> from solvers.linear_methods import CGSolver
    >>> class MyCG(CGSolver):
    ...     method = "my-cg"
    >>> register_solver("my-cg", MyCG) is MyCG and "my-cg" in SOLVERS
    True
    """
    if not (isinstance(cls, type) and _is_linear_solver(cls)):
        raise TypeError(f"cls must be a LinearSolver subclass, got {cls!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    if name in _REGISTRY and _REGISTRY[name] is not cls and not replace:
        raise ValueError(f"a solver named {name!r} is registered already ({_REGISTRY[name].__name__}); "
                         "pass replace=True to replace it")
    _REGISTRY[name] = cls
    return cls


def make_solver(A: Any, method: str = "cg", *, rtol: float = 1e-6, atol: float = 0.0, maxiter: int | None = None,
                preconditioner: Any = None, check: str = "once", on_failure: str = "raise",
                fallback: str | None = None, nullspace: str | None = None, compute_dtype: Any = None,
                **method_options: Any) -> "LinearSolver":
    """A solver object for ``A x = b``, set up once and used for many right-hand sides.

    Parameters
    ----------
    A : grid operator, scipy/cupyx sparse matrix, dense array or LinearOperator
        A grid operator (:class:`solvers.Laplacian`, ...) is solved with its cached CSR matrix.
        A matrix-free operator (``matvec``) serves "cg", "pcg-jacobi" (with ``diagonal()``) and "dcdm".
    method : str
        A key of :data:`SOLVERS`: "cg", "pcg-jacobi", "pcg-ic0", "pcg-mic0" (modified incomplete
        Cholesky, Bridson's tau 0.97: fewer iterations than IC(0) on Poisson), "amg" (PyAMG smoothed
        aggregation as the CG preconditioner; ``pip install 'sciml[amg]'``), "direct" (a sparse
        factorisation reused across solves), "dcdm" (``model=`` a network, e.g.
        :func:`solvers.load_pretrained`).
    rtol, atol : float
        Converged when ``||b - A x|| <= max(rtol ||b||, atol)``.
    maxiter : int, optional
        Iteration limit (method default: ``10 N`` for CG).
    preconditioner : None, "jacobi", "ic0", "mic0", "amg", or an operator/callable, optional
        For ``method="cg"`` only (the ``pcg-*`` methods name theirs).
    check : {"once", "never"}
        "once": finiteness (and symmetry, for the methods that need SPD) of ``A`` at set-up and on
        :meth:`LinearSolver.update`, never per solve.  Matrix-free operators are not checked.
    on_failure : {"raise", "warn", "ignore"}
        A solve that does not converge (after the fallback): raise :class:`ConvergenceError`, warn
        (:class:`ConvergenceWarning`) and return, or return silently (``info`` says it).
    fallback : str, optional
        A method to retry a failed solve with, once (e.g. "direct"), set up when first needed;
        recorded in ``info.method``, ``info.failed_attempt`` and ``stats.fallbacks``.
    nullspace : {None, "project", "raise", "ignore"}
        For an operator with a null space (``A.nullspace_size > 0``: a closed domain, e.g.
        :class:`solvers.ObstacleLaplacian` with ``closed="allow"`` or a :class:`solvers.Laplacian`
        with no Dirichlet face): "project" (also None, the default) solves ``A x = P b`` with ``P b``
        the projection onto the range (``A.project_range``) and returns ``x`` with mean zero on each
        closed component; "raise" does the same but first raises ValueError when ``b`` has a mean on
        a closed component beyond round-off; "ignore" solves as given.  No effect on an operator
        without a null space.
    compute_dtype : dtype, optional
        The dtype the method computes in (Krylov vectors, dot products), whatever the dtypes of ``A``
        and ``b``: e.g. ``"float64"`` for float32 data, whose ``x`` stays float32 but converges to a
        tolerance float32 arithmetic cannot reach.  Default: ``b``'s dtype promoted with ``A``'s.
        Without it a float32 run that cannot reach ``rtol`` stops with ``info.reason ==
        "stagnation"`` (never a false "converged").  ``info`` measures the iterate in
        ``compute_dtype``; the ``x`` returned is that iterate rounded to ``b``'s dtype.
    **method_options
        Options of the method (e.g. ``model=`` for "dcdm", PyAMG options for "amg").

    Returns
    -------
    LinearSolver

    Raises
    ------
    ValueError
        An unknown method or option, bad tolerances, NaN/inf in ``A``, a non-symmetric ``A`` for a
        method that needs SPD (the message names "direct").
    TypeError
        A matrix-free ``A`` for a method that needs the matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, make_solver
    >>> A = Laplacian((32, 32))
    >>> solver = make_solver(A, "pcg-ic0", rtol=1e-8)
    >>> for step in range(3):
    ...     x, info = solver.solve(np.full((32, 32), float(step + 1)))
    >>> info.reason, x.shape, solver.stats.setups, solver.stats.solves
    ('converged', (32, 32), 1, 3)
    >>> closed = make_solver(Laplacian((32, 32), bc="neumann"), "direct")   # a closed box: singular A
    >>> x, info = closed.solve(np.ones((32, 32)) + np.arange(32.0))          # b projected onto the range
    >>> info.reason, abs(float(x.mean())) < 1e-12
    ('converged', True)
    >>> single = make_solver(A.with_dtype("float32"), "cg", rtol=1e-10, compute_dtype="float64")
    >>> x, info = single.solve(np.ones((32, 32), dtype=np.float32))     # float32 data, float64 Krylov
    >>> x.dtype, info.reason
    (dtype('float32'), 'converged')
    """
    if method not in _REGISTRY:
        raise ValueError(f"method must be one of {sorted(_REGISTRY)}, got {method!r}")
    return _REGISTRY[method](A, rtol=rtol, atol=atol, maxiter=maxiter, preconditioner=preconditioner, check=check,
                             on_failure=on_failure, fallback=fallback, nullspace=nullspace,
                             compute_dtype=compute_dtype, **method_options)
