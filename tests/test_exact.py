"""Exact solutions: boundary and initial data exactly, known values, bad input.

That each one satisfies its PDE with observed order 2 is the job of the registered
residual checks, run on every backend in ``test_checks.py``.
"""

import math

import numpy as np
import pytest
from scipy import integrate

from helpers import assert_close
from validation import exact


def faces(sol, xp, n=9):
    """Points on every face of the box, as coordinate tuples."""
    for axis in range(sol.dim):
        for value in sol.domain[axis]:
            coords = list(sol.grid(n, kind="vertex", backend=_name(xp)))
            shape = [1] * sol.dim
            coords[axis] = xp.full(tuple(shape), value, dtype=xp.float64)
            yield axis, value, tuple(coords)


def _name(xp):
    from sciml.backend import backend_name

    return backend_name(xp)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_sine_mode_vanishes_on_the_boundary(xp, dim):
    sol = exact.PoissonSineMode(dim, modes=(1, 3, 2)[:dim], domain=((0.0, 2.0), (-1.0, 1.0), (0.5, 1.5))[:dim])
    for _, _, c in faces(sol, xp):
        u = sol.solution(*c)
        assert_close(u, 0.0, atol=1e-14, xp=xp)
        assert_close(sol.boundary(*c), u, rtol=0, xp=xp)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_cosine_mode_has_zero_normal_derivative_and_zero_mean(xp, dim):
    sol = exact.PoissonCosineMode(dim, modes=(2, 1, 1)[:dim])
    h = 1e-7
    for axis, value, c in faces(sol, xp):
        inward = 1.0 if value == sol.domain[axis][0] else -1.0
        shifted = tuple(x + inward * h if i == axis else x for i, x in enumerate(c))
        derivative = (sol.solution(*shifted) - sol.solution(*c)) / h
        assert_close(derivative, 0.0, atol=1e-5, xp=xp)  # one-sided difference: O(h k²) ≈ 4e-6
        assert_close(sol.boundary(*c), 0.0, atol=0.0, xp=xp)
    u = sol.solution(*sol.grid(32, kind="cell", backend=_name(xp)))
    assert abs(float(xp.mean(u))) < 1e-14


def test_manufactured_solution_values_and_source():
    sol = exact.PoissonManufactured(2, alpha=2.0, center=(0.5, 0.5))
    x, y = np.array([0.5, 1.0]), np.array([0.5, 0.5])
    assert_close(sol.solution(x, y), np.array([1.0, 1.0 / 1.5]))
    # -Δu at the centre: 2αd = 8
    assert float(sol.source(np.array([0.5]), np.array([0.5]))[0]) == pytest.approx(8.0)


def test_heat_mode_initial_and_decay(xp):
    sol = exact.HeatFourierMode(2, kappa=0.3, modes=(1, 2))
    x, y = sol.grid(8, kind="cell", backend=_name(xp))
    u0 = sol.initial(x, y)
    assert_close(u0, exact.PoissonSineMode(2, modes=(1, 2)).solution(x, y), rtol=1e-15, xp=xp)
    rate = 0.3 * math.pi**2 * 5
    assert_close(sol.solution(x, y, t=0.7), u0 * math.exp(-rate * 0.7), rtol=1e-14, xp=xp)


def test_heat_kernel_conserves_mass():
    sol = exact.HeatKernel(kappa=0.7, x0=0.2, t0=0.05)
    for t in (0.0, 0.5, 3.0):
        mass, _ = integrate.quad(lambda s: float(sol.solution(np.array([s]), t=t)[0]), -50, 50, points=[0.2])
        assert mass == pytest.approx(1.0, abs=1e-10)


def test_burgers_shock_limits_and_speed(xp):
    sol = exact.BurgersShock(nu=0.01, u_left=2.0, u_right=-0.5, domain=((-5.0, 5.0),))
    x = xp.asarray([-5.0, 5.0])
    assert_close(sol.solution(x, t=0.0), np.array([2.0, -0.5]), atol=1e-12, xp=xp)
    centre = xp.asarray([sol.speed * 1.5])
    assert_close(sol.solution(centre, t=1.5), np.array([0.75]), rtol=1e-14, xp=xp)


def test_burgers_sine_initial_data_and_dirichlet_values(xp):
    sol = exact.BurgersSine(nu=0.02, length=2.0, dirichlet=True)
    (x,) = sol.grid(64, kind="vertex", backend=_name(xp))
    assert_close(sol.initial(x), xp.sin(math.pi * x), atol=1e-11, xp=xp)
    ends = xp.asarray([0.0, 1.0])
    for t in (0.0, 0.1, 1.0):
        assert_close(sol.solution(ends, t=t), np.zeros(2), atol=1e-13, xp=xp)


def test_burgers_sine_refuses_too_small_viscosity():
    with pytest.raises(ValueError, match="not validated"):
        exact.BurgersSine(nu=0.001 / math.pi, length=2.0)


