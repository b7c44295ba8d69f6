"""Scripted PDE studies: a problem over a parameter grid, run resumably on one machine or a Dask cluster.

* :class:`Study` — ``Study.from_yaml(path)`` or ``Study(problem=, grid=, metrics=, store=)``;
  ``run(executor=, progress=)``, ``status()``, ``results()`` (a pandas DataFrame, one row per
  point), ``to_xarray()``, ``plot(x=, y=, hue=)``;
* the spec (:func:`load_spec`, :class:`StudySpec`): validated before any point runs, errors name
  the key and the YAML line;
* the store (:class:`StudyStore`): each point keyed by the hash of its parameters, the problem and
  the package version (:func:`point_key`); arrays in a zarr group and scalars in Parquet, written
  atomically, so a study killed at any moment recomputes only its missing points;
* executors: serial, a process pool, dask.distributed (``LocalCluster``, a scheduler address,
  dask-jobqueue).

Needs ``pip install 'sciml[studies]'`` (pydantic, pyyaml, zarr, pyarrow, pandas, xarray, dask).
The command line is ``sciml study run|status|collect|plot`` (:mod:`sciml.cli`).
"""

from .errors import SpecError, StoreError, StoreLockedError
from .grid import grid_points
from .identity import point_key, point_record
from .plots import html_table, plot_results
from .registry import METRICS, PROBLEMS, resolve
from .spec import ExecutorSpec, GridSpec, MetricSpec, StudySpec, load_spec, parse_spec
from .store import StudyStore
from .study import RunSummary, Study, StudyStatus

__all__ = ["METRICS", "PROBLEMS", "ExecutorSpec", "GridSpec", "MetricSpec", "RunSummary", "SpecError",
           "StoreError", "StoreLockedError", "Study", "StudySpec", "StudyStatus", "StudyStore", "grid_points",
           "html_table", "load_spec", "parse_spec", "plot_results", "point_key", "point_record", "resolve"]
