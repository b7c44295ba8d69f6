"""Executors: a process pool and a real Dask LocalCluster give the serial run's metrics; jobqueue config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")

from studies_problems import calls  # noqa: E402

from sciml.studies import Study  # noqa: E402
from sciml.studies.executors import make_jobqueue_cluster  # noqa: E402

TESTS = Path(__file__).resolve().parent
GRID = {"product": {"nu": [0.05, 0.1], "resolution": [16, 32]}}


def _burgers(store: Path) -> Study:
    return Study(problem="burgers_sine", grid=GRID, fixed={"t_final": 0.05}, metrics=["rel_l2", "max_error"],
                 store=store)


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory):
    study = _burgers(tmp_path_factory.mktemp("serial") / "s")
    assert study.run(progress=False).ok
    return study.results()


def _same_metrics(table, reference) -> None:
    assert list(table["key"]) == list(reference["key"]) and list(table["status"]) == ["ok"] * 4
    for column in ("rel_l2", "max_error"):
        np.testing.assert_allclose(table[column], reference[column], rtol=1e-12, atol=0)
    assert (table["rel_l2"] < 1e-3).all()                     # against the exact Cole–Hopf solution


def test_process_pool_gives_the_serial_metrics(tmp_path, serial_table):
    study = _burgers(tmp_path / "p")
    summary = study.run("process", workers=2, progress=False)
    assert summary.ok and summary.computed == 4
    _same_metrics(study.results(), serial_table)


def test_dask_local_cluster_gives_the_serial_metrics(tmp_path, serial_table):
    study = _burgers(tmp_path / "d")
    summary = study.run("dask", workers=2, progress=False)   # starts and closes a 2-process LocalCluster
    assert summary.ok and summary.computed == 4
    table = study.results()
    _same_metrics(table, serial_table)
    assert study.run("dask", workers=2, progress=False).computed == 0


def test_dask_client_workers_write_their_own_points(tmp_path, monkeypatch):
    counter = tmp_path / "calls.txt"
    monkeypatch.setenv("SCIML_STUDY_COUNTER", str(counter))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.syspath_prepend(str(TESTS))
    # threads here (the LocalCluster test above has processes): a caller's cluster of any kind
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        study = Study(problem="studies_problems:counted", grid={"product": {"x": [0.0, 1.0, -1.0, 3.0]}},
                      metrics=["rel_l2"], store=tmp_path / "s")
        summary = study.run(client, progress=False)
        assert not summary.ok and summary.computed == 3 and "negative x" in summary.failures[0]["error"]
        assert calls(counter) == 4
        groups = [p.name for p in (tmp_path / "s" / "points").iterdir()]
        assert len(groups) == 3 and all(g.endswith(".zarr") for g in groups)  # written by the workers
        assert client.status == "running"                     # a caller's client is not closed
        by_address = Study(problem="studies_problems:counted", grid={"product": {"x": [5.0, 6.0]}},
                           metrics=["rel_l2"], store=tmp_path / "a")
        assert by_address.run("dask", scheduler=cluster.scheduler_address, progress=False).ok   # --scheduler
        assert calls(counter) == 6 and client.status == "running"


def test_jobqueue_example_config_builds_a_slurm_cluster_without_submitting():
    pytest.importorskip("dask_jobqueue")
    from sciml.studies import load_spec

    spec = load_spec(TESTS.parent / "studies" / "slurm_example.yaml")
    assert spec.executor.kind == "dask" and spec.executor.jobqueue["system"] == "slurm"
    cluster = make_jobqueue_cluster(spec.executor.jobqueue)
    try:
        script = cluster.job_script()
        assert "#SBATCH" in script and "--cpus-per-task=4" in script and "-p compute" in script
        assert len(cluster.workers) == 0                      # nothing submitted
    finally:
        cluster.close()
    with pytest.raises(ValueError, match="system must be one of"):
        make_jobqueue_cluster({"system": "cron"})
