"""Embarrassingly parallel data generation: independent chunks of samples solved in a process pool.

The random inputs of a data set are drawn in the calling process from its one ``seed`` (as in a
serial run); only the solves, which treat every sample on its own, are shared out.  A chunk's
samples are computed by the same code whichever process runs it, so 1 and N workers give
bit-identical data sets, and ``workers`` is not part of a data set's cache key.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["check_workers", "map_chunks"]


def check_workers(workers: int, backend: str) -> int:
    """``workers`` as a positive int; more than one needs the host (numpy) backend."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    if workers > 1 and backend != "numpy":
        raise ValueError(f"workers={workers} solves in host processes and needs backend='numpy', got {backend!r}")
    return workers


def map_chunks(function: Callable[[Any], Any], chunks: Sequence[Any], *, workers: int) -> list:
    """``[function(c) for c in chunks]``, in a pool of ``workers`` fresh (spawned) processes when ``workers > 1``.

    ``function`` must be picklable (a module-level function or a ``functools.partial`` of one).

    Examples
    --------
    >>> from sciml.data._parallel import map_chunks
    >>> map_chunks(abs, [-1, 2, -3], workers=1)
    [1, 2, 3]
    """
    if workers == 1 or len(chunks) <= 1:
        return [function(chunk) for chunk in chunks]
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold torch's threads
    with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
        return list(pool.map(function, chunks))
