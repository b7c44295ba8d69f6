"""Fuzz properties of ``sciml.studies`` and ``sciml.cli``: random bad specs are refused with a
:class:`~sciml.studies.SpecError` (a ValueError) before any point runs; a valid tiny spec with a
cheap importable problem in a temporary store gives the results table its oracle predicts.
Each property: a correct result or a documented exception, within the time limit."""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("pydantic")
pytest.importorskip("zarr")
pytest.importorskip("pandas")

from fuzz_support import call, covers, rejects  # noqa: E402
from sciml.cli import main  # noqa: E402
from sciml.studies import (METRICS, PROBLEMS, ExecutorSpec, GridSpec, MetricSpec, RunSummary, SpecError,  # noqa: E402
                           StoreError, StoreLockedError, Study, StudySpec, StudyStatus, StudyStore, grid_points,
                           html_table, load_spec, parse_spec, plot_results, point_key, point_record, resolve)

PROBLEM = "studies_problems:counted"  # tests/studies_problems.py: {"solution", "exact", "value": x**2}

#: Values of the wrong type for any key of a spec.
junk = st.sampled_from([None, 3, -1.5, math.nan, "", "x", [], {}, [[]], {"a": None}, True])

#: (top-level key, bad value) pairs: empty or malformed grids, unknown problems, metrics, executors.
bad_entries = st.one_of(
    st.tuples(st.just("grid"), st.one_of(junk, st.sampled_from([
        {"product": {}}, {"product": {"x": []}}, {"zip": {"x": [1.0], "size": [2, 3]}}, {"list": [{}]},
        {"list": []}, {"random": {"x": {"low": 1.0, "high": 0.0}}, "samples": 2, "seed": 0},
        {"random": {"x": {"low": 0.0, "high": 1.0}}}, {"product": {"x": [1.0]}, "zip": {"x": [1.0]}},
        {"product": {"x": [1.0]}, "seed": 3}, {"cartesian": {"x": [1.0]}},
        {"random": {"x": {"low": -1.0, "high": 1.0, "log": True}}, "samples": 2, "seed": 0}]))),
    st.tuples(st.just("problem"), st.one_of(junk, st.sampled_from(["no_such_problem", "os:no_such_function",
                                                                   "no.such.module:f", ":"]))),
    st.tuples(st.just("metrics"), st.one_of(st.sampled_from([None, 3, "rel_l2"]),
                                            st.sampled_from([["no_such_metric"], [{"observed_order": {}}],
                                                             [{"observed_order": {"of": "rel_l2"}}], [3]]))),
    st.tuples(st.just("executor"), st.one_of(junk, st.sampled_from([{"kind": "cluster"}, {"kind": "serial",
                                                                                          "scheduler": "x:1"},
                                                                   {"kind": "process", "workers": 0}]))),
    st.tuples(st.just("fixed"), st.sampled_from([3, "x", [1], {"x": 1.0}])),  # x is also in the grid
    st.tuples(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8)
              .filter(lambda k: k not in {"name", "problem", "grid", "metrics", "fixed", "store", "executor",
                                          "description"}), junk),  # an unknown key
)


def _good(store) -> dict:
    return {"name": "fuzz", "problem": PROBLEM, "grid": {"product": {"x": [0.5, 1.0]}},
            "metrics": ["rel_l2", "max_error"], "store": str(store)}


@covers("sciml.studies.parse_spec", "sciml.studies.SpecError", "sciml.studies.StudySpec", "sciml.studies.GridSpec",
        "sciml.studies.MetricSpec", "sciml.studies.ExecutorSpec", "sciml.studies.Study", "sciml.studies.load_spec",
        "sciml.studies.resolve", "sciml.studies.PROBLEMS", "sciml.studies.METRICS")
@given(entries=st.lists(bad_entries, min_size=1, max_size=3), via=st.sampled_from(["parse", "study", "yaml"]))
def test_bad_specs_are_refused_with_a_spec_error(entries, via, tmp_path_factory):
    data = _good(tmp_path_factory.mktemp("store"))
    for key, value in entries:
        data[key] = value
    if via == "parse":
        exc = rejects(lambda: parse_spec(data, source="fuzz"), documented=(SpecError,))
    elif via == "study":
        kwargs = {k: v for k, v in data.items() if k in {"problem", "grid", "metrics", "fixed", "store", "executor",
                                                          "name"}}
        unknown = set(data) - set(kwargs)
        if unknown:  # Study's keywords are the spec's keys: an unknown key is a TypeError of the call
            exc = rejects(lambda: Study(**kwargs, **{k: data[k] for k in unknown}))
            return
        exc = rejects(lambda: Study(**kwargs))
    else:
        import yaml

        path = tmp_path_factory.mktemp("spec") / "spec.yaml"
        path.write_text(yaml.safe_dump(data))
        exc = rejects(lambda: load_spec(path), documented=(SpecError,))
    assert str(exc).strip()
    assert not list(Path(data["store"]).iterdir()), "a refused spec wrote into its store"
    # the problem and metric registries are what resolve() reads
    assert callable(resolve(next(iter(PROBLEMS)))) and callable(resolve(next(iter(METRICS)), kind="metric"))


