"""Fuzz properties of ``tensor_formats``' remaining public names: PeriodicChebyshevTucker against
closed forms, FunBaT's evidence against a dense Gaussian-process marginal likelihood, interval
coverage against its definition, hyperparameter selection, and the FunBaT warnings/errors.
Each property: a checked result or a documented exception, within the time limit."""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_support import call, covers, rejects
from tensor_formats.chebyshev_tucker import PeriodicChebyshevTucker
from tensor_formats.funbat import (ExtrapolationWarning, FunBaT, NotFittedError, coverage, log_evidence,
                                   select_hyperparameters)

TWO_PI = 2.0 * math.pi


@covers("tensor_formats.chebyshev_tucker.PeriodicChebyshevTucker")
@given(k=st.integers(1, 3), c=st.floats(-2.0, 2.0), a=st.floats(-1.0, 0.0), width=st.floats(0.5, 2.0),
       period=st.floats(0.5, 3.0), seed=st.integers(0, 2**16))
def test_periodic_chebyshev_tucker_values_and_integral(k, c, a, width, period, seed):
    b = a + width

    def f(x, y):
        return (c + np.sin(TWO_PI * k * x / period)) * np.exp(y)

    g = call(lambda: PeriodicChebyshevTucker.from_function(f, [(0.0, period), (a, b)], periodic=(True, False)))
    assert isinstance(g, PeriodicChebyshevTucker) and g.periodic == (True, False)
    rng = np.random.default_rng(seed)
    points = np.column_stack([rng.uniform(0.0, period, 50), rng.uniform(a, b, 50)])
    exact = f(*points.T)
    scale = (abs(c) + 1.0) * math.exp(b)
    assert np.max(np.abs(g(points) - exact)) <= 1e-10 * scale
    shifted = points + np.array([2.0 * period, 0.0])  # periodic wrap along x
    assert np.max(np.abs(g(shifted) - exact)) <= 1e-9 * scale
    integral = c * period * (math.exp(b) - math.exp(a))  # the sine integrates to zero over a period
    assert abs(float(g.integral()) - integral) <= 1e-10 * scale * period * width


@covers("tensor_formats.chebyshev_tucker.PeriodicChebyshevTucker")
@given(jump=st.floats(0.1, 5.0), which=st.sampled_from(["linear", "exp"]))
def test_periodic_declared_on_a_non_periodic_function_refused(jump, which):
    def f(x, y):
        return (jump * x if which == "linear" else np.exp(jump * x)) * (1.0 + y)

    error = rejects(lambda: PeriodicChebyshevTucker.from_function(f, [(0.0, 1.0), (0.0, 1.0)],
                                                                  periodic=(True, False)))
    assert isinstance(error, ValueError)
    rejects(lambda: PeriodicChebyshevTucker.from_function(f, [(0.0, 1.0), (0.0, 1.0)], periodic=(True,)))
    rejects(lambda: PeriodicChebyshevTucker.from_function(f, [(0.0, 1.0), (0.0, 1.0)], periodic=(True, False),
                                                          tol=-1.0))


def _matern(kernel, d, ell, var):
    r = np.abs(d) / ell
    if kernel == "matern12":
        return var * np.exp(-r)
    if kernel == "matern32":
        s = math.sqrt(3.0) * r
        return var * (1.0 + s) * np.exp(-s)
    s = math.sqrt(5.0) * r
    return var * (1.0 + s + s * s / 3.0) * np.exp(-s)


@covers("tensor_formats.funbat.log_evidence")
@given(kernel=st.sampled_from(["matern12", "matern32", "matern52"]), n=st.integers(1, 8),
       ells=st.lists(st.floats(0.05, 3.0), min_size=1, max_size=3), var=st.floats(0.1, 3.0),
       seed=st.integers(0, 2**16))
def test_log_evidence_matches_dense_gp(kernel, n, ells, var, seed):
    """Sites t_s(f) = exp(-½ λ_s f² + η_s f) under a GP prior N(0, K):
    log Z = -½ log|I + ΛK| + ½ ηᵀ K (I + ΛK)⁻¹ η (the unnormalised-site evidence, R = 1)."""
    rng = np.random.default_rng(seed)
    c = np.sort(rng.uniform(0.0, 1.0, n))
    c = c + np.arange(n) * 1e-3  # distinct
    lam = rng.uniform(0.5, 50.0, n)
    eta = rng.standard_normal(n) * lam
    z = call(lambda: log_evidence(kernel, ells, [var] * len(ells), c, lam[:, None, None], eta[:, None]))
    assert z.shape == (len(ells),)
    for ell, value in zip(ells, z):
        K = _matern(kernel, c[:, None] - c[None, :], ell, var)
        M = np.eye(n) + lam[:, None] * K
        dense = -0.5 * np.linalg.slogdet(M)[1] + 0.5 * eta @ (K @ np.linalg.solve(M, eta))
        assert abs(float(value) - dense) <= 1e-7 * max(1.0, abs(dense)), (float(value), dense)


