"""Crash-safe file writing: a temporary file beside the target, fsync, rename.

A reader of the target sees either the old complete file or the new complete file, never a
partial one, whatever happens to the writer (an exception, Ctrl-C, a SIGKILL, a power cut).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]

#: Temporaries are named ``<target name>.<host>-<pid>-<random>.tmp``: recognisable as ours,
#: with the writer's host and process, so a later write can remove those of dead writers.
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_SUFFIX = ".tmp"


def _read_umask() -> int:
    """The process umask, read without changing it (Linux: ``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _UMASK_AT_IMPORT


def _umask_at_import() -> int:
    # Elsewhere the only way to read the umask is to set it; done once, at import, when no
    # other thread of this module can be creating a file.
    value = os.umask(0)
    os.umask(value)
    return value


_UMASK_AT_IMPORT = _umask_at_import()


def _remove_stale_temporaries(path: Path, started: float) -> None:
    """Remove temporaries of ``path`` left by writers of this host that no longer run
    (killed by SIGKILL or a crash) and that are older than the write now starting."""
    pattern = re.compile(re.escape(path.name) + r"\.([0-9a-f]{8})-(\d+)-[0-9a-f]+" + re.escape(_SUFFIX) + "$")
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return
    for candidate in candidates:
        match = pattern.match(candidate.name)
        if match is None or match.group(1) != _HOST:
            continue
        pid = int(match.group(2))
        if pid == os.getpid() or _process_alive(pid):
            continue
        try:
            if candidate.stat().st_mtime <= started:
                candidate.unlink()
        except OSError:
            pass  # removed by someone else meanwhile


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def atomic_write(path: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it into place.

    The temporary is flushed and ``fsync``-ed before :func:`os.replace` puts it at ``path``,
    so ``path`` holds either its old content or the complete new one. On any error (also
    ``KeyboardInterrupt``) the temporary is removed and the exception propagates. A
    temporary orphaned by a killed writer (SIGKILL cannot be caught) is removed by the next
    ``atomic_write`` to the same path. A new file gets the permissions a plain ``open(path,
    "w")`` would give (``0o666`` less the umask); an existing file keeps its permissions.
    Missing parent folders are created.

    Parameters
    ----------
    path : str or Path
        The target file.
    write : callable
        ``write(file)`` writes the content to the open binary file it is given.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sciml.io import atomic_write
    >>> target = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> atomic_write(target, lambda f: f.write(b"complete"))
    >>> target.read_bytes()
    b'complete'
    >>> def fails(f):
    ...     f.write(b"half")
    ...     raise RuntimeError("disk full")
    >>> try:
    ...     atomic_write(target, fails)
    ... except RuntimeError:
    ...     pass
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'complete', ['notes.txt'])
    """
    path = Path(path)
    started = time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path, started)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_read_umask()
    temporary = path.with_name(f"{path.name}.{_HOST}-{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}")
    # O_EXCL: never follow or reuse an existing name; 0o600 until the content is complete.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.remove(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
