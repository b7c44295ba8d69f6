"""Closed domains (issue 14, item 2): operators describe their null space (the closed fluid
components) and every method of make_solver solves ``A x = P b`` with ``x`` of mean zero on each
closed component; ``nullspace="raise"`` refuses an incompatible ``b``; operators with an open face
are untouched."""

import math

import numpy as np
import pytest

from sciml.backend import backend_name, to_numpy
from solvers import SOLVERS, DiffusionOperator, Laplacian, ObstacleLaplacian, ic0, make_solver

pytest.importorskip("pyamg")

RTOL = 1e-8
METHODS = sorted(set(SOLVERS) | {"cg", "pcg-jacobi", "pcg-ic0", "amg", "direct", "dcdm"})


def _disc(n, radius=0.2):
    x = (np.arange(n) + 0.5) / n
    return (x[:, None] - 0.5) ** 2 + (x[None, :] - 0.45) ** 2 < radius**2


def _two_rooms(n):
    """A wall of solid cells across the middle: two closed rooms of different sizes."""
    solid = np.zeros((n, n), dtype=bool)
    solid[n // 3, :] = True
    return solid


CLOSED = {
    "box-2d": lambda: ObstacleLaplacian(np.zeros((24, 24), dtype=bool), bc="neumann", closed="allow"),
    "disc-2d": lambda: ObstacleLaplacian(_disc(24), bc="neumann", closed="allow"),
    "box-3d": lambda: ObstacleLaplacian(np.zeros((8, 8, 8), dtype=bool), bc="neumann", closed="allow"),
    "two-rooms": lambda: ObstacleLaplacian(_two_rooms(24), bc="neumann", closed="allow"),
    "laplacian-periodic": lambda: Laplacian((16, 12), bc={"x": "periodic", "y": "neumann"}),
    "diffusion-neumann": lambda: DiffusionOperator(np.exp(np.random.default_rng(3).standard_normal((16, 16))),
                                                   bc="neumann"),
}
SIZES = {"box-2d": 1, "disc-2d": 1, "box-3d": 1, "two-rooms": 2, "laplacian-periodic": 1, "diffusion-neumann": 1}


def _options(method):
    return {"model": lambda r: r} if method in ("dcdm", "npsdo") else {}   # a trivial "network" (DCDM = safeguarded CG)


def _rhs(A, seed=0, offset=1.0):
    """A random right-hand side with a nonzero mean (incompatible), zero on solid cells."""
    b = np.random.default_rng(seed).standard_normal(A.grid_shape) + offset
    if A.solid is not None:
        b[np.asarray(A.solid)] = 0.0
    return b


def _component_means(A, v):
    labels = A.nullspace_components.ravel()
    v = np.asarray(v).ravel()
    return np.array([v[labels == k].mean() for k in range(1, labels.max() + 1)])


def test_operators_label_their_closed_components():
    two = CLOSED["two-rooms"]()
    assert two.nullspace_size == 2 and two.singular
    labels = two.nullspace_components
    assert labels.shape == (24, 24) and not labels.flags.writeable
    assert (labels[:8] == 1).all() and (labels[8] == 0).all() and (labels[9:] == 2).all()
    # the indicator of each component is in the null space, and nothing else is labelled
    for k in (1, 2):
        assert np.abs(two.matvec((labels == k).astype(float))).max() < 1e-9
    assert two.nullspace_components is two.nullspace_components            # computed once
    # a pocket sealed inside an open box: only the pocket is closed
    solid = np.zeros((8, 8), dtype=bool)
    solid[2:7, 2] = solid[2:7, 6] = solid[2, 2:7] = solid[6, 2:7] = True
    pocket = ObstacleLaplacian(solid, bc="dirichlet", closed="allow")
    assert pocket.nullspace_size == 1 and int(pocket.nullspace_components.sum()) == 9
    assert pocket.with_solid(solid).closed == "allow"
    # open operators have no null space
    for A in (Laplacian((8, 8)), ObstacleLaplacian(_disc(16)), Laplacian((8, 8), bc={"x": "periodic", "y-": "neumann",
                                                                                         "y+": "dirichlet"})):
        assert A.nullspace_size == 0 and not A.singular and not A.nullspace_components.any()
    # the default still refuses a closed region, and says how to allow it
    with pytest.raises(ValueError, match="closed='allow'"):
        ObstacleLaplacian(np.zeros((6, 6), dtype=bool), bc="neumann")
    with pytest.raises(ValueError, match="closed must be 'refuse' or 'allow', got 'yes'"):
        ObstacleLaplacian(np.zeros((6, 6), dtype=bool), bc="neumann", closed="yes")


def test_project_range_removes_the_mean_per_component_on_every_backend(xp):
    A = CLOSED["two-rooms"]()
    b = _rhs(A, offset=3.0)
    expected = b.copy()
    labels = A.nullspace_components
    for k in (1, 2):
        expected[labels == k] -= b[labels == k].mean()
    for shape in (A.grid_shape, (A.size,)):
        result = A.project_range(xp.asarray(np.reshape(b, shape)))
        assert backend_name(result) == backend_name(xp) and tuple(result.shape) == shape
        np.testing.assert_allclose(to_numpy(result).reshape(A.grid_shape), expected, atol=1e-14)
    np.testing.assert_allclose(A.component_means(xp.asarray(b)), [b[labels == k].mean() for k in (1, 2)], rtol=1e-14)
    single = A.project_range(xp.asarray(b, dtype=xp.float32))
    assert single.dtype == xp.float32
    assert np.abs(_component_means(A, to_numpy(single))).max() < 1e-6
    # no null space: b itself comes back
    open_box = Laplacian((4, 4))
    v = xp.ones((4, 4))
    assert open_box.project_range(v) is v


@pytest.mark.parametrize("case", sorted(CLOSED))
@pytest.mark.parametrize("method", METHODS)
def test_every_method_solves_the_projected_system_with_mean_zero(method, case):
    A = CLOSED[case]()
    assert A.nullspace_size == SIZES[case]
    b = _rhs(A)
    assert np.abs(_component_means(A, b)).max() > 0.5          # b is incompatible: projection needed
    Pb = to_numpy(A.project_range(b))
    solver = make_solver(A, method, rtol=RTOL, **_options(method))
    x, info = solver.solve(b)
    assert info.converged and x.shape == b.shape and x.dtype == b.dtype
    residual = np.linalg.norm(A.matvec(x) - Pb) / np.linalg.norm(Pb)
    assert residual <= 10 * RTOL, (method, case, residual)
    assert np.abs(_component_means(A, x)).max() <= 1e-12 * max(1.0, np.abs(x).max())
    assert np.abs(x).max() > 1e-3                                # not trivially zero
    # the same x from the already-projected b (the projection is idempotent)
    x2, _ = solver.solve(Pb)
    np.testing.assert_allclose(x2, x, atol=1e-6 * np.abs(x).max())
    # and a right-hand side entirely in the null space gives x = 0
    constant = np.where(A.nullspace_components > 0, 2.0, 0.0)
    np.testing.assert_array_equal(solver.solve(constant)[0], 0.0)


def test_solutions_agree_across_methods_and_with_a_dense_pseudo_inverse():
    A = CLOSED["two-rooms"]()
    b = _rhs(A, seed=4)
    dense = A.to_sparse().toarray()
    reference = np.linalg.lstsq(dense, b.ravel(), rcond=None)[0]     # the minimum-norm solution: mean zero per room
    for method in METHODS:
        x, _ = make_solver(A, method, rtol=1e-11, **_options(method)).solve(b)
        np.testing.assert_allclose(x.ravel(), reference, atol=1e-8 * np.abs(reference).max(), err_msg=method)


def test_pretrained_dcdm_on_a_closed_box():
    pytest.importorskip("torch")
    from solvers import load_pretrained

    A = CLOSED["disc-2d"]()
    b = _rhs(A, seed=5)
    x, info = make_solver(A, "dcdm", rtol=RTOL, model=load_pretrained("poisson2d")).solve(b)
    Pb = A.project_range(b)
    assert info.converged and np.linalg.norm(A.matvec(x) - Pb) <= 10 * RTOL * np.linalg.norm(Pb)
    assert abs(x[~A.solid].mean()) < 1e-12


@pytest.mark.parametrize("method", METHODS)
def test_raise_refuses_an_incompatible_b_and_accepts_a_compatible_one(method):
    A = CLOSED["two-rooms"]()
    b = _rhs(A, offset=0.0)
    b = to_numpy(A.project_range(b))
    solver = make_solver(A, method, rtol=RTOL, nullspace="raise", **_options(method))
    x, info = solver.solve(b)                                     # compatible up to round-off: no error
    assert info.converged and np.abs(_component_means(A, x)).max() < 1e-12
    bad = b.copy()
    bad[A.nullspace_components == 2] += 1e-3                      # the second room gets a mean of 1e-3
    n2 = int((A.nullspace_components == 2).sum())
    with pytest.raises(ValueError, match=r"b is incompatible .* closed component 2 of 2 \(" + str(n2) +
                       r" cells, containing cell \(9, 0\)\) b has mean 1\.000e-03") as excinfo:
        solver.solve(bad)
    assert f"{1e-3 * math.sqrt(n2):.3e}" in str(excinfo.value)
    assert solver.stats.solves == 1                                 # the refused solve is not counted
    # a relative 1e-12 change is round-off, not an incompatibility
    tiny = b.copy()
    tiny[A.nullspace_components == 1] += 1e-12 * np.linalg.norm(b) / math.sqrt(A.size)
    solver.solve(tiny)


def test_operators_with_an_open_face_are_unchanged():
    b = _rhs(Laplacian((20, 20)))
    for A in (Laplacian((20, 20), bc={"x": "neumann", "y-": "neumann", "y+": "dirichlet"}),
              ObstacleLaplacian(_disc(20), bc=(("neumann", "neumann"), ("neumann", "dirichlet")))):
        rhs = b * (~A.solid) if A.solid is not None else b
        for method in METHODS:
            projected = make_solver(A, method, rtol=RTOL, **_options(method))
            assert projected._closed is None
            x, _ = projected.solve(rhs)
            y, _ = make_solver(A, method, rtol=RTOL, nullspace="ignore", **_options(method)).solve(rhs)
            if method == "amg":                                    # PyAMG's set-up is not bitwise reproducible
                np.testing.assert_allclose(x, y, rtol=0, atol=10 * RTOL * np.abs(y).max())
            else:
                np.testing.assert_array_equal(x, y)
            assert np.abs(x.mean()) > 1e-3                         # no mean removed
            with pytest.raises(ValueError, match="nullspace must be one of"):
                make_solver(A, method, nullspace="pin", **_options(method))


def test_ignore_gives_the_unprojected_behaviour():
    A = CLOSED["box-2d"]()
    b = _rhs(A)
    # the inconsistent singular system: the factorisation does not reach the tolerance
    x, info = make_solver(A, "direct", nullspace="ignore", on_failure="ignore").solve(b)
    assert not info.converged and info.reason in ("stagnation", "nan")
    # while the default projects and converges
    assert make_solver(A, "direct").solve(b)[1].converged


def test_ic0_of_a_singular_chain_breaks_down_but_pcg_ic0_pins_one_cell():
    A = Laplacian(16, dim=1, bc="neumann")                         # IC(0) = exact Cholesky: last pivot 0
    with pytest.raises(ValueError, match="pivot"):
        ic0(A.to_sparse())
    b = np.random.default_rng(2).standard_normal(16)
    x, info = make_solver(A, "pcg-ic0", rtol=1e-10).solve(b)
    assert info.converged and info.iterations <= 3                 # pinned IC(0) of a chain is exact
    np.testing.assert_allclose(A.matvec(x), b - b.mean(), atol=1e-9 * np.abs(b).max())


def test_update_recomputes_the_null_space():
    A = CLOSED["box-2d"]()
    solver = make_solver(A, "pcg-ic0", rtol=RTOL)
    B = A.with_solid(_two_rooms(24))
    b = _rhs(B)
    x, info = solver.update(B, allow_new_pattern=True).solve(b)
    assert solver._closed is B and info.converged
    assert np.abs(_component_means(B, x)).max() < 1e-12
    Pb = B.project_range(b)
    assert np.linalg.norm(B.matvec(x) - Pb) <= 10 * RTOL * np.linalg.norm(Pb)


@pytest.mark.parametrize("case", sorted(CLOSED))
def test_the_solvers_fused_projection_equals_project_range(case, xp):
    from solvers.nullspace import range_projector

    A = CLOSED[case]()
    project = range_projector(A, backend_name(xp))
    b = _rhs(A, offset=2.0).ravel()
    for dtype in (xp.float64, xp.float32):
        v = xp.asarray(b, dtype=dtype)
        result = project(v)
        assert backend_name(result) == backend_name(xp) and result.dtype == dtype
        tolerance = 1e-14 if dtype == xp.float64 else 1e-6
        np.testing.assert_allclose(to_numpy(result), to_numpy(A.project_range(v)), atol=tolerance)
        assert np.abs(_component_means(A, to_numpy(result))).max() <= tolerance
    # the solver uses it: the x it returns has mean zero per component to round-off
    x, _ = make_solver(A, "cg", rtol=RTOL).solve(b)
    assert np.abs(_component_means(A, x)).max() <= 1e-12 * np.abs(x).max()


@pytest.mark.parametrize("method", METHODS)
def test_aspreconditioner_on_a_closed_domain_projects_and_serves_scipy_cg(method):
    import scipy.sparse.linalg as spla

    A = CLOSED["two-rooms"]()
    S = A.to_sparse()
    M = make_solver(A, method, **_options(method)).aspreconditioner()
    r = _rhs(A, seed=7, offset=5.0).ravel()                      # with a null-space part
    out = M @ r
    assert np.abs(_component_means(A, out)).max() <= 1e-12 * np.abs(out).max()
    # P M P: the null-space part of the input is ignored (to round-off: for "amg" this needs the coarse
    # pseudo-inverse's cut-off, without which a 1e-16 null-space part came out multiplied by ~1e13)
    np.testing.assert_allclose(M @ to_numpy(A.project_range(r)), out, atol=1e-12 * np.abs(out).max())
    b = to_numpy(A.project_range(_rhs(A, seed=8)).ravel())
    plain, preconditioned = [], []
    spla.cg(S, b, rtol=1e-8, maxiter=2000, callback=lambda xk: plain.append(1))
    x, code = spla.cg(S, b, M=M, rtol=1e-8, maxiter=2000, callback=lambda xk: preconditioned.append(1))
    assert code == 0 and np.linalg.norm(S @ x - b) <= 1e-7 * np.linalg.norm(b)
    if method not in ("cg", "pcg-jacobi", "dcdm", "npsdo"):    # a real preconditioner (Jacobi is a constant diagonal here)
        assert len(preconditioned) < len(plain) / 2, (len(preconditioned), len(plain))
