"""Train a TFNO on Darcy flow with ``sciml.train.fit`` on one process or several.

One process::

    python examples/train_ddp.py

Two processes on this machine (one thread each; gloo on CPU, nccl on GPUs)::

    OMP_NUM_THREADS=1 torchrun --standalone --nproc_per_node=2 examples/train_ddp.py

On a cluster, ``examples/slurm_train.sh`` starts one torchrun per node.  Every rank builds the
same data set (from the cache after the first) and model; ``fit`` shares out each step's
samples, averages the gradients and the loss, and rank 0 writes the checkpoint and the model.
Rerun the same command after an interruption: it resumes from the checkpoint.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description="Train a TFNO on Darcy flow, on one or several processes.")
    parser.add_argument("--n-train", type=int, default=200)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10, help="samples per process and step")
    parser.add_argument("--checkpoint", default="darcy-tfno.pt")
    parser.add_argument("--model", default="darcy-tfno.safetensors")
    parser.add_argument("--workers", type=int, default=1, help="processes generating the data set")
    args = parser.parse_args()

    import torch

    from sciml.data import darcy
    from sciml.models import save
    from sciml.operators import MGTFNO
    from sciml.train import fit

    data = darcy(args.n_train, max(1, args.n_train // 10), args.resolution, seed=0, workers=args.workers)
    model = MGTFNO(8, 1, 1, 16, levels=0, rank=0.2, n_layers=3, seed=0)
    if torch.cuda.is_available():  # one GPU per process
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        model = model.cuda()
    history = fit(model, data, epochs=args.epochs, batch_size=args.batch_size, lr=3e-3, loss="relative_l2",
                  checkpoint=args.checkpoint, checkpoint_every=20, eval_every=10**9, progress=False)
    if int(os.environ.get("RANK", "0")) == 0:
        save(model, args.model)
        print(f"{len(history.step)} steps on {os.environ.get('WORLD_SIZE', '1')} process(es): training loss "
              f"{history.loss[-1]:.3f}, test relative L2 {history.test_error[-1]:.3f}")


if __name__ == "__main__":
    main()
