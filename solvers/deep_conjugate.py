"""The deep conjugate direction method (Kaneda et al., ICML 2023).

Each step sends the residual, scaled to unit norm, through a network that approximates ``A⁻¹``;
the output is A-orthogonalised against the previous ``n_orthogonal`` search directions and used
with the exact line search ``α = qᵀr / qᵀAq``.  The network is nonlinear, so there is no
short recurrence and no Krylov optimality: what is guaranteed is that the A-norm of the error
never grows.  The true residual ``b - A x`` is recomputed in float64 every step.

A safeguard compares the network's step with the step along the Jacobi-preconditioned
residual (A-orthogonalised the same way) and takes the one that reduces the A-norm error more;
how often the fallback was taken is reported.  Vectors live on the full grid; solid cells
(identity rows, zero right-hand side) are masked out of every direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace

from .krylov import KrylovInfo, _checked_system, _dot, _jacobi

__all__ = ["DCDMInfo", "dcdm", "load_pretrained", "PRETRAINED"]

#: Models shipped with the package: name -> (file, dimension, training grid).
PRETRAINED = {"poisson2d": ("poisson2d.pt", 2, (64, 64)), "poisson3d": ("poisson3d.pt", 3, (32, 32, 32))}


@dataclass
class DCDMInfo(KrylovInfo):
    """:class:`solvers.KrylovInfo` plus ``fallbacks``: steps that used the Jacobi direction
    because it reduced the A-norm error more than the network's."""

    fallbacks: int = 0


def load_pretrained(name: str, *, device: str = "cpu"):
    """A DCDM network shipped with the package: ``"poisson2d"`` (trained on the 64² open-top box)
    or ``"poisson3d"`` (32³).

    Examples
    --------
    >>> from solvers import load_pretrained
    >>> model = load_pretrained("poisson2d")
    >>> model.dim
    2
    """
    from importlib import resources

    from sciml.train import load

    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; available: {sorted(PRETRAINED)}")
    path = resources.files("solvers") / "pretrained" / PRETRAINED[name][0]
    with resources.as_file(path) as file:
        if not file.exists():
            raise FileNotFoundError(f"{file} is missing: run benchmarks/train_dcdm.py to train it")
        return load(file, map_location=device)


def _network_direction(model, r, grid_shape, xp):
    """``model(r / ||r||)`` on the model's device and dtype, back as float64 in ``xp``."""
    import torch

    from sciml.backend import from_torch, to_torch

    parameter = next(model.parameters())
    t = to_torch(r).to(device=parameter.device, dtype=parameter.dtype)
    with torch.no_grad():
        out = model(torch.reshape(t, (1, 1) + tuple(grid_shape)))
    return xp.astype(xp.reshape(from_torch(out.reshape(-1).contiguous(), xp), (-1,)), xp.float64)


