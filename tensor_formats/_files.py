"""Plain ``.npz`` files for fitted objects: a format tag, arrays only, never pickles."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

__all__ = ["read_npz", "write_npz"]


def write_npz(path: str | Path, tag: str, arrays: dict[str, Any]) -> None:
    """Write ``arrays`` (numpy arrays or numbers) and the format ``tag`` to ``path``."""
    import numpy as np

    np.savez(Path(path), format=np.asarray(tag), **{k: np.asarray(v) for k, v in arrays.items()})


def read_npz(path: str | Path, tag: str, what: str) -> dict[str, Any]:
    """All arrays of a file written by :func:`write_npz` with ``tag``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming ``what`` for
    anything else: a truncated or corrupted archive, a wrong or missing tag, or arrays that
    would need pickle to load.
    """
    import numpy as np

    try:
        with np.load(Path(path), allow_pickle=False) as data:
            if "format" not in data or str(data["format"]) != tag:
                raise ValueError(f"not a {what} file (missing or unknown format tag)")
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, EOFError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid {what} file: {exc}") from exc
