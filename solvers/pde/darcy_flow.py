"""Darcy flow ``-∇·(a ∇u) = f`` on the unit square (``u = 0`` on the boundary by default).

Cell-centred finite volumes (:class:`solvers.DiffusionOperator`: harmonic face means, second
order for smooth ``a``), one sparse direct solve per coefficient field: SuperLU on the host
for numpy input, cuSOLVER through ``cupyx.scipy.sparse.linalg.spsolve`` for cupy input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sciml.backend import array_namespace, backend_name, scipy_like

from ..boundary import BoundaryConditions
from ..diffusion import DiffusionOperator
from ..grid import Grid
from .solution import PDESolution

__all__ = ["solve_darcy"]


def solve_darcy(a: Any, *, f: float | Any | Callable = 1.0, bc: Any = "dirichlet",
                progress: bool = False) -> PDESolution:
    """Solve ``-∇·(a∇u) = f`` on (0, 1)² with boundary conditions ``bc``, for a batch of coefficients.

    Parameters
    ----------
    a : array of shape ``[..., n, n]``
        Positive coefficient at the cell centres ``((i + 1/2)/n, (j + 1/2)/n)`` (axis -2 is x).
    f : float, array or callable
        Source: a constant, an array broadcasting against ``a``, or ``f(x, y)`` on cell centres.
    bc : str, sequence, dict or BoundaryConditions
        The boundary specification of :mod:`solvers.boundary` (values included: Dirichlet
        values of ``u``, outward normal derivatives on Neumann faces); ``u = 0`` on every face
        by default.  At least one face must be Dirichlet (else the solution is not unique).
    progress : bool
        A tqdm bar over the batch.

    Returns
    -------
    PDESolution
        ``solution``: ``u`` at the cell centres, of shape ``a.shape``, on the backend of ``a``;
        ``grid``: the :class:`solvers.Grid` of ``n × n`` cells on the unit square; ``times``
        None (steady).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import solve_darcy
    >>> res = solve_darcy(np.ones((32, 32)))           # -Δu = 1: max u ≈ 0.0737 at the centre
    >>> round(float(res.solution.max()), 3), res.grid
    (0.074, Grid(shape=(32, 32), domain=((0.0, 1.0), (0.0, 1.0))))
    >>> res = solve_darcy(np.ones((32, 32)), f=0.0, bc={"x-": ("dirichlet", 1.0), "x+": "dirichlet", "y": "neumann"})
    >>> x, y = res.coordinates()
    >>> bool(np.allclose(res.solution, 1.0 - x))    # linear in x
    True
    """
    xp = array_namespace(a)
    a = xp.asarray(a, dtype=xp.float64)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"a must have shape [..., n, n], got {tuple(a.shape)}")
    n = int(a.shape[-1])
    batch = tuple(a.shape[:-2])
    boundary = BoundaryConditions.coerce(bc, 2)
    if boundary.singular:
        raise ValueError(f"solve_darcy needs at least one Dirichlet face, got bc={boundary!r}")
    fields = xp.reshape(a, (-1, n, n))
    if callable(f):
        centres = (xp.arange(n, dtype=xp.float64) + 0.5) / n
        source = f(xp.reshape(centres, (n, 1)), xp.reshape(centres, (1, n)))
    else:
        source = f
    source = xp.broadcast_to(xp.asarray(source, dtype=xp.float64), a.shape)
    source = xp.reshape(source, (-1, n * n))
    if not bool(xp.all(xp.isfinite(source))):
        raise ValueError("f contains NaN or infinite values")
    solve = scipy_like(xp).sparse.linalg.spsolve
    layout = "csr" if backend_name(a) == "cupy" else "csc"  # cuSOLVER takes CSR, SuperLU CSC
    from tqdm import tqdm

    out = []
    for k in tqdm(range(fields.shape[0]), desc="darcy", disable=not progress):
        operator = DiffusionOperator(fields[k, ...], bc=boundary)
        rhs = source[k, ...]
        if boundary.has_values:
            rhs = rhs + xp.reshape(operator.boundary_rhs(), (n * n,))
        out.append(xp.asarray(solve(operator.to_sparse(format=layout), rhs)))
    return PDESolution(solution=xp.reshape(xp.stack(out), batch + (n, n)), grid=Grid((n, n)))
