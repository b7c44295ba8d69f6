"""The shipped studies of studies/: they validate, and small versions give the expected numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("zarr")

from sciml.studies import Study, load_spec  # noqa: E402

STUDIES = Path(__file__).resolve().parents[1] / "studies"


@pytest.mark.parametrize("name", ["poisson_convergence", "krylov_comparison", "burgers_viscosity", "slurm_example"])
def test_the_shipped_specs_validate(name):
    spec = load_spec(STUDIES / f"{name}.yaml")
    assert Path(spec.store).is_relative_to(STUDIES / "results")


def test_poisson_convergence_has_order_two_on_both_backends(tmp_path):
    study = Study.from_yaml(STUDIES / "poisson_convergence.yaml",
                            overrides=["grid.product.n=[8, 16, 32]", f"store={tmp_path / 'p'}"])
    assert study.run("serial", progress=False).ok
    table = study.results()
    assert set(table["backend"]) == {"numpy", "array_api_strict"}
    assert table["order_rel_l2"].between(1.95, 2.05).all()
    numpy, strict = (table[table["backend"] == b]["rel_l2"].to_numpy() for b in ("numpy", "array_api_strict"))
    assert numpy == pytest.approx(strict, rel=1e-9)


def test_krylov_comparison_orders_the_methods(tmp_path):
    study = Study.from_yaml(STUDIES / "krylov_comparison.yaml",
                            overrides=["grid.product.n=[32]", f"store={tmp_path / 'k'}"])
    assert study.run(progress=False).ok
    table = study.results().set_index("method")
    assert (table["reason"] == "converged").all() and (table["rel_l2"] < 1e-7).all()
    iterations = table["iterations"]
    assert iterations["direct"] == 1 and iterations["amg"] < iterations["pcg-ic0"] < iterations["cg"]
    figure = study.plot(x="method", y="iterations", path=tmp_path / "k.png")        # a bar chart
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == list(table.index)
    assert (tmp_path / "k.png").stat().st_size > 1000


def test_burgers_sweep_converges_with_resolution(tmp_path):
    study = Study.from_yaml(STUDIES / "burgers_viscosity.yaml",
                            overrides=["grid.product.nu=[0.02, 0.1]", "grid.product.resolution=[16, 32]",
                                       "fixed.t_final=0.05", f"store={tmp_path / 'b'}"])
    assert study.run("serial", progress=False).ok
    table = study.results()
    for nu in (0.02, 0.1):
        errors = table[table["nu"] == nu].sort_values("resolution")["rel_l2"].to_numpy()
        assert errors[1] < errors[0] / 10
    figure = study.plot(x="resolution", y="rel_l2", hue="nu")
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert len(labels) == 2 and all("order" in label for label in labels)
