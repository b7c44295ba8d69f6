"""Evaluating a Chebyshev–Tucker function: at scattered points (chunked contraction of the
core with the mode values) and on tensor grids (a :class:`~tensor_formats.tucker.TuckerTensor`
or the full array).  Coordinates outside the box are refused unless extrapolation is asked for.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.evaluation import on_grid, values_at
>>> f = ChebyshevTucker.from_function(lambda x, y: x * y, [(0, 1), (0, 2)])
>>> values_at(f, np.array([[0.5, 2.0]])).round(12).tolist()
[1.0]
>>> on_grid(f, np.array([0.5, 1.0]), np.array([1.0, 2.0]), full=True).round(12).tolist()
[[0.5, 1.0], [1.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace, device

from .. import chebyshev as cheb
from ..tucker import TuckerTensor

__all__ = ["on_grid", "values_at"]

_CHUNK = 32768


def _reference(f: Any, x, k: int, extrapolate: bool, name: str):
    """Coordinates ``x`` of mode ``k`` checked (finite, inside the box) and mapped to ``[-1, 1]``."""
    xp = array_namespace(x)
    a, b = f.domain[k]
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} contain NaN or infinite coordinates")
    if not extrapolate:
        slack = 1e-12 * (b - a)
        if bool(xp.any(x < a - slack)) or bool(xp.any(x > b + slack)):
            raise ValueError(f"{name} have coordinate {k} outside [{a}, {b}]; pass extrapolate=True to allow")
    return cheb.map_to_reference(x, (a, b))


def _mode_values(f: Any, k: int, t):
    """``(len(t), r_k)`` values of the mode-``k`` basis functions at reference points ``t``."""
    return (f.factors[k].T @ cheb.vandermonde(t, f.factors[k].shape[0], transpose=True)).T


def values_at(f: Any, points: Any, *, extrapolate: bool = False):
    """``f(points)`` for points of shape ``(N, d)``: :meth:`ChebyshevTucker.__call__
    <tensor_formats.ChebyshevTucker.__call__>`."""
    xp = array_namespace(points, f.core)
    if points.ndim != 2 or points.shape[1] != f.ndim:
        raise ValueError(f"points must have shape (N, {f.ndim}), got {tuple(points.shape)}")
    n = points.shape[0]
    d = f.ndim
    if min(f.ranks) == 0:  # the zero function
        for k in range(d):
            _reference(f, points[:, k], k, extrapolate, "points")
        return xp.zeros((n,), dtype=f.core.dtype, device=device(f.core))
    core_matrix = xp.reshape(f.core, (f.ranks[0], -1))
    pieces = []
    for start in range(0, n, _CHUNK):
        chunk = points[start:min(start + _CHUNK, n), :]
        acc = _mode_values(f, 0, _reference(f, chunk[:, 0], 0, extrapolate, "points")) @ core_matrix
        for k in range(1, d):
            g = _mode_values(f, k, _reference(f, chunk[:, k], k, extrapolate, "points"))
            acc = xp.reshape(acc, (acc.shape[0], f.ranks[k], -1))
            acc = xp.reshape(xp.matmul(g[:, None, :], acc), (acc.shape[0], -1))
        pieces.append(xp.reshape(acc, (-1,)))
    if not pieces:
        return xp.zeros((0,), dtype=f.core.dtype, device=device(f.core))
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces)


def on_grid(f: Any, *xs: Any, full: bool = False, extrapolate: bool = False):
    """Values of ``f`` on the tensor grid ``x1 × ... × xd``: :meth:`ChebyshevTucker.on_grid
    <tensor_formats.ChebyshevTucker.on_grid>`."""
    if len(xs) != f.ndim:
        raise ValueError(f"on_grid takes {f.ndim} coordinate vectors, got {len(xs)}")
    factors = []
    for k, x in enumerate(xs):
        if x.ndim != 1:
            raise ValueError(f"grid vector {k} must be 1-D, got shape {tuple(x.shape)}")
        factors.append(_mode_values(f, k, _reference(f, x, k, extrapolate, "grid vectors")))
    tucker = TuckerTensor(f.core, factors)
    return tucker.full() if full else tucker
