import numpy as np
import pytest
import scipy.sparse.linalg as spla

from helpers import assert_close
from sciml.backend import backend_name, to_numpy
from solvers import solve_poisson
from validation import exact


def test_solution_matches_a_sparse_direct_solve(xp):
    problem = exact.PoissonManufactured(3)
    result = solve_poisson(problem.source, (10, 12, 8), domain=problem.domain, boundary=problem.boundary,
                           backend=backend_name(xp), rtol=1e-13)
    A = result.operator
    f = np.broadcast_to(problem.source(*A.cell_centers()), A.grid_shape) + A.boundary_rhs(problem.boundary)
    assert_close(result.rhs, f, rtol=1e-14, xp=xp)
    direct = spla.spsolve(A.to_sparse().tocsc(), f.reshape(-1)).reshape(A.grid_shape)
    assert_close(result.solution, direct, rtol=1e-9, atol=1e-11, xp=xp)
    assert result.grid.shape == (10, 12, 8) and result.times is None and result.info.converged


def test_pure_neumann_problem_returns_the_zero_mean_solution(xp):
    problem = exact.PoissonCosineMode(2, modes=(1, 1))
    # Add a constant to the source: incompatible data is projected to zero mean.
    result = solve_poisson(lambda x, y: problem.source(x, y) + 3.0, 64, dim=2, bc="neumann",
                           backend=backend_name(xp))
    u = to_numpy(result.solution)
    assert abs(u.mean()) < 1e-12
    exact_u = np.broadcast_to(problem.solution(*(to_numpy(c) for c in result.coordinates())), u.shape)
    assert np.max(np.abs(u - exact_u)) < 2e-3


def test_constant_source_and_periodic_axis():
    result = solve_poisson(1.0, (32, 16), bc=("dirichlet", "periodic"))
    x, _ = result.coordinates()
    # Independent of y: -u'' = 1 with u(0) = u(1) = 0 -> x(1 - x)/2, second order.
    np.testing.assert_allclose(result.solution, np.broadcast_to(x * (1 - x) / 2, (32, 16)), atol=0.25 / 32**2)  # the cell-centred closure errs by h²/8
    assert result.info.converged


def test_bad_source_shape_is_reported():
    with pytest.raises(ValueError):
        solve_poisson(lambda x, y: np.ones(5), 8, dim=2)
