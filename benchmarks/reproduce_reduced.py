"""Reduced reproduction of the benchmark figures of ``benchmarks/RESULTS.md`` (issue 13).

Runs, in one process, a reduced version of every benchmark family whose figures are in
``RESULTS.md`` through the public API and writes a JSON of the figures at full precision, so
that two code versions can be compared figure by figure (the architecture redesign of issue 13
must not change a number).  The script runs on the code before the redesign (commit 80918aa) as
well as after it: the few places where the API moved (model save/load, DCDM training, data-set
names) go through :data:`ADAPTERS`, which tries the new name first.

Reduced settings (each family a few seconds to a minute on 2 cores, one thread):

* ``foundation`` — the nine Poisson convergence checks of the report (the table's rows, full
  resolutions: they are cheap), CG on the 128² manufactured problem (rtol 1e-10) on numpy and
  array_api_strict, and fingerprints of the Laplacian (matrix-free and CSR) at 512² and 64³.
* ``chebyshev_tucker`` — the five integrals at tol 1e-14 (full rows); erf(5r)/r at degree 128,
  tol 1e-7 (ranks, 256² slice error) and the 256³ grid HOSVD ranks; particles N = 100, 200 only;
  evaluation at 10⁴ (not 10⁶) fixed points; the d = 4 Runge row.
* ``funbat`` — the synthetic set (full rows, 100 sweeps); Beijing fold 0 Tucker rank 2 at 100
  sweeps (full row), Tucker rank 3 and CP rank 3 at 10 sweeps; calibration at 20 sweeps.
* ``deeponet`` — antiderivative 1,000 / 10,000 triples, 300 full-batch steps (train loss and test
  MSE, save/load round trip); nonlinear ODE and pendulum 1,000 / 1,000, 200 steps; diffusion–
  reaction 100 / 20 functions, 200 steps; Burgers 100 / 20 functions, 200 steps.
* ``mgtfno`` — Darcy 32², 100 / 20 samples, FNO, TFNO, MG-TFNO, 2 epochs (test relative L2,
  parameters, compressions); Navier–Stokes 32², 10 / 4 trajectories to t = 12, TFNO 2 epochs.
* ``dcdm`` — iterations to 1e-4 / 1e-6 of CG, IC(0)-PCG, PyAMG-SA-PCG, DCDM (paper) and DCDM with
  the shipped models on the 2D 64² box, the 2D 64² disc and the 3D 32³ sphere (the exact table
  rows; numpy's global generator seeded before each ``amg``, since PyAMG draws its spectral-radius
  estimate's start vector from it); a 30-step DCDM training on a 16² box.

Every figure is stored with the format RESULTS.md prints it with, so ``--compare`` can say
whether two runs agree bit for bit, to the printed digits, or not at all.  Timings are not
recorded as figures.  Run (one thread so that floating point is reproducible)::

    OMP_NUM_THREADS=1 SCIML_CACHE_DIR=$(mktemp -d) .venv/bin/python benchmarks/reproduce_reduced.py --out new.json
    .venv/bin/python benchmarks/reproduce_reduced.py --compare old.json new.json [--grouped]

The figures of 80918aa (before the redesign) against 9b6631d (after) are in RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import inspect
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("FUNBAT_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "funbat"))
CUBE = [(-1.0, 1.0)] * 3


# -- adapters: the few names that differ between code versions ---------------------------
def _first(*candidates):
    """The first importable ``"module:attribute"`` of ``candidates`` (ImportError naming all if none)."""
    for candidate in candidates:
        module, _, attribute = candidate.partition(":")
        try:
            obj = importlib.import_module(module)
        except ImportError:
            continue
        for part in attribute.split(".") if attribute else ():
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    raise ImportError(f"none of {candidates} is available")


ADAPTERS = {
    # model files: sciml.models (after issue 13, safetensors) / sciml.train (before, torch files)
    "save": lambda: _first("sciml.models:save", "sciml.train:save"),
    "load": lambda: _first("sciml.models:load", "sciml.train:load"),
    "model_suffix": lambda: ".safetensors" if _has("sciml.models:save") else ".pt",
    # DCDM training: the subpackage (after) / the root module (before)
    "train_dcdm": lambda: _first("solvers.deep_conjugate.training:train_dcdm", "solvers.dcdm_training:train_dcdm"),
    # data sets: nouns ``*_dataset`` if such a renaming lands, the short names otherwise (renamed
    # keywords go through ``_keyword``: burgers' ``n`` -> ``resolution``; PDE results through ``_solution``)
    **{name: (lambda name=name: _first(f"sciml.data:{name}_dataset", f"sciml.data:{name}"))
       for name in ("antiderivative", "nonlinear_ode", "pendulum", "diffusion_reaction", "burgers", "darcy",
                    "navier_stokes")},
}


def _keyword(function, *names: str) -> str:
    """The first of ``names`` that ``function`` takes (a keyword renamed between versions)."""
    parameters = inspect.signature(function).parameters
    for name in names:
        if name in parameters:
            return name
    raise TypeError(f"{function.__qualname__} takes none of the keywords {names}")


def _solution(result):
    """The solution array of a PDE result: ``PDESolution.solution`` (renamed) or ``PoissonResult.u``."""
    return result.solution if hasattr(result, "solution") else result.u


def _has(candidate: str) -> bool:
    try:
        _first(candidate)
        return True
    except ImportError:
        return False


def adapter(name: str):
    return ADAPTERS[name]()


# -- figures -----------------------------------------------------------------------------
class Figures:
    """An ordered record ``key -> (value, printed format)`` of one family."""

    def __init__(self):
        self.items: dict[str, dict] = {}

    def add(self, key: str, value, fmt: str | None = None) -> None:
        if key in self.items:
            raise KeyError(f"duplicate figure {key!r}")
        self.items[key] = {"value": _plain(value), "fmt": fmt}


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # 0-d torch/cupy/strict arrays
        return _plain(value.item())
    return value


def digest(*arrays) -> str:
    """SHA-256 (16 hex digits) of the arrays' dtypes, shapes and bytes: equal iff bit-identical."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def to_numpy(x):
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


