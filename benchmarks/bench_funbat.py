"""FunBaT benchmarks (issue 4): the paper's synthetic set, Beijing PM2.5 (5 folds), a discrete
masked-Tucker baseline on binned coordinates, time per sweep against N and rank, memory at
ranks 5 and 7, and the calibration of the predictive intervals.

Data are read from ``../shared/data/funbat`` (override with ``FUNBAT_DATA``).  Run with
``.venv/bin/python benchmarks/bench_funbat.py [--quick]``; it prints Markdown for RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tensor_formats import FunBaT

DATA = Path(os.environ.get("FUNBAT_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "funbat"))


def scores(pred, y):
    return float(np.sqrt(np.mean((pred - y) ** 2))), float(np.mean(np.abs(pred - y)))


def beijing_fold(k):
    d = np.load(DATA / "beijing_pm25.npz", allow_pickle=False)
    nd = d["ndims"]

    def coords(bins):
        return (bins.astype(float) + 0.5) * 10.0 / nd

    return (coords(d[f"fold{k}_tr_bins"]), d[f"fold{k}_tr_y"], coords(d[f"fold{k}_te_bins"]), d[f"fold{k}_te_y"],
            d[f"fold{k}_tr_bins"], d[f"fold{k}_te_bins"], nd)


def synthetic():
    d = np.load(DATA / "synthetic_r1.npz", allow_pickle=False)
    x, y, xt, yt = d["train_coords"], d["train_y"], d["test_coords"], d["test_y"]
    print("### Synthetic set (675 / 675 entries, noise-free), Matérn-3/2, ℓ = 0.1, σ² = 0.5, 100 sweeps\n")
    print("| model | test RMSE | test MAE | fit time | target |\n|---|---|---|---|---|")
    for label, kwargs, target in (("FunBaT-CP, rank 1", dict(rank=1, core="cp"), "RMSE <= 0.0042, MAE <= 0.0025, < 10 s"),
                                  ("FunBaT (Tucker), rank 2", dict(rank=2), "well below CP"),
                                  ("FunBaT (Tucker), rank 3", dict(rank=3), "well below CP")):
        start = time.perf_counter()
        model = FunBaT(kernel="matern32", lengthscale=0.1, variance=0.5, n_iter=100, seed=0, **kwargs).fit(x, y)
        elapsed = time.perf_counter() - start
        rmse, mae = scores(model.predict(xt), yt)
        print(f"| {label} | {rmse:.2e} | {mae:.2e} | {elapsed:.2f} s | {target} |")


BEIJING = (("Tucker rank 2", dict(rank=2), "RMSE <= 0.348, MAE <= 0.224"),
           ("Tucker rank 3", dict(rank=3), "RMSE <= 0.350"),
           ("CP rank 3 (σ² = 5, 150 sweeps)", dict(rank=3, core="cp", variance=5.0, n_iter=150), "RMSE <= 0.397, MAE <= 0.215"))


def beijing(folds):
    print("\n### Beijing PM2.5, Matérn-1/2, ℓ = 0.1, σ² = 1, 100 sweeps (13,572 / 3,393 entries per fold)\n")
    print("| model | fold 0 RMSE | fold 0 MAE | RMSE over folds (mean ± std) | MAE over folds | time per fit | target (fold 0) |")
    print("|---|---|---|---|---|---|---|")
    for label, kwargs, target in BEIJING:
        options = dict(kernel="matern12", lengthscale=0.1, variance=1.0, n_iter=100, seed=0)
        options.update(kwargs)
        rm, ma, times = [], [], []
        for k in folds:
            x, y, xt, yt, *_ = beijing_fold(k)
            start = time.perf_counter()
            model = FunBaT(**options).fit(x, y)
            times.append(time.perf_counter() - start)
            r, m = scores(model.predict(xt), yt)
            rm.append(r)
            ma.append(m)
        print(f"| {label} | {rm[0]:.4f} | {ma[0]:.4f} | {np.mean(rm):.4f} ± {np.std(rm):.4f} | "
              f"{np.mean(ma):.4f} ± {np.std(ma):.4f} | {np.mean(times):.1f} s | {target} |")


def discrete_baseline():
    """Masked Tucker (tensorly, HOOI with a mask) on coordinates binned to a coarser grid."""
    import tensorly as tl
    from tensorly.decomposition import tucker

    x, y, xt, yt, bins, test_bins, nd = beijing_fold(0)
    print("\n### Discrete baseline on Beijing fold 0: tensorly masked Tucker on binned coordinates\n")
    print("| grid (bins per mode) | rank | test RMSE | test MAE |\n|---|---|---|---|")
    best = None
    for grid in ((25, 25, 60), (50, 50, 150), (100, 100, 365)):
        factor = np.asarray(grid) / nd
        idx = np.minimum((bins * factor).astype(int), np.asarray(grid) - 1)
        tidx = np.minimum((test_bins * factor).astype(int), np.asarray(grid) - 1)
        total = np.zeros(grid)
        count = np.zeros(grid)
        np.add.at(total, tuple(idx.T), y)
        np.add.at(count, tuple(idx.T), 1.0)
        mask = count > 0
        data = np.where(mask, total / np.maximum(count, 1), 0.0)
        for rank in (2, 3, 5):
            core, factors = tucker(tl.tensor(data), rank=[rank] * 3, mask=tl.tensor(mask.astype(float)),
                                   n_iter_max=100, init="svd", tol=1e-8, random_state=0)
            full = tl.tucker_to_tensor((core, factors))
            r, m = scores(full[tuple(tidx.T)], yt)
            best = r if best is None else min(best, r)
            print(f"| {grid} | {rank} | {r:.4f} | {m:.4f} |")
    print(f"\nBest discrete baseline RMSE: {best:.4f} (compare FunBaT Tucker rank 2 on fold 0 above).")


def scaling(quick):
    print("\n### Time per sweep against N (synthetic data, 3 modes, Tucker rank 2, continuous random coordinates)\n")
    print("| N | unique coordinates per mode | time per sweep |\n|---|---|---|")
    rng = np.random.default_rng(0)
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    for n in sizes:
        x = rng.uniform(0, 1, (n, 3))
        y = np.sin(2 * np.pi * x[:, 0]) * np.cos(3 * x[:, 1]) * (1 + x[:, 2]) + 0.05 * rng.standard_normal(n)
        start = time.perf_counter()
        FunBaT(2, lengthscale=0.2, n_iter=2, seed=0).fit(x, y)
        print(f"| {n} | {n} | {(time.perf_counter() - start) / 2:.2f} s |")
    print("\n### Time per sweep against rank (N = 10,000 entries on a 100 x 100 x 100 grid of coordinates)\n")
    print("| rank R | R^(2K) / 2^(2K) | time per sweep | ratio to R = 2 |\n|---|---|---|---|")
    x = rng.integers(0, 100, (10_000, 3)) / 100.0
    y = np.sin(2 * np.pi * x[:, 0]) * np.cos(3 * x[:, 1]) * (1 + x[:, 2])
    base = None
    for r in (2, 3, 5, 7):
        start = time.perf_counter()
        FunBaT(r, lengthscale=0.2, n_iter=2, seed=0).fit(x, y)
        t = (time.perf_counter() - start) / 2
        base = base or t
        print(f"| {r} | {(r / 2) ** 6:.0f} | {t:.2f} s | {t / base:.1f} |")


def memory():
    print("\n### Peak memory on Beijing fold 0 (fresh process, 3 sweeps)\n")
    print("| rank | peak resident memory |\n|---|---|")
    for r in (5, 7):
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r});"
                "import bench_funbat as b, resource; from tensor_formats import FunBaT;"
                f"x, y, *_ = b.beijing_fold(0); FunBaT({r}, kernel='matern12', n_iter=3, seed=0).fit(x, y);"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        print(f"| {r} | {int(out.split()[-1]) / 1024:.0f} MB |")


def calibration():
    print("\n### Calibration (synthetic separable data, known noise σ = 0.1)\n")
    rng = np.random.default_rng(5)

    def data(n):
        x = rng.uniform(0, 1, (n, 2))
        f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
        return x, f + 0.1 * rng.standard_normal(n)

    x, y = data(2000)
    xt, yt = data(5000)
    for label, kwargs in (("CP rank 1", dict(rank=1, core="cp")), ("Tucker rank 2", dict(rank=2))):
        model = FunBaT(kernel="matern32", lengthscale=0.3, n_iter=50, seed=0, **kwargs).fit(x, y)
        mean, std = model.predict(xt, return_std=True)
        coverage = np.mean(np.abs(yt - mean) <= 1.96 * std)
        print(f"- {label}: {100 * coverage:.1f} % of 5000 test targets inside mean ± 1.96 std "
              f"(estimated noise σ {model.history_['noise_std'][-1]:.3f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fold 0 only, N up to 10^4")
    args = parser.parse_args()
    synthetic()
    beijing([0] if args.quick else [0, 1, 2, 3, 4])
    discrete_baseline()
    scaling(args.quick)
    memory()
    calibration()


if __name__ == "__main__":
    main()
