"""sciml.io: atomic writes, checked array files and the data-set cache."""

import logging
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sciml.io import ArraySpec, FormatVersionError, atomic_write, cache_dir, cached_dataset, read_arrays, write_arrays
from sciml.io.atomic import _read_umask


def _leftovers(folder, name):
    return sorted(p.name for p in folder.iterdir() if p.name != name)


# -- atomic_write ----------------------------------------------------------------------------

@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_atomic_write_keeps_the_old_file_on_an_error_midway(tmp_path, error):
    target = tmp_path / "data.bin"
    atomic_write(target, lambda f: f.write(b"old complete content"))

    def fails(f):
        f.write(b"new partial")
        raise error

    with pytest.raises(type(error)):
        atomic_write(target, fails)
    assert target.read_bytes() == b"old complete content"
    assert _leftovers(tmp_path, "data.bin") == []  # no temporary left behind


def test_atomic_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "a" / "b" / "c.txt"
    atomic_write(target, lambda f: f.write(b"1"))
    atomic_write(target, lambda f: f.write(b"22"))
    assert target.read_bytes() == b"22" and _leftovers(target.parent, "c.txt") == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        assert _read_umask() == umask
        atomic_write(tmp_path / "f", lambda f: f.write(b"x"))
        write_arrays(tmp_path / "g.npz", {"a": np.ones(2)}, format="t", version=1)
    finally:
        os.umask(old)
    assert (tmp_path / "f").stat().st_mode & 0o777 == mode
    assert (tmp_path / "g.npz").stat().st_mode & 0o777 == mode


def test_an_existing_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, lambda f: f.write(b"new"))
    assert target.stat().st_mode & 0o777 == 0o640 and target.read_bytes() == b"new"


_KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from sciml.io import atomic_write

    def write(f):
        chunk = b"n" * (1 << 20)
        for i in range(10_000):          # 10 GB: far more than is written before the kill
            f.write(chunk)
            f.flush()
            if i == 8:
                print("writing", flush=True)
            time.sleep(0.001)

    atomic_write(sys.argv[1], write)
