"""The one result contract of the PDE solvers (PDESolution) and their verb names."""

import dataclasses

import numpy as np
import pytest

import sciml.data
import solvers
import solvers.pde
from helpers import assert_close
from sciml.backend import backend_name, to_numpy
from solvers import Grid, KrylovInfo, Laplacian, solve_poisson
from solvers.pde import (PDESolution, solve_burgers, solve_darcy, solve_diffusion_reaction, solve_navier_stokes_2d,
                         solve_ode)


def test_the_solvers_are_verbs_and_the_old_names_are_gone():
    for old in ("burgers", "darcy", "diffusion_reaction", "navier_stokes_2d"):
        assert not hasattr(solvers.pde, old), old
        assert old not in solvers.pde.__all__
    assert not hasattr(solvers, "PoissonResult")
    assert solvers.PDESolution is PDESolution
    for name in ("solve_ode", "solve_diffusion_reaction", "solve_burgers", "solve_darcy", "solve_navier_stokes_2d"):
        assert name in solvers.pde.__all__ and callable(getattr(solvers.pde, name))
    # the nouns of sciml.data are the data sets, not the solvers
    for noun in ("burgers", "darcy", "diffusion_reaction", "navier_stokes"):
        assert getattr(sciml.data, noun).__module__.startswith("sciml.data.")


def test_the_old_keywords_are_gone():
    with pytest.raises(TypeError, match="n_t"):
        solve_diffusion_reaction(None, n_x=4, n_t=2)
    with pytest.raises(TypeError, match="solve_n"):
        sciml.data.burgers(2, 1, 8, solve_n=16, cache=False)
    with pytest.raises(ValueError, match="n_steps >= 1, got n_x=4, n_steps=0"):
        solve_diffusion_reaction(None, n_x=4, n_steps=0)


def test_ode_solution_on_shared_and_per_function_points(xp):
    u = lambda x: xp.stack([xp.ones_like(x), 2.0 * x])  # noqa: E731  s = x and s = x²
    points = xp.asarray([0.0, 0.5, 1.0])
    res = solve_ode(u, points, n_steps=4)
    assert res.grid == (points,) and res.times is None and res.info is None
    assert_close(res.solution, xp.stack([points, points * points]), atol=1e-14, xp=xp)
    assert res.final is res.solution
    each = xp.asarray([[0.25, 1.0], [0.5, 1.0]])
    assert_close(solve_ode(u, each, n_steps=4).solution, xp.asarray([[0.25, 1.0], [0.25, 1.0]]), atol=1e-14, xp=xp)
    state = solve_ode(u, points, equation=lambda s, v, xp: v[:, None] + 0.0 * s, state_dim=1, n_steps=4)
    assert state.solution.shape == (2, 3, 1)


def test_diffusion_reaction_solution_grid_and_times(xp):
    from sciml.backend import backend_name as name

    res = solve_diffusion_reaction(None, n_x=10, n_steps=8, t_final=2.0, n_functions=3, backend=name(xp),
                                   initial=lambda x: xp.sin(xp.pi * x), reaction=0.0, diffusivity=0.1)
    assert res.solution.shape == (3, 9, 11) and res.space_dim == 1
    assert_close(res.times, xp.linspace(0.0, 2.0, 9, dtype=xp.float64), xp=xp)
    (x,) = res.grid
    assert_close(x, xp.linspace(0.0, 1.0, 11, dtype=xp.float64), xp=xp)
    assert_close(res.solution[:, 0, :], xp.broadcast_to(xp.sin(xp.pi * x), (3, 11)), atol=1e-15, xp=xp)
    assert_close(res.final, res.solution[:, -1, :], rtol=0, xp=xp)
    # the heat mode decays as exp(-D π² t): second order in space and time at this size
    decay = float(res.final[0, 5] / res.solution[0, 0, 5])
    assert decay == pytest.approx(np.exp(-0.1 * np.pi**2 * 2.0), rel=2e-2)