# -- foundation --------------------------------------------------------------------------
def foundation(fig: Figures) -> None:
    from solvers import Laplacian, solve_poisson
    from validation import exact
    from validation.checks import default_registry

    registry = default_registry()
    for dim in (1, 2, 3):
        for kind in ("sine", "manufactured", "cosine"):
            name = f"solvers-poisson-{dim}d-{kind}"
            outcome = registry.run(name)
            fig.add(f"{dim}D {kind}: observed order", outcome.observed_order, ".3f")
            fig.add(f"{dim}D {kind}: finest relative L2", outcome.error, ".2e")
            fig.add(f"{dim}D {kind}: errors per grid", outcome.convergence["errors"], ".2e")
    problem = exact.PoissonManufactured(2)
    for backend in ("numpy", "array_api_strict"):
        result = solve_poisson(problem.source, 128, dim=2, boundary=problem.boundary, backend=backend, rtol=1e-10)
        fig.add(f"CG 128² manufactured rtol 1e-10 ({backend}): iterations", result.info.iterations, "d")
        fig.add(f"CG 128² manufactured rtol 1e-10 ({backend}): solution", digest(to_numpy(_solution(result))), "sha256")
    for shape in ((512, 512), (64, 64, 64)):
        A = Laplacian(shape, bc="dirichlet")
        S = A.to_sparse().tocsr()
        u = np.random.default_rng(0).standard_normal(A.size)
        label = "x".join(map(str, shape))
        fig.add(f"Laplacian {label}: matrix-free A u", digest(A.matvec(u)), "sha256")
        fig.add(f"Laplacian {label}: CSR (indptr, indices, data)", digest(S.indptr, S.indices, S.data), "sha256")
        fig.add(f"Laplacian {label}: max |A u - S u|", float(np.max(np.abs(A.matvec(u) - S @ u))), ".1e")


