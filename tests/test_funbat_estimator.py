"""FunBaT as an estimator without tuning (issue 20): automatic hyperparameters and rank, the
evidence, calibrated intervals, save/load, and bad input."""

import math
import warnings

import numpy as np
import pytest

from tensor_formats import FunBaT, select_hyperparameters
from tensor_formats.funbat import ExtrapolationWarning, MaternStateSpace, NotFittedError, coverage, log_evidence
from tensor_formats.funbat.evidence import site_expectation
from tensor_formats.funbat.kalman import smooth


def separable(n, *, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 2))
    f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
    return x, f + noise * rng.standard_normal(n), f


def inside(x, margin=0.02):
    return x[np.all((x > margin) & (x < 1 - margin), axis=1)]


@pytest.mark.parametrize("kernel", ["matern12", "matern32", "matern52"])
def test_log_evidence_equals_the_dense_gaussian_integral(kernel, xp):
    rng = np.random.default_rng(3)
    s_count, r = 12, 2
    c = np.sort(rng.uniform(0, 2, s_count))
    b = rng.standard_normal((s_count, r, r))
    lam = b @ np.swapaxes(b, 1, 2)
    lam[4] = 0.0
    eta = rng.standard_normal((s_count, r))
    got = log_evidence(kernel, [0.1, 0.7], [2.0, 0.5], xp.asarray(c), xp.asarray(lam), xp.asarray(eta))
    for i, (ell, var) in enumerate([(0.1, 2.0), (0.7, 0.5)]):
        ss = MaternStateSpace(kernel, lengthscale=ell, variance=var)
        k = np.kron(np.array([[ss.covariance(p - q) for q in c] for p in c]), np.eye(r))
        big_lam = np.zeros_like(k)
        for j in range(s_count):
            big_lam[j * r:(j + 1) * r, j * r:(j + 1) * r] = lam[j]
        m = np.eye(len(k)) + big_lam @ k
        e = eta.reshape(-1)
        # log ∫ N(u; 0, K) exp(-½uᵀΛu + ηᵀu) du = -½ log det(I + ΛK) + ½ ηᵀ K (I + ΛK)⁻¹ η
        ref = -0.5 * np.linalg.slogdet(m)[1] + 0.5 * e @ (k @ np.linalg.solve(m, e))
        assert float(got[i]) == pytest.approx(ref, rel=1e-10)
    # KL(q ‖ p) = E_q[log sites] - log Z is a divergence: non-negative.
    ss = MaternStateSpace(kernel, lengthscale=0.7, variance=0.5)
    mean, cov = smooth(ss, c, lam, eta).marginals()
    assert site_expectation(lam, eta, mean, cov) - float(got[1]) > 0


def test_default_fit_learns_hyperparameters_noise_and_is_reproducible():
    x, y, _ = separable(400, noise=0.1, seed=0)
    xt, yt, ft = separable(2000, noise=0.1, seed=1)
    model = FunBaT(n_iter=30, seed=0).fit(x, y)
    assert len(model.history_["restart_elbo"]) == 3
    mean, std = model.predict(xt, return_std=True)
    assert np.sqrt(np.mean((mean - ft) ** 2)) < 0.06  # noise σ = 0.1, the truth is recovered well below it
    assert 0.08 < model.history_["noise_std"][-1] < 0.12
    assert abs(coverage(yt, mean, std)[0.95] - 0.95) < 0.02
    for h in model.hyperparameters_:
        assert h["kernel"] in ("matern12", "matern32", "matern52") and 1e-3 < h["lengthscale"] < 10
    again = FunBaT(n_iter=30, seed=0).fit(x, y)
    np.testing.assert_allclose(again.predict(xt[:50]), mean[:50], rtol=1e-12)  # (1-ulp BLAS rounding)
    assert again.hyperparameters_ == model.hyperparameters_


def test_evidence_selects_a_smooth_kernel_for_smooth_data():
    x, y, _ = separable(500, noise=0.01, seed=4)
    chosen = select_hyperparameters(x, y, rank=1, core="cp", n_iter=30)
    # sin(2πx) has no kink: the rough Matérn-1/2 must not win, and ℓ is of the order of the period.
    assert chosen[0]["kernel"] != "matern12"
    assert 0.05 < chosen[0]["lengthscale"] < 2.0


def test_rank_auto_prunes_the_unused_components():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (300, 3))
    truth = np.sin(2 * np.pi * x[:, 0]) * np.cos(2 * x[:, 1]) * (1 + x[:, 2])
    model = FunBaT(rank="auto", n_iter=40, n_restarts=1, seed=0).fit(x, truth + 0.01 * rng.standard_normal(300))
    assert sum(model.ranks_) < 9  # started from 3 per mode; a rank-1 function needs fewer
    assert model.core_mean_.shape == (math.prod(model.ranks_),)
    assert np.sqrt(np.mean((model.predict(x) - truth) ** 2)) < 0.03


