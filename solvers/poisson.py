"""Second-order Poisson solves ``-Δu = f`` on a box, by CG on :class:`solvers.Laplacian`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import namespace_for

from .grid import Grid
from .krylov import cg
from .laplacian import Laplacian
from .pde.solution import PDESolution

__all__ = ["solve_poisson"]


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
) -> PDESolution:
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
    PDESolution
        ``solution``: ``u`` at the cell centres, of shape ``grid.shape`` (zero mean when the
        problem is pure Neumann/periodic); ``grid``: the :class:`Grid`
        (:meth:`~PDESolution.coordinates` gives the cell centres); ``times`` None;
        ``info``: the :class:`KrylovInfo` of CG; ``operator``: the :class:`Laplacian`;
        ``rhs``: the assembled right-hand side (source plus boundary terms, projected to zero
        mean for singular problems), ``operator(solution) = rhs``.

    Notes
    -----
    For a singular problem (no Dirichlet axis) the right-hand side is projected onto
    zero mean (the compatibility condition) and the zero-mean solution is returned.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import solve_poisson
    >>> res = solve_poisson(lambda x: np.pi**2 * np.sin(np.pi * x), 64, dim=1)
    >>> (x,) = res.coordinates()
    >>> bool(np.max(np.abs(res.solution - np.sin(np.pi * x))) < 1e-3), res.info.converged
    (True, True)
    >>> res = solve_poisson(0.0, 32, dim=1, bc={"x-": ("dirichlet", 1.0), "x+": ("neumann", 0.0)})
    >>> bool(np.allclose(res.solution, 1.0))          # u = 1 at x = 0, u' = 0 at x = 1
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
    f = A.project_range(f)  # the compatibility condition of a singular problem (no Dirichlet face)
    u, info = cg(A, f, rtol=rtol, M=M, maxiter=maxiter)
    u = A.project_range(u)
    return PDESolution(solution=u, grid=A.grid, info=info, operator=A, rhs=f)
