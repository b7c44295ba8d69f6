"""How the cell types enter the geometry-conditioned DCDM network: channels against spatially varying kernels.

Both forms of :class:`solvers.deep_conjugate.geometry_network.GeometryDCDMNet` are trained the same way
(:func:`~solvers.deep_conjugate.domain_training.train_geometry_dcdm`, 2D random domains, seed 0,
``--steps`` Adam steps with cosine decay, 8 held-out geometries evaluated every 200 steps), one after
the other in this process, then one application of each (and of the old ``DCDMNet``) is timed at
128² and 48³.  Prints a Markdown table: parameters, held-out losses, training time, time per
application.  The RESULTS.md comparison (issue 17) ran the two trainings side by side, one thread
each; run ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_dcdm_conditioning.py [--steps 1000]``.
"""

from __future__ import annotations

import argparse
import time

import torch

from solvers.deep_conjugate import cell_types
from solvers.deep_conjugate.domain_training import train_geometry_dcdm
from solvers.deep_conjugate.geometry_network import GeometryDCDMNet
from solvers.deep_conjugate.network import DCDMNet
from solvers.obstacles import box_with_ball


def application_ms(net, shape, repeat=3) -> float:
    types = torch.as_tensor(cell_types(box_with_ball(shape).operator()))[None]
    r = torch.randn(1, 1, *shape)
    call = (lambda: net(r)) if isinstance(net, DCDMNet) else (lambda: net(r, types))
    with torch.no_grad():
        call()
        start = time.perf_counter()
        for _ in range(repeat):
            call()
    return 1e3 * (time.perf_counter() - start) / repeat


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("| conditioning | parameters 2D / 3D | held-out loss every 200 steps | training time | "
          "one application 128² / 48³ |")
    print("|---|---|---|---|---|")
    for conditioning in ("channels", "kernels"):
        start = time.perf_counter()
        model, history = train_geometry_dcdm(dim=2, steps=args.steps, n_validation=8, eval_every=200, seed=0,
                                             conditioning=conditioning, progress=False)
        elapsed = time.perf_counter() - start
        three = GeometryDCDMNet(3, conditioning=conditioning, seed=0)
        print(f"| {conditioning} | {model.n_parameters:,} / {three.n_parameters:,} | "
              + " / ".join(f"{e:.3f}" for e in history.test_error)
              + f" | {elapsed:.0f} s | {application_ms(model, (128, 128)):.1f} ms / "
              f"{application_ms(three, (48, 48, 48)):.0f} ms |", flush=True)
    old2, old3 = DCDMNet(2, seed=0), DCDMNet(3, seed=0)
    print(f"| (old DCDMNet, no geometry) | {old2.n_parameters:,} / {old3.n_parameters:,} | — | — | "
          f"{application_ms(old2, (128, 128)):.1f} ms / {application_ms(old3, (48, 48, 48)):.0f} ms |")


if __name__ == "__main__":
    main()
