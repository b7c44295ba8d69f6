"""DCDM on inputs a simulation code passes: odd grids, closed boxes, and the bad inputs refused with
errors naming the argument (issue 17, part 1)."""

import numpy as np
import pytest

from solvers import ObstacleLaplacian, cg, dcdm, make_solver
from solvers.obstacles import box, box_with_ball, smooth_rhs

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def model2d():
    from solvers import load_pretrained

    return load_pretrained("poisson2d")


@pytest.mark.parametrize("n", [63, 65])
def test_odd_grids_converge_like_the_even_neighbour(model2d, n):
    """An odd size is padded by one zero cell and cropped, coarse levels included: the iteration
    count stays near the even neighbour's (64²: 21; 63²: 24, 65²: 28) and far below CG."""
    geometry = box_with_ball((n, n))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    x, info = dcdm(A, b, model=model2d, rtol=1e-6)
    even = box_with_ball((64, 64))
    _, reference = dcdm(even.operator(), smooth_rhs(even).ravel(), model=model2d, rtol=1e-6)
    _, plain = cg(A, b, rtol=1e-6)
    assert info.converged and np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)
    assert info.iterations <= reference.iterations + 10 and info.iterations < plain.iterations / 4
    assert info.fallbacks <= 0.05 * info.iterations


def test_odd_3d_grid_with_the_3d_model():
    from solvers import load_pretrained

    geometry = box_with_ball((17, 16, 15))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    x, info = make_solver(A, "dcdm", model=load_pretrained("poisson3d"), rtol=1e-6).solve(b)
    _, plain = cg(A, b, rtol=1e-6)
    assert info.converged and info.iterations < plain.iterations / 2
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)


def test_closed_box_projects_the_null_space_and_raise_refuses(model2d):
    A = ObstacleLaplacian(np.zeros((32, 32), dtype=bool), bc="neumann", closed="allow")
    b = smooth_rhs(box((32, 32))).ravel()  # mean nonzero: incompatible until projected
    x, info = make_solver(A, "dcdm", model=model2d, rtol=1e-8).solve(b)
    projected = b - b.mean()
    assert info.converged and np.linalg.norm(A @ x - projected) <= 1e-8 * np.linalg.norm(projected)
    assert abs(x.mean()) < 1e-10  # the null-space part of x removed
    with pytest.raises(ValueError, match="incompatible with the null space"):
        make_solver(A, "dcdm", model=model2d, nullspace="raise").solve(b)
    with pytest.raises(ValueError, match="dcdm on a closed domain.*nullspace='project'"):
        dcdm(A, b, model=model2d)
    _, direct = dcdm(A, projected, model=model2d, rtol=1e-8)
    assert direct.converged


def test_bad_input_names_the_argument(model2d):
    geometry = box_with_ball((16, 16))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    with pytest.raises(ValueError, match=r"fluid has shape \(8, 8\), expected grid_shape \(16, 16\)"):
        make_solver(A, "dcdm", model=model2d, fluid=np.ones((8, 8))).solve(b)
    # a matrix with a grid of the same cell count but another layout: its stencil gives it away
    with pytest.raises(ValueError, match=r"grid_shape \(8, 32\) disagrees with A: .* not neighbours"):
        dcdm(A.to_sparse(), b, model=model2d, grid_shape=(8, 32))
    x, info = dcdm(A.to_sparse(), b, model=model2d, grid_shape=(16, 16), rtol=1e-6)
    assert info.converged
    with pytest.raises(ValueError, match="the model is 2D but grid_shape"):
        make_solver(box((8, 8, 8)).operator(), "dcdm", model=model2d).solve(np.ones(512))
    b_bad = b.copy()
    b_bad[np.flatnonzero(np.asarray(geometry.solid).ravel())[0]] = 2.0
    with pytest.raises(ValueError, match="b is nonzero on 1 solid cells"):
        make_solver(A, "dcdm", model=model2d).solve(b_bad)
    with pytest.raises(ValueError, match="coarse_levels=5 leaves a coarsest grid"):
        dcdm(A, b, model=model2d, coarse_levels=5)
