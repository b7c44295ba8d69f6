"""An on-disk cache for data-set generators, keyed by the generator's full bound signature.

The key of a call is the hash of the generator's qualified name, every argument after
``inspect.signature(...).bind(...).apply_defaults()`` (except those declared not to affect
the data), the package version and the data-format version. The full record is stored in
the file and compared on read: a file whose record differs, or that is damaged, is
regenerated with a ``logging`` warning, never returned. A keyword added to a generator is
part of the key without anyone copying it into a dict.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .arrays import read_arrays, write_arrays
from .plain import json_data

__all__ = ["Codec", "cache_dir", "cache_key", "cached_dataset"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_FORMAT = "sciml.DatasetCache"
_FORMAT_VERSION = 1


def cache_dir() -> Path:
    """The default cache folder: ``$SCIML_CACHE_DIR`` if set and not empty, else ``~/.cache/sciml``.

    Examples
    --------
    >>> import os
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> from sciml.io import cache_dir
    >>> with mock.patch.dict(os.environ, {"SCIML_CACHE_DIR": ""}):  # empty: the default, never "."
    ...     cache_dir() == Path.home() / ".cache" / "sciml"
    True
    """
    value = os.environ.get("SCIML_CACHE_DIR", "")
    return Path(value).expanduser() if value.strip() else Path.home() / ".cache" / "sciml"


def _plain(name: str, value: Any) -> Any:
    """``value`` as JSON data (the form that is hashed and stored), or a TypeError naming it."""
    try:
        return json_data(value, name=name)
    except TypeError as exc:
        raise TypeError(f"{exc}: it cannot be part of a cache key (declare arguments that do not affect the "
                        "data in cached_dataset(ignore=...))") from None


def _record(generator: Callable, arguments: Mapping[str, Any], format_version: int) -> dict[str, Any]:
    from sciml import __version__

    return {"generator": f"{generator.__module__}.{generator.__qualname__}",
            "arguments": {k: _plain(k, v) for k, v in arguments.items()},
            "package_version": str(__version__), "format_version": int(format_version)}


def _canonical(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def cache_key(record: Mapping[str, Any]) -> str:
    """The 20-hex-digit hash of a call's record (see :func:`cached_dataset`).

    Examples
    --------
    >>> from sciml.io import cache_key
    >>> cache_key({"generator": "m.f", "arguments": {"n": 3}}) == cache_key({"arguments": {"n": 3}, "generator": "m.f"})
    True
    """
    return hashlib.sha256(_canonical(record).encode()).hexdigest()[:20]


def _arrays_only(result: Any) -> Mapping[str, Any]:
    return result


def _as_read(arrays: dict[str, Any], arguments: Mapping[str, Any]) -> Any:
    return arrays


def _unchanged(result: T, record: dict[str, Any]) -> T:
    return result


@dataclass(frozen=True)
class Codec:
    """How a generator's result becomes named arrays in a cache file, and back.

    Attributes
    ----------
    encode : callable
        ``encode(result) -> {name: array}`` (host arrays, numeric).
    decode : callable
        ``decode(arrays, arguments) -> result``; ``arguments`` are the call's bound arguments
        (all of them, e.g. ``backend`` to put the arrays on). A ``ValueError`` or
        ``KeyError`` marks the file as damaged.
    attach : callable
        ``attach(result, record) -> result``: records the call's parameters on the result
        (fresh or read); by default the result is returned unchanged.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from sciml.io import Codec, cached_dataset
    >>> pair = Codec(encode=lambda r: {"a": r[0], "b": r[1]}, decode=lambda arrays, arguments: (arrays["a"], arrays["b"]))
    >>> @cached_dataset(format_version=1, codec=pair)
    ... def two_arrays(n: int, *, cache=True):
    ...     return np.zeros(n), np.ones(n)
    >>> folder = tempfile.mkdtemp()
    >>> [a.tolist() for a in two_arrays(2, cache=folder)] == [a.tolist() for a in two_arrays(2, cache=folder)]   # generated, then read
    True
    """

    encode: Callable[[Any], Mapping[str, Any]] = _arrays_only
    decode: Callable[[dict[str, Any], Mapping[str, Any]], Any] = _as_read
    attach: Callable[[Any, dict[str, Any]], Any] = _unchanged


def cached_dataset(*, format_version: int, ignore: Iterable[str] = (), cache_argument: str = "cache",
                   codec: Codec = Codec()) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate a data-set generator so that each distinct call is generated once and kept on disk.

    The generator's argument ``cache_argument`` (``True``: :func:`cache_dir`; a folder; or
    ``False``: no cache) chooses where. The file ``<folder>/<generator name>-<key>.npz``
    (:func:`~sciml.io.write_arrays`, written atomically, no pickle) stores the result and
    the call's record: the generator's qualified name, every bound argument after defaults
    except ``ignore`` and ``cache_argument``, the package version and ``format_version``.
    On a hit the stored record is compared with the call's; a file with another record, or
    a damaged one, is regenerated, with a warning on the ``sciml.io.cache`` logger (and a
    ``RuntimeWarning`` for a damaged file).

    Parameters
    ----------
    format_version : int
        The data-format version: bump it when the generation changes, so no old file is reused.
    ignore : iterable of str
        Arguments that do not change the data (``backend``, ``progress``): left out of the key.
    cache_argument : str
        The generator's argument that selects the cache.
    codec : Codec
        Conversion of the result to arrays and back; by default the generator returns a dict
        of numpy arrays.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from sciml.io import cached_dataset
    >>> calls = []
    >>> @cached_dataset(format_version=1)
    ... def squares(n: int, *, scale: float = 1.0, cache=True):
    ...     calls.append(n)
    ...     return {"y": scale * np.arange(n) ** 2}
    >>> folder = tempfile.mkdtemp()
    >>> squares(4, cache=folder)["y"].tolist(), squares(4, cache=folder)["y"].tolist(), len(calls)
    ([0.0, 1.0, 4.0, 9.0], [0.0, 1.0, 4.0, 9.0], 1)
    >>> squares(4, scale=2.0, cache=folder)["y"].tolist(), len(calls)   # another argument: another file
    ([0.0, 2.0, 8.0, 18.0], 2)
    """
    ignored = frozenset(ignore) | {cache_argument}

    def decorate(generator: Callable[..., T]) -> Callable[..., T]:
        signature = inspect.signature(generator)
        unknown = ignored - set(signature.parameters)
        if unknown:
            raise TypeError(f"{generator.__qualname__} has no argument(s) {sorted(unknown)} named in ignore/cache_argument")

        @functools.wraps(generator)
        def cached(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            record = _record(generator, {k: v for k, v in arguments.items() if k not in ignored}, format_version)
            folder = _folder(arguments[cache_argument], cache_argument)
            if folder is None:
                return codec.attach(generator(*args, **kwargs), record)
            path = folder / f"{generator.__name__}-{cache_key(record)}.npz"
            if path.exists():
                result = _load(path, record, arguments, codec)
                if result is not None:
                    return codec.attach(result, record)
            result = generator(*args, **kwargs)
            write_arrays(path, codec.encode(result), format=_FORMAT, version=_FORMAT_VERSION, metadata=record)
            return codec.attach(result, record)

        return cached

    return decorate


def _folder(cache: Any, name: str) -> Path | None:
    if cache is False or cache is None:
        return None
    if cache is True:
        return cache_dir()
    if isinstance(cache, (str, os.PathLike)):
        return Path(cache).expanduser()
    raise TypeError(f"{name} must be True, False or a folder, got {cache!r}")


def _load(path: Path, record: dict[str, Any], arguments: Mapping[str, Any], codec: Codec) -> Any:
    """The cached result, or None (with a logged reason) if the file cannot be used."""
    try:
        content = read_arrays(path, format=_FORMAT, max_version=_FORMAT_VERSION)
        stored = content.metadata
        if _canonical(stored) != _canonical(record):
            differ = sorted(k for k in set(stored) | set(record) if k != "arguments" and stored.get(k) != record.get(k))
            old, new = stored.get("arguments", {}), record["arguments"]
            if isinstance(old, dict):
                differ += [f"arguments.{k}" for k in sorted(set(old) | set(new)) if old.get(k, ...) != new.get(k, ...)]
            logger.warning("cache file %s was written for other parameters (%s differ); regenerating",
                           path, ", ".join(differ) or "record")
            return None
        return codec.decode(content.arrays, arguments)
    except FileNotFoundError:
        return None  # removed meanwhile
    except (ValueError, KeyError) as exc:
        logger.warning("cache file %s is damaged (%s); regenerating", path, exc)
        warnings.warn(f"cache file {path} is damaged ({exc}); regenerating", RuntimeWarning, stacklevel=3)
        return None
