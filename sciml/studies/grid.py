"""The points of a parameter grid: product, zip, list, or random samples with a seed."""

from __future__ import annotations

import itertools
import math
from typing import Any

from .spec import GridSpec

__all__ = ["grid_points"]


def grid_points(grid: GridSpec) -> list[dict[str, Any]]:
    """Every point of ``grid`` as a ``{name: value}`` dict, in a fixed order.

    ``product``: all combinations, the last parameter varying fastest; ``zip``: the lists taken
    together; ``list``: as written; ``random``: ``samples`` draws from ``numpy.random.default_rng(seed)``
    (the same seed gives the same points on every machine).

    Examples
    --------
    >>> from sciml.studies import GridSpec, grid_points
    >>> grid_points(GridSpec(product={"n": [8, 16], "method": ["cg", "amg"]}))
    [{'n': 8, 'method': 'cg'}, {'n': 8, 'method': 'amg'}, {'n': 16, 'method': 'cg'}, {'n': 16, 'method': 'amg'}]
    >>> grid_points(GridSpec(zip={"n": [8, 16], "dt": [0.1, 0.05]}))
    [{'n': 8, 'dt': 0.1}, {'n': 16, 'dt': 0.05}]
    >>> points = grid_points(GridSpec(random={"nu": {"low": 1e-3, "high": 1e-1, "log": True}}, samples=3, seed=0))
    >>> len(points), all(1e-3 <= p["nu"] <= 1e-1 for p in points)
    (3, True)
    """
    kind = grid.kind
    if kind == "product":
        names = list(grid.product)
        return [dict(zip(names, values)) for values in itertools.product(*grid.product.values())]
    if kind == "zip":
        names = list(grid.zip)
        return [dict(zip(names, values)) for values in zip(*grid.zip.values())]
    if kind == "list":
        return [dict(point) for point in grid.list]
    import numpy as np

    rng = np.random.default_rng(grid.seed)
    points = []
    for _ in range(grid.samples):
        point = {}
        for name, p in grid.random.items():
            if p.choices is not None:
                point[name] = p.choices[int(rng.integers(len(p.choices)))]
                continue
            if p.log:
                value = math.exp(rng.uniform(math.log(p.low), math.log(p.high)))
            else:
                value = float(rng.uniform(p.low, p.high))
            point[name] = int(round(value)) if p.integer else value
        points.append(point)
    return points
