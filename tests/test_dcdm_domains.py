"""Random domains (issue 17): every family builds a valid operator, seeds reproduce, sizes vary."""

import numpy as np
import pytest

from solvers import ObstacleLaplacian, make_solver
from solvers.deep_conjugate import random_domain
from solvers.deep_conjugate.random_domains import FAMILIES


@pytest.mark.parametrize("dim", [2, 3])
def test_every_family_gives_a_solvable_operator(dim):
    for k, family in enumerate(FAMILIES):
        geometry, closed = random_domain(seed=k, family=family, dim=dim, sizes=(9, 14))
        assert geometry.name == family and len(geometry.grid_shape) == dim
        A = ObstacleLaplacian(geometry.solid, bc=geometry.bc, closed="allow" if closed else "refuse")
        assert (A.nullspace_size > 0) == closed == (family == "closed")
        b = np.where(geometry.solid, 0.0, np.random.default_rng(k).standard_normal(geometry.grid_shape)).ravel()
        x, info = make_solver(A, "cg", rtol=1e-8).solve(b)
        rhs = A.project_range(b) if closed else b
        assert info.converged and np.linalg.norm(A @ x - rhs) <= 1e-8 * np.linalg.norm(rhs)


def test_seeds_reproduce_and_sizes_and_families_vary():
    first, _ = random_domain(seed=7)
    again, _ = random_domain(seed=7)
    assert first.name == again.name and np.array_equal(first.solid, again.solid) and first.bc == again.bc
    draws = [random_domain(seed=s, sizes=(20, 40))[0] for s in range(40)]
    assert len({g.name for g in draws}) >= 6
    sizes = {n for g in draws for n in g.grid_shape}
    assert min(sizes) >= 20 and max(sizes) <= 40 and any(n % 2 for n in sizes)
    assert random_domain((30, 31), seed=0, family="channel")[0].grid_shape == (30, 31)


def test_bad_arguments():
    with pytest.raises(ValueError, match="family must be one of"):
        random_domain(seed=0, family="torus")
    with pytest.raises(ValueError, match=r"shape must have 2 or 3 axes of >= 8 cells, got \(4, 40\)"):
        random_domain((4, 40), seed=0)
