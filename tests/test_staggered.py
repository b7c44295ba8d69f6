"""Staggered (MAC) gradient and divergence: ``divergence(gradient(p)) == -(A @ p)``, adjointness in the
documented inner products, projection steps to a divergence-free field, and bad input."""

import numpy as np
import pytest

from sciml.backend import to_numpy
from solvers import DiffusionOperator, Grid, Laplacian, ObstacleLaplacian, make_solver
from solvers.obstacles import box_with_ball
from solvers.staggered import divergence, face_shapes, gradient, open_faces

LAPLACIANS = [
    ((12, 9), "dirichlet"),
    ((12, 9), "neumann"),
    ((12, 9), {"x-": "dirichlet", "x+": "neumann", "y": "neumann"}),
    ((12, 9), "periodic"),
    ((12, 9), ("periodic", ("neumann", "dirichlet"))),
    ((6, 5, 4), "dirichlet"),
    ((6, 5, 4), "neumann"),
    ((6, 5, 4), ("periodic", "neumann", ("dirichlet", "neumann"))),
    ((6, 5, 4), "periodic"),
]


def _laplacian(shape, bc):
    domain = [(0.0, 2.0), (-1.0, 0.5), (0.0, 0.7)][: len(shape)]  # unequal spacings
    return Laplacian(Grid(shape, domain=domain), bc=bc)


def _obstacle(shape):
    geometry = box_with_ball(shape, radius=0.25)  # walls, an open top and a disc / sphere
    return ObstacleLaplacian(geometry.solid, bc=geometry.bc)