# -- Chebyshev–Tucker --------------------------------------------------------------------
def _integrals():
    """The test functions of ``tensor_formats.checks.INTEGRALS`` (copied: the same in every version)."""
    return {
        "runge": (lambda x, y, z: 1.0 / (1.0 + x * x + y * y + z * z), 4.28685406230184188268),
        "gaussian": (lambda x, y, z: np.exp(-25.0 * (x * x + y * y + z * z)),
                     (math.sqrt(math.pi) * math.erf(5.0) / 5.0) ** 3),
        "cosine": (lambda x, y, z: np.cos(math.pi + 5.0 * (x + y + z)), -((2.0 * math.sin(5.0) / 5.0) ** 3)),
        "product": (lambda x, y, z: 1.0 / ((0.04 + x * x) * (0.04 + y * y) * (0.04 + z * z)),
                    (10.0 * math.atan(5.0)) ** 3),
        "oblique": (lambda x, y, z: 1.0 / (16.0 + 5.0 * (x + y + z)), 0.57037800971178),
    }


def long_range(x, y, z, beta=5.0):
    from scipy.special import erf

    r = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = erf(beta * r) / r
    return np.where(r < 1e-12, 2 * beta / math.sqrt(math.pi), value)


def chebyshev_tucker(fig: Figures) -> None:
    from tensor_formats import ChebyshevTucker, hosvd
    from tensor_formats.potentials import RangeSeparatedPotential

    integrals = _integrals()
    for name, (f, value) in integrals.items():
        ct = ChebyshevTucker.from_function(f, CUBE, tol=1e-14)
        fig.add(f"integral {name}: relative error", abs(ct.integral() - value) / abs(value), ".1e")
        fig.add(f"integral {name}: value", ct.integral(), ".15g")
        fig.add(f"integral {name}: degrees", ct.degrees)
        fig.add(f"integral {name}: ranks", ct.ranks)

    ct = ChebyshevTucker.from_function(long_range, CUBE, degree=128, tol=1e-7)
    x = np.linspace(-1, 1, 256)
    slice_ct = ct.on_grid(x, x, np.array([0.0]), full=True)[:, :, 0]
    slice_ex = long_range(x[:, None], x[None, :], 0.0)
    fig.add("erf(5r)/r deg 128 tol 1e-7: ranks", ct.ranks)
    fig.add("erf(5r)/r deg 128 tol 1e-7: 256² slice relative max error",
            np.max(np.abs(slice_ct - slice_ex)) / np.max(np.abs(slice_ex)), ".2e")
    samples = long_range(x[:, None, None], x[None, :, None], x[None, None, :])
    fig.add("erf(5r)/r 256³ grid HOSVD tol 1e-7: ranks", hosvd(samples, tol=1e-7).ranks)
    del samples

    rng = np.random.default_rng(2025)
    for n in (100, 200):  # the table's first two rows (same random draws as the benchmark)
        pos = rng.uniform(-0.9, 0.9, (n, 3))
        q = rng.choice([-1.0, 1.0], n)
        pot = RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, method="rhosvd")
        full = RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, method="full")
        short = RangeSeparatedPotential(pos, q, degree=128, tol=1e-7, n_long=10)
        fig.add(f"particles N={n}: CP rank", pot.cp_rank, "d")
        fig.add(f"particles N={n}: Tucker ranks (RHOSVD)", pot.long_range_tucker.ranks)
        fig.add(f"particles N={n}: Tucker ranks (full path)", full.long_range_tucker.ranks)
        fig.add(f"particles N={n}: Tucker ranks, R_l = 10", short.long_range_tucker.ranks)
    g = pot.gaussians
    fig.add("sinc sum: R", len(g), "d")
    fig.add("sinc sum: R_l", pot.n_long, "d")
    fig.add("sinc sum: narrowest kept t", math.sqrt(g.exponents[pot.n_long - 1]), ".2f")
    fig.add("sinc sum: R_l = 10 keeps t <=", math.sqrt(g.exponents[9]), ".2f")
    fig.add("particles: short-range cutoff", pot.cutoff, ".3f")
    pts = rng.uniform(-1, 1, (1000, 3))
    direct = np.array([np.sum(q / np.linalg.norm(p - pos, axis=1)) for p in pts])
    fig.add("particles N=200: total potential relative max error (1000 points)",
            np.max(np.abs(pot(pts) - direct)) / np.max(np.abs(direct)), ".1e")

    pts = np.random.default_rng(0).uniform(-1, 1, (10_000, 3))
    oblique_f = integrals["oblique"][0]
    cases = (("erf(5r)/r, tol 1e-7", ct, long_range),
             ("erf(5r)/r, tol 1e-12", ChebyshevTucker.from_function(long_range, CUBE, degree=128, tol=1e-12), long_range),
             ("1/(16+5(x+y+z)), tol 1e-14", ChebyshevTucker.from_function(oblique_f, CUBE, tol=1e-14), oblique_f))
    for name, c, f in cases:
        values = c(pts)
        fig.add(f"evaluation {name}: degrees", c.degrees)
        fig.add(f"evaluation {name}: ranks", c.ranks)
        fig.add(f"evaluation {name}: values at 10^4 points", digest(values), "sha256")
        fig.add(f"evaluation {name}: max error at 10^4 points", np.max(np.abs(values - f(*pts.T))), ".1e")

    runge = lambda *x: 1.0 / (1.0 + sum(c * c for c in x))  # noqa: E731
    ct4 = ChebyshevTucker.from_function(runge, [(-1.0, 1.0)] * 4, tol=1e-10)
    pts = np.random.default_rng(4).uniform(-1, 1, (10_000, 4))
    fig.add("d=4 Runge tol 1e-10: degrees", ct4.degrees)
    fig.add("d=4 Runge tol 1e-10: ranks", ct4.ranks)
    fig.add("d=4 Runge tol 1e-10: max error at 10^4 points", np.max(np.abs(ct4(pts) - runge(*pts.T))), ".1e")
    fig.add("d=4 Runge tol 1e-10: compression ratio", ct4.compression_ratio, ".0f")