def test_calibrate_rescales_the_variance_on_held_out_data():
    x, y, _ = separable(300, noise=0.1, seed=6)
    base = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=20, seed=0).fit(x, y)
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=20, seed=0,
                   calibrate=True).fit(x, y)
    # 60 held-out entries: the factor is a noisy estimate of 1 (the model alone is calibrated here)
    assert base.variance_scale_ == 1.0 and 0.3 < model.variance_scale_ < 3.0 and model.variance_scale_ != 1.0
    _, s0 = base.predict(x[:5], return_std=True)
    _, s1 = model.predict(x[:5], return_std=True)
    np.testing.assert_allclose(s1, s0 * math.sqrt(model.variance_scale_), rtol=1e-12)


def test_interval_score_and_progress(capsys):
    x, y, _ = separable(300, noise=0.05, seed=7)
    model = FunBaT(2, kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=15, seed=0, progress=True).fit(x, y)
    assert "15/15" in capsys.readouterr().err  # the tqdm bar over sweeps
    mean, std = model.predict(x[:20], return_std=True)
    low, high = model.interval(x[:20], level=0.95)
    np.testing.assert_allclose(high - low, 2 * 1.959963984540054 * std, rtol=1e-12)
    low50, high50 = model.interval(x[:20], level=0.5)
    np.testing.assert_allclose(high50 - low50, 2 * 0.6744897501960817 * std, rtol=1e-12)
    with pytest.raises(ValueError, match="level must lie in"):
        model.interval(x[:2], level=1.0)
    r2 = model.score(x, y)
    assert r2 == pytest.approx(1 - np.sum((y - model.predict(x)) ** 2) / np.sum((y - y.mean()) ** 2))
    assert r2 > 0.99


def test_save_and_load_keep_the_automatic_choices(tmp_path):
    x, y, _ = separable(200, noise=0.05, seed=8)
    model = FunBaT(n_iter=20, seed=1, calibrate=True).fit(x, y)
    path = tmp_path / "auto.npz"
    model.save(path)
    again = FunBaT.load(path)
    assert again.get_params() == model.get_params()
    assert again.hyperparameters_ == model.hyperparameters_ and again.ranks_ == model.ranks_
    assert again.variance_scale_ == model.variance_scale_
    m1, s1 = model.predict(x[:30], return_std=True)
    m2, s2 = again.predict(x[:30], return_std=True)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_array_equal(s1, s2)


def test_extrapolation_warns_and_the_std_grows():
    x, y, _ = separable(300, noise=0.05, seed=9)
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=20, seed=0).fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(inside(x)[:5])  # inside the range: no warning
    far = np.array([[0.5, 0.5], [1.2, 0.5], [2.0, 0.5]])
    with pytest.warns(ExtrapolationWarning, match="mode"):
        _, std = model.predict(far, return_std=True)
    assert std[0] < std[1] < std[2]


def test_repeated_coordinates_constant_targets_and_integer_input():
    rng = np.random.default_rng(10)
    x = rng.integers(0, 20, (400, 2)).astype(float) / 20
    f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
    y = f + 0.1 * rng.standard_normal(400)  # many entries share coordinates, with different targets
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=30, seed=0).fit(x, y)
    assert 0.08 < model.history_["noise_std"][-1] < 0.12  # their spread is the noise
    assert np.sqrt(np.mean((model.predict(x) - f) ** 2)) < 0.05  # well below the noise
    constant = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=20,
                      seed=0).fit(x, np.full(400, 2.5))
    np.testing.assert_allclose(constant.predict(x[:10]), 2.5, atol=1e-3)
    ints = FunBaT(1, core="cp", kernel="matern32", lengthscale=3.0, variance=1.0, n_iter=5, seed=0).fit(
        rng.integers(0, 20, (100, 2)), rng.integers(0, 5, 100))
    assert ints.predict(np.array([[3, 4]])).dtype == np.float64


def test_rank_beyond_the_data_and_a_mode_with_one_value_raise():
    x, y, _ = separable(100, noise=0.05)
    coarse = np.stack([np.repeat([0.1, 0.9], 50), x[:, 1]], axis=1)  # 2 distinct values on mode 0
    with pytest.raises(ValueError, match="rank 3 on mode 0 exceeds the 2 distinct values"):
        FunBaT(3, kernel="matern32", lengthscale=0.3, variance=1.0).fit(coarse, y)
    assert FunBaT(n_iter=4, seed=0).fit(coarse, y).ranks_[0] <= 2  # "auto" caps it
    flat = np.stack([np.full(100, 0.3), x[:, 1]], axis=1)
    with pytest.raises(ValueError, match="mode 0 of X has 1 distinct value"):
        FunBaT(1).fit(flat, y)
    with pytest.raises(NotFittedError):
        FunBaT().predict(x)
    with pytest.raises(AttributeError):  # scikit-learn's NotFittedError is an AttributeError too
        FunBaT().hyperparameters_
