"""sciml.models: recorded constructor arguments, one file format, checked loading, predict on arrays."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import sciml.models.files as files
from sciml.backend import to_numpy
from sciml.models import FORMAT_VERSION, Model, load, save
from sciml.models.header import read_header
from sciml.operators import MGTFNO, DeepONet
from solvers.deep_conjugate.network import DCDMNet


def _deeponet():
    net = DeepONet([20, 16, 16], [1, 16, 16], "tanh", periodic_features=[1, 2])
    net.set_normalization(torch.randn(50, 20) * 3 + 1, torch.rand(50, 1), torch.randn(50) * 2 - 1)
    return net


def _mgtfno():
    model = MGTFNO(8, 1, 1, 16, levels=1, padding_fraction=1 / 16, rank=0.2, seed=0, lifting_channel_ratio=3)
    model.set_normalization(torch.randn(6, 1, 32, 32) + 2, torch.randn(6, 1, 32, 32) * 5)
    return model


def _inputs(model):
    g = torch.Generator().manual_seed(0)
    if isinstance(model, DeepONet):
        return torch.randn(3, 20, generator=g), torch.rand(7, 1, generator=g)
    if isinstance(model, MGTFNO):
        return (torch.randn(2, 1, 32, 32, generator=g),)
    return (torch.randn(2, 1, 8, 8, 8, generator=g),)


MODELS = {"deeponet": _deeponet, "mgtfno": _mgtfno, "dcdm": lambda: DCDMNet(3, channels=4, seed=1)}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_round_trip_gives_identical_outputs_config_and_weights(tmp_path, name):
    model = MODELS[name]().eval()
    path = tmp_path / "model.safetensors"
    save(model, path, metadata={"steps": 5, "history": {"loss": [1.0, 0.5]}})
    again = load(path)
    assert type(again) is type(model) and not again.training
    assert again.config == model.config
    before, after = model.state_dict(), again.state_dict()
    assert before.keys() == after.keys()
    for key in before:
        assert before[key].dtype == after[key].dtype and torch.equal(before[key], after[key]), key
    with torch.no_grad():
        assert torch.equal(model(*_inputs(model)), again(*_inputs(model)))
    header = read_header(path, max_bytes=2**30)
    assert header.metadata == {"steps": 5, "history": {"loss": [1.0, 0.5]}}
    assert header.cls == f"{type(model).__module__}:{type(model).__qualname__}"
    assert header.format_version == FORMAT_VERSION and header.dtype == "float32"


def test_complex_spectral_weights_are_stored_as_real_views_and_come_back_exactly(tmp_path):
    model = _mgtfno()
    complex_names = sorted(k for k, v in model.state_dict().items() if v.is_complex())
    assert len(complex_names) == 20  # 4 layers x Tucker core + 4 factors
    model.save(tmp_path / "m.safetensors")
    assert sorted(read_header(tmp_path / "m.safetensors", max_bytes=2**30).complex) == complex_names
    stored = load_file(tmp_path / "m.safetensors")
    for name in complex_names:
        assert stored[name].dtype == torch.float32 and stored[name].shape[-1] == 2
    again = load(tmp_path / "m.safetensors")
    for name in complex_names:
        original, loaded = model.state_dict()[name], again.state_dict()[name]
        assert loaded.dtype == torch.complex64
        assert torch.equal(original.real, loaded.real) and torch.equal(original.imag, loaded.imag)


def test_float64_model_and_keyword_options_round_trip(tmp_path):
    net = DeepONet([5, 8, 8], [2, 8, 8], n_outputs=2).double()
    net.save(tmp_path / "d.safetensors")
    again = load(tmp_path / "d.safetensors")
    assert again.bias.dtype == torch.float64
    u, y = torch.randn(3, 5, dtype=torch.float64), torch.rand(4, 2, dtype=torch.float64)
    assert torch.equal(net(u, y), again(u, y))
    # MGTFNO's **fno_options are flattened into the record and passed back on load
    model = MGTFNO(4, 1, 1, 8, seed=0, lifting_channel_ratio=3)
    assert model.config["lifting_channel_ratio"] == 3 and "fno_options" not in model.config
    model.save(tmp_path / "m.safetensors")
    assert load(tmp_path / "m.safetensors").fno.lifting.fcs[0].out_channels == 24


def test_config_records_defaults_is_read_only_and_survives_copy():
    import copy

    net = DCDMNet(2, channels=np.int64(8))
    assert net.config == {"dim": 2, "channels": 8, "fine": 3, "coarse": 6, "after": 4, "seed": None}
    assert type(net.config["channels"]) is int
    net.config["dim"] = 3  # a copy
    assert net.config["dim"] == 2
    with pytest.raises(AttributeError):
        net.config = {}
    assert copy.deepcopy(net).config == net.config
    assert DeepONet(branch=(4, 8), trunk=(1, 8)).config["branch"] == [4, 8]  # tuples recorded as JSON lists


def test_save_refuses_what_json_cannot_hold_and_leaves_no_file(tmp_path):
    model = MGTFNO(4, 1, 1, 8, seed=0, non_linearity=torch.tanh)
    with pytest.raises(TypeError, match="non_linearity"):
        save(model, tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="metadata"):
        save(DCDMNet(2), tmp_path / "m.safetensors", metadata={"when": object()})
    with pytest.raises(TypeError, match="Model"):
        save(torch.nn.Linear(2, 2), tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_import_sciml_models_does_not_import_torch():
    code = "import sys, sciml.models; print('torch' in sys.modules, 'safetensors' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -- predict ---------------------------------------------------------------------------------
def test_predict_numpy_equals_the_torch_forward_in_eval_mode_without_grad():
    net = _deeponet()
    net.train()
    u, y = (t.double().numpy() for t in _inputs(net))
    out = net.predict(u, y)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (3, 7)
    assert net.training  # restored
    with torch.no_grad():
        expected = net.eval()(torch.as_tensor(u, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32))
    np.testing.assert_array_equal(out, expected.numpy())
    np.testing.assert_allclose(net.predict(u, y, batch_size=2), out, rtol=1e-6, atol=1e-6)  # batches of u only
    ys = np.random.default_rng(0).random((3, 1))
    unaligned = net.predict(u, ys, form="unaligned", batch_size=1)
    np.testing.assert_allclose(unaligned[:, 0], np.diag(net.predict(u, ys)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="form"):
        net.predict(u, y, form="backward")
    with pytest.raises(ValueError, match="batch_size"):
        net.predict(u, y, batch_size=0)


def test_predict_keeps_the_array_namespace(xp):
    model = DCDMNet(2, channels=4, seed=0)
    r = np.random.default_rng(1).normal(size=(3, 1, 8, 8))
    out = model.predict(xp.asarray(r), batch_size=2)
    assert type(out) is type(xp.asarray(r))
    with torch.no_grad():
        expected = model(torch.as_tensor(r, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-5, atol=1e-6)


# -- hostile files -----------------------------------------------------------------------------
@pytest.fixture
def allocations(monkeypatch):
    """Records every model build (its device) and every read of the weights during ``load``."""
    events = []
    build = files._build

    def spy_build(path, cls, header, *, device, **limits):
        events.append(device)
        return build(path, cls, header, device=device, **limits)

    def spy_read(*args, **kwargs):
        events.append("read")
        return load_file(*args, **kwargs)

    monkeypatch.setattr(files, "_build", spy_build)
    monkeypatch.setattr("safetensors.torch.load_file", spy_read)
    return events


def _forge(path, model, tensors=None, **changes):
    """A file with ``model``'s weights (or ``tensors``) and its header fields replaced by ``changes``."""
    save(model, path)
    with safe_open(path, "pt") as f:
        header = json.loads(f.metadata()["sciml-model"])
    header.update(changes)
    save_file(load_file(path) if tensors is None else tensors, path,
              metadata={"sciml-model": json.dumps(header)})
    return path