# -- FunBaT ------------------------------------------------------------------------------
def _scores(pred, y):
    return float(np.sqrt(np.mean((pred - y) ** 2))), float(np.mean(np.abs(pred - y)))


def funbat(fig: Figures) -> None:
    from tensor_formats import FunBaT

    d = np.load(DATA / "synthetic_r1.npz", allow_pickle=False)
    x, y, xt, yt = d["train_coords"], d["train_y"], d["test_coords"], d["test_y"]
    for label, kwargs in (("CP rank 1", dict(rank=1, core="cp")), ("Tucker rank 2", dict(rank=2)),
                          ("Tucker rank 3", dict(rank=3))):
        model = FunBaT(kernel="matern32", lengthscale=0.1, variance=0.5, n_iter=100, seed=0, **kwargs).fit(x, y)
        rmse, mae = _scores(model.predict(xt), yt)
        fig.add(f"synthetic {label} (100 sweeps): test RMSE", rmse, ".2e")
        fig.add(f"synthetic {label} (100 sweeps): test MAE", mae, ".2e")

    b = np.load(DATA / "beijing_pm25.npz", allow_pickle=False)
    nd = b["ndims"]
    coords = lambda bins: (bins.astype(float) + 0.5) * 10.0 / nd  # noqa: E731
    x, y, xt, yt = coords(b["fold0_tr_bins"]), b["fold0_tr_y"], coords(b["fold0_te_bins"]), b["fold0_te_y"]
    for label, kwargs in (("Tucker rank 2, 100 sweeps", dict(rank=2)), ("Tucker rank 3, 10 sweeps", dict(rank=3, n_iter=10)),
                          ("CP rank 3 (σ² = 5), 10 sweeps", dict(rank=3, core="cp", variance=5.0, n_iter=10))):
        options = dict(kernel="matern12", lengthscale=0.1, variance=1.0, n_iter=100, seed=0)
        options.update(kwargs)
        model = FunBaT(**options).fit(x, y)
        mean, std = model.predict(xt, return_std=True)
        rmse, mae = _scores(mean, yt)
        fig.add(f"Beijing fold 0 {label}: test RMSE", rmse, ".4f")
        fig.add(f"Beijing fold 0 {label}: test MAE", mae, ".4f")
        fig.add(f"Beijing fold 0 {label}: predictive mean and std", digest(mean, std), "sha256")

    rng = np.random.default_rng(5)

    def data(n):
        x = rng.uniform(0, 1, (n, 2))
        f = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1]))
        return x, f + 0.1 * rng.standard_normal(n)

    x, y = data(2000)
    xt, yt = data(5000)
    for label, kwargs in (("CP rank 1", dict(rank=1, core="cp")), ("Tucker rank 2", dict(rank=2))):
        model = FunBaT(kernel="matern32", lengthscale=0.3, variance=1.0, n_iter=20, seed=0, **kwargs).fit(x, y)
        mean, std = model.predict(xt, return_std=True)
        fig.add(f"calibration {label} (20 sweeps): coverage %", 100 * np.mean(np.abs(yt - mean) <= 1.96 * std), ".1f")
        fig.add(f"calibration {label} (20 sweeps): noise std", model.history_["noise_std"][-1], ".3f")
        fig.add(f"calibration {label} (20 sweeps): test RMSE", _scores(mean, yt)[0], ".4f")


