"""Checked array files: ``.npz`` with a format tag, a format version and JSON metadata.

A file holds plain numeric arrays (never pickled objects), the entry ``format`` =
``"<format>/<version>"`` and, optionally, the entry ``metadata`` (a JSON text). Reading
checks the tag and the version, optionally shapes, dtypes and finiteness, and turns every
kind of damage (truncation, corruption, a foreign file, pickled content) into a
``ValueError`` that names the file and what was expected.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import atomic_write

__all__ = ["ArrayFile", "ArraySpec", "FormatVersionError", "read_arrays", "write_arrays"]

_RESERVED = ("format", "metadata")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
#: What numpy, zipfile and zlib raise on a damaged, truncated or foreign file.
_DAMAGE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error)


class FormatVersionError(ValueError):
    """A file written by a newer version of its format than this code reads.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sciml.io import FormatVersionError, read_arrays, write_arrays
    >>> path = Path(tempfile.mkdtemp()) / "c.npz"
    >>> write_arrays(path, {"x": np.arange(3.0)}, format="demo.X", version=3)
    >>> try:
    ...     read_arrays(path, format="demo.X", max_version=2)
    ... except FormatVersionError:
    ...     print("written by a newer version")
    written by a newer version
    """


@dataclass(frozen=True)
class ArraySpec:
    """What one entry of a file must look like.

    Attributes
    ----------
    shape : tuple of (int or None), optional
        The expected shape; ``None`` on an axis accepts any length there, ``shape=None``
        any shape.
    dtype : str, optional
        A numpy dtype (``"float64"``: exactly that) or a one-letter kind (``"f"`` floating,
        ``"i"`` signed integer, ``"u"``, ``"b"``, ``"c"``, ``"U"``: any of that kind).
    finite : bool
        Every value must be finite (no NaN or infinity).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sciml.io import ArraySpec, read_arrays, write_arrays
    >>> path = Path(tempfile.mkdtemp()) / "a.npz"
    >>> write_arrays(path, {"u": np.zeros((4, 3))}, format="demo.U", version=1)
    >>> read_arrays(path, format="demo.U", max_version=1, expect={"u": ArraySpec((None, 3), "f", finite=True)}).arrays["u"].shape
    (4, 3)
    >>> read_arrays(path, format="demo.U", max_version=1, expect={"u": ArraySpec((None, 5))})
    Traceback (most recent call last):
        ...
    ValueError: ...
    """

    shape: tuple[int | None, ...] | None = None
    dtype: str | None = None
    finite: bool = False


@dataclass(frozen=True)
class ArrayFile:
    """The content of a file read by :func:`read_arrays`.

    Attributes
    ----------
    arrays : dict of str to numpy.ndarray
    metadata : dict
        The JSON metadata given to :func:`write_arrays` (``{}`` when there was none).
    version : int
        The format version the file was written with.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sciml.io import ArrayFile, read_arrays, write_arrays
    >>> path = Path(tempfile.mkdtemp()) / "b.npz"
    >>> write_arrays(path, {"x": np.arange(3.0)}, format="demo.X", version=1, metadata={"n": 3})
    >>> content = read_arrays(path, format="demo.X", max_version=1)
    >>> isinstance(content, ArrayFile), content.metadata, content.version
    (True, {'n': 3}, 1)
    """

    arrays: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    version: int = 1


def write_arrays(path: str | Path, arrays: Mapping[str, Any], *, format: str, version: int,
                 metadata: Mapping[str, Any] | None = None) -> None:
    """Write numeric ``arrays``, the format tag and JSON ``metadata`` to ``path``, atomically.

    Parameters
    ----------
    path : str or Path
        The file to write (written as given: no ``.npz`` is appended).
    arrays : mapping of str to array-like
        Numeric or string arrays (numpy scalars and lists are converted); object arrays are
        refused, since they would need pickle to read.
    format : str
        The format's name, e.g. ``"sciml.ChebyshevTucker"`` (no ``"/"``).
    version : int
        The format version (>= 1) this writer produces.
    metadata : mapping, optional
        JSON-serialisable values stored beside the arrays.

    Raises
    ------
    ValueError
        For a reserved entry name (``format``, ``metadata``), an object array, a format name
        with ``"/"``, a version below 1, or metadata that is not JSON.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sciml.io import read_arrays, write_arrays
    >>> path = Path(tempfile.mkdtemp()) / "grid.npz"
    >>> write_arrays(path, {"x": np.linspace(0, 1, 3)}, format="demo.Grid", version=2,
    ...              metadata={"unit": "m"})
    >>> content = read_arrays(path, format="demo.Grid", max_version=2)
    >>> content.arrays["x"].tolist(), content.metadata, content.version
    ([0.0, 0.5, 1.0], {'unit': 'm'}, 2)
    """
    import numpy as np

    if not isinstance(format, str) or not format or "/" in format:
        raise ValueError(f"format must be a non-empty name without '/', got {format!r}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be an integer >= 1, got {version!r}")
    entries = {"format": np.asarray(f"{format}/{version}")}
    try:
        entries["metadata"] = np.asarray(json.dumps(dict(metadata or {}), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata must be JSON-serialisable: {exc}") from exc
    for name, value in arrays.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"array name {name!r} must be letters, digits, '_', '.' or '-' (no path separators)")
        if name in _RESERVED:
            raise ValueError(f"array name {name!r} is reserved (reserved: {', '.join(_RESERVED)})")
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise ValueError(f"array {name!r} has dtype object, which would need pickle; "
                             "expected numeric or string values")
        entries[name] = array
    atomic_write(path, lambda f: np.savez(f, **entries))


def read_arrays(path: str | Path, *, format: str, max_version: int,
                expect: Mapping[str, ArraySpec] | None = None) -> ArrayFile:
    """Read a file written by :func:`write_arrays`, checking it on the way (never unpickles).

    Parameters
    ----------
    path : str or Path
    format : str
        The format name the file must carry.
    max_version : int
        The newest format version this reader understands.
    expect : mapping of str to ArraySpec, optional
        Entries that must exist, with their shape, dtype and finiteness.

    Returns
    -------
    ArrayFile
        The arrays, the metadata and the file's format version.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FormatVersionError
        (a ``ValueError``) if the file was written by a newer format version; the message
        names both versions.
    ValueError
        For a truncated, corrupted or foreign file, a wrong format, pickled content, or an
        entry that does not match ``expect``; the message names the path.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sciml.io import ArraySpec, read_arrays, write_arrays
    >>> path = Path(tempfile.mkdtemp()) / "field.npz"
    >>> write_arrays(path, {"u": np.zeros((2, 3))}, format="demo.Field", version=3)
    >>> read_arrays(path, format="demo.Field", max_version=2)
    Traceback (most recent call last):
    ...
    sciml.io.arrays.FormatVersionError: ... was written by demo.Field format version 3; this code reads versions up to 2
    >>> read_arrays(path, format="demo.Field", max_version=3, expect={"u": ArraySpec(shape=(None, 4))})
    Traceback (most recent call last):
    ...
    ValueError: ... entry 'u' has shape (2, 3), expected (None, 4)
    """
    import numpy as np

    path = Path(path)
    what = f"{format} file"
    try:
        _check_declared_sizes(path)
        loaded = np.load(path, allow_pickle=False)
        if not hasattr(loaded, "files"):  # a bare .npy array
            raise ValueError("a single array, not an .npz archive")
        with loaded as data:
            entries = {name: data[name] for name in data.files}  # read (and check) every member now
    except FileNotFoundError:
        raise
    except _DAMAGE as exc:
        raise ValueError(f"{path} is not a valid {what} (truncated, corrupted or foreign: "
                         f"{type(exc).__name__}: {exc})") from exc
    tag = entries.pop("format", None)
    if tag is None or tag.dtype.kind != "U" or tag.shape != ():
        raise ValueError(f"{path} is not a valid {what}: it has no format tag (expected {format!r})")
    name, _, number = str(tag).rpartition("/")
    if name != format or not number.isdigit():
        raise ValueError(f"{path} is not a valid {what}: its format tag is {str(tag)!r}, expected {format!r}")
    version = int(number)
    if version > int(max_version):
        raise FormatVersionError(f"{path} was written by {format} format version {version}; "
                                 f"this code reads versions up to {int(max_version)}")
    metadata = {}
    if "metadata" in entries:
        text = entries.pop("metadata")
        try:
            metadata = json.loads(str(text)) if text.dtype.kind == "U" else None
        except ValueError:
            metadata = None
        if not isinstance(metadata, dict):
            raise ValueError(f"{path} is not a valid {what}: its metadata entry is not a JSON object")
    for key, spec in (expect or {}).items():
        _check(path, key, entries.get(key), spec)
    return ArrayFile(entries, metadata, version)


def _check_declared_sizes(path: Path) -> None:
    """Read every member's ``.npy`` header (not its data) and refuse a member whose declared
    shape needs more bytes than it holds, or an object dtype, *before* numpy allocates the
    array: a 200-byte file must not be able to ask for 40 GB."""
    import math

    import numpy as np

    if not zipfile.is_zipfile(path):
        return  # np.load reports what it is (a bare .npy array, a pickle: refused there)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy") or "/" in info.filename or "\\" in info.filename:
                raise ValueError(f"member {info.filename!r} is not an array entry")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                          else np.lib.format.read_array_header_2_0)
                shape, _, dtype = reader(member)
            if dtype.hasobject:
                raise ValueError(f"entry {info.filename[:-4]!r} has dtype object (pickled content)")
            declared = math.prod(shape) * dtype.itemsize
            if declared > info.file_size:
                raise ValueError(f"entry {info.filename[:-4]!r} declares shape {shape} of {dtype} "
                                 f"({declared} bytes) but holds {info.file_size} bytes")


def _check(path: Path, key: str, array, spec: ArraySpec) -> None:
    import numpy as np

    if array is None:
        raise ValueError(f"{path}: entry {key!r} is missing")
    if spec.shape is not None:
        expected = tuple(spec.shape)
        if len(expected) != array.ndim or any(e is not None and e != s for e, s in zip(expected, array.shape)):
            raise ValueError(f"{path}: entry {key!r} has shape {array.shape}, expected {expected}")
    if spec.dtype is not None:
        wanted = str(spec.dtype)
        ok = array.dtype.kind == wanted if len(wanted) == 1 else array.dtype == np.dtype(wanted)
        if not ok:
            raise ValueError(f"{path}: entry {key!r} has dtype {array.dtype}, expected {wanted}")
    if spec.finite and (array.dtype.kind not in "biufc" or not bool(np.all(np.isfinite(array)))):
        raise ValueError(f"{path}: entry {key!r} contains NaN or infinite values (or is not numeric)")
