import itertools

import numpy as np
import pytest

from helpers import assert_close
from sciml.backend import backend_name
from solvers import Laplacian

CASES = [
    ((7,), ("dirichlet",)),
    ((7,), ("neumann",)),
    ((7,), ("periodic",)),
    ((5, 6), ("dirichlet", "neumann")),
    ((6, 5), ("periodic", "dirichlet")),
    ((4, 5, 3), ("neumann", "periodic", "dirichlet")),
    ((4, 4, 4), ("neumann", "neumann", "neumann")),
]


@pytest.mark.parametrize("shape, bc", CASES)
def test_matrix_free_apply_equals_sparse_matrix(xp, shape, bc):
    A = Laplacian(shape, bc=bc, domain=[(0.0, 1.0 + i) for i in range(len(shape))])
    rng = np.random.default_rng(0)
    u = rng.standard_normal(shape)
    expected = (A.to_sparse() @ u.reshape(-1)).reshape(shape)
    assert_close(A.matvec(xp.asarray(u)), expected, rtol=1e-12, atol=1e-10, xp=xp)
    assert_close(A.matvec(xp.reshape(xp.asarray(u), (-1,))), expected.reshape(-1), rtol=1e-12, atol=1e-10, xp=xp)


@pytest.mark.parametrize("shape, bc", CASES)
def test_sparse_matrix_is_symmetric_with_the_right_definiteness(shape, bc):
    A = Laplacian(shape, bc=bc)
    dense = A.to_sparse().toarray()
    np.testing.assert_allclose(dense, dense.T, rtol=0, atol=0)
    np.testing.assert_allclose(A.diagonal(), np.diag(dense), rtol=1e-15)
    eigenvalues = np.linalg.eigvalsh(dense)
    if A.singular:
        assert abs(eigenvalues[0]) < 1e-8 * eigenvalues[-1]
        assert eigenvalues[1] > 1e-6 * eigenvalues[-1]
        np.testing.assert_allclose(dense @ np.ones(A.size), 0.0, atol=1e-9)
    else:
        assert eigenvalues[0] > 0


def test_dirichlet_eigenvalues_match_the_cell_centred_formula():
    # The sine modes sin(kπx) are discrete eigenvectors with λ = (4/h²) sin²(kπh/2).
    n = 16
    A = Laplacian(n, dim=1)
    (x,) = A.cell_centers()
    h = 1.0 / n
    for k in (1, 3, 7):
        v = np.sin(k * np.pi * x)
        lam = 4.0 / h**2 * np.sin(k * np.pi * h / 2) ** 2
        np.testing.assert_allclose(A.matvec(v), lam * v, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("bc", list(itertools.product(["dirichlet", "neumann"], repeat=2)))
def test_boundary_rhs_is_exact_for_linear_functions(xp, bc):
    # Ghost-cell closures are exact for linear u, so A u = boundary_rhs(g) to round-off.
    A = Laplacian((6, 5), domain=[(0.0, 2.0), (-1.0, 1.0)], bc=bc)
    x, y = A.cell_centers(backend=backend_name(xp))

    def u(x, y):
        return 1.0 + 2.0 * x - 0.5 * y

    def data(x, y):
        # Dirichlet values, or outward normal derivatives (which face is told by the coordinate).
        values = u(x, y)
        out = values
        for axis, (coord, grad) in enumerate(((x, 2.0), (y, -0.5))):
            if bc[axis] == "neumann":
                a, b = A.domain[axis]
                if coord.shape[axis] == 1 and float(coord[(0,) * coord.ndim]) in (a, b):
                    sign = -1.0 if float(coord[(0,) * coord.ndim]) == a else 1.0
                    out = out * 0.0 + sign * grad
        return out

    lhs = A.matvec(xp.broadcast_to(u(x, y), A.grid_shape))
    assert_close(lhs, A.boundary_rhs(data, backend=backend_name(xp)), rtol=1e-10, atol=1e-9, xp=xp)


def test_cell_centers_and_spacing():
    A = Laplacian((4, 2), domain=[(0.0, 1.0), (2.0, 3.0)])
    x, y = A.cell_centers()
    np.testing.assert_allclose(x.ravel(), [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(y.ravel(), [2.25, 2.75])
    assert A.spacing == (0.25, 0.5) and A.shape == (8, 8) and A.grid_shape == (4, 2)


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 cells"):
        Laplacian((1, 4))
    with pytest.raises(ValueError, match="dim="):
        Laplacian(4)
    with pytest.raises(ValueError, match="1, 2 or 3"):
        Laplacian((3, 3, 3, 3))
    with pytest.raises(ValueError, match="bc must be"):
        Laplacian((3, 3), bc="robin")
    with pytest.raises(ValueError, match="3 entries for a 2-dimensional"):
        Laplacian((3, 3), bc=("dirichlet",) * 3)
    with pytest.raises(ValueError, match="domain"):
        Laplacian((3, 3), domain=[(0.0, 1.0), (1.0, 0.0)])
    with pytest.raises(ValueError, match="expected"):
        Laplacian((3, 3)).matvec(np.ones(4))
    with pytest.raises(ValueError, match="backend"):
        Laplacian((3, 3)).to_sparse(backend="array_api_strict")
