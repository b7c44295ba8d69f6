"""DCDM against CG, IC(0)-PCG and PyAMG-PCG on Poisson systems with obstacles (issue 7), one table.

Systems (open-top box: walls, zero pressure at the top; smooth Gaussian right-hand side of width
n/16 cells off the symmetry axes): 2D 64² empty box (the training geometry of ``poisson2d``) and
with a disc (unseen), the disc at 128²; 3D 32³ with a sphere; 3D 64³ with a sphere (``poisson3d``
was trained at 32³).  DCDM runs twice: the paper's iteration (``coarse_levels=0, n_orthogonal=2``)
and the defaults of :func:`solvers.dcdm` (coarse levels down to 8 cells per axis, 64 directions; 8 until 2026-12-05).
Every method stops on the same relative rule ``||b - A x|| <= tol ||b||``; the Krylov side runs in
float64, the networks in float32 on the CPU (``--device cuda`` with ``--backend cupy`` on
a GPU).  Times are solve times; set-up (IC(0) factorisation, AMG hierarchy) is reported apart.

Run ``.venv/bin/python benchmarks/bench_dcdm.py`` after ``benchmarks/train_dcdm.py``.
"""

from __future__ import annotations

import argparse
import time

import torch

from sciml.backend import to_backend
from solvers import amg, cg, dcdm, ic0, load_pretrained, pcg
from solvers.obstacles import box, box_with_ball, smooth_rhs

#: The paper's iteration: one network direction per step, A-orthogonalised against two.
PAPER = dict(coarse_levels=0, n_orthogonal=2)


def timed(function):
    start = time.perf_counter()
    out = function()
    return out, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="numpy", choices=("numpy", "cupy"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-64", action="store_true", help="leave out the 64³ system")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    models = {2: load_pretrained("poisson2d", device=args.device), 3: load_pretrained("poisson3d", device=args.device)}
    systems = [box((64, 64)), box_with_ball((64, 64)), box_with_ball((128, 128)), box_with_ball((32, 32, 32))]
    if not args.skip_64:
        systems.append(box_with_ball((64, 64, 64)))
    print("| system | method | iterations 1e-4 / 1e-6 | solve time 1e-6 (s) | set-up (s) | fallbacks |")
    print("|---|---|---|---|---|---|")
    counts = {}
    for geometry in systems:
        label = f"{geometry.name} {'x'.join(map(str, geometry.grid_shape))}"
        A = geometry.operator(backend=args.backend)
        b = smooth_rhs(geometry, backend=args.backend).reshape(-1)
        S = A.to_sparse()
        host = geometry.operator().to_sparse()
        ic, ic_setup = timed(lambda: ic0(S))
        multigrid, amg_setup = (timed(lambda: amg(host)) if args.backend == "numpy" else (None, 0.0))
        methods = {
            "CG": (lambda tol: cg(S, b, rtol=tol, maxiter=5000), 0.0),  # every method starts from x0 = 0
            "IC(0)-PCG": (lambda tol: pcg(S, b, M=ic, rtol=tol, maxiter=5000), ic_setup),
            "DCDM (paper)": (lambda tol: dcdm(A, b, model=models[A.ndim], grid_shape=geometry.grid_shape, rtol=tol,
                                              maxiter=1000, **PAPER), 0.0),
            "DCDM": (lambda tol: dcdm(A, b, model=models[A.ndim], grid_shape=geometry.grid_shape, rtol=tol,
                                      maxiter=1000), 0.0),
        }
        if multigrid is not None:
            methods["PyAMG-SA-PCG"] = (lambda tol: pcg(host, to_backend(b, "numpy"), M=multigrid, rtol=tol), amg_setup)
        for name, (solve, setup) in methods.items():
            (_, fine), seconds = timed(lambda: solve(1e-6))
            # the 1e-4 count from the same run (x0 = 0, so residuals[0] = ||b||)
            coarse = next(k for k, r in enumerate(fine.residuals) if r <= 1e-4 * fine.residuals[0])
            counts[(label, name)] = (coarse, fine.iterations)
            fallbacks = getattr(fine, "fallbacks", "")
            print(f"| {label} | {name} | {coarse} / {fine.iterations} | {seconds:.3f} | {setup:.2f} | "
                  f"{fallbacks} |", flush=True)
    pairs = [("disc 64x64", "disc 128x128")] + ([] if args.skip_64 else [("sphere 32x32x32", "sphere 64x64x64")])
    for small_label, large_label in pairs:
        for name in ("CG", "IC(0)-PCG", "DCDM (paper)", "DCDM"):
            small, large = counts[(small_label, name)], counts[(large_label, name)]
            print(f"- {name}: iterations grow {large[0] / small[0]:.2f}x (1e-4) / {large[1] / small[1]:.2f}x (1e-6) "
                  f"from {small_label} to {large_label}")
    print("\nTargets: 2D 64² <= 40 / 60 (1e-4 / 1e-6) on the training box and the unseen disc; 3D 32³ <= 40 to "
          "1e-6; DCDM growth 32³ -> 64³ <= 1.5x.")


if __name__ == "__main__":
    main()