def _refused(path, allocations, *patterns):
    with pytest.raises(ValueError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message, message
    for pattern in patterns:
        assert pattern in message, message
    assert "cpu" not in allocations and "read" not in allocations, allocations
    assert "weights_only=False" not in message
    return message


def test_unknown_or_foreign_classes_are_refused_without_importing_them(tmp_path, allocations):
    path = tmp_path / "m.safetensors"
    net = DCDMNet(2, channels=2)
    sys.modules.pop("antigravity", None)
    for name, pattern in [("os:system", "outside this project"), ("antigravity:fly", "outside this project"),
                          ("torch.nn:Linear", "outside this project"), ("sciml.train:fit", "not a model class"),
                          ("sciml.operators.deeponet:ConvBranch", "not a model class"),
                          ("sciml.operators.deeponet:Nope", "not a model class"),
                          ("sciml.no_such_module:Net", "does not exist"), ("os.system", "package.module:Class")]:
        _refused(_forge(path, net, **{"class": name}), allocations, pattern)
    assert "antigravity" not in sys.modules
    assert allocations == []


def test_arguments_outside_the_signature_are_refused_by_name(tmp_path, allocations):
    path = tmp_path / "m.safetensors"
    net = DCDMNet(2, channels=2)
    message = _refused(_forge(path, net, arguments={**net.config, "bogus": 1, "evil": "x"}), allocations)
    assert "['bogus', 'evil']" in message
    _refused(_forge(path, MGTFNO(4, 1, 1, 8), arguments={"n_modes": 4}), allocations, "missing")
    _refused(_forge(path, MGTFNO(4, 1, 1, 8), arguments={**MGTFNO(4, 1, 1, 8).config, "exec": "x"}), allocations,
             "exec")  # MGTFNO's **fno_options accept only neuraloperator FNO's options
    _refused(_forge(path, net, arguments={**net.config, "dim": 7}), allocations, "dim must be 2 or 3")
    _refused(_forge(path, net, arguments={**net.config, "channels": "many"}), allocations, "do not build")


def test_tensors_that_disagree_with_the_header_built_model_are_refused_before_allocation(tmp_path, allocations):
    path = tmp_path / "m.safetensors"
    small = DeepONet([10, 16, 16], [1, 16, 16])
    _refused(_forge(path, small, arguments={**small.config, "branch": [20, 16, 16]}), allocations,
             "branch.0.weight", "[16, 10]", "[16, 20]")
    tensors = load_file(_forge(path, small))
    del tensors["bias"]
    _refused(_forge(path, small, tensors=tensors), allocations, "missing ['bias']")
    tensors["extra"] = torch.zeros(3)
    _refused(_forge(path, small, tensors=tensors), allocations, "unexpected ['extra']")
    _refused(_forge(path, small, dtype="float64"), allocations, "float64")
    _refused(_forge(path, small, complex=["bias"]), allocations, "complex tensor 'bias'")
    assert allocations == ["meta"] * 4  # the shape, name and dtype mismatches were found on the meta device


def test_huge_models_are_refused_before_anything_is_allocated(tmp_path, allocations):
    path = tmp_path / "m.safetensors"
    net = DCDMNet(2, channels=2)
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a million channels: 10^12 weights per convolution (36 TB); stopped while building on meta
    _refused(_forge(path, net, arguments={**net.config, "channels": 10**6}), allocations, "too large")
    # ten million layers of one channel: stopped by the tensor count long before they are built
    start = time.perf_counter()
    _refused(_forge(path, net, arguments={**net.config, "channels": 1, "fine": 10**7}), allocations, "too large")
    assert time.perf_counter() - start < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory < 500_000  # kB: < 0.5 GB more at peak
    with pytest.raises(ValueError, match="max_bytes"):
        load(_forge(path, net), max_bytes=100)
    assert allocations == ["meta", "meta"]


def test_damaged_and_foreign_files_are_refused(tmp_path, allocations):
    net = DCDMNet(2, channels=2)
    good = tmp_path / "good.safetensors"
    net.save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(data[:-10])
    _refused(truncated, allocations, "truncated")
    truncated.write_bytes(data[:100])
    _refused(truncated, allocations, "truncated")
    pickled = tmp_path / "pickle.safetensors"
    pickled.write_bytes(__import__("pickle").dumps({"class": "os:system"}))
    _refused(pickled, allocations, "not a safetensors file")
    zipped = tmp_path / "zip.safetensors"
    torch.save(net.state_dict(), zipped)
    _refused(zipped, allocations, "not a safetensors file")
    # a header that declares a 4 TB tensor in a small file
    header = json.dumps({"w": {"dtype": "F32", "shape": [10**6, 10**6], "data_offsets": [0, 4 * 10**12]}}).encode()
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(len(header).to_bytes(8, "little") + header + bytes(16))
    _refused(huge, allocations, "bytes")
    plain = tmp_path / "plain.safetensors"
    save_file(net.state_dict(), plain)
    _refused(plain, allocations, "no 'sciml-model' entry")
    _refused(_forge(tmp_path / "tag.safetensors", net, format="pickle"), allocations, "format tag")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.safetensors")
    assert allocations == []


def test_a_newer_format_version_names_both_versions(tmp_path, allocations):
    path = _forge(tmp_path / "m.safetensors", DCDMNet(2, channels=2), format_version=FORMAT_VERSION + 1)
    _refused(path, allocations, f"version {FORMAT_VERSION + 1}", f"version {FORMAT_VERSION} ")


def test_a_model_class_must_name_its_arguments():
    with pytest.raises(TypeError, match=r"\*args"):
        class Bad(Model, torch.nn.Module):
            def __init__(self, *sizes):
                super().__init__()
