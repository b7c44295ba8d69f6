"""Per-step pressure solve of the smoke simulation, every method side by side (issue 14, item 6).

:class:`solvers.simulation.SmokeSimulation` on the unit square past a disc (2D) or the unit cube past a
ball (3D), closed box and wind tunnel, 2D 64² and 128² (256² with ``--large``) and 3D 32³ (64³ with
``--large``), pressure solved to ``rtol = 1e-6`` by one :func:`solvers.make_solver` set up once per
run.  Per method: the median per-step solve time (wall clock, and the process's CPU time, which
on a shared machine leaves out the waits for a core) and iterations, the worst relative divergence after
the projection (target <= 1e-6) and the worst ``|mean p|`` on the closed box's fluid (target
<= 1e-12).  The same right-hand sides (projected onto the range on the closed box, as make_solver
does) are solved again by the library each method wraps, on the same matrix: for "cg",
``scipy.sparse.linalg.cg`` on the same CSR matrix; for "amg", PyAMG's own
``ml.solve(b, tol, accel="cg")`` with the very hierarchy the solver built once (set-up not timed on
either side).  "direct" is skipped at 64³ (SuperLU's fill on a 3D grid: minutes and gigabytes).
Prints a markdown table.  Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_simulation.py`` (~3 min);
``--large --steps 10 --steps-3d 5`` adds 256² and 64³ (~15 min on a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse.linalg as spla

from solvers import SOLVERS
from solvers.simulation import SmokeSimulation

METHODS = ["cg", "pcg-jacobi", "pcg-ic0", "pcg-mic0", "amg", "direct"]
RTOL = 1e-6


def obstacle(n: int, dim: int, radius: float = 0.12) -> np.ndarray:
    """A disc (2D) or ball (3D) of ``radius`` centred at x = 0.35, mid-height."""
    x = (np.arange(n) + 0.5) / n
    centres = [0.35] + [0.5] * (dim - 1)
    grids = np.meshgrid(*[x] * dim, indexing="ij")
    return sum((g - c) ** 2 for g, c in zip(grids, centres)) < radius**2


def reference(sim: SmokeSimulation, method: str, rhs: list[np.ndarray]) -> tuple[float, float, float] | None:
    """Median wall time, CPU time and iterations of the wrapped library on the recorded right-hand sides."""
    if method not in ("cg", "amg"):
        return None
    matrix = sim.A.to_sparse()
    hierarchy = sim.solver._hierarchy if method == "amg" else None
    times, cpu, iterations = [], [], []
    for b in rhs:
        b = np.asarray(sim.solver._project(b.ravel()) if sim.solver._project else b.ravel())
        if method == "cg":
            count = [0]

            def callback(_):
                count[0] += 1

            start, start_cpu = time.perf_counter(), time.process_time()
            spla.cg(matrix, b, rtol=RTOL, atol=0.0, maxiter=10 * b.size, callback=callback)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            iterations.append(count[0])
        else:
            residuals: list[float] = []
            start, start_cpu = time.perf_counter(), time.process_time()
            hierarchy.solve(b, tol=RTOL, accel="cg", maxiter=10 * b.size, residuals=residuals)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            iterations.append(len(residuals) - 1)
    return float(np.median(times)), float(np.median(cpu)), float(np.median(iterations))


def run(n: int, dim: int, scenario: str, method: str, steps: int) -> dict:
    start = time.perf_counter()
    sim = SmokeSimulation(obstacle(n, dim), scenario=scenario, method=method, rtol=RTOL)
    setup = time.perf_counter() - start
    rhs: list[np.ndarray] = []
    cpu: list[float] = []
    solve = sim.solver.solve

    def recording(b, x0=None):
        rhs.append(np.array(b, copy=True))
        start = time.process_time()
        out = solve(b, x0)
        cpu.append(time.process_time() - start)
        return out

    sim.solver.solve = recording
    records = sim.run(steps)
    row = {"scenario": scenario, "n": f"{n}{'²' if dim == 2 else '³'}", "method": method, "setup": setup,
           "time": float(np.median([r.solve_time for r in records])),
           "cpu": float(np.median(cpu)),
           "iterations": float(np.median([r.iterations for r in records])),
           "divergence": max(r.divergence for r in records),
           "mean": max(abs(r.pressure_mean) for r in records) if scenario == "closed" else None,
           "setups": sim.solver.stats.setups, "solves": sim.solver.stats.solves,
           "reference": reference(sim, method, rhs)}
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128], help="2D sizes")
    parser.add_argument("--sizes-3d", type=int, nargs="*", default=[32], help="3D sizes")
    parser.add_argument("--large", action="store_true", help="add 256² and 64³")
    parser.add_argument("--steps", type=int, default=30, help="steps per 2D run")
    parser.add_argument("--steps-3d", type=int, default=10, help="steps per 3D run")
    parser.add_argument("--methods", nargs="+", default=METHODS)
    args = parser.parse_args()
    cases = ([(n, 2, args.steps) for n in args.sizes + ([256] if args.large else [])]
             + [(n, 3, args.steps_3d) for n in args.sizes_3d + ([64] if args.large else [])])
    methods = [m for m in args.methods if m in SOLVERS]
    print(f"steps per run: 2D {args.steps}, 3D {args.steps_3d}; rtol {RTOL}; median per step; set-up once per run "
          "(its time in 'setup s', not in the per-step figures)\n")
    print("| scenario | n | method | setup s | solve ms | CPU ms | iters | max rel. div | max abs mean p | "
          "reference ms | reference CPU ms | reference iters | ours/reference (wall, CPU) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in ("closed", "tunnel"):
        for n, dim, steps in cases:
            for method in methods:
                if method == "direct" and dim == 3 and n > 32:
                    continue
                r = run(n, dim, scenario, method, steps)
                assert r["setups"] == 1 and r["solves"] == steps
                mean = "-" if r["mean"] is None else f"{r['mean']:.1e}"
                ref = "- | - | - | -"
                if r["reference"] is not None:
                    t, c, it = r["reference"]
                    ref = f"{1e3 * t:.2f} | {1e3 * c:.2f} | {it:.0f} | {r['time'] / t:.2f}, {r['cpu'] / c:.2f}"
                print(f"| {scenario} | {r['n']} | {method} | {r['setup']:.2f} | {1e3 * r['time']:.2f} | "
                      f"{1e3 * r['cpu']:.2f} | {r['iterations']:.0f} | {r['divergence']:.2e} | {mean} | {ref} |",
                      flush=True)


if __name__ == "__main__":
    main()
