"""Grid, the boundary specification and the GridOperator contract of every grid operator."""

import numpy as np
import pytest

from helpers import assert_close
from sciml.backend import backend_name, to_numpy
from solvers import (BoundaryConditions, DiffusionOperator, Grid, GridOperator, Laplacian, ObstacleLaplacian,
                     solve_poisson)
from solvers.obstacles import box_with_ball, random_boxes
from solvers.pde import solve_darcy


def _same_matrix(A, B):
    assert A.shape == B.shape and A.dtype == B.dtype
    assert abs(A - B).max() == 0.0 if A.nnz or B.nnz else True


# -- Grid ------------------------------------------------------------------------------------
def test_grid_spacing_centres_and_faces():
    g = Grid((4, 5), domain=[(0.0, 2.0), (-1.0, 1.5)])
    assert g.dim == 2 and g.size == 20 and g.spacing == (0.5, 0.5)
    x, y = g.cell_centers()
    np.testing.assert_allclose(x.ravel(), [0.25, 0.75, 1.25, 1.75])
    np.testing.assert_allclose(y.ravel(), [-0.75, -0.25, 0.25, 0.75, 1.25])
    fx, fy = g.face_centers(1, 0)
    assert fx.shape == (4, 1) and float(fy[0, 0]) == -1.0
    assert Grid((4,), spacing=(0.25,)) == Grid((4,), domain=[(0.0, 1.0)])
    assert hash(Grid((3, 3))) == hash(Grid((3, 3)))


def test_grid_bad_input_and_immutability():
    with pytest.raises(ValueError, match="1, 2 or 3 axes"):
        Grid((2, 2, 2, 2))
    with pytest.raises(ValueError, match="at least 2 cells"):
        Grid((1, 4))
    with pytest.raises(ValueError, match="domain"):
        Grid((3,), domain=[(1.0, 0.0)])
    with pytest.raises(ValueError, match="not both"):
        Grid((3,), domain=[(0.0, 1.0)], spacing=(0.1,))
    with pytest.raises(ValueError, match="spacing"):
        Grid((3,), spacing=(0.0,))
    with pytest.raises(TypeError, match="sequence"):
        Grid(4)
    g = Grid((3, 3))
    with pytest.raises(AttributeError, match="immutable"):
        g.shape = (4, 4)
    assert g.shape == (3, 3)


# -- the boundary specification ------------------------------------------------------------
def test_every_notation_gives_the_same_conditions():
    expected = BoundaryConditions({"x-": "periodic", "x+": "periodic", "y-": "neumann", "y+": "dirichlet"})
    assert expected.kinds == (("periodic", "periodic"), ("neumann", "dirichlet"))
    assert expected.is_periodic == (True, False) and not expected.singular
    for form in [("periodic", ("neumann", "dirichlet")), ["PERIODIC", ["neumann", "dirichlet"]],
                 {"x": "periodic", "y-": "neumann", "y+": "dirichlet"},
                 {"x": "periodic", "y+": "dirichlet"} | {"y-": ("neumann", 0.0)}, expected]:
        assert BoundaryConditions.coerce(form, 2) == expected
    assert BoundaryConditions.periodic(2, axes=(0,), otherwise="neumann") != expected
    assert BoundaryConditions({"y+": "dirichlet"}, dim=2, default="neumann").kinds == (("neumann",) * 2,
                                                                                      ("neumann", "dirichlet"))
    assert BoundaryConditions.coerce("dirichlet", 3) == BoundaryConditions.dirichlet(3)
    assert BoundaryConditions.neumann(2).singular and BoundaryConditions.periodic(1).singular
    assert expected.kind((1, 1)) == expected.kind("y+") == "dirichlet"
    assert BoundaryConditions.coerce({"x": ("dirichlet", 2.0)}, 1).with_values(0.0) == BoundaryConditions.dirichlet(1)


