"""The geometry-conditioned DCDM network (issue 17): cell types read off the matrix, the stencil
product used in training, the network's contract, its training and its use in the solvers."""

import numpy as np
import pytest

from solvers import ObstacleLaplacian, make_solver
from solvers.deep_conjugate import (
    CELL_TYPE_CHANNELS,
    cell_types,
    dcdm,
    grid_stencil,
    random_domain,
)
from solvers.deep_conjugate.random_domains import FAMILIES
from solvers.obstacles import box, box_with_ball, smooth_rhs

torch = pytest.importorskip("torch")


def _operator(family, seed, dim=2, sizes=(10, 17)):
    geometry, closed = random_domain(seed=seed, family=family, dim=dim, sizes=sizes)
    return geometry, ObstacleLaplacian(geometry.solid, bc=geometry.bc, closed="allow" if closed else "refuse")


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("family", FAMILIES)
def test_stencil_product_is_the_matrix(family, dim):
    from solvers.deep_conjugate.domain_training import stencil_matvec

    _, A = _operator(family, 5, dim, sizes=(8, 13) if dim == 3 else (10, 17))
    diagonal, couplings = grid_stencil(A)
    f = np.random.default_rng(1).standard_normal(A.grid_shape)
    product = stencil_matvec(torch.as_tensor(f)[None, None], torch.as_tensor(diagonal)[None, None],
                             torch.as_tensor(couplings)[None])
    np.testing.assert_allclose(product.numpy().ravel(), A.to_sparse() @ f.ravel(), rtol=1e-12, atol=1e-9)


def test_cell_types_of_known_cells():
    solid = np.zeros((6, 5), dtype=bool)
    solid[2, 2] = True
    A = ObstacleLaplacian(solid, bc={"x-": "dirichlet", "x+": "neumann", "y": "neumann"})
    types = cell_types(A)
    assert CELL_TYPE_CHANNELS == ("fluid", "solid", "dirichlet", "neumann")
    assert types.shape == (4, 6, 5) and types.dtype == np.float32
    np.testing.assert_array_equal(types[:, 2, 2], [0, 1, 0, 0])            # the solid cell
    np.testing.assert_allclose(types[:, 0, 0], [1, 0, 0.25, 0.25])         # open x- face, wall y-
    np.testing.assert_allclose(types[:, 5, 4], [1, 0, 0.0, 0.5])           # walls x+ and y+
    np.testing.assert_allclose(types[:, 1, 2], [1, 0, 0.0, 0.25])          # next to the solid cell
    np.testing.assert_allclose(types[:, 3, 1], [1, 0, 0.0, 0.0])           # interior
    # the same from the bare matrix (fluid inferred from the coupled rows), scaled or not
    np.testing.assert_allclose(cell_types(A.to_sparse() * 37.0, A.grid_shape), types)


def test_cell_types_bad_input():
    A = box((6, 5)).operator()
    with pytest.raises(ValueError, match="grid_shape"):
        cell_types(A.to_sparse())
    with pytest.raises(ValueError, match="not axis neighbours"):
        grid_stencil(A.to_sparse(), (5, 6))
    with pytest.raises(ValueError, match="has shape"):
        grid_stencil(A, (6, 6))
    with pytest.raises(ValueError, match="fluid has 3 entries"):
        cell_types(A, fluid=np.ones(3))
    with pytest.raises(TypeError, match="assembled matrix"):
        cell_types(lambda v: v, (6, 5))


def test_network_contract():
    from solvers.deep_conjugate.geometry_network import GeometryDCDMNet

    for conditioning in ("channels", "kernels"):
        net = GeometryDCDMNet(2, channels=6, conditioning=conditioning, seed=3)
        geometry = box_with_ball((37, 20))                   # odd: padded with solid cells, cropped
        types = torch.as_tensor(cell_types(geometry.operator()))[None]
        r = torch.randn(2, 1, 37, 20) * types[:, :1]
        with torch.no_grad():
            out = net(r, types)
            again = net(1e-5 * r, types)                     # the input scale does not matter
        assert out.shape == r.shape
        assert float(torch.abs(out[:, :, geometry.solid]).max()) == 0.0    # nothing on solid cells
        torch.testing.assert_close(out, again, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="types has shape"):
        net(r, types[:, :3])
    with pytest.raises(ValueError, match="conditioning must be"):
        GeometryDCDMNet(2, conditioning="film")
    with pytest.raises(ValueError, match="dim must be 2 or 3"):
        GeometryDCDMNet(4)


