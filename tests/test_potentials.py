import math

import numpy as np
import pytest
from scipy.special import erf

from helpers import assert_close
from sciml.backend import backend_name
from tensor_formats.potentials import RangeSeparatedPotential, erf_gaussians, erf_gaussians_sinh, sinc_gaussians
from validation import exact


def test_sinc_gaussians_reach_their_accuracy():
    for eps, r_min in [(1e-6, 1e-2), (1e-8, 1e-3)]:
        g = sinc_gaussians(eps=eps, r_min=r_min)
        r = np.geomspace(r_min, 2 * math.sqrt(3), 3000)
        assert np.max(np.abs(g(r) * r - 1)) <= eps
        assert list(g.exponents) == sorted(g.exponents)
    with pytest.raises(ValueError):
        sinc_gaussians(eps=2.0)


def test_erf_gaussians_match_erf():
    g = erf_gaussians(5.0, eps=1e-12)
    r = np.linspace(0.0, 3.4, 500)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(r == 0, 10 / math.sqrt(math.pi), erf(5 * r) / r)
    assert np.max(np.abs(g(r) - ref)) <= 5e-12


def test_erf_gaussians_sinh_match_erf_with_fewer_terms():
    for beta, eps, r_max in [(5.0, 1e-10, 3.5), (12.0, 1e-8, 3.5), (30.0, 1e-12, 2.0)]:
        g = erf_gaussians_sinh(beta, eps=eps, r_max=r_max)
        r = np.linspace(0.0, r_max, 3001)
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = np.where(r == 0, 2 * beta / math.sqrt(math.pi), erf(beta * r) / r)
        assert np.max(np.abs(g(r) - ref)) <= 1.5 * eps * beta
        assert len(g) < len(erf_gaussians(beta, eps=eps, r_max=r_max))
        assert list(g.exponents) == sorted(g.exponents)
    with pytest.raises(ValueError, match="beta"):
        erf_gaussians_sinh(-1.0)


@pytest.fixture(scope="module")
def particles():
    rng = np.random.default_rng(11)
    positions = rng.uniform(-0.9, 0.9, (40, 3))
    charges = rng.choice([-1.0, 1.0], 40) * rng.uniform(0.5, 1.5, 40)
    return positions, charges


def test_total_potential_matches_the_direct_coulomb_sum(particles):
    positions, charges = particles
    pot = RangeSeparatedPotential(positions, charges, degree=96, tol=1e-8, eps=1e-8)
    pts = np.random.default_rng(12).uniform(-1, 1, (500, 3))
    direct = np.array([np.sum(charges / np.linalg.norm(p - positions, axis=1)) for p in pts])
    assert np.max(np.abs(pot(pts) - direct)) / np.max(np.abs(direct)) < 1e-6
    assert np.max(np.abs(pot.long_range(pts) - pot.long_range_direct(pts))) < 1e-6 * np.max(np.abs(direct))
    with pytest.raises(ValueError, match="coincides"):
        pot(positions[:1])


def test_rhosvd_and_full_paths_agree(particles):
    positions, charges = particles
    a = RangeSeparatedPotential(positions, charges, degree=64, tol=1e-7, method="rhosvd")
    b = RangeSeparatedPotential(positions, charges, degree=64, tol=1e-7, method="full")
    assert all(abs(ra - rb) <= 2 for ra, rb in zip(a.long_range_tucker.ranks, b.long_range_tucker.ranks))
    pts = np.random.default_rng(13).uniform(-1, 1, (200, 3))
    scale = np.max(np.abs(a.long_range_direct(pts)))
    assert np.max(np.abs(a.long_range(pts) - b.long_range(pts))) < 1e-6 * scale


def test_erf_kernel_reproduces_the_exact_split_on_every_backend(particles, xp):
    positions, charges = particles
    pot = RangeSeparatedPotential(positions, charges, kernel="erf", beta=4.0, degree=80, tol=1e-10,
                                  backend=backend_name(xp))
    ref = exact.PointChargePotential(positions, charges, split_width=0.25)
    pts = np.random.default_rng(14).uniform(-1, 1, (300, 3))
    long_ref = ref.long_range(*pts.T)
    assert_close(pot.long_range(xp.asarray(pts)), long_ref, atol=1e-8 * np.max(np.abs(long_ref)), rtol=0, xp=xp)
    assert_close(pot.short_range(xp.asarray(pts)), ref.short_range(*pts.T), atol=1e-6, rtol=0, xp=xp)


def test_bad_input(particles):
    positions, charges = particles
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        RangeSeparatedPotential(positions[:, :2], charges)
    with pytest.raises(ValueError, match="charges"):
        RangeSeparatedPotential(positions, charges[:3])
    with pytest.raises(ValueError, match="kernel"):
        RangeSeparatedPotential(positions, charges, kernel="yukawa")
    with pytest.raises(ValueError, match="n_long"):
        RangeSeparatedPotential(positions, charges, n_long=1000, degree=16)
