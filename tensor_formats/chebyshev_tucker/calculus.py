"""Calculus on a Chebyshev–Tucker function: integrals over the box or some of its axes,
partial derivatives, and the L2 norm.  Each acts on the factors of one mode at a time.

The functions take the function ``f`` (a :class:`~tensor_formats.ChebyshevTucker`) and build
results of its class, so that this module never imports the class.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.calculus import diff, integral
>>> f = ChebyshevTucker.from_function(lambda x, y: x**2 * y, [(0, 1), (0, 2)])
>>> round(integral(f), 12)  # (1/3) * 2
0.666666666667
>>> round(float(diff(f, 0)(np.array([[0.5, 2.0]]))[0]), 12)  # 2 x y
2.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace

from .. import chebyshev as cheb
from ..tucker import mode_product

__all__ = ["diff", "integral", "modal_singular_values", "norm"]


def _contract(f: Any, weights_by_mode: dict[int, Any]):
    """The core with mode ``k`` contracted against the row vector ``w_k V_k`` for each given ``k``."""
    xp = array_namespace(f.core)
    core = f.core
    for k, w in weights_by_mode.items():
        core = mode_product(core, xp.reshape(w @ f.factors[k], (1, -1)), k)
    return core


def integral(f: Any, axes: int | Sequence[int] | None = None):
    """:meth:`ChebyshevTucker.integral <tensor_formats.ChebyshevTucker.integral>` of ``f``."""
    xp = array_namespace(f.core)
    chosen = tuple(range(f.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    if any(not 0 <= k < f.ndim for k in chosen) or len(set(chosen)) != len(chosen):
        raise ValueError(f"axes must be distinct integers in [0, {f.ndim}), got {axes}")
    weights = {k: xp.asarray(cheb.definite_integrals(f.factors[k].shape[0], f.domain[k],
                                                     backend=f.backend)) for k in chosen}
    core = _contract(f, weights)
    keep = [k for k in range(f.ndim) if k not in chosen]
    if not keep:
        return float(xp.reshape(core, (-1,))[0])
    core = xp.reshape(core, tuple(f.ranks[k] for k in keep))
    return type(f)(core, [f.factors[k] for k in keep], [f.domain[k] for k in keep], tol=f.tol)


def diff(f: Any, axis: int, order: int = 1) -> Any:
    """:meth:`ChebyshevTucker.diff <tensor_formats.ChebyshevTucker.diff>` of ``f``."""
    if not 0 <= int(axis) < f.ndim:
        raise ValueError(f"axis must be in [0, {f.ndim}), got {axis}")
    if int(order) < 1:
        raise ValueError(f"order must be >= 1, got {order}")
    from .simplify import is_zero, simplify, zero

    xp = array_namespace(f.core)
    if is_zero(f) or f.factors[axis].shape[0] <= int(order):  # constant in x_axis: the derivative is 0
        return zero(type(f), f.domain, tol=f.tol, backend=f.backend)
    dv = cheb.differentiate(f.factors[axis], 0, domain=f.domain[axis], order=int(order))
    q, r = xp.linalg.qr(dv[:dv.shape[0] - int(order), :])  # the last `order` rows are zero
    factors = list(f.factors)
    factors[axis] = q
    return simplify(type(f)(mode_product(f.core, r, axis), factors, f.domain, tol=f.tol))


def norm(f: Any) -> float:
    """:meth:`ChebyshevTucker.norm <tensor_formats.ChebyshevTucker.norm>` of ``f``."""
    xp = array_namespace(f.core)
    t = f.core
    for k, v in enumerate(f.factors):
        gram = xp.asarray(cheb.gram_matrix(v.shape[0], f.domain[k], backend=f.backend))
        t = mode_product(t, v.T @ gram @ v, k)
    return math.sqrt(max(float(xp.sum(f.core * t)), 0.0))


def modal_singular_values(f: Any) -> list:
    """:meth:`ChebyshevTucker.modal_singular_values <tensor_formats.ChebyshevTucker.modal_singular_values>`."""
    xp = array_namespace(f.core)
    if min(f.ranks) == 0:
        return [xp.zeros((0,), dtype=xp.float64) for _ in range(f.ndim)]
    core = f.core
    for k, v in enumerate(f.factors):
        gram = xp.asarray(cheb.gram_matrix(v.shape[0], f.domain[k], backend=f.backend))
        lower = xp.linalg.cholesky(v.T @ gram @ v)  # L2 inner products of the mode-k basis = L Lᵀ
        core = mode_product(core, lower.T, k)
    values = []
    for k in range(f.ndim):
        unfolded = xp.reshape(xp.moveaxis(core, k, 0), (core.shape[k], -1))
        values.append(xp.linalg.svdvals(unfolded))
    return values
