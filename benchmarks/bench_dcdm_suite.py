"""The named DCDM suite (issue 17): geometries and boundary mixes a simulation code meets, one table.

2D (13 systems, 48² to 257², odd sizes included): the training geometry (open-top box), a disc,
an all-open box, closed all-Neumann boxes (null space: ``make_solver`` projects it), a wind tunnel
(inflow wall, open outflow face), multiple obstacles, thin walls with gaps, a channel, mixed open
faces.  3D (9 systems, 24³ to 64³ by default, 96³ with ``--max-3d 96``): the same families.
Each with a smooth right-hand side (:func:`solvers.obstacles.smooth_rhs`) and a random one
(standard normal on fluid cells, seed fixed).  Columns: CG, IC(0)-PCG, AMG-PCG (``make_solver``
"pcg-ic0" and "cg" with the PyAMG preconditioner), the old shipped DCDM models (``poisson2d`` /
``poisson3d``, trained on the empty open-top box) and the geometry-conditioned ones
(``geometry2d`` / ``geometry3d``, trained on random domains): iterations to ``rtol = 1e-6``, the
safeguard fallbacks, and the CPU time per iteration of each DCDM model beside AMG-PCG's (solve
time / iterations, set-up apart).

Every operator has square (cubic) cells, as a simulation code's grid (``square_cell_operator``;
until 2026-12-05 the suite mapped each axis onto the unit interval, so its non-square grids had
stretched cells).  Every solver stops on ``||b - A x|| <= 1e-6 ||b||`` (projected ``b`` on closed domains).  DCDM
runs with its defaults (coarse levels, 64 directions, Jacobi safeguard); the envelope warnings
(obstacles, closed domains, large grids: the shipped models saw only the empty open-top box) are
counted, not shown.  Columns for other model files are added with ``--model NAME=PATH`` (repeatable;
``--no-shipped`` drops the shipped geometry-conditioned column).

Run ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_dcdm_suite.py [--max-3d 96] [--only 2d|3d]``;
prints a Markdown table and the medians/worst per column.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from sciml.models import load
from solvers import load_pretrained, make_solver
from solvers.deep_conjugate import PRETRAINED
from solvers.deep_conjugate.random_domains import balls as _balls
from solvers.deep_conjugate.random_domains import boxes as _boxes
from solvers.deep_conjugate.random_domains import channel as _channel
from solvers.deep_conjugate.random_domains import square_cell_operator
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
    parser.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                        help="another model file as a column (its dimension decides its rows)")
    parser.add_argument("--no-shipped", action="store_true", help="leave out the shipped geometry-conditioned models")
    parser.add_argument("--names", default=None, help="only geometries whose name contains one of these (comma-separated)")
    args = parser.parse_args()
    columns = {"old": {2: load_pretrained("poisson2d"), 3: load_pretrained("poisson3d")}}
    if not args.no_shipped:
        columns["new"] = {dim: load_pretrained(f"geometry{dim}d") for dim in (2, 3)
                          if f"geometry{dim}d" in PRETRAINED}
    for item in args.model:
        name, path = item.split("=", 1)
        model = load(path)
        columns[name] = {model.dim: model}
    models = list(columns)
    header = " | ".join(f"{m} | {m} fallbacks | {m} ms/it" for m in models)
    print(f"| geometry | rhs | CG | IC(0)-PCG | AMG-PCG | {header} | AMG ms/it |")
    print("|---|---|---|---|---|" + "---|---|---|" * len(models) + "---|")
    rows = []
    for geometry, closed in suite(args.max_3d):
        dim = len(geometry.grid_shape)
        if (args.only and args.only != f"{dim}d") or (args.max_cells and geometry.solid.size > args.max_cells):
            continue
        if args.names and not any(part in geometry.name for part in args.names.split(",")):
            continue
        A = square_cell_operator(geometry, closed=closed)
        solvers = {"cg": make_solver(A, "cg", rtol=RTOL, on_failure="ignore"),
                   "ic0": make_solver(A, "pcg-ic0", rtol=RTOL, on_failure="ignore"),
                   "amg": make_solver(A, "cg", preconditioner="amg", rtol=RTOL, on_failure="ignore")}
        for m in models:
            if dim in columns[m]:
                solvers[m] = make_solver(A, "dcdm", model=columns[m][dim], rtol=RTOL, maxiter=MAXITER_DCDM,
                                         on_failure="ignore")
        for kind, b in (("smooth", smooth_rhs(geometry)), ("random", random_rhs(geometry))):
            b = np.asarray(b).ravel()
            result = {}
            for name, solver in solvers.items():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    info, elapsed = run(solver, b)
                result[name] = (info, elapsed, len(caught))
            a = result["amg"][0]
            row = dict(geometry=geometry.name, dim=dim, rhs=kind, **{k: v[0].iterations if v[0].converged else None
                                                                       for k, v in result.items()},
                       amg_ms=1e3 * result["amg"][1] / max(a.iterations, 1))
            for m in models:
                if m in result:
                    d = result[m][0]
                    row[f"{m}_fallbacks"], row[f"{m}_steps"] = d.fallbacks, d.iterations
                    row[f"{m}_ms"] = 1e3 * result[m][1] / max(d.iterations, 1)
            rows.append(row)

            def show(k, row=row):
                return "—" if row.get(k) is None else str(row[k])

            cells = " | ".join(f"{show(m)} | {row[f'{m}_fallbacks']} ({100 * row[f'{m}_fallbacks'] / max(row[f'{m}_steps'], 1):.0f} %)"
                               f" | {row[f'{m}_ms']:.1f}" if m in result else "n/a | | " for m in models)
            print(f"| {geometry.name} | {kind} | {show('cg')} | {show('ic0')} | {show('amg')} | {cells} | "
                  f"{row['amg_ms']:.1f} |", flush=True)
    for dim in (2, 3):
        chosen = [r for r in rows if r["dim"] == dim]
        if not chosen:
            continue
        for key in ("cg", "ic0", "amg", *models):
            if not any(key in r for r in chosen):
                continue
            counts = [r[key] for r in chosen if r.get(key) is not None]
            failed = len(chosen) - len(counts)
            if counts:
                print(f"{dim}D {key}: median {statistics.median(counts):g}, worst {max(counts)}"
                      + (f", {failed} not converged" if failed else ""))
        for m in models:
            if not any(f"{m}_steps" in r for r in chosen):
                continue
            worst = max(100 * r[f"{m}_fallbacks"] / max(r[f"{m}_steps"], 1) for r in chosen)
            print(f"{dim}D {m} fallbacks: worst {worst:.0f} % of steps; per-iteration time {m}/AMG median "
                  f"{statistics.median(r[f'{m}_ms'] / r['amg_ms'] for r in chosen):.1f}x")


if __name__ == "__main__":
    main()
