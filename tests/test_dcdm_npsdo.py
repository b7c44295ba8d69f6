"""The anchor's NPSDO iteration and the network as a preconditioner of a flexible method (issue 17)."""

import numpy as np
import pytest

from solvers import cg, make_solver
from solvers.deep_conjugate import npsdo
from solvers.obstacles import box_with_ball, smooth_rhs

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def model2d():
    from solvers import load_pretrained

    return load_pretrained("poisson2d")


def test_npsdo_converges_and_is_dcdm_without_coarse_levels(model2d):
    from solvers import dcdm

    geometry = box_with_ball((64, 64))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    x, info = make_solver(A, "npsdo", model=model2d, rtol=1e-6).solve(b)
    assert info.converged and info.method == "npsdo"
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)
    _, same = dcdm(A, b, model=model2d, coarse_levels=0, n_orthogonal=2, safeguard=False, rtol=1e-6)
    assert info.iterations == same.iterations
    _, plain = cg(A, b, rtol=1e-6)
    assert info.iterations < plain.iterations / 3  # measured: 56 against CG's 310
    with pytest.raises(ValueError, match="method 'npsdo' takes options"):
        make_solver(A, "npsdo", model=model2d, coarse_levels=2)
    with pytest.raises(ValueError, match="method 'npsdo' needs model="):
        make_solver(A, "npsdo")


def _flexible_cg(A, b, M, rtol, maxiter=500):
    """Flexible CG (Notay 2000, Polak–Ribière β): tolerates a preconditioner that changes per step."""
    x, r = np.zeros_like(b), b.copy()
    z = M(r)
    p, rz, r_old = z.copy(), r @ z, r.copy()
    for k in range(1, maxiter + 1):
        ap = A @ p
        alpha = rz / (p @ ap)
        x += alpha * p
        r_old, r = r, r - alpha * ap
        if np.linalg.norm(r) <= rtol * np.linalg.norm(b):
            return x, k
        z_new = M(r)
        beta = (z_new @ (r - r_old)) / rz
        rz = r @ z_new
        p = z_new + beta * p
    return x, maxiter


def test_network_as_preconditioner_of_flexible_cg(model2d):
    geometry = box_with_ball((48, 48))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    M = make_solver(A, "npsdo", model=model2d).aspreconditioner()
    x, iterations = _flexible_cg(A, b, M.matvec, 1e-6)
    _, plain = cg(A, b, rtol=1e-6)
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)
    assert iterations < plain.iterations / 3, (iterations, plain.iterations)
    assert np.all(M.matvec(b)[np.asarray(geometry.solid).ravel()] == 0.0)  # masked to the fluid