# -- DeepONet ----------------------------------------------------------------------------
def _splits_digest(data) -> str:
    parts = []
    for split in (data.train, data.test):
        parts += list(split.unaligned())
    return digest(*parts)


def deeponet(fig: Figures) -> None:
    import torch

    from sciml.operators import DeepONet
    from sciml.train import fit

    antiderivative = adapter("antiderivative")
    data = antiderivative(1000, 10_000, seed=0, cache=False)
    fig.add("antiderivative 1000/10000: data", _splits_digest(data), "sha256")
    torch.manual_seed(0)
    model = DeepONet([100, 40, 40], [1, 40, 40])
    fig.add("antiderivative: initial weights", digest(*[p.detach().numpy() for p in model.parameters()]), "sha256")
    history = fit(model, data, steps=300, eval_every=100, progress=False)
    fig.add("antiderivative 300 steps: final train loss", history.loss[-1], ".2e")
    for step, error in zip(history.test_step, history.test_error):
        fig.add(f"antiderivative 300 steps: test MSE at step {step}", error, ".2e")
    fig.add("antiderivative 300 steps: trained weights", digest(*[p.detach().numpy() for p in model.parameters()]), "sha256")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deeponet{adapter('model_suffix')}"
        adapter("save")(model, path)
        again = adapter("load")(path)
    branch, trunk, _ = (torch.tensor(np.asarray(a), dtype=torch.float32) for a in data.test.unaligned())
    with torch.no_grad():
        fig.add("antiderivative: max |prediction after save/load - before|",
                float(torch.max(torch.abs(again.unaligned(branch, trunk) - model.unaligned(branch, trunk)))), ".1e")

    for name in ("nonlinear_ode", "pendulum"):
        data = adapter(name)(1000, 1000, seed=0, cache=False)
        fig.add(f"{name} 1000/1000: data", _splits_digest(data), "sha256")
        torch.manual_seed(0)
        model = DeepONet([100, 40, 40], [1, 40, 40])
        history = fit(model, data, steps=200, eval_every=200, progress=False)
        fig.add(f"{name} 200 steps: final train loss", history.loss[-1], ".2e")
        fig.add(f"{name} 200 steps: test MSE", history.test_error[-1], ".2e")

    data = adapter("diffusion_reaction")(100, 20, m=100, grid_stride=4, seed=0, cache=False)
    fig.add("diffusion_reaction 100/20: data", _splits_digest(data), "sha256")
    torch.manual_seed(0)
    model = DeepONet([100, 100, 100], [2, 100, 100])
    history = fit(model, data, steps=200, layout="aligned", eval_every=200, progress=False, schedule=("step", 50, 0.5))
    fig.add("diffusion_reaction 200 steps: final train loss", history.loss[-1], ".2e")
    fig.add("diffusion_reaction 200 steps: test MSE", history.test_error[-1], ".2e")

    burgers = adapter("burgers")
    data = burgers(100, 20, **{_keyword(burgers, "resolution", "n"): 128}, seed=0, cache=False)
    fig.add("burgers 100/20: data", _splits_digest(data), "sha256")
    torch.manual_seed(0)
    model = DeepONet([128, 64, 64, 64], [1, 64, 64, 64], "gelu", periodic_features=[1, 2])
    history = fit(model, data, steps=200, layout="aligned", loss="mse", lr=1e-3, schedule=("step", 50, 0.5),
                  eval_every=200, progress=False)
    branch, grid, targets = data.test.aligned()
    with torch.no_grad():
        prediction = model(torch.tensor(np.asarray(branch), dtype=torch.float32),
                           torch.tensor(np.asarray(grid), dtype=torch.float32))
    relative = np.linalg.norm(prediction.numpy() - targets, axis=1) / np.linalg.norm(targets, axis=1)
    fig.add("burgers 200 steps: final train loss", history.loss[-1], ".2e")
    fig.add("burgers 200 steps: test relative L2 %", 100 * relative.mean(), ".2f")


