"""Global maximum, minimum and sup-norm of a Chebyshev–Tucker function, with their locations.

Global search, then local polish (as Chebfun3's ``max3``): the function is evaluated on a
tensor grid of Chebyshev points (about twice the degree per mode, at most ~2·10⁶ points in
all, through the Tucker form: ``O(n r)`` per mode plus the contraction), the best few grid
points start a bounded quasi-Newton search (L-BFGS-B with the exact gradient from the
differentiated factors), and the best polished point wins.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.extrema import extremum
>>> f = ChebyshevTucker.from_function(lambda x, y: np.exp(-(x - 0.3) ** 2 - (y + 0.2) ** 2), [(-1, 1)] * 2)
>>> value, where = extremum(f, "max")
>>> round(value, 12), np.round(where, 6).tolist()
(1.0, [0.3, -0.2])
"""

from __future__ import annotations

import math
from typing import Any

from sciml.backend import to_numpy

from .. import chebyshev as cheb

__all__ = ["extremum", "sup_norm"]

_GRID_POINTS = 2_000_000
_STARTS = 6


def _host_tucker(f: Any):
    import numpy as np

    return (np.asarray(to_numpy(f.core), dtype=float), [np.asarray(to_numpy(v), dtype=float) for v in f.factors])


def _value_and_gradient(core, factors, derivatives, domain, x):
    """``f(x)`` and ``∇f(x)`` at one point from the host core and factors."""
    import numpy as np

    rows, drows = [], []
    for k, (v, dv, (a, b)) in enumerate(zip(factors, derivatives, domain)):
        t = np.array([(2.0 * x[k] - a - b) / (b - a)])
        rows.append((cheb.vandermonde(t, v.shape[0]) @ v)[0])
        drows.append((cheb.vandermonde(t, dv.shape[0]) @ dv)[0])
    value = core
    for row in rows:
        value = np.tensordot(row, value, axes=([0], [0]))
    gradient = []
    for k in range(len(rows)):
        g = core
        for j, row in enumerate(rows):
            g = np.tensordot(drows[j] if j == k else row, g, axes=([0], [0]))
        gradient.append(float(g))
    return float(value), np.asarray(gradient)


def extremum(f: Any, kind: str = "max") -> tuple[float, tuple[float, ...]]:
    """``(value, location)`` of the global maximum (``kind="max"``) or minimum (``"min"``)."""
    import numpy as np
    from scipy.optimize import minimize

    if kind not in ("max", "min"):
        raise ValueError(f"kind must be 'max' or 'min', got {kind!r}")
    centre = tuple(0.5 * (a + b) for a, b in f.domain)
    if min(f.ranks) == 0:
        return 0.0, centre
    sign = 1.0 if kind == "max" else -1.0
    core, factors = _host_tucker(f)
    d = f.ndim
    per_mode = max(int(_GRID_POINTS ** (1.0 / d)), 3)
    grids = [cheb.chebyshev_points(min(2 * v.shape[0] + 1, per_mode), ab) for v, ab in zip(factors, f.domain)]
    host = f if f.backend == "numpy" else f.to_backend("numpy")
    values = sign * np.asarray(host.on_grid(*grids, full=True))
    flat = values.reshape(-1)
    count = min(_STARTS, flat.size)
    best = np.argpartition(-flat, count - 1)[:count]
    derivatives = [cheb.differentiate(v, 0, domain=ab) if v.shape[0] > 1 else 0.0 * v
                   for v, ab in zip(factors, f.domain)]

    def objective(x):
        value, gradient = _value_and_gradient(core, factors, derivatives, f.domain, x)
        return -sign * value, -sign * gradient

    top_value, top_point = -math.inf, None
    for index in best:
        start = np.array([g[i] for g, i in zip(grids, np.unravel_index(index, values.shape))])
        candidates = [(float(flat[index]), start)]
        result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=list(f.domain),
                          options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 200})
        candidates.append((-float(result.fun), np.clip(result.x, [a for a, _ in f.domain], [b for _, b in f.domain])))
        for value, point in candidates:
            if value > top_value:
                top_value, top_point = value, point
    return sign * top_value, tuple(float(v) for v in top_point)


def sup_norm(f: Any) -> tuple[float, tuple[float, ...]]:
    """``(max |f|, location)``."""
    high, where_high = extremum(f, "max")
    low, where_low = extremum(f, "min")
    return (abs(high), where_high) if abs(high) >= abs(low) else (abs(low), where_low)