def _cole_hopf_series_90_digits(x, t, nu, length):
    import mpmath as mp

    with mp.workdps(120):
        k = 2 * mp.pi / length
        z = 1 / (2 * mp.mpf(nu) * k)
        phi, dphi, n = mp.besseli(0, z), mp.mpf(0), 1
        while True:
            c = 2 * mp.besseli(n, z) * mp.exp(-mp.mpf(nu) * (n * k) ** 2 * t)
            phi += c * mp.cos(n * k * x)
            dphi -= c * n * k * mp.sin(n * k * x)
            if abs(c) < mp.mpf(10) ** -110 * mp.besseli(0, z):
                return float(-2 * mp.mpf(nu) * dphi / phi)
            n += 1


@pytest.mark.parametrize("nu", [0.1, 0.02, 0.01 / math.pi])
@pytest.mark.parametrize("t", [1e-3, 0.1, 0.5, 2.0])
def test_burgers_sine_agrees_with_extended_precision_to_1e10(nu, t):
    sol = exact.BurgersSine(nu=nu, length=2.0, dirichlet=True)
    x = np.linspace(0.02, 0.98, 9)
    ref = np.array([_cole_hopf_series_90_digits(v, t, nu, 2.0) for v in x])
    np.testing.assert_allclose(sol.solution(x, t=t), ref, rtol=0, atol=1e-10)


def test_taylor_green_velocity_is_divergence_free_and_matches_vorticity():
    sol = exact.TaylorGreenVortex(nu=0.01, wavenumber=2)
    x, y = sol.grid(16, kind="periodic")
    h = 1e-6
    u, v = sol.velocity(x, y, t=0.2)
    ux = (sol.velocity(x + h, y, t=0.2)[0] - sol.velocity(x - h, y, t=0.2)[0]) / (2 * h)
    vy = (sol.velocity(x, y + h, t=0.2)[1] - sol.velocity(x, y - h, t=0.2)[1]) / (2 * h)
    vx = (sol.velocity(x + h, y, t=0.2)[1] - sol.velocity(x - h, y, t=0.2)[1]) / (2 * h)
    uy = (sol.velocity(x, y + h, t=0.2)[0] - sol.velocity(x, y - h, t=0.2)[0]) / (2 * h)
    np.testing.assert_allclose(ux + vy, 0.0, atol=1e-7)
    np.testing.assert_allclose(vx - uy, sol.solution(x, y, t=0.2), atol=1e-6)


def test_kolmogorov_transient_starts_at_its_fraction_and_tends_to_steady(xp):
    sol = exact.KolmogorovFlow(nu=1e-2, initial_fraction=0.25)
    x, y = sol.grid(8, kind="periodic", backend=_name(xp))
    steady = sol.steady(x, y)
    assert_close(sol.initial(x, y), 0.25 * steady, rtol=1e-14, xp=xp)
    assert_close(sol.solution(x, y, t=200.0), steady, rtol=1e-12, xp=xp)
    assert_close(sol.forcing(x, y), sol.nu * sol.k2 * steady, rtol=1e-14, xp=xp)


def test_darcy_constant_coefficient_closed_form_and_boundary_values(xp):
    sol = exact.Darcy1D(coefficient=lambda x: 2.0 + 0.0 * x, source=3.0)
    x = xp.linspace(0.0, 1.0, 11, dtype=xp.float64)
    assert_close(sol.solution(x), 3.0 * x * (1.0 - x) / 4.0, rtol=1e-13, atol=1e-15, xp=xp)
    default = exact.Darcy1D()
    assert_close(default.solution(xp.asarray([0.0, 1.0])), np.zeros(2), atol=1e-15, xp=xp)


def test_darcy_matches_scipy_quadrature_for_variable_coefficient():
    a = lambda x: 1.0 + 0.5 * np.sin(2 * np.pi * x) ** 2  # noqa: E731
    f = lambda x: np.exp(x)  # noqa: E731
    sol = exact.Darcy1D(coefficient=a, source=f)
    F = lambda s: np.exp(s) - 1.0  # noqa: E731
    c = integrate.quad(lambda s: F(s) / a(s), 0, 1, epsabs=1e-14)[0] / integrate.quad(lambda s: 1 / a(s), 0, 1, epsabs=1e-14)[0]
    for x in (0.13, 0.5, 0.91):
        ref = c * integrate.quad(lambda s: 1 / a(s), 0, x, epsabs=1e-14)[0] - integrate.quad(
            lambda s: F(s) / a(s), 0, x, epsabs=1e-14)[0]
        assert float(sol.solution(np.array([x]))[0]) == pytest.approx(ref, abs=1e-13)


def test_darcy_rejects_non_positive_coefficient():
    sol = exact.Darcy1D(coefficient=lambda x: x - 0.5)
    with pytest.raises(ValueError, match="positive"):
        sol.solution(np.array([0.7]))


