"""TFNO and MG-TFNO on 2D Navier–Stokes (ν = 1e-3) from our own solver (issue 6), at a CPU size.

Vorticity at t = 1..10 (ten input channels) to the vorticity at ``t_final`` on the unit torus,
64², FNO forcing, initial field N(0, 7^1.5 (-Δ + 49)^-2.5).  The reduction against the FNO paper
(N = 1000, T = 50, predicting every step from 11 to 50) is stated in the output: fewer samples and
a single target time, so that data and training fit in minutes on 2 cores.  The periodic
problem needs no absolute-coordinate channels, so MG-TFNO runs with ``coordinates=False``.

Run with ``.venv/bin/python benchmarks/bench_mgtfno_navier_stokes.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sciml.data import navier_stokes
from sciml.operators import MGTFNO
from sciml.train import fit

CHECKPOINTS = Path(__file__).resolve().parent / ".checkpoints"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--n-test", type=int, default=50)
    parser.add_argument("--t-final", type=float, default=15.0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    data = navier_stokes(args.n_train, args.n_test, 64, nu=1e-3, n_input=10, t_final=args.t_final, seed=0)
    print(f"- data: {args.n_train} + {args.n_test} trajectories at 64² to t = {args.t_final:g} (dt = 1e-2) "
          f"in {time.perf_counter() - start:.0f} s (cached after the first run)")
    tag = f"{args.n_train}-{args.t_final:g}-{args.epochs}"
    models = {
        "FNO (dense)": MGTFNO(16, 10, 1, 32, factorization="dense", seed=0),
        "TFNO (Tucker, rank 0.05)": MGTFNO(16, 10, 1, 32, rank=0.05, seed=0),
        "MG-TFNO (levels 1, padding 1/16)": MGTFNO(16, 10, 1, 32, rank=0.05, levels=1, padding_fraction=1 / 16,
                                                 coordinates=False, seed=0),
    }
    rows = []
    for name, model in models.items():
        history = fit(model, data, epochs=args.epochs, batch_size=20, lr=1e-3, weight_decay=1e-4,
                      schedule=("cosine",), loss="relative_l2", eval_every=10**9, progress=False,
                      checkpoint=CHECKPOINTS / f"ns-{name.split()[0]}-{tag}.pt", checkpoint_every=500)
        error = history.test_error[-1]  # fit's final evaluation on data.test, relative L2
        rows.append((name, model.n_parameters, model.compression_ratio, model.input_compression(64), error,
                     history.wall_time[-1] / args.epochs))
        print(f"  done {name}: {error:.4f}", flush=True)
    print(f"\nNavier–Stokes ν = 1e-3, 64², ω(1..10) -> ω({args.t_final:g}), {args.n_train} / {args.n_test} samples, "
          f"{args.epochs} epochs\n")
    print("| model | parameters | compression vs FNO | input-domain compression | test relative L2 | s / epoch |")
    print("|---|---|---|---|---|---|")
    for name, params, ratio, domain, error, per_epoch in rows:
        print(f"| {name} | {params:,} | {ratio:.1f}x | {domain:.2f}x | {100 * error:.2f} % | {per_epoch:.1f} |")


if __name__ == "__main__":
    main()
