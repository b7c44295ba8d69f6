"""One point of a study, computed and written by whichever process runs it.

A :class:`Task` is plain data (it travels to process-pool and Dask workers); :func:`run_task`
resolves the problem and metrics by name, calls the problem, computes the metrics, and writes
the point into the store itself. A problem that raises gives a failure record (with its
traceback) and the study goes on; a store that cannot be written raises :class:`StoreError`,
which stops the run.
"""

from __future__ import annotations

import json
import numbers
import socket
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .registry import resolve
from .store import StudyStore

__all__ = ["Task", "run_task", "run_tasks"]

@dataclass(frozen=True)
class Task:
    """What a worker needs to compute and store one point."""

    key: str
    problem: str
    parameters: Mapping[str, Any]
    metrics: Sequence[str] = ()
    store: str = ""
    version: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)


def _split(outputs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A problem's result as (scalars, arrays)."""
    if isinstance(outputs, (numbers.Number, bool)) or getattr(outputs, "ndim", None) == 0:
        outputs = {"value": outputs}
    if not isinstance(outputs, Mapping):
        raise TypeError(f"a problem must return a mapping of outputs or a number, got {type(outputs).__name__}")
    scalars, arrays = {}, {}
    for name, value in outputs.items():
        if isinstance(value, (str, bool)) or value is None:
            scalars[name] = value
        elif isinstance(value, numbers.Integral):
            scalars[name] = int(value)
        elif isinstance(value, numbers.Real):
            scalars[name] = float(value)
        elif getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            scalars[name] = value.item()
        elif hasattr(value, "shape"):
            arrays[name] = value
        else:
            raise TypeError(f"output {name!r} of the problem is a {type(value).__name__}: expected a number, "
                            "a string or an array")
    return scalars, arrays


def _scalar_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parameters.items() if isinstance(v, (str, bool, int, float)) or v is None}


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _compute(task: Task, store: StudyStore) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Compute one point and write its arrays (or its failure record); returns (summary, row or None)."""
    from sciml.io import json_data

    arguments = {**task.fixed, **task.parameters}
    shown = json_data(arguments)
    row: dict[str, Any] = {
        "key": task.key, "status": "ok", "parameters": json.dumps(shown, sort_keys=True),
        **_scalar_parameters(shown),
        "package_version": task.version, "backend": str(arguments.get("backend", "numpy")),
        "host": socket.gethostname(), "error": None,
    }
    start = time.perf_counter()
    try:
        scalars, arrays = _split(resolve(task.problem)(**arguments))
        metrics = {}
        for name in task.metrics:
            value = resolve(name, kind="metric")(dict(scalars, **arrays), arguments)
            metrics.update(value if isinstance(value, Mapping) else {name: value})
        row["wall_time"] = time.perf_counter() - start
    except Exception as exc:  # the point failed: record it, the study goes on
        record = {**row, "status": "failed", "wall_time": time.perf_counter() - start,
                  "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        store.write_failure(task.key, record)
        return {k: record[k] for k in ("key", "status", "error", "wall_time")} | {"metrics": {}}, None
    clash = sorted(set(scalars) & set(row))
    if clash:
        scalars = {(f"output_{k}" if k in clash else k): v for k, v in scalars.items()}
    row.update(scalars)
    row.update({k: _number(v) for k, v in metrics.items()})
    store.write_arrays(task.key, arrays)
    return {"key": task.key, "status": "ok", "error": None, "wall_time": row["wall_time"], "metrics": metrics}, row


def run_task(task: Task) -> dict[str, Any]:
    """Compute and store one point; returns its summary (key, status, metrics, error, wall time)."""
    return run_tasks([task])[0]


def run_tasks(tasks: Sequence[Task], *, flush_every: float = 1.0) -> list[dict[str, Any]]:
    """Compute and store a batch of points; returns their summaries.

    Each point's arrays are written as soon as it is computed; the rows of the batch's points are
    written together (one Parquet file), at least every ``flush_every`` seconds and at the end, so
    a batch of cheap points costs one file and a killed batch loses at most a second of work.
    """
    summaries, rows = [], []
    last = time.perf_counter()
    for task in tasks:
        store = StudyStore(task.store)
        summary, row = _compute(task, store)
        summaries.append(summary)
        if row is not None:
            rows.append(row)
        if rows and (time.perf_counter() - last >= flush_every or task is tasks[-1]):
            store.write_rows(rows)
            rows, last = [], time.perf_counter()
    return summaries
