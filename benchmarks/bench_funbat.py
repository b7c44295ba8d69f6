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


def calibration_data():
    """2,000 training and 5,000 test entries of a separable function with noise σ = 0.1."""
    rng = np.random.default_rng(5)

    def data(n):
        x = rng.uniform(0, 1, (n, 2))
        f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
        return x, f + 0.1 * rng.standard_normal(n)

    return (*data(2000), *data(5000))


def calibration():
    print("\n### Calibration (synthetic separable data, known noise σ = 0.1)\n")
    x, y, xt, yt = calibration_data()
    for label, kwargs in (("CP rank 1", dict(rank=1, core="cp")), ("Tucker rank 2", dict(rank=2))):
        model = FunBaT(kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=50, seed=0, **kwargs).fit(x, y)
        mean, std = model.predict(xt, return_std=True)
        coverage = np.mean(np.abs(yt - mean) <= 1.96 * std)
        print(f"- {label}: {100 * coverage:.1f} % of 5000 test targets inside mean ± 1.96 std "
              f"(estimated noise σ {model.history_['noise_std'][-1]:.3f})")


# -- issue 20: defaults only -------------------------------------------------------------
HAND = dict(rank=2, kernel="matern12", lengthscale=0.1, variance=1.0, n_iter=100)


def _fit(options, x, y, xt, yt, *, calibrate=False):
    """Fit, time, score; with ``calibrate`` also the held-out variance factor of ``calibrate=True``,
    timed apart (the same call ``fit`` makes), so one fit gives both coverages."""
    from tensor_formats.funbat.calibration import variance_scale

    start = time.perf_counter()
    model = FunBaT(**options).fit(x, y)
    elapsed = time.perf_counter() - start
    mean, std = model.predict(xt, return_std=True)
    out = {"rmse": scores(mean, yt)[0], "time": elapsed, "cov_raw": float(np.mean(np.abs(yt - mean) <= 1.96 * std)),
           "ranks": model.ranks_, "hyper": [(h["kernel"][-2:], round(h["lengthscale"], 4), round(h["variance"], 3))
                                            for h in model.hyperparameters_]}
    out["cov"], out["scale"], out["cal_time"] = out["cov_raw"], 1.0, 0.0
    if calibrate:
        start = time.perf_counter()
        factor = variance_scale(model, x, y, fraction=0.2)
        out["cal_time"] = time.perf_counter() - start
        out["cov"] = float(np.mean(np.abs(yt - mean) <= 1.96 * std * np.sqrt(factor)))
        out["scale"] = factor
    return out


def _row(label, a):
    return (f"| {label} | {a['rmse']:.4f} | {a['cov_raw']:.3f} | {a['cov']:.3f} | {a['scale']:.3f} | {a['time']:.1f} s "
            f"(+ {a['cal_time']:.1f} s) | {a['ranks']} | {a['hyper']} |")


_HEAD = ("| run | RMSE | 95 % coverage, model alone | with `calibrate=True` | variance factor | fit time "
         "(+ calibration) | ranks | kernel, ℓ, σ² per mode |\n|---|---|---|---|---|---|---|---|")


def defaults_fold0(seeds):
    """Part A: fold 0, the hand-configured fit and the default fit over seeds, side by side."""
    print("\n### Issue 20 (A): Beijing PM2.5 fold 0, defaults over seeds, beside the hand-configured fit\n")
    print(_HEAD, flush=True)
    x, y, xt, yt, *_ = beijing_fold(0)
    hand = [_fit(dict(HAND, seed=0), x, y, xt, yt)]
    print(_row("hand-configured (rank 2, Matérn-1/2, ℓ = 0.1, σ² = 1), seed 0", hand[0]), flush=True)
    auto = []
    for seed in seeds:
        auto.append(_fit(dict(seed=seed), x, y, xt, yt, calibrate=True))
        print(_row(f"default, seed {seed}", auto[-1]), flush=True)
    r = np.array([a["rmse"] for a in auto])
    print(f"\n- default: RMSE {r.mean():.4f} (min {r.min():.4f}, max {r.max():.4f}), spread (max - min) / mean "
          f"{100 * (r.max() - r.min()) / r.mean():.1f} % over {len(r)} seeds (target <= 2 %)")
    ratio = np.median([a["time"] for a in auto]) / hand[0]["time"]
    print(f"- time of the default fit / the hand-configured fit, same run: {ratio:.2f}x (median over seeds; "
          "target <= 5x)", flush=True)
    for seed in seeds[1:]:
        hand.append(_fit(dict(HAND, seed=seed), x, y, xt, yt))
        print(f"- hand-configured, seed {seed}: RMSE {hand[-1]['rmse']:.4f}, {hand[-1]['time']:.1f} s", flush=True)
    h = np.array([a["rmse"] for a in hand])
    print(f"- hand-configured: spread {100 * (h.max() - h.min()) / h.mean():.1f} % over {len(h)} seeds", flush=True)


def defaults_folds(folds):
    """Part B: the default fit on every other fold, seed 0."""
    print("\n### Issue 20 (B): Beijing PM2.5, defaults on the other folds, seed 0\n")
    print(_HEAD, flush=True)
    for k in folds:
        x, y, xt, yt, *_ = beijing_fold(k)
        print(_row(f"fold {k}", _fit(dict(seed=0), x, y, xt, yt, calibrate=True)), flush=True)


def defaults_cp():
    x, y, xt, yt, *_ = beijing_fold(0)
    a = _fit(dict(rank=3, core="cp", seed=0), x, y, xt, yt)
    print("\n### Issue 20 (C): CP and synthetic data\n")
    print(f"- CP rank 3, automatic hyperparameters, fold 0: RMSE {a['rmse']:.4f} (target <= 0.37), "
          f"coverage {a['cov']:.3f}, {a['time']:.1f} s, {a['hyper']}", flush=True)


def defaults_synthetic():
    """Coverage with known noise, the default fit (issue 20)."""
    x, y, xt, yt = calibration_data()
    a = _fit(dict(seed=0), x, y, xt, yt, calibrate=True)
    print(f"- synthetic separable data, noise σ = 0.1 known, 2,000 / 5,000 entries, defaults: 95 % coverage "
          f"{100 * a['cov_raw']:.1f} % (target 94-96 %), with calibrate=True {100 * a['cov']:.1f} %; RMSE "
          f"{a['rmse']:.4f}, ranks {a['ranks']}, {a['hyper']}, {a['time']:.1f} s", flush=True)


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
    for n in (1_000, 10_000):
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
    parser.add_argument("--part", choices=["A", "B", "C"], help="one part of --issue20")
    args = parser.parse_args()
    if args.issue20:  # three parts that can run side by side: --part A, B, C
        import warnings

        from tensor_formats.funbat import ExtrapolationWarning

        warnings.simplefilter("ignore", ExtrapolationWarning)  # test coordinates just outside a fold's range
        if args.part in (None, "A"):
            defaults_fold0(list(range(args.seeds)))
        if args.part in (None, "B"):
            defaults_folds([1, 2, 3, 4])
        if args.part in (None, "C"):
            defaults_cp()
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
