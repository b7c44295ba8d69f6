"""Darcy and Navier–Stokes: the variable-coefficient operator, the solvers and their data sets."""

import numpy as np
import pytest

from helpers import assert_close
from sciml.backend import backend_name, to_backend, to_numpy
from solvers import DiffusionOperator, Laplacian
from solvers.pde import solve_darcy, solve_navier_stokes_2d
from validation.exact import DarcyManufactured, KolmogorovFlow, TaylorGreenVortex
from validation.metrics import observed_order


@pytest.mark.parametrize("bc", ["dirichlet", "neumann", "periodic", ("dirichlet", "periodic")])
@pytest.mark.parametrize("shape", [(7,), (5, 6), (3, 4, 5)])
def test_diffusion_operator_matrix_free_equals_assembled_and_is_symmetric(bc, shape):
    if isinstance(bc, tuple) and len(shape) != 2:
        pytest.skip("per-axis conditions given for two axes")
    rng = np.random.default_rng(1)
    a = rng.uniform(1.0, 5.0, shape)
    op = DiffusionOperator(a, bc=bc)
    matrix = op.to_sparse()
    u = rng.standard_normal(shape)
    np.testing.assert_allclose(op.matvec(u).ravel(), matrix @ u.ravel(), rtol=1e-12, atol=1e-10)
    assert abs(matrix - matrix.T).max() == 0.0
    np.testing.assert_allclose(op.diagonal(), matrix.diagonal(), rtol=1e-14)
    # a constant coefficient c gives c times the Laplacian
    scaled = DiffusionOperator(np.full(shape, 2.5), bc=bc).to_sparse()
    np.testing.assert_allclose(scaled.toarray(), 2.5 * Laplacian(shape, bc=bc).to_sparse().toarray(), rtol=1e-14)


def test_diffusion_operator_on_every_backend(xp):
    rng = np.random.default_rng(2)
    a, u = rng.uniform(1.0, 3.0, (6, 5)), rng.standard_normal((6, 5))
    expected = DiffusionOperator(a).matvec(u)
    op = DiffusionOperator(xp.asarray(a))
    assert_close(op.matvec(xp.asarray(u)), expected, rtol=1e-12, xp=xp)


