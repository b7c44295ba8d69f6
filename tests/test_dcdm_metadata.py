"""Structured metadata of the shipped DCDM models and the envelope warning (issue 17, part 2)."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from solvers import ObstacleLaplacian, dcdm, make_solver
from solvers.deep_conjugate import EnvelopeWarning, model_metadata
from solvers.obstacles import box, box_with_ball, smooth_rhs

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[1]


def _train_script():
    spec = importlib.util.spec_from_file_location("train_dcdm", ROOT / "benchmarks" / "train_dcdm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, key, grid", [("poisson2d", "2d", (64, 64)), ("poisson3d", "3d", (32, 32, 32))])
def test_shipped_metadata_is_structured_and_its_recipe_is_the_training_scripts(name, key, grid):
    meta = model_metadata(name)
    assert meta.dimension == len(grid) and meta.grid_sizes == (grid,)
    assert meta.boundary_kinds == ("dirichlet", "neumann") and not meta.closed_domains
    assert "solid" not in meta.cell_types and meta.geometry_families == ("open-top box",)
    # the header's recipe is exactly what benchmarks/train_dcdm.py records: same hash
    from solvers.deep_conjugate.metadata import recipe_hash

    assert meta.recipe_hash == recipe_hash(_train_script().recipe(key))
    assert recipe_hash({**meta.recipe, "lr": 0.5}) != meta.recipe_hash
    assert (ROOT / "solvers" / "deep_conjugate" / "pretrained" / f"{name}.safetensors").stat().st_size <= 2 * 2 ** 20


def test_envelope_warning_outside_and_silence_inside():
    from solvers import load_pretrained

    model = load_pretrained("poisson2d")
    inside = box((64, 64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the trained geometry, any warning fails
        _, info = dcdm(inside.operator(), smooth_rhs(inside).ravel(), model=model, rtol=1e-6)
    assert info.converged
    ball = box_with_ball((48, 48))
    with pytest.warns(EnvelopeWarning, match=r"solid cells \(obstacles\)"):
        make_solver(ball.operator(), "dcdm", model=model).solve(smooth_rhs(ball).ravel())
    closed = ObstacleLaplacian(np.zeros((32, 32), dtype=bool), bc="neumann", closed="allow")
    with pytest.warns(EnvelopeWarning, match="closed domain"):
        make_solver(closed, "dcdm", model=model).solve(smooth_rhs(box((32, 32))).ravel())
    meta = model.metadata
    assert meta.envelope_issues(grid_shape=(255, 64)) == []  # 3.98x: inside
    assert "4.0x the largest trained (64, 64)" in meta.envelope_issues(grid_shape=(256, 64))[0]
    assert "periodic" in meta.envelope_issues(type("Op", (), {"bc": (("periodic", "periodic"),) * 2})())[0]
    assert model_metadata("poisson3d").envelope_issues(grid_shape=(96, 96, 96)) == []


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown pretrained model 'poisson4d'"):
        model_metadata("poisson4d")
