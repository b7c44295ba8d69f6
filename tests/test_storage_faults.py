"""Storage under faults: a writer SIGKILLed mid-write, files cut at random offsets, and files
crafted by a stranger.

* Kill: a child process writes a cache file, a training checkpoint or a model file over an
  existing complete one and is SIGKILLed mid-write (after the content is written, before the
  rename, and at random moments of a large write).  The next read sees the old complete file
  (never a partial one), and the next write leaves no temporary behind.
* Truncation: each kind of file cut at random offsets gives a ``ValueError`` naming the file,
  every time, in well under a second.
* Hostile files: pickle payloads, huge declared shapes, wrong dtypes, unknown classes and path
  traversal in names are refused before any allocation or code execution.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fuzz_support import rejects
from sciml.io import read_arrays, write_arrays

ROOT = Path(__file__).resolve().parents[1]
FORMAT = "test.Faults"

# A child's preamble: os.fsync, called by atomic_write after the content is written and before
# the rename, announces itself and waits to be killed (when PAUSE is set).
PREAMBLE = textwrap.dedent("""
    import os, sys, time
    _fsync = os.fsync
    def _announce(fd):
        _fsync(fd)
        if os.environ.get("PAUSE") == "1":
            print("WRITTEN", flush=True)
            time.sleep(60)
    os.fsync = _announce
""")


def _child(code: str, *, pause: bool, kill_after: float | None = None) -> subprocess.Popen:
    env = {**os.environ, "PAUSE": "1" if pause else "0", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", PREAMBLE + textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _kill_when_written(process: subprocess.Popen) -> None:
    """SIGKILL the child once it announces that its content is written but not yet renamed."""
    for line in process.stdout:
        if line.startswith("WRITTEN"):
            break
    else:
        raise AssertionError(f"the writer ended before writing: {process.stderr.read()}")
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def _kill_at_random(process: subprocess.Popen, delay: float) -> None:
    assert process.stdout.readline().startswith("READY")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------------------------------------
# SIGKILL during a write
# ---------------------------------------------------------------------------------------------

CACHE_WRITER = """
    import numpy as np
    import sciml.io.cache
    from sciml.io import cached_dataset

    if REGENERATE:  # as after a damaged or stale entry: the generator rewrites the same path
        sciml.io.cache._load = lambda *args: None

    @cached_dataset(format_version=1)
    def squares(n, *, cache=True):
        return {"y": np.arange(n, dtype=np.float64) ** 2}

    squares(1000, cache=FOLDER)
"""


def test_sigkill_during_a_cache_write_keeps_the_old_file(tmp_path):
    """A killed writer of a cache entry: the entry is the old complete one; the next write
    leaves no temporary file."""
    code = CACHE_WRITER.replace("FOLDER", repr(str(tmp_path)))
    first = _child(code.replace("REGENERATE", "False"), pause=False)
    assert first.wait(120) == 0, first.stderr.read()
    [entry] = [p for p in tmp_path.iterdir() if p.suffix == ".npz"]
    old = entry.read_bytes()
    killed = _child(code.replace("REGENERATE", "True"), pause=True)
    _kill_when_written(killed)
    assert entry.read_bytes() == old, "the killed writer changed the entry"
    assert len(_temporaries(tmp_path)) == 1, "the kill should orphan exactly one temporary"
    content = read_arrays(entry, format="sciml.DatasetCache", max_version=1)
    np.testing.assert_array_equal(content.arrays["y"], np.arange(1000.0) ** 2)
    again = _child(code.replace("REGENERATE", "True"), pause=False)
    assert again.wait(120) == 0, again.stderr.read()
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5])
def test_sigkill_at_random_moments_of_a_large_write(tmp_path, delay):
    """Kills at arbitrary moments of a 40 MB write_arrays: old file or new, never partial."""
    target = tmp_path / "big.npz"
    write_arrays(target, {"x": np.zeros(10)}, format=FORMAT, version=1)
    code = f"""
        import numpy as np
        from sciml.io import write_arrays
        print("READY", flush=True)
        for k in range(3):
            write_arrays({str(target)!r}, {{"x": np.full(5_000_000, float(k + 1))}}, format={FORMAT!r}, version=1)
    """
    _kill_at_random(_child(code, pause=False), delay)
    x = read_arrays(target, format=FORMAT, max_version=1).arrays["x"]
    assert x.shape in ((10,), (5_000_000,)) and len(np.unique(x)) == 1
    write_arrays(target, {"x": np.ones(3)}, format=FORMAT, version=1)
    assert _temporaries(tmp_path) == []


CHECKPOINT_WRITER = """
    import torch
    from sciml.train import fit
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 16)[:, None]
    fit(model, (x, 2 * x), steps=STEPS, lr=0.1, progress=False, checkpoint=PATH, checkpoint_every=1)
