"""Fuzz properties of ``sciml.training_config``: random bad training configs are refused with a
:class:`~sciml.studies.SpecError` naming the key, before anything is built or written; a valid
tiny config trains, saves a model that loads, and reports its steps."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
pytest.importorskip("pydantic")

import yaml  # noqa: E402
from fuzz_support import call, covers, rejects  # noqa: E402
from sciml.models import load  # noqa: E402
from sciml.operators import DeepONet  # noqa: E402,F401 -- torch imported before the timed refusals
from sciml.studies import SpecError  # noqa: E402
from sciml.training_config import TrainConfig, load_train_config, train_from_config  # noqa: E402

junk = st.sampled_from([None, 3, -1.5, math.nan, "", "x", [], {}, [[]], {"a": None}, True])

#: (dotted key, bad value): wrong types, values out of range, unknown keys, unknown classes.
bad_entries = st.one_of(
    st.tuples(st.sampled_from(["fit.steps", "fit.batch_size", "fit.lr", "fit.timeout", "fit.checkpoint_every"]),
              st.sampled_from([0, -3, "many", [], {}, "x"])),
    st.tuples(st.sampled_from(["fit.optimizer", "fit.loss", "fit.layout", "fit.distributed"]),
              st.sampled_from(["lbfgs", "l1", "diagonal", "sometimes", 3, []])),
    st.tuples(st.just("fit.epochs"), st.just(2)),  # both steps and epochs
    st.tuples(st.sampled_from(["model.name", "data.name"]),
              st.sampled_from(["", "NoSuchNet", "sciml.operators.NoSuchNet", "no.such.module.f", "os.sep",
                               "math.pi", 3, None])),
    st.tuples(st.sampled_from(["model.args", "data.args"]), st.sampled_from([{"depth": 3}, {"n": 1}, 3, "x"])),
    st.tuples(st.sampled_from(["model", "data", "fit", "output"]), junk),
    st.tuples(st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8)
              .filter(lambda k: k not in {"model", "data", "fit", "output", "checkpoint"}), junk),
    st.tuples(st.sampled_from(["fit.lr_rate", "model.kwargs", "data.arguments"]), st.just(1)),
)


def _good(folder: Path) -> dict:
    return {"model": {"name": "DeepONet", "args": {"branch": [6, 8], "trunk": [1, 8]}},
            "data": {"name": "antiderivative", "args": {"n_train": 8, "n_test": 4, "m": 6, "cache": False}},
            "fit": {"steps": 2, "progress": False, "distributed": False}, "output": str(folder / "m.safetensors")}


def _put(data: dict, key: str, value) -> None:
    *parents, last = key.split(".")
    node = data
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[last] = value


@covers("sciml.training_config.load_train_config", "sciml.training_config.TrainConfig")
@given(entries=st.lists(bad_entries, min_size=1, max_size=3), via=st.sampled_from(["yaml", "class"]))
def test_bad_configs_are_refused_with_a_spec_error_naming_the_key(entries, via):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = _good(folder)
        for key, value in entries:
            _put(data, key, value)
        if via == "yaml":
            path = folder / "train.yaml"
            path.write_text(yaml.safe_dump(data))
            exc = rejects(lambda: load_train_config(path), documented=(SpecError,))
            top = {key.split(".")[0] for key, _ in entries}
            assert any(f"{name}" in str(exc) for name in top), str(exc)
        else:  # the class checks types and unknown keys only (names resolve in load_train_config)
            try:
                TrainConfig.model_validate(data)
            except ValueError as exc:
                assert str(exc).strip()
        assert not (folder / "m.safetensors").exists(), "a refused config wrote its model"


@covers("sciml.training_config.train_from_config", "sciml.training_config.TrainConfig")
@settings(max_examples=4)
@given(steps=st.integers(1, 4), batch_size=st.one_of(st.none(), st.integers(1, 16)),
       trunk_width=st.sampled_from([0, 4, 8]))
def test_a_tiny_config_trains_and_saves_a_model_that_loads(steps, batch_size, trunk_width):
    with tempfile.TemporaryDirectory() as tmp:
        data = _good(Path(tmp))
        data["fit"].update(steps=steps, batch_size=batch_size)
        data["model"]["args"]["trunk"] = [1, trunk_width]
        data["model"]["args"]["branch"] = [6, trunk_width]
        config = TrainConfig.model_validate(data)
        summary = call(lambda: train_from_config(config), documented=(ValueError,), reject_seconds=None)
        if summary is None:  # a zero width (the constructor: SpecError) or a batch above the 8 samples (fit)
            assert trunk_width == 0 or (batch_size or 0) > 8
            return
        assert f": {steps} steps on 1 process(es)" in summary, summary
        model = load(data["output"])
        assert isinstance(model, DeepONet) and model.config["trunk"] == [1, trunk_width]