@covers("tensor_formats.funbat.log_evidence")
@given(n_ell=st.integers(0, 3), n_var=st.integers(0, 3))
def test_log_evidence_mismatched_candidates_refused(n_ell, n_var):
    if n_ell == n_var and n_ell:
        return
    c = np.linspace(0.0, 1.0, 4)
    rejects(lambda: log_evidence("matern32", [0.3] * n_ell, [1.0] * n_var, c, np.ones((4, 1, 1)), np.ones((4, 1))))


@covers("tensor_formats.funbat.coverage")
@given(n=st.integers(1, 200), levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=5),
       seed=st.integers(0, 2**16))
def test_coverage_against_its_definition(n, levels, seed):
    rng = np.random.default_rng(seed)
    y, mean, std = rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.1, 3.0, n)
    got = call(lambda: coverage(y, mean, std, levels=levels))
    assert set(got) == {float(v) for v in levels}
    for level in levels:
        half = NormalDist().inv_cdf(0.5 + 0.5 * level) * std
        expected = float(np.mean(np.abs(y - mean) <= half))
        assert got[float(level)] == expected
        assert 0.0 <= got[float(level)] <= 1.0
    ordered = sorted(got)
    assert all(got[a] <= got[b] for a, b in zip(ordered, ordered[1:]))  # wider intervals cover more


@covers("tensor_formats.funbat.select_hyperparameters", "tensor_formats.select_hyperparameters",
        "tensor_formats.funbat.ExtrapolationWarning", "tensor_formats.funbat.NotFittedError")
@settings(max_examples=4)  # a FunBaT fit per example
@given(seed=st.integers(0, 2**16))
def test_select_hyperparameters_round_trip_and_warnings(seed):
    import tensor_formats

    assert tensor_formats.select_hyperparameters is select_hyperparameters
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (60, 2))
    y = np.sin(TWO_PI * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1])) + 0.05 * rng.standard_normal(60)
    chosen = call(lambda: select_hyperparameters(x, y, rank=1, core="cp", n_iter=5, seed=seed))
    assert isinstance(chosen, list) and len(chosen) == 2
    for mode in chosen:
        assert sorted(mode) == ["kernel", "lengthscale", "variance"]
        assert mode["kernel"] in ("matern12", "matern32", "matern52")
        assert math.isfinite(mode["lengthscale"]) and mode["lengthscale"] > 0
        assert math.isfinite(mode["variance"]) and mode["variance"] > 0
    # round trip: the chosen values passed back as fixed hyperparameters fit without re-selection
    fixed = FunBaT(1, core="cp", n_iter=5, seed=seed, kernel=[m["kernel"] for m in chosen],
                   lengthscale=[m["lengthscale"] for m in chosen], variance=[m["variance"] for m in chosen])
    model = call(lambda: fixed.fit(x, y))
    assert model is not None
    for m, again in zip(chosen, model.hyperparameters_):
        assert again["kernel"] == m["kernel"]
        assert math.isclose(again["lengthscale"], m["lengthscale"], rel_tol=1e-9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prediction = model.predict(np.array([[3.0, 0.5]]))  # mode 0 seen on [0, 1] only
    assert np.all(np.isfinite(np.asarray(prediction)))
    assert any(w.category is ExtrapolationWarning for w in caught)
    assert issubclass(ExtrapolationWarning, UserWarning)
    # before fit: NotFittedError, which is also a ValueError (a documented exception)
    error = rejects(lambda: FunBaT(1).predict(np.zeros((1, 2))))
    assert isinstance(error, NotFittedError) and isinstance(error, ValueError) and isinstance(error, AttributeError)
    # bad input refused
    rejects(lambda: select_hyperparameters(x, y[:10], rank=1, core="cp", n_iter=2))
    rejects(lambda: select_hyperparameters(x, y, rank=0, core="cp", n_iter=2))