@pytest.mark.parametrize("faces, message", [
    ({"w+": "dirichlet"}, r"unknown face\(s\) \['w\+'\]"),
    ({"x-": "robin", "x+": "dirichlet"}, r"one of .* on face 'x-', got 'robin'"),
    ({"x-": "periodic", "x+": "dirichlet"}, "periodic faces come in pairs: 'x-' is periodic but 'x\\+' is 'dirichlet'"),
    ({"x": "dirichlet", "y+": "periodic", "y-": "neumann"}, "'y\\+' is periodic but 'y-' is 'neumann'"),
    ({"x": "dirichlet", "y-": "neumann"}, r"no condition for face\(s\) \['y\+'\]"),
    ({"x": "dirichlet", "x-": "neumann"}, "'x-' is given twice"),
    ({"x": ("periodic", 1.0)}, "periodic face 'x-' takes no value"),
])
def test_bad_boundary_specifications_name_the_face(faces, message):
    with pytest.raises(ValueError, match=message):
        BoundaryConditions(faces)


def test_bad_boundary_forms():
    with pytest.raises(ValueError, match="does not exist on a 2-dimensional grid"):
        BoundaryConditions({"z": "dirichlet"}, dim=2)
    with pytest.raises(ValueError, match="3 entries for a 2-dimensional"):
        BoundaryConditions.coerce(("dirichlet",) * 3, 2)
    with pytest.raises(ValueError, match="1-dimensional grid, the grid has 2"):
        BoundaryConditions.coerce(BoundaryConditions.dirichlet(1), 2)
    with pytest.raises(ValueError, match="axis 1 must be a kind or a \\(low, high\\) pair"):
        BoundaryConditions.coerce(("dirichlet", ("neumann",)), 2)
    with pytest.raises(TypeError, match="face 'x-' must be a number"):
        BoundaryConditions({"x": ("dirichlet", "one")})
    with pytest.raises(TypeError, match="bc must be"):
        BoundaryConditions.coerce(3, 1)
    with pytest.raises(AttributeError, match="immutable"):
        BoundaryConditions.dirichlet(1).dim = 2


