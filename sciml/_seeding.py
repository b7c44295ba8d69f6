"""Seeded weight initialisation that leaves torch's global random state as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["seeded"]


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run the block with torch's generators (CPU and the current CUDA device) seeded by ``seed``
    and restore them afterwards; with ``seed=None`` the block draws from the global state."""
    import torch

    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices, enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield
