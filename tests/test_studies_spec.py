"""Study specs: every invalid spec is refused before any point runs, naming the key and the YAML line."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pydantic")
pytest.importorskip("yaml")

from sciml.studies import GridSpec, SpecError, Study, grid_points, load_spec, point_key  # noqa: E402

GOOD = """\
name: burgers
problem: burgers_sine
fixed:
  t_final: 0.05
grid:
  product:
    nu: [0.05, 0.1]
    resolution: [16, 32]
metrics: [rel_l2, {observed_order: {of: rel_l2, over: resolution}}]
store: out
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_a_good_spec_loads_with_the_store_beside_it(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD))
    assert spec.grid.kind == "product" and spec.grid.names() == ("nu", "resolution")
    assert [m.name for m in spec.metrics] == ["rel_l2", "observed_order"]
    assert Path(spec.store) == tmp_path / "out" and spec.executor.kind == "serial"
    assert len(Study.from_spec(spec).points()) == 4


@pytest.mark.parametrize("old, new, line, needle", [
    ("metrics:", "metric:", 9, "metric: Extra inputs are not permitted"),                      # unknown key
    ("    nu: [0.05, 0.1]", "    nu: 0.05", 7, "grid.product.nu: Input should be a valid list"),  # wrong type
    ("    resolution: [16, 32]", "    resolution: []", 5, "resolution'] of the product grid have no values"),
    ("problem: burgers_sine", "problem: burgers_sin", 2, "unknown problem 'burgers_sin'"),
    ("problem: burgers_sine", "problem: no_module_here:f", 2, "cannot be imported"),
    ("metrics: [rel_l2,", "metrics: [rel_l3,", 9, "metrics.0: unknown metric 'rel_l3'"),
    ("  t_final: 0.05", "  t_end: 0.05", 4, "fixed.t_end: the problem 'burgers_sine' accepts no parameter 't_end'"),
    ("    nu: [0.05, 0.1]", "    viscosity: [0.05, 0.1]", 7, "accepts no parameter 'viscosity'"),
    ("over: resolution", "over: n", 9, "observed_order over 'n', which is no parameter"),
    ("name: burgers\n", "name: 3\n", 1, "name: Input should be a valid string"),
])
def test_an_invalid_spec_names_the_key_and_line(tmp_path, old, new, line, needle):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert needle in message, message
    assert f"{path}, line {line}" in message, message


def test_spec_errors_need_no_file(tmp_path):
    with pytest.raises(SpecError, match="needs the parameter.*'resolution'"):
        Study(problem="burgers_sine", grid={"product": {"nu": [0.1]}}, store=tmp_path)
    with pytest.raises(SpecError, match="grid: .*give exactly one of product, zip, list, random; got none"):
        Study(problem="burgers_sine", grid={}, store=tmp_path)
    with pytest.raises(SpecError, match="zip needs lists of one length"):
        Study(problem="burgers_sine", grid={"zip": {"nu": [0.1, 0.2], "resolution": [16]}}, store=tmp_path)
    with pytest.raises(SpecError, match=r"\['nu'\] are both fixed and in the grid"):
        Study(problem="burgers_sine", grid={"zip": {"nu": [0.1], "resolution": [16]}}, fixed={"nu": 0.1},
              store=tmp_path)
    with pytest.raises(ValueError, match="importable function"):
        Study(problem=lambda x: x, grid={"list": [{"x": 1}]}, store=tmp_path)
    study = Study(problem="burgers_sine", grid={"list": [{"nu": 0.1, "resolution": 16}]}, store=tmp_path / "s")
    with pytest.raises(ValueError, match="executor must be one of .*got 'mpi'"):
        study.run("mpi", progress=False)
    with pytest.raises(ValueError, match="workers must be a positive int, got 0"):
        study.run("process", workers=0, progress=False)
    assert not (tmp_path / "s").exists()                       # refused before anything was written


def test_overrides_are_validated_too(tmp_path):
    path = _write(tmp_path, GOOD)
    spec = load_spec(path, overrides=["grid.product.nu=[0.2]", "executor.kind=dask", "executor.workers=2"])
    assert spec.grid.product["nu"] == [0.2] and spec.executor.workers == 2
    with pytest.raises(SpecError, match="executor.kind: Input should be 'serial', 'process' or 'dask'"):
        load_spec(path, overrides=["executor.kind=slurm"])
    with pytest.raises(SpecError, match="expects key=value"):
        load_spec(path, overrides=["grid.product.nu"])


def test_grids_zip_list_random():
    assert grid_points(GridSpec(list=[{"a": 1}, {"a": 2, "b": "x"}])) == [{"a": 1}, {"a": 2, "b": "x"}]
    spec = GridSpec(random={"nu": {"low": 0.01, "high": 1.0, "log": True}, "n": {"choices": [16, 32]},
                            "k": {"low": 1, "high": 5, "integer": True}}, samples=50, seed=7)
    points = grid_points(spec)
    assert points == grid_points(spec) and len(points) == 50                  # the seed fixes the points
    assert points != grid_points(spec.model_copy(update={"seed": 8}))
    assert {p["n"] for p in points} == {16, 32} and all(isinstance(p["k"], int) and 1 <= p["k"] <= 5 for p in points)
    small = sum(p["nu"] < 0.1 for p in points)                                   # log-uniform: half below 0.1
    assert 15 <= small <= 35
    with pytest.raises(ValueError, match="needs samples and seed"):
        GridSpec(random={"nu": {"low": 0.1, "high": 1.0}})
    with pytest.raises(ValueError, match="log sampling needs low > 0"):
        GridSpec(random={"nu": {"low": 0.0, "high": 1.0, "log": True}}, samples=2, seed=0)


def test_point_keys_follow_the_parameters_problem_and_version():
    import numpy as np

    base = point_key("m:f", {"n": 8, "nu": 0.1}, version="0.1.0")
    assert base == point_key("m:f", {"nu": np.float64(0.1), "n": np.int64(8)}, version="0.1.0")
    assert len({base, point_key("m:f", {"n": 8, "nu": 0.2}, version="0.1.0"),
                point_key("m:g", {"n": 8, "nu": 0.1}, version="0.1.0"),
                point_key("m:f", {"n": 8, "nu": 0.1}, version="0.2.0")}) == 4
    with pytest.raises(TypeError, match="must be JSON data"):
        point_key("m:f", {"f": object()})


def test_importing_the_studies_is_light_and_a_missing_extra_is_named():
    import subprocess
    import sys

    code = ("import sys, sciml.studies, sciml.cli\n"
            "heavy = sorted(m for m in ('torch', 'pandas', 'zarr', 'pyarrow', 'dask', 'distributed', 'matplotlib', "
            "'xarray') if m in sys.modules)\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    missing = subprocess.run([sys.executable, "-c", "import sys; sys.modules['pydantic'] = None; import sciml.studies"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "pip install 'sciml[studies]'" in missing.stderr
