"""Per-step pressure solve of the smoke simulation, every method side by side (issue 14, item 6).

:class:`solvers.simulation.SmokeSimulation` on the unit square past a disc, closed box and wind tunnel,
2D 64² and 128² (256² with ``--large``), ``--steps`` steps (default 30), pressure solved to
``rtol = 1e-6`` by one :func:`solvers.make_solver` set up once per run.  Per method: the median
per-step solve time and iterations, the worst relative divergence after the projection (target
<= 1e-6) and the worst ``|mean p|`` on the closed box's fluid (target <= 1e-12).  For "cg", the same
right-hand sides (projected onto the range on the closed box, as make_solver does) are solved again
by ``scipy.sparse.linalg.cg`` on the same CSR matrix: median time and iterations, and the ratio.
Prints a markdown table.  Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_simulation.py`` (~2 min; ``--large --steps 10`` adds 256², ~3 min).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse.linalg as spla

from solvers import SOLVERS
from solvers.simulation import SmokeSimulation

METHODS = ["cg", "pcg-jacobi", "pcg-ic0", "amg", "direct"]


def disc(n: int, cx: float = 0.35, cy: float = 0.5, radius: float = 0.12) -> np.ndarray:
    x = (np.arange(n) + 0.5) / n
    return (x[:, None] - cx) ** 2 + (x[None, :] - cy) ** 2 < radius**2


def scipy_cg(sim: SmokeSimulation, rhs: list[np.ndarray]) -> tuple[float, float]:
    """Median time and iterations of scipy's CG on the simulation's CSR matrix for the recorded ``rhs``."""
    matrix = sim.A.to_sparse()
    times, iterations = [], []
    for b in rhs:
        b = np.asarray(sim.A.project_range(b.ravel()))
        count = [0]

        def callback(_):
            count[0] += 1

        start = time.perf_counter()
        _, flag = spla.cg(matrix, b, rtol=1e-6, atol=0.0, maxiter=10 * b.size, callback=callback)
        times.append(time.perf_counter() - start)
        iterations.append(count[0])
    return float(np.median(times)), float(np.median(iterations))


def run(n: int, scenario: str, method: str, steps: int) -> dict:
    sim = SmokeSimulation(disc(n), scenario=scenario, method=method, rtol=1e-6)
    rhs: list[np.ndarray] = []
    if method == "cg":
        solve = sim.solver.solve

        def recording(b, x0=None):
            rhs.append(np.array(b, copy=True))
            return solve(b, x0)

        sim.solver.solve = recording
    records = sim.run(steps)
    row = {"scenario": scenario, "n": n, "method": method,
           "time": float(np.median([r.solve_time for r in records])),
           "iterations": float(np.median([r.iterations for r in records])),
           "divergence": max(r.divergence for r in records),
           "mean": max(abs(r.pressure_mean) for r in records) if scenario == "closed" else None,
           "setups": sim.solver.stats.setups, "solves": sim.solver.stats.solves}
    if rhs:
        row["scipy_time"], row["scipy_iterations"] = scipy_cg(sim, rhs)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--large", action="store_true", help="add 256²")
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    sizes = args.sizes + ([256] if args.large else [])
    methods = [m for m in METHODS if m in SOLVERS]
    print(f"{args.steps} steps per run, rtol 1e-6, median per step; set-up once per run (not timed here)\n")
    print("| scenario | n | method | solve ms | iters | max rel. div | max abs mean p | scipy cg ms | scipy iters | "
          "ours/scipy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for scenario in ("closed", "tunnel"):
        for n in sizes:
            for method in methods:
                r = run(n, scenario, method, args.steps)
                assert r["setups"] == 1 and r["solves"] == args.steps
                mean = "-" if r["mean"] is None else f"{r['mean']:.1e}"
                scipy_part = "- | - | -"
                if "scipy_time" in r:
                    scipy_part = (f"{1e3 * r['scipy_time']:.2f} | {r['scipy_iterations']:.0f} | "
                                  f"{r['time'] / r['scipy_time']:.2f}")
                print(f"| {scenario} | {n}² | {method} | {1e3 * r['time']:.2f} | {r['iterations']:.0f} | "
                      f"{r['divergence']:.3e} | {mean} | {scipy_part} |", flush=True)


if __name__ == "__main__":
    main()