# -- MG-TFNO -----------------------------------------------------------------------------
def mgtfno(fig: Figures) -> None:
    import torch

    from sciml.operators import MGTFNO
    from sciml.train import fit

    data = adapter("darcy")(100, 20, 32, seed=0, cache=False)
    fig.add("darcy 32² 100/20: data", digest(data.train.inputs, data.train.outputs, data.test.inputs,
                                               data.test.outputs), "sha256")
    models = {
        "FNO (dense)": lambda: MGTFNO(12, 1, 1, 32, factorization="dense", seed=0),
        "TFNO (Tucker, rank 0.05)": lambda: MGTFNO(12, 1, 1, 32, rank=0.05, seed=0),
        "MG-TFNO (levels 1, padding 1/16)": lambda: MGTFNO(12, 1, 1, 32, rank=0.05, levels=1, padding_fraction=1 / 16,
                                                         seed=0),
    }
    for name, make in models.items():
        model = make()
        fig.add(f"darcy {name}: parameters", model.n_parameters, ",d")
        fig.add(f"darcy {name}: compression vs FNO", model.compression_ratio, ".1f")
        fig.add(f"darcy {name}: input-domain compression", model.input_compression(32), ".2f")
        fig.add(f"darcy {name}: initial weights", digest(*[torch.view_as_real(p.detach()).numpy() if p.is_complex()
                                                           else p.detach().numpy() for p in model.parameters()]), "sha256")
        history = fit(model, data, epochs=2, batch_size=20, lr=1e-3, weight_decay=1e-4, schedule=("cosine",),
                      loss="relative_l2", eval_every=10**9, progress=False)
        fig.add(f"darcy {name} 2 epochs: final train loss", history.loss[-1], ".4f")
        fig.add(f"darcy {name} 2 epochs: test relative L2 %", 100 * history.test_error[-1], ".2f")

    data = adapter("navier_stokes")(10, 4, 32, nu=1e-3, n_input=10, t_final=12.0, seed=0, cache=False)
    fig.add("navier_stokes 32² 10/4 t=12: data", digest(data.train.inputs, data.train.outputs, data.test.inputs,
                                                         data.test.outputs), "sha256")
    model = MGTFNO(16, 10, 1, 32, rank=0.05, seed=0)
    history = fit(model, data, epochs=2, batch_size=5, lr=1e-3, weight_decay=1e-4, schedule=("cosine",),
                  loss="relative_l2", eval_every=10**9, progress=False)
    fig.add("navier_stokes TFNO 2 epochs: final train loss", history.loss[-1], ".4f")
    fig.add("navier_stokes TFNO 2 epochs: test relative L2 %", 100 * history.test_error[-1], ".2f")


