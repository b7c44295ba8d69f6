"""Fuzz properties of ``sciml``: io (array files, the cache), models (save/load), losses, batches,
fit, the data generators, the operators and the backend helpers.  Each property: a correct result
(round trip, a numpy oracle, an exact relation) or a documented exception, within the time limit."""

from __future__ import annotations

import math
import os
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import arrays, call, covers, is_finite, rejects
from sciml import backend as B
from sciml import io as sio

torch = pytest.importorskip("torch")

from sciml import batches as sb  # noqa: E402
from sciml import data as sd  # noqa: E402
from sciml import losses as sl  # noqa: E402
from sciml import models as sm  # noqa: E402
from sciml import train as st_  # noqa: E402
from sciml.operators import MGTFNO, DeepONet  # noqa: E402

# ---------------------------------------------------------------------------------------------
# sciml.io
# ---------------------------------------------------------------------------------------------

names = st.one_of(st.sampled_from(["x", "u_0", "a.b", "format", "metadata", "../x", "a/b", "", "é", "-x"]),
                  st.text("abc_", min_size=1, max_size=4))
metadata = st.one_of(st.none(), st.just({"k": 1}), st.just({"k": math.nan}), st.just({"k": object()}),
                     st.just({"nested": {"a": [1, 2]}}))


@covers("sciml.io.write_arrays", "sciml.io.read_arrays", "sciml.io.ArrayFile", "sciml.io.ArraySpec",
        "sciml.io.FormatVersionError", "sciml.io.atomic_write")
@given(entries=st.dictionaries(names, arrays(dtypes=(np.float64, np.float16, np.complex128, np.int64, np.bool_),
                                              poison=True), max_size=3),
       meta=metadata, version=st.integers(-1, 3), max_version=st.integers(0, 3), expect_shape=st.booleans())
def test_array_files_round_trip_or_refuse(tmp_path_factory, entries, meta, version, max_version, expect_shape):
    path = tmp_path_factory.mktemp("arrays") / "f.npz"
    written = call(lambda: sio.write_arrays(path, entries, format="fuzz.F", version=version, metadata=meta))
    if not path.exists():
        return  # refused (a documented exception)
    assert written is None and version >= 1
    assert all(n not in ("format", "metadata") and "/" not in n and n for n in entries)
    expect = {n: sio.ArraySpec(shape=a.shape, dtype=a.dtype.str[1:], finite=False) for n, a in entries.items()}
    if expect_shape and entries:
        first = next(iter(entries))
        expect[first] = sio.ArraySpec(shape=entries[first].shape + (1,))
    content = call(lambda: sio.read_arrays(path, format="fuzz.F", max_version=max_version, expect=expect))
    if content is None:
        assert version > max_version or (expect_shape and entries)
        if version > max_version:
            rejects(lambda: sio.read_arrays(path, format="fuzz.F", max_version=max_version),
                    documented=(sio.FormatVersionError,))
        return
    assert isinstance(content, sio.ArrayFile) and content.version == version and version <= max_version
    assert content.metadata == (meta or {})
    assert set(content.arrays) == set(entries)
    for n, a in entries.items():
        np.testing.assert_array_equal(content.arrays[n], a)
        assert content.arrays[n].dtype == a.dtype
    rejects(lambda: sio.read_arrays(path, format="fuzz.Other", max_version=max_version))


@covers("sciml.io.cached_dataset", "sciml.io.cache_key", "sciml.io.Codec", "sciml.io.json_data",
        "sciml.io.cache_dir", "sciml.data.cache_dir")
@given(n=st.integers(-2, 5), scale=st.sampled_from([1.0, 2.0, math.nan, math.inf]),
       cache=st.sampled_from(["folder", False, True, 3]), env=st.sampled_from(["", "   ", "set"]))
