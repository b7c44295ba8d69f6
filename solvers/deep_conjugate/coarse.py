"""Network directions on the grid and on coarser grids: the residual restricted by averaging, the
network applied there, its output interpolated back (how DCDM carries a model to larger grids)."""

from __future__ import annotations

import math
from typing import Any

from sciml.backend import array_namespace

__all__ = ["coarse_levels_for", "network_directions"]

_COARSEST = 8  # "auto" coarse levels stop at about this many cells per axis


def coarse_levels_for(grid_shape: tuple[int, ...], coarse_levels: int | str = "auto") -> int:
    """The number of coarse network applications :func:`dcdm` makes on ``grid_shape``.

    ``"auto"``: as many halvings as keep every axis at least 8 cells (64³ -> 3, 32³ -> 2); a halving
    rounds an odd size up (:func:`network_directions` pads one zero cell), so odd sizes coarsen too
    (63² -> 3, 257² -> 5).  An integer ``L`` is checked: the coarsest grid needs at least 2 cells per
    axis (the network pools once more there).

    Examples
    --------
    >>> from solvers.deep_conjugate import coarse_levels_for
    >>> coarse_levels_for((64, 64, 64)), coarse_levels_for((32, 32, 32)), coarse_levels_for((48, 96))
    (3, 2, 2)
    >>> coarse_levels_for((63, 63)), coarse_levels_for((257, 129))
    (3, 4)
    """
    grid_shape = tuple(int(n) for n in grid_shape)
    if coarse_levels == "auto":
        levels = 0
        while all(-(-n // 2 ** (levels + 1)) >= _COARSEST for n in grid_shape):
            levels += 1
        return levels
    if isinstance(coarse_levels, str) or int(coarse_levels) != coarse_levels or coarse_levels < 0:
        raise ValueError(f"coarse_levels must be 'auto' or an integer >= 0, got {coarse_levels!r}")
    levels = int(coarse_levels)
    coarsest = tuple(-(-n // 2 ** levels) for n in grid_shape)
    if min(coarsest) < 2:
        raise ValueError(f"coarse_levels={levels} leaves a coarsest grid {coarsest} on grid_shape {grid_shape}; "
                         "the network needs at least 2 cells per axis there")
    return levels


def network_directions(model, r: Any, grid_shape: tuple[int, ...], *, coarse_levels: int = 0,
                       cell_types: Any | None = None) -> list[Any]:
    """The network's search directions for the residual ``r``: ``model(r)`` on the grid and, for each
    coarse level ``l = 1..coarse_levels``, the network applied to ``r`` restricted ``l`` times (mean
    of 2×2(×2) cells) and interpolated back (bi/trilinear).

    The coarse applications give a network trained on a small grid the long wavelengths of a
    larger one.  An odd size is padded by one zero cell at its high end before a restriction and
    cropped after the interpolation back.  Runs on the model's device and dtype; returns flat float64 arrays in the namespace
    of ``r``.

    A geometry-conditioned model (``model.takes_cell_types``, :class:`GeometryDCDMNet`) gets the
    ``cell_types`` of the grid (:func:`~solvers.deep_conjugate.cell_types`; a numpy array or a
    tensor already on the model's device), on a coarse level restricted like the residual (the
    mean over the coarse cell; fluid where at least half of it is, the face shares masked to it).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import load_pretrained
    >>> from solvers.deep_conjugate import network_directions
    >>> r = np.random.default_rng(0).standard_normal(64 * 64)
    >>> [q.shape for q in network_directions(load_pretrained("poisson2d"), r, (64, 64), coarse_levels=2)]
    [(4096,), (4096,), (4096,)]
    """
    from sciml._extras import require

    torch = require("torch")
    functional = torch.nn.functional

    from sciml.backend import from_torch, to_torch

    xp = array_namespace(r)
    grid_shape = tuple(int(n) for n in grid_shape)
    if len(grid_shape) not in (2, 3) or min(grid_shape) < 1:
        raise ValueError(f"grid_shape must be 2 or 3 positive sizes, got {grid_shape}")
    if math.prod(r.shape) != math.prod(grid_shape):
        raise ValueError(f"r has {math.prod(r.shape)} entries but grid_shape {grid_shape} has {math.prod(grid_shape)}")
    conditioned = getattr(model, "takes_cell_types", False)
    if conditioned and cell_types is None:
        raise ValueError("a geometry-conditioned model needs cell_types= (solvers.deep_conjugate.cell_types(A))")
    if coarse_levels != 0:  # level 0 runs the model on the grid as it is
        coarse_levels = coarse_levels_for(grid_shape, coarse_levels)
    parameter = next(model.parameters())
    t = torch.reshape(to_torch(r).to(device=parameter.device, dtype=parameter.dtype), (1, 1) + grid_shape)
    pool = functional.avg_pool2d if len(grid_shape) == 2 else functional.avg_pool3d
    mode = "bilinear" if len(grid_shape) == 2 else "trilinear"
    types = None
    if conditioned:
        types = cell_types if isinstance(cell_types, torch.Tensor) else torch.as_tensor(cell_types)
        types = types.to(device=parameter.device, dtype=parameter.dtype).reshape((1, -1) + grid_shape)

    def apply(residual, types):
        return model(residual) if types is None else model(residual, types)

    outputs = []
    with torch.no_grad():
        outputs.append(apply(t, types))
        coarse, sizes = t, [grid_shape]
        for level in range(1, int(coarse_levels) + 1):
            coarse = pool(_padded_even(functional, coarse), 2)
            sizes.append(tuple(coarse.shape[2:]))
            if types is not None:
                types = _restricted_types(torch, pool(_padded_even(functional, types), 2))
            q = apply(coarse, types)
            for finer in reversed(sizes[:-1]):  # interpolate, then crop the padded cell of an odd size
                q = functional.interpolate(q, scale_factor=2, mode=mode, align_corners=False)
                q = q[(slice(None), slice(None)) + tuple(slice(0, n) for n in finer)]
            outputs.append(q)
    return [xp.astype(xp.reshape(from_torch(q.reshape(-1).contiguous(), xp), (-1,)), xp.float64) for q in outputs]



def _restricted_types(torch, pooled):
    """Cell types on a coarse level from their means over each coarse cell: fluid where at least half
    of it is, the face shares kept there."""
    fluid = (pooled[:, :1] >= 0.5).to(pooled.dtype)
    return torch.cat([fluid, 1 - fluid, pooled[:, 2:] * fluid], dim=1)


def _padded_even(functional, t):
    """``t`` with one zero cell appended on every odd grid axis (``F.pad`` lists the last axis first)."""
    odd = [n % 2 for n in t.shape[2:]]
    if not any(odd):
        return t
    return functional.pad(t, [side for k in reversed(odd) for side in (0, k)])
