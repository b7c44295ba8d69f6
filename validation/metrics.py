"""Error norms and observed convergence order.

All functions take arrays of any array-API backend and return Python floats, which is
what a table, a tolerance test or a convergence fit needs.

Examples
--------
>>> import numpy as np
>>> from validation.metrics import relative_l2, max_error, observed_order
>>> x = np.linspace(0.0, 1.0, 11)
>>> relative_l2(x + 1e-3, x) < 2e-3
True
>>> observed_order([4e-2, 1e-2, 2.5e-3], [0.2, 0.1, 0.05])
2.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace

__all__ = ["check_finite", "check_same_shape", "max_error", "observed_order", "relative_l2", "weighted_l2"]


def check_finite(x: Any, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` if array ``x`` holds NaN or infinity.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.metrics import check_finite
    >>> check_finite(np.array([np.nan]), "u")
    Traceback (most recent call last):
    ...
    ValueError: u contains NaN or infinite values
    """
    xp = array_namespace(x)
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} contains NaN or infinite values")


def check_same_shape(approx: Any, exact: Any) -> None:
    """Raise ``ValueError`` if the two arrays do not have the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.metrics import check_same_shape
    >>> check_same_shape(np.zeros(3), np.zeros(3))
    >>> check_same_shape(np.zeros(3), np.zeros((3, 1)))
    Traceback (most recent call last):
        ...
    ValueError: ...
    """
    if tuple(approx.shape) != tuple(exact.shape):
        raise ValueError(
            f"approx has shape {tuple(approx.shape)} but exact has shape {tuple(exact.shape)}"
        )


def _prepare(approx: Any, exact: Any, weights: Any | None):
    xp = array_namespace(approx, exact, weights)
    check_same_shape(approx, exact)
    for name, value in (("approx", approx), ("exact", exact)):
        if not xp.isdtype(value.dtype, ("bool", "integral", "real floating", "complex floating")):
            raise TypeError(f"{name} must hold numbers, got dtype {value.dtype}")
    check_finite(approx, "approx")
    check_finite(exact, "exact")
    if weights is not None:
        check_finite(weights, "weights")
        try:
            xp.broadcast_arrays(weights, exact)
        except ValueError as exc:
            raise ValueError(
                f"weights of shape {tuple(weights.shape)} do not broadcast to {tuple(exact.shape)}"
            ) from exc
        if bool(xp.any(weights < 0)):
            raise ValueError("weights must be non-negative")
    return xp


def _floating(x: Any):
    """Integers and booleans as float64 (their difference would wrap around in int64)."""
    xp = array_namespace(x)
    return x if xp.isdtype(x.dtype, ("real floating", "complex floating")) else xp.astype(x, xp.float64)


def weighted_l2(x: Any, *, weights: Any | None = None) -> float:
    """Discrete L2 norm ``sqrt(sum(w |x|^2))`` (``w = 1`` when ``weights`` is None).

    Examples
    --------
    >>> import numpy as np
    >>> from validation.metrics import weighted_l2
    >>> weighted_l2(np.array([3.0, 4.0]))
    5.0
    """
    xp = array_namespace(x, weights)
    magnitude = xp.abs(_floating(x))
    if math.prod(magnitude.shape) == 0:
        return 0.0
    top = float(xp.max(magnitude))
    if top == 0.0 or not math.isfinite(top):
        return top
    # Scaled by a power of two near the largest entry (exact, so ordinary values give the
    # same bits as before): the squares of 1e200 overflow and those of 1e-200 underflow,
    # which made relative_l2 NaN or "zero norm" there.
    e = math.frexp(top)[1]
    scaled = magnitude * 2.0 ** (-(e // 2)) * 2.0 ** (-(e - e // 2))
    sq = scaled * scaled
    if weights is not None:
        sq = weights * sq
    return math.ldexp(math.sqrt(float(xp.sum(sq))), e)


def relative_l2(approx: Any, exact: Any, *, weights: Any | None = None) -> float:
    """Relative L2 error ``||approx - exact|| / ||exact||``.

    Parameters
    ----------
    approx, exact : array
        Same shape and backend.
    weights : array, optional
        Quadrature weights broadcastable to the data (for non-uniform grids, e.g.
        Clenshaw–Curtis or trapezoid weights).  Uniform weights cancel out.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On shape mismatch, NaN/inf in any argument, negative weights, or ``exact == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.metrics import relative_l2
    >>> round(relative_l2(np.array([1.0, 2.0]), np.array([1.0, 1.0])), 12)
    0.707106781187
    """
    _prepare(approx, exact, weights)
    approx, exact = _floating(approx), _floating(exact)
    denominator = weighted_l2(exact, weights=weights)
    if denominator == 0.0:
        raise ValueError("exact has zero norm; the relative error is undefined (use max_error)")
    return weighted_l2(approx - exact, weights=weights) / denominator


def max_error(approx: Any, exact: Any) -> float:
    """Maximum absolute error ``max |approx - exact|``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.metrics import max_error
    >>> max_error(np.array([1.0, 2.5]), np.array([1.0, 2.0]))
    0.5
    """
    xp = _prepare(approx, exact, None)
    approx, exact = _floating(approx), _floating(exact)
    return float(xp.max(xp.abs(approx - exact)))


def observed_order(errors: Sequence[float], h: Sequence[float]) -> float:
    """Observed convergence order: least-squares slope of ``log(error)`` against ``log(h)``.

    Parameters
    ----------
    errors : sequence of float
        Positive errors, one per resolution.
    h : sequence of float
        Positive mesh sizes (or any quantity the error is a power of), same length.

    Returns
    -------
    float
        ``p`` in ``error ≈ C h^p``.

    Examples
    --------
    >>> from validation.metrics import observed_order
    >>> round(observed_order([1e-2, 2.5e-3, 6.25e-4], [0.1, 0.05, 0.025]), 12)
    2.0
    """
    e = [float(v) for v in errors]
    hs = [float(v) for v in h]
    if len(e) != len(hs):
        raise ValueError(f"errors has {len(e)} entries but h has {len(hs)}")
    if len(e) < 2:
        raise ValueError("observed_order needs at least two resolutions")
    if not all(math.isfinite(v) and v > 0 for v in e):
        raise ValueError(f"errors must be finite and positive, got {e}")
    if not all(math.isfinite(v) and v > 0 for v in hs):
        raise ValueError(f"h must be finite and positive, got {hs}")
    if len(set(hs)) < 2:
        raise ValueError("h must contain at least two distinct values")
    lx = [math.log(v) for v in hs]
    ly = [math.log(v) for v in e]
    mx = sum(lx) / len(lx)
    my = sum(ly) / len(ly)
    sxy = sum((a - mx) * (b - my) for a, b in zip(lx, ly))
    sxx = sum((a - mx) ** 2 for a in lx)
    return sxy / sxx
