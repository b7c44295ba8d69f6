"""Arithmetic on Chebyshev–Tucker functions: sums (block-diagonal cores, QR of the stacked
factors, recompression), scaling, products (resampled on the product grid), and the
recompression by an HOSVD of the core.

The functions take the operands (:class:`~tensor_formats.ChebyshevTucker` objects) and build
results of the class of the first, so that this module never imports the class;
:func:`operand` is given the class to recognise.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.arithmetic import add, multiply
>>> f = ChebyshevTucker.from_function(lambda x, y: np.sin(x) * y, [(-1, 1)] * 2)
>>> g = ChebyshevTucker.from_function(lambda x, y: np.cos(x) * y, [(-1, 1)] * 2)
>>> add(f, g).ranks, multiply(f, g).ranks
((1, 1), (1, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device

from .. import chebyshev as cheb
from ..tucker import hosvd, mode_product

__all__ = ["add", "compress", "multiply", "negate", "operand", "scale"]


def _pad_rows(xp, v, m: int):
    if v.shape[0] == m:
        return v
    zeros = xp.zeros((m - v.shape[0], v.shape[1]), dtype=v.dtype, device=device(v))
    return xp.concat([v, zeros], axis=0)


def compress(f: Any, tol: float | None = None, *, rank: int | Sequence[int] | None = None,
             reference_norm: float | None = None) -> Any:
    """:meth:`ChebyshevTucker.compress <tensor_formats.ChebyshevTucker.compress>` of ``f``."""
    tol = f.tol if tol is None else float(tol)
    inner = hosvd(f.core, tol=tol, rank=rank, reference_norm=reference_norm)
    return type(f)(inner.core, [v @ u for v, u in zip(f.factors, inner.factors)], f.domain, tol=tol)


def operand(f: Any, other: Any, cls: type) -> Any:
    """``other`` as a function like ``f``: an instance of ``cls`` on the same box and backend, or a
    number made a constant; ``NotImplemented`` for anything else."""
    if isinstance(other, cls):
        if other.domain != f.domain:
            raise ValueError(f"domains differ: {f.domain} and {other.domain}")
        if other.backend != f.backend:
            raise TypeError(f"backends differ: {f.backend} and {other.backend}")
        return other
    if isinstance(other, (int, float)):
        return cls.constant(float(other), f.domain, backend=f.backend)
    return NotImplemented


def add(f: Any, g: Any) -> Any:
    """``f + g`` for two functions on the same box, recompressed relative to ``‖f‖ + ‖g‖``."""
    xp = array_namespace(f.core)
    ra, rb = f.ranks, g.ranks
    factors = []
    for va, vb in zip(f.factors, g.factors):
        m = max(va.shape[0], vb.shape[0])
        factors.append(xp.concat([_pad_rows(xp, va, m), _pad_rows(xp, vb, m)], axis=1))
    # Block-diagonal core: A in the leading block, B in the trailing block.
    block_a, block_b = f.core, g.core
    for k in range(f.ndim):
        za = list(block_a.shape)
        za[k] = rb[k]
        block_a = xp.concat([block_a, xp.zeros(tuple(za), dtype=block_a.dtype, device=device(block_a))], axis=k)
        zb = list(block_b.shape)
        zb[k] = ra[k]
        block_b = xp.concat([xp.zeros(tuple(zb), dtype=block_b.dtype, device=device(block_b)), block_b], axis=k)
    core = block_a + block_b
    qs = []
    for k, v in enumerate(factors):
        q, r = xp.linalg.qr(v)
        qs.append(q)
        core = mode_product(core, r, k)
    operands_norm = float(xp.linalg.vector_norm(f.core)) + float(xp.linalg.vector_norm(g.core))
    return compress(type(f)(core, qs, f.domain, tol=max(f.tol, g.tol)), reference_norm=operands_norm)


def negate(f: Any) -> Any:
    """``-f`` (the core negated)."""
    return type(f)(-f.core, f.factors, f.domain, tol=f.tol)


def scale(f: Any, factor: float) -> Any:
    """``factor * f`` (the core scaled)."""
    return type(f)(f.core * float(factor), f.factors, f.domain, tol=f.tol)


def multiply(f: Any, g: Any) -> Any:
    """``f * g`` for two functions on the same box, sampled on the product grid and recompressed."""
    # The product has degree deg_a + deg_b per mode: sample both on that grid and recompress.
    m = [da + db + 1 for da, db in zip(f.degrees, g.degrees)]
    grids = [cheb.chebyshev_points(mk, ab, backend=f.backend) for mk, ab in zip(m, f.domain)]
    values = f.on_grid(*grids, full=True) * g.on_grid(*grids, full=True)
    return type(f).from_values(values, f.domain, tol=max(f.tol, g.tol))