def test_cache_returns_what_the_generator_returns(tmp_path_factory, n, scale, cache, env):
    """The cache never returns another call's data; SCIML_CACHE_DIR="" (or blanks) means the
    default folder, never the current one; bad keys and bad cache arguments are refused."""
    folder = tmp_path_factory.mktemp("cache")
    home = tmp_path_factory.mktemp("home")
    calls = []

    @sio.cached_dataset(format_version=1, codec=sio.Codec())
    def squares(n, *, scale=1.0, cache=True):
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        calls.append(n)
        return {"y": scale * np.arange(n, dtype=np.float64) ** 2}

    environment = {"SCIML_CACHE_DIR": str(folder) if env == "set" else env, "HOME": str(home)}
    argument = folder if cache == "folder" else cache
    cwd = os.getcwd()
    with mock.patch.dict(os.environ, environment):
        os.chdir(folder)
        try:
            first = call(lambda: squares(n, scale=scale, cache=argument))
            second = call(lambda: squares(n, scale=scale, cache=argument))
        finally:
            os.chdir(cwd)
        expected_dir = folder if env == "set" else home / ".cache" / "sciml"
        assert sio.cache_dir() == expected_dir and sd.cache_dir() == expected_dir
    if first is None:
        assert n < 0 or not math.isfinite(scale) or cache == 3
        return
    np.testing.assert_array_equal(first["y"], scale * np.arange(n) ** 2)
    np.testing.assert_array_equal(second["y"], first["y"])
    if cache is not False:
        assert len(calls) == 1, "a second identical call regenerated"
        if env != "set" and cache is True:
            assert not list(folder.glob("squares-*.npz")) or env == "set", "wrote into the current folder"
    other = squares(n + 1, scale=scale, cache=argument) if cache != 3 and cache is not True else None
    if other is not None:
        assert other["y"].shape == (n + 1,)
    key = sio.cache_key({"generator": "g", "arguments": {"n": n}})
    assert key == sio.cache_key({"arguments": {"n": n}, "generator": "g"}) != sio.cache_key(
        {"generator": "g", "arguments": {"n": n + 1}})
    rejects(lambda: sio.json_data({"x": object()}))
    rejects(lambda: sio.json_data(math.nan))


# ---------------------------------------------------------------------------------------------
# Losses, batches, fit
# ---------------------------------------------------------------------------------------------

@covers("sciml.losses.mse_loss", "sciml.losses.relative_l2_loss", "sciml.losses.h1_loss", "sciml.losses.LOSSES",
        "sciml.train.mse_loss", "sciml.train.relative_l2_loss", "sciml.train.h1_loss")
@given(prediction=arrays(dtypes=(np.float64, np.float32), min_dims=1, max_dims=4, max_side=5, poison=False),
       mismatch=st.sampled_from(["none", "flat", "transpose", "extra"]), name=st.sampled_from(sorted(sl.LOSSES)))
def test_losses_match_numpy_and_never_broadcast(prediction, mismatch, name):
    target = prediction * 0.5 + 1.0
    if mismatch == "flat":
        target = target.reshape(-1)
    elif mismatch == "transpose":
        target = target.T
    elif mismatch == "extra":
        target = target[..., None]
    p, t = torch.as_tensor(prediction), torch.as_tensor(np.ascontiguousarray(target))
    value = call(lambda: sl.LOSSES[name](p, t))
    if value is None:
        return
    assert p.shape == t.shape, f"{name} broadcast {tuple(p.shape)} against {tuple(t.shape)}"
    value = float(value)
    rtol = 1e-4 if prediction.dtype == np.float32 else 1e-10
    if name == "mse":
        expected = float(np.mean((prediction - target) ** 2))
    elif name == "relative_l2":
        a, b = prediction.reshape(len(prediction), -1), target.reshape(len(target), -1)
        expected = float(np.mean(np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(b, axis=1), 1e-30)))
    else:
        assert prediction.ndim >= 2
        return
    assert math.isclose(value, expected, rel_tol=rtol, abs_tol=1e-12), (value, expected)


@covers("sciml.batches.ArrayBatches", "sciml.batches.as_batches", "sciml.batches.batch_tensors")
@given(n=st.integers(0, 6), n_target=st.integers(0, 6), n_inputs=st.integers(0, 3),
       kind=st.sampled_from(["tuple", "arrays", "list", "object", "batch"]))
