"""Chebyshev–Tucker files: core, factors, domain and tolerance as plain arrays in an ``.npz``
written atomically through :mod:`sciml.io` (no pickled objects), with a format tag and version.

:func:`load` takes the class to build, so that this module never imports the class.

Examples
--------
>>> import tempfile, pathlib
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.files import load, save
>>> f = ChebyshevTucker.constant(2.0, [(0, 1)])
>>> with tempfile.TemporaryDirectory() as folder:
...     save(f, pathlib.Path(folder) / "f.npz")
...     load(ChebyshevTucker, pathlib.Path(folder) / "f.npz").integral()
2.0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sciml.backend import to_numpy

__all__ = ["load", "save"]

_FORMAT, _FORMAT_VERSION = "sciml.ChebyshevTucker", 1


def save(f: Any, path: str | Path) -> None:
    """Write an ``.npz`` file (plain arrays only: no pickled objects), atomically."""
    from sciml.io import write_arrays

    arrays = {f"factor_{k}": to_numpy(v) for k, v in enumerate(f.factors)}
    write_arrays(path, {"core": to_numpy(f.core), "domain": [list(ab) for ab in f.domain],
                        "tol": f.tol, **arrays}, format=_FORMAT, version=_FORMAT_VERSION)


def load(cls: type, path: str | Path, *, backend: str = "numpy") -> Any:
    """Read a file written by :func:`save` (never unpickles); a damaged file raises ``ValueError``."""
    from sciml.io import ArraySpec, read_arrays

    data = read_arrays(path, format=_FORMAT, max_version=_FORMAT_VERSION,
                       expect={"core": ArraySpec(finite=True), "tol": ArraySpec(shape=()),
                               "domain": ArraySpec(shape=(None, 2), dtype="f", finite=True)}).arrays
    try:
        domain = [tuple(row) for row in data["domain"].tolist()]
        factors = [data[f"factor_{k}"] for k in range(len(domain))]
        model = cls(data["core"], factors, domain, tol=float(data["tol"]))
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid {_FORMAT} file: {exc}") from exc
    return model if backend == "numpy" else model.to_backend(backend)
