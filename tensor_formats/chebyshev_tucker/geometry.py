"""Sub-boxes, slices and cumulative integrals of a Chebyshev–Tucker function: each acts on the
factors of the modes concerned, then the result is simplified to the function's tolerance.

* :func:`restrict` — the same function on a sub-box (each factor re-expanded exactly on the
  sub-interval: same degree, then chopped).
* :func:`slice_at` — fix some variables: the core contracted with the mode values there; the
  rest is a :class:`~tensor_formats.ChebyshevTucker` (two or more free variables), a
  :class:`~tensor_formats.chebyshev_tucker.univariate.ChebyshevLine` (one), or a float.
* :func:`cumsum` — ``∫_a^{x_k} f dx_k`` along one mode.

The functions take the function ``f`` and build results of its class (this module never
imports the class).

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> f = ChebyshevTucker.from_function(lambda x, y, z: np.exp(x) * y * np.cos(z), [(-1, 1)] * 3)
>>> line = f.slice(None, 0.5, 0.0)                  # x -> f(x, 0.5, 0): 0.5 e^x
>>> bool(abs(line.integral() - 0.5 * (np.e - 1 / np.e)) < 1e-13)
True
>>> bool(abs(f.integral(box=[(0, 1), (0, 1), (0, 1)]) - (np.e - 1) * 0.5 * np.sin(1)) < 1e-13)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, namespace_for

from .. import chebyshev as cheb
from ..tucker import mode_product
from .grid import check_domain
from .simplify import is_zero, simplify, zero
from .univariate import ChebyshevLine, antiderivative

__all__ = ["check_inside", "cumsum", "restrict", "slice_at"]


def check_inside(f: Any, box: Sequence[Sequence[float]], name: str = "box") -> tuple[tuple[float, float], ...]:
    """``box`` checked (``a < b``, one interval per mode) and inside ``f.domain``."""
    sub = check_domain(box)
    if len(sub) != f.ndim:
        raise ValueError(f"{name} has {len(sub)} intervals for a {f.ndim}-dimensional function")
    for k, ((a, b), (lo, hi)) in enumerate(zip(sub, f.domain)):
        slack = 1e-12 * (hi - lo)
        if a < lo - slack or b > hi + slack:
            raise ValueError(f"{name} interval {k} ({a}, {b}) is outside the domain ({lo}, {hi})")
    return tuple((max(a, lo), min(b, hi)) for (a, b), (lo, hi) in zip(sub, f.domain))


def restrict(f: Any, box: Sequence[Sequence[float]]) -> Any:
    """:meth:`ChebyshevTucker.restrict <tensor_formats.ChebyshevTucker.restrict>` of ``f``."""
    sub = check_inside(f, box)
    if is_zero(f):
        return zero(type(f), sub, tol=f.tol, backend=f.backend)
    xp = array_namespace(f.core)
    core, factors = f.core, []
    for k, (v, (a, b)) in enumerate(zip(f.factors, sub)):
        m = max(v.shape[0], 2)
        x = cheb.chebyshev_points(m, (a, b), backend=f.backend)
        values = cheb.vandermonde(cheb.map_to_reference(x, f.domain[k]), v.shape[0]) @ v
        q, r = xp.linalg.qr(cheb.values_to_coefficients(values, axis=0))
        factors.append(q)
        core = mode_product(core, r, k)
    return simplify(type(f)(core, factors, sub, tol=f.tol))


def slice_at(f: Any, values: Sequence[float | None]) -> Any:
    """:meth:`ChebyshevTucker.slice <tensor_formats.ChebyshevTucker.slice>` of ``f``."""
    if len(values) != f.ndim:
        raise ValueError(f"slice takes {f.ndim} values (a number to fix a variable, None to keep it), "
                         f"got {len(values)}")
    xp = array_namespace(f.core)
    core = f.core
    keep = []
    for k, value in enumerate(values):
        if value is None:
            keep.append(k)
            continue
        a, b = f.domain[k]
        value = float(value)
        if not a - 1e-12 * (b - a) <= value <= b + 1e-12 * (b - a):
            raise ValueError(f"slice value {value} for variable {k} is outside the box ({a}, {b})")
        t = xp.asarray([cheb.map_to_reference(min(max(value, a), b), (a, b))], dtype=xp.float64)
        row = cheb.vandermonde(t, f.factors[k].shape[0]) @ f.factors[k]
        core = mode_product(core, row, k)
    if not keep:
        return float(xp.reshape(core, (-1,))[0]) if core.size else 0.0
    shape = tuple(f.ranks[k] for k in keep)
    core = xp.reshape(core, shape)
    if len(keep) == 1:
        k = keep[0]
        if is_zero(f):
            return ChebyshevLine(namespace_for(f.backend).zeros((1,), dtype=xp.float64), f.domain[k])
        return ChebyshevLine(f.factors[k] @ core, f.domain[k])
    domain = [f.domain[k] for k in keep]
    if is_zero(f):
        return zero(type(f), domain, tol=f.tol, backend=f.backend)
    return simplify(type(f)(core, [f.factors[k] for k in keep], domain, tol=f.tol))


def cumsum(f: Any, axis: int) -> Any:
    """:meth:`ChebyshevTucker.cumsum <tensor_formats.ChebyshevTucker.cumsum>` of ``f``."""
    if not 0 <= int(axis) < f.ndim:
        raise ValueError(f"axis must be in [0, {f.ndim}), got {axis}")
    if is_zero(f):
        return f
    xp = array_namespace(f.core)
    q, r = xp.linalg.qr(antiderivative(f.factors[axis], f.domain[axis]))
    factors = list(f.factors)
    factors[axis] = q
    return simplify(type(f)(mode_product(f.core, r, axis), factors, f.domain, tol=f.tol))