""")


def test_sigkill_midway_leaves_the_old_file_and_the_next_write_removes_the_orphan(tmp_path):
    target = tmp_path / "big.bin"
    old = b"old complete file" * 1000
    atomic_write(target, lambda f: f.write(old))
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"writing\n"
        orphans = _leftovers(tmp_path, "big.bin")
        assert len(orphans) == 1 and orphans[0].startswith("big.bin.") and orphans[0].endswith(".tmp")
        assert (tmp_path / orphans[0]).stat().st_size >= 9 << 20  # the writer was really midway
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(30)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    assert target.read_bytes() == old  # the old complete file, never a partial one
    assert _leftovers(tmp_path, "big.bin") == orphans  # SIGKILL cannot clean up ...
    time.sleep(0.01)
    atomic_write(target, lambda f: f.write(b"next"))
    assert target.read_bytes() == b"next"
    assert _leftovers(tmp_path, "big.bin") == []  # ... the next write to the same path does


def test_temporaries_of_live_writers_and_other_files_are_kept(tmp_path):
    target = tmp_path / "f"
    from sciml.io.atomic import _HOST

    mine = tmp_path / f"f.{_HOST}-{os.getpid()}-abcd.tmp"  # a writer that still runs (this process)
    other_host = tmp_path / "f.00000000-1-abcd.tmp"
    unrelated = tmp_path / "f.tmp"
    for p in (mine, other_host, unrelated):
        p.write_bytes(b"")
    atomic_write(target, lambda f: f.write(b"x"))
    assert _leftovers(tmp_path, "f") == sorted(p.name for p in (mine, other_host, unrelated))


# -- checked array files ----------------------------------------------------------------------

def _sample(path, **kwargs):
    write_arrays(path, {"u": np.arange(12.0).reshape(3, 4), "n": np.arange(5)}, format="test.Field",
                 version=2, metadata={"grid": [3, 4], "note": "é"}, **kwargs)


def test_round_trip_with_metadata_and_version(tmp_path):
    path = tmp_path / "field"  # no .npz appended
    _sample(path)
    content = read_arrays(path, format="test.Field", max_version=3,
                          expect={"u": ArraySpec(shape=(3, None), dtype="float64", finite=True),
                                  "n": ArraySpec(shape=(5,), dtype="i")})
    np.testing.assert_array_equal(content.arrays["u"], np.arange(12.0).reshape(3, 4))
    assert content.metadata == {"grid": [3, 4], "note": "é"} and content.version == 2
    assert sorted(content.arrays) == ["n", "u"] and sorted(p.name for p in tmp_path.iterdir()) == ["field"]


def test_truncated_files_give_a_value_error_naming_the_path(tmp_path):
    path = tmp_path / "whole.npz"
    _sample(path)
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    for offset in [0, 1, 10, 100, 200, 300, 400, len(data) // 2, len(data) - 100, len(data) - 22, len(data) - 1]:
        cut.write_bytes(data[:offset])
        with pytest.raises(ValueError, match=f"{cut}.*not a valid test.Field file"):
            read_arrays(cut, format="test.Field", max_version=2)


def test_corrupted_bytes_give_a_value_error(tmp_path):
    path = tmp_path / "f.npz"
    _sample(path)
    data = bytearray(path.read_bytes())
    for start in range(60, len(data) - 40, 97):  # flip bytes all over the archive
        broken = bytearray(data)
        broken[start:start + 8] = bytes(8)
        (tmp_path / "b.npz").write_bytes(bytes(broken))
        try:
            read_arrays(tmp_path / "b.npz", format="test.Field", max_version=2)
        except ValueError as exc:
            assert str(tmp_path / "b.npz") in str(exc)


def _npy(path):
    with open(path, "wb") as f:
        np.save(f, np.ones(3), allow_pickle=False)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("just text"), "not a valid test.Field file"),
    (_npy, "not an .npz archive"),
    (lambda p: p.write_bytes(pickle.dumps({"a": 1})), "not a valid test.Field file"),
    (lambda p: np.savez(p, u=np.ones(3)), "no format tag"),
    (lambda p: np.savez(p, format=np.asarray("other.Thing/1"), u=np.ones(3)), "'other.Thing/1', expected 'test.Field'"),
    (lambda p: np.savez(p, format=np.asarray("test.Field/x")), "format tag"),
    (lambda p: np.savez(p, format=np.asarray("test.Field/1"), metadata=np.asarray("[1, 2]")), "metadata"),
])
def test_foreign_files_give_a_value_error_naming_the_path(tmp_path, make, message):
    path = tmp_path / "foreign.npz"
    make(path)
    with pytest.raises(ValueError, match=str(path)) as info:
        read_arrays(path, format="test.Field", max_version=2)
    assert message in str(info.value)


def test_a_newer_format_version_names_both_versions(tmp_path):
    path = tmp_path / "f.npz"
    _sample(path)
    with pytest.raises(FormatVersionError, match=r"format version 2; this code reads versions up to 1"):
        read_arrays(path, format="test.Field", max_version=1)
    assert issubclass(FormatVersionError, ValueError)


def test_pickle_payloads_are_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, format=np.asarray("test.Field/1"), u=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match="not a valid test.Field file.*pickle"):
        read_arrays(path, format="test.Field", max_version=1)
    with pytest.raises(ValueError, match="'u' has dtype object"):
        write_arrays(tmp_path / "w.npz", {"u": np.array([None])}, format="test.Field", version=1)
    assert not (tmp_path / "w.npz").exists()


def test_expectations_are_checked(tmp_path):
    path = tmp_path / "f.npz"
    write_arrays(path, {"u": np.array([1.0, np.nan]), "i": np.arange(2)}, format="t", version=1)

    def read(**expect):
        return read_arrays(path, format="t", max_version=1, expect=expect)

    read(u=ArraySpec(shape=(2,), dtype="f"), i=ArraySpec(dtype="int64", finite=True))
    with pytest.raises(ValueError, match=r"'u' has shape \(2,\), expected \(3,\)"):
        read(u=ArraySpec(shape=(3,)))
    with pytest.raises(ValueError, match=r"'u' has shape \(2,\), expected \(2, None\)"):
        read(u=ArraySpec(shape=(2, None)))
    with pytest.raises(ValueError, match="'i' has dtype int64, expected f"):
        read(i=ArraySpec(dtype="f"))
    with pytest.raises(ValueError, match="'u' contains NaN"):
        read(u=ArraySpec(finite=True))
    with pytest.raises(ValueError, match="'v' is missing"):
        read(v=ArraySpec())


def test_bad_write_arguments_and_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_arrays(tmp_path / "missing.npz", format="t", max_version=1)
    for kwargs, message in [({"format": "a/b", "version": 1}, "format must be"),
                            ({"format": "t", "version": 0}, "version must be"),
                            ({"format": "t", "version": 1, "metadata": {"x": object()}}, "JSON")]:
        with pytest.raises(ValueError, match=message):
            write_arrays(tmp_path / "x.npz", {"a": 1}, **kwargs)
    with pytest.raises(ValueError, match="'format' is reserved"):
        write_arrays(tmp_path / "x.npz", {"format": 1}, format="t", version=1)


def test_files_of_the_former_layout_still_read(tmp_path):
    """Files of the former ``write_npz`` (tag ``"<name>/1"``, no metadata) read as version 1."""
    path = tmp_path / "old.npz"
    np.savez(path, format=np.asarray("sciml.ChebyshevTucker/1"), core=np.ones((1, 1)))
    content = read_arrays(path, format="sciml.ChebyshevTucker", max_version=1)
    assert content.version == 1 and content.metadata == {} and list(content.arrays) == ["core"]


# -- the data-set cache ----------------------------------------------------------------------

def _counting_generator(calls):
    @cached_dataset(format_version=1, ignore=("verbose",))
    def generate(n: int, *, scale: float = 1.0, cache=True, verbose: bool = False):
        calls.append((n, scale))
        return {"y": scale * np.arange(float(n))}

    return generate


def test_cache_reuses_the_file_and_keys_every_argument(tmp_path):
    calls = []
    generate = _counting_generator(calls)
    first = generate(3, cache=tmp_path)
    again = generate(n=3, scale=1.0, cache=tmp_path, verbose=True)  # same bound arguments; verbose ignored
    np.testing.assert_array_equal(first["y"], again["y"])
    assert calls == [(3, 1.0)] and len(list(tmp_path.glob("generate-*.npz"))) == 1
    generate(3, scale=2.0, cache=tmp_path)  # a keyword left at its default before: a new key
    assert calls == [(3, 1.0), (3, 2.0)] and len(list(tmp_path.glob("generate-*.npz"))) == 2
    generate(3, cache=False)
    assert len(calls) == 3
    with pytest.raises(TypeError, match="'n' = .* cannot be part of a cache key"):
        generate(object(), cache=tmp_path)
    with pytest.raises(TypeError, match="cache must be True, False or a folder"):
        generate(3, cache=3)
    with pytest.raises(TypeError, match="no argument"):
        cached_dataset(format_version=1, ignore=("backend",))(lambda n, cache=True: {})


def test_sciml_data_generator_called_once_and_backend_not_in_key(tmp_path, monkeypatch):
    import solvers.pde
    from sciml.data import antiderivative

    solve, calls = solvers.pde.solve_ode, []
    monkeypatch.setattr(solvers.pde, "solve_ode", lambda *a, **k: calls.append(1) or solve(*a, **k))
    data = antiderivative(6, 4, m=5, n_grid=7, seed=3, cache=tmp_path)
    assert len(calls) == 4  # grid and points, per split
    again = antiderivative(6, 4, m=5, n_grid=7, seed=3, cache=tmp_path, backend="array_api_strict")
    assert len(calls) == 4 and type(again.train.branch).__module__.startswith("array_api_strict")
    np.testing.assert_array_equal(np.asarray(again.test.targets), data.test.targets)
    assert data.params["generator"] == "sciml.data.datasets.antiderivative"
    assert data.params["arguments"]["n_grid"] == 7 and "backend" not in data.params["arguments"]
    antiderivative(6, 4, m=5, n_grid=7, seed=3, n_steps=100, cache=tmp_path)
    assert len(calls) == 8 and len(list(tmp_path.glob("antiderivative-*.npz"))) == 2


def test_a_keyword_that_the_old_hand_written_key_missed_gives_a_new_key(tmp_path):
    from sciml.data import navier_stokes

    kwargs = dict(n_input=2, t_final=3.0, cache=tmp_path)
    a = navier_stokes(2, 1, 8, chunk=3, **kwargs)
    b = navier_stokes(2, 1, 8, chunk=1, **kwargs)  # `chunk` was not in the old params dict
    assert len(list(tmp_path.glob("navier_stokes-*.npz"))) == 2
    np.testing.assert_allclose(a.train.outputs, b.train.outputs, rtol=1e-12)


def test_a_tampered_cache_file_is_regenerated_with_a_log_line(tmp_path, caplog):
    calls = []
    generate = _counting_generator(calls)
    generate(4, cache=tmp_path)
    (path,) = tmp_path.glob("generate-*.npz")
    content = read_arrays(path, format="sciml.DatasetCache", max_version=1)
    record = dict(content.metadata, arguments={**content.metadata["arguments"], "scale": 5.0})
    write_arrays(path, {"y": 5.0 * content.arrays["y"]}, format="sciml.DatasetCache", version=1, metadata=record)
    with caplog.at_level(logging.WARNING, logger="sciml.io.cache"):
        result = generate(4, cache=tmp_path)
    np.testing.assert_array_equal(result["y"], np.arange(4.0))  # never the stale data
    assert len(calls) == 2
    assert any(r.name == "sciml.io.cache" and str(path) in r.getMessage() and "arguments.scale" in r.getMessage()
               for r in caplog.records)
    assert read_arrays(path, format="sciml.DatasetCache", max_version=1).metadata["arguments"]["scale"] == 1.0


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"not a zip file", lambda b: b""])
def test_a_damaged_cache_file_is_regenerated_with_a_log_line(tmp_path, caplog, damage):
    calls = []
    generate = _counting_generator(calls)
    generate(4, cache=tmp_path)
    (path,) = tmp_path.glob("generate-*.npz")
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="sciml.io.cache"), pytest.warns(RuntimeWarning, match="damaged"):
        result = generate(4, cache=tmp_path)
    np.testing.assert_array_equal(result["y"], np.arange(4.0))
    assert len(calls) == 2 and any("damaged" in r.getMessage() for r in caplog.records)
    generate(4, cache=tmp_path)
    assert len(calls) == 2  # repaired


def test_empty_cache_dir_variable_means_the_default_not_the_current_folder(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    monkeypatch.setenv("SCIML_CACHE_DIR", "")
    assert cache_dir() == home / ".cache" / "sciml"
    _counting_generator([])(2)
    assert len(list((home / ".cache" / "sciml").glob("generate-*.npz"))) == 1 and list(work.iterdir()) == []
    monkeypatch.setenv("SCIML_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
