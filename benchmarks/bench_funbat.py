"""FunBaT benchmarks (issue 4): the paper's synthetic set, Beijing PM2.5 (5 folds), a discrete
masked-Tucker baseline on binned coordinates, time per sweep against N and rank, memory at
ranks 5 and 7, and the calibration of the predictive intervals.  ``--issue20``: the default
(automatic) fit against the hand-configured one side by side, seeds, coverage per fold with
``calibrate=True``, CP, synthetic coverage, time per sweep against N, evidence vs held-out.

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
        FunBaT(2, kernel="matern32", lengthscale=0.2, variance=1.0, n_iter=2, seed=0).fit(x, y)
        print(f"| {n} | {n} | {(time.perf_counter() - start) / 2:.2f} s |")
    print("\n### Time per sweep against rank (N = 10,000 entries on a 100 x 100 x 100 grid of coordinates)\n")
    print("| rank R | R^(2K) / 2^(2K) | time per sweep | ratio to R = 2 |\n|---|---|---|---|")
    x = rng.integers(0, 100, (10_000, 3)) / 100.0
    y = np.sin(2 * np.pi * x[:, 0]) * np.cos(3 * x[:, 1]) * (1 + x[:, 2])
    base = None
    for r in (2, 3, 5, 7):
        start = time.perf_counter()
        FunBaT(r, kernel="matern32", lengthscale=0.2, variance=1.0, n_iter=2, seed=0).fit(x, y)
        t = (time.perf_counter() - start) / 2
        base = base or t
        print(f"| {r} | {(r / 2) ** 6:.0f} | {t:.2f} s | {t / base:.1f} |")


def memory():
    print("\n### Peak memory on Beijing fold 0 (fresh process, 3 sweeps)\n")
    print("| rank | peak resident memory |\n|---|---|")
    for r in (5, 7):
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r});"
                "import bench_funbat as b, resource; from tensor_formats import FunBaT;"
                f"x, y, *_ = b.beijing_fold(0); FunBaT({r}, kernel='matern12', lengthscale=0.1, variance=1.0, n_iter=3, seed=0).fit(x, y);"
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
        model = FunBaT(kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=50, seed=0, **kwargs).fit(x, y)
        mean, std = model.predict(xt, return_std=True)
        coverage = np.mean(np.abs(yt - mean) <= 1.96 * std)
        print(f"- {label}: {100 * coverage:.1f} % of 5000 test targets inside mean ± 1.96 std "
              f"(estimated noise σ {model.history_['noise_std'][-1]:.3f})")


# -- issue 20: defaults only -------------------------------------------------------------
HAND = dict(rank=2, kernel="matern12", lengthscale=0.1, variance=1.0, n_iter=100)


def _fit(options, x, y, xt, yt):
    start = time.perf_counter()
    model = FunBaT(**options).fit(x, y)
    elapsed = time.perf_counter() - start
    mean, std = model.predict(xt, return_std=True)
    raw = std / np.sqrt(model.variance_scale_)
    return {"rmse": scores(mean, yt)[0], "time": elapsed, "cov": float(np.mean(np.abs(yt - mean) <= 1.96 * std)),
            "cov_raw": float(np.mean(np.abs(yt - mean) <= 1.96 * raw)), "ranks": model.ranks_,
            "hyper": [(h["kernel"][-2:], round(h["lengthscale"], 4), round(h["variance"], 3))
                      for h in model.hyperparameters_], "scale": model.variance_scale_}


def defaults(seeds, folds):
    """The default fit against today's hand-configured one, side by side (issue 20)."""
    import warnings

    from tensor_formats.funbat import ExtrapolationWarning

    warnings.simplefilter("ignore", ExtrapolationWarning)
    print("\n### Issue 20: defaults only, Beijing PM2.5 fold 0, seeds side by side with the hand-configured fit\n")
    print("| seed | hand RMSE | hand time | default RMSE | default time | default 95 % coverage | ranks | kernel, ℓ, σ² per mode |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    x, y, xt, yt, *_ = beijing_fold(0)
    hand, auto = [], []
    for seed in seeds:
        hand.append(_fit(dict(HAND, seed=seed), x, y, xt, yt))
        auto.append(_fit(dict(seed=seed), x, y, xt, yt))
        h, a = hand[-1], auto[-1]
        print(f"| {seed} | {h['rmse']:.4f} | {h['time']:.1f} s | {a['rmse']:.4f} | {a['time']:.1f} s | {a['cov']:.3f} | "
              f"{a['ranks']} | {a['hyper']} |", flush=True)
    for label, runs in (("hand", hand), ("default", auto)):
        r = np.array([run["rmse"] for run in runs])
        print(f"\n- {label}: RMSE {r.mean():.4f}, spread (max - min) / mean {100 * (r.max() - r.min()) / r.mean():.1f} % "
              f"over {len(r)} seeds; median time {np.median([run['time'] for run in runs]):.1f} s", flush=True)
    ratio = np.median([a["time"] for a in auto]) / np.median([h["time"] for h in hand])
    print(f"- time of the automatic fit / hand-configured fit (medians, same run): {ratio:.2f}x (target <= 5x)", flush=True)

    print("\n### Issue 20: every fold, defaults with `calibrate=True`, seed 0\n")
    print("| fold | RMSE | 95 % coverage, model alone | 95 % coverage, calibrated | variance factor | fit time (with calibration) | ranks |")
    print("|---|---|---|---|---|---|---|", flush=True)
    rm = []
    for k in folds:
        x, y, xt, yt, *_ = beijing_fold(k)
        a = _fit(dict(seed=0, calibrate=True), x, y, xt, yt)
        rm.append(a["rmse"])
        print(f"| {k} | {a['rmse']:.4f} | {a['cov_raw']:.3f} | {a['cov']:.3f} | {a['scale']:.3f} | {a['time']:.1f} s | "
              f"{a['ranks']} |", flush=True)
    print(f"\n- RMSE over folds {np.mean(rm):.4f} ± {np.std(rm):.4f} (target: fold 0 <= 0.33, mean <= 0.35)", flush=True)
    x, y, xt, yt, *_ = beijing_fold(0)
    a = _fit(dict(rank=3, core="cp", seed=0), x, y, xt, yt)
    print(f"- CP rank 3, automatic hyperparameters, fold 0: RMSE {a['rmse']:.4f} (target <= 0.37), "
          f"coverage {a['cov']:.3f}, {a['time']:.1f} s, {a['hyper']}", flush=True)


def defaults_synthetic():
    """Coverage with known noise, the default fit (issue 20)."""
    rng = np.random.default_rng(5)

    def data(n):
        x = rng.uniform(0, 1, (n, 2))
        f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
        return x, f + 0.1 * rng.standard_normal(n)

    x, y = data(2000)
    xt, yt = data(5000)
    print("\n### Issue 20: synthetic separable data, known noise σ = 0.1, defaults (2,000 / 5,000 entries)\n")
    for label, options in (("default", dict(seed=0)), ("default, calibrate=True", dict(seed=0, calibrate=True))):
        a = _fit(options, x, y, xt, yt)
        print(f"- {label}: 95 % coverage {100 * a['cov']:.1f} % (target 94-96 %), RMSE {a['rmse']:.4f} "
              f"(noise 0.1), ranks {a['ranks']}, {a['hyper']}, {a['time']:.1f} s", flush=True)


def evidence_vs_holdout():
    """Which criterion picks the lengthscale reliably: the evidence (inside one fit) or a held-out split."""
    from tensor_formats import select_lengthscale

    x, y, xt, yt, *_ = beijing_fold(0)
    print("\n### Issue 20: evidence against a held-out split for the lengthscale, fold 0\n", flush=True)
    start = time.perf_counter()
    best, val = select_lengthscale(x, y, 2, [0.03, 0.1, 0.3, 1.0], kernel="matern12", n_iter=100)
    t = time.perf_counter() - start
    test = {ell: _fit(dict(HAND, lengthscale=ell, seed=0), x, y, xt, yt)["rmse"] for ell in val}
    print("| ℓ (Matérn-1/2, rank 2) | held-out RMSE (20 % of train) | test RMSE |\n|---|---|---|")
    for ell in val:
        print(f"| {ell} | {val[ell]:.4f} | {test[ell]:.4f} |")
    print(f"\n- held-out split picks ℓ = {best} in {t:.0f} s (4 fits)", flush=True)


def auto_scaling():
    print("\n### Issue 20: time per sweep of the default fit against N (3 modes, continuous coordinates)\n")
    print("| N | default fit time / sweeps run |\n|---|---|", flush=True)
    rng = np.random.default_rng(0)
    for n in (1_000, 10_000, 30_000):
        x = rng.uniform(0, 1, (n, 3))
        y = np.sin(2 * np.pi * x[:, 0]) * np.cos(3 * x[:, 1]) * (1 + x[:, 2]) + 0.05 * rng.standard_normal(n)
        start = time.perf_counter()
        FunBaT(n_iter=20, seed=0).fit(x, y)
        # 3 warm-ups of 5 sweeps + 15 more: 30 sweeps, with the selection steps included
        print(f"| {n} | {(time.perf_counter() - start) / 30:.3f} s |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fold 0 only, N up to 10^4")
    parser.add_argument("--issue20", action="store_true", help="only the figures of issue 20 (defaults only)")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    if args.issue20:
        defaults(range(args.seeds), [0] if args.quick else [0, 1, 2, 3, 4])
        defaults_synthetic()
        auto_scaling()
        evidence_vs_holdout()
        return
    synthetic()
    beijing([0] if args.quick else [0, 1, 2, 3, 4])
    discrete_baseline()
    scaling(args.quick)
    memory()
    calibration()


if __name__ == "__main__":
    main()
