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

__all__ = ["darcy"]


def darcy(a: Any, *, f: float | Any | Callable = 1.0, bc: Any = "dirichlet", progress: bool = False) -> Any:
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
    array of shape ``a.shape``
        ``u`` at the cell centres, on the backend of ``a``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.pde import darcy
    >>> u = darcy(np.ones((32, 32)))           # -Δu = 1: max u ≈ 0.0737 at the centre
    >>> round(float(u.max()), 3)
    0.074
    >>> u = darcy(np.ones((32, 32)), f=0.0, bc={"x-": ("dirichlet", 1.0), "x+": "dirichlet", "y": "neumann"})
    >>> bool(np.allclose(u[:, 0], 1.0 - (np.arange(32) + 0.5) / 32))    # linear in x
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
        raise ValueError(f"darcy needs at least one Dirichlet face, got bc={boundary!r}")
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
    return xp.reshape(xp.stack(out), batch + (n, n))
