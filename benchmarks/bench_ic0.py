"""Cost of one IC(0) application in CSR mat-vecs of the same matrix (issue 14, item 5).

Side by side in one run, per size: a CSR mat-vec ``A @ r``; one application of :func:`solvers.ic0`
as the solvers use it (level-ordered compiled sweeps, permutations included); the same factor by
natural-order compiled sweeps (PyAMG's Gauss–Seidel kernel, the level order's control); by SuperLU
on the factor (the fallback without PyAMG); and by ``scipy.sparse.linalg.spsolve_triangular``.
All give the same vector (checked).  Best of 5 repeats, one thread, by wall clock
(``perf_counter``) and by the process's CPU time (``process_time``: on a machine shared with other
jobs, the wall clock also counts the time the process waits for a core).  Run:
``OMP_NUM_THREADS=1 python benchmarks/bench_ic0.py`` (~1 min).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse.linalg as spla
from pyamg.amg_core import gauss_seidel

from solvers import Laplacian, ic0

CLOCKS = (time.perf_counter, time.process_time)


def best_time(f, repeat: int = 5, number: int = 10, clock=time.perf_counter) -> float:
    f()
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            f()
        best = min(best, (clock() - start) / number)
    return best


def main() -> None:
    print("| case | N | clock | mat-vec ms | levels | level-ordered sweeps | natural-order sweeps | SuperLU | "
          "spsolve_triangular |")
    print("|---|---|---|---|---|---|---|---|---|")
    for shape in ((128, 128), (256, 256), (32, 32, 32), (64, 64, 64)):
        A = Laplacian(shape).to_sparse()
        M = ic0(A)
        n = A.shape[0]
        r = np.random.default_rng(0).standard_normal(n)
        lower = M.factor.tocsr()
        upper = lower.T.tocsr()
        lu = spla.splu(lower.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0)

        def natural():
            y, z = np.empty(n), np.empty(n)
            gauss_seidel(lower.indptr, lower.indices, lower.data, y, r, 0, n, 1)
            gauss_seidel(upper.indptr, upper.indices, upper.data, z, M.pivots * y, n - 1, -1, -1)
            return z

        def superlu():
            return lu.solve(M.pivots * lu.solve(r), trans="T")

        def triangular():
            y = spla.spsolve_triangular(lower, r, lower=True)
            return spla.spsolve_triangular(upper, M.pivots * y, lower=False)

        reference = triangular()
        for f in (lambda: M.matvec(r), natural, superlu):
            assert np.allclose(f(), reference, rtol=1e-12, atol=1e-12)
        name = "x".join(map(str, shape))
        for clock in CLOCKS:
            t_mv = best_time(lambda: A @ r, clock=clock)
            ratios = [best_time(f, clock=clock) / t_mv for f in (lambda: M.matvec(r), natural, superlu)]
            ratios.append(best_time(triangular, repeat=2, number=2, clock=clock) / t_mv)
            print(f"| {name} | {n} | {clock.__name__} | {1e3 * t_mv:.3f} | {M.sweeps.split('(')[-1].rstrip(')')} | "
                  + " | ".join(f"{q:.1f}" for q in ratios) + " |", flush=True)


if __name__ == "__main__":
    main()