def test_diffusion_operator_flux_continuity_across_a_jump():
    # 1D, a = 1 on the left half and 4 on the right: -(a u')' = 0 with u(0) = 0, u(1) = 1 is
    # piecewise linear with the flux continuous, which the harmonic face mean reproduces exactly.
    n = 8
    a = np.where(np.arange(n) < n // 2, 1.0, 4.0)
    op = DiffusionOperator(a)
    rhs = op.boundary_rhs(lambda x: np.where(x > 0.5, 1.0, 0.0))
    u = np.linalg.solve(op.to_sparse().toarray(), rhs)
    x = (np.arange(n) + 0.5) / n
    # exact: flux q = 1 / (0.5/1 + 0.5/4), u = q x on the left, 1 - q (1 - x)/4 on the right
    q = 1.0 / (0.5 + 0.125)
    np.testing.assert_allclose(u, np.where(x < 0.5, q * x, 1.0 - q * (1.0 - x) / 4.0), rtol=1e-12)


def test_diffusion_operator_rejects_bad_coefficients():
    with pytest.raises(ValueError, match="positive"):
        DiffusionOperator(np.array([[1.0, -1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        DiffusionOperator(np.array([[1.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="expected"):
        DiffusionOperator(np.ones((4, 4))).matvec(np.ones(5))


def test_darcy_converges_with_order_two_to_the_manufactured_solution():
    exact = DarcyManufactured()
    sizes, errors = [16, 32, 64], []
    for n in sizes:
        x, y = exact.grid(n)
        u = solve_darcy(exact.coefficient(x, y), f=exact.source(x, y)).solution
        errors.append(float(np.max(np.abs(u - exact.solution(x, y)))))
    order = observed_order(errors, [1.0 / n for n in sizes])
    assert 1.85 < order < 2.15, (errors, order)
    assert errors[-1] < 1e-3


def test_darcy_batches_and_constant_source():
    rng = np.random.default_rng(3)
    a = np.where(rng.standard_normal((3, 2, 16, 16)) > 0, 12.0, 3.0)
    res = solve_darcy(a)
    u = res.solution
    assert u.shape == a.shape and res.times is None and res.info is None
    assert res.grid.shape == (16, 16) and res.grid.domain == ((0.0, 1.0), (0.0, 1.0))
    single = solve_darcy(a[1, 0]).solution
    np.testing.assert_allclose(u[1, 0], single, rtol=1e-13)
    # the residual of the discrete equation is the source
    np.testing.assert_allclose(DiffusionOperator(a[2, 1]).matvec(u[2, 1]), np.ones((16, 16)), rtol=1e-9)
    with pytest.raises(ValueError, match=r"\[..., n, n\]"):
        solve_darcy(np.ones((4, 5)))


def test_navier_stokes_taylor_green_and_kolmogorov(backend):
    tg = TaylorGreenVortex(nu=1e-3)
    x, y = tg.grid(32, kind="periodic", backend="numpy")
    w0 = to_backend(np.stack([tg.initial(x, y), 2.0 * tg.initial(x, y)]), backend)
    res = solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=1e-2, forcing=None)
    w = res.final
    assert backend_name(w) == backend and backend_name(res.times) == backend and backend_name(res.grid[0]) == backend
    assert res.solution.shape == (2, 1, 32, 32) and to_numpy(res.times).tolist() == [1.0]
    np.testing.assert_array_equal(to_numpy(res.grid[0]), np.arange(32) / 32)
    exact = tg.solution(x, y, t=1.0)
    assert float(np.max(np.abs(to_numpy(w)[0] - exact))) < 1e-8 * float(np.max(np.abs(exact)))
    np.testing.assert_allclose(to_numpy(w)[1], 2.0 * to_numpy(w)[0], rtol=1e-12, atol=1e-14)

    kf = KolmogorovFlow(nu=1e-3, initial_fraction=0.3)
    w = solve_navier_stokes_2d(kf.initial(x, y), nu=1e-3, t_final=1.0, dt=1e-2).final
    exact = kf.solution(x, y, t=1.0)
    assert np.max(np.abs(w - exact)) < 1e-7 * np.max(np.abs(exact))
    steady = kf.steady(x, y)
    assert np.max(np.abs(solve_navier_stokes_2d(steady, nu=1e-3, t_final=5.0, dt=1e-2).final - steady)) < 1e-12


def test_navier_stokes_is_second_order_in_time_and_saves_snapshots():
    from sciml.data import spectral_gaussian_field

    w0 = spectral_gaussian_field(2, 32, dim=2, alpha=2.5, tau=7.0, seed=4)
    reference = solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=1e-3).final
    errors = [float(np.max(np.abs(solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=dt).final - reference)))
              for dt in (4e-2, 2e-2, 1e-2)]
    assert 1.8 < observed_order(errors, [4e-2, 2e-2, 1e-2]) < 2.3, errors
    snaps = solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=1e-2, save_times=[1.0, 0.5])
    assert snaps.solution.shape == (2, 2, 32, 32) and snaps.times.tolist() == [1.0, 0.5]  # in the order asked
    final = solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=1e-2)
    np.testing.assert_array_equal(snaps.solution[:, 0], final.final)
    np.testing.assert_array_equal(snaps.final, snaps.solution[:, 1])
    with pytest.raises(ValueError, match="multiple of the step"):
        solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, dt=1e-2, save_times=[0.505])
    with pytest.raises(ValueError, match="NaN"):
        solve_navier_stokes_2d(np.full((8, 8), np.nan), nu=1e-3, t_final=1.0, dt=0.1)
    with pytest.raises(ValueError, match="even"):
        solve_navier_stokes_2d(np.zeros((7, 7)), nu=1e-3, t_final=1.0, dt=0.1)


def test_darcy_dataset_subsamples_a_finer_solve_and_caches(tmp_path):
    from sciml.data import darcy as dataset

    fine = dataset(3, 1, 24, cache=False, seed=5)
    coarse = dataset(3, 1, 8, refinement=3, cache=tmp_path, seed=5)
    assert coarse.train.inputs.shape == (3, 1, 8, 8) and coarse.test.outputs.shape == (1, 1, 8, 8)
    # refinement 3 at 8² solves on the 24² grid of `fine` with the same field: exact subsampling
    np.testing.assert_array_equal(coarse.train.inputs, fine.train.inputs[:, :, 1::3, 1::3])
    np.testing.assert_allclose(coarse.train.outputs, fine.train.outputs[:, :, 1::3, 1::3], rtol=1e-12)
    again = dataset(3, 1, 8, refinement=3, cache=tmp_path, seed=5)
    np.testing.assert_array_equal(again.train.outputs, coarse.train.outputs)
    assert len(list(tmp_path.glob("darcy-*.npz"))) == 1
    with pytest.raises(ValueError, match="odd"):
        dataset(3, 1, 8, refinement=2, cache=False)


def test_navier_stokes_dataset_channels_and_subsampling():
    from sciml.data import navier_stokes

    data = navier_stokes(2, 1, 16, n_input=3, t_final=5.0, solve_resolution=32, outputs="all", cache=False)
    assert data.train.inputs.shape == (2, 3, 16, 16) and data.train.outputs.shape == (2, 2, 16, 16)
    final = navier_stokes(2, 1, 16, n_input=3, t_final=5.0, solve_resolution=32, cache=False)
    np.testing.assert_allclose(final.train.outputs[:, 0], data.train.outputs[:, -1], rtol=1e-12)
    with pytest.raises(ValueError, match="multiple"):
        navier_stokes(2, 1, 16, solve_resolution=24, cache=False)
