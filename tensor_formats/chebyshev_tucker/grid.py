"""The box of a Chebyshev–Tucker function and its Chebyshev grid: checking the domain,
sampling a function on the tensor grid, and the values-to-coefficients transform.

Examples
--------
>>> import numpy as np
>>> from tensor_formats.chebyshev import chebyshev_points
>>> from tensor_formats.chebyshev_tucker.grid import check_domain, sample, tensor_coefficients
>>> box = check_domain([(0, 1), (-1, 1)])
>>> box
((0.0, 1.0), (-1.0, 1.0))
>>> grids = [chebyshev_points(3, ab) for ab in box]
>>> c = tensor_coefficients(sample(lambda x, y: x * y, grids, np))
>>> c.shape
(3, 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .. import chebyshev as cheb

__all__ = ["MAX_SAMPLES", "broadcast_axis", "check_domain", "sample", "tensor_coefficients"]

#: Largest number of samples the adaptive constructors take on one grid.
MAX_SAMPLES = 2**25


def check_domain(domain: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    """The box as a tuple of ``(a, b)`` float pairs; ``ValueError`` unless every ``a < b`` is finite.

    Examples
    --------
    >>> check_domain([(0, 1)])
    ((0.0, 1.0),)
    """
    try:
        box = tuple((float(a), float(b)) for a, b in domain)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"domain must be a sequence of (a, b) pairs, got {domain!r}") from exc
    if not box:
        raise ValueError("domain is empty")
    for k, (a, b) in enumerate(box):
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            raise ValueError(f"domain interval {k} needs finite a < b, got ({a}, {b})")
    return box


def broadcast_axis(xp: Any, x: Any, axis: int, d: int) -> Any:
    """The vector ``x`` reshaped to broadcast along ``axis`` of a ``d``-axis array.

    Examples
    --------
    >>> import numpy as np
    >>> broadcast_axis(np, np.arange(3.0), 1, 3).shape
    (1, 3, 1)
    """
    shape = [1] * d
    shape[axis] = x.shape[0]
    return xp.reshape(x, tuple(shape))


def sample(f: Callable, grids: Sequence[Any], xp: Any) -> Any:
    """Values of ``f`` on the tensor grid ``grids[0] × ... × grids[d-1]`` (float64, checked finite).

    Examples
    --------
    >>> import numpy as np
    >>> sample(lambda x, y: x + y, [np.array([0.0, 1.0]), np.array([0.0, 2.0])], np).tolist()
    [[0.0, 2.0], [1.0, 3.0]]
    """
    d = len(grids)
    shape = tuple(g.shape[0] for g in grids)
    values = f(*(broadcast_axis(xp, g, k, d) for k, g in enumerate(grids)))
    values = xp.asarray(values, dtype=xp.float64)
    try:
        values = xp.broadcast_to(values, shape)
    except ValueError as exc:
        raise ValueError(
            f"f returned shape {tuple(values.shape)}, which does not broadcast to the grid {shape}; "
            "f must be vectorised over broadcast arrays"
        ) from exc
    if not bool(xp.all(xp.isfinite(values))):
        raise ValueError("f returned NaN or infinite values on the Chebyshev grid")
    return values


def tensor_coefficients(values: Any) -> Any:
    """Chebyshev coefficients of samples at the Chebyshev points (DCT-I along every mode).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import chebyshev_points
    >>> x = chebyshev_points(3, (-1, 1))
    >>> bool(np.allclose(tensor_coefficients(x**2), [0.5, 0.0, 0.5]))
    True
    """
    c = values
    for k in range(values.ndim):
        c = cheb.values_to_coefficients(c, axis=k)
    return c