@pytest.mark.parametrize("cls", [exact.Antiderivative, exact.LinearODE])
def test_ode_solutions_start_at_zero_and_match_scipy(cls):
    sol = cls.random(6, seed=3)
    assert float(sol.solution(np.array([0.0]))[0]) == pytest.approx(0.0, abs=1e-15)
    lam = getattr(sol, "decay_rate", 0.0)
    ref = integrate.solve_ivp(lambda x, s: -lam * s + sol.input(np.array([x])), (0, 1), [0.0],
                              rtol=1e-12, atol=1e-12, dense_output=True)
    x = np.linspace(0, 1, 9)
    np.testing.assert_allclose(sol.solution(x), ref.sol(x)[0], atol=1e-9)


def test_advection_and_wave_initial_data(xp):
    adv = exact.Advection1D(velocity=0.5)
    wave = exact.Wave1D(speed=2.0)
    x = xp.linspace(0.0, 1.0, 17, dtype=xp.float64)
    assert_close(adv.solution(x, t=2.0), adv.initial(x), atol=1e-14, xp=xp)  # one period
    assert_close(wave.initial(x), xp.sin(2 * math.pi * x), atol=1e-15, xp=xp)
    h = 1e-5  # second-order one-sided difference in time
    u_t = (-3.0 * wave.solution(x, t=0.0) + 4.0 * wave.solution(x, t=h) - wave.solution(x, t=2 * h)) / (2 * h)
    assert_close(u_t, wave.initial_velocity(x), atol=1e-5, xp=xp)


def test_newton_gaussian_charge_origin_and_far_field(xp):
    sol = exact.GaussianChargePotential(charge=2.0, width=0.4)
    o = xp.zeros(1, dtype=xp.float64)
    assert_close(sol.solution(o, o, o), np.array([2.0 * 2.0 / (math.sqrt(math.pi) * 0.4)]), rtol=1e-14, xp=xp)
    far = xp.asarray([8.0])
    assert_close(sol.solution(far, o, o), np.array([2.0 / 8.0]), rtol=1e-14, xp=xp)


def test_gaussian_charge_density_integrates_to_the_charge():
    sol = exact.GaussianChargePotential(charge=1.7, width=0.3)
    radial = lambda r: 4 * np.pi * r**2 * float(sol.density(np.array([r]), np.array([0.0]), np.array([0.0]))[0])  # noqa: E731
    assert integrate.quad(radial, 0, 10)[0] == pytest.approx(1.7, rel=1e-10)


def test_point_charges_refuse_evaluation_on_a_charge():
    sol = exact.PointChargePotential([[0.1, 0.2, 0.3]], [1.0])
    p = (np.array([0.1]), np.array([0.2]), np.array([0.3]))
    with pytest.raises(ValueError, match="coincides"):
        sol.solution(*p)
    assert float(sol.long_range(*p)[0]) == pytest.approx(2 / (math.sqrt(math.pi) * sol.split_width))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        exact.PointChargePotential([[0.0, 0.0]], [1.0])


def test_periodic_problems_accept_any_real_coordinate():
    sol = exact.TaylorGreenVortex()
    x, y = np.array([0.3]), np.array([0.7])
    np.testing.assert_allclose(sol.solution(x + 3.0, y - 1.0, t=0.1), sol.solution(x, y, t=0.1), rtol=1e-12)


def test_bad_input_raises_clear_errors(xp):
    sol = exact.PoissonSineMode(2)
    x = xp.asarray([0.5])
    with pytest.raises(ValueError, match="outside the domain"):
        sol.solution(xp.asarray([1.5]), x)
    with pytest.raises(ValueError, match="NaN"):
        sol.solution(xp.asarray([math.nan]), x)
    with pytest.raises(ValueError, match="2 coordinate"):
        sol.solution(x)
    with pytest.raises(ValueError, match="steady"):
        sol.solution(x, x, t=1.0)
    with pytest.raises(ValueError, match="broadcast"):
        sol.solution(xp.asarray([0.1, 0.2]), xp.asarray([0.1, 0.2, 0.3]))
    heat = exact.HeatFourierMode(1)
    with pytest.raises(ValueError, match="pass t"):
        heat.solution(x)
    with pytest.raises(ValueError, match=">= 0"):
        heat.solution(x, t=-1.0)
    with pytest.raises(TypeError, match="steady"):
        sol.initial(x, x)
    with pytest.raises(ValueError, match="modes"):
        exact.PoissonSineMode(2, modes=(0, 1))
    with pytest.raises(ValueError, match="dim"):
        exact.PoissonSineMode(4)


def test_results_follow_the_backend_of_the_coordinates(xp):
    solutions = [
        (exact.PoissonManufactured(3), None), (exact.HeatKernel(), 0.1), (exact.BurgersSine(), 0.1),
        (exact.TaylorGreenVortex(), 0.1), (exact.Darcy1D(), None), (exact.LinearODE(), None),
        (exact.GaussianChargePotential(), None),
    ]
    for sol, t in solutions:
        coords = tuple(xp.asarray([0.25, 0.5]) for _ in range(sol.dim))
        u = sol.solution(*coords) if t is None else sol.solution(*coords, t=t)
        assert tuple(u.shape) == (2,)
        assert_close(u, u, xp=xp)
        assert repr(sol).startswith(type(sol).__name__)