def test_network_save_load_round_trip(tmp_path):
    from sciml.models import load, save
    from solvers.deep_conjugate.geometry_network import GeometryDCDMNet

    net = GeometryDCDMNet(3, channels=4, conditioning="kernels", n_kernels=2, seed=1)
    save(net, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    types = torch.as_tensor(cell_types(box_with_ball((9, 8, 10)).operator()))[None]
    r = torch.randn(1, 1, 9, 8, 10)
    with torch.no_grad():
        torch.testing.assert_close(loaded(r, types), net(r, types))
    assert loaded.config["conditioning"] == "kernels" and loaded.takes_cell_types


def test_training_lowers_the_held_out_loss_and_resumes(tmp_path):
    from solvers.deep_conjugate.domain_training import train_geometry_dcdm

    options = dict(dim=2, sizes=(12, 20), batch_size=4, n_validation=4, eval_every=40, channels=8, progress=False,
                   lr=3e-3, checkpoint=tmp_path / "c.pt", checkpoint_every=40)
    from solvers.deep_conjugate.domain_training import (
        DomainBatches,
        LineSearchResidual,
        residual_norm2,
    )
    from solvers.deep_conjugate.geometry_network import GeometryDCDMNet

    untrained = GeometryDCDMNet(2, channels=8, seed=0)
    held_out = list(DomainBatches(2, sizes=(12, 20), batch_size=4, reuse=1, n_batches=4, seed=1_000_003))
    with torch.no_grad():
        before = np.mean([float(residual_norm2(LineSearchResidual(untrained)(*batch[:-1]), batch[-1]))
                          for batch in held_out])
    model, history = train_geometry_dcdm(steps=80, **options)
    # the held-out loss of the same batches (train_geometry_dcdm draws them from seed + 1_000_003) falls
    # by a quarter or more in 80 steps (measured: 1.25 -> 0.71)
    assert history.test_error[-1] < 0.75 * before
    _, resumed = train_geometry_dcdm(steps=100, **options)              # resumes at step 80
    assert len(resumed.loss) == 100 and resumed.loss[:80] == history.loss
    with pytest.raises(ValueError, match="dim=3"):
        train_geometry_dcdm(dim=3, model=model, steps=1)


def test_dcdm_with_a_conditioned_model_checks_its_input():
    from solvers.deep_conjugate.geometry_network import GeometryDCDMNet

    net = GeometryDCDMNet(2, channels=4, seed=0)
    geometry = box_with_ball((16, 16))
    A, b = geometry.operator(), smooth_rhs(geometry).ravel()
    with pytest.raises(ValueError, match="cell_types has shape"):
        dcdm(A, b, model=net, cell_types=np.zeros((4, 16, 15)), maxiter=2)
    with pytest.raises(ValueError, match="needs cell_types"):
        from solvers.deep_conjugate import network_directions

        network_directions(net, b, (16, 16), coarse_levels=1)
    levels = network_directions(net, b, (16, 16), coarse_levels=1, cell_types=cell_types(A))
    assert len(levels) == 2 and all(np.all(q[geometry.solid.ravel()] == 0) for q in levels[:1])
    with pytest.raises(ValueError, match="NaN or inf"):
        dcdm(A, b, model=net, cell_types=np.full((4, 16, 16), np.nan), maxiter=2)
    with pytest.raises(ValueError, match="does not take them"):
        from solvers import load_pretrained

        dcdm(A, b, model=load_pretrained("poisson2d"), cell_types=cell_types(A), maxiter=2)
    solver = make_solver(A, "dcdm", model=net, maxiter=3, on_failure="ignore")
    assert solver.options["cell_types"].shape == (4, 16, 16)            # read once, at set-up
    _, info = solver.solve(b)
    assert info.iterations == 3 and np.isfinite(info.residuals).all()


def _l_shaped_channel(shape=(70, 54)):
    """A layout outside the suite and the training families: an L-shaped fluid region (the upper right
    quadrant solid) with a slot obstacle, open faces x- and y+, walls elsewhere, square cells."""
    from solvers.obstacles import Geometry

    solid = np.zeros(shape, dtype=bool)
    solid[shape[0] // 2:, shape[1] // 2:] = True
    solid[shape[0] // 5: shape[0] // 5 + 3, shape[1] // 6: shape[1] // 2 + 4] = True
    return Geometry("L-shaped", solid, {"x-": "dirichlet", "x+": "neumann", "y-": "neumann", "y+": "dirichlet"})


@pytest.fixture(scope="module")
def geometry2d():
    from solvers import load_pretrained

    return load_pretrained("geometry2d")


def test_shipped_geometry_model_on_an_unseen_layout(geometry2d):
    import warnings

    from solvers import load_pretrained
    from solvers.deep_conjugate.random_domains import square_cell_operator

    geometry = _l_shaped_channel()
    A, b = square_cell_operator(geometry), smooth_rhs(geometry).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside the new model's envelope: no warning
        x, info = make_solver(A, "dcdm", model=geometry2d, rtol=1e-6).solve(b)
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, old = make_solver(A, "dcdm", model=load_pretrained("poisson2d"), rtol=1e-6, maxiter=400,
                             on_failure="ignore").solve(b)
    _, ic0 = make_solver(A, "pcg-ic0", rtol=1e-6).solve(b)
    # measured: 18 iterations, the old model 36, IC(0)-PCG 76
    assert info.iterations <= 24 and info.iterations < old.iterations and info.iterations < ic0.iterations
    assert info.fallbacks <= 0.05 * info.iterations


def test_shipped_geometry_model_metadata(geometry2d):
    from solvers.deep_conjugate import model_metadata
    from solvers.deep_conjugate.random_domains import FAMILIES

    meta = model_metadata("geometry2d")
    assert geometry2d.metadata == meta and geometry2d.takes_cell_types
    assert meta.grid_sizes == ((24, 24), (96, 96)) and meta.closed_domains
    assert meta.geometry_families == FAMILIES and set(meta.cell_types) == {"fluid", "solid", "dirichlet", "neumann"}
    assert meta.envelope_issues(grid_shape=(257, 257)) == []          # 2.7x the largest trained: inside
    assert "4.2x" in meta.envelope_issues(grid_shape=(400, 96))[0]
    stretched = box_with_ball((48, 24)).operator()                      # unit box: cells twice as long
    assert "aspect ratio 2" in meta.envelope_issues(stretched)[0]
    from solvers.deep_conjugate.metadata import recipe_hash

    train = __import__("importlib").import_module("test_dcdm_metadata")._train_script()
    recipe = dict(meta.recipe)
    stopped = recipe.pop("stopped_at_step", None)
    assert recipe == train.geometry_recipe("geometry2d") and len(meta.recipe_hash) == 16
    assert stopped is None or 0 < stopped < recipe["steps"]
    assert meta.recipe_hash == recipe_hash(meta.recipe)


def test_shipped_3d_geometry_model_on_an_unseen_layout():
    import warnings

    from solvers import load_pretrained
    from solvers.deep_conjugate.random_domains import square_cell_operator
    from solvers.obstacles import Geometry

    solid = np.zeros((28, 24, 20), dtype=bool)
    solid[14:, 12:, :] = True                          # an L-shaped prism
    solid[5:8, 3:14, 4:16] = True                      # a slab obstacle
    geometry = Geometry("L-prism", solid, {"x-": "dirichlet", "x+": "neumann", "y": "neumann",
                                           "z-": "neumann", "z+": "dirichlet"})
    A, b = square_cell_operator(geometry), smooth_rhs(geometry).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, info = make_solver(A, "dcdm", model=load_pretrained("geometry3d"), rtol=1e-6).solve(b)
    assert np.linalg.norm(A @ x - b) <= 1e-6 * np.linalg.norm(b)
    _, ic0 = make_solver(A, "pcg-ic0", rtol=1e-6).solve(b)
    # measured: 20 iterations, IC(0)-PCG 45
    assert info.iterations <= 27 and info.iterations < ic0.iterations and info.fallbacks == 0
