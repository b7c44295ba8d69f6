"""Obstacle operators, IC(0)/AMG baselines, the DCDM iteration, its network, loss and training."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from sciml.backend import backend_name, to_numpy
from solvers import ObstacleLaplacian, amg, cg, dcdm, ic0, load_pretrained, pcg
from solvers.deep_conjugate import coarse_levels_for, network_directions
from solvers.obstacles import box, box_with_ball, open_tank, random_boxes, smooth_rhs
from validation.exact import PoissonSineMode


@pytest.mark.parametrize("geometry", [box_with_ball((12, 10)), random_boxes((8, 8, 6), seed=1), open_tank((10, 12))])
def test_matrix_free_equals_assembled_and_solid_rows_are_identity(geometry):
    A = geometry.operator()
    M = A.to_sparse()
    u = np.random.default_rng(0).standard_normal(geometry.grid_shape)
    np.testing.assert_allclose(A.matvec(u).ravel(), M @ u.ravel(), rtol=1e-12, atol=1e-9)
    assert abs(M - M.T).max() == 0.0
    np.testing.assert_allclose(A.diagonal(), M.diagonal())
    solid = np.flatnonzero(geometry.solid.ravel())
    assert solid.size > 0
    np.testing.assert_array_equal(M[solid].toarray(), np.eye(M.shape[0])[solid])
    reduced = A.to_sparse(solid_rows="remove")
    fluid = A.fluid_indices()
    np.testing.assert_allclose(reduced.toarray(), M[fluid][:, fluid].toarray())
    assert np.all(np.linalg.eigvalsh(reduced.toarray()) > 0)


def test_empty_box_with_open_faces_is_the_dirichlet_laplacian():
    from solvers import Laplacian

    A = ObstacleLaplacian(np.zeros((6, 7), dtype=bool), bc="dirichlet")
    np.testing.assert_allclose(A.to_sparse().toarray(), Laplacian((6, 7)).to_sparse().toarray())
    # and converges to a Poisson solution with order 2 (the walls play no role here)
    errors = []
    for n in (16, 32, 64):
        exact = PoissonSineMode(2)
        op = ObstacleLaplacian(np.zeros((n, n), dtype=bool))
        x, y = op.cell_centers()
        u = spla.spsolve(op.to_sparse().tocsc(), np.broadcast_to(exact.source(x, y), (n, n)).ravel())
        errors.append(np.max(np.abs(u.reshape(n, n) - exact.solution(x, y))))
    assert 1.9 < np.log2(errors[0] / errors[1]) < 2.1 and 1.9 < np.log2(errors[1] / errors[2]) < 2.1


def test_matrix_free_on_every_backend(xp):
    geometry = box_with_ball((8, 8))
    u = np.random.default_rng(1).standard_normal((8, 8))
    expected = geometry.operator().matvec(u)
    op = ObstacleLaplacian(xp.asarray(geometry.solid), bc=geometry.bc)
    result = op.matvec(xp.asarray(u))
    assert backend_name(result) == backend_name(xp)
    np.testing.assert_allclose(to_numpy(result), expected, rtol=1e-12)


def test_singular_pure_neumann_regions_are_refused_with_their_location():
    solid = np.zeros((8, 8), dtype=bool)
    with pytest.raises(ValueError, match="1 of 1 fluid region"):
        ObstacleLaplacian(solid, bc="neumann")
    # a pocket sealed by solid cells inside an otherwise open box
    solid[2:7, 2] = solid[2:7, 6] = solid[2, 2:7] = solid[6, 2:7] = True
    with pytest.raises(ValueError, match=r"region containing cell\(s\) \[\(3, 3\)\]"):
        ObstacleLaplacian(solid, bc="dirichlet")
    with pytest.raises(TypeError, match="boolean"):
        ObstacleLaplacian(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="'dirichlet' or 'neumann'"):
        ObstacleLaplacian(np.zeros((4, 4), dtype=bool), bc="periodic")


def test_ic0_is_exact_on_the_pattern_and_amg_preconditions():
    geometry = box_with_ball((32, 32))
    A = geometry.operator().to_sparse()
    b = smooth_rhs(geometry).ravel()
    plain = cg(A, b, rtol=1e-6)[1].iterations
    ic = ic0(A)
    # IC(0) without fill is ordinary Cholesky of a tridiagonal matrix: check against numpy there
    from solvers import Laplacian

    T = Laplacian(9, dim=1).to_sparse()
    np.testing.assert_allclose(ic0(T).matvec(T @ np.arange(9.0)), np.arange(9.0), rtol=1e-12, atol=1e-12)
    with_ic = pcg(A, b, M=ic, rtol=1e-6)
    with_amg = pcg(A, b, M=amg(A), rtol=1e-6)
    assert with_ic[1].converged and with_amg[1].converged
    assert with_ic[1].iterations < plain / 2.5 and with_amg[1].iterations < 15
    np.testing.assert_allclose(A @ with_ic[0], b, atol=1e-6 * np.linalg.norm(b) * 10)
    with pytest.raises(ValueError, match="symmetric"):
        ic0(A + __import__("scipy.sparse").sparse.random(A.shape[0], A.shape[0], density=1e-3, random_state=0))


def test_dcdm_with_a_linear_preconditioner_matches_pcg_and_safeguard_rescues_a_bad_network():
    geometry = box_with_ball((32, 32))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    S = A.to_sparse()
    M = ic0(S)
    reference = pcg(S, b, M=M, rtol=1e-8)[1].iterations
    # an SPD linear "network" with two-term A-orthogonalisation and no safeguard is PCG (up to round-off)
    x, info = dcdm(A, b, model=M.matvec, grid_shape=(32, 32), rtol=1e-8, n_orthogonal=2, safeguard=False)
    assert info.converged and abs(info.iterations - reference) <= 2 and info.fallbacks == 0
    np.testing.assert_allclose(np.linalg.norm(S @ x - b) / np.linalg.norm(b), info.residuals[-1] / info.residuals[0],
                               rtol=1e-6)
    # the default ("switch" safeguard, 64 directions kept) keeps IC(0)'s steps: still PCG
    assert dcdm(A, b, model=M.matvec, grid_shape=(32, 32), rtol=1e-8)[1].iterations == reference
    rng = np.random.default_rng(0)
    jacobi = pcg(S, b, M="jacobi", rtol=1e-4)[1].iterations
    for safeguard in ("switch", "subspace"):
        x, info = dcdm(A, b, model=lambda r: rng.standard_normal(r.shape), grid_shape=(32, 32), rtol=1e-4,
                       n_orthogonal=2, safeguard=safeguard)
        assert info.converged and info.fallbacks == info.iterations  # Jacobi beat noise at every step
        if safeguard == "switch":  # all steps Jacobi: Jacobi-PCG; the subspace mixes in noise (180 here)
            assert info.iterations <= jacobi + 2, (info.iterations, jacobi)
        assert np.all(x.reshape(32, 32)[geometry.solid] == 0)
    with pytest.raises(ValueError, match="safeguard"):
        dcdm(A, b, model=M.matvec, grid_shape=(32, 32), safeguard="sometimes")

    def sometimes_nan(r, calls=[0]):  # IC(0) with every third output NaN
        calls[0] += 1
        return M.matvec(r) * (np.nan if calls[0] % 3 == 0 else 1.0)

    x, info = dcdm(A, b, model=sometimes_nan, grid_shape=(32, 32), rtol=1e-8)
    assert info.converged and np.all(np.isfinite(x)) and info.fallbacks >= info.iterations // 3
    np.testing.assert_allclose(np.linalg.norm(S @ x - b) / np.linalg.norm(b), info.residuals[-1] / info.residuals[0],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="NaN or inf at step 3"):
        dcdm(A, b, model=lambda r, calls=[0]: sometimes_nan(r, calls), grid_shape=(32, 32), safeguard=False)


def test_dcdm_step_is_the_a_norm_optimum_over_network_and_jacobi_directions():
    torch = pytest.importorskip("torch")
    from solvers.deep_conjugate.network import DCDMNet

    geometry = box_with_ball((16, 16))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    S = A.to_sparse().toarray()
    model = DCDMNet(2, fine=1, coarse=1, after=1, seed=0).double()
    x, info = dcdm(A, b, model=model, grid_shape=(16, 16), maxiter=1, coarse_levels=1, safeguard="subspace")
    candidates = network_directions(model, b / np.linalg.norm(b), (16, 16), coarse_levels=1)
    assert len(candidates) == 2
    Q = np.array(candidates + [b / np.diag(S)]) * A.fluid.ravel()
    expected = Q.T @ np.linalg.solve(Q @ S @ Q.T, Q @ b)
    np.testing.assert_allclose(x, expected, rtol=1e-8, atol=1e-12 * np.abs(expected).max())
    # the network's input scale does not matter (it normalises to unit RMS per cell)
    r = torch.as_tensor(b.reshape(1, 1, 16, 16))
    np.testing.assert_allclose(model(1e-6 * r).detach().numpy(), model(1e3 * r).detach().numpy(), rtol=1e-10)


def test_coarse_levels_carry_the_2d_model_to_larger_grids():
    pytest.importorskip("torch")
    model = load_pretrained("poisson2d")
    assert coarse_levels_for((64, 64)) == 3 and coarse_levels_for((32, 32, 32)) == 2
    assert coarse_levels_for((64, 48)) == 2 and coarse_levels_for((10, 10)) == 0
    assert coarse_levels_for((64, 60), 2) == 2 and coarse_levels_for((63, 65)) == 3  # odd sizes: padded
    with pytest.raises(ValueError, match="coarsest grid"):
        coarse_levels_for((64, 6), 3)
    counts = {}
    for n in (64, 128):
        geometry = box_with_ball((n, n))
        A, b = geometry.operator(), smooth_rhs(geometry).ravel()
        paper = dcdm(A, b, model=model, grid_shape=(n, n), coarse_levels=0, n_orthogonal=2, safeguard="switch")[1]
        multilevel = dcdm(A, b, model=model, grid_shape=(n, n))[1]
        counts[n] = paper.iterations, multilevel.iterations
    # measured: paper 56 -> 137 (2.4x), coarse levels 21 -> 29 (1.4x); CG 310 -> 625
    assert counts[64][1] <= 30 and counts[128][1] <= 1.7 * counts[64][1], counts
    assert counts[128][1] < counts[128][0] / 3, counts


def test_dcdm_on_every_backend(xp):
    pytest.importorskip("torch")
    geometry = box_with_ball((32, 32))
    b_host = smooth_rhs(geometry).ravel()
    A = geometry.operator(backend=backend_name(xp))
    device = "cuda" if backend_name(xp) == "cupy" else "cpu"
    x, info = dcdm(A, xp.asarray(b_host), model=load_pretrained("poisson2d", device=device), grid_shape=(32, 32),
                   rtol=1e-8)
    assert backend_name(x) == backend_name(xp) and info.converged
    reference = spla.spsolve(geometry.operator().to_sparse().tocsc(), b_host)
    assert np.linalg.norm(to_numpy(x) - reference) <= 1e-6 * np.linalg.norm(reference)


def test_dcdm_bad_input():
    geometry = box((8, 8))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    with pytest.raises(ValueError, match=r"grid_shape \(8, 9\) disagrees with the operator's grid \(8, 8\)"):
        dcdm(A, b, model=lambda r: r, grid_shape=(8, 9))
    with pytest.raises(ValueError, match="entries but grid_shape"):
        dcdm(A.to_sparse(), b, model=lambda r: r, grid_shape=(8, 9))
    with pytest.raises(ValueError, match="grid_shape is needed"):
        dcdm(A.to_sparse(), b, model=lambda r: r)
    x, info = dcdm(A, b, model=lambda r: r, rtol=1e-8)  # the grid is A's
    assert info.converged and np.linalg.norm(A @ x - b) <= 1e-8 * np.linalg.norm(b)
    walled = box_with_ball((16, 16))
    B, c = walled.operator(), smooth_rhs(walled).ravel()
    solid = np.flatnonzero(np.asarray(walled.solid).ravel())
    c_bad = c.copy()
    c_bad[solid[:3]] = 1.0
    with pytest.raises(ValueError, match="nonzero on 3 solid cells"):
        dcdm(B, c_bad, model=lambda r: r)
    with pytest.raises(ValueError, match="NaN"):
        dcdm(A, np.full(64, np.nan), model=lambda r: r, grid_shape=(8, 8))

    class ThreeD:
        dim = 3

        def __call__(self, r):
            return r

    with pytest.raises(ValueError, match="the model is 3D"):
        dcdm(A, b, model=ThreeD(), grid_shape=(8, 8))


def test_network_shapes_and_errors():
    torch = pytest.importorskip("torch")
    from solvers.deep_conjugate.network import DCDMNet

    net = DCDMNet(3, fine=1, coarse=1, after=1)
    assert net(torch.randn(2, 1, 8, 6, 4)).shape == (2, 1, 8, 6, 4)
    assert net(torch.randn(1, 1, 7, 8, 5)).shape == (1, 1, 7, 8, 5)  # odd sizes: padded and cropped
    with pytest.raises(ValueError, match="3D model"):
        net(torch.randn(1, 1, 8, 8))
    # a single small 3D sample runs as a pair (torch's fast CPU kernel): same values and gradients
    net = net.double()
    x, other = torch.randn(1, 1, 8, 8, 8, dtype=torch.float64), torch.randn(1, 1, 8, 8, 8, dtype=torch.float64)
    alone = net(x)
    alone.square().sum().backward()
    grad_alone = net.first.weight.grad.clone()
    net.zero_grad()
    batched = net(torch.cat([x, other]))[:1]
    batched.square().sum().backward()
    torch.testing.assert_close(alone, batched)
    torch.testing.assert_close(grad_alone, net.first.weight.grad)


def test_loss_matches_the_direct_formula_and_ritz_vectors_are_eigenvectors():
    torch = pytest.importorskip("torch")
    from solvers.deep_conjugate.training import dcdm_loss, ritz_vectors, training_vectors

    A = box((6, 6)).operator().to_sparse()
    rng = np.random.default_rng(3)
    f, b = rng.standard_normal((4, 36)), rng.standard_normal((4, 36))
    expected = np.mean([np.sum((bi - (fi @ bi) / (fi @ A @ fi) * (A @ fi)) ** 2) for fi, bi in zip(f, b)])
    assert float(dcdm_loss(A)(torch.as_tensor(f), torch.as_tensor(b))) == pytest.approx(expected, rel=1e-12)
    values, vectors = ritz_vectors(A, 36)
    np.testing.assert_allclose(A @ vectors, vectors * values, atol=1e-9)
    A3 = box((8, 8, 8)).operator().to_sparse()
    values, vectors = ritz_vectors(A3, 200, dense_below=10)  # Lanczos
    exact = np.linalg.eigvalsh(A3.toarray())
    assert values[0] == pytest.approx(exact[0], rel=1e-8) and values[-1] == pytest.approx(exact[-1], rel=1e-8)
    assert np.abs(vectors.T @ vectors - np.eye(vectors.shape[1])).max() < 1e-8
    samples = training_vectors(vectors, 5, seed=0)
    np.testing.assert_allclose(np.linalg.norm(samples, axis=1), 1.0, rtol=1e-6)


@pytest.mark.slow
def test_short_training_beats_cg_on_a_small_box_and_an_unseen_obstacle():
    pytest.importorskip("torch")
    from solvers.deep_conjugate.training import train_dcdm

    geometry = box((32, 32))
    model, history = train_dcdm(geometry.operator().to_sparse(), (32, 32), n_samples=600, n_validation=60,
                                steps=200, batch_size=10, progress=False, eval_every=100)
    assert history.test_error[-1] < history.test_error[0]
    for g in (geometry, box_with_ball((32, 32))):
        A, b = g.operator(), smooth_rhs(g).ravel()
        learned = dcdm(A, b, model=model, grid_shape=(32, 32), rtol=1e-6)[1]
        plain = cg(A, b, rtol=1e-6)[1]
        assert learned.converged and learned.iterations < plain.iterations / 1.5, (learned.iterations, plain.iterations)
