"""Training script for the distributed tests: ``torchrun ... tests/ddp_worker.py CONFIG.json``.

It builds a small model and data set (:func:`build`), trains it with :func:`sciml.train.fit` and
rank 0 writes the final parameters to ``config["out"]``.  The tests import :func:`build` to run
the same training in one process.  Options in the JSON config: ``kind`` ("deeponet", "tfno",
"dcdm"), ``steps``, ``batch_size``, ``lr``, ``seed``, ``checkpoint``, ``checkpoint_every``,
``distributed``, ``timeout``, ``limit`` (the first samples only), ``lr_per_rank`` (a list: ranks
disagree), ``kill_rank`` and ``kill_at`` (that rank SIGKILLs itself at its ``kill_at``-th training forward pass).
"""

from __future__ import annotations

import json
import os
import signal
import sys


def build(kind: str):
    """``(model, data)`` in float64, the same on every rank (fixed seeds)."""
    import torch

    from sciml.batches import ArrayBatches

    g = torch.Generator().manual_seed(1234)
    if kind == "deeponet":
        from sciml.operators import DeepONet

        torch.manual_seed(0)
        model = DeepONet(branch=(12, 24, 24), trunk=(1, 24, 24)).double()
        u = torch.randn(48, 12, generator=g, dtype=torch.float64)
        y = torch.rand(48, 1, generator=g, dtype=torch.float64)
        s = (u[:, :1] * torch.sin(3 * y) + u[:, 1:2] * y)
        return model, ArrayBatches((u, y), s, method="unaligned")
    if kind == "tfno":
        from sciml.operators import MGTFNO

        model = MGTFNO(4, 1, 1, 8, levels=0, rank=0.5, factorization="tucker", n_layers=2, seed=0)
        model._apply(lambda t: t.to(torch.complex128 if t.is_complex() else torch.float64)
                     if t.is_floating_point() or t.is_complex() else t)  # .double() leaves complex weights
        a = torch.randn(16, 1, 16, 16, generator=g, dtype=torch.float64)
        return model, ArrayBatches((a,), torch.roll(a, 1, dims=-1) ** 2)
    if kind == "dcdm":
        from solvers.deep_conjugate.network import DCDMNet

        model = DCDMNet(2, channels=4, fine=1, coarse=1, after=1, seed=0).double()
        r = torch.randn(16, 1, 8, 8, generator=g, dtype=torch.float64)
        return model, ArrayBatches((r,), r)
    raise ValueError(f"unknown kind {kind!r}")


def main(path: str) -> None:
    import torch

    from sciml.train import fit

    config = json.loads(open(path).read())
    rank = int(os.environ.get("RANK", 0))
    model, data = build(config["kind"])
    if config.get("limit"):
        from sciml.batches import ArrayBatches

        inputs, target = data.select(slice(0, int(config["limit"])))
        data = ArrayBatches(inputs, target, method=data.method)
    if config.get("kill_at") and rank == int(config.get("kill_rank", 1)):
        calls = {"n": 0}
        leaf = next(m for m in model.modules() if not list(m.children()) and list(m.parameters()))

        def die(module, inputs):
            if torch.is_grad_enabled():
                calls["n"] += 1
                if calls["n"] == int(config["kill_at"]):
                    os.kill(os.getpid(), signal.SIGKILL)

        leaf.register_forward_pre_hook(die)
    lr = config.get("lr", 1e-3)
    if "lr_per_rank" in config:
        lr = config["lr_per_rank"][rank]
    fit(model, data, steps=config["steps"], batch_size=config.get("batch_size"), lr=lr, seed=config.get("seed", 0),
        checkpoint=config.get("checkpoint"), checkpoint_every=config.get("checkpoint_every", 1000),
        distributed=config.get("distributed", "auto"), timeout=config.get("timeout", 60.0), progress=False)
    if rank == 0 and config.get("out"):
        torch.save({k: v.detach().clone() for k, v in model.state_dict().items()}, config["out"])


if __name__ == "__main__":
    main(sys.argv[1])
