"""numpy (host) against cupy / torch CUDA (GPU), side by side in one run (issue 22).

Sections (``--sections``, comma-separated, in the order given):

* ``cg`` — :func:`solvers.cg` on :class:`solvers.Laplacian` (CSR and matrix-free) at 2D 512² and
  2048², time per iteration at a fixed iteration count (rtol too small to be reached), numpy
  against cupy; scipy's and cupyx's ``cg`` on the same CSR matrix for reference.
* ``ct`` — :meth:`ChebyshevTucker.from_function` at degree 256 per mode (257³ samples, DCT,
  HOSVD) and evaluation at 10^6 scattered points, ``backend="numpy"`` against ``"cupy"``.
* ``dcdm`` — :func:`solvers.dcdm` (network in torch CUDA, Krylov side in cupy) at 2D 512² and 3D
  128³ (``box_with_ball``, smooth right-hand side, rtol 1e-6) against :func:`solvers.cg` on cupy,
  cupyx's ``cg``, IC(0)-PCG (2D) and PyAMG smoothed-aggregation PCG — the AMG runs on the *host
  CPU* (there is no GPU AMG in the image), which the output says.
* ``funbat`` — FunBaT time per sweep (3 modes, Tucker rank 2, continuous coordinates) at N = 10^3,
  10^4, 10^5, numpy against cupy.  The cupy run is first timed at small N and only run at a larger
  N when its projection (linear in N) fits ``--funbat-gpu-budget`` seconds; a skipped size shows
  its projection, marked as such.
* ``fno`` — Darcy data generation (numpy; 100 samples numpy vs cupy) and one epoch of the dense
  FNO (``MGTFNO(levels=0, factorization="dense")``, width 32, 12 modes, 1000 samples at 64², batch
  20) on CUDA against the same steps on the host CPU (a few steps, projected to an epoch).
* ``ns`` — a Navier–Stokes data-generation batch (100 vorticity fields at 64², ν = 1e-3, FNO
  forcing): the same batch for a fixed number of steps, numpy against cupy, and the whole batch
  (``sciml.data.navier_stokes``, t = 0..20) on cupy.

Timings are the median of ``--repeat`` runs after a warm-up; cupy timings are synchronised.
Every section appends its rows to ``OUT/gpu_figures.json`` and rewrites ``OUT/gpu_figures.md``
(so figures survive a later time-out).  ``--quick`` shrinks every size so that the script runs on
a 2-core machine without a GPU in a few minutes; cupy / CUDA parts then print a
"cupy unavailable" / "CUDA unavailable" line and are skipped.

Run ``python benchmarks/bench_gpu.py --out DIR [--quick] [--sections cg,ct]``;
``benchmarks/gpu_session.sh`` runs it on the lent GPU machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
import traceback
from pathlib import Path

import numpy as np

from sciml.backend import to_backend, to_numpy

SECTIONS = ("cg", "ct", "dcdm", "funbat", "fno", "ns")


# -- environment ----------------------------------------------------------------------------------
def _cupy():
    """The cupy module if it imports and sees a GPU, else None (with the reason printed once)."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
        return cupy
    except Exception as exc:  # ImportError, CUDARuntimeError, ...
        if not getattr(_cupy, "said", False):
            print(f"cupy unavailable: {type(exc).__name__}: {exc} — cupy rows are skipped", flush=True)
            _cupy.said = True
        return None


def _torch_cuda():
    import torch

    if torch.cuda.is_available():
        return True
    if not getattr(_torch_cuda, "said", False):
        print("CUDA unavailable in torch — CUDA rows are skipped (host CPU rows only)", flush=True)
        _torch_cuda.said = True
    return False


def gpu_name() -> str:
    cp = _cupy()
    if cp is not None:
        name = cp.cuda.runtime.getDeviceProperties(0)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:
        pass
    return "no GPU"


def host_name() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('num_threads')} threads" for i in threadpool_info()
                         if i.get("user_api") == "blas")
    except Exception:
        blas = "?"
    return f"host CPU, {os.cpu_count()} cores ({platform.machine()}; BLAS: {blas})"


def backends() -> list[str]:
    return ["numpy"] + (["cupy"] if _cupy() is not None else [])


DEVICE = {}


