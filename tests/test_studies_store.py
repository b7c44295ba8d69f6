"""The study store: resumable after SIGKILL, keyed by parameters, failures recorded, stores not mixed."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("zarr")
pytest.importorskip("pyarrow")

from studies_problems import calls  # noqa: E402

from sciml.studies import StoreError, StoreLockedError, Study, StudyStore  # noqa: E402

TESTS = Path(__file__).resolve().parent
VOLATILE = ["wall_time", "host"]


def _spec(tmp_path: Path, store: str, xs, *, metrics=("rel_l2",), size: int = 4) -> Path:
    path = tmp_path / f"{store}.yaml"
    path.write_text(f"name: counted\nproblem: studies_problems:counted\nfixed: {{size: {size}}}\n"
                    f"grid:\n  product:\n    x: {list(xs)}\nmetrics: {list(metrics)}\nstore: {store}\n")
    return path


@pytest.fixture
def counter(tmp_path, monkeypatch):
    path = tmp_path / "calls.txt"
    monkeypatch.setenv("SCIML_STUDY_COUNTER", str(path))
    monkeypatch.syspath_prepend(str(TESTS))
    return path


def _env(counter: Path, **extra) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
            "SCIML_STUDY_COUNTER": str(counter), "OMP_NUM_THREADS": "1", **extra}


def _start(spec: Path, counter: Path, **extra) -> subprocess.Popen:
    code = f"from sciml.studies import Study; Study.from_yaml({str(spec)!r}).run(progress=False)"
    return subprocess.Popen([sys.executable, "-c", code], env=_env(counter, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(condition, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("timed out waiting for the run")
        time.sleep(0.02)


def _table(study: Study):
    return study.results().drop(columns=VOLATILE).sort_values("key").reset_index(drop=True)


def test_sigkill_after_five_points_rerun_computes_exactly_the_seven_missing(tmp_path, counter):
    spec = _spec(tmp_path, "killed", range(12))
    process = _start(spec, counter, SCIML_STUDY_BLOCK_AFTER="5")
    study = Study.from_yaml(spec)
    # the 6th call has started (and blocks) once 5 points are complete
    _wait(lambda: calls(counter) == 6 and study.status().complete == 5, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert study.status().complete == 5 and study.status().pending == 7
    assert study.store.owner()["pid"] == process.pid          # the dead run's lock is still there

    summary = study.run(progress=False)                        # takes over the dead run's lock
    assert (summary.computed, summary.skipped, summary.ok) == (7, 5, True)
    assert calls(counter) == 6 + 7

    reference = Study.from_yaml(_spec(tmp_path, "uninterrupted", range(12)))
    reference.run(progress=False)
    assert calls(counter) == 13 + 12
    a, b = _table(study), _table(reference)
    assert list(a["status"]) == ["ok"] * 12 and a.equals(b)
    assert study.store.owner() is None

    again = study.run(progress=False)                          # complete: zero calls
    assert (again.computed, again.skipped) == (0, 12) and calls(counter) == 25


@pytest.mark.parametrize("seed", [0, 1])
def test_sigkill_at_a_random_moment_leaves_no_partial_point(tmp_path, counter, seed):
    spec = _spec(tmp_path, "random-kill", range(24), size=20_000)
    process = _start(spec, counter)
    study = Study.from_yaml(spec)
    _wait(lambda: calls(counter) >= 1, process)
    time.sleep(random.Random(seed).uniform(0.0, 0.3))
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = study.status().complete
    for key in study.store.complete_keys():                    # every complete point has its arrays
        assert study.store.read_arrays(key)["solution"].shape == (20_000,)
    summary = study.run(progress=False)
    assert summary.ok and summary.computed == 24 - done
    reference = Study.from_yaml(_spec(tmp_path, "reference", range(24), size=20_000))
    reference.run(progress=False)
    assert _table(study).equals(_table(reference))
    assert not [p for p in study.store.points.iterdir() if p.name.endswith(".tmp.zarr")]


def test_metrics_and_arrays_round_trip(tmp_path, counter):
    study = Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0, 2.0]))
    assert study.run(progress=False).ok
    table = study.results()
    for _, row in table.iterrows():
        x = row["x"]
        u, v = 1.0 * np.sin(x + np.arange(4)), np.sin(np.arange(4) + 0.5 * x)
        assert row["rel_l2"] == pytest.approx(np.linalg.norm(u - v) / np.linalg.norm(v), rel=1e-14)
        assert row["value"] == x**2 and row["status"] == "ok" and row["package_version"] == "0.1.0"
        np.testing.assert_array_equal(study.store.read_arrays(row["key"])["solution"], u)
    assert list(table["x"]) == [0.0, 1.0, 2.0] and table["host"].iloc[0] == socket.gethostname()
    provenance = json.loads(study.store.provenance.read_text())
    assert provenance["spec"]["problem"] == "studies_problems:counted"
    assert provenance["environment"]["versions"]["numpy"] == np.__version__
    dataset = study.to_xarray()
    assert dict(dataset.sizes) == {"x": 3} and float(dataset["value"].sel(x=2.0)) == 4.0


def test_a_changed_grid_recomputes_only_the_new_points(tmp_path, counter):
    Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0, 2.0])).run(progress=False)
    assert calls(counter) == 3
    grown = Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0, 2.0, 3.0]))
    summary = grown.run(progress=False)
    assert (summary.computed, summary.skipped, calls(counter)) == (1, 3, 4)
    shrunk = Study.from_yaml(_spec(tmp_path, "s", [1.0]))
    assert list(shrunk.results()["x"]) == [1.0] and shrunk.status().complete == 1


def test_a_failing_point_is_recorded_and_the_study_goes_on(tmp_path, counter, monkeypatch):
    study = Study.from_yaml(_spec(tmp_path, "s", [0.0, -1.0, 2.0]))
    summary = study.run(progress=False)
    assert not summary.ok and summary.computed == 2 and len(summary.failures) == 1
    assert "RuntimeError: negative x = -1.0" in str(summary)
    table = study.results()
    assert list(table["status"]) == ["ok", "failed", "ok"]
    record = study.store.failures()[table["key"][1]]
    assert "Traceback" in record["traceback"] and "studies_problems.py" in record["traceback"]
    assert study.status().failed == 1

    again = study.run(progress=False)                          # not retried by default
    assert calls(counter) == 3 and not again.ok and again.failures[0]["earlier"]
    monkeypatch.setenv("SCIML_STUDY_HEAL", "1")
    retried = study.run(progress=False, retry_failed=True)
    assert calls(counter) == 4 and retried.ok and retried.computed == 1
    assert list(study.results()["status"]) == ["ok"] * 3 and not study.store.failed_keys()


def test_another_version_or_spec_is_refused_unless_force_new(tmp_path, counter, monkeypatch):
    import sciml

    Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0])).run(progress=False)
    with pytest.raises(StoreError, match="another spec .*metrics"):
        Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0], metrics=("rel_l2", "max_error"))).run(progress=False)
    monkeypatch.setattr(sciml, "__version__", "0.2.0")
    newer = Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0]))
    with pytest.raises(StoreError, match="another package version .*'0.1.0'.*'0.2.0'.*force_new"):
        newer.run(progress=False)
    assert calls(counter) == 2
    summary = newer.run(progress=False, force_new=True)
    assert summary.computed == 2 and calls(counter) == 4
    assert set(newer.results()["package_version"]) == {"0.2.0"}
    assert len(list(tmp_path.glob("s.replaced-*"))) == 1       # the old store set aside, not deleted


def test_a_running_study_holds_the_lock(tmp_path, counter):
    spec = _spec(tmp_path, "s", range(4))
    process = _start(spec, counter, SCIML_STUDY_BLOCK_AFTER="1")
    try:
        study = Study.from_yaml(spec)
        _wait(lambda: calls(counter) == 2, process)
        with pytest.raises(StoreLockedError, match=f"pid {process.pid} on host {socket.gethostname()}"):
            study.run(progress=False)
        assert study.status().running["pid"] == process.pid
    finally:
        process.kill()
        process.wait()
    assert calls(counter) == 2                                 # the refused run computed nothing


def test_a_read_only_store_is_a_clear_error(tmp_path, counter):
    if os.access("/sys", os.W_OK) and Path("/sys").stat().st_dev == Path("/").stat().st_dev:
        pytest.skip("no read-only file system here")
    study = Study(problem="studies_problems:counted", grid={"product": {"x": [1.0]}}, store="/sys/sciml-study")
    with pytest.raises(StoreError, match="cannot write the study store at /sys/sciml-study"):
        study.run(progress=False)
    assert calls(counter) == 0


def test_a_full_disk_leaves_no_point_marked_complete(tmp_path, counter, monkeypatch):
    import errno

    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    study = Study.from_yaml(_spec(tmp_path, "s", [0.0, 1.0]))
    monkeypatch.setattr(pq, "write_table", full)
    with pytest.raises(StoreError, match="No space left on device"):
        study.run(progress=False)
    monkeypatch.undo()
    assert study.status().complete == 0
    assert not list(study.store.rows.rglob("*.*"))             # no temporary left either
    monkeypatch.setenv("SCIML_STUDY_COUNTER", str(counter))
    assert study.run(progress=False).ok and study.status().complete == 2


def test_store_keys_survive_consolidation(tmp_path):
    store = StudyStore(tmp_path / "s")
    with store.locked():
        for i in range(3):
            store.write_point(f"k{i}", {"key": f"k{i}", "status": "ok", "v": float(i)}, {})
        store.write_rows([{"key": f"b{i}", "status": "ok", "v": float(i)} for i in range(3)])  # one batch file
        assert len(list(store.rows.rglob("*.parquet"))) == 4
        assert store.complete_keys() == {"k0", "k1", "k2", "b0", "b1", "b2"}
        table = store.consolidate()
    assert sorted(table["key"]) == ["b0", "b1", "b2", "k0", "k1", "k2"] and not list(store.rows.rglob("*.parquet"))
    assert store.complete_keys() == {"k0", "k1", "k2", "b0", "b1", "b2"}
