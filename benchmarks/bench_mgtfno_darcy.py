"""FNO vs TFNO vs MG-TFNO on Darcy flow from our own solver (issue 6), one table, one run.

Darcy 64² (thresholded Gaussian coefficient 12/3, f = 1), 1000 training and 100 test samples;
FNO width 32, 12 modes, 4 layers (the FNO paper's Darcy network); Adam 1e-3 with weight decay
1e-4, cosine schedule, batch 20, relative L2 loss.  Reports parameters, compression against the
dense FNO, the MG-TFNO input-domain compression, test relative L2 and seconds per epoch; then a
TFNO trained at 32² evaluated zero-shot at 64².  Also times the data generation.

Run with ``.venv/bin/python benchmarks/bench_mgtfno_darcy.py --epochs 50``; checkpoints under
``benchmarks/.checkpoints`` let an interrupted run resume.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sciml.data import darcy
from sciml.operators import MGTFNO
from sciml.train import fit, relative_l2_loss

CHECKPOINTS = Path(__file__).resolve().parent / ".checkpoints"


def test_error(model, data) -> float:
    with torch.no_grad():
        x = torch.as_tensor(data.inputs, dtype=torch.float32)
        y = torch.as_tensor(data.outputs, dtype=torch.float32)
        return float(relative_l2_loss(model(x), y))


def train(name, model, data, epochs, tag):
    """Train (or resume) and return the seconds per epoch and fit's final relative L2 on ``data.test``."""
    history = fit(model, data, epochs=epochs, batch_size=20, lr=1e-3, weight_decay=1e-4, schedule=("cosine",),
                  loss="relative_l2", eval_every=10**9, progress=False,
                  checkpoint=CHECKPOINTS / f"darcy-{name}-{tag}.pt", checkpoint_every=250)
    return history.wall_time[-1] / epochs, history.test_error[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=100)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-only", choices=("FNO", "TFNO", "MG-TFNO", "TFNO-coarse"), default=None,
                        help="train one model into its checkpoint and stop (to train models in parallel "
                             "processes); a later full run reads the finished checkpoints and prints the table")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = args.resolution

    if args.train_only is None:
        start = time.perf_counter()
        darcy(args.n_train, 0 + 1, n, seed=123, cache=False)
        print(f"- data generation: {args.n_train + 1} Darcy samples at {n}² in {time.perf_counter() - start:.1f} s "
              "(target: 1000 in < 60 s)")
    data = darcy(args.n_train, args.n_test, n, seed=0)
    tag = f"{n}-{args.n_train}-{args.epochs}"
    models = {
        "FNO (dense)": MGTFNO(12, 1, 1, 32, factorization="dense", seed=0),
        "TFNO (Tucker, rank 0.05)": MGTFNO(12, 1, 1, 32, rank=0.05, seed=0),
        "MG-TFNO (levels 1, padding 1/16)": MGTFNO(12, 1, 1, 32, rank=0.05, levels=1, padding_fraction=1 / 16, seed=0),
    }
    if args.train_only == "TFNO-coarse":
        train("TFNO-coarse", MGTFNO(12, 1, 1, 32, rank=0.05, seed=0), darcy(args.n_train, args.n_test, n // 2, seed=0),
              args.epochs, f"{n // 2}-{args.n_train}-{args.epochs}")
        return
    if args.train_only is not None:
        name = next(k for k in models if k.split()[0] == args.train_only)
        train(args.train_only, models[name], data, args.epochs, tag)
        return
    rows = []
    for name, model in models.items():
        per_epoch, error = train(name.split()[0], model, data, args.epochs, tag)
        rows.append((name, model.n_parameters, model.compression_ratio, model.input_compression(n), error, per_epoch))
        print(f"  done {name}: {rows[-1][4]:.4f}", flush=True)
    print(f"\nDarcy {n}², {args.n_train} / {args.n_test} samples, {args.epochs} epochs\n")
    print("| model | parameters | compression vs FNO | input-domain compression | test relative L2 | s / epoch |")
    print("|---|---|---|---|---|---|")
    for name, params, ratio, domain, error, per_epoch in rows:
        print(f"| {name} | {params:,} | {ratio:.1f}x | {domain:.2f}x | {100 * error:.2f} % | {per_epoch:.1f} |")
    dense, tucker = rows[0][4], rows[1][4]
    print(f"\n- TFNO / FNO error ratio {tucker / dense:.2f} (target <= 1.1), compression {rows[1][2]:.1f}x "
          "(target >= 10x); FNO error target <= 2 %")

    coarse = darcy(args.n_train, args.n_test, n // 2, seed=0)
    model = MGTFNO(12, 1, 1, 32, rank=0.05, seed=0)
    _, coarse_error = train("TFNO-coarse", model, coarse, args.epochs, f"{n // 2}-{args.n_train}-{args.epochs}")
    print(f"- zero-shot: TFNO trained at {n // 2}² — test relative L2 {100 * coarse_error:.2f} % at "
          f"{n // 2}², {100 * test_error(model, data.test):.2f} % at {n}² (unseen resolution)")


if __name__ == "__main__":
    main()
