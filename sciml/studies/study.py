"""The :class:`Study`: a validated spec, run on an executor into a resumable store, read back as a table."""

from __future__ import annotations

import platform
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import StoreError
from .grid import grid_points
from .identity import point_key
from .point import Task
from .registry import ALWAYS, STUDY_METRICS, qualified_name
from .spec import ExecutorSpec, GridSpec, StudySpec, load_spec, parse_spec
from .store import StudyStore

__all__ = ["RunSummary", "Study", "StudyStatus"]


@dataclass(frozen=True)
class StudyStatus:
    """How far a study is: points in the grid, complete, failed, pending, and the running owner if any.

    Examples
    --------
    >>> import tempfile
    >>> from sciml.studies import Study
    >>> study = Study(problem="burgers_sine", grid={"product": {"nu": [0.1, 0.2]}},
    ...               fixed={"resolution": 16, "t_final": 0.01}, store=tempfile.mkdtemp())
    >>> print(study.status())
    0/2 complete, 0 failed, 2 pending
    >>> _ = study.run(progress=False)
    >>> status = study.status()
    >>> status.complete, status.pending, status.running
    (2, 0, None)
    """

    total: int
    complete: int
    failed: int
    pending: int
    running: dict[str, Any] | None = None

    def __str__(self) -> str:
        owner = f"; running (pid {self.running.get('pid')} on {self.running.get('host')})" if self.running else ""
        return f"{self.complete}/{self.total} complete, {self.failed} failed, {self.pending} pending{owner}"


