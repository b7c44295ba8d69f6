import numpy as np
import pytest

from helpers import assert_close
from sciml.backend import backend_name
from sciml.data import (ChebyshevRandomFunctions, GaussianRandomField1D, antiderivative, nonlinear_ode, pendulum,
                        spectral_gaussian_field)
from solvers.pde import solve_ode
from validation import exact
from validation.metrics import observed_order


def test_grf_has_the_rbf_covariance():
    funcs = GaussianRandomField1D(length_scale=0.2).sample(20_000, seed=0)
    x = np.array([0.1, 0.3, 0.5, 0.9])
    empirical = np.cov(funcs(x).T)
    expected = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * 0.04))
    np.testing.assert_allclose(empirical, expected, atol=0.04)


def test_grf_is_reproducible_and_runs_on_every_backend(xp):
    name = backend_name(xp)
    a = GaussianRandomField1D(backend=name, n_nodes=200).sample(4, seed=3)
    b = GaussianRandomField1D(backend=name, n_nodes=200).sample(4, seed=3)
    x = xp.linspace(0.0, 1.0, 9, dtype=xp.float64)
    assert_close(a(x), b(x), rtol=0, xp=xp)
    with pytest.raises(ValueError, match="outside"):
        a(xp.asarray([1.5]))


def test_grf_antiderivative_is_exact():
    funcs = GaussianRandomField1D().sample(3, seed=1)
    from scipy.integrate import quad

    for x in (0.3, 0.77, 1.0):
        for i in range(3):
            ref = quad(lambda s: funcs(np.array([s]))[i, 0], 0.0, x, epsabs=1e-13, epsrel=1e-13)[0]
            assert funcs.antiderivative(np.array([x]))[i, 0] == pytest.approx(ref, abs=1e-9)
    np.testing.assert_allclose(funcs.antiderivative(np.array([0.0])), 0.0, atol=1e-15)


def test_spectral_field_variance_and_shapes():
    alpha, tau = 2.0, 5.0
    s = spectral_gaussian_field(4000, 32, alpha=alpha, tau=tau, seed=0)
    k = np.fft.fftfreq(32, 1 / 32)
    amp = tau ** (alpha - 0.5) * (4 * np.pi**2 * k**2 + tau**2) ** (-alpha / 2)
    amp[0] = 0
    assert s.var() == pytest.approx(np.sum(amp**2), rel=0.05)
    assert abs(s.mean()) < 0.01
    assert spectral_gaussian_field(3, 16, dim=2, boundary="neumann", seed=1).shape == (3, 16, 16)
    with pytest.raises(ValueError, match="boundary"):
        spectral_gaussian_field(1, 8, boundary="dirichlet")


def test_chebyshev_random_functions():
    funcs = ChebyshevRandomFunctions.sample(4, degree=5, seed=0)
    x = np.linspace(0, 1, 7)
    t = 2 * x - 1
    expected = np.polynomial.chebyshev.chebval(t, funcs.coefficients)
    np.testing.assert_allclose(funcs(x), expected, atol=1e-14)


@pytest.mark.parametrize("cls", [exact.Antiderivative, exact.LinearODE])
def test_rk4_has_order_four_against_exact_solutions(cls):
    problem = cls.random(5, seed=2)
    lam = getattr(problem, "decay_rate", 0.0)
    points = np.linspace(0, 1, 29)
    errors = []
    for n in (8, 16, 32, 64):
        s = solve_ode(lambda x: problem.input(x)[None, :], points, equation=lambda s, u, xp: -lam * s + u[:, None],
                      state_dim=1, n_steps=n).solution[0, :, 0]
        errors.append(np.max(np.abs(s - problem.solution(points))))
    assert observed_order(errors, [1 / 8, 1 / 16, 1 / 32, 1 / 64]) == pytest.approx(4.0, abs=0.2)


def test_ode_solver_on_every_backend_and_per_function_points(xp):
    funcs = GaussianRandomField1D(backend=backend_name(xp), n_nodes=200).sample(3, seed=0)
    points = xp.asarray(np.random.default_rng(0).uniform(0, 1, (3, 5)))
    res = solve_ode(funcs, points, n_steps=200)
    s = res.solution
    assert res.grid == (points,) and res.times is None and s.shape == (3, 5)
    for i in range(3):
        assert_close(s[i, :], funcs.antiderivative(points[i, :])[i, :], atol=1e-8, xp=xp)


