"""The `sciml study` command line, run as a subprocess through the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("zarr")
pytest.importorskip("matplotlib")

from studies_problems import calls  # noqa: E402

TESTS = Path(__file__).resolve().parent
SCIML = Path(sys.executable).parent / "sciml"
SPEC = """\
name: counted
problem: studies_problems:counted
grid:
  product:
    x: [0.5, 1.0, 2.0, 4.0]
metrics: [rel_l2, max_error, {observed_order: {of: max_error, over: x}}]
store: store
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return path


def sciml(*args, counter: Path | None = None, **env) -> subprocess.CompletedProcess:
    if not SCIML.exists():
        pytest.skip("the sciml console script is not installed (pip install -e .)")
    environment = {**os.environ, "PYTHONPATH": str(TESTS), "OMP_NUM_THREADS": "1", **env}
    if counter is not None:
        environment["SCIML_STUDY_COUNTER"] = str(counter)
    return subprocess.run([str(SCIML), *map(str, args)], capture_output=True, text=True, env=environment, timeout=120)


@pytest.mark.parametrize("args", [(), ("study",), ("study", "run"), ("study", "status"), ("study", "collect"),
                                  ("study", "plot")])
def test_help_everywhere(args):
    result = sciml(*args, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: sciml")
    if args[-1:] == ("run",):
        for option in ("--executor", "--workers", "--scheduler", "--set", "--retry-failed", "--force-new"):
            assert option in result.stdout


def test_run_status_collect_plot(tmp_path, spec):
    counter = tmp_path / "calls.txt"
    result = sciml("study", "run", spec, "--set", "grid.product.x=[0.5, 1.0]", counter=counter)
    assert result.returncode == 0, result.stderr
    assert "2 points: 2 computed, 0 already complete, 0 failed" in result.stdout and calls(counter) == 2
    result = sciml("study", "run", spec, "--executor", "serial", "--workers", "1", counter=counter)
    assert result.returncode == 0 and "2 computed, 2 already complete" in result.stdout and calls(counter) == 4
    status = sciml("study", "status", spec)
    assert status.returncode == 0 and "4/4 complete, 0 failed, 0 pending" in status.stdout

    result = sciml("study", "collect", spec, "--format", "csv", "--output", tmp_path / "table.csv")
    assert result.returncode == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(tmp_path / "table.csv")
    assert list(table["x"]) == [0.5, 1.0, 2.0, 4.0] and (table["status"] == "ok").all()
    assert {"rel_l2", "max_error", "order_max_error", "wall_time", "host", "package_version"} <= set(table.columns)
    assert sciml("study", "collect", spec).returncode == 0                  # parquet, in the store
    parquet = pd.read_parquet(tmp_path / "store" / "study_results.parquet")
    assert list(parquet["key"]) == list(table["key"])
    assert list(parquet["max_error"]) == pytest.approx(table["max_error"])

    result = sciml("study", "plot", spec, "--x", "x", "--y", "max_error", "--output", tmp_path / "p.png")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert "<table" in (tmp_path / "store" / "results.html").read_text()
    result = sciml("study", "plot", spec, "--x", "x", "--y", "no_such_metric")
    assert result.returncode == 2 and "no column 'no_such_metric'" in result.stderr
    assert sciml("study", "status", spec, "--set", "grid.product.x=[8.0]").returncode == 1  # a pending point


def test_failures_set_the_exit_code_and_are_summarised(tmp_path, spec):
    counter = tmp_path / "calls.txt"
    result = sciml("study", "run", spec, "--set", "grid.product.x=[1.0, -2.0, 3.0]", counter=counter)
    assert result.returncode == 1
    assert "2 computed, 0 already complete, 1 failed" in result.stdout
    assert "failed {'x': -2.0}: RuntimeError: negative x = -2.0" in result.stdout
    assert "--retry-failed" in result.stderr
    healed = sciml("study", "run", spec, "--set", "grid.product.x=[1.0, -2.0, 3.0]", "--retry-failed",
                   counter=counter, SCIML_STUDY_HEAL="1")
    assert healed.returncode == 0 and calls(counter) == 4                  # only the failed point again


def test_bad_input_exits_2_with_a_message(tmp_path, spec):
    result = sciml("study", "run", spec, "--set", "grid.product.y=[1]")
    assert result.returncode == 2
    assert "grid.product.y: the problem 'studies_problems:counted' accepts no parameter 'y'" in result.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.replace("metrics:", "metrcs:"))
    result = sciml("study", "run", bad)
    assert result.returncode == 2 and f"{bad}, line 6: metrcs: Extra inputs are not permitted" in result.stderr
    assert not (tmp_path / "store").exists()                                 # refused before anything ran
    assert sciml("study", "run", spec, "--set", "grid.product.x=[1.0]").returncode == 0
    other = sciml("study", "run", spec, "--set", "grid.product.x=[1.0]", "--set", "metrics=[rel_l2]")
    assert other.returncode == 2 and "another spec" in other.stderr and "--force-new" in other.stderr
    forced = sciml("study", "run", spec, "--set", "grid.product.x=[1.0]", "--set", "metrics=[rel_l2]", "--force-new")
    assert forced.returncode == 0 and "1 computed" in forced.stdout
    assert sciml("study", "run", spec, "--executor", "mpi").returncode == 2  # argparse's usage error
