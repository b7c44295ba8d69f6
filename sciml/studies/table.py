"""A study's results as one table: a row per grid point, with the study-wide metrics; and as xarray."""

from __future__ import annotations

import json
from typing import Any

from sciml._extras import require

from .metrics import observed_order
from .registry import META_COLUMNS

__all__ = ["results_table", "to_xarray"]


def _with_orders(frame: Any, study: Any) -> Any:
    import numpy as np

    names = list(study.spec.grid.names())
    for metric in study.spec.metrics:
        if metric.name != "observed_order":
            continue
        of, over = metric.options["of"], metric.options["over"]
        column = f"order_{of}"
        frame[column] = np.nan
        if of not in frame or over not in frame:
            continue
        ok = frame[frame["status"] == "ok"]
        others = [n for n in names if n != over and n in frame]
        groups = ok.groupby(others, dropna=False, sort=False) if others else [((), ok)]
        for _, group in groups:
            order = observed_order(group[over].astype(float).tolist(), group[of].astype(float).tolist())
            frame.loc[group.index, column] = order
    return frame


def results_table(study: Any) -> Any:
    """See :meth:`Study.results`."""
    pd = require("pandas")
    rows = study.store.read_rows().set_index("key", drop=False)
    failures = study.store.failures()
    names = list(study.spec.grid.names())
    records = []
    for key, parameters in study.points():
        if key in rows.index:
            records.append(rows.loc[key].to_dict())
        elif key in failures:
            records.append({k: v for k, v in failures[key].items() if k != "traceback"})
        else:
            records.append({"key": key, "status": "pending", **parameters,
                            "parameters": json.dumps(parameters, sort_keys=True)})
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["key", *names, "status"])
    for column in META_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame = _with_orders(frame, study)
    fixed = [c for c in study.spec.fixed if c in frame and c not in names]
    first = ["key", *[n for n in names if n in frame]]
    last = ["wall_time", "status", "error", "package_version", "backend", "host", *fixed, "parameters"]
    middle = [c for c in frame.columns if c not in first and c not in last]
    return frame[first + middle + [c for c in last if c in frame and c not in first]].reset_index(drop=True)


def to_xarray(study: Any) -> Any:
    """See :meth:`Study.to_xarray`."""
    require("xarray")
    frame = study.results()
    frame = frame[frame["status"] == "ok"].drop(columns=["parameters"])
    names = [n for n in study.spec.grid.names() if n in frame]
    if study.spec.grid.kind == "product" and names:
        return frame.set_index(names).to_xarray()
    return frame.rename_axis("point").to_xarray()
