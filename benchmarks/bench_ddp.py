"""Training throughput of ``fit`` on 1 and 2 processes (torchrun, gloo on CPU), measured side by side.

A small TFNO (MGTFNO with ``levels=0``: 12 modes, width 32, 4 layers, Tucker rank 0.1, float32)
on random 64² fields; ``batch_size`` samples per process and step, so 2 processes train on twice
the samples per step.  Configurations, each run ``--repeats`` times in turn (interleaved, so a
load change on the shared machine hits all of them alike):

* 1 process × 1 thread, 1 process × 2 threads, 2 processes × 1 thread (``torchrun
  --standalone --nproc_per_node=N``; threads set by ``OMP_NUM_THREADS`` and ``torch.set_num_threads``).

Throughput = samples per second over the steps after ``--warmup`` (from ``History.wall_time`` of rank
0; the ranks are synchronised every step by the gradient all-reduce).  The best of the repeats is
reported with the spread.

Run with ``.venv/bin/python benchmarks/bench_ddp.py`` (about 3 minutes on 2 free cores);
``--data`` times ``darcy(--data-samples, 4, 64)`` generated with ``workers=1`` and ``workers=2`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def worker(args) -> None:
    """One rank: train, and rank 0 writes the throughput to ``args.out``."""
    import torch

    from sciml.batches import ArrayBatches
    from sciml.operators import MGTFNO
    from sciml.train import fit

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    g = torch.Generator().manual_seed(0)
    a = torch.randn(args.samples, 1, args.resolution, args.resolution, generator=g)
    model = MGTFNO(12, 1, 1, 32, levels=0, rank=0.1, n_layers=4, seed=0)
    history = fit(model, ArrayBatches((a,), torch.roll(a, 1, dims=-1) ** 2), steps=args.warmup + args.steps,
                  batch_size=args.batch_size, lr=1e-3, progress=False)
    if int(os.environ.get("RANK", "0")) == 0:
        seconds = history.wall_time[-1] - history.wall_time[args.warmup - 1]
        Path(args.out).write_text(json.dumps({"samples_per_s": args.steps * args.batch_size * world / seconds,
                                              "seconds_per_step": seconds / args.steps, "world_size": world}))


def launch(processes: int, threads: int, args, out: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = [str(Path(sys.executable).parent / "torchrun"), "--standalone", f"--nproc_per_node={processes}",
               __file__, "--worker", "--out", str(out), "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--batch-size", str(args.batch_size), "--samples", str(args.samples),
               "--resolution", str(args.resolution)]
    subprocess.run(command, check=True, env=env, timeout=1200)
    return json.loads(out.read_text())


def data_generation(n: int, resolution: int, repeats: int) -> None:
    """Seconds for ``darcy(n, 4, resolution)`` with 1 and 2 workers (interleaved), and that they agree."""
    import time

    import numpy as np

    from sciml.data import darcy

    seconds: dict[int, list[float]] = {1: [], 2: []}
    results = {}
    for _ in range(repeats):
        for workers in (1, 2):
            start = time.perf_counter()
            results[workers] = darcy(n, 4, resolution, seed=0, cache=False, workers=workers)
            seconds[workers].append(time.perf_counter() - start)
    same = all(np.array_equal(getattr(getattr(results[1], s), f), getattr(getattr(results[2], s), f))
               for s in ("train", "test") for f in ("inputs", "outputs"))
    print(f"darcy({n}, 4, {resolution}) generation, best of {repeats}: 1 worker {min(seconds[1]):.2f} s, "
          f"2 workers {min(seconds[2]):.2f} s (speed-up {min(seconds[1]) / min(seconds[2]):.2f}; "
          f"runs {[round(v, 2) for v in seconds[1]]} / {[round(v, 2) for v in seconds[2]]}); bit-identical: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data", action="store_true", help="time darcy(workers=1 and 2) instead of training")
    parser.add_argument("--data-samples", type=int, default=200)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.data:
        data_generation(args.data_samples, args.resolution, args.repeats)
        return
    configurations = [(1, 1), (1, 2), (2, 1)]
    results = {c: [] for c in configurations}
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for processes, threads in configurations:
                out = Path(folder) / f"{processes}-{threads}-{repeat}.json"
                results[(processes, threads)].append(launch(processes, threads, args, out)["samples_per_s"])
    base = max(results[(1, 1)])
    print(f"TFNO 64², width 32, 12 modes, batch {args.batch_size} per process, {args.steps} timed steps, "
          f"best of {args.repeats} (all runs in brackets)")
    print(f"{'processes × threads':>20} {'samples/s':>10} {'vs 1×1':>7}  runs")
    for (processes, threads), values in results.items():
        print(f"{f'{processes} × {threads}':>20} {max(values):10.1f} {max(values) / base:7.2f}  "
              f"[{', '.join(f'{v:.1f}' for v in values)}]")


if __name__ == "__main__":
    main()