def test_batches_agree_on_the_sample_count(n, n_target, n_inputs, kind):
    inputs = [np.ones((n, 2)) for _ in range(n_inputs)]
    target = np.zeros((n_target, 1))
    if kind == "tuple":
        data = (*inputs, target)
    elif kind == "arrays":
        data = call(lambda: sb.ArrayBatches(inputs, target))
        if data is None:
            assert n_inputs == 0 or (n != n_target)
            return
    elif kind == "list":
        data = [(*inputs, target)]
    elif kind == "batch":
        result = call(lambda: sb.batch_tensors((*inputs, target), "cpu", torch.float32))
        if result is not None:
            assert n_inputs >= 1 and all(t.dtype == torch.float32 for t in result[0])
        return
    else:
        data = object()
    batches = call(lambda: sb.as_batches(data))
    if batches is None:
        return
    if isinstance(batches, sb.ArrayBatches):
        assert n_inputs >= 1 and n == n_target and len(batches) == n and batches.n_inputs == n_inputs


@covers("sciml.train.fit", "sciml.train.History")
@given(n=st.integers(1, 8), target_shape=st.sampled_from(["same", "flat", "wide"]),
       poison=st.sampled_from([None, math.nan, math.inf]), steps=st.sampled_from([0, 1, 3]),
       batch_size=st.sampled_from([None, 0, 2, 100]), lr=st.sampled_from([1e-2, -1.0, math.nan]))
def test_fit_trains_or_refuses(n, target_shape, poison, steps, batch_size, lr):
    """The issue's case: a (N,) target against a (N, 1) prediction trained on the (N, N) broadcast."""
    x = torch.linspace(-1, 1, n, dtype=torch.float64)[:, None]
    y = 2 * x
    if target_shape == "flat":
        y = y[:, 0]
    elif target_shape == "wide":
        y = torch.cat([y, y], dim=1)
    if poison is not None:
        y = y.clone()
        y.view(-1)[0] = poison
    model = torch.nn.Linear(1, 1).double()
    history = call(lambda: st_.fit(model, (x, y), steps=steps, batch_size=batch_size, lr=lr, progress=False),
                   documented=(ValueError, TypeError, FloatingPointError), reject_seconds=None)
    if history is None:
        return
    assert target_shape == "same" and poison is None and steps >= 1, "fit accepted mismatched or non-finite data"
    assert batch_size is None or 1 <= batch_size <= n
    assert isinstance(history, st_.History) and history.step == list(range(1, steps + 1))
    assert all(math.isfinite(v) for v in history.loss)
    assert math.isfinite(lr) and lr > 0, f"fit trained with lr={lr}"


@covers("sciml.train.fit")
def test_fit_stops_on_a_diverging_loss():
    x = torch.linspace(-1, 1, 16)[:, None]
    history = call(lambda: st_.fit(torch.nn.Linear(1, 1), (x, 3 * x), steps=200, lr=1e6, optimizer="sgd",
                                   progress=False), documented=(FloatingPointError,), limit=60.0,
                   reject_seconds=None)
    assert history is None, "training went on with a NaN/inf loss"


@covers("sciml.train.fit")
def test_fit_resume_with_another_learning_rate_refuses(tmp_path):
    x = torch.linspace(-1, 1, 16)[:, None]
    path = tmp_path / "run.ckpt"
    st_.fit(torch.nn.Linear(1, 1), (x, x), steps=2, lr=1e-2, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="lr"):
        st_.fit(torch.nn.Linear(1, 1), (x, x), steps=4, lr=1e-1, progress=False, checkpoint=path)


@covers("sciml.train.fit")
def test_fit_resume_with_other_data_refuses(tmp_path):
    x = torch.linspace(-1, 1, 16)[:, None]
    path = tmp_path / "run.ckpt"
    st_.fit(torch.nn.Linear(1, 1), (x, x), steps=2, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="data"):
        st_.fit(torch.nn.Linear(1, 1), (x, 5 * x + 3), steps=4, progress=False, checkpoint=path)