# -- DCDM --------------------------------------------------------------------------------
def dcdm_family(fig: Figures) -> None:
    import torch

    from sciml.backend import to_backend
    from solvers import amg, cg, dcdm, ic0, load_pretrained, pcg
    from solvers.obstacles import box, box_with_ball, smooth_rhs

    models = {2: load_pretrained("poisson2d"), 3: load_pretrained("poisson3d")}
    for dim, model in models.items():
        fig.add(f"shipped poisson{dim}d: weights", digest(*[p.detach().numpy() for p in model.parameters()]), "sha256")
    for geometry in (box((64, 64)), box_with_ball((64, 64)), box_with_ball((32, 32, 32))):
        label = f"{geometry.name} {'x'.join(map(str, geometry.grid_shape))}"
        A = geometry.operator()
        b = smooth_rhs(geometry).reshape(-1)
        S = A.to_sparse()
        fig.add(f"{label}: matrix and right-hand side", digest(S.tocsr().indptr, S.tocsr().indices, S.tocsr().data, b), "sha256")
        ic = ic0(S)
        # PyAMG estimates the smoother's spectral radius from a random vector of numpy's global
        # generator: seeded here, or its iterates differ in the last digits from run to run.
        np.random.seed(0)
        multigrid = amg(S)
        methods = {
            "CG": lambda tol: cg(S, b, rtol=tol, maxiter=5000),
            "IC(0)-PCG": lambda tol: pcg(S, b, M=ic, rtol=tol, maxiter=5000),
            "PyAMG-SA-PCG": lambda tol: pcg(S, to_backend(b, "numpy"), M=multigrid, rtol=tol),
            "DCDM (paper)": lambda tol: dcdm(A, b, model=models[A.ndim], grid_shape=geometry.grid_shape, rtol=tol,
                                             maxiter=1000, coarse_levels=0, n_orthogonal=2),
            "DCDM": lambda tol: dcdm(A, b, model=models[A.ndim], grid_shape=geometry.grid_shape, rtol=tol, maxiter=1000),
        }
        for name, solve in methods.items():
            x, info = solve(1e-6)
            coarse = next(k for k, r in enumerate(info.residuals) if r <= 1e-4 * info.residuals[0])
            fig.add(f"{label} {name}: iterations 1e-4 / 1e-6", f"{coarse} / {info.iterations}", "s")
            fig.add(f"{label} {name}: final relative residual", info.residuals[-1] / info.residuals[0], ".2e")
            fig.add(f"{label} {name}: solution", digest(to_numpy(x)), "sha256")
            if hasattr(info, "fallbacks"):
                fig.add(f"{label} {name}: fallbacks", info.fallbacks, "d")

    torch.manual_seed(0)
    train_dcdm = adapter("train_dcdm")
    model, history = train_dcdm(box((16, 16)).operator().to_sparse(), (16, 16), n_samples=60, n_validation=20,
                                steps=30, batch_size=5, lr=1e-3, seed=0, progress=False, eval_every=10)
    fig.add("train_dcdm 16² box 30 steps: final train loss", history.loss[-1], ".4f")
    for step, error in zip(history.test_step, history.test_error):
        fig.add(f"train_dcdm 16² box: held-out loss at step {step}", error, ".4f")
    fig.add("train_dcdm 16² box: trained weights", digest(*[p.detach().numpy() for p in model.parameters()]), "sha256")


