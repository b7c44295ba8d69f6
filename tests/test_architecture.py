"""The layering of architecture.md, enforced by the import-linter contracts in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sciml", "solvers", "tensor_formats", "validation")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
               "sys.path.insert(0, '.'); lint_imports_command()", "--no-cache"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def _copy(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pt",
                                                                                      "*.safetensors"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, upward", [
    ("sciml/train.py", "from sciml.data import FieldData"),             # the old cycle train -> data -> solvers
    ("solvers/krylov.py", "from solvers.deep_conjugate import dcdm"),   # numerics -> learned
    ("validation/metrics.py", "from solvers import cg"),                # checks -> numerics
    ("sciml/backend.py", "from validation import exact"),               # foundation -> checks
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    root = _copy(tmp_path)
    with open(root / module, "a") as f:
        f.write(f"\n\ndef _upward():  # injected by the test\n    {upward}\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout.upper() and "is not allowed to import" in result.stdout


def test_every_module_has_a_layer():
    """Submodules of solvers and sciml are listed one by one in the layers contract (DCDM sits above the
    rest of solvers, so solvers cannot be one layer): a new module must be placed there."""
    import pkgutil
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in config if c["type"] == "layers")["layers"]
    listed = {name.strip("() ") for layer in layers for name in layer.split(":")}
    for package in ("solvers", "sciml"):
        for module in pkgutil.iter_modules([str(ROOT / package)]):
            assert f"{package}.{module.name}" in listed, f"{package}.{module.name} is in no layer of pyproject.toml"