def device_of(backend: str) -> str:
    """The device label of a row: the host CPU for numpy, the GPU's name for cupy / cuda."""
    if backend in ("numpy", "cpu", "scipy", "pyamg"):
        return f"{backend} (host CPU)"
    return f"{backend} ({DEVICE.get('gpu', 'GPU')})"


# -- timing ---------------------------------------------------------------------------------------
def sync(backend: str) -> None:
    if backend in ("cupy", "cupyx"):
        _cupy().cuda.Device().synchronize()
    elif backend in ("cuda", "torch-cuda"):
        import torch

        torch.cuda.synchronize()


def measure(fn, backend: str, *, repeat: int = 3, warmup: int = 1):
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` runs (synchronised)."""
    out = None
    for _ in range(warmup):
        out = fn()
        sync(backend)
    times = []
    for _ in range(repeat):
        sync(backend)
        start = time.perf_counter()
        out = fn()
        sync(backend)
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


class Stamps:
    """A solver callback recording a time stamp after every iteration."""

    def __init__(self):
        self.times = [time.perf_counter()]

    def __call__(self, _x):
        self.times.append(time.perf_counter())

    def per_iteration(self) -> float:
        gaps = np.diff(self.times[1:])  # from the end of iteration 1 on (iteration 1 carries the set-up)
        return float(np.median(gaps)) if gaps.size else float("nan")


# -- figures --------------------------------------------------------------------------------------
class Figures:
    def __init__(self, out: Path):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.json = out / "gpu_figures.json"
        self.data = json.loads(self.json.read_text()) if self.json.exists() else {"rows": [], "notes": {}}

    def add(self, section, case, size, device, iterations, seconds, ratio=None, note=""):
        row = dict(section=section, case=case, size=size, device=device, iterations=iterations,
                   seconds=None if seconds is None else float(seconds),
                   ratio=None if ratio is None or not math.isfinite(ratio) else float(ratio), note=note)
        self.data["rows"] = [r for r in self.data["rows"] if not (r["section"] == section and r["case"] == case
                                                                   and r["size"] == size and r["device"] == device)]
        self.data["rows"].append(row)
        shown = "-" if seconds is None else f"{seconds:.4g} s"
        ratio_shown = "" if row["ratio"] is None else f"{row['ratio']:.3g}"
        print(f"  {section} | {case} | {size} | {device} | {iterations} | {shown} | {ratio_shown} | {note}",
              flush=True)

    def note(self, section, text):
        self.data["notes"][section] = text

    def headline(self, key, text):
        self.data.setdefault("headline", {})[key] = text
        print(f"** {text}", flush=True)

    def write(self):
        self.data["environment"] = DEVICE
        self.json.write_text(json.dumps(self.data, indent=1))
        lines = ["# GPU figures (benchmarks/bench_gpu.py)", "",
                 f"GPU: {DEVICE.get('gpu')}; host: {DEVICE.get('host')}; {DEVICE.get('versions')}", ""]
        if self.data.get("headline"):
            lines += ["## Headline", ""] + [f"- {t}" for t in self.data["headline"].values()] + [""]
        for section in dict.fromkeys(r["section"] for r in self.data["rows"]):
            lines += [f"## {section}", ""]
            if section in self.data["notes"]:
                lines += [self.data["notes"][section], ""]
            lines += ["| case | size | device | iterations | seconds | ratio | note |", "|---|---|---|---|---|---|---|"]
            for r in self.data["rows"]:
                if r["section"] != section:
                    continue
                seconds = "-" if r["seconds"] is None else f"{r['seconds']:.4g}"
                ratio = "" if r["ratio"] is None else f"{r['ratio']:.3g}"
                it = "" if r["iterations"] is None else r["iterations"]
                lines.append(f"| {r['case']} | {r['size']} | {r['device']} | {it} | {seconds} | {ratio} | {r['note']} |")
            lines.append("")
        (self.out / "gpu_figures.md").write_text("\n".join(lines))


# -- 1. CG ----------------------------------------------------------------------------------------
def section_cg(fig: Figures, quick: bool, repeat: int):
    from solvers import Laplacian, cg

    fig.note("cg", "Time per iteration = median gap between solver callbacks (iteration 1 excluded) at a fixed "
                   "iteration count (rtol 1e-14 is not reached); ratio = numpy time / this time (speed-up); "
                   "for the cupyx/scipy rows: total time / iterations.")
    sizes = (64, 128) if quick else (512, 2048)
    for n in sizes:
        size = f"2D {n}x{n}"
        L = Laplacian((n, n))
        host_b = np.ones(n * n)
        iters = {"numpy": 20 if quick else (100 if n <= 512 else 30), "cupy": 200}
        reference, gpu = {}, {}
        for backend in backends():
            b = to_backend(host_b, backend)
            start = time.perf_counter()
            S = L.to_sparse(backend=backend)
            sync(backend)
            assembly = time.perf_counter() - start
            for case, A in (("solvers.cg, CSR", S), ("solvers.cg, matrix-free", L)):
                if backend != "numpy":
                    cg(A, b, rtol=1e-14, maxiter=3)  # warm-up (kernels, symmetry check)
                runs = []
                for _ in range(1 if backend == "numpy" else repeat):
                    stamps = Stamps()
                    _, info = cg(A, b, rtol=1e-14, maxiter=iters[backend], callback=stamps)
                    sync(backend)
                    runs.append(stamps.per_iteration())
                t = statistics.median(runs)
                if backend == "numpy":
                    reference[case] = t
                else:
                    gpu[case] = t
                fig.add("cg", case, size, device_of(backend), info.iterations, t,
                        reference.get(case, float("nan")) / t,
                        "s per iteration" + (f"; CSR assembly {assembly:.3g} s" if "CSR" in case else ""))
            # library CG on the same CSR matrix: scipy on the host, cupyx on the GPU
            if backend == "numpy":
                import scipy.sparse.linalg as spla

                lib, name = spla.cg, "scipy cg, CSR"
            else:
                import cupyx.scipy.sparse.linalg as spla

                lib, name = spla.cg, "cupyx cg, CSR"
            count = iters[backend]
            kwargs = dict(maxiter=count, atol=0.0)
            import inspect

            kwargs["rtol" if "rtol" in inspect.signature(lib).parameters else "tol"] = 1e-14
            t, _ = measure(lambda: lib(S, b, **kwargs), backend, repeat=1 if backend == "numpy" else repeat)
            if backend == "numpy":
                reference[name] = t / count
            fig.add("cg", name, size, device_of(backend), count, t / count,
                    reference.get("scipy cg, CSR", float("nan")) / (t / count),
                    "s per iteration (total / iterations); ratio against scipy on the host")
        fig.write()
        if gpu and n == sizes[-1]:
            fig.headline("cg", f"CG 2D {n}², numpy -> cupy speed-up per iteration: CSR "
                               f"{reference['solvers.cg, CSR'] / gpu['solvers.cg, CSR']:.1f}x, matrix-free "
                               f"{reference['solvers.cg, matrix-free'] / gpu['solvers.cg, matrix-free']:.1f}x "
                               "(goal >= 20x)")


# -- 2. Chebyshev–Tucker --------------------------------------------------------------------------
def runge3(x, y, z):
    """A Runge-type function, resolved to about 1e-12 only near degree 256 per mode."""
    return 1.0 / (1.0 + 80.0 * (x * x + y * y + z * z))


def section_ct(fig: Figures, quick: bool, repeat: int):
    from tensor_formats import ChebyshevTucker

    degree = 64 if quick else 256
    n_points = 10**5 if quick else 10**6
    cube = [(-1.0, 1.0)] * 3
    fig.note("ct", f"ChebyshevTucker.from_function(1/(1 + 80|x|²), degree={degree} fixed: {degree + 1}³ samples, "
                   "DCT per mode, ε-HOSVD at tol 1e-10), and evaluation at scattered points in [-1, 1]³; "
                   "ratio = numpy time / this time.")
    rng = np.random.default_rng(0)
    host_points = rng.uniform(-1.0, 1.0, (n_points, 3))
    reference = {}
    for backend in backends():
        # warm-up at a small degree (kernels, FFT plans), then the timed builds at full degree
        ChebyshevTucker.from_function(runge3, cube, degree=16, tol=1e-10, backend=backend)
        t, ct = measure(lambda: ChebyshevTucker.from_function(runge3, cube, degree=degree, tol=1e-10, backend=backend),
                        backend, repeat=1 if backend == "numpy" else repeat, warmup=0 if backend == "numpy" else 1)
        reference.setdefault("build", t)
        fig.add("ct", "build (from_function)", f"degree {ct.degrees}, ranks {ct.ranks}", device_of(backend), None, t,
                reference["build"] / t, f"{(degree + 1) ** 3 / 1e6:.1f} M samples")
        points = to_backend(host_points, backend)
        t_eval, values = measure(lambda: ct(points), backend, repeat=1 if backend == "numpy" else repeat,
                                 warmup=0 if backend == "numpy" else 1)
        reference.setdefault("eval", t_eval)
        exact = runge3(*host_points.T)
        error = float(np.max(np.abs(to_numpy(values) - exact)) / np.max(np.abs(exact)))
        fig.add("ct", "evaluation", f"{n_points:.0e} points, ranks {ct.ranks}", device_of(backend), None, t_eval,
                reference["eval"] / t_eval, f"relative max error {error:.1e}")
        if backend == "cupy":
            fig.headline("ct", f"Chebyshev–Tucker build at degree {degree}, numpy -> cupy speed-up: "
                               f"{reference['build'] / t:.1f}x (goal >= 20x); evaluation at {n_points:.0e} points: "
                               f"{reference['eval'] / t_eval:.1f}x")
        fig.write()


# -- 3. FunBaT ------------------------------------------------------------------------------------
def funbat_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 3))
    y = np.sin(2 * np.pi * x[:, 0]) * np.cos(3 * x[:, 1]) * (1 + x[:, 2]) + 0.05 * rng.standard_normal(n)
    return x, y


def section_funbat(fig: Figures, quick: bool, repeat: int, gpu_budget: float):
    from tensor_formats import FunBaT

    sizes = (1_000, 3_000) if quick else (1_000, 10_000, 100_000)
    fig.note("funbat", "FunBaT(2, lengthscale=0.2) fit on synthetic data (3 modes, N distinct coordinates per mode); "
                       "time per sweep = fit time with n_iter sweeps / n_iter (set-up included); ratio = numpy / this. "
                       "A 'projected' row was not run: linear extrapolation from the largest N that was run.")
    reference = {}
    for backend in backends():
        per_entry = None
        for n in sizes:
            x, y = funbat_data(n)
            xb, yb = to_backend(x, backend), to_backend(y, backend)
            if backend == "cupy" and per_entry is not None and per_entry * n > gpu_budget:
                fig.add("funbat", "time per sweep", f"N = {n}", device_of(backend), None, per_entry * n,
                        reference.get(n, float("nan")) / (per_entry * n),
                        f"projected (not run: over the {gpu_budget:.0f} s budget of this section)")
                continue
            sweeps = 1 if n >= 100_000 else 2
            if backend == "cupy" and per_entry is None:
                FunBaT(2, kernel="matern32", lengthscale=0.2, variance=1.0, n_iter=1, seed=0).fit(to_backend(x[:200], backend), to_backend(y[:200], backend))
            t, _ = measure(lambda: FunBaT(2, kernel="matern32", lengthscale=0.2, variance=1.0, n_iter=sweeps, seed=0).fit(xb, yb), backend,
                           repeat=1, warmup=0)
            per_sweep = t / sweeps
            per_entry = per_sweep / n
            if backend == "numpy":
                reference[n] = per_sweep
            fig.add("funbat", "time per sweep", f"N = {n}", device_of(backend), sweeps, per_sweep,
                    reference.get(n, float("nan")) / per_sweep, "")
        fig.write()


# -- 4. DCDM --------------------------------------------------------------------------------------
def section_dcdm(fig: Figures, quick: bool, repeat: int):
    import torch

    from solvers import amg, cg, dcdm, ic0, load_pretrained, pcg
    from solvers.obstacles import box_with_ball, smooth_rhs

    backend = "cupy" if _cupy() is not None else "numpy"
    device = "cuda" if _torch_cuda() else "cpu"
    fig.note("dcdm", "Poisson with a solid ball (open-top box, smooth Gaussian right-hand side), every method to "
                     "||b - Ax|| <= 1e-6 ||b|| from x0 = 0; seconds = solve wall time (median); set-up apart in the "
                     "note; ratio = DCDM time / this time (> 1: DCDM slower).  DCDM: network in torch "
                     f"({device}), Krylov side on {backend}.  **PyAMG-SA-PCG runs on the host CPU** "
                     "(smoothed aggregation, one V-cycle per iteration): there is no GPU AMG in the image, so it "
                     "is the honest baseline available; IC(0)-PCG on the GPU in 2D only.")
    from solvers.deep_conjugate import PRETRAINED

    models = {2: load_pretrained("poisson2d", device=device), 3: load_pretrained("poisson3d", device=device)}
    geometry_models = {d: load_pretrained(f"geometry{d}d", device=device) for d in (2, 3) if f"geometry{d}d" in PRETRAINED}
    shapes = ((64, 64), (16, 16, 16)) if quick else ((512, 512), (128, 128, 128))
    for shape in shapes:
        geometry = box_with_ball(shape)
        size = f"{len(shape)}D {'x'.join(map(str, shape))}"
        host_A = geometry.operator().to_sparse()
        host_b = smooth_rhs(geometry).reshape(-1)
        A = geometry.operator(backend=backend)
        b = smooth_rhs(geometry, backend=backend).reshape(-1)
        S = A.to_sparse()
        model = models[len(shape)]

        def residual(x):
            x = to_numpy(x).reshape(-1)
            return float(np.linalg.norm(host_b - host_A @ x) / np.linalg.norm(host_b))

        rows = []
        t, (x, info) = measure(lambda: dcdm(A, b, model=model, grid_shape=shape, rtol=1e-6, maxiter=2000), backend,
                               repeat=repeat)
        if device == "cuda":
            torch.cuda.synchronize()
        t_dcdm = t
        rows.append(("DCDM (defaults: coarse levels auto, 64 directions)", f"{backend} + torch {device}", info.iterations,
                     t, f"fallbacks {info.fallbacks}; true residual {residual(x):.1e}"))
        if len(shape) in geometry_models:  # the geometry-conditioned model (issue 17); cell types read at set-up
            from solvers import make_solver

            solver = make_solver(A, "dcdm", model=geometry_models[len(shape)], rtol=1e-6, maxiter=2000)
            t, (x, info) = measure(lambda: solver.solve(b), backend, repeat=repeat)
            rows.append(("DCDM, geometry-conditioned model", f"{backend} + torch {device}", info.iterations, t,
                         f"fallbacks {info.fallbacks}; true residual {residual(x):.1e}"))
        t, (x, info) = measure(lambda: cg(S, b, rtol=1e-6, maxiter=50_000), backend, repeat=repeat)
        rows.append(("solvers.cg (CSR)", backend, info.iterations, t, f"true residual {residual(x):.1e}"))
        if backend == "cupy":
            import inspect

            import cupyx.scipy.sparse.linalg as cspla

            count = []
            kwargs = dict(maxiter=50_000, atol=0.0, callback=lambda _x: count.append(1))
            kwargs["rtol" if "rtol" in inspect.signature(cspla.cg).parameters else "tol"] = 1e-6

            def cupyx_cg():
                count.clear()
                return cspla.cg(S, b, **kwargs)

            t, (x, _) = measure(cupyx_cg, backend, repeat=repeat)
            rows.append(("cupyx cg (CSR)", "cupyx", len(count), t,
                         f"true residual {residual(x):.1e} (cupyx stops on its recursive residual)"))
        if len(shape) == 2:
            start = time.perf_counter()
            ic = ic0(S)
            sync(backend)
            setup = time.perf_counter() - start
            t, (x, info) = measure(lambda: pcg(S, b, M=ic, rtol=1e-6, maxiter=50_000), backend,
                                   repeat=max(1, repeat - 1))
            rows.append(("IC(0)-PCG", backend, info.iterations, t,
                         f"set-up {setup:.3g} s (factor on the host); true residual {residual(x):.1e}"))
        start = time.perf_counter()
        multigrid = amg(host_A)
        setup = time.perf_counter() - start
        t, (x, info) = measure(lambda: pcg(host_A, host_b, M=multigrid, rtol=1e-6, maxiter=5000), "numpy",
                               repeat=2, warmup=0)
        t_amg = t
        rows.append(("PyAMG-SA-PCG on the host CPU", "pyamg", info.iterations, t,
                     f"set-up {setup:.3g} s; true residual {residual(x):.1e}; host CPU, not GPU"))
        t_cg = next(seconds for name, _, _, seconds, _ in rows if name == "solvers.cg (CSR)")
        for name, dev, iterations, seconds, note in rows:
            fig.add("dcdm", name, size, device_of(dev), iterations, seconds, t_dcdm / seconds, note)
        fig.headline(f"dcdm {size}", f"DCDM {size} to 1e-6: {t_dcdm:.3g} s; against host PyAMG-SA-PCG "
                                     f"{t_amg:.3g} s (+{setup:.3g} s set-up): ratio DCDM/AMG {t_dcdm / t_amg:.2f} "
                                     f"(solve), {t_dcdm / (t_amg + setup):.2f} (with set-up); against solvers.cg on "
                                     f"{backend} {t_cg:.3g} s: {t_dcdm / t_cg:.2f}")
        fig.write()


# -- 5. FNO Darcy epoch ---------------------------------------------------------------------------
def section_fno(fig: Figures, quick: bool, repeat: int):
    import torch

    from sciml.data import darcy
    from sciml.operators import MGTFNO
    from sciml.train import fit

    n_train, n_test, res, batch = (100, 10, 32, 20) if quick else (1000, 100, 64, 20)
    fig.note("fno", f"Dense FNO (MGTFNO levels=0, factorization='dense', width 32, 12 modes, 4 layers), Darcy "
                    f"{res}², {n_train} training samples, batch {batch}, Adam, relative L2 loss.  Epoch time = the "
                    "second epoch of fit (the first carries cuDNN/cuFFT set-up); the host CPU row times a few steps "
                    "and projects to an epoch; ratio = host / this.  Data generation: FNO's thresholded Gaussian "
                    "coefficient, one sparse direct solve per sample (SuperLU on numpy, cuSOLVER on cupy).")
    start = time.perf_counter()
    data = darcy(n_train, n_test, res, seed=0, cache=False)
    t_data = time.perf_counter() - start
    fig.add("fno", "Darcy data generation", f"{n_train + n_test} x {res}²", device_of("numpy"), None, t_data, None,
            "spectral field, threshold, SuperLU per sample")
    small = 10 if quick else 100
    reference = None
    for backend in backends():
        t, _ = measure(lambda: darcy(small, 1, res, seed=1, cache=False, backend=backend), backend, repeat=1,
                       warmup=1 if backend == "cupy" else 0)
        reference = reference or t
        fig.add("fno", "Darcy data generation", f"{small + 1} x {res}²", device_of(backend), None, t, reference / t, "")
    fig.write()
    per_epoch = n_train // batch
    options = dict(batch_size=batch, lr=1e-3, weight_decay=1e-4, loss="relative_l2", eval_every=10**9,
                   progress=False)
    steps_cpu = 3 if quick else 5
    model = MGTFNO(12, 1, 1, 32, factorization="dense", seed=0)
    history = fit(model, data.train, steps=steps_cpu + 1, **options)
    t_cpu = (history.wall_time[-1] - history.wall_time[0]) / steps_cpu * per_epoch
    fig.add("fno", "FNO epoch (projected)", f"{n_train} x {res}², batch {batch}",
            f"torch cpu (host CPU, {torch.get_num_threads()} threads)", steps_cpu, t_cpu, 1.0,
            f"{steps_cpu} steps x {per_epoch / steps_cpu:.0f}")
    if _torch_cuda():
        model = MGTFNO(12, 1, 1, 32, factorization="dense", seed=0).to("cuda")
        history = fit(model, data.train, epochs=2, **options)
        torch.cuda.synchronize()
        t_gpu = history.wall_time[2 * per_epoch - 1] - history.wall_time[per_epoch - 1]
        first = history.wall_time[per_epoch - 1]
        fig.add("fno", "FNO epoch", f"{n_train} x {res}², batch {batch}", device_of("torch cuda"), per_epoch, t_gpu,
                t_cpu / t_gpu, f"first epoch {first:.3g} s; loss {history.loss[-1]:.3g}")
        fig.headline("fno", f"FNO Darcy epoch ({n_train} x {res}², batch {batch}) on CUDA: {t_gpu:.3g} s "
                            f"(host CPU projected {t_cpu:.3g} s); data generation {t_data:.3g} s on numpy")
    fig.write()


# -- 6. Navier–Stokes data batch ------------------------------------------------------------------
def section_ns(fig: Figures, quick: bool, repeat: int):
    from sciml.data import navier_stokes
    from sciml.data.random_fields import spectral_gaussian_field
    from solvers.pde import solve_navier_stokes_2d

    batch, res, steps = (10, 32, 20) if quick else (100, 64, 100)
    dt = 0.64 / res
    fig.note("ns", f"2D Navier–Stokes vorticity (ν = 1e-3, FNO forcing, pseudo-spectral), a batch of {batch} "
                   f"fields at {res}², dt = {dt:g}: the same batch for {steps} steps numpy vs cupy (ratio = numpy / "
                   "this), then the whole data-generation batch of sciml.data.navier_stokes (t = 0..20 in quick: "
                   "0..4; snapshots every 1.0 to the end) on cupy, with the numpy time projected from the per-step time.")
    reference = None
    for backend in backends():
        w0 = spectral_gaussian_field(batch, res, dim=2, alpha=2.5, tau=7.0, boundary="periodic", backend=backend,
                                     seed=0)
        run = lambda: solve_navier_stokes_2d(w0, nu=1e-3, t_final=steps * dt, dt=dt)  # noqa: E731
        t, _ = measure(run, backend, repeat=1 if backend == "numpy" else repeat,
                       warmup=1 if backend == "cupy" else 0)
        reference = reference or t
        fig.add("ns", f"{steps} steps", f"{batch} x {res}²", device_of(backend), steps, t, reference / t,
                f"{t / steps * 1e3:.3g} ms per step")
    fig.write()
    t_final = 4.0 if quick else 20.0
    total_steps = round(t_final / dt)
    if "cupy" in backends():
        t, _ = measure(lambda: navier_stokes(batch - batch // 10, batch // 10, res, t_final=t_final, n_input=2 if quick else 10,
                                             cache=False, backend="cupy", chunk=batch), "cupy", repeat=1, warmup=0)
        fig.add("ns", "data-generation batch (sciml.data.navier_stokes)", f"{batch} x {res}², t = 0..{t_final:g}",
                device_of("cupy"), total_steps, t, reference / steps * total_steps / t,
                f"numpy projected {reference / steps * total_steps:.3g} s")
        fig.headline("ns", f"Navier–Stokes data batch ({batch} x {res}², {total_steps} steps) on cupy: {t:.3g} s; "
                           f"numpy projected {reference / steps * total_steps:.3g} s")
    else:
        fig.add("ns", "data-generation batch (sciml.data.navier_stokes)", f"{batch} x {res}², t = 0..{t_final:g}",
                device_of("numpy"), total_steps, reference / steps * total_steps, 1.0, "projected from the steps above")
    fig.write()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.environ.get("OUT", "/tmp/gpu-session"))
    parser.add_argument("--sections", default="cg,ct,dcdm,funbat,fno,ns")
    parser.add_argument("--quick", action="store_true", help="small sizes (a CPU check of the plumbing)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--funbat-gpu-budget", type=float, default=20.0,
                        help="largest projected seconds for a cupy FunBaT run")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    import scipy
    import torch

    cp = _cupy()
    DEVICE.update(gpu=gpu_name(), host=host_name(),
                  versions=f"numpy {np.__version__}, scipy {scipy.__version__}, torch {torch.__version__}, "
                           f"cupy {cp.__version__ if cp is not None else 'unavailable'}")
    print(f"GPU: {DEVICE['gpu']}\nhost: {DEVICE['host']}\n{DEVICE['versions']}\nsections: {chosen}"
          f"{' (quick sizes)' if args.quick else ''}", flush=True)
    fig = Figures(Path(args.out))
    repeat = 1 if args.quick else args.repeat
    failed = []
    for name in chosen:
        print(f"\n== {name}", flush=True)
        start = time.perf_counter()
        try:
            if name == "funbat":
                section_funbat(fig, args.quick, repeat, args.funbat_gpu_budget)
            else:
                globals()[f"section_{name}"](fig, args.quick, repeat)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            fig.add(name, "ERROR", "-", "-", None, None, None, traceback.format_exc().strip().splitlines()[-1])
        print(f"== {name} done in {time.perf_counter() - start:.1f} s", flush=True)
        fig.write()
    print("\n" + (Path(args.out) / "gpu_figures.md").read_text())
    if failed:
        print(f"sections with errors: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
