
import numpy as np
import pytest
import scipy.linalg

from helpers import assert_close
from sciml.backend import backend_name, to_numpy
from tensor_formats import FunBaT
from tensor_formats.funbat import MaternStateSpace, select_lengthscale
from tensor_formats.funbat._moments import SegmentSum, kron_form, kron_sum
from tensor_formats.funbat.kalman import condition, smooth


def companion(ss):
    lam = ss.rate
    return {1: [[-lam]], 2: [[0, 1], [-lam**2, -2 * lam]],
            3: [[0, 1, 0], [0, 0, 1], [-lam**3, -3 * lam**2, -3 * lam]]}[ss.order]


@pytest.mark.parametrize("kernel", ["matern12", "matern32", "matern52"])
def test_closed_form_transition_equals_expm_and_lyapunov_holds(kernel):
    ss = MaternStateSpace(kernel, lengthscale=0.3, variance=1.7)
    f = np.array(companion(ss), dtype=float)
    deltas = np.array([0.0, 0.05, 0.4, 2.0])
    a, q = ss.transition(deltas)
    for i, delta in enumerate(deltas):
        np.testing.assert_allclose(a[i], scipy.linalg.expm(f * delta), atol=1e-12)
    p = np.array(ss.stationary_covariance())
    lyapunov = f @ p + p @ f.T
    lyapunov[-1, -1] = 0.0  # the white-noise input enters the last state only
    np.testing.assert_allclose(lyapunov, 0.0, atol=1e-9 * np.abs(p).max())
    np.testing.assert_allclose(q[0], 0.0, atol=1e-12)
    for i, delta in enumerate(deltas):  # Cov(f(t + Δ), f(t)) = (A P∞)[0, 0] = κ(Δ)
        assert (a[i] @ p)[0, 0] == pytest.approx(ss.covariance(delta), rel=1e-12)


def dense_posterior(ss, c, lam, eta, r):
    k = np.array([[ss.covariance(a - b) for b in c] for a in c])
    prior = np.kron(k, np.eye(r))
    precision = scipy.linalg.block_diag(*lam)
    cov = prior @ np.linalg.inv(np.eye(len(prior)) + precision @ prior)  # (K⁻¹ + Λ)⁻¹ without K⁻¹
    return cov @ eta.reshape(-1), 0.5 * (cov + cov.T), prior


@pytest.mark.parametrize("kernel", ["matern12", "matern32", "matern52"])
def test_kalman_rts_equals_the_dense_gp_posterior(kernel, xp):
    rng = np.random.default_rng(0)
    ss = MaternStateSpace(kernel, lengthscale=0.25, variance=1.3)
    s_count, r = 20, 2
    c = np.sort(rng.uniform(0, 1, s_count))
    b = rng.standard_normal((s_count, r, r))
    lam = b @ np.swapaxes(b, 1, 2) * 2.0
    lam[3] = 0.0  # a coordinate without information
    eta = rng.standard_normal((s_count, r))
    post = smooth(ss, xp.asarray(c), xp.asarray(lam), xp.asarray(eta))
    mean, cov = post.marginals()
    ref_mean, ref_cov, prior = dense_posterior(ss, c, lam, eta, r)
    assert_close(xp.reshape(mean, (-1,)), ref_mean, atol=1e-8, xp=xp)
    blocks = np.stack([ref_cov[i * r:(i + 1) * r, i * r:(i + 1) * r] for i in range(s_count)])
    assert_close(cov, blocks, atol=1e-8, xp=xp)
    # Conditioning at new inputs, inside, at, before and after the training coordinates.
    t = np.array([-0.3, c[0], 0.5 * (c[4] + c[5]), c[-1], 1.4])
    k_ts = np.kron(np.array([[ss.covariance(a - bb) for bb in c] for a in t]), np.eye(r))
    k_tt = np.kron(np.array([[ss.covariance(a - bb) for bb in t] for a in t]), np.eye(r))
    # p(f_t | data) = ∫ p(f_t | f_c) p(f_c | data): gain G = K_tc K_cc⁻¹ by a solve.
    gain = np.linalg.solve(prior, k_ts.T).T
    ref_m = gain @ ref_mean
    ref_c = k_tt - gain @ k_ts.T + gain @ ref_cov @ gain.T
    m_t, c_t = condition(ss, post, xp.asarray(t))
    assert_close(xp.reshape(m_t, (-1,)), ref_m, atol=1e-8, xp=xp)
    assert_close(c_t, np.stack([ref_c[i * r:(i + 1) * r, i * r:(i + 1) * r] for i in range(len(t))]),
                 atol=1e-8, xp=xp)


def test_moment_helpers_against_explicit_kronecker_products(xp):
    rng = np.random.default_rng(1)
    n, ranks = 7, (2, 3, 2)
    s = []
    for r in ranks:
        b = rng.standard_normal((n, r, r))
        s.append(b @ np.swapaxes(b, 1, 2))
    p = int(np.prod(ranks))
    m = rng.standard_normal((p, p))
    explicit = [np.kron(np.kron(s[0][i], s[1][i]), s[2][i]) for i in range(n)]
    forms = kron_form([xp.asarray(v) for v in s], xp.asarray(m))
    assert_close(forms, np.array([np.sum(m * e) for e in explicit]), rtol=1e-12, xp=xp)
    assert_close(kron_sum([xp.asarray(v) for v in s], chunk=3), sum(explicit), rtol=1e-12, xp=xp)
    index = np.array([2, 0, 2, 1, 0, 2, 2])
    values = rng.standard_normal((7, 2))
    expected = np.zeros((4, 2))
    np.add.at(expected, index, values)
    assert_close(SegmentSum(xp.asarray(index), 4)(xp.asarray(values)), expected, atol=1e-14, xp=xp)


