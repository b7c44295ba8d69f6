"""Python values as plain JSON data: the one conversion behind cache keys and model headers."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from typing import Any

__all__ = ["json_data"]


def json_data(value: Any, *, name: str = "value", strict: bool = True) -> Any:
    """``value`` as JSON data: numpy/cupy scalars as Python numbers, tuples as lists, paths as strings.

    Parameters
    ----------
    value : any
    name : str
        The argument's name, for the error message.
    strict : bool
        Raise a TypeError for anything JSON cannot hold (cache keys), a ValueError for NaN and
        infinity; with ``False`` such a value is returned as it is, for a later, more specific
        error (model files).

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.io import json_data
    >>> json_data({"n": np.int64(3), "box": (0.0, np.float32(1.0))})
    {'n': 3, 'box': [0.0, 1.0]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy / cupy scalars
        return json_data(value.item(), name=name, strict=strict)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if strict and not math.isfinite(float(value)):
            raise ValueError(f"argument {name!r} = {value!r} is not finite; JSON (and a cache key) cannot hold it")
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (tuple, list)):
        return [json_data(v, name=name, strict=strict) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: json_data(v, name=name, strict=strict) for k, v in value.items()}
    if not strict:
        return value
    raise TypeError(f"argument {name!r} = {value!r} (type {type(value).__name__}) cannot be stored as JSON; "
                    "expected numbers, strings, None or lists/dicts of them")
