"""Second-order Poisson solves ``-Δu = f`` on a box, by CG on :class:`solvers.Laplacian`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sciml.backend import namespace_for

from .krylov import KrylovInfo, cg
from .grid import Grid
from .laplacian import Laplacian

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
    shape: Grid | int | Sequence[int],
    *,
    dim: int | None = None,
    domain: Sequence[tuple[float, float]] | None = None,
    bc: Any = "dirichlet",
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
    shape : Grid, int or sequence of int
        The grid, or cells per axis (with ``dim`` when an int).
    domain, bc : see :class:`Laplacian`.
        ``bc`` is the boundary specification of :mod:`solvers.boundary`, values included
        (e.g. ``{"x": ("dirichlet", 1.0), "y": "periodic"}``).
    boundary : callable, optional
        Boundary data ``g(x1, ..., xd)`` at face centres for every face: values on Dirichlet
        faces, outward normal derivatives on Neumann faces.  Instead of values in ``bc``
        (giving both raises ValueError); zero when neither is given.
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
    >>> res = solve_poisson(0.0, 32, dim=1, bc={"x-": ("dirichlet", 1.0), "x+": ("neumann", 0.0)})
    >>> bool(np.allclose(res.u, 1.0))          # u = 1 at x = 0, u' = 0 at x = 1
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
        if A.boundary.has_values:
            raise ValueError("give the boundary data either as values in bc or as boundary=, not both")
        f = f + A.boundary_rhs(boundary, backend=backend)
    elif A.boundary.has_values:
        f = f + A.boundary_rhs(backend=backend)
    if A.singular:
        f = f - xp.mean(f)
    u, info = cg(A, f, rtol=rtol, M=M, maxiter=maxiter)
    if A.singular:
        u = u - xp.mean(u)
    return PoissonResult(u=u, coords=coords, operator=A, info=info, rhs=f)
