"""Files: atomic writes, checked array files and the data-set cache (foundation layer).

* :func:`atomic_write` — temporary file beside the target, fsync, rename: a crash leaves the
  old file or the new one, never a partial one; new files follow the umask;
* :func:`write_arrays` / :func:`read_arrays` — ``.npz`` files with a format tag, a format
  version and JSON metadata, read without pickle and checked (:class:`ArraySpec`), every
  kind of damage reported as a ``ValueError`` naming the file;
* :func:`cached_dataset` — an on-disk cache for data-set generators keyed by their full bound
  signature (:func:`cache_key`, :func:`cache_dir`, :class:`Codec`).

Imports only the standard library, numpy (lazily) and nothing else of this project.
"""

from .arrays import ArrayFile, ArraySpec, FormatVersionError, read_arrays, write_arrays
from .atomic import atomic_write
from .cache import Codec, cache_dir, cache_key, cached_dataset
from .plain import json_data

__all__ = [
    "ArrayFile", "ArraySpec", "Codec", "FormatVersionError", "atomic_write", "cache_dir", "cache_key",
    "cached_dataset", "json_data", "read_arrays", "write_arrays",
]