def dcdm(A: Any, b: Any, x0: Any | None = None, *, model: Any, grid_shape: tuple[int, ...], rtol: float = 1e-6,
         atol: float = 0.0, maxiter: int | None = None, callback: Callable[[Any], None] | None = None,
         n_orthogonal: int = 2, safeguard: bool = True, fluid: Any | None = None) -> tuple[Any, DCDMInfo]:
    """Solve ``A x = b`` with search directions from a network (deep conjugate directions).

    Parameters
    ----------
    A : sparse matrix, operator with ``matvec``, array or callable
        Symmetric positive definite on the full grid (solid cells as identity rows), such as
        :class:`solvers.ObstacleLaplacian`.
    b : array
        Right-hand side with ``prod(grid_shape)`` entries (zero on solid cells); numpy or cupy.
    x0 : array, optional
    model : torch.nn.Module
        Maps ``[1, 1, *grid_shape]`` residuals to directions (e.g. :func:`load_pretrained`), or any
        callable ``r -> direction`` on flat arrays of the backend of ``b``.
    grid_shape : tuple of int
        The grid of the vectors; its dimension must be the model's.
    rtol, atol : float
        Stop when ``||b - A x|| <= max(rtol ||b||, atol)`` (the true residual, float64).
    maxiter : int, optional
        ``prod(grid_shape)`` by default.
    callback : callable, optional
        ``callback(xk)`` after each step.
    n_orthogonal : int
        Previous directions each new one is A-orthogonalised against (2 in the paper).
    safeguard : bool
        Take the Jacobi-preconditioned residual direction when it reduces the A-norm error more
        than the network's (one more product with ``A`` per step).
    fluid : array, optional
        1 on fluid and 0 on solid cells (``A.fluid`` when ``A`` has it); directions are masked.

    Returns
    -------
    x : array
        Same shape and backend as ``b``.
    info : DCDMInfo
        ``status``, ``iterations``, ``residuals`` (``||r_k||`` from ``k = 0``), ``fallbacks``.

    Raises
    ------
    ValueError
        Shape mismatch (also between the model's and the grid's dimension), NaN/inf in ``b`` or
        ``x0``, bad tolerances, a direction with ``qᵀAq <= 0`` (``A`` not positive definite).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import dcdm, load_pretrained
    >>> from solvers.obstacles import box, smooth_rhs
    >>> geometry = box((64, 64))
    >>> A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    >>> x, info = dcdm(A, b, model=load_pretrained("poisson2d"), grid_shape=(64, 64), rtol=1e-6)
    >>> info.converged, info.iterations < 100      # CG needs 267
    (True, True)
    """
    grid_shape = tuple(int(n) for n in grid_shape)
    n = math.prod(grid_shape)
    if math.prod(b.shape) != n:
        raise ValueError(f"b has {math.prod(b.shape)} entries but grid_shape {grid_shape} has {n} cells")
    model_dim = getattr(model, "dim", None)
    if model_dim is not None and model_dim != len(grid_shape):
        raise ValueError(f"the model is {model_dim}D but grid_shape {grid_shape} is {len(grid_shape)}D")
    if int(n_orthogonal) < 0:
        raise ValueError(f"n_orthogonal must be >= 0, got {n_orthogonal}")
    xp = array_namespace(b)
    xp, n, matvec, b_flat, x, maxiter, tolerance = _checked_system(
        A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, maxiter_per_unknown=1, dtype=xp.float64)
    if fluid is None:
        fluid = getattr(A, "fluid", None)
    mask = None if fluid is None else xp.reshape(xp.asarray(fluid, dtype=xp.float64), (n,))
    if callable(model) and not hasattr(model, "parameters"):
        network = model
    else:
        def network(r):
            return _network_direction(model, r, grid_shape, xp)
    fallback = _jacobi(A, n, xp) if safeguard else None

    r = b_flat - matvec(x) if x0 is not None else b_flat
    residuals = [math.sqrt(_dot(xp, r, r))]
    if residuals[0] <= tolerance:
        return xp.reshape(x, b.shape), DCDMInfo(0, 0, residuals, tolerance)

    directions: list[tuple[Any, Any, float]] = []  # (p, A p, pᵀAp)

    def prepare(q):
        if mask is not None:
            q = q * mask
        for p, ap, pap in directions:
            q = q - (_dot(xp, q, ap) / pap) * p
        aq = matvec(q)
        curvature = _dot(xp, q, aq)
        return q, aq, curvature

    def gain(q, curvature):
        """Decrease of the squared A-norm error along ``q`` with the exact line search."""
        return _dot(xp, q, r) ** 2 / curvature if curvature > 0 and math.isfinite(curvature) else -1.0

    status, fallbacks, k = maxiter, 0, 0
    for k in range(1, maxiter + 1):
        q, aq, curvature = prepare(network(r / residuals[-1]))
        if fallback is not None:
            z, az, z_curvature = prepare(fallback(r))
            if gain(z, z_curvature) > gain(q, curvature):
                q, aq, curvature = z, az, z_curvature
                fallbacks += 1
        if not (curvature > 0 and math.isfinite(curvature)):
            raise ValueError(f"qᵀAq = {curvature:.3e} at step {k}: A is not positive definite on this direction")
        x = x + (_dot(xp, q, r) / curvature) * q
        r = b_flat - matvec(x)
        residuals.append(math.sqrt(_dot(xp, r, r)))
        directions.append((q, aq, curvature))
        if len(directions) > int(n_orthogonal):
            directions.pop(0)
        if callback is not None:
            callback(x)
        if residuals[-1] <= tolerance:
            status = 0
            break
    return xp.reshape(x, b.shape), DCDMInfo(status, k, residuals, tolerance, fallbacks)
