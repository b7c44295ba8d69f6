"""Reading a model file's header without torch and without trusting it.

A ``.safetensors`` file is an 8-byte little-endian header length, a JSON header (tensor names
with dtype, shape and byte range, plus a ``__metadata__`` dict of strings) and the tensor bytes.
:func:`read_header` reads and checks that structure itself, with size limits, before anything
else touches the file; our JSON header (class, arguments, versions, training metadata) sits in
``__metadata__["sciml-model"]``.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_HEADER_BYTES", "METADATA_KEY", "Header", "TensorEntry", "read_header"]

#: The format tag of a model file.
FORMAT = "sciml-model"
#: The newest format version this code reads (and the one it writes).
FORMAT_VERSION = 1
#: Key of our JSON header inside the safetensors ``__metadata__``.
METADATA_KEY = "sciml-model"
#: A larger safetensors header is refused unread.
MAX_HEADER_BYTES = 16 * 2**20

#: safetensors dtype -> bytes per element (the dtypes a model file may contain).
ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

_CLASS = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TensorEntry:
    """One tensor as the file declares it."""

    dtype: str
    shape: tuple[int, ...]
    nbytes: int


@dataclass(frozen=True)
class Header:
    """What a model file says about itself (checked for structure, not yet against a class).

    Attributes
    ----------
    format_version : int
    cls : str
        ``"package.module:Class"``.
    arguments : dict
        Constructor arguments.
    package_version : str
    dtype : str
        The model's floating dtype, e.g. ``"float32"``.
    metadata : dict
        Free training metadata given to :func:`sciml.models.save`.
    complex : list of str
        Tensors stored as ``view_as_real`` of a complex tensor (last axis: real, imaginary).
    tensors : dict of str to TensorEntry
    """

    format_version: int
    cls: str
    arguments: dict[str, Any]
    package_version: str
    dtype: str
    metadata: dict[str, Any]
    complex: list[str]
    tensors: dict[str, TensorEntry] = field(repr=False)

    @property
    def nbytes(self) -> int:
        """Bytes of all tensors."""
        return sum(t.nbytes for t in self.tensors.values())


def _fail(path: Path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid model file: {problem}")


def _tensor_table(path: Path, raw: dict, data_bytes: int) -> dict[str, TensorEntry]:
    tensors, ranges = {}, []
    for name, entry in raw.items():
        if name == "__metadata__":
            continue
        if not (isinstance(entry, dict) and set(entry) == {"dtype", "shape", "data_offsets"}):
            raise _fail(path, f"tensor {name!r} is not described by dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in ITEMSIZE:
            raise _fail(path, f"tensor {name!r} has dtype {dtype!r}; expected one of {sorted(ITEMSIZE)}")
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise _fail(path, f"tensor {name!r} has shape {shape!r}; expected a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(n) is int for n in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            raise _fail(path, f"tensor {name!r} has data_offsets {offsets!r}")
        nbytes = math.prod(shape) * ITEMSIZE[dtype]
        if offsets[1] - offsets[0] != nbytes:
            raise _fail(path, f"tensor {name!r} of shape {shape} ({dtype}) needs {nbytes} bytes, "
                              f"its byte range holds {offsets[1] - offsets[0]}")
        tensors[name] = TensorEntry(dtype, tuple(shape), nbytes)
        ranges.append(tuple(offsets))
    position = 0
    for begin, end in sorted(ranges):
        if begin != position:
            raise _fail(path, "tensor byte ranges overlap or leave gaps")
        position = end
    if position != data_bytes:
        raise _fail(path, f"the tensors declare {position} bytes of data, the file holds {data_bytes} "
                          f"(truncated or padded)")
    return tensors


def read_header(path: str | Path, *, max_bytes: int) -> Header:
    """Read and check a model file's header; the tensor data are not read.

    Parameters
    ----------
    path : path
    max_bytes : int
        Largest total tensor size accepted.

    Returns
    -------
    Header

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming the path and the problem: not a safetensors file (a pickle, a zip archive), a header
        over :data:`MAX_HEADER_BYTES`, truncated data, a foreign format tag, a newer format version,
        a malformed field, tensors over ``max_bytes``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.models.header import read_header
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "model.safetensors"
    ...     _ = path.write_bytes(b"\\x80\\x04\\x95" + bytes(20))      # a pickle, renamed
    ...     try:
    ...         read_header(path, max_bytes=2**20)
    ...     except ValueError as exc:
    ...         print(str(exc).split(": ", 1)[1])
    header length 9766016 > 15 bytes available (limit 16 MiB): not a safetensors file, or truncated
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    size = path.stat().st_size
    with path.open("rb") as f:
        start = f.read(8)
        if len(start) < 8:
            raise _fail(path, f"{size} bytes are too few for a safetensors header")
        (length,) = struct.unpack("<Q", start)
        if length > min(MAX_HEADER_BYTES, size - 8):
            raise _fail(path, f"header length {length} > {min(MAX_HEADER_BYTES, size - 8)} bytes available "
                              f"(limit 16 MiB): not a safetensors file, or truncated")
        text = f.read(length)
    try:
        raw = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, f"its header is not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise _fail(path, "its header is not a JSON object")
    tensors = _tensor_table(path, raw, size - 8 - length)
    total = sum(t.nbytes for t in tensors.values())
    if total > max_bytes:
        raise _fail(path, f"its tensors hold {total} bytes, more than max_bytes={max_bytes}")
    outer = raw.get("__metadata__")
    if not isinstance(outer, dict) or not isinstance(outer.get(METADATA_KEY), str):
        raise _fail(path, f"its safetensors metadata has no {METADATA_KEY!r} entry (weights saved by another "
                          f"program, not by sciml.models.save)")
    try:
        header = json.loads(outer[METADATA_KEY])
    except json.JSONDecodeError as exc:
        raise _fail(path, f"its {METADATA_KEY!r} header is not JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else header
        raise _fail(path, f"format tag {found!r}, expected {FORMAT!r}")
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise _fail(path, f"format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise _fail(path, f"it was written in format version {version}, newer than version {FORMAT_VERSION} "
                          f"that this sciml reads: update sciml to load it")
    expected = {"class": str, "arguments": dict, "package_version": str, "dtype": str, "metadata": dict,
                "complex": list}
    for key, kind in expected.items():
        if not isinstance(header.get(key), kind):
            raise _fail(path, f"header field {key!r} is {header.get(key)!r}, expected a {kind.__name__}")
    if not _CLASS.match(header["class"]):
        raise _fail(path, f"class {header['class']!r} is not of the form 'package.module:Class'")
    complex_names = header["complex"]
    for name in complex_names:
        entry = tensors.get(name) if isinstance(name, str) else None
        if entry is None or entry.dtype not in ("F32", "F64") or not entry.shape or entry.shape[-1] != 2:
            raise _fail(path, f"complex tensor {name!r} is not stored as a float tensor with a last axis of 2")
    return Header(version, header["class"], header["arguments"], header["package_version"], header["dtype"],
                  header["metadata"], list(complex_names), tensors)
