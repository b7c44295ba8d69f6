"""The registered metrics: functions of a point's outputs and parameters, and the study-wide observed order.

They read the outputs ``solution`` and ``exact`` and compute with :mod:`validation.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["iterations", "max_error", "observed_order", "rel_l2"]


def _pair(outputs: Mapping[str, Any], metric: str):
    import numpy as np

    missing = [k for k in ("solution", "exact") if k not in outputs]
    if missing:
        raise KeyError(f"metric {metric!r} needs the problem outputs 'solution' and 'exact'; missing {missing}")
    u, v = np.asarray(outputs["solution"], dtype=float), np.asarray(outputs["exact"], dtype=float)
    if u.shape != v.shape:
        raise ValueError(f"metric {metric!r}: solution has shape {u.shape}, exact {v.shape}")
    return u, v


def rel_l2(outputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> float:
    """``||solution - exact||_2 / ||exact||_2``.

    Examples
    --------
    >>> from sciml.studies.metrics import rel_l2
    >>> rel_l2({"solution": [3.0, 6.5], "exact": [3.0, 4.0]}, {})
    0.5
    """
    from validation.metrics import relative_l2

    return relative_l2(*_pair(outputs, "rel_l2"))


def max_error(outputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> float:
    """``max |solution - exact|``.

    Examples
    --------
    >>> from sciml.studies.metrics import max_error
    >>> max_error({"solution": [1.0, 2.5], "exact": [1.0, 2.0]}, {})
    0.5
    """
    from validation.metrics import max_error as max_abs

    return max_abs(*_pair(outputs, "max_error"))


def iterations(outputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> int:
    """The problem's ``iterations`` output (a solver's iteration count).

    Examples
    --------
    >>> from sciml.studies.metrics import iterations
    >>> iterations({"iterations": 12}, {})
    12
    """
    if "iterations" not in outputs:
        raise KeyError("metric 'iterations' needs the problem output 'iterations'")
    return int(outputs["iterations"])


def observed_order(x: Sequence[float], y: Sequence[float]) -> float:
    """The observed order ``p`` of ``y ~ C x^-p`` (:func:`validation.metrics.observed_order` with ``h = 1/x``).

    ``x`` is a resolution (points or cells), so a second-order method gives ``p = 2``. Pairs that
    are not positive and finite (a failed point) are left out; NaN with fewer than two distinct ``x``.

    Examples
    --------
    >>> from sciml.studies.metrics import observed_order
    >>> round(observed_order([8, 16, 32], [1e-2, 2.5e-3, 6.25e-4]), 6)
    2.0
    """
    from validation.metrics import observed_order as order

    pairs = [(float(a), float(b)) for a, b in zip(x, y) if a is not None and b is not None
             and math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0]
    if len({a for a, _ in pairs}) < 2:
        return float("nan")
    return order([b for _, b in pairs], [1.0 / a for a, _ in pairs])