def test_burgers_solution_keeps_a_time_axis(xp):
    n, length = 32, 2.0
    x = xp.arange(n, dtype=xp.float64) * length / n
    u0 = xp.stack([xp.sin(2 * xp.pi * x / length), xp.zeros_like(x)])
    res = solve_burgers(u0, nu=0.1, t_final=0.25, dt=0.05, length=length)
    assert res.solution.shape == (2, 1, n) and res.final.shape == (2, n)
    assert to_numpy(res.times).tolist() == [0.25] and backend_name(res.times) == backend_name(xp)
    assert_close(res.grid[0], x, rtol=0, xp=xp)
    assert_close(res.final[1, :], 0.0, xp=xp)   # zero stays zero
    assert_close(res.coordinates()[0], x, rtol=0, xp=xp)
    single = solve_burgers(u0[0, :], nu=0.1, t_final=0.25, dt=0.05, length=length)
    assert single.solution.shape == (1, n)
    assert_close(single.final, res.final[0, :], rtol=1e-14, xp=xp)


def test_darcy_solution_lives_on_its_grid():
    a = np.full((2, 12, 12), 2.0)
    res = solve_darcy(a, f=lambda x, y: 2.0 * np.pi**2 * np.sin(np.pi * x) * np.sin(np.pi * y))
    assert isinstance(res.grid, Grid) and res.grid.shape == (12, 12) and res.times is None
    x, y = res.coordinates()
    assert x.shape == (12, 1) and y.shape == (1, 12)
    np.testing.assert_allclose(x[:, 0], (np.arange(12) + 0.5) / 12, rtol=1e-15)
    # -∇·(2∇u) = 2π² sin πx sin πy: u = sin πx sin πy / 2, second order (h² π² / 12 ≈ 6e-3 relative)
    error = np.max(np.abs(res.solution - np.sin(np.pi * x) * np.sin(np.pi * y) / 2.0))
    assert error < 1e-2 * 0.5, error
    assert res.final is res.solution


def test_navier_stokes_solution_times_and_grid():
    w0 = np.zeros((3, 8, 8))
    res = solve_navier_stokes_2d(w0, nu=1e-3, t_final=0.2, dt=0.05, forcing=None, save_times=[0.1, 0.2])
    assert res.solution.shape == (3, 2, 8, 8) and res.times.tolist() == [0.1, 0.2]
    x, y = res.coordinates()
    assert x.shape == (8, 1) and y.shape == (1, 8)
    np.testing.assert_array_equal(res.grid[0], np.arange(8) / 8)
    default = solve_navier_stokes_2d(w0[0], nu=1e-3, t_final=0.2, dt=0.05)
    assert default.solution.shape == (1, 8, 8) and default.times.tolist() == [0.2] and default.final.shape == (8, 8)


def test_poisson_returns_the_same_result_class(xp):
    res = solve_poisson(1.0, (8, 6), bc=("dirichlet", "periodic"), backend=backend_name(xp), rtol=1e-12)
    assert isinstance(res, PDESolution) and isinstance(res.info, KrylovInfo) and res.info.converged
    assert isinstance(res.operator, Laplacian) and res.grid == Grid((8, 6)) and res.times is None
    assert_close(res.operator.matvec(res.solution), res.rhs, atol=1e-10, xp=xp)
    x, y = res.coordinates()
    assert backend_name(x) == backend_name(xp) and tuple(x.shape) == (8, 1) and tuple(y.shape) == (1, 6)


def test_the_result_is_immutable_and_checks_its_time_axis():
    res = PDESolution(solution=np.zeros((2, 3, 4)), grid=(np.arange(4.0),), times=np.arange(3.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.solution = np.ones(3)
    with pytest.raises(ValueError, match="times must be 1-D"):
        PDESolution(solution=np.zeros((2, 3, 4)), grid=(np.arange(4.0),), times=np.arange(2.0))
    with pytest.raises(ValueError, match="times must be 1-D"):
        PDESolution(solution=np.zeros((2, 3, 4)), grid=(np.arange(4.0),), times=np.zeros((3, 1)))
    with pytest.raises(TypeError, match="grid must be a Grid or a tuple"):
        PDESolution(solution=np.zeros(4), grid=np.arange(4.0))
