"""The study store: one folder, keyed by point, safe against SIGKILL at any moment.

Layout of ``<store>/``:

* ``study.json`` — provenance: the resolved spec, its fingerprint, the environment (versions,
  backend, device, host), written atomically when a run starts;
* ``lock`` — the running study's owner (pid, host, start time), created exclusively;
* ``points/<key>.zarr`` — the point's arrays, a zarr group written under a temporary name and
  renamed into place;
* ``rows/<key[:2]>/<key>.parquet`` — the point's scalars, one row, written atomically *after* its
  arrays: this file is what makes a point complete (a worker running a batch of cheap points
  writes their rows together, at most a second apart, as ``rows/<key[:2]>/batch-<first key>-<n>.parquet``);
  256 shard folders keep every folder small;
* ``failed/<key>.json`` — a failed point's error and traceback (not complete: retried with
  ``retry_failed``);
* ``results.parquet`` — the consolidated table of complete points (rows are merged into it and
  their files removed when a run ends and on ``collect``; a point is complete when its key is in
  either place).

Workers write their own points (no single writer); only the run that holds the lock
consolidates.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sciml.io import atomic_write
from sciml.io.atomic import _process_alive  # the one liveness test of a writer's pid

from .errors import StoreError, StoreLockedError

__all__ = ["StudyStore"]

FORMAT = "sciml.study"
FORMAT_VERSION = 1


def _write_failed(path: Path, exc: OSError) -> StoreError:
    return StoreError(f"cannot write the study store at {path}: {exc.strerror or exc} "
                      "(nothing of the point was marked complete)")


class StudyStore:
    """The folder of one study (see the module docstring for its layout).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from sciml.studies import StudyStore
    >>> store = StudyStore(tempfile.mkdtemp())
    >>> store.write_point("k1", {"key": "k1", "status": "ok", "err": 0.5}, {"u": np.zeros(3)})
    >>> store.write_rows([{"key": "k2", "status": "ok", "err": 0.25}, {"key": "k3", "status": "ok", "err": 0.0}])
    >>> sorted(store.complete_keys()), store.read_arrays("k1")["u"].tolist()
    (['k1', 'k2', 'k3'], [0.0, 0.0, 0.0])
    >>> with store.locked():
    ...     sorted(store.consolidate()["err"].tolist())
    [0.0, 0.25, 0.5]
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        self.provenance = self.path / "study.json"
        self.lock_file = self.path / "lock"
        self.points = self.path / "points"
        self.rows = self.path / "rows"
        self.failed = self.path / "failed"
        self.table = self.path / "results.parquet"

    def __repr__(self) -> str:
        return f"StudyStore({str(self.path)!r})"

    # -- the lock ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (a file with this process's pid and host) for the block.

        A lock left by a dead process of this host is taken over; a live owner's raises
        :class:`StoreLockedError`; a store that cannot be written raises :class:`StoreError`.
        """
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        try:
            for folder in (self.path, self.points, self.rows, self.failed):
                folder.mkdir(parents=True, exist_ok=True)
            self._create_lock(owner)
        except StoreError:
            raise
        except OSError as exc:
            raise _write_failed(self.path, exc) from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                if self.owner() == owner:
                    self.lock_file.unlink()

    def owner(self) -> dict[str, Any] | None:
        """The lock's content, or None when the study is not running."""
        try:
            return json.loads(self.lock_file.read_text())
        except (OSError, ValueError):
            return None

    def _create_lock(self, owner: dict[str, Any]) -> None:
        for _ in range(2):
            try:
                handle = os.open(self.lock_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                current = self.owner()
                if current is None:
                    time.sleep(0.05)  # being written right now, or damaged: look once more
                    current = self.owner() or {"pid": -1, "host": socket.gethostname()}
                if current.get("host") == socket.gethostname() and not _process_alive(int(current.get("pid", -1))):
                    with contextlib.suppress(FileNotFoundError):
                        self.lock_file.unlink()  # its owner is dead (killed): take over
                    continue
                raise StoreLockedError(
                    f"the study store {self.path} is in use by pid {current.get('pid')} on host {current.get('host')}; "
                    f"wait for that run, or remove {self.lock_file} if it is dead") from None
            with os.fdopen(handle, "w") as f:
                json.dump(owner, f)
            return
        raise StoreLockedError(f"could not take the lock {self.lock_file}")

    def remove_temporaries(self) -> None:
        """Remove the temporaries of killed writers (only with the lock held: no writer is running)."""
        folders = [self.points, self.failed]
        with contextlib.suppress(OSError):
            folders += [p for p in self.rows.iterdir() if p.is_dir()]
        for folder in folders:
            with contextlib.suppress(OSError):
                for entry in folder.iterdir():
                    if entry.name.endswith(".tmp") or entry.name.endswith(".tmp.zarr"):
                        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    # -- provenance --------------------------------------------------------------------------------
    def read_provenance(self) -> dict[str, Any] | None:
        """``study.json`` as a dict, or None for a new store."""
        try:
            data = json.loads(self.provenance.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.provenance} is damaged ({exc}); use a new store or force_new") from None
        if data.get("format") != FORMAT:
            raise StoreError(f"{self.path} is not a study store (format {data.get('format')!r})")
        if int(data.get("format_version", 0)) > FORMAT_VERSION:
            raise StoreError(f"{self.path} was written by a newer store format ({data.get('format_version')})")
        return data

    def write_provenance(self, data: Mapping[str, Any]) -> None:
        """Write ``study.json`` atomically."""
        record = {"format": FORMAT, "format_version": FORMAT_VERSION, **data}
        text = json.dumps(record, indent=1, sort_keys=True, default=str).encode()
        try:
            atomic_write(self.provenance, lambda f: f.write(text))
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def set_aside(self) -> Path:
        """Rename the whole store to ``<store>.replaced-<time>`` (``force_new``); returns the new name."""
        target = self.path.with_name(f"{self.path.name}.replaced-{time.strftime('%Y%m%dT%H%M%S')}-"
                                     f"{secrets.token_hex(2)}")
        try:
            os.rename(self.path, target)
        except OSError as exc:
            raise _write_failed(self.path, exc) from None
        return target

    # -- points ------------------------------------------------------------------------------------
    def write_point(self, key: str, row: Mapping[str, Any], arrays: Mapping[str, Any]) -> None:
        """Write a complete point: its arrays (:meth:`write_arrays`), then its row (:meth:`write_rows`)."""
        self.write_arrays(key, arrays)
        self.write_rows([row])

    def write_arrays(self, key: str, arrays: Mapping[str, Any]) -> None:
        """Write a point's arrays to ``points/<key>.zarr`` (a temporary name, then a rename)."""
        if not arrays:
            return
        try:
            self._write_group(key, arrays)
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def write_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write the rows of points whose arrays are written, in one atomic Parquet file: they are complete."""
        if not rows:
            return
        first = str(rows[0]["key"])
        name = f"{first}.parquet" if len(rows) == 1 else f"batch-{first}-{len(rows)}.parquet"
        try:
            _write_parquet(self.rows / first[:2] / name, [dict(r) for r in rows])
            for row in rows:
                with contextlib.suppress(FileNotFoundError):
                    (self.failed / f"{row['key']}.json").unlink()
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def _write_group(self, key: str, arrays: Mapping[str, Any]) -> None:
        import zarr

        from sciml.backend import to_numpy

        final = self.points / f"{key}.zarr"
        temporary = self.points / f".{key}.{os.getpid()}-{secrets.token_hex(4)}.tmp.zarr"
        try:
            group = zarr.open_group(temporary, mode="w")
            for name, value in arrays.items():
                value = to_numpy(value)
                # uncompressed (PDE fields gain little from zstd, which doubles the write time) and one
                # chunk up to 64 MB: the fewest files to write
                chunks = value.shape if value.nbytes <= 64 * 2**20 and value.ndim else "auto"
                group.create_array(name, data=value, compressors=None, chunks=chunks)
            if final.exists():  # left by a run killed between this rename and its row file
                shutil.rmtree(final)
            os.rename(temporary, final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    def write_failure(self, key: str, record: Mapping[str, Any]) -> None:
        """Record a failed point (error text and traceback) in ``failed/<key>.json``."""
        text = json.dumps(dict(record), default=str).encode()
        try:
            atomic_write(self.failed / f"{key}.json", lambda f: f.write(text))
        except OSError as exc:
            raise _write_failed(self.path, exc) from None

    def read_arrays(self, key: str) -> dict[str, Any]:
        """The arrays of a complete point as numpy arrays (empty when it has none)."""
        import zarr

        path = self.points / f"{key}.zarr"
        if not path.exists():
            return {}
        group = zarr.open_group(path, mode="r")
        return {name: array[...] for name, array in group.arrays()}

    # -- reading the table -------------------------------------------------------------------------
    def _row_files(self) -> list[Path]:
        files = []
        try:
            shards = [p for p in self.rows.iterdir() if p.is_dir()]
        except FileNotFoundError:
            return []
        for shard in shards:
            with contextlib.suppress(FileNotFoundError):
                files += [p for p in shard.iterdir() if p.name.endswith(".parquet")]
        return files

    def _table_keys(self) -> set[str]:
        import pyarrow.parquet as pq

        try:
            return set(pq.read_table(self.table, columns=["key"]).column("key").to_pylist())
        except FileNotFoundError:
            return set()

    def complete_keys(self) -> set[str]:
        """Keys of the complete points (row files listed first, then the table: a row merged meanwhile is in it)."""
        import pyarrow.parquet as pq

        keys = set()
        for path in self._row_files():
            if not path.name.startswith("batch-"):
                keys.add(path.name[: -len(".parquet")])
                continue
            with contextlib.suppress(FileNotFoundError):  # merged and removed meanwhile: in the table
                keys.update(pq.read_table(path, columns=["key"]).column("key").to_pylist())
        return keys | self._table_keys()

    def failed_keys(self) -> set[str]:
        """Keys of the points recorded as failed."""
        try:
            return {p.name[: -len(".json")] for p in self.failed.iterdir() if p.name.endswith(".json")}
        except FileNotFoundError:
            return set()

    def failures(self) -> dict[str, dict[str, Any]]:
        """The failure records by key."""
        out = {}
        for key in self.failed_keys():
            with contextlib.suppress(OSError, ValueError):
                out[key] = json.loads((self.failed / f"{key}.json").read_text())
        return out

    def read_rows(self) -> Any:
        """Every complete point's row as a pandas DataFrame (table and row files, one row per key)."""
        import pandas as pd
        import pyarrow.parquet as pq

        files = self._row_files()
        frames = []
        with contextlib.suppress(FileNotFoundError):
            frames.append(pq.read_table(self.table).to_pandas())
        for path in files:
            with contextlib.suppress(FileNotFoundError):  # merged and removed meanwhile: in the table
                frames.append(pq.read_table(path).to_pandas())
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame({"key": pd.Series([], dtype=object)})
        return pd.concat(frames, ignore_index=True).drop_duplicates("key", keep="last").reset_index(drop=True)

    def consolidate(self) -> Any:
        """Merge the row files into ``results.parquet`` (atomically), remove them; returns the table.

        Call with the lock held.
        """
        files = self._row_files()
        rows = self.read_rows()
        if files:
            try:
                _write_frame(self.table, rows)
            except OSError as exc:
                raise _write_failed(self.path, exc) from None
            for path in files:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        return rows


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    atomic_write(path, lambda f: pq.write_table(table, f))


def _write_frame(path: Path, frame: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_write(path, lambda f: pq.write_table(table, f))
