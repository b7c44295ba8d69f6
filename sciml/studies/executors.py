"""Where the points run: serially, in a process pool, or on a Dask cluster (local, remote or jobqueue).

Every executor maps :func:`~sciml.studies.point.run_tasks` over batches of tasks and yields the
points' summaries as they finish; the workers write their own points into the store. Dask is
the engine beyond one machine: a ``LocalCluster``, the scheduler at an address, an existing
``distributed.Client``, or a ``dask-jobqueue`` cluster (SLURM, PBS, SGE, LSF).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sciml._extras import require

from .point import Task, run_tasks

__all__ = ["batches", "execute", "make_jobqueue_cluster"]

#: dask-jobqueue's cluster classes by the ``system`` key of a spec's ``executor.jobqueue``.
JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster",
            "htcondor": "HTCondorCluster", "oar": "OARCluster", "moab": "MoabCluster"}


def batches(tasks: Sequence[Task], workers: int) -> list[list[Task]]:
    """Tasks in batches: one point a batch for a few points, up to 64 for many cheap ones.

    Examples
    --------
    >>> from sciml.studies.executors import batches
    >>> [len(b) for b in batches(list(range(12)), 2)], len(batches(list(range(10000)), 2))
    ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 157)
    """
    size = max(1, min(64, len(tasks) // (16 * max(1, workers))))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def make_jobqueue_cluster(config: Mapping[str, Any]) -> Any:
    """A dask-jobqueue cluster from an ``executor.jobqueue`` mapping; no job is submitted yet.

    ``system`` picks the class (``slurm``, ``pbs``, ``sge``, ``lsf``, ...), ``jobs`` how many jobs
    :func:`execute` asks for (``cluster.scale(jobs=...)``); every other key is an argument of the
    class (``cores``, ``memory``, ``queue``, ``account``, ``walltime``, ``job_extra_directives``, ...).
    """
    jobqueue = require("dask_jobqueue")
    config = dict(config)
    system = str(config.pop("system", "")).lower()
    config.pop("jobs", None)
    if system not in JOBQUEUE:
        raise ValueError(f"executor.jobqueue.system must be one of {sorted(JOBQUEUE)}, got {system!r}")
    return getattr(jobqueue, JOBQUEUE[system])(**config)


def _serial(tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield from run_tasks([task])


def _process(tasks: Sequence[Task], workers: int | None) -> Iterator[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = workers or os.cpu_count() or 1
    # spawn: no fork of a process that may hold threads (a Dask client, BLAS pools).
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_tasks, batch) for batch in batches(tasks, workers)]
        try:
            for future in as_completed(futures):
                yield from future.result()
        finally:
            for future in futures:
                future.cancel()


def _dask(tasks: Sequence[Task], *, workers: int | None, scheduler: Any, jobqueue: Mapping[str, Any] | None
          ) -> Iterator[dict[str, Any]]:
    distributed = require("distributed")
    with contextlib.ExitStack() as stack:
        if isinstance(scheduler, distributed.Client):
            client = scheduler
        elif scheduler:
            client = stack.enter_context(distributed.Client(scheduler))
        else:
            if jobqueue is not None:
                cluster = stack.enter_context(make_jobqueue_cluster(jobqueue))
                cluster.scale(jobs=int(jobqueue.get("jobs", 1)))
            else:
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=None))
            client = stack.enter_context(distributed.Client(cluster))
        n = workers or max(1, len(client.scheduler_info().get("workers", {})))
        futures = client.map(run_tasks, batches(tasks, n), pure=False)
        try:
            for future in distributed.as_completed(futures):
                yield from future.result()
        finally:
            client.cancel(futures)


def execute(tasks: Sequence[Task], *, kind: str = "serial", workers: int | None = None, scheduler: Any = None,
            jobqueue: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Run ``tasks`` on the executor ``kind`` and yield each point's summary as it finishes.

    Parameters
    ----------
    tasks : sequence of Task
    kind : {"serial", "process", "dask"}
    workers : int, optional
        Processes of the pool or of the ``LocalCluster`` (default: the CPU count; 2 for Dask).
    scheduler : str or distributed.Client, optional
        Dask only: the scheduler's address, or a client to use (not closed afterwards).
    jobqueue : mapping, optional
        Dask only: a dask-jobqueue cluster to start (:func:`make_jobqueue_cluster`).

    Examples
    --------
    >>> import tempfile
    >>> from sciml.studies.executors import execute
    >>> from sciml.studies.point import Task
    >>> tasks = [Task(key=f"k{i}", problem="math:sqrt", parameters={"x": float(i)}, store=tempfile.mkdtemp())
    ...          for i in (1, 4)]
    >>> [s["status"] for s in execute(tasks)]
    ['failed', 'failed']
    """
    if kind == "serial":
        return _serial(tasks)
    if kind == "process":
        return _process(tasks, workers)
    if kind == "dask":
        return _dask(tasks, workers=workers, scheduler=scheduler, jobqueue=jobqueue)
    raise ValueError(f"executor must be one of ['dask', 'process', 'serial'], got {kind!r}")