@dataclass(frozen=True)
class RunSummary:
    """What one :meth:`Study.run` did: points in the grid, computed now, already complete, and the failures.

    Examples
    --------
    A point that raises is recorded as failed with its error, and the study goes on:

    >>> import tempfile
    >>> from sciml.studies import Study
    >>> study = Study(problem="poisson_sine", grid={"product": {"backend": ["numpy", "no-such-backend"]}},
    ...               fixed={"n": 8}, store=tempfile.mkdtemp())
    >>> summary = study.run(progress=False)
    >>> summary.ok, summary.computed, len(summary.failures)
    (False, 1, 1)
    >>> print(summary)  # doctest: +ELLIPSIS
    2 points: 1 computed, 0 already complete, 1 failed
      failed {'backend': 'no-such-backend'}: ValueError: backend must be one of (...), got 'no-such-backend'
    """

    total: int
    computed: int
    skipped: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every point of the grid is complete."""
        return not self.failures and self.computed + self.skipped == self.total

    def __str__(self) -> str:
        text = (f"{self.total} points: {self.computed} computed, {self.skipped} already complete, "
                f"{len(self.failures)} failed")
        for failure in self.failures[:20]:
            text += f"\n  failed {failure.get('parameters', failure['key'])}: {failure['error']}"
        if len(self.failures) > 20:
            text += f"\n  ... and {len(self.failures) - 20} more"
        return text


def _package_version() -> str:
    from sciml import __version__

    return str(__version__)


def _environment() -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    for name in ("sciml", "numpy", "scipy", "zarr", "pyarrow", "pandas", "dask", "distributed", "pydantic"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"versions": versions, "host": socket.gethostname(), "platform": platform.platform(),
            "device": "cpu", "backends": ["numpy"]}


def _reference(problem: str | Callable[..., Any]) -> str:
    if isinstance(problem, str):
        return problem
    module, name = getattr(problem, "__module__", None), getattr(problem, "__qualname__", "")
    if not module or "<" in name:
        raise ValueError(f"problem must be a registered name, 'module:function' or an importable function, "
                         f"got {problem!r}")
    return f"{module}:{name}"


class Study:
    """A scripted study: a problem over a parameter grid, its metrics, a store and an executor.

    Parameters
    ----------
    problem : str or callable
        A registered problem (:data:`~sciml.studies.PROBLEMS`), ``"module:function"``, or an
        importable function (called with keyword arguments; returns a mapping of numbers and arrays).
    grid : GridSpec or mapping
        ``{"product": {...}}``, ``{"zip": {...}}``, ``{"list": [...]}`` or ``{"random": {...}, "samples":, "seed":}``.
    store : str or Path
        The store folder (:class:`~sciml.studies.StudyStore`).
    metrics : sequence
        Metric names, ``"module:function"``, or ``{"observed_order": {"of": ..., "over": ...}}``.
    fixed : mapping, optional
        Arguments passed to every point.
    executor : ExecutorSpec or mapping, optional
        The default executor of :meth:`run`.
    name : str, optional
        The study's name (progress bar, plot titles); default: the problem function's name.

    Examples
    --------
    >>> import tempfile
    >>> from sciml.studies import Study
    >>> study = Study(problem="burgers_sine", grid={"product": {"nu": [0.1, 0.2], "resolution": [32, 64]}},
    ...               fixed={"t_final": 0.05}, metrics=["rel_l2"], store=tempfile.mkdtemp())
    >>> print(study.run(progress=False))
    4 points: 4 computed, 0 already complete, 0 failed
    >>> table = study.results()
    >>> list(table.columns[:4]), bool((table["rel_l2"] < 1e-4).all())
    (['key', 'nu', 'resolution', 'rel_l2'], True)
    >>> print(study.run(progress=False))                       # complete: nothing is computed again
    4 points: 0 computed, 4 already complete, 0 failed
    """

    def __init__(self, *, problem: str | Callable[..., Any], grid: GridSpec | Mapping[str, Any],
                 store: str | Path, metrics: Sequence[Any] = (), fixed: Mapping[str, Any] | None = None,
                 executor: ExecutorSpec | Mapping[str, Any] | None = None, name: str | None = None) -> None:
        reference = _reference(problem)
        data = {"name": name or reference.rpartition(":")[2], "problem": reference,
                "grid": grid.model_dump(exclude_none=True) if isinstance(grid, GridSpec) else dict(grid),
                "metrics": list(metrics), "fixed": dict(fixed or {}), "store": str(Path(store).expanduser())}
        if executor is not None:
            data["executor"] = executor.model_dump(exclude_none=True) if isinstance(executor, ExecutorSpec) \
                else dict(executor)
        self._init(parse_spec(data, source="Study(...)"))

    def _init(self, spec: StudySpec) -> None:
        self.spec = spec
        self.store = StudyStore(spec.store)
        self.version = _package_version()
        self._points: list[tuple[str, dict[str, Any]]] | None = None

    @classmethod
    def from_spec(cls, spec: StudySpec) -> "Study":
        """A study from a validated :class:`StudySpec`."""
        study = cls.__new__(cls)
        study._init(spec)
        return study

    @classmethod
    def from_yaml(cls, path: str | Path, *, overrides: Sequence[str] = ()) -> "Study":
        """A study from a YAML spec (:func:`~sciml.studies.load_spec`); ``overrides`` are ``key=value`` strings."""
        return cls.from_spec(load_spec(path, overrides=overrides))

    def __repr__(self) -> str:
        return (f"Study({self.spec.name!r}, problem={self.spec.problem!r}, points={len(self.points())}, "
                f"store={self.store})")

    # -- identity ----------------------------------------------------------------------------------
    def points(self) -> list[tuple[str, dict[str, Any]]]:
        """``(key, parameters)`` of every point of the grid, in grid order, duplicates removed."""
        if self._points is None:
            problem, fixed, seen = qualified_name(self.spec.problem), self.spec.fixed, {}
            for parameters in grid_points(self.spec.grid):
                seen.setdefault(point_key(problem, {**fixed, **parameters}, version=self.version), parameters)
            self._points = list(seen.items())
        return self._points

    def fingerprint(self) -> dict[str, Any]:
        """What must match for a store to be reused: problem, fixed arguments, metrics, package version."""
        from sciml.io import json_data

        return {"problem": qualified_name(self.spec.problem), "fixed": json_data(self.spec.fixed),
                "metrics": [m.model_dump() for m in self.spec.metrics], "package_version": self.version}

    # -- running -----------------------------------------------------------------------------------
    def _check_store(self) -> None:
        stored = self.store.read_provenance()
        if stored is None:
            return
        old, new = stored.get("fingerprint", {}), self.fingerprint()
        differ = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if differ:
            detail = "; ".join(f"{k}: store has {old.get(k)!r}, this study {new.get(k)!r}" for k in differ)
            what = "package version" if differ == ["package_version"] else "spec"
            raise StoreError(f"the store {self.store.path} was written by another {what} ({detail}); refusing to "
                             "mix them: use force_new=True (--force-new) to set the old store aside, or give another "
                             "store")

    def run(self, executor: str | ExecutorSpec | Any | None = None, *, workers: int | None = None,
            scheduler: str | None = None, progress: bool = True, retry_failed: bool = False,
            force_new: bool = False) -> RunSummary:
        """Compute every point that is not complete yet and store it; returns a :class:`RunSummary`.

        Parameters
        ----------
        executor : {"serial", "process", "dask"}, ExecutorSpec, distributed.Client, optional
            Default: the spec's executor.
        workers, scheduler : optional
            Override the executor's worker count and Dask scheduler address.
        progress : bool
            A tqdm progress bar.
        retry_failed : bool
            Compute the points recorded as failed again (otherwise they are left as failed).
        force_new : bool
            Set an existing store written by another spec or package version aside
            (renamed to ``<store>.replaced-<time>``) and start anew.

        Raises
        ------
        StoreError
            The store belongs to another spec or version (without ``force_new``), cannot be
            written, or another run holds its lock (:class:`StoreLockedError`).
        """
        from .executors import execute

        spec_executor = self.spec.executor
        client = None
        if isinstance(executor, ExecutorSpec):
            spec_executor, executor = executor, None
        elif executor is not None and not isinstance(executor, str):
            client, executor = executor, "dask"
        kind = executor or spec_executor.kind
        if kind not in ("serial", "process", "dask"):
            raise ValueError(f"executor must be one of ['dask', 'process', 'serial'], got {kind!r}")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        if force_new and self.store.provenance.exists():
            with self.store.locked():
                self.store.set_aside()
        points = self.points()
        with self.store.locked():
            self._check_store()
            self.store.write_provenance({"spec": self.spec.model_dump(), "fingerprint": self.fingerprint(),
                                         "environment": _environment()})
            self.store.remove_temporaries()
            complete, failed = self.store.complete_keys(), self.store.failed_keys()
            todo = [(k, p) for k, p in points if k not in complete and (retry_failed or k not in failed)]
            metrics = tuple(m.name for m in self.spec.metrics if m.name not in STUDY_METRICS and m.name not in ALWAYS)
            tasks = [Task(key=k, problem=self.spec.problem, parameters=p, fixed=self.spec.fixed, metrics=metrics,
                          store=str(self.store.path), version=self.version) for k, p in todo]
            failures: list[dict[str, Any]] = []
            by_key, computed = dict(todo), 0
            bar = _progress(len(tasks), progress, self.spec.name)
            try:
                if tasks:
                    for summary in execute(tasks, kind=kind, workers=workers or spec_executor.workers,
                                           scheduler=client or scheduler or spec_executor.scheduler,
                                           jobqueue=None if (client or scheduler) else spec_executor.jobqueue):
                        computed += 1
                        if summary["status"] != "ok":
                            failures.append({**summary, "parameters": dict(by_key[summary["key"]])})
                        bar.update(1)
            finally:
                bar.close()
                self.store.consolidate()
        already_failed = [k for k, _ in points if k in failed and not retry_failed]
        records = self.store.failures()
        failures += [{"key": k, "status": "failed", "error": records.get(k, {}).get("error", "failed earlier"),
                      "parameters": dict(p), "earlier": True} for k, p in points if k in already_failed]
        return RunSummary(total=len(points), computed=computed - sum(not f.get("earlier") for f in failures),
                          skipped=len(points) - len(tasks) - len(already_failed), failures=failures)

    def status(self) -> StudyStatus:
        """Counts of complete, failed and pending points (reads file names only: fast for many points)."""
        points = self.points()
        complete, failed = self.store.complete_keys(), self.store.failed_keys()
        n_complete = sum(k in complete for k, _ in points)
        n_failed = sum(k in failed and k not in complete for k, _ in points)
        return StudyStatus(total=len(points), complete=n_complete, failed=n_failed,
                           pending=len(points) - n_complete - n_failed, running=self.store.owner())

    # -- reading -----------------------------------------------------------------------------------
    def results(self) -> Any:
        """One row per grid point, in grid order: ``key``, the parameters, metrics and scalar outputs,
        the study-wide metrics (``order_<metric>``), ``wall_time``, ``status`` ("ok", "failed",
        "pending"), ``error``, ``package_version``, ``backend``, ``host``; a pandas DataFrame."""
        from .table import results_table

        return results_table(self)

    def to_xarray(self) -> Any:
        """The complete points as an ``xarray.Dataset`` indexed by the grid's parameters (a product
        grid) or by ``point`` (other grids)."""
        from .table import to_xarray

        return to_xarray(self)

    def plot(self, *, x: str, y: str, hue: str | None = None, path: str | Path | None = None,
             loglog: bool | None = None) -> Any:
        """A figure of ``y`` against ``x`` per ``hue`` (log-log with the fitted order in the legend when
        both are positive); written to ``path`` (PNG) when given. See :func:`~sciml.studies.plot_results`."""
        from .plots import plot_results

        return plot_results(self.results(), x=x, y=y, hue=hue, path=path, loglog=loglog, title=self.spec.name)


def _progress(total: int, progress: bool, name: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, desc=name, unit="point")

