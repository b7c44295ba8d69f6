"""Second-order Poisson solves ``-Δu = f`` on a box, by CG on :class:`solvers.Laplacian`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciml.backend import namespace_for

from .krylov import KrylovInfo, cg
from .operators import Laplacian

__all__ = ["PoissonResult", "solve_poisson"]


@dataclass
class PoissonResult:
    """A discrete Poisson solution.

    Attributes
    ----------
    u : array of shape ``operator.grid_shape``
        Values at the cell centres (zero mean when the problem is pure Neumann/periodic).
    coords : tuple of arrays
        Cell-centre coordinates, broadcastable to ``u``.
    operator : Laplacian
    info : KrylovInfo
    rhs : array of shape ``operator.grid_shape``
        The assembled right-hand side (source plus boundary terms, projected to zero mean
        for singular problems): ``operator u = rhs``.
    """

    u: Any
    coords: tuple
    operator: Laplacian
    info: KrylovInfo
    rhs: Any


def solve_poisson(
    source: Callable[..., Any] | float,
    shape: int | Sequence[int],
    *,
    dim: int | None = None,
    domain: Sequence[tuple[float, float]] | None = None,
    bc: str | Sequence[str] = "dirichlet",
    boundary: Callable[..., Any] | None = None,
    backend: str = "numpy",
    rtol: float = 1e-10,
    M: Any | None = None,
    maxiter: int | None = None,
) -> PoissonResult:
    """Solve ``-Δu = f`` with Dirichlet, Neumann or periodic boundaries, second order.

    Parameters
    ----------
    source : callable or float
        ``f(x1, ..., xd)`` evaluated at cell centres, or a constant.
    shape : int or sequence of int
        Cells per axis (with ``dim`` when an int).
    domain, bc : see :class:`Laplacian`.
    boundary : callable, optional
        Boundary data ``g(x1, ..., xd)`` at face centres: values on Dirichlet axes,
        outward normal derivatives on Neumann axes.  Zero when omitted.
    backend : str
        Where the grid and the solve live ("numpy", "cupy", "array_api_strict").
    rtol, M, maxiter : passed to :func:`cg`.

    Returns
    -------
    PoissonResult

    Notes
    -----
    For a singular problem (no Dirichlet axis) the right-hand side is projected onto
    zero mean (the compatibility condition) and the zero-mean solution is returned.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import solve_poisson
    >>> res = solve_poisson(lambda x: np.pi**2 * np.sin(np.pi * x), 64, dim=1)
    >>> (x,) = res.coords
    >>> bool(np.max(np.abs(res.u - np.sin(np.pi * x))) < 1e-3)
    True
    """
    A = Laplacian(shape, dim=dim, domain=domain, bc=bc)
    xp = namespace_for(backend)
    coords = A.cell_centers(backend=backend)
    if callable(source):
        f = xp.broadcast_to(xp.asarray(source(*coords), dtype=xp.float64), A.grid_shape)
    else:
        f = xp.full(A.grid_shape, float(source), dtype=xp.float64)
    if boundary is not None:
        f = f + A.boundary_rhs(boundary, backend=backend)
    if A.singular:
        f = f - xp.mean(f)
    u, info = cg(A, f, rtol=rtol, M=M, maxiter=maxiter)
    if A.singular:
        u = u - xp.mean(u)
    return PoissonResult(u=u, coords=coords, operator=A, info=info, rhs=f)