def _relative(a, b):
    a, b = to_numpy(a), to_numpy(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("shape, bc", LAPLACIANS)
def test_div_grad_is_minus_the_laplacian(xp, shape, bc):
    A = _laplacian(shape, bc)
    p = xp.asarray(np.random.default_rng(0).standard_normal(shape))
    g = gradient(A, p)
    assert [tuple(c.shape) for c in g] == list(face_shapes(A))
    result = divergence(A, g)
    assert type(result) is type(p) and tuple(result.shape) == shape
    assert _relative(result, -(A @ p)) < 1e-12


@pytest.mark.parametrize("shape", [(20, 16), (10, 9, 8)])
def test_div_grad_is_minus_the_obstacle_operator(xp, shape):
    A = _obstacle(shape)
    assert A.n_solid > 0
    solid = to_numpy(A.solid)
    p_full = np.random.default_rng(1).standard_normal(shape)
    p = p_full * ~solid                                      # the operator's convention: zero on solids
    assert _relative(divergence(A, gradient(A, xp.asarray(p))), -(A @ p)) < 1e-12
    # any p: the identity holds on the fluid cells; solid cells have divergence 0 (A has identity rows there)
    result = to_numpy(divergence(A, gradient(A, xp.asarray(p_full))))
    assert _relative(result[~solid], -(A @ p_full)[~solid]) < 1e-12
    assert np.all(result[solid] == 0.0)


def test_walls_carry_no_velocity():
    A = _obstacle((16, 16))
    g = gradient(A, np.random.default_rng(2).standard_normal((16, 16)))
    for component, opened in zip(g, open_faces(A)):
        assert np.all(component[~opened] == 0.0) and np.count_nonzero(component[opened]) == opened.sum()
    # the Dirichlet top (open) is the only open domain face; x walls and the bottom are closed
    assert not open_faces(A)[0][[0, -1]].any() and not open_faces(A)[1][:, 0].any()
    assert open_faces(A)[1][:, -1].sum() == 16
    # velocity written on walls is read as zero by the divergence
    u = tuple(np.ones(s) for s in face_shapes(A))
    assert np.array_equal(divergence(A, u), divergence(A, [c * o for c, o in zip(u, open_faces(A))]))


def _face_measure(A):
    """``m_f``: 1/2 on the domain boundary faces, 1 elsewhere (periodic faces included)."""
    measures = []
    for axis, (shape, wrap) in enumerate(zip(face_shapes(A), A.boundary.is_periodic)):
        m = np.ones(shape)
        if not wrap:
            index = [slice(None)] * A.ndim
            for end in (0, -1):
                index[axis] = end
                m[tuple(index)] = 0.5
        measures.append(m)
    return measures


@pytest.mark.parametrize("make", [
    lambda: _laplacian((12, 9), {"x-": "dirichlet", "x+": "neumann", "y": "dirichlet"}),
    lambda: _laplacian((6, 5, 4), ("periodic", "neumann", ("dirichlet", "neumann"))),
    lambda: _obstacle((20, 16)),
    lambda: _obstacle((10, 9, 8)),
], ids=["laplacian-2d", "laplacian-3d", "obstacle-2d", "obstacle-3d"])
@pytest.mark.parametrize("zero_walls", [True, False])
def test_divergence_is_minus_the_adjoint_of_the_gradient(make, zero_walls):
    """``<u, G p>_F = -<p, D u>_C`` with ``<u, v>_F = h^d Σ m_f u v`` and ``<p, q>_C = h^d Σ p q``."""
    A = make()
    rng = np.random.default_rng(3)
    p = rng.standard_normal(A.grid_shape)
    u = [rng.standard_normal(s) for s in face_shapes(A)]
    if zero_walls:
        u = [c * o for c, o in zip(u, open_faces(A))]
    volume = float(np.prod(A.spacing))
    faces = volume * sum(float(np.sum(m * c * g)) for m, c, g in zip(_face_measure(A), u, gradient(A, p)))
    cells = volume * float(np.sum(p * divergence(A, u)))
    assert abs(faces + cells) <= 1e-12 * abs(cells)
    assert abs(cells) > 1e-3                                  # not a trivial 0 == 0


def _projection(A, method, u, *, mean_zero):
    b = -divergence(A, u)                                     # A φ = -D u, so that D(u - G φ) = D u + D G φ = 0
    if mean_zero:
        b = b - b.mean()
    phi, info = make_solver(A, method, rtol=1e-12).solve(b)
    assert info.reason == "converged"
    if mean_zero:
        phi = phi - phi.mean()
        assert abs(phi.mean()) < 1e-12
    projected = [c - g for c, g in zip(u, gradient(A, phi))]
    return float(np.linalg.norm(divergence(A, projected)) / np.linalg.norm(divergence(A, u)))


@pytest.mark.parametrize("shape", [(24, 20), (10, 9, 8)])
def test_projection_in_a_closed_box(shape):
    A = _laplacian(shape, "neumann")                          # every face a wall: singular
    rng = np.random.default_rng(4)
    u = [rng.standard_normal(s) * o for s, o in zip(face_shapes(A), open_faces(A))]
    assert abs(divergence(A, u).sum()) < 1e-9 * np.abs(divergence(A, u)).sum()   # compatible already
    assert _projection(A, "cg", u, mean_zero=True) <= 1e-10


@pytest.mark.parametrize("make", [
    lambda: _laplacian((10, 9, 8), ("neumann", "neumann", ("neumann", "dirichlet"))),
    lambda: _obstacle((24, 20)),
    lambda: _obstacle((10, 9, 8)),
], ids=["laplacian-3d-open-top", "disc-open-top", "sphere-open-top"])
@pytest.mark.parametrize("method", ["direct", "cg"])
def test_projection_with_an_open_top(make, method):
    A = make()
    rng = np.random.default_rng(5)
    u = [rng.standard_normal(s) for s in face_shapes(A)]      # wall values included: read as zero
    assert _projection(A, method, u, mean_zero=False) <= 1e-10


def test_dtype_and_flat_input():
    A = _laplacian((6, 5), "neumann").with_dtype("float32")    # float32 data stay float32, as in A @ p
    p = np.random.default_rng(6).standard_normal((6, 5)).astype(np.float32)
    assert gradient(A.with_dtype("float64"), p)[0].dtype == np.float64
    g = gradient(A, p)
    assert all(c.dtype == np.float32 for c in g) and divergence(A, g).dtype == np.float32
    assert all(np.array_equal(a, b) for a, b in zip(gradient(A, p.ravel()), g))
    assert _relative(divergence(A, g), -(A @ p)) < 1e-5
    assert gradient(A.with_dtype("float32"), p.astype(np.float64))[0].dtype == np.float64


def test_bad_input():
    A = _laplacian((6, 5), ("periodic", "dirichlet"))
    with pytest.raises(ValueError, match=r"p has shape \(5, 6\); expected \(6, 5\) or \(30,\)"):
        gradient(A, np.zeros((5, 6)))
    with pytest.raises(ValueError, match=r"u\[1\] has shape \(6, 5\); expected \(6, 6\)"):
        divergence(A, (np.zeros((6, 5)), np.zeros((6, 5))))
    with pytest.raises(ValueError, match=r"u must be a sequence of 2 face arrays of shapes \(\(6, 5\), \(6, 6\)\)"):
        divergence(A, (np.zeros((6, 5)),))
    with pytest.raises(ValueError, match="u must be a sequence of 2 face arrays"):
        divergence(A, np.zeros((6, 5)))
    with pytest.raises(TypeError, match="p must be a real array"):
        gradient(A, np.zeros((6, 5), dtype=complex))
    with pytest.raises(TypeError, match="A must be a solvers.Laplacian or solvers.ObstacleLaplacian"):
        gradient(DiffusionOperator(np.ones((6, 5))), np.zeros((6, 5)))
