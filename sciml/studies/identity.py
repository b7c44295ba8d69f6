"""A point's identity: the hash of its canonical parameters, the problem's qualified name and the package version.

The hash is :func:`sciml.io.cache_key` of the same kind of record the data-set cache uses, so two
spellings of one point (``1`` and ``1.0`` excepted: JSON keeps int and float apart; key order and
numpy scalars do not matter) share one key, and a new package version never reuses an old point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sciml.io import cache_key, json_data

__all__ = ["point_key", "point_record"]


def point_record(problem: str, parameters: Mapping[str, Any], *, version: str | None = None) -> dict[str, Any]:
    """The record a point's key hashes: ``problem`` (``"module:function"``), ``parameters`` as JSON data, ``version``.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.studies import point_record
    >>> point_record("m:f", {"n": np.int64(8), "box": (0, 1)}, version="0.1.0")
    {'problem': 'm:f', 'parameters': {'n': 8, 'box': [0, 1]}, 'package_version': '0.1.0'}
    """
    if version is None:
        from sciml import __version__ as version
    plain = {}
    for name, value in parameters.items():
        try:
            plain[name] = json_data(value, name=name)
        except TypeError as exc:
            raise TypeError(f"{exc}: a study parameter must be JSON data") from None
    return {"problem": str(problem), "parameters": plain, "package_version": str(version)}


def point_key(problem: str, parameters: Mapping[str, Any], *, version: str | None = None) -> str:
    """The 20-hex-digit key of one point (see :func:`point_record`).

    Examples
    --------
    >>> from sciml.studies import point_key
    >>> point_key("m:f", {"n": 8, "nu": 0.1}) == point_key("m:f", {"nu": 0.1, "n": 8})
    True
    >>> point_key("m:f", {"n": 8}) == point_key("m:f", {"n": 8}, version="9.9")
    False
    """
    return cache_key(point_record(problem, parameters, version=version))
