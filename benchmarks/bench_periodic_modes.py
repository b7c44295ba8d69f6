"""Periodic modes against Chebyshev modes for functions periodic in x (issue 19, item 3).

For each test function the same box is built twice with adaptive full sampling: all modes
Chebyshev (``ChebyshevTucker.from_function``) and x periodic (``periodic=(True, False, False)``,
a Fourier basis on equispaced points).  Printed per function: the coefficients kept along x
(``degree + 1`` or ``2K + 1``), the degrees and ranks, the construction time, and the
max error at 2,000 random points; then the error of ∂/∂x and of the integral against analytic
values where known.  Run: ``python benchmarks/bench_periodic_modes.py``.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.special import i0

from tensor_formats import ChebyshevTucker

TWO_PI = 2.0 * math.pi
BOX = [(0.0, 1.0), (-1.0, 1.0), (0.0, 2.0)]

CASES = {
    "sin(2πx) e^y cos z": (lambda x, y, z: np.sin(TWO_PI * x) * np.exp(y) * np.cos(z),
                           lambda x, y, z: TWO_PI * np.cos(TWO_PI * x) * np.exp(y) * np.cos(z),
                           0.0),
    "exp(sin(2πx)) (1 + y z)": (lambda x, y, z: np.exp(np.sin(TWO_PI * x)) * (1 + y * z),
                                lambda x, y, z: TWO_PI * np.cos(TWO_PI * x) * np.exp(np.sin(TWO_PI * x)) * (1 + y * z),
                                i0(1.0) * 4.0),
    "z / (1.5 + cos(2πx + y))": (lambda x, y, z: z / (1.5 + np.cos(TWO_PI * x + y)),
                                           lambda x, y, z: z * TWO_PI * np.sin(TWO_PI * x + y)
                                           / (1.5 + np.cos(TWO_PI * x + y)) ** 2,
                                           2.0 * 2.0 / math.sqrt(1.5**2 - 1)),
}


def main() -> None:
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(a, b, 2000) for a, b in BOX])
    print("| f | basis in x | coefficients in x | degrees | ranks | build (s) | max error | ∂f/∂x max error "
          "| integral error |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (f, fx, exact) in CASES.items():
        for periodic in (False, True):
            start = time.perf_counter()
            g = ChebyshevTucker.from_function(f, BOX, tol=1e-12, periodic=(periodic, False, False))
            built = time.perf_counter() - start
            rows = g.factors[0].shape[0]
            err = np.max(np.abs(g(pts) - f(*pts.T)))
            derr = np.max(np.abs(g.diff(0)(pts) - fx(*pts.T)))
            ierr = abs(g.integral() - exact)
            print(f"| {name} | {'Fourier' if periodic else 'Chebyshev'} | {rows} | {g.degrees} | {g.ranks} | {built:.2f} "
                  f"| {err:.1e} | {derr:.1e} | {ierr:.1e} |")


if __name__ == "__main__":
    main()
