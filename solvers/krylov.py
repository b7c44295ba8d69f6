"""Conjugate gradients with scipy's calling convention and an iteration history.

``x, info = cg(A, b, x0=None, *, rtol=1e-5, atol=0.0, maxiter=None, M=None, callback=None)``
as in :func:`scipy.sparse.linalg.cg`, except that ``info`` is a :class:`KrylovInfo`
record (``info.status == 0`` on convergence, like scipy's integer) with the residual
history.  Everything runs in the namespace of ``b``: numpy, cupy or any array-API
library; ``A`` may be a dense array, a scipy/cupyx sparse matrix, an operator object with
``matvec`` and ``shape`` (such as :class:`solvers.Laplacian` or a scipy
``LinearOperator``) or a plain callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sciml.backend import array_namespace, backend_name, device

__all__ = ["REASONS", "KrylovInfo", "cg", "pcg"]

#: The values of :attr:`KrylovInfo.reason`.
REASONS = ("converged", "maxiter", "breakdown", "nan", "stagnation")


@dataclass
class KrylovInfo:
    """Result record of a Krylov solve.

    Attributes
    ----------
    status : int
        0 converged; ``k > 0`` stopped after ``k`` iterations without reaching the tolerance
        (``maxiter`` or stagnation, scipy's convention); ``-1`` a breakdown or a NaN/inf.
    iterations : int
        Iterations performed (matrix-vector products after the initial residual).
    residuals : list of float
        ``||r_k||_2`` for ``k = 0, ..., iterations`` (``r_0 = b - A x0``).
    tolerance : float
        The absolute target ``max(rtol ||b||, atol)``.
    reason : str
        Why the iteration stopped: ``"converged"`` (the true residual ``||b - A x||`` reached the
        tolerance), ``"maxiter"``, ``"breakdown"`` (``pᵀAp = 0`` or ``rᵀMr = 0`` with ``r ≠ 0``),
        ``"nan"`` (the operator or the preconditioner produced NaN/inf: stopped on that step, ``x``
        is the last finite iterate) or ``"stagnation"`` (the true residual stopped decreasing above
        the tolerance, e.g. float32 asked for more than its precision gives).  Derived from
        ``status`` when not given (keyword only).
    method : str
        The method that produced ``x`` (``"cg"``, ``"direct"``, ...; empty for the functions).
    failed_attempt : KrylovInfo or None
        When a solver object's ``fallback`` rescued a failed solve: the failed attempt's record.

    Examples
    --------
    >>> from solvers import KrylovInfo
    >>> info = KrylovInfo(5, 5, [1.0, 0.5], 1e-3)
    >>> info.converged, info.reason
    (False, 'maxiter')
    """

    status: int
    iterations: int
    residuals: list[float] = field(default_factory=list)
    tolerance: float = 0.0
    reason: str = field(default="", kw_only=True)
    method: str = field(default="", kw_only=True)
    failed_attempt: KrylovInfo | None = field(default=None, kw_only=True, repr=False)

    def __post_init__(self) -> None:
        if not self.reason:
            self.reason = "converged" if self.status == 0 else "maxiter"
        if self.reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, got {self.reason!r}")

    @property
    def converged(self) -> bool:
        """Whether the residual reached the tolerance."""
        return self.status == 0

    @property
    def message(self) -> str:
        """A sentence for logs."""
        last = self.residuals[-1] if self.residuals else float("nan")
        if self.converged:
            return f"converged in {self.iterations} iterations (residual {last:.3e} <= {self.tolerance:.3e})"
        return (f"no convergence after {self.iterations} iterations ({self.reason}; residual {last:.3e} > "
                f"{self.tolerance:.3e})")


def _is_sparse(A: Any) -> bool:
    module = type(A).__module__
    return (module.startswith("scipy.sparse") or module.startswith("cupyx.scipy.sparse")) and hasattr(A, "tocsr")


def _is_array(A: Any) -> bool:
    try:
        array_namespace(A)
    except TypeError:
        return False
    return True


def _as_matvec(A: Any, n: int, name: str, xp, *, check: bool = True) -> Callable[[Any], Any]:
    """Turn ``A`` into a function on flat vectors of length ``n``, checking its shape (and, with
    ``check``, a matrix's finiteness and symmetry: 1.3 ms at 128², skipped by the solver objects,
    which check once at set-up)."""
    if (_is_sparse(A) or _is_array(A)) and not check:
        if len(A.shape) != 2 or A.shape[0] != A.shape[1] or A.shape[0] != n:
            raise ValueError(f"{name} has shape {tuple(A.shape)} but b has {n} entries")
        return lambda v: A @ v
    if _is_sparse(A) or _is_array(A):
        if len(A.shape) != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"{name} must be a square matrix, got shape {tuple(A.shape)}")
        if A.shape[0] != n:
            raise ValueError(f"{name} has shape {tuple(A.shape)} but b has {n} entries")
        if _is_sparse(A):
            asymmetry = abs(A - A.T)
            scale = float(abs(A).max()) if A.nnz else 0.0
            if asymmetry.nnz and float(asymmetry.max()) > 1e-12 * scale:
                raise ValueError(f"{name} is not symmetric; CG needs a symmetric positive definite matrix")
            if not bool((abs(A.data) < math.inf).all()):
                raise ValueError(f"{name} contains NaN or infinite values")
            return lambda v: A @ v
        if backend_name(A) != backend_name(xp):
            raise TypeError(f"{name} is a {backend_name(A)} array but b is {backend_name(xp)}")
        if not bool(xp.all(xp.isfinite(A))):
            raise ValueError(f"{name} contains NaN or infinite values")
        scale = float(xp.max(xp.abs(A)))
        if float(xp.max(xp.abs(A - A.T))) > 1e-12 * scale:
            raise ValueError(f"{name} is not symmetric; CG needs a symmetric positive definite matrix")
        return lambda v: A @ v
    shape = getattr(A, "shape", None)
    if shape is not None and tuple(shape) != (n, n):
        raise ValueError(f"{name} has shape {tuple(shape)} but b has {n} entries")
    apply = getattr(A, "matvec", A)
    if not callable(apply):
        raise TypeError(f"{name} must be an array, a sparse matrix, an operator with matvec, or a callable")
    return lambda v: xp.reshape(apply(v), (n,))


def _jacobi(A: Any, n: int, xp) -> Callable[[Any], Any]:
    if _is_sparse(A):
        diag = xp.asarray(A.diagonal())
    elif _is_array(A):
        diag = xp.linalg.diagonal(A)
    elif hasattr(A, "diagonal"):
        diag = A.diagonal(backend=backend_name(xp))
    else:
        raise TypeError("M='jacobi' needs A as a matrix or an operator with a diagonal() method")
    if not bool(xp.all(diag > 0)):
        raise ValueError("M='jacobi' needs a positive diagonal of A")
    inverse = 1.0 / xp.reshape(diag, (n,))
    return lambda v: inverse * v


def _dot(xp, u, v) -> float:
    return float(xp.vecdot(u, v))


def _checked_system(A, b, x0, *, rtol: float, atol: float, maxiter: int | None, maxiter_per_unknown: int,
                    dtype=None):
    """Validate a solve's inputs (the shared contract of :func:`cg` and :func:`solvers.dcdm`).

    Returns ``(xp, n, matvec, b_flat, x_start_flat, maxiter, tolerance)`` with the tolerance
    ``max(rtol ||b||, atol)``, the default ``maxiter = maxiter_per_unknown · n`` and vectors in
    ``dtype`` (that of ``b`` by default).
    """
    xp = array_namespace(b)
    if not xp.isdtype(b.dtype, "real floating"):
        raise TypeError(f"b must be a real floating array, got dtype {b.dtype}")
    if not bool(xp.all(xp.isfinite(b))):
        raise ValueError("b contains NaN or infinite values")
    if not (rtol >= 0 and atol >= 0 and math.isfinite(rtol) and math.isfinite(atol)):
        raise ValueError(f"rtol and atol must be finite and >= 0, got rtol={rtol}, atol={atol}")
    if rtol == 0 and atol == 0:
        raise ValueError("rtol and atol cannot both be 0")
    n = math.prod(b.shape)
    if n == 0:
        raise ValueError("b is empty")
    matvec = _as_matvec(A, n, "A", xp)
    if maxiter is None:
        maxiter = maxiter_per_unknown * n
    elif int(maxiter) < 1:
        raise ValueError(f"maxiter must be >= 1, got {maxiter}")
    dtype = b.dtype if dtype is None else dtype
    b_flat = xp.astype(xp.reshape(b, (n,)), dtype)
    if x0 is None:
        x = xp.zeros((n,), dtype=dtype, device=device(b))
    else:
        if tuple(x0.shape) != tuple(b.shape):
            raise ValueError(f"x0 has shape {tuple(x0.shape)} but b has shape {tuple(b.shape)}")
        if not bool(xp.all(xp.isfinite(x0))):
            raise ValueError("x0 contains NaN or infinite values")
        x = xp.reshape(xp.asarray(x0, dtype=dtype, copy=True), (n,))
    tolerance = max(rtol * math.sqrt(_dot(xp, b_flat, b_flat)), atol)
    return xp, n, matvec, b_flat, x, int(maxiter), tolerance


def cg(
    A: Any,
    b: Any,
    x0: Any | None = None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any | None = None,
    callback: Callable[[Any], None] | None = None,
) -> tuple[Any, KrylovInfo]:
    """Solve ``A x = b`` for symmetric positive (semi-)definite ``A`` by (preconditioned) CG.

    Parameters
    ----------
    A : array, sparse matrix, operator or callable
        The matrix: a dense ``(N, N)`` array of the backend of ``b``, a scipy/cupyx
        sparse matrix, an object with ``matvec`` (and ``shape``), or a callable
        ``v -> A v`` on flat vectors.
    b : array
        Right-hand side, shape ``(N,)`` or any shape of ``N`` entries when ``A`` is an
        operator on grid functions.  The result has the shape and backend of ``b``.
    x0 : array, optional
        Starting guess (zero by default), same shape as ``b``.
    rtol, atol : float
        Stop when ``||b - A x|| <= max(rtol ||b||, atol)``: the recursively updated residual
        first, then the true residual in float64 (CG restarts from it if it is above; a float32 or
        float16 run that cannot reach the tolerance stops with ``info.reason == "stagnation"``).
    maxiter : int, optional
        At most this many iterations; ``10 N`` by default.
    M : array, sparse matrix, operator, callable or "jacobi", optional
        Preconditioner approximating ``A^{-1}`` (symmetric positive definite).
    callback : callable, optional
        ``callback(xk)`` after each iteration, with ``xk`` flat.

    Returns
    -------
    x : array
    info : KrylovInfo
        ``info.status == 0`` on convergence; ``info.iterations``, ``info.residuals``,
        ``info.reason`` (a NaN/inf from ``A`` or ``M`` stops the iteration on the step it appears,
        ``reason == "nan"``).

    Raises
    ------
    ValueError
        Shape mismatch, NaN/inf in ``A``, ``b`` or ``x0``, a non-square or
        non-symmetric matrix, a non-positive curvature ``pᵀAp <= 0`` (``A`` not
        positive definite) or ``rᵀMr <= 0`` (``M`` not positive definite), bad
        tolerances.
    TypeError
        Complex or integer data, or an ``A`` of the wrong kind.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import cg
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> x, info = cg(A, np.array([1.0, 2.0]), rtol=1e-12)
    >>> bool(np.allclose(A @ x, [1.0, 2.0])), info.status, info.iterations, info.reason
    (True, 0, 2, 'converged')
    """
    xp, n, matvec, b_flat, x, maxiter, tolerance = _checked_system(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter,
                                                                   maxiter_per_unknown=10)
    precondition = _preconditioner(M, A, n, xp)
    x, info = _cg_iterate(xp, matvec, precondition, b_flat, x, x_given=x0 is not None, maxiter=maxiter,
                          tolerance=tolerance, callback=callback)
    return xp.reshape(x, b.shape), info


def _preconditioner(M: Any, A: Any, n: int, xp) -> Callable[[Any], Any] | None:
    """``M`` of :func:`cg` (None, ``"jacobi"``, a matrix, an operator or a callable) as a function."""
    if M is None:
        return None
    if isinstance(M, str):
        if M != "jacobi":
            raise ValueError(f"the only preconditioner given by name is 'jacobi', got {M!r}")
        return _jacobi(A, n, xp)
    return _as_matvec(M, n, "M", xp)


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _stop_reason(rho: float) -> str:
    """The reason CG must stop at ``rho = rᵀ M r`` ("nan", "breakdown"), or "" to go on; a negative
    ``rho`` means ``M`` is not positive definite (an error, not a stop)."""
    if not _finite(rho):
        return "nan"
    if rho < 0:
        raise ValueError("M is not positive definite (rᵀMr <= 0)")
    return "breakdown" if rho == 0 else ""


def _true_residual(xp, matvec, b, x) -> tuple[Any, float]:
    """``b - A x`` and its norm, accumulated in float64 whatever the working dtype."""
    x64 = x if x.dtype == xp.float64 else xp.astype(x, xp.float64)
    b64 = b if b.dtype == xp.float64 else xp.astype(b, xp.float64)
    ax = matvec(x64)
    r = b64 - (ax if ax.dtype == xp.float64 else xp.astype(ax, xp.float64))
    return r, math.sqrt(_dot(xp, r, r))


def _cg_iterate(xp, matvec, precondition, b, x, *, x_given: bool, maxiter: int, tolerance: float,
                callback: Callable[[Any], None] | None = None, method: str = "") -> tuple[Any, KrylovInfo]:
    """The CG iteration on flat, checked vectors (no input checks: :func:`cg` and the solver objects
    of :mod:`solvers.linear_methods` check before calling it).

    Stops with ``reason`` "nan" on the step where the operator or the preconditioner produces a
    NaN/inf, "breakdown" on ``pᵀAp = 0`` or ``rᵀMr = 0``, "maxiter".  When the recursive residual
    reaches the tolerance the true residual ``b - A x`` is computed in float64: it must be below the
    tolerance too ("converged"); otherwise CG restarts from it, and if a restart does not halve it the
    iteration has reached what the working precision allows ("stagnation").
    """
    dtype = b.dtype
    if _dot(xp, b, b) == 0.0:
        return xp.zeros_like(b), KrylovInfo(0, 0, [0.0], tolerance, method=method)
    if x_given:
        ax = matvec(x)
        r = b - (ax if ax.dtype == dtype else xp.astype(ax, dtype))
    else:
        r = xp.asarray(b, copy=True)   # x, r and p are updated in place: own copies
    residuals = [math.sqrt(_dot(xp, r, r))]
    if not _finite(residuals[0]):
        return x, KrylovInfo(-1, 0, residuals, tolerance, reason="nan", method=method)
    if residuals[0] <= tolerance:
        return x, KrylovInfo(0, 0, residuals, tolerance, method=method)
    k, reason, best_true = 0, "", math.inf
    while not reason:
        z = precondition(r) if precondition else r
        rho = _dot(xp, r, z) if precondition else residuals[-1] ** 2
        reason = _stop_reason(rho)
        if reason:
            break
        p = xp.asarray(z, copy=True)
        reached = False
        while k < maxiter:
            k += 1
            q = matvec(p)
            curvature = _dot(xp, p, q)
            if not _finite(curvature):
                reason = "nan"
                break
            if curvature < 0:
                raise ValueError(f"A is not positive definite: pᵀAp = {curvature:.3e} <= 0 at iteration {k}")
            if curvature == 0:
                reason = "breakdown"
                break
            alpha = rho / curvature
            x += alpha * p
            r -= alpha * q
            rr = _dot(xp, r, r)
            residuals.append(math.sqrt(rr) if rr >= 0 else math.nan)
            if not _finite(rr):
                reason = "nan"
                break
            if callback is not None:
                callback(x)
            if residuals[-1] <= tolerance:
                reached = True
                break
            z = precondition(r) if precondition else r
            rho_next = _dot(xp, r, z) if precondition else rr
            reason = _stop_reason(rho_next)
            if reason:
                break
            p *= rho_next / rho
            p += z
            rho = rho_next
        if reason:
            break
        if not reached:
            reason = "maxiter"
            break
        # the recursive residual may have drifted from the true one (low precision): check it
        r_true, true_norm = _true_residual(xp, matvec, b, x)
        residuals[-1] = true_norm
        if true_norm <= tolerance:
            reason = "converged"
        elif not _finite(true_norm):
            reason = "nan"
        elif true_norm > 0.5 * best_true:
            reason = "stagnation"
        elif k >= maxiter:
            reason = "maxiter"
        else:
            best_true = true_norm
            r = xp.astype(r_true, dtype)   # restart from the true residual
    status = {"converged": 0, "maxiter": k, "stagnation": k}.get(reason, -1)
    return x, KrylovInfo(status, k, residuals, tolerance, reason=reason, method=method)


def pcg(
    A: Any,
    b: Any,
    x0: Any | None = None,
    *,
    M: Any = "jacobi",
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable[[Any], None] | None = None,
) -> tuple[Any, KrylovInfo]:
    """Preconditioned CG: :func:`cg` with a preconditioner, Jacobi by default.

    Same parameters, result and errors as :func:`cg`; ``M`` is required (``"jacobi"``
    uses the inverse diagonal of ``A``).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian, pcg
    >>> A = Laplacian((8, 8), bc="dirichlet")
    >>> x, info = pcg(A, np.ones((8, 8)), M="jacobi", rtol=1e-10)
    >>> info.converged, x.shape
    (True, (8, 8))
    """
    if M is None:
        raise ValueError("pcg needs a preconditioner M (use cg for none)")
    return cg(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback)
