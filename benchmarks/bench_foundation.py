"""Foundation benchmarks: validation-report time, Poisson orders, Laplacian and CG throughput.

Run with ``.venv/bin/python benchmarks/bench_foundation.py``; it prints a Markdown block for
``benchmarks/RESULTS.md``.  Timings are compared as ratios measured side by side in one run
(the machines are shared), with the best of several repeats.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time

import numpy as np


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report_time() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "validation", "--out", out], check=True, capture_output=True)
        return time.perf_counter() - start


def poisson_orders() -> list[tuple[str, float, float]]:
    from validation.checks import default_registry

    registry = default_registry()
    rows = []
    for dim in (1, 2, 3):
        for kind in ("sine", "manufactured", "cosine"):
            outcome = registry.run(f"solvers-poisson-{dim}d-{kind}")
            rows.append((f"{dim}D {kind}", outcome.observed_order, outcome.error))
    return rows


def laplacian_throughput() -> list[tuple[str, float, float]]:
    from solvers import Laplacian

    rows = []
    for shape in ((512, 512), (64, 64, 64)):
        A = Laplacian(shape, bc="dirichlet")
        S = A.to_sparse()
        u = np.random.default_rng(0).standard_normal(A.size)
        t_free = best_of(lambda: A.matvec(u), 20)
        t_csr = best_of(lambda: S @ u, 20)
        rows.append(("x".join(map(str, shape)), t_free, t_csr))
    return rows


def cg_backends() -> list[tuple[str, float, int]]:
    from solvers import solve_poisson
    from validation import exact

    problem = exact.PoissonManufactured(2)
    rows = []
    for backend in ("numpy", "array_api_strict"):
        iterations = []

        def solve():
            res = solve_poisson(problem.source, 128, dim=2, boundary=problem.boundary, backend=backend, rtol=1e-10)
            iterations.append(res.info.iterations)

        rows.append((backend, best_of(solve, 3), iterations[-1]))
    return rows


def main() -> None:
    print(f"Machine: {platform.machine()}, {platform.python_version()}, numpy {np.__version__}\n")
    t_report = report_time()
    print(f"- `python -m validation` (all checks, plots): {t_report:.1f} s wall (target < 120 s)\n")
    print("| Poisson problem | observed order | finest relative L2 |\n|---|---|---|")
    for name, order, err in poisson_orders():
        print(f"| {name} | {order:.3f} | {err:.2e} |")
    print("\n| grid | matrix-free matvec | CSR matvec | ratio free/CSR |\n|---|---|---|---|")
    for name, t_free, t_csr in laplacian_throughput():
        print(f"| {name} | {t_free * 1e3:.2f} ms | {t_csr * 1e3:.2f} ms | {t_free / t_csr:.2f} |")
    rows = cg_backends()
    base = rows[0][1]
    print("\n| backend | CG solve 128² manufactured (rtol 1e-10) | iterations | ratio to numpy |\n|---|---|---|---|")
    for name, t, its in rows:
        print(f"| {name} | {t:.3f} s | {its} | {t / base:.2f} |")


if __name__ == "__main__":
    main()
