import importlib.util
import subprocess
import sys

import pytest

from validation.checks import CheckOutcome, CheckRegistry
from validation.report import main


def small_registry(fail: bool = False, crash: bool = False) -> CheckRegistry:
    registry = CheckRegistry()
    registry.check("demo-convergence", component="demo", description="a fake convergence study")(
        lambda backend: CheckOutcome(
            error=1e-4, tolerance=1e-3, observed_order=2.0, expected_order=2.0,
            convergence={"h": [0.1, 0.05], "errors": [4e-4, 1e-4]},
            profile={"x": [0.0, 0.5, 1.0], "exact": [0.0, 1.0, 0.0], "approx": [0.0, 0.99, 0.0]}))
    registry.check("demo-tolerance", component="demo", description="an error above tolerance")(
        lambda backend: CheckOutcome(error=1.0 if fail else 0.0, tolerance=0.5))
    if crash:
        def boom(backend):
            raise RuntimeError("solver diverged")
        registry.check("demo-crash", component="demo", description="raises")(boom)
    return registry


def test_report_writes_table_markdown_and_plots(tmp_path, capsys):
    status = main(["--out", str(tmp_path)], registry=small_registry())
    assert status == 0
    text = (tmp_path / "report.md").read_text()
    assert "| demo-convergence | demo | 1.00e-04 | 1.00e-03 | 2.000 (expect 2 ± 0.1) | pass |" in text
    assert (tmp_path / "plots" / "demo-convergence-convergence.png").stat().st_size > 1000
    assert (tmp_path / "plots" / "demo-convergence-profile.png").stat().st_size > 1000
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_failures_and_exceptions_give_a_non_zero_exit(tmp_path, capsys):
    status = main(["--out", str(tmp_path), "--no-plots"], registry=small_registry(fail=True, crash=True))
    assert status == 1
    out = capsys.readouterr().out
    assert "| demo-tolerance | demo | 1.00e+00 | 5.00e-01 | - | FAIL |" in out
    assert "FAIL (RuntimeError: solver diverged)" in out


def test_select_and_list(tmp_path, capsys):
    assert main(["--list"], registry=small_registry()) == 0
    assert "demo-tolerance" in capsys.readouterr().out
    assert main(["--out", str(tmp_path), "-k", "nothing-*"], registry=small_registry()) == 2
    assert main(["--out", str(tmp_path), "-k", "demo-tol*", "--no-plots"], registry=small_registry()) == 0
    assert "demo-convergence" not in (tmp_path / "report.md").read_text()


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="cupy is installed here")
def test_unavailable_backend_is_a_clear_error(capsys):
    assert main(["--backend", "cupy"], registry=small_registry()) == 2
    assert "pip install" in capsys.readouterr().err


def test_python_dash_m_validation_runs_the_real_registry(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "validation", "--out", str(tmp_path), "-k", "solvers-poisson-2d-*", "--no-plots"],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "solvers-poisson-2d-manufactured" in done.stdout and "3 passed, 0 failed" in done.stdout
