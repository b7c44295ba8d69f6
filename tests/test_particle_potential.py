"""ParticlePotential: potentials and forces at the particles against the direct Coulomb sum,
forces against finite differences of the energy, stepping with ``update``, bad input."""

import math

import numpy as np
import pytest
from scipy.special import erfc

from tensor_formats import ParticlePotential
from tensor_formats.gaussian_basis import gaussian_mode_basis
from tensor_formats.short_range import NeighbourList, erfc_pair_sums


def direct(positions, charges):
    """Potentials (no self-term) and forces by the dense O(N²) sum."""
    d = positions[:, None, :] - positions[None, :, :]
    r = np.linalg.norm(d, axis=-1)
    np.fill_diagonal(r, np.inf)
    phi = (1.0 / r) @ charges
    forces = charges[:, None] * np.einsum("ij,ijk->ik", charges[None, :] / r**3, d)
    return phi, forces


def relative_max(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def particles():
    rng = np.random.default_rng(5)
    positions = rng.uniform(-1, 1, (500, 3))
    charges = rng.choice([-1.0, 1.0], 500) * rng.uniform(0.5, 1.5, 500)
    return positions, charges


@pytest.fixture(scope="module")
def reference(particles):
    return direct(*particles)


@pytest.mark.parametrize("options", [{}, {"sigma": 0.12, "cells": 2}, {"sigma": 0.2, "cells": (1, 2, 3)}])
def test_potentials_and_forces_match_the_direct_sum(particles, reference, options):
    pot = ParticlePotential(*particles, **options)
    phi, forces = reference
    assert relative_max(pot.at_particles(), phi) < 1e-7
    assert relative_max(pot.forces(), forces) < 1e-7
    assert np.linalg.norm(pot.forces() - forces) / np.linalg.norm(forces) < 1e-7
    if options:  # the long range carries most of the potential at this σ
        assert pot.cutoff < 1.0 and pot.ranks[0] > 20


def test_the_long_range_part_is_exercised_and_tol_sets_the_accuracy(particles, reference):
    phi, _ = reference
    loose = ParticlePotential(*particles, sigma=0.1, cells=2, tol=1e-4)
    tight = ParticlePotential(*particles, sigma=0.1, cells=2, tol=1e-10)
    e_loose, e_tight = relative_max(loose.at_particles(), phi), relative_max(tight.at_particles(), phi)
    assert e_tight < 1e-9 < e_loose < 1e-2
    assert all(a < b for a, b in zip(loose.ranks, tight.ranks))


def test_forces_are_minus_the_gradient_of_the_energy(particles):
    positions, charges = particles
    pot = ParticlePotential(positions, charges, sigma=0.12, cells=2)
    forces = pot.forces()
    h = 1e-5
    for i, axis in [(0, 0), (17, 1), (333, 2)]:
        energies = []
        for step in (h, -h):
            moved = positions.copy()
            moved[i, axis] += step
            pot.update(moved)
            energies.append(pot.energy())
        fd = -(energies[0] - energies[1]) / (2 * h)
        assert abs(fd - forces[i, axis]) < 1e-5 * max(1.0, abs(forces[i, axis]))
    pot.update(positions)
    energy = 0.5 * np.sum(charges * direct(positions, charges)[0])
    # The kernel error at r = 0 (tol relative to 2/(σ√π)) enters every φ_i: a systematic Σ q_i² term.
    assert abs(pot.energy() - energy) < pot.tol * pot.self_value * np.sum(charges**2)
    assert abs(pot.energy() - energy) < 1e-7 * abs(energy)


def test_self_interaction_is_excluded():
    x = np.array([[-0.3, 0.1, 0.2], [0.4, -0.2, 0.1]])
    q = np.array([2.0, -1.5])
    # Long range only (the pair is beyond the cutoff), mostly long range, short range only.
    for sigma in (0.15, 0.3, 1.0):
        pot = ParticlePotential(x, q, sigma=sigma)
        r = np.linalg.norm(x[0] - x[1])
        assert np.allclose(pot.at_particles(), [q[1] / r, q[0] / r], rtol=1e-9, atol=0)
        coulomb = q[0] * q[1] * (x[0] - x[1]) / r**3
        assert np.allclose(pot.forces(), [coulomb, -coulomb], rtol=1e-7, atol=0)
        assert (pot.cutoff < r) == (sigma == 0.15)


def test_update_after_moves_equals_a_fresh_build(particles):
    positions, charges = particles
    rng = np.random.default_rng(6)
    pot = ParticlePotential(positions, charges, sigma=0.12, cells=2)
    pot.at_particles()
    moved = np.clip(positions + 1e-3 * rng.standard_normal(positions.shape), -1, 1)
    pot.update(moved)
    fresh = ParticlePotential(moved, charges, sigma=0.12, cells=2)
    assert pot.stats.neighbour_builds == 1 and pot.stats.updates == 2
    assert relative_max(pot.at_particles(), fresh.at_particles()) < 1e-13
    assert relative_max(pot.forces(), fresh.forces()) < 1e-13
    # Large moves rebuild the neighbour list; new charges are taken.
    far = np.clip(moved + 0.2 * rng.standard_normal(moved.shape), -1, 1)
    pot.update(far, -2 * charges)
    assert pot.stats.neighbour_builds == 2
    phi, forces = direct(far, -2 * charges)
    assert relative_max(pot.at_particles(), phi) < 1e-7 and relative_max(pot.forces(), forces) < 1e-7
    with pytest.raises(ValueError, match="charges are kept"):
        pot.update(far[:10])


def test_a_long_box():
    rng = np.random.default_rng(7)
    box = ((0.0, 1.0), (-0.5, 0.5), (0.0, 3.0))
    x = rng.uniform([0, -0.5, 0], [1, 0.5, 3], (400, 3))
    q = rng.standard_normal(400)
    pot = ParticlePotential(x, q, domain=box, sigma=0.1)
    assert pot.cells[2] > pot.cells[0]
    phi, forces = direct(x, q)
    assert relative_max(pot.at_particles(), phi) < 1e-7 and relative_max(pot.forces(), forces) < 1e-7


def test_bad_input(particles):
    positions, charges = particles
    with pytest.raises(ValueError, match=r"must lie in the box .* particle 3"):
        bad = positions.copy()
        bad[3, 1] = 1.01
        ParticlePotential(bad, charges)
    with pytest.raises(ValueError, match=r"positions must have shape \(N, 3\), got \(500, 2\)"):
        ParticlePotential(positions[:, :2], charges)
    with pytest.raises(ValueError, match=r"charges must have shape \(500,\)"):
        ParticlePotential(positions, charges[:-1])
    with pytest.raises(ValueError, match="charges must be finite, got NaN or inf at particle 7"):
        ParticlePotential(positions, np.where(np.arange(500) == 7, np.nan, charges))
    with pytest.raises(ValueError, match="positions must be finite"):
        ParticlePotential(np.where(np.arange(500)[:, None] == 2, np.inf, positions), charges)
    for n in (0, 1):
        with pytest.raises(ValueError, match=f"at least 2 particles .* got N={n}"):
            ParticlePotential(positions[:n], charges[:n])
    with pytest.raises(ValueError, match="coincide"):
        ParticlePotential(np.vstack([positions[:5], positions[:1]]), charges[:6]).at_particles()
    with pytest.raises(ValueError, match="tol"):
        ParticlePotential(positions, charges, tol=0.0)
    with pytest.raises(ValueError, match="sigma"):
        ParticlePotential(positions, charges, sigma=-1.0)
    with pytest.raises(ValueError, match="cells"):
        ParticlePotential(positions, charges, sigma=0.2, cells=(1, 2))
    with pytest.raises(ValueError, match="domain"):
        ParticlePotential(positions, charges, domain=((-1, 1), (1, -1), (-1, 1)))
    with pytest.raises(TypeError, match="numpy"):
        import array_api_strict as xp

        ParticlePotential(xp.asarray(positions), xp.asarray(charges))
    with pytest.raises(TypeError, match="real"):
        ParticlePotential(positions, charges.astype(complex))
    pot = ParticlePotential(positions[:20], charges[:20])
    with pytest.raises(ValueError, match="box"):
        pot.update(positions[:20] + 1.0)


def test_gaussian_basis_interpolates_every_gaussian_in_both_arguments():
    rng = np.random.default_rng(8)
    exponents = [0.5, 10.0, 60.0, 150.0]
    for cells in (1, 3):
        basis = gaussian_mode_basis((-1.0, 2.0), exponents, cells=cells, tol=1e-10)
        x, y = rng.uniform(-1, 2, 200), rng.uniform(-1, 2, 200)

        def rows(t):
            out = np.zeros((t.size, basis.size))
            for c in range(basis.cells):
                on = basis.locate(t) == c
                out[on, basis.offsets[c]:basis.offsets[c + 1]] = basis.values(t[on], c)
            return out

        lx, ly = rows(x), rows(y)
        for p in exponents:
            approx = np.einsum("ia,ab,ib->i", lx, basis.coupling(p), ly)
            assert np.max(np.abs(approx - np.exp(-p * (x - y) ** 2))) < 1e-9
    assert basis.locate(np.array([-1.0, 2.0])).tolist() == [0, 2]
    with pytest.raises(ValueError, match="exponents"):
        gaussian_mode_basis((0, 1), [-1.0])
    with pytest.raises(ValueError, match="cells"):
        gaussian_mode_basis((0, 1), [1.0], cells=0)


def test_pair_sums_match_a_brute_force_sum():
    rng = np.random.default_rng(9)
    x, q = rng.uniform(0, 1, (150, 3)), rng.standard_normal(150)
    sigma, cutoff = 0.05, 0.2
    neighbours = NeighbourList(x, cutoff=cutoff, skin=0.02)
    phi, grad = erfc_pair_sums(x, q, neighbours.pairs, sigma=sigma, cutoff=cutoff)
    d = x[:, None] - x[None]
    r = np.linalg.norm(d, axis=-1)
    np.fill_diagonal(r, np.inf)
    kernel = np.where(r < cutoff, erfc(r / sigma) / r, 0.0)
    slope = np.where(r < cutoff, -(erfc(r / sigma) / r + 2 / (sigma * math.sqrt(math.pi)) * np.exp(-(r / sigma) ** 2)) / r**2, 0.0)
    assert np.allclose(phi, kernel @ q, rtol=1e-12, atol=1e-12)
    assert np.allclose(grad, np.einsum("ij,ijk->ik", slope * q[None, :], d), rtol=1e-12, atol=1e-10)