# ---------------------------------------------------------------------------------------------
# Models and operators
# ---------------------------------------------------------------------------------------------

@covers("sciml.models.save", "sciml.models.load", "sciml.models.Model", "sciml.models.FORMAT",
        "sciml.models.FORMAT_VERSION", "sciml.models.MAX_MODEL_BYTES", "sciml.operators.DeepONet")
@given(branch=st.lists(st.integers(-1, 6), min_size=0, max_size=3), trunk=st.lists(st.integers(-1, 6), max_size=3),
       n_outputs=st.integers(0, 2), max_bytes=st.sampled_from([sm.MAX_MODEL_BYTES, 10]),
       inputs=st.sampled_from(["ok", "nan", "shape", "int"]))
def test_deeponet_round_trips_or_refuses(tmp_path_factory, branch, trunk, n_outputs, max_bytes, inputs):
    model = call(lambda: DeepONet(branch, trunk, n_outputs=n_outputs))
    if model is None:
        return
    assert len(branch) >= 2 and len(trunk) >= 2 and min(branch + trunk) >= 1 and n_outputs >= 1
    assert isinstance(model, sm.Model)
    path = tmp_path_factory.mktemp("model") / "net.safetensors"
    sm.save(model, path, metadata={"steps": 1})
    header = path.read_bytes()[:4096]
    assert sm.FORMAT.encode() in header and sm.FORMAT_VERSION >= 1
    again = call(lambda: sm.load(path, max_bytes=max_bytes))
    if again is None:
        assert max_bytes == 10
        return
    u = torch.randn(3, branch[0])
    y = torch.rand(5, trunk[0])
    if inputs == "nan":
        u[0, 0] = math.nan
    elif inputs == "shape":
        u = torch.randn(3, branch[0] + 1)
    elif inputs == "int":
        u = torch.ones(3, branch[0], dtype=torch.int64)
    out = call(lambda: again(u, y))
    reference = call(lambda: model(u.to(torch.float32) if inputs == "int" else u, y))
    if out is None or reference is None:
        assert out is None and reference is None
        assert inputs != "ok"
        return
    assert inputs in ("ok", "int"), f"DeepONet accepted {inputs} input"  # integers: as float32
    assert torch.equal(out, reference)


@covers("sciml.operators.MGTFNO")
@given(levels=st.integers(-1, 3), n=st.sampled_from([1, 4, 6, 8, 16]), channels=st.integers(0, 2),
       poison=st.booleans(), padding=st.sampled_from([0.0, 0.1, 0.5, -0.1]))
def test_mgtfno_forward_or_refuses(levels, n, channels, poison, padding):
    model = call(lambda: MGTFNO(2, channels, 1, 4, levels=levels, padding_fraction=padding, n_layers=1))
    if model is None:
        return
    assert channels >= 1 and levels >= 0 and 0 <= padding < 0.5
    x = torch.randn(2, channels, n, n)
    if poison:
        x[0, 0, 0, 0] = math.inf
    out = call(lambda: model(x))
    if out is None:
        return
    assert not poison and out.shape == (2, 1, n, n) and bool(torch.isfinite(out).all())


# ---------------------------------------------------------------------------------------------
# Data generators
# ---------------------------------------------------------------------------------------------

sizes = st.sampled_from([-1, 0, 1, 3])
bad_floats = st.sampled_from([math.nan, math.inf, -1.0, 0.0, 1e-12, 0.2])


@covers("sciml.data.antiderivative", "sciml.data.OperatorData", "sciml.data.OperatorSplits")
@given(n_train=sizes, m=st.sampled_from([0, 1, 8]), length_scale=bad_floats, n_steps=st.sampled_from([0, 1, 50]))
def test_antiderivative_data_are_antiderivatives(n_train, m, length_scale, n_steps):
    data = call(lambda: sd.antiderivative(n_train, 2, m=m, n_grid=9, length_scale=length_scale, n_steps=n_steps,
                                          cache=False))
    if data is None:
        return
    assert n_train >= 1 and m >= 1 and n_steps >= 1 and math.isfinite(length_scale) and length_scale > 0
    assert isinstance(data, sd.OperatorSplits) and isinstance(data.train, sd.OperatorData)
    # s(0) = 0 and s' = u: the targets on the grid are finite and start at zero
    grid_targets = np.asarray(data.train.grid_targets)
    assert np.all(np.isfinite(grid_targets)) and np.allclose(grid_targets[:, 0], 0.0, atol=1e-12)


