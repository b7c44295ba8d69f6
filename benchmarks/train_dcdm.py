"""Train the DCDM networks shipped in ``solvers/deep_conjugate/pretrained`` (issue 7); rerun to reproduce them.

* ``poisson2d``: 64² open-top box (walls, zero pressure at the top), exact eigenvectors of the
  4096-unknown matrix, 6000 training and 400 held-out vectors (9x weight on the lower half of the
  spectrum), Adam 1e-3 with cosine decay, batch 10, 10,000 steps.
* ``poisson3d``: 32³ open-top box, 1500 Lanczos Ritz vectors (full reorthogonalisation), 2000 / 200
  vectors, batch 4, 4000 steps, Adam 1e-4 (the paper's rate: at 1e-3 the 3D network collapsed to
  the trivial direction, loss 1.0, within 250 steps), same loss and schedule.

Both are trained on the empty box only; the obstacle geometries of ``bench_dcdm.py`` are unseen.

The geometry-conditioned models (issue 17; :class:`solvers.deep_conjugate.GeometryDCDMNet`, trained by
:func:`solvers.deep_conjugate.domain_training.train_geometry_dcdm`):

* ``geometry2d``: random domains of every family of :func:`solvers.deep_conjugate.random_domain`
  (obstacles, thin walls, channels, random open faces, all-open, closed, wind tunnels) on square
  cells, sizes 24–96 per axis (odd included), a new geometry every 4 batches of 8 right-hand sides
  (three quarters filtered noise with the lower half of the spectrum amplified 9x, a quarter
  combinations of 48 Lanczos Ritz vectors; see ``DomainBatches``), Adam 1e-3 with cosine decay,
  40,000 steps; 16 held-out geometries;
* ``geometry3d``: the same at 16–40 cells per axis, batches of 4, Adam 5e-4, an 11,000-step
  schedule; the shipped model is its step-8,500 checkpoint (the run was stopped for time and the
  model exported with ``--export-checkpoint``; its header records ``stopped_at_step``).

``--conditioning channels|kernels`` picks how the cell types enter (the comparison of RESULTS.md
ran ``--which geometry2d --steps 3000 --name ...`` once per form, side by side).
The network scales each input to unit RMS per cell itself (``DCDMNet``), so these models were
trained on that convention (the files shipped before 2026-11-30 03:00 took unit-norm inputs).
Run ``.venv/bin/python benchmarks/train_dcdm.py [--which 2d|3d|both|geometry2d|geometry3d] [--steps N]``
(a progress bar on a terminal, ``--no-progress`` without); checkpoints under ``benchmarks/.checkpoints``
let an interrupted run resume, and ``--export-checkpoint`` ships a geometry model from the latest one
(a run stopped before the end of its schedule).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sciml.models import save
from solvers.deep_conjugate.domain_training import train_geometry_dcdm
from solvers.deep_conjugate.training import train_dcdm
from solvers.obstacles import box

ROOT = Path(__file__).resolve().parent
TARGET = ROOT.parent / "solvers" / "deep_conjugate" / "pretrained"

SETTINGS = {
    "2d": dict(name="poisson2d", shape=(64, 64), n_samples=6000, n_validation=400, n_ritz=None, steps=10000,
               batch_size=10, lr=1e-3),
    "3d": dict(name="poisson3d", shape=(32, 32, 32), n_samples=2000, n_validation=200, n_ritz=1500, steps=4000,
               batch_size=4, lr=1e-4),
}
#: The geometry-conditioned models (random domains of every family; see the module docstring).
GEOMETRY_SETTINGS = {
    "geometry2d": dict(dim=2, sizes=(24, 96), batch_size=8, reuse=4, n_ritz=48, ritz_share=0.25, lr=1e-3,
                       steps=40000, channels=16, fine=2, coarse=2),
    "geometry3d": dict(dim=3, sizes=(16, 40), batch_size=4, reuse=4, n_ritz=48, ritz_share=0.25, lr=5e-4,
                       steps=11000, channels=16, fine=2, coarse=2),
}
#: Recorded in every model file's header (with the settings and the held-out losses).
COMMON = {"geometry": "open-top box (Dirichlet p = 0 at the top, Neumann walls)", "trained_on": "empty box only",
          "loss": "dcdm_loss (residual after one line-search step)",
          "vector_weighting": "9x on the lower half of the spectrum", "optimizer": "adam",
          "schedule": "cosine", "input_scaling": "unit RMS per cell", "script": "benchmarks/train_dcdm.py"}


def recipe(key: str, *, steps: int | None = None) -> dict:
    """The training recipe recorded in the model file's header (its hash is
    ``solvers.deep_conjugate.model_metadata(name).recipe_hash``; the wall time and losses are added
    beside it as results)."""
    s = SETTINGS[key]
    vectors = ("exact eigenvectors" if s["n_ritz"] is None
               else f"{s['n_ritz']} Lanczos Ritz vectors (full reorthogonalisation)")
    return {**COMMON, "dimension": len(s["shape"]), "grid": list(s["shape"]), "training_vectors": vectors,
            **{k: s[k] for k in ("n_samples", "n_validation", "lr", "batch_size")},
            "steps": s["steps"] if steps is None else steps}


def geometry_recipe(key: str, *, steps: int | None = None, conditioning: str = "channels") -> dict:
    """The recipe of a geometry-conditioned model (recorded in its file's header, hashed by its metadata)."""
    from solvers.deep_conjugate.random_domains import FAMILIES

    s = GEOMETRY_SETTINGS[key]
    return {"dimension": s["dim"], "grid_sizes_per_axis": list(s["sizes"]), "geometry_families": list(FAMILIES),
            "boundary_kinds": ["dirichlet", "neumann"], "closed_domains": True,
            "training_vectors": (f"3/4 filtered noise (lower half of the spectrum 9x, damped Jacobi), "
                                 f"{s['ritz_share']:g} Ritz combinations ({s['n_ritz']} Lanczos steps from A⁻¹·noise)"),
            "cells": "square (spacing 1/max(shape))",
            "loss": "residual after one line-search step (stencil matvec)", "optimizer": "adam",
            "schedule": "cosine", "conditioning": conditioning, "input_scaling": "unit RMS per fluid cell",
            **{k: s[k] for k in ("batch_size", "reuse", "ritz_share", "lr", "channels", "fine", "coarse")},
            "steps": s["steps"] if steps is None else steps, "seed": 0, "script": "benchmarks/train_dcdm.py"}


def _checkpoint_path(name: str, steps: int, conditioning: str) -> Path:
    return ROOT / ".checkpoints" / f"dcdm-{name}-{steps}-{conditioning}.pt"


def _ship(model, key, *, name, steps, conditioning, elapsed, history, stopped_at=None) -> None:
    metadata = {**geometry_recipe(key, steps=steps, conditioning=conditioning), "wall_time_s": round(elapsed),
                "held_out_loss": {str(k): round(e, 4) for k, e in zip(history["test_step"], history["test_error"])}}
    if stopped_at is not None:
        metadata["stopped_at_step"] = stopped_at
    target = TARGET if name == key else ROOT / ".models"
    target.mkdir(exist_ok=True)
    save(model, target / f"{name}.safetensors", metadata=metadata)
    print(f"- {name} ({conditioning}): {model.n_parameters:,} parameters, {stopped_at or steps} of {steps} steps in "
          f"{elapsed:.0f} s; held-out loss " + ", ".join(f"{e:.3f}@{k}" for k, e in
                                                        zip(history["test_step"], history["test_error"])), flush=True)


def train_geometry(key: str, *, steps: int | None, conditioning: str, name: str | None, progress: bool | None) -> None:
    s = dict(GEOMETRY_SETTINGS[key])
    steps = s["steps"] if steps is None else steps
    name = name or key
    start = time.perf_counter()
    model, history = train_geometry_dcdm(
        dim=s["dim"], steps=steps, sizes=s["sizes"], batch_size=s["batch_size"], reuse=s["reuse"],
        n_ritz=s["n_ritz"], ritz_share=s["ritz_share"], lr=s["lr"], seed=0, progress=progress, eval_every=500,
        checkpoint_every=250, checkpoint=_checkpoint_path(name, steps, conditioning),
        channels=s["channels"], fine=s["fine"], coarse=s["coarse"], conditioning=conditioning)
    _ship(model, key, name=name, steps=steps, conditioning=conditioning, elapsed=time.perf_counter() - start,
          history=history.as_dict())


def export_checkpoint(key: str, *, steps: int | None, conditioning: str, name: str | None) -> None:
    """Ship the model of a run's latest checkpoint (a run stopped before the end of its schedule; the
    header records ``stopped_at_step``).  A rerun of the same command writes the same checkpoint on its way."""
    from sciml.checkpoints import read_checkpoint
    from solvers.deep_conjugate.geometry_network import GeometryDCDMNet

    s = GEOMETRY_SETTINGS[key]
    steps = s["steps"] if steps is None else steps
    name = name or key
    state = read_checkpoint(_checkpoint_path(name, steps, conditioning))
    model = GeometryDCDMNet(s["dim"], channels=s["channels"], fine=s["fine"], coarse=s["coarse"],
                            conditioning=conditioning, seed=0)
    model.load_state_dict({k.removeprefix("network."): v for k, v in state["model"].items()})
    history = state["history"]
    _ship(model.eval(), key, name=name, steps=steps, conditioning=conditioning, elapsed=history["wall_time"][-1],
          history=history, stopped_at=int(state["step"]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--which", choices=("2d", "3d", "both", *GEOMETRY_SETTINGS), default="both")
    parser.add_argument("--steps", type=int, default=None, help="override the number of Adam steps")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--conditioning", choices=("channels", "kernels"), default="channels")
    parser.add_argument("--name", default=None, help="save under benchmarks/.models/NAME.safetensors instead of "
                        "shipping it (a comparison run)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (default: one on a terminal)")
    parser.add_argument("--export-checkpoint", action="store_true",
                        help="ship the model of the run's latest checkpoint instead of training (a run stopped early)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.export_checkpoint:
        export_checkpoint(args.which, steps=args.steps, conditioning=args.conditioning, name=args.name)
        return
    if args.which in GEOMETRY_SETTINGS:
        train_geometry(args.which, steps=args.steps, conditioning=args.conditioning, name=args.name,
                       progress=False if args.no_progress else None)
        return
    for key in (("2d", "3d") if args.which == "both" else (args.which,)):
        s = dict(SETTINGS[key])
        if args.steps:
            s["steps"] = args.steps
        start = time.perf_counter()
        operator = box(s["shape"]).operator().to_sparse()
        model, history = train_dcdm(operator, s["shape"], n_samples=s["n_samples"], n_validation=s["n_validation"],
                                    n_ritz=s["n_ritz"], steps=s["steps"], batch_size=s["batch_size"], lr=s["lr"],
                                    seed=0, progress=False, eval_every=250,
                                    checkpoint=ROOT / ".checkpoints" / f"dcdm-{s['name']}-{s['steps']}-cosine-rms.pt")
        TARGET.mkdir(exist_ok=True)
        elapsed = time.perf_counter() - start
        metadata = {**recipe(key, steps=s["steps"]), "wall_time_s": round(elapsed), "held_out_loss": {
                        str(k): round(e, 4) for k, e in zip(history.test_step, history.test_error)}}
        save(model, TARGET / f"{s['name']}.safetensors", metadata=metadata)
        print(f"- {s['name']}: {model.n_parameters:,} parameters, {s['steps']} steps in "
              f"{elapsed:.0f} s; held-out loss "
              + ", ".join(f"{e:.3f}@{k}" for k, e in zip(history.test_step, history.test_error)), flush=True)


if __name__ == "__main__":
    main()
