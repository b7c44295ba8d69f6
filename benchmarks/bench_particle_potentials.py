"""Potentials and forces at every particle, stepped, against the blocked direct sum (issue 19, item 6).

``--n`` (default 20,000) random charges ±1 uniform in ``[-1, 1]³``.  In one run:

* the blocked direct O(N²) numpy sum (``block`` rows at a time, memory ``block · N`` per array):
  potentials without the self-term and Coulomb forces;
* a fresh :class:`tensor_formats.ParticlePotential` (constructor, then ``at_particles()`` and
  ``forces()``): time, speed-up over the direct sum, relative max and rms errors against it;
* ``--steps`` time steps of small random moves (``--move`` per coordinate, kept in the box): each
  step is timed as ``update`` + ``at_particles`` + ``forces`` and, on the same positions, as a
  fresh build; the update's results are checked against the fresh build's;
* the small case of the issue (``--small``, default 300 particles): the old per-step rebuild of
  :class:`tensor_formats.potentials.RangeSeparatedPotential` (degree 128), a ParticlePotential step
  and the direct sum.

Prints markdown tables.  Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_particle_potentials.py``
(about 2 minutes on one free core, most of it the direct sum).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from tensor_formats import ParticlePotential
from tensor_formats.potentials import RangeSeparatedPotential


def direct_sum(positions: np.ndarray, charges: np.ndarray, *, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``φ_i = Σ_{j≠i} q_j/r_ij`` and ``F_i = q_i Σ_{j≠i} q_j (x_i - x_j)/r_ij³``, ``block`` rows at a time."""
    n = positions.shape[0]
    x, y, z = (np.ascontiguousarray(positions[:, k]) for k in range(3))
    phi, forces = np.empty(n), np.empty((n, 3))
    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        dx, dy, dz = x[rows, None] - x, y[rows, None] - y, z[rows, None] - z
        r2 = dx * dx + dy * dy + dz * dz
        local = np.arange(rows.stop - rows.start)
        r2[local, local + start] = np.inf  # no self-interaction
        inv = 1.0 / np.sqrt(r2)
        phi[rows] = inv @ charges
        inv3 = inv * inv * inv * charges
        forces[rows, 0], forces[rows, 1], forces[rows, 2] = (inv3 * dx).sum(1), (inv3 * dy).sum(1), (inv3 * dz).sum(1)
    return phi, charges[:, None] * forces


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def relative(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b))), float(np.linalg.norm(a - b) / np.linalg.norm(b))


def fresh(positions, charges, **options):
    """Constructor time and total time (constructor + potentials + forces)."""
    start = time.perf_counter()
    pot = ParticlePotential(positions, charges, **options)
    built = time.perf_counter() - start
    phi, forces = pot.at_particles(), pot.forces()
    return built, time.perf_counter() - start, pot, phi, forces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--move", type=float, default=1e-3)
    parser.add_argument("--tol", type=float, default=1e-8)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    positions = rng.uniform(-1, 1, (args.n, 3))
    charges = rng.choice([-1.0, 1.0], args.n)

    t_direct, (phi_ref, forces_ref) = timed(lambda: direct_sum(positions, charges))
    built, total, pot, phi, forces = fresh(positions, charges, tol=args.tol)
    e_phi, e_forces = relative(phi, phi_ref), relative(forces, forces_ref)
    print(f"{pot!r}\n")
    print("| N | direct sum (s) | fresh build + potentials + forces (s) | speed-up | potentials: rel. max / rms error "
          "| forces: rel. max / rms error |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.n} | {t_direct:.2f} | {total:.2f} (constructor {built:.2f}) | {t_direct / total:.1f}x "
          f"| {e_phi[0]:.1e} / {e_phi[1]:.1e} | {e_forces[0]:.1e} / {e_forces[1]:.1e} |\n")

    rows = []
    for _ in range(args.steps):
        positions = np.clip(positions + args.move * rng.standard_normal(positions.shape), -1, 1)
        start = time.perf_counter()
        pot.update(positions)
        t_update = time.perf_counter() - start
        phi, forces = pot.at_particles(), pot.forces()
        t_step = time.perf_counter() - start
        f_built, f_total, _, f_phi, f_forces = fresh(positions, charges, tol=args.tol)
        same = max(relative(phi, f_phi)[0], relative(forces, f_forces)[0])
        rows.append((t_update, t_step, f_built, f_total, same))
    print(f"Steps of random moves {args.move:g} per coordinate ({args.steps} steps, medians; neighbour-list builds: "
          f"{pot.stats.neighbour_builds} in {pot.stats.updates} set-ups):\n")
    print("| | update / constructor (s) | ratio | update + potentials + forces / fresh (s) | ratio "
          "| max rel. difference update vs fresh |")
    print("|---|---|---|---|---|---|")
    med = [statistics.median(column) for column in zip(*rows)]
    print(f"| N = {args.n} | {med[0]:.2f} / {med[2]:.2f} | {med[0] / med[2]:.0%} | {med[1]:.2f} / {med[3]:.2f} "
          f"| {med[1] / med[3]:.0%} | {max(r[4] for r in rows):.1e} |\n")

    if args.small:
        x = rng.uniform(-1, 1, (args.small, 3))
        q = rng.choice([-1.0, 1.0], args.small)
        t_old, _ = timed(lambda: RangeSeparatedPotential(x, q, degree=128, tol=1e-7))
        small = ParticlePotential(x, q, tol=args.tol)
        moved = np.clip(x + args.move * rng.standard_normal(x.shape), -1, 1)
        t_small, _ = timed(lambda: (small.update(moved), small.at_particles(), small.forces()))
        t_small_direct, (p_ref, f_ref) = timed(lambda: direct_sum(moved, q))
        err = max(relative(small.at_particles(), p_ref)[0], relative(small.forces(), f_ref)[0])
        print(f"| N = {args.small} | old rebuild per step (RangeSeparatedPotential, degree 128, potentials "
              f"off the particles only) | ParticlePotential step | direct sum | step rel. max error |")
        print("|---|---|---|---|---|")
        print(f"| ms | {1e3 * t_old:.0f} | {1e3 * t_small:.1f} | {1e3 * t_small_direct:.1f} | {err:.1e} |")


if __name__ == "__main__":
    main()
