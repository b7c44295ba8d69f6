"""Cost of one IC(0) application in CSR mat-vecs of the same matrix (issue 14, item 5).

Side by side in one run: a CSR mat-vec ``A @ r``, one application of :func:`solvers.ic0` (SuperLU
triangular solves on the factor), and the ``spsolve_triangular`` solves it replaced.  Best of 5
repeats, one thread.  Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_ic0.py`` (~20 s).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse.linalg as spla

from solvers import Laplacian, ic0


def best_time(f, repeat: int = 5, number: int = 10) -> float:
    f()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            f()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main() -> None:
    print(f"{'case':>10} {'N':>8} {'matvec ms':>10} {'ic0 ms':>8} {'ic0/matvec':>11} {'old ms':>8} {'old/matvec':>11}")
    for shape in ((128, 128), (256, 256), (32, 32, 32), (64, 64, 64)):
        A = Laplacian(shape).to_sparse()
        M = ic0(A)
        r = np.random.default_rng(0).standard_normal(A.shape[0])
        upper = M.factor.T.tocsr()

        def old():
            y = spla.spsolve_triangular(M.factor, r, lower=True)
            return spla.spsolve_triangular(upper, M.pivots * y, lower=False)

        assert np.allclose(old(), M.matvec(r), rtol=1e-10, atol=1e-12)
        t_mv = best_time(lambda: A @ r)
        t_ic0 = best_time(lambda: M.matvec(r))
        t_old = best_time(old, repeat=2, number=2)
        name = "x".join(map(str, shape))
        print(f"{name:>10} {A.shape[0]:>8} {1e3 * t_mv:>10.3f} {1e3 * t_ic0:>8.3f} {t_ic0 / t_mv:>11.1f} "
              f"{1e3 * t_old:>8.2f} {t_old / t_mv:>11.1f}")


if __name__ == "__main__":
    main()