@covers("sciml.studies.Study", "sciml.studies.RunSummary", "sciml.studies.StudyStatus", "sciml.studies.StudyStore",
        "sciml.studies.grid_points", "sciml.studies.point_key", "sciml.studies.point_record",
        "sciml.studies.html_table", "sciml.studies.StoreError", "sciml.studies.StoreLockedError")
@given(xs=st.lists(st.sampled_from([-1.0, 0.25, 0.5, 1.0, 2.0, 3.0]), min_size=1, max_size=3, unique=True),
       size=st.integers(1, 5), scale=st.sampled_from([1.0, 2.0, 0.5]))
def test_a_tiny_study_gives_the_oracle_table(xs, size, scale):
    with tempfile.TemporaryDirectory() as tmp:
        study = call(lambda: Study(problem=PROBLEM, grid={"product": {"x": xs}}, fixed={"size": size, "scale": scale},
                                   metrics=["rel_l2", "max_error"], store=Path(tmp) / "store"))
        assert study is not None, "a valid spec was refused"
        points = grid_points(study.spec.grid)
        assert sorted(p["x"] for p in points) == sorted(xs)
        keys = {point_key(study.spec.problem, {**study.spec.fixed, **p}, version=study.version) for p in points}
        assert len(keys) == len(xs)
        assert point_record(study.spec.problem, {"x": xs[0]})["problem"] == study.spec.problem
        summary = call(lambda: study.run("serial", progress=False), reject_seconds=None)
        assert isinstance(summary, RunSummary)
        failing = [x for x in xs if x < 0]  # the problem raises for x < 0: a recorded failure, not a crash
        assert summary.total == len(xs) and summary.computed == len(xs) - len(failing)
        assert len(summary.failures) == len(failing) and summary.ok == (not failing)
        status = study.status()
        assert isinstance(status, StudyStatus)
        assert (status.total, status.complete, status.failed) == (len(xs), len(xs) - len(failing), len(failing))
        table = study.results()
        ok = table[table["status"] == "ok"] if "status" in table.columns else table
        assert len(ok) == len(xs) - len(failing)
        for _, row in ok.iterrows():
            x = float(row["x"])
            u = scale * np.sin(x + np.arange(size))
            exact = np.sin(np.arange(size) + 0.5 * x)
            assert row["value"] == pytest.approx(x * x)
            assert row["max_error"] == pytest.approx(np.max(np.abs(u - exact)), rel=1e-12, abs=1e-15)
            assert row["rel_l2"] == pytest.approx(np.linalg.norm(u - exact) / np.linalg.norm(exact), rel=1e-12)
        assert "<table" in html_table(ok)
        again = study.run("serial", progress=False)  # nothing computed twice
        assert again.computed == 0 and again.skipped == len(xs) - len(failing)
        assert isinstance(study.store, StudyStore) and study.store.complete_keys() <= keys
        # a store that is a file is refused with a StoreError (a documented error of the store)
        blocker = Path(tmp) / "file"
        blocker.write_text("not a folder")
        assert issubclass(StoreLockedError, StoreError)
        exc = rejects(lambda: Study(problem=PROBLEM, grid={"product": {"x": xs}}, store=blocker).run("serial",
                                                                                                   progress=False),
                      documented=(StoreError, SpecError))
        assert str(blocker) in str(exc)


@covers("sciml.studies.plot_results")
@given(x=st.sampled_from(["x", "missing", ""]), y=st.sampled_from(["value", "missing", "x"]),
       hue=st.sampled_from([None, "missing", "x"]))
def test_plot_results_plots_or_names_the_column(x, y, hue):
    import pandas as pd

    pytest.importorskip("matplotlib")
    frame = pd.DataFrame({"x": [1.0, 2.0, 4.0], "value": [1.0, 4.0, 16.0]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plot.png"
        # plot_results raises KeyError naming a missing column (the CLI reports it as exit code 2)
        out = call(lambda: plot_results(frame, x=x, y=y, hue=hue, path=path),
                   documented=(ValueError, KeyError, TypeError))
        if out is None:
            assert {x, y, hue} - {None} - set(frame.columns), "a plot of existing columns was refused"
            return
        assert path.exists() and path.stat().st_size > 0


@covers("sciml.cli.main")
@given(argv=st.lists(st.sampled_from(["study", "run", "status", "collect", "plot", "--set", "grid=3", "--executor",
                                      "serial", "--workers", "-1", "spec.yaml", "no-such.yaml", "--bogus", ""]),
                     max_size=6))
def test_cli_exits_with_a_code_and_a_message(argv):
    err = io.StringIO()
    out = io.StringIO()

    def run():
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try:
                return main(argv)
            except SystemExit as exc:
                return exc.code

    code = call(run)
    assert code in (0, 1, 2), code
    if code == 2:
        assert err.getvalue().strip(), "exit code 2 without a message"
