"""Solver objects against the libraries they wrap, side by side in one run (issue 14).

* ``make_solver(A, "cg")`` vs ``scipy.sparse.linalg.cg`` on the same CSR matrix (2D 128², 256²);
* ``"amg"`` vs PyAMG's own ``ml.solve(b, tol, accel="cg")`` with the hierarchy reused (2D 256²);
* ``"pcg-ic0"`` and ``"pcg-mic0"`` vs ``"cg"`` (2D 256², 3D 32³, 64³), timed alternately;
* the per-call overhead of ``solve`` (everything but the iterations: a solve with ``x0`` the exact
  solution, 0 iterations) as a fraction of a 128² CG solve.

Per-solve wall time, median of 5 solves after one warm-up, rtol 1e-6, one thread.  Run:
``OMP_NUM_THREADS=1 python benchmarks/bench_linear_solver.py`` (about two minutes).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pyamg
import scipy.sparse.linalg as spla

from solvers import Laplacian, make_solver

RTOL = 1e-6


def per_call(f, repeat: int = 5) -> float:
    f()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(f, g, repeat: int = 5) -> tuple[float, float, float]:
    """Median wall times of ``f`` and ``g`` timed alternately (a loaded machine's drift hits both),
    and the ratio of their median CPU times (``process_time``: without the waits for a core)."""
    f(), g()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for h, w, c in ((f, wall[0], cpu[0]), (g, wall[1], cpu[1])):
            start, start_cpu = time.perf_counter(), time.process_time()
            h()
            w.append(time.perf_counter() - start)
            c.append(time.process_time() - start_cpu)
    return statistics.median(wall[0]), statistics.median(wall[1]), statistics.median(cpu[0]) / statistics.median(cpu[1])


def rhs(n: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(n)


def row(name: str, ours: float, theirs: float, it_ours: int, it_theirs: int, label: str) -> None:
    print(f"{name:<34} {1e3 * ours:>9.2f} {1e3 * theirs:>9.2f} {ours / theirs:>7.2f} {it_ours:>6} {it_theirs:>6}  {label}")


def main() -> None:
    print(f"{'case':<34} {'ours ms':>9} {'ref ms':>9} {'ratio':>7} {'it':>6} {'it ref':>6}  reference")
    for shape in ((128, 128), (256, 256)):
        A = Laplacian(shape).to_sparse()
        b = rhs(A.shape[0])
        solver = make_solver(A, "cg", rtol=RTOL)
        counted = []
        spla.cg(A, b, rtol=RTOL, callback=lambda xk: counted.append(1))
        row(f"cg {shape}", per_call(lambda: solver.solve(b)), per_call(lambda: spla.cg(A, b, rtol=RTOL)),
            solver.solve(b)[1].iterations, len(counted), "scipy.sparse.linalg.cg")

    A = Laplacian((256, 256)).to_sparse()
    b = rhs(A.shape[0])
    solver = make_solver(A, "amg", rtol=RTOL)
    ml = solver._hierarchy   # the same hierarchy for both
    residuals: list[float] = []
    ml.solve(b, tol=RTOL, accel="cg", residuals=residuals)
    row("amg (256, 256)", per_call(lambda: solver.solve(b)), per_call(lambda: ml.solve(b, tol=RTOL, accel="cg")),
        solver.solve(b)[1].iterations, len(residuals) - 1, "pyamg ml.solve(accel='cg'), same hierarchy")
    fresh = pyamg.smoothed_aggregation_solver(A)
    residuals = []
    fresh.solve(b, tol=RTOL, accel="cg", residuals=residuals)
    row("amg (256, 256), own hierarchy", per_call(lambda: solver.solve(b)),
        per_call(lambda: fresh.solve(b, tol=RTOL, accel="cg")), solver.solve(b)[1].iterations, len(residuals) - 1,
        "pyamg defaults (keep=False)")

    for shape in ((256, 256), (32, 32, 32), (64, 64, 64)):
        A = Laplacian(shape).to_sparse()
        b = rhs(A.shape[0])
        plain = make_solver(A, "cg", rtol=RTOL)
        for method in ("pcg-ic0", "pcg-mic0"):
            ic = make_solver(A, method, rtol=RTOL)
            ours, theirs, cpu_ratio = interleaved(lambda: ic.solve(b), lambda: plain.solve(b))
            row(f"{method} {shape}", ours, theirs, ic.solve(b)[1].iterations, plain.solve(b)[1].iterations,
                f"make_solver 'cg' (CPU-time ratio {cpu_ratio:.2f})")

    A = Laplacian((128, 128)).to_sparse()
    b = rhs(A.shape[0])
    solver = make_solver(A, "cg", rtol=RTOL)
    exact, _ = make_solver(A, "direct", rtol=1e-12).solve(b)
    overhead = per_call(lambda: solver.solve(b, x0=exact), 50)
    full = per_call(lambda: solver.solve(b))
    assert solver.solve(b, x0=exact)[1].iterations == 0
    print(f"\nper-call overhead of solve (x0 exact, 0 iterations, 128²): {1e3 * overhead:.3f} ms = "
          f"{100 * overhead / full:.2f} % of a 128² CG solve ({1e3 * full:.1f} ms)")
    setup = make_solver(A, "cg", rtol=RTOL).stats.setup_time
    print(f"set-up of 'cg' at 128² (symmetry and finiteness check, once): {1e3 * setup:.2f} ms")


if __name__ == "__main__":
    main()