"""


def test_sigkill_during_a_checkpoint_save_keeps_the_last_complete_one(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "run.ckpt"
    code = CHECKPOINT_WRITER.replace("PATH", repr(str(path)))
    first = _child(code.replace("STEPS", "2"), pause=False)
    assert first.wait(120) == 0, first.stderr.read()
    assert torch.load(path, weights_only=True)["step"] == 2
    killed = _child(code.replace("STEPS", "5"), pause=True)  # resumes at 2, killed while saving step 3
    _kill_when_written(killed)
    state = torch.load(path, weights_only=True)
    assert state["step"] == 2, "a partial or newer checkpoint replaced the complete one"
    assert len(_temporaries(tmp_path)) == 1
    again = _child(code.replace("STEPS", "4"), pause=False)
    assert again.wait(120) == 0, again.stderr.read()
    assert torch.load(path, weights_only=True)["step"] == 4
    assert _temporaries(tmp_path) == []


MODEL_WRITER = """
    from sciml.models import save
    from sciml.operators import DeepONet
    import torch
    torch.manual_seed(SEED)
    save(DeepONet((4, 8), (1, 8)), PATH)
"""


def test_sigkill_during_a_model_save_keeps_the_old_model(tmp_path):
    pytest.importorskip("torch")
    from sciml.models import load

    path = tmp_path / "net.safetensors"
    code = MODEL_WRITER.replace("PATH", repr(str(path)))
    first = _child(code.replace("SEED", "1"), pause=False)
    assert first.wait(120) == 0, first.stderr.read()
    old = {k: v.clone() for k, v in load(path).state_dict().items()}
    killed = _child(code.replace("SEED", "2"), pause=True)
    _kill_when_written(killed)
    kept = load(path).state_dict()
    assert all(bool((kept[k] == v).all()) for k, v in old.items()), "the killed save changed the model"
    assert len(_temporaries(tmp_path)) == 1
    again = _child(code.replace("SEED", "3"), pause=False)
    assert again.wait(120) == 0, again.stderr.read()
    assert _temporaries(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Truncation at random offsets
# ---------------------------------------------------------------------------------------------

def _offsets(size: int, n: int = 24) -> list[int]:
    rng = np.random.default_rng(size)
    return sorted({0, 1, 7, 8, size // 2, size - 1, *rng.integers(0, size, n).tolist()})


def test_truncated_array_files_give_a_clear_error(tmp_path):
    path = tmp_path / "a.npz"
    write_arrays(path, {"x": np.arange(500.0), "y": np.eye(7)}, format=FORMAT, version=1, metadata={"k": 1})
    data = path.read_bytes()
    for cut in _offsets(len(data)):
        path.write_bytes(data[:cut])
        error = rejects(lambda: read_arrays(path, format=FORMAT, max_version=1), documented=(ValueError,))
        assert str(path) in str(error)


def test_truncated_model_files_give_a_clear_error(tmp_path):
    pytest.importorskip("torch")
    from sciml.models import load, save
    from sciml.operators import DeepONet

    path = tmp_path / "net.safetensors"
    save(DeepONet((4, 8), (1, 8)), path)
    data = path.read_bytes()
    for cut in _offsets(len(data)):
        path.write_bytes(data[:cut])
        error = rejects(lambda: load(path), documented=(ValueError,))
        assert str(path) in str(error)


def test_truncated_checkpoints_give_a_clear_error(tmp_path):
    torch = pytest.importorskip("torch")
    from sciml.train import fit

    path = tmp_path / "run.ckpt"
    x = torch.linspace(-1, 1, 8)[:, None]
    fit(torch.nn.Linear(1, 1), (x, x), steps=1, progress=False, checkpoint=path)
    data = path.read_bytes()
    for cut in _offsets(len(data), 10):
        path.write_bytes(data[:cut])
        error = rejects(lambda: fit(torch.nn.Linear(1, 1), (x, x), steps=2, progress=False, checkpoint=path),
                        documented=(ValueError,))
        assert str(path) in str(error)


def test_damaged_cache_entries_are_regenerated(tmp_path):
    """A truncated cache entry is never returned: it is regenerated (with a warning)."""
    from sciml.io import cached_dataset

    calls = []

    @cached_dataset(format_version=1)
    def squares(n, *, cache=True):
        calls.append(n)
        return {"y": np.arange(n, dtype=np.float64) ** 2}

    squares(300, cache=tmp_path)
    [entry] = list(tmp_path.glob("*.npz"))
    data = entry.read_bytes()
    for cut in _offsets(len(data), 8):
        entry.write_bytes(data[:cut])
        with pytest.warns(RuntimeWarning, match="damaged"):
            y = squares(300, cache=tmp_path)["y"]
        np.testing.assert_array_equal(y, np.arange(300.0) ** 2)
    assert len(calls) == 1 + len(_offsets(len(data), 8))


# ---------------------------------------------------------------------------------------------
# Hostile files
# ---------------------------------------------------------------------------------------------

class _Payload:
    """Unpickling this creates a marker folder: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_pickle_payloads_never_run(tmp_path):
    marker = tmp_path / "payload-ran"
    blob = pickle.dumps(_Payload(marker))
    for name in ("cache.npz", "net.safetensors", "run.ckpt"):
        (tmp_path / name).write_bytes(blob)
    rejects(lambda: read_arrays(tmp_path / "cache.npz", format=FORMAT, max_version=1), documented=(ValueError,))
    torch = pytest.importorskip("torch")
    from sciml.models import load
    from sciml.train import fit

    rejects(lambda: load(tmp_path / "net.safetensors"), documented=(ValueError,))
    x = torch.zeros(4, 1)
    rejects(lambda: fit(torch.nn.Linear(1, 1), (x, x), steps=1, progress=False, checkpoint=tmp_path / "run.ckpt"),
            documented=(ValueError,))
    # an .npz whose member is a pickled object array
    with zipfile.ZipFile(tmp_path / "objects.npz", "w") as archive:
        buffer = __import__("io").BytesIO()
        np.lib.format.write_array(buffer, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
        archive.writestr("x.npy", buffer.getvalue())
    rejects(lambda: read_arrays(tmp_path / "objects.npz", format=FORMAT, max_version=1), documented=(ValueError,))
    assert not marker.exists(), "a pickle payload was executed"


def _npz_with_header(path: Path, name: str, shape: tuple, dtype: str = "<f8", payload: bytes = b"") -> None:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    buffer = __import__("io").BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("format.npy", _npy(np.asarray(f"{FORMAT}/1")))
        archive.writestr(name, buffer.getvalue() + payload)


def _npy(array) -> bytes:
    buffer = __import__("io").BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


def test_huge_declared_shapes_are_refused_before_allocation(tmp_path):
    path = tmp_path / "huge.npz"
    _npz_with_header(path, "x.npy", (100_000, 100_000), payload=bytes(64))  # declares 80 GB in 200 bytes
    tracemalloc.start()
    error = rejects(lambda: read_arrays(path, format=FORMAT, max_version=1), documented=(ValueError,))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "declares" in str(error) and peak < 50e6, peak


def test_path_traversal_in_names_is_refused(tmp_path):
    rejects(lambda: write_arrays(tmp_path / "a.npz", {"../evil": np.zeros(2)}, format=FORMAT, version=1))
    path = tmp_path / "traversal.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("format.npy", _npy(np.asarray(f"{FORMAT}/1")))
        archive.writestr("../../evil.npy", _npy(np.zeros(2)))
    rejects(lambda: read_arrays(path, format=FORMAT, max_version=1), documented=(ValueError,))
    assert not (tmp_path.parent / "evil.npy").exists()


def _rewrite_model_header(path: Path, edit) -> None:
    """Rewrite a safetensors file's JSON header with ``edit(header_dict)`` (the data unchanged)."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    edit(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + length:])


def _model_file(tmp_path) -> Path:
    pytest.importorskip("torch")
    from sciml.models import save
    from sciml.operators import DeepONet

    path = tmp_path / "net.safetensors"
    save(DeepONet((4, 8), (1, 8)), path)
    return path


def _inner(header: dict) -> dict:
    return json.loads(header["__metadata__"]["sciml-model"])


def _set_inner(header: dict, **changes) -> None:
    inner = _inner(header)
    inner.update(changes)
    header["__metadata__"]["sciml-model"] = json.dumps(inner)


@pytest.mark.parametrize("attack", ["huge_shape", "wrong_dtype", "unknown_dtype", "unknown_class", "foreign_class",
                                    "huge_arguments", "offsets_outside", "traversal_name"])
def test_hostile_model_files_are_refused(tmp_path, attack):
    from sciml.models import load

    path = _model_file(tmp_path)
    first = None

    def edit(header):
        nonlocal first
        names = [k for k in header if k != "__metadata__"]
        first = names[0]
        entry = header[first]
        if attack == "huge_shape":
            entry["shape"] = [100_000, 100_000, 10]
        elif attack == "wrong_dtype":
            entry["dtype"] = "I64" if entry["dtype"] != "I64" else "F32"
        elif attack == "unknown_dtype":
            entry["dtype"] = "X99"
        elif attack == "unknown_class":
            _set_inner(header, **{"class": "antigravity:Fly"})
        elif attack == "foreign_class":
            _set_inner(header, **{"class": "sciml.io.atomic:Path"})
        elif attack == "huge_arguments":
            _set_inner(header, arguments={"branch": [4, 10**9], "trunk": [1, 10**9]})
        elif attack == "offsets_outside":
            entry["data_offsets"] = [0, 10**12]
        elif attack == "traversal_name":
            header["../../" + first] = header.pop(first)

    load(path)  # warm-up: torch's one-time set-up of the meta device is not the refusal's cost
    _rewrite_model_header(path, edit)
    rejects(lambda: load(path), documented=(ValueError,))
    tracemalloc.start()
    with pytest.raises(ValueError):
        load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200e6, f"{attack}: {peak / 1e6:.0f} MB allocated before the refusal"
    assert "antigravity" not in sys.modules


def test_a_cache_entry_of_other_parameters_is_not_returned(tmp_path, caplog):
    """The issue's case: the cache returned whatever file sat at the key's path.  A file there
    whose stored record differs (another generator's arguments) is regenerated, with a warning."""
    from sciml.io import cached_dataset

    calls = []

    @cached_dataset(format_version=1)
    def squares(n, *, cache=True):
        calls.append(n)
        return {"y": np.arange(n, dtype=np.float64) ** 2}

    squares(5, cache=tmp_path)
    [entry] = list(tmp_path.glob("*.npz"))
    stored = read_arrays(entry, format="sciml.DatasetCache", max_version=1)
    forged = dict(stored.metadata, arguments={"n": 6})
    write_arrays(entry, {"y": np.full(5, -1.0)}, format="sciml.DatasetCache", version=1, metadata=forged)
    with caplog.at_level("WARNING", logger="sciml.io.cache"):
        y = squares(5, cache=tmp_path)["y"]
    np.testing.assert_array_equal(y, np.arange(5.0) ** 2)
    assert calls == [5, 5] and "other parameters" in caplog.text