def test_pendulum_and_nonlinear_against_scipy():
    from scipy.integrate import solve_ivp

    funcs = GaussianRandomField1D().sample(2, seed=5)
    x = np.linspace(0, 1, 6)
    for name, rhs in (("nonlinear", lambda t, s, i: [-s[0] ** 2 + funcs(np.array([t]))[i, 0]]),
                      ("pendulum", lambda t, s, i: [s[1], -np.sin(s[0]) + funcs(np.array([t]))[i, 0]])):
        ours = solve_ode(funcs, x, equation=name, n_steps=200).solution
        for i in range(2):
            dim = 1 if name == "nonlinear" else 2
            ref = solve_ivp(rhs, (0, 1), [0.0] * dim, args=(i,), t_eval=x, rtol=1e-11, atol=1e-12).y[0]
            np.testing.assert_allclose(ours[i], ref, atol=1e-8)


def test_datasets_layouts_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIML_CACHE_DIR", str(tmp_path))
    data = antiderivative(30, 20, m=25, points_per_function=4, n_grid=11, seed=1)
    b, y, s = data.train.unaligned()
    assert (b.shape, y.shape, s.shape) == ((120, 25), (120, 1), (120, 1))
    b, g, t = data.test.aligned()
    assert (b.shape, g.shape, t.shape) == ((20, 25), (11, 1), (20, 11))
    files = list(tmp_path.glob("antiderivative-*.npz"))
    assert len(files) == 1 and not list(tmp_path.glob("*.tmp"))
    again = antiderivative(30, 20, m=25, points_per_function=4, n_grid=11, seed=1)
    np.testing.assert_array_equal(again.train.targets, data.train.targets)
    other = antiderivative(30, 20, m=25, points_per_function=4, n_grid=11, seed=2)
    assert not np.array_equal(other.train.branch, data.train.branch)
    files[0].write_bytes(b"not a zip file")
    with pytest.warns(RuntimeWarning, match="damaged"):
        repaired = antiderivative(30, 20, m=25, points_per_function=4, n_grid=11, seed=1)
    np.testing.assert_array_equal(repaired.train.targets, data.train.targets)


def test_other_ode_datasets_and_bad_input():
    assert nonlinear_ode(5, 5, m=10, cache=False).train.branch.shape == (5, 10)
    assert pendulum(5, 5, m=10, cache=False).test.grid_targets.shape == (5, 100)
    with pytest.raises(ValueError, match="n_train"):
        antiderivative(0, 5, cache=False)
    with pytest.raises(ValueError, match="state_dim"):
        solve_ode(lambda x: x[None, :], np.array([0.5]), equation=lambda s, u, xp: s)
    with pytest.raises(ValueError, match="inside"):
        solve_ode(lambda x: x[None, :], np.array([1.5]))



def test_diffusion_reaction_dataset_layouts_agree():
    from sciml.data import diffusion_reaction

    data = diffusion_reaction(4, 2, m=12, points_per_function=7, grid_stride=1, n_x=20, n_steps=10, cache=False)
    branch, grid, values = data.train.aligned()
    assert branch.shape == (4, 12) and grid.shape == (21 * 11, 2) and values.shape == (4, 21 * 11)
    for i in range(4):
        for (x, t), target in zip(data.train.points[i], data.train.targets[i]):
            j = np.argmin(np.abs(grid[:, 0] - x) + np.abs(grid[:, 1] - t))
            assert values[i, j] == target
    assert np.all(values[:, grid[:, 1] == 0.0] == 0.0)  # zero initial values


def test_burgers_solver_matches_cole_hopf_on_every_backend(xp):
    from solvers.pde import solve_burgers as solve

    x = xp.arange(64, dtype=xp.float64) / 64
    res = solve(xp.stack([xp.sin(2 * xp.pi * x), 0.5 * xp.sin(2 * xp.pi * x)]), nu=0.1, t_final=0.5, dt=2e-3)
    assert res.solution.shape == (2, 1, 64) and res.times.shape == (1,) and float(res.times[0]) == 0.5
    assert_close(res.grid[0], x, rtol=0, xp=xp)
    u = res.final
    for row, amplitude in ((0, 1.0), (1, 0.5)):
        reference = exact.BurgersSine(nu=0.1, amplitude=amplitude).solution(x, t=0.5)
        assert_close(u[row, :], reference, atol=1e-9, xp=xp)
    with pytest.raises(ValueError, match="even"):
        solve(xp.zeros((1, 7)))


def test_burgers_dataset_layouts():
    from sciml.data import burgers

    data = burgers(6, 3, resolution=32, solve_resolution=64, points_per_function=5, cache=False)
    branch, grid, targets = data.train.aligned()
    assert branch.shape == (6, 32) and grid.shape == (32, 1) and targets.shape == (6, 32)
    for i in range(6):
        for x, value in zip(data.train.points[i, :, 0], data.train.targets[i]):
            assert targets[i, int(round(x * 32))] == value