def test_face_values_number_callable_and_array():
    g = Grid((4, 3))
    bc = BoundaryConditions({"x-": ("dirichlet", 2.0), "x+": ("dirichlet", lambda x, y: x + y),
                             "y-": ("neumann", np.arange(4.0)), "y+": "neumann"})
    np.testing.assert_array_equal(bc.face_values(g, "x-"), np.full((1, 3), 2.0))
    np.testing.assert_allclose(bc.face_values(g, "x+"), 1.0 + g.cell_centers()[1])
    np.testing.assert_array_equal(bc.face_values(g, "y-"), np.arange(4.0).reshape(4, 1))
    np.testing.assert_array_equal(bc.face_values(g, (1, 1)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="face 'y-' has shape \\(5,\\); expected the face shape \\(4, 1\\)"):
        BoundaryConditions({"x": "dirichlet", "y": ("neumann", np.ones(5))}).face_values(g, "y-")


# -- old and new forms, one operator -------------------------------------------------------
def test_old_keyword_forms_and_the_specification_give_identical_operators():
    old = Laplacian((5, 6), domain=[(0.0, 1.0), (0.0, 2.0)], bc=("dirichlet", "periodic"))
    new = Laplacian(Grid((5, 6), domain=[(0.0, 1.0), (0.0, 2.0)]), bc=BoundaryConditions.periodic(2, axes=(1,)))
    _same_matrix(old.to_sparse(), new.to_sparse())
    assert old.boundary == new.boundary and old.bc == ("dirichlet", "periodic")
    solid = box_with_ball((12, 10)).solid
    pairs = ObstacleLaplacian(solid, bc=(("neumann", "neumann"), ("neumann", "dirichlet")))
    faces = ObstacleLaplacian(solid, bc={"x": "neumann", "y-": "neumann", "y+": "dirichlet"})
    _same_matrix(pairs.to_sparse(), faces.to_sparse())
    assert pairs.bc == faces.bc == (("neumann", "neumann"), ("neumann", "dirichlet"))
    a = np.exp(np.random.default_rng(0).standard_normal((6, 5)))
    _same_matrix(DiffusionOperator(a, bc=("neumann", "dirichlet")).to_sparse(),
                 DiffusionOperator(a, grid=Grid((6, 5)), bc={"x": "neumann", "y": "dirichlet"}).to_sparse())
    # an empty obstacle box with open faces is the Dirichlet Laplacian, mixed sides included
    mixed = {"x-": "dirichlet", "x+": "neumann", "y": "dirichlet"}
    _same_matrix(ObstacleLaplacian(np.zeros((6, 7), dtype=bool), bc=mixed).to_sparse(),
                 Laplacian((6, 7), bc=mixed).to_sparse())
    _same_matrix(DiffusionOperator(np.ones((6, 7)), bc=mixed).to_sparse(), Laplacian((6, 7), bc=mixed).to_sparse())


def test_obstacle_laplacian_refuses_periodic_faces():
    with pytest.raises(ValueError, match="'dirichlet' or 'neumann', got 'periodic' on axis \\['y'\\]"):
        ObstacleLaplacian(np.zeros((4, 4), dtype=bool), bc={"x": "dirichlet", "y": "periodic"})


def test_boundary_values_in_the_specification_equal_boundary_data():
    def g(x, y):
        return 1.0 + x * y

    data = solve_poisson(1.0, (12, 10), bc=("dirichlet", "neumann"), boundary=g, rtol=1e-12)
    values = solve_poisson(1.0, (12, 10), bc={"x": ("dirichlet", g), "y": ("neumann", g)}, rtol=1e-12)
    np.testing.assert_array_equal(values.rhs, data.rhs)
    np.testing.assert_allclose(values.solution, data.solution, rtol=1e-10)
    with pytest.raises(ValueError, match="not both"):
        solve_poisson(1.0, (4, 4), bc=BoundaryConditions.dirichlet(2, 1.0), boundary=g)
    # solve_darcy with u = 1 on x-: the harmonic solution 1 - x of a constant medium
    u = solve_darcy(np.full((16, 16), 3.0), f=0.0,
                    bc={"x-": ("dirichlet", 1.0), "x+": "dirichlet", "y": "neumann"}).solution
    x = (np.arange(16) + 0.5) / 16
    np.testing.assert_allclose(u, np.broadcast_to((1.0 - x)[:, None], (16, 16)), atol=1e-12)
    with pytest.raises(ValueError, match="at least one Dirichlet face"):
        solve_darcy(np.ones((8, 8)), bc="neumann")


# -- immutability, caching and dtype --------------------------------------------------------
def _operators(dtype="float64"):
    rng = np.random.default_rng(1)
    return {
        "laplacian": Laplacian((6, 5), domain=[(0.0, 1.0), (0.0, 2.0)],
                               bc={"x": "periodic", "y-": "neumann", "y+": "dirichlet"}, dtype=dtype),
        "laplacian-3d": Laplacian((4, 3, 5), bc=("neumann", "dirichlet", "periodic"), dtype=dtype),
        "diffusion": DiffusionOperator(np.exp(rng.standard_normal((6, 7))), bc=("dirichlet", "periodic"), dtype=dtype),
        "diffusion-1d": DiffusionOperator(np.exp(rng.standard_normal(9)), bc={"x-": "neumann", "x+": "dirichlet"},
                                          dtype=dtype),
        "obstacle": box_with_ball((10, 8)).operator().with_dtype(dtype),
        "obstacle-3d": ObstacleLaplacian(random_boxes((6, 6, 5), seed=2).solid, bc="dirichlet", dtype=dtype),
    }


NAMES = list(_operators())


@pytest.mark.parametrize("name", NAMES)
def test_operators_are_immutable(name):
    A = _operators()[name]
    before = A.to_sparse().toarray()
    for attribute in ("solid", "bc", "boundary", "grid", "dtype", "spacing", "coefficient", "anything"):
        with pytest.raises(AttributeError, match="immutable .* build a new operator"):
            setattr(A, attribute, None)
    with pytest.raises(AttributeError, match="immutable"):
        del A.grid
    for array in (A.solid, getattr(A, "coefficient", None), getattr(A, "fluid", None), A.diagonal()):
        if array is not None:
            with pytest.raises(ValueError, match="read-only"):
                array[(0,) * array.ndim] = 5.0
    np.testing.assert_array_equal(A.to_sparse().toarray(), before)


def test_new_mask_or_coefficient_gives_a_new_operator():
    A = box_with_ball((10, 8)).operator()
    B = A.with_solid(np.zeros((10, 8), dtype=bool))
    assert A.n_solid > 0 and B.n_solid == 0 and B.boundary == A.boundary and B is not A
    D = DiffusionOperator(np.ones((5, 5)))
    E = D.with_coefficient(np.full((5, 5), 2.0))
    np.testing.assert_allclose(E.to_sparse().toarray(), 2.0 * D.to_sparse().toarray())
    F = D.with_boundary("neumann")
    assert F.singular and not D.singular and isinstance(F, DiffusionOperator)
    with pytest.raises(ValueError, match="shape"):
        D.with_coefficient(np.ones((4, 4)))


@pytest.mark.parametrize("name", NAMES)
def test_sparse_matrix_and_diagonal_are_built_once(name, monkeypatch):
    A = _operators()[name]
    calls = []
    original = type(A)._assemble
    monkeypatch.setattr(type(A), "_assemble", lambda self, variant: calls.append(variant) or original(self, variant))
    first = A.to_sparse()
    assert A.to_sparse() is first and A.to_sparse(backend="numpy", format="csr") is first
    csc = A.to_sparse(format="csc")
    assert A.to_sparse(format="csc") is csc and csc.format == "csc"
    assert calls == ["full"] if not isinstance(A, ObstacleLaplacian) else calls == ["identity"]
    assert A.diagonal() is A.diagonal()
    if isinstance(A, ObstacleLaplacian):
        reduced = A.to_sparse(solid_rows="remove")
        assert A.to_sparse(solid_rows="remove") is reduced and calls == ["identity", "remove"]


@pytest.mark.parametrize("name", NAMES)
def test_float32_operator_applies_in_float32(xp, name):
    A = _operators("float32")[name]
    u = np.random.default_rng(3).standard_normal(A.grid_shape)
    result = A.matvec(xp.asarray(u, dtype=xp.float32))
    assert backend_name(result) == backend_name(xp) and result.dtype == xp.float32
    assert A.to_sparse().dtype == np.float32 and A.diagonal().dtype == np.float32
    reference = _operators()[name].matvec(u)
    np.testing.assert_allclose(to_numpy(result), reference, rtol=1e-4, atol=1e-3 * np.abs(reference).max())
    # float64 input promotes (as scipy's sparse product does); the float64 operator promotes float32 input
    assert A.matvec(xp.asarray(u)).dtype == xp.float64
    assert _operators()[name].matvec(xp.asarray(u, dtype=xp.float32)).dtype == xp.float64
    assert A.matvec(xp.ones(A.grid_shape, dtype=xp.int32)).dtype == xp.float32


def test_bad_dtype():
    with pytest.raises(ValueError, match="float32 or float64, got 'int32'"):
        Laplacian((3, 3), dtype="int32")
    with pytest.raises(ValueError, match="float32 or float64"):
        ObstacleLaplacian(np.zeros((3, 3), dtype=bool), dtype="complex128")


# -- the contract: one case set over every grid operator ------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_grid_operator_contract(xp, name, dtype):
    A = _operators(dtype)[name]
    assert isinstance(A, GridOperator)
    n = int(np.prod(A.grid_shape))
    assert A.shape == (n, n) and A.size == n and A.grid.shape == A.grid_shape and A.dtype == np.dtype(dtype)
    M = A.to_sparse()
    assert M.shape == A.shape and M.dtype == A.dtype
    assert abs(M - M.T).max() == 0.0
    np.testing.assert_array_equal(A.diagonal(), M.diagonal())
    tolerance = 1e-12 if dtype == "float64" else 2e-6
    u = np.random.default_rng(4).standard_normal(A.grid_shape).astype(dtype)
    expected = (M @ u.reshape(-1)).reshape(A.grid_shape)
    scale = float(np.abs(expected).max())
    assert_close(A.matvec(xp.asarray(u)), expected, rtol=tolerance, atol=tolerance * scale, xp=xp)
    assert_close(A @ xp.reshape(xp.asarray(u), (-1,)), expected.reshape(-1), rtol=tolerance, atol=tolerance * scale,
                 xp=xp)
    assert_close(A(xp.asarray(u)), expected, rtol=tolerance, atol=tolerance * scale, xp=xp)
    with pytest.raises(ValueError, match="expected"):
        A.matvec(xp.ones((n + 1,)))
    x, *_ = A.cell_centers(backend=backend_name(xp))
    assert backend_name(x) == backend_name(xp)