@covers("sciml.data.nonlinear_ode", "sciml.data.pendulum")
@given(max_abs=st.sampled_from([math.nan, -1.0, 0.0, 1e-6, 1e-3, 10.0]), which=st.sampled_from(["nonlinear",
                                                                                                 "pendulum"]))
def test_ode_generators_terminate(max_abs, which):
    """The issue's hang: the nonlinear-ODE generator looped for ever for a small max_abs."""
    if which == "pendulum":
        data = call(lambda: sd.pendulum(3, 2, m=8, n_grid=9, n_steps=20, cache=False))
    else:
        data = call(lambda: sd.nonlinear_ode(3, 2, m=8, n_grid=9, n_steps=20, max_abs=max_abs, cache=False),
                    limit=10.0)
    if data is None:
        assert which == "nonlinear" and not (max_abs >= 1.0)
        return
    targets = np.asarray(data.train.grid_targets)
    assert np.all(np.isfinite(targets))
    if which == "nonlinear":
        assert np.all(np.abs(targets) <= max_abs)


@covers("sciml.data.darcy", "sciml.data.FieldData", "sciml.data.spectral_gaussian_field")
@given(tau=st.sampled_from([0.0, -3.0, math.nan, 3.0]), alpha=st.sampled_from([0.0, 2.0, math.inf]),
       resolution=st.sampled_from([0, 1, 8]), high=st.sampled_from([12.0, 0.0, math.nan]))
def test_darcy_coefficient_is_two_valued_or_refused(tau, alpha, resolution, high):
    """The issue's case: tau=0 gave a constant coefficient field."""
    data = call(lambda: sd.darcy(4, 1, resolution, tau=tau, alpha=alpha, high=high, cache=False))
    if data is None:
        return
    assert tau > 0 and math.isfinite(alpha) and alpha > 0 and resolution >= 2 and high > 0
    assert isinstance(data.train, sd.FieldData)
    values = np.unique(np.asarray(data.train.inputs))
    assert set(values.tolist()) <= {3.0, high} and len(values) == 2, f"coefficient values {values}"
    assert np.all(np.isfinite(np.asarray(data.train.outputs)))


@covers("sciml.data.burgers", "sciml.data.diffusion_reaction", "sciml.data.navier_stokes")
@given(which=st.sampled_from(["burgers", "diffusion_reaction", "navier_stokes"]),
       parameter=st.sampled_from([math.nan, -1.0, 0.0, 0.05]), size=st.sampled_from([0, 1]))
def test_pde_generators_refuse_bad_parameters(which, parameter, size):
    if which == "burgers":
        run = lambda: sd.burgers(size, 1, 16, nu=parameter, t_final=0.05, solve_resolution=32, dt=1e-2,  # noqa: E731
                                 points_per_function=4, cache=False)
    elif which == "diffusion_reaction":
        run = lambda: sd.diffusion_reaction(size, 1, 8, diffusivity=parameter, points_per_function=4,  # noqa: E731
                                            n_x=16, cache=False)
    else:
        run = lambda: sd.navier_stokes(size, 1, 8, nu=parameter, t_final=0.1, n_input=1,  # noqa: E731
                                       cache=False)
    data = call(run, limit=30.0)
    if data is None:
        return
    assert size >= 1 and math.isfinite(parameter) and parameter > 0, f"{which} accepted {parameter}, size {size}"
    parts = data.train.aligned() if isinstance(data.train, sd.OperatorData) else (data.train.inputs,
                                                                                   data.train.outputs)
    assert all(np.all(np.isfinite(np.asarray(p))) for p in parts)