FAMILIES = {"foundation": foundation, "chebyshev_tucker": chebyshev_tucker, "funbat": funbat, "deeponet": deeponet,
            "mgtfno": mgtfno, "dcdm": dcdm_family}


# -- comparison --------------------------------------------------------------------------
def _printed(value, fmt, *, short: bool = False) -> str:
    if fmt == "sha256":
        return value[:8] if short else value
    if fmt is None or fmt == "s":
        return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    if isinstance(value, list):
        return "[" + ", ".join(_printed(v, fmt) for v in value) + "]"
    return format(value, fmt)


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


VERDICTS = ("bit for bit", "to the printed digits", "DIFFER", "missing")


def _verdict(a: dict | None, b: dict | None) -> str:
    if a is None or b is None:
        return "missing"
    if a["value"] == b["value"]:
        return "bit for bit"
    return "to the printed digits" if _printed(**a) == _printed(**b) else "DIFFER"


def compare(old_path: Path, new_path: Path, *, grouped: bool = False) -> int:
    """Print the Markdown table old vs new; one row per figure, or per figure group (the key before ': ')."""
    old, new = json.loads(old_path.read_text()), json.loads(new_path.read_text())
    counts = dict.fromkeys(VERDICTS, 0)
    print("| family | figure | old | new | agree? |\n|---|---|---|---|---|")
    for family in FAMILIES:
        a, b = old.get("figures", {}).get(family, {}), new.get("figures", {}).get(family, {})
        rows: dict[str, list] = {}
        for key in list(a) + [k for k in b if k not in a]:
            verdict = _verdict(a.get(key), b.get(key))
            counts[verdict] += 1
            group, _, what = key.partition(": ") if grouped else (key, "", "")
            shown = ["—" if x is None else (f"{what} " if what else "") + _printed(**x, short=grouped)
                     for x in (a.get(key), b.get(key))]
            rows.setdefault(group, []).append((shown, verdict))
        for group, entries in rows.items():
            old_cell = "; ".join(shown[0] for shown, _ in entries)
            new_cell = "; ".join(shown[1] for shown, _ in entries)
            verdict = max((v for _, v in entries), key=VERDICTS.index)
            print(f"| {family} | {_cell(group)} | {_cell(old_cell)} | {_cell(new_cell)} | {verdict} |")
    print("\n" + ", ".join(f"{v} {k}" for k, v in counts.items()) + " (figures)")
    return 1 if counts["DIFFER"] or counts["missing"] else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the figures as JSON here (also printed)")
    parser.add_argument("--only", nargs="*", choices=sorted(FAMILIES), help="run these families only")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"),
                        help="compare two JSON files written by --out (Markdown table; exit 1 on a difference)")
    parser.add_argument("--grouped", action="store_true",
                        help="with --compare: one row per figure group, fingerprints shortened to 8 hex digits")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare, grouped=args.grouped)
    try:
        import torch

        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True, warn_only=True)
    except ImportError:
        pass
    result = {"python": sys.version.split()[0], "numpy": np.__version__, "figures": {}, "seconds": {}}
    for name, run in FAMILIES.items():
        if args.only and name not in args.only:
            continue
        fig = Figures()
        start = time.perf_counter()
        run(fig)
        result["seconds"][name] = round(time.perf_counter() - start, 1)
        result["figures"][name] = fig.items
        print(f"{name}: {len(fig.items)} figures in {result['seconds'][name]} s", file=sys.stderr, flush=True)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
