import math

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from helpers import assert_close
from solvers import KrylovInfo, Laplacian, cg, pcg


def spd_matrix(n, *, seed=0, condition=100.0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.geomspace(1.0, condition, n)
    a = (q * eigenvalues) @ q.T
    return 0.5 * (a + a.T)


def test_dense_cg_matches_a_direct_solve_on_every_backend(xp):
    a = spd_matrix(30)
    b = np.random.default_rng(1).standard_normal(30)
    x, info = cg(xp.asarray(a), xp.asarray(b), rtol=1e-12)
    assert info.converged and info.status == 0
    assert_close(x, np.linalg.solve(a, b), rtol=1e-9, atol=1e-11, xp=xp)
    assert len(info.residuals) == info.iterations + 1
    assert info.residuals[0] == pytest.approx(np.linalg.norm(b))
    assert info.residuals[-1] <= 1e-12 * np.linalg.norm(b)


def test_iterations_and_iterates_agree_with_scipy_cg():
    A = Laplacian((20, 20)).to_sparse()
    b = np.random.default_rng(2).standard_normal(400)
    ours = []
    x, info = cg(A, b, rtol=1e-8, callback=lambda xk: ours.append(xk.copy()))
    theirs = []
    x_ref, code = spla.cg(A, b, rtol=1e-8, callback=lambda xk: theirs.append(xk.copy()))
    assert code == 0 and info.converged
    assert abs(info.iterations - len(theirs)) <= 1
    assert len(ours) == info.iterations
    np.testing.assert_allclose(ours[4], theirs[4], rtol=1e-8)
    np.testing.assert_allclose(x, x_ref, rtol=1e-6)


def test_matrix_free_operator_with_grid_shaped_rhs(xp):
    A = Laplacian((12, 10), bc=("dirichlet", "neumann"))
    rng = np.random.default_rng(3)
    u = rng.standard_normal((12, 10))
    b = A.matvec(xp.asarray(u))
    x, info = cg(A, b, rtol=1e-12)
    assert info.converged
    assert_close(x, u, rtol=1e-8, atol=1e-9, xp=xp)


def test_callable_operator_and_initial_guess():
    a = spd_matrix(12, seed=4)
    b = np.ones(12)
    exact = np.linalg.solve(a, b)
    x, info = cg(lambda v: a @ v, b, x0=exact.copy(), rtol=1e-10)
    assert info.iterations == 0 and info.converged
    np.testing.assert_allclose(x, exact)


def test_maxiter_reports_non_convergence_scipy_style():
    A = Laplacian((32, 32))
    b = np.ones((32, 32))
    x, info = cg(A, b, rtol=1e-12, maxiter=5)
    assert info.status == 5 and not info.converged and info.iterations == 5
    assert "no convergence" in info.message


def test_jacobi_helps_a_badly_scaled_system():
    n = 200
    scale = np.geomspace(1.0, 1e4, n)
    a = sp.diags(scale) @ Laplacian(n, dim=1).to_sparse() @ sp.diags(scale)
    a = sp.csr_matrix(0.5 * (a + a.T))
    b = np.ones(n)
    _, plain = cg(a, b, rtol=1e-8, maxiter=20 * n)
    x, jac = pcg(a, b, M="jacobi", rtol=1e-8)
    assert jac.converged and jac.iterations < plain.iterations / 2
    np.testing.assert_allclose(a @ x, b, atol=1e-6 * np.linalg.norm(b))


def test_jacobi_on_the_matrix_free_laplacian_matches_assembled(xp):
    A = Laplacian((9, 7), bc="dirichlet")
    b = xp.ones((9, 7))
    x1, i1 = pcg(A, b, M="jacobi", rtol=1e-10)
    x2, i2 = pcg(A.to_sparse(), np.ones(63), M="jacobi", rtol=1e-10)
    assert i1.iterations == i2.iterations
    assert_close(xp.reshape(x1, (-1,)), x2, rtol=1e-9, xp=xp)


def test_zero_rhs_returns_zero():
    x, info = cg(np.eye(3), np.zeros(3))
    assert np.all(x == 0) and info.converged and info.iterations == 0


def test_bad_input_raises_clear_errors(xp):
    a = xp.asarray(spd_matrix(4))
    b = xp.ones(4)
    with pytest.raises(ValueError, match="square"):
        cg(xp.ones((4, 3)), b)
    with pytest.raises(ValueError, match="b has 3 entries"):
        cg(a, xp.ones(3))
    with pytest.raises(ValueError, match="b contains NaN"):
        cg(a, xp.asarray([1.0, math.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="A contains NaN"):
        cg(a * math.inf, b)
    with pytest.raises(ValueError, match="not symmetric"):
        cg(xp.asarray([[2.0, 1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]), b)
    with pytest.raises(ValueError, match="not positive definite"):
        cg(-a, b)
    with pytest.raises(ValueError, match="x0 has shape"):
        cg(a, b, x0=xp.ones(3))
    with pytest.raises(ValueError, match="rtol"):
        cg(a, b, rtol=-1.0)
    with pytest.raises(ValueError, match="maxiter"):
        cg(a, b, maxiter=0)
    with pytest.raises(TypeError, match="real floating"):
        cg(a, xp.ones(4, dtype=xp.int64))
    with pytest.raises(ValueError, match="M is not positive definite"):
        cg(a, b, M=-a)
    with pytest.raises(ValueError, match="needs a preconditioner"):
        pcg(a, b, M=None)
    with pytest.raises(ValueError, match="'jacobi'"):
        cg(a, b, M="ilu")


def test_indefinite_sparse_matrix_is_detected():
    a = sp.diags([1.0, 2.0, -3.0, 4.0]).tocsr()
    with pytest.raises(ValueError, match="not positive definite"):
        cg(a, np.ones(4))
    with pytest.raises(ValueError, match="not symmetric"):
        cg(sp.csr_matrix(np.triu(np.ones((4, 4)))), np.ones(4))


def test_info_record_is_a_dataclass():
    info = KrylovInfo(0, 3, [1.0, 0.1, 0.01, 0.001], 0.005)
    assert info.converged and "converged in 3" in info.message
