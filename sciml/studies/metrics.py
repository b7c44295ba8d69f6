"""The registered metrics: functions of a point's outputs and parameters, and the study-wide observed order."""

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
    import numpy as np

    u, v = _pair(outputs, "rel_l2")
    return float(np.linalg.norm(u - v) / np.linalg.norm(v))


def max_error(outputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> float:
    """``max |solution - exact|``.

    Examples
    --------
    >>> from sciml.studies.metrics import max_error
    >>> max_error({"solution": [1.0, 2.5], "exact": [1.0, 2.0]}, {})
    0.5
    """
    import numpy as np

    u, v = _pair(outputs, "max_error")
    return float(np.max(np.abs(u - v)))


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
    """The observed order ``p`` of ``y ~ C x^-p``: minus the least-squares slope of ``log y`` on ``log x``.

    ``x`` is a resolution (points or cells), so a second-order method gives ``p = 2``.
    NaN with fewer than two usable (positive, finite) pairs.

    Examples
    --------
    >>> from sciml.studies.metrics import observed_order
    >>> round(observed_order([8, 16, 32], [1e-2, 2.5e-3, 6.25e-4]), 6)
    2.0
    """
    pairs = [(math.log(a), math.log(b)) for a, b in zip(x, y)
             if a is not None and b is not None and a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b)]
    if len({p[0] for p in pairs}) < 2:
        return float("nan")
    mx = sum(p[0] for p in pairs) / len(pairs)
    my = sum(p[1] for p in pairs) / len(pairs)
    slope = sum((p[0] - mx) * (p[1] - my) for p in pairs) / sum((p[0] - mx) ** 2 for p in pairs)
    return -slope