def separable_data(n, *, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 2))
    f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
    return x, f + noise * rng.standard_normal(n), f


@pytest.mark.parametrize("core, rank", [("cp", 1), ("tucker", 2)])
def test_recovers_a_separable_function_at_unseen_coordinates(core, rank):
    x, y, _ = separable_data(300, noise=0.01)
    x_test, _, f_test = separable_data(300, seed=1)
    model = FunBaT(rank, core=core, kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=40, seed=0).fit(x, y)
    rmse = np.sqrt(np.mean((model.predict(x_test) - f_test) ** 2))
    assert rmse < 0.02
    assert model.history_["train_rmse"][-1] < model.history_["train_rmse"][0]
    assert 0.005 < model.history_["noise_std"][-1] < 0.02  # true noise σ = 0.01


def test_uncertainty_is_calibrated_with_known_noise():
    x, y, _ = separable_data(800, noise=0.1, seed=2)
    x_test, y_test, _ = separable_data(1000, noise=0.1, seed=3)
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=40, seed=0).fit(x, y)
    mean, std = model.predict(x_test, return_std=True)
    coverage = np.mean(np.abs(y_test - mean) <= 1.96 * std)
    assert 0.92 <= coverage <= 0.98


def test_latent_functions_match_the_truth_up_to_scale():
    x, y, _ = separable_data(300, noise=0.01)
    model = FunBaT(1, core="cp", kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=40, seed=0).fit(x, y)
    grid = np.linspace(0.02, 0.98, 50)
    mean, std = model.latent(0, grid)
    assert mean.shape == (50, 1) and std.shape == (50, 1) and np.all(std >= 0)
    assert abs(np.corrcoef(mean[:, 0], np.sin(2 * np.pi * grid))[0, 1]) > 0.999
    outside_mean, outside_std = model.latent(0, np.array([-0.5, 1.5]))
    assert np.all(outside_std > std.max())  # uncertainty grows away from the data


def test_strict_backend_gives_the_numpy_result():
    from sciml.backend import to_backend

    x, y, _ = separable_data(60, noise=0.01)
    a = FunBaT(2, kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=5, seed=0).fit(x, y)
    b = FunBaT(2, kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=5, seed=0).fit(to_backend(x, "array_api_strict"),
                                                         to_backend(y, "array_api_strict"))
    pred = b.predict(to_backend(x[:10], "array_api_strict"))
    assert backend_name(pred) == "array_api_strict"
    np.testing.assert_allclose(to_numpy(pred), a.predict(x[:10]), atol=1e-10)


def test_save_and_load(tmp_path):
    x, y, _ = separable_data(100, noise=0.01)
    model = FunBaT(2, kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=10, seed=0).fit(x, y)
    path = tmp_path / "funbat.npz"
    model.save(path)
    again = FunBaT.load(path)
    np.testing.assert_array_equal(again.predict(x[:20]), model.predict(x[:20]))
    m1, s1 = model.predict(x[:5], return_std=True)
    m2, s2 = again.predict(x[:5], return_std=True)
    np.testing.assert_array_equal(s1, s2)
    assert again.get_params() == model.get_params()
    broken = tmp_path / "broken.npz"
    broken.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="not a valid sciml.FunBaT file"):
        FunBaT.load(broken)


def test_select_lengthscale_prefers_a_sensible_value():
    x, y, _ = separable_data(300, noise=0.05)
    best, scores = select_lengthscale(x, y, 1, [0.003, 0.3], core="cp", n_iter=20)
    assert best == 0.3 and scores[0.3] < scores[0.003]


def test_bad_input_raises_clear_errors():
    x, y, _ = separable_data(50)
    with pytest.raises(RuntimeError, match="not fitted"):
        FunBaT(2).predict(x)
    with pytest.raises(ValueError, match="NaN"):
        FunBaT(2).fit(np.where(np.arange(100).reshape(50, 2) == 3, np.nan, x), y)
    with pytest.raises(ValueError, match="NaN"):
        FunBaT(2).fit(x, np.where(np.arange(50) == 7, np.nan, y))
    with pytest.raises(ValueError, match=r"y must have shape \(50,\)"):
        FunBaT(2).fit(x, y[:-1])
    with pytest.raises(ValueError, match="3 entries but the data has 2 modes"):
        FunBaT((2, 2, 2)).fit(x, y)
    # scikit-learn's convention: the constructor stores its arguments, fit checks them.
    for bad, match in ((dict(lengthscale=0.0), "lengthscale must be positive"),
                       (dict(lengthscale=(0.1, -1.0)), "lengthscale must be positive"),
                       (dict(core="tt"), "core"), (dict(rank=(1, 2), core="cp"), "one rank"),
                       (dict(rank="auto", core="cp"), "CP model needs an int rank"),
                       (dict(kernel="rbf"), "kernel must be"), (dict(damping={"latent": 1.5}), "damping"),
                       (dict(n_restarts=0), "n_restarts"), (dict(calibrate=1.5), "calibrate")):
        options = {"rank": 2, **bad}
        model = FunBaT(**options)
        with pytest.raises(ValueError, match=match):
            model.fit(x, y)
    model = FunBaT(1, n_iter=2, kernel="matern32", lengthscale=0.3, variance=1.0).fit(x, y)
    with pytest.raises(ValueError, match="modes"):
        model.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="mode must be"):
        model.latent(5, np.zeros(3))
