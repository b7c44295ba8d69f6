"""Training on several processes: the torch.distributed process group behind ``fit(distributed=)``.

A launcher (``torchrun``, or SLURM's ``srun`` running ``torchrun``) starts one process per
rank and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``.
:func:`process_group` reads them, initialises the process group (gloo on CPU, nccl on CUDA)
with a timeout on every collective, so that a rank that dies makes the others fail instead of
waiting for ever, and :func:`agree` checks that every rank was given the same configuration.
Nothing here runs a step: :func:`sciml.train.fit` uses these pieces.

Importing this module does not import torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["LAUNCHER_VARIABLES", "Ranks", "agree", "all_mean", "fingerprint", "gather", "launched", "process_group"]

#: The environment variables a launcher sets for every process (``torchrun`` sets all of them).
LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class Ranks:
    """Where this process stands among the training processes.

    Attributes
    ----------
    rank, world_size, local_rank : int
        This process's rank, the number of processes and the rank on this machine.
    active : bool
        Whether a process group is in use (False: a single process, nothing is communicated).

    Examples
    --------
    >>> from sciml.distributed import Ranks
    >>> Ranks().world_size, Ranks().is_main
    (1, True)
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    active: bool = False

    @property
    def is_main(self) -> bool:
        """Rank 0: the one that writes checkpoints and shows progress."""
        return self.rank == 0


def launched(environ: dict | None = None) -> bool:
    """Whether the launcher's environment (:data:`LAUNCHER_VARIABLES`) is present.

    Examples
    --------
    >>> from sciml.distributed import launched
    >>> launched({}), launched({"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0",
    ...                         "MASTER_ADDR": "localhost", "MASTER_PORT": "29500"})
    (False, True)
    """
    environ = os.environ if environ is None else environ
    return all(name in environ for name in LAUNCHER_VARIABLES)


@contextmanager
def process_group(distributed: bool | str, *, device: Any = "cpu", timeout: float = 60.0) -> Iterator[Ranks]:
    """The process group for a training run, as a context (destroyed on exit if it was created here).

    Parameters
    ----------
    distributed : "auto", True or False
        ``"auto"``: distributed when the launcher's environment is present (or the caller has
        initialised a process group, which is then used and left open); ``True``: one of them
        must be (a ``RuntimeError`` otherwise); ``False``: one process, whatever the environment.
    device : torch.device or str
        The device of the model: ``nccl`` for CUDA, ``gloo`` otherwise.
    timeout : float
        Seconds a collective (and the start-up rendezvous) waits for the other ranks before it
        fails; a dead rank thus ends the run within about this time.

    Yields
    ------
    Ranks

    Examples
    --------
    >>> from sciml.distributed import process_group
    >>> with process_group("auto", timeout=10) as ranks:   # not under torchrun: one process
    ...     ranks.world_size, ranks.active
    (1, False)
    """
    if distributed not in ("auto", True, False):
        raise ValueError(f"distributed must be 'auto', True or False, got {distributed!r}")
    if not float(timeout) > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    torch_distributed = sys.modules.get("torch.distributed")  # a group the caller initialised is used as is
    joined = torch_distributed is not None and torch_distributed.is_available() and torch_distributed.is_initialized()
    environment = launched() or joined
    if distributed is True and not environment:
        missing = [name for name in LAUNCHER_VARIABLES if name not in os.environ]
        raise RuntimeError(f"distributed=True needs the environment of a launcher such as torchrun; {missing} "
                           "are not set. Start the script with `torchrun --standalone --nproc_per_node=N "
                           "script.py`, or pass distributed='auto' to train in one process")
    if distributed is False or not environment:
        yield Ranks()
        return
    import datetime

    import torch
    import torch.distributed as dist

    created = not dist.is_initialized()
    if created:
        kind = getattr(torch.device(device), "type", "cpu")
        dist.init_process_group("nccl" if kind == "cuda" else "gloo",
                                timeout=datetime.timedelta(seconds=float(timeout)))
    try:
        yield Ranks(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)), True)
    finally:
        if created and dist.is_initialized():
            dist.destroy_process_group()


def fingerprint(settings: Any) -> str:
    """A SHA-256 of ``settings`` as canonical JSON (values JSON cannot hold by their ``repr``).

    Examples
    --------
    >>> from sciml.distributed import fingerprint
    >>> fingerprint({"lr": 1e-3, "seed": 0}) == fingerprint({"seed": 0, "lr": 0.001})
    True
    """
    text = json.dumps(settings, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def agree(ranks: Ranks, settings: dict) -> None:
    """Raise the same ``ValueError`` on every rank unless all ranks hold the same ``settings``.

    The fingerprints of all ranks are gathered (one collective), so every rank sees every
    difference and none waits for a rank that stopped.

    Examples
    --------
    >>> from sciml.distributed import Ranks, agree
    >>> agree(Ranks(), {"lr": 0.1})   # one process: nothing to compare
    """
    if not ranks.active:
        return
    import torch.distributed as dist

    gathered: list = [None] * ranks.world_size
    dist.all_gather_object(gathered, (fingerprint(settings), settings))
    if len({digest for digest, _ in gathered}) > 1:
        reference = gathered[0][1]
        differing = {}
        for rank, (_, other) in enumerate(gathered[1:], start=1):
            keys = sorted(k for k in set(reference) | set(other)
                          if fingerprint(reference.get(k)) != fingerprint(other.get(k)))
            if keys:
                differing[rank] = keys
        raise ValueError(f"the ranks were started with different configurations (hash compared at start-up): "
                         f"rank(s) {sorted(differing)} differ from rank 0 in {differing}; every rank must get "
                         "the same model, data and training options")


def all_mean(ranks: Ranks, value: Any, weight: Any = 1.0) -> tuple[float, float]:
    """``(sum of weight·value / sum of weight, sum of weight)`` over the ranks, as floats.

    Examples
    --------
    >>> from sciml.distributed import Ranks, all_mean
    >>> all_mean(Ranks(), 2.0, 3)
    (2.0, 3.0)
    """
    if not ranks.active:
        return float(value), float(weight)
    import torch
    import torch.distributed as dist

    both = torch.tensor([float(value) * float(weight), float(weight)], dtype=torch.float64)
    dist.all_reduce(both)
    return float(both[0] / both[1]), float(both[1])


def gather(ranks: Ranks, value: Any) -> list:
    """``value`` of every rank, in rank order (``[value]`` in one process).

    Examples
    --------
    >>> from sciml.distributed import Ranks, gather
    >>> gather(Ranks(), 5)
    [5]
    """
    if not ranks.active:
        return [value]
    import torch.distributed as dist

    gathered: list = [None] * ranks.world_size
    dist.all_gather_object(gathered, value)
    return gathered
