"""The named DCDM suite (issue 17): geometries and boundary mixes a simulation code meets, one table.

2D (13 systems, 48² to 257², odd sizes included): the training geometry (open-top box), a disc,
an all-open box, closed all-Neumann boxes (null space: ``make_solver`` projects it), a wind tunnel
(inflow wall, open outflow face), multiple obstacles, thin walls with gaps, a channel, mixed open
faces.  3D (9 systems, 24³ to 64³ by default, 96³ with ``--max-3d 96``): the same families.
Each with a smooth right-hand side (:func:`solvers.obstacles.smooth_rhs`) and a random one
(standard normal on fluid cells, seed fixed).  Columns: CG, IC(0)-PCG, AMG-PCG (``make_solver``
"pcg-ic0" and "cg" with the PyAMG preconditioner), the shipped DCDM model (``poisson2d`` /
``poisson3d``): iterations to ``rtol = 1e-6``, DCDM's safeguard fallbacks, and the CPU time per
iteration of DCDM beside AMG-PCG's (solve time / iterations, set-up apart).

Every solver stops on ``||b - A x|| <= 1e-6 ||b||`` (projected ``b`` on closed domains).  DCDM
runs with its defaults (coarse levels, 8 directions, Jacobi safeguard); the envelope warnings
(obstacles, closed domains, large grids: the shipped models saw only the empty open-top box) are
counted, not shown.  A row for a new model is added with ``--model NAME=PATH`` (a model file).

Run ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_dcdm_suite.py [--max-3d 64] [--only 2d|3d]``;
prints a Markdown table and the medians/worst per column.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from solvers import ObstacleLaplacian, load_pretrained, make_solver
from solvers.deep_conjugate.random_domains import balls as _balls
from solvers.deep_conjugate.random_domains import boxes as _boxes
from solvers.deep_conjugate.random_domains import channel as _channel
from solvers.deep_conjugate.random_domains import thin_walls as _thin_walls
from solvers.obstacles import Geometry, smooth_rhs

RTOL = 1e-6
MAXITER_DCDM = 400  # a row at 400 did not converge ("—")
OPEN_TOP = {2: {"x": "neumann", "y-": "neumann", "y+": "dirichlet"},
            3: {"x": "neumann", "y": "neumann", "z-": "neumann", "z+": "dirichlet"}}


def _wind(dim):
    """Wind tunnel: inflow face x- (a wall for the pressure, Neumann), outflow x+ open, other faces walls."""
    return {"x-": "neumann", "x+": "dirichlet", **({"y": "neumann"} if dim == 2 else {"y": "neumann", "z": "neumann"})}


def _mixed(dim):
    return {"x-": "dirichlet", "x+": "neumann", "y-": "neumann", "y+": "dirichlet",
            **({} if dim == 2 else {"z-": "dirichlet", "z+": "neumann"})}


def suite(max_3d: int = 64) -> list[tuple[Geometry, bool]]:
    """The suite's geometries (``(geometry, closed)``; closed: all faces Neumann, a null space)."""
    g = []

    def add(name, solid, bc, closed=False):
        g.append((Geometry(name, solid, bc), closed))

    z = np.zeros
    add("open-top box 48² (trained family)", z((48, 48), bool), OPEN_TOP[2])
    add("disc 64²", _balls((64, 64), [(0.5, 0.5)], 0.2), OPEN_TOP[2])
    add("disc 63² (odd)", _balls((63, 63), [(0.5, 0.5)], 0.2), OPEN_TOP[2])
    add("all-open box 97²", z((97, 97), bool), "dirichlet")
    add("closed box 64²", z((64, 64), bool), "neumann", True)
    add("closed box + 3 discs 81²", _balls((81, 81), [(0.3, 0.3), (0.7, 0.4), (0.45, 0.75)], 0.1), "neumann", True)
    add("wind tunnel + disc 128×64", _balls((128, 64), [(0.3, 0.5)], 0.15), _wind(2))
    add("6 random boxes 96²", _boxes((96, 96), 6, 1), OPEN_TOP[2])
    add("thin walls 128²", _thin_walls((128, 128)), OPEN_TOP[2])
    add("channel 160×65", _channel((160, 65)), _wind(2))
    add("mixed faces + boxes 99×127", _boxes((99, 127), 4, 2), _mixed(2))
    add("5 discs, open top 257²", _balls((257, 257), [(0.2, 0.3), (0.5, 0.5), (0.8, 0.3), (0.3, 0.75),
                                                    (0.7, 0.75)], 0.08), OPEN_TOP[2])
    add("wind tunnel + thin wall 192×96", _thin_walls((192, 96)), _wind(2))
    add("open-top box 24³ (trained family)", z((24, 24, 24), bool), OPEN_TOP[3])
    add("sphere 32³", _balls((32,) * 3, [(0.5,) * 3], 0.2), OPEN_TOP[3])
    add("sphere 48³", _balls((48,) * 3, [(0.5,) * 3], 0.2), OPEN_TOP[3])
    add("sphere 64³", _balls((64,) * 3, [(0.5,) * 3], 0.2), OPEN_TOP[3])
    add("closed box + sphere 32³", _balls((32,) * 3, [(0.5,) * 3], 0.2), "neumann", True)
    add("wind tunnel + sphere 48×32×32", _balls((48, 32, 32), [(0.3, 0.5, 0.5)], 0.15), _wind(3))
    add("5 random boxes 40³", _boxes((40,) * 3, 5, 3), OPEN_TOP[3])
    add("thin walls 33×31×35 (odd)", _thin_walls((33, 31, 35)), OPEN_TOP[3])
    add("mixed faces + boxes 48³", _boxes((48,) * 3, 3, 4), _mixed(3))
    if max_3d >= 96:
        add("sphere 96³", _balls((96,) * 3, [(0.5,) * 3], 0.2), OPEN_TOP[3])
    return g