@covers("sciml.data.GaussianRandomField1D", "sciml.data.RandomFunctions", "sciml.data.ChebyshevRandomFunctions")
@given(length_scale=bad_floats, variance=st.sampled_from([1.0, 0.0, math.inf]), n=sizes,
       domain=st.sampled_from([(0.0, 1.0), (1.0, 0.0), (0.0, math.inf)]), degree=sizes)
def test_random_functions_are_finite_and_consistent(length_scale, variance, n, domain, degree):
    field = call(lambda: sd.GaussianRandomField1D(length_scale=length_scale, variance=variance, domain=domain,
                                                  n_nodes=50))
    if field is not None:
        assert math.isfinite(length_scale) and length_scale > 0 and variance == 1.0 and domain == (0.0, 1.0)
        funcs = call(lambda: field.sample(n, seed=0))
        if funcs is not None:
            assert n >= 1 and isinstance(funcs, sd.RandomFunctions)
            x = np.linspace(0, 1, 7)
            values = np.asarray(funcs(x))
            assert values.shape == (n, 7) and np.all(np.isfinite(values))
    cheb = call(lambda: sd.ChebyshevRandomFunctions.sample(max(n, 1), degree=degree, domain=domain, seed=1))
    if cheb is None:
        return
    assert degree >= 1 and domain == (0.0, 1.0)
    x = np.linspace(0, 1, 5)
    values = np.asarray(cheb(x))
    t = 2 * x - 1
    expected = np.polynomial.chebyshev.chebval(t, np.asarray(cheb.coefficients))
    np.testing.assert_allclose(values, expected, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Backend helpers
# ---------------------------------------------------------------------------------------------

@covers("sciml.backend.to_backend", "sciml.backend.to_numpy", "sciml.backend.to_torch", "sciml.backend.from_torch",
        "sciml.backend.namespace_for", "sciml.backend.array_namespace", "sciml.backend.backend_name",
        "sciml.backend.device", "sciml.backend.BACKENDS", "sciml.backend.BackendUnavailableError")
@given(x=arrays(dtypes=(np.float64, np.float32, np.float16, np.complex128, np.int64, np.bool_), poison=True),
       name=st.sampled_from(["numpy", "array_api_strict", "torch", "cupy", "nope"]))
def test_backend_round_trips(x, name):
    """to_backend / to_numpy / to_torch / from_torch keep values, dtype and shape, or refuse."""
    if name not in B.BACKENDS:
        rejects(lambda: B.namespace_for(name))
        return
    xp = call(lambda: B.namespace_for(name), documented=(B.BackendUnavailableError, ValueError))
    if xp is None:
        return
    y = call(lambda: B.to_backend(x, name))
    if y is None:
        return
    assert B.backend_name(y) == name and B.backend_name(xp) == name
    back = B.to_numpy(y)
    assert back.dtype == x.dtype and back.shape == x.shape
    np.testing.assert_array_equal(back, x)
    assert B.device(y) is not None
    t = call(lambda: B.to_torch(x))
    if t is not None:
        np.testing.assert_array_equal(B.to_numpy(B.from_torch(t, np)), x)
    rejects(lambda: B.array_namespace(x, [1, 2]))
    rejects(lambda: B.to_torch(np.array(["text"])))


@covers("sciml.backend.torch_seeded", "sciml.backend.scipy_like")
@given(seed=st.one_of(st.none(), st.integers(0, 2**31)), name=st.sampled_from(["numpy", "array_api_strict"]))
def test_seeded_and_scipy_like(seed, name):
    with B.torch_seeded(seed):
        a = torch.rand(3)
    with B.torch_seeded(seed):
        b = torch.rand(3)
    assert seed is None or torch.equal(a, b)
    xp = B.namespace_for(name)
    x = xp.asarray([0.0, 0.5, 2.0])
    erf = B.scipy_like(xp).special.erf(x)
    np.testing.assert_allclose(B.to_numpy(erf), [math.erf(0.0), math.erf(0.5), math.erf(2.0)], rtol=1e-14)
    assert B.backend_name(erf) == name
    assert is_finite(B.to_numpy(erf))