def random_rhs(geometry: Geometry, seed: int = 0):
    rng = np.random.default_rng(seed)
    return np.where(geometry.solid, 0.0, rng.standard_normal(geometry.grid_shape))


def run(solver, b):
    start = time.perf_counter()
    _, info = solver.solve(b)
    elapsed = time.perf_counter() - start
    return info, elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-3d", type=int, default=64)
    parser.add_argument("--only", choices=("2d", "3d"), default=None)
    parser.add_argument("--max-cells", type=int, default=None, help="skip geometries with more cells (a reduced run)")
    args = parser.parse_args()
    models = {2: load_pretrained("poisson2d"), 3: load_pretrained("poisson3d")}
    print("| geometry | rhs | CG | IC(0)-PCG | AMG-PCG | DCDM (shipped) | fallbacks | DCDM ms/it | AMG ms/it |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for geometry, closed in suite(args.max_3d):
        dim = len(geometry.grid_shape)
        if (args.only and args.only != f"{dim}d") or (args.max_cells and geometry.solid.size > args.max_cells):
            continue
        A = ObstacleLaplacian(geometry.solid, bc=geometry.bc, closed="allow" if closed else "refuse")
        solvers = {"cg": make_solver(A, "cg", rtol=RTOL, on_failure="ignore"),
                   "ic0": make_solver(A, "pcg-ic0", rtol=RTOL, on_failure="ignore"),
                   "amg": make_solver(A, "cg", preconditioner="amg", rtol=RTOL, on_failure="ignore"),
                   "dcdm": make_solver(A, "dcdm", model=models[dim], rtol=RTOL, maxiter=MAXITER_DCDM,
                                       on_failure="ignore")}
        for kind, b in (("smooth", smooth_rhs(geometry)), ("random", random_rhs(geometry))):
            b = np.asarray(b).ravel()
            result = {}
            for name, solver in solvers.items():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    info, elapsed = run(solver, b)
                result[name] = (info, elapsed, len(caught))
            d, a = result["dcdm"][0], result["amg"][0]
            row = dict(geometry=geometry.name, dim=dim, rhs=kind, **{k: v[0].iterations if v[0].converged else None
                                                                       for k, v in result.items()},
                       fallbacks=d.fallbacks, dcdm_steps=d.iterations, dcdm_ms=1e3 * result["dcdm"][1] / max(d.iterations, 1),
                       amg_ms=1e3 * result["amg"][1] / max(a.iterations, 1))
            rows.append(row)

            def show(k):
                return "—" if row[k] is None else str(row[k])

            print(f"| {geometry.name} | {kind} | {show('cg')} | {show('ic0')} | {show('amg')} | {show('dcdm')} | "
                  f"{d.fallbacks} ({100 * d.fallbacks / max(d.iterations, 1):.0f} %) | {row['dcdm_ms']:.1f} | "
                  f"{row['amg_ms']:.1f} |", flush=True)
    for dim in (2, 3):
        chosen = [r for r in rows if r["dim"] == dim]
        if not chosen:
            continue
        for key in ("cg", "ic0", "amg", "dcdm"):
            counts = [r[key] for r in chosen if r[key] is not None]
            failed = len(chosen) - len(counts)
            if counts:
                print(f"{dim}D {key}: median {statistics.median(counts):g}, worst {max(counts)}"
                      + (f", {failed} not converged" if failed else ""))
        worst = max(100 * r["fallbacks"] / max(r["dcdm_steps"], 1) for r in chosen)
        print(f"{dim}D dcdm fallbacks: worst {worst:.0f} % of steps; per-iteration time DCDM/AMG median "
              f"{statistics.median(r['dcdm_ms'] / r['amg_ms'] for r in chosen):.1f}x")


if __name__ == "__main__":
    main()
