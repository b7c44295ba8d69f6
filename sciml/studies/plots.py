"""Plots of a study's table: ``y`` against ``x`` per ``hue``, log-log with the fitted order; an HTML table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sciml._extras import require

from .metrics import observed_order

__all__ = ["html_table", "plot_results"]


def plot_results(frame: Any, *, x: str, y: str, hue: str | None = None, path: str | Path | None = None,
                 loglog: bool | None = None, title: str | None = None) -> Any:
    """A matplotlib figure of ``y`` against ``x``, one line per value of ``hue``.

    With ``loglog`` (default: when every ``x`` and ``y`` is positive) the axes are logarithmic and
    each line's label carries its fitted order (:func:`~sciml.studies.metrics.observed_order`). A
    categorical ``x`` (method names) gives a bar chart. Only points with status "ok" are drawn.
    Written to ``path`` (PNG) when given.

    Examples
    --------
    >>> import pandas as pd
    >>> from sciml.studies import plot_results
    >>> frame = pd.DataFrame({"n": [8, 16, 32], "err": [1e-2, 2.5e-3, 6.25e-4], "status": "ok"})
    >>> figure = plot_results(frame, x="n", y="err")
    >>> figure.axes[0].get_legend_handles_labels()[1]
    ['order 2.00']
    """
    require("matplotlib")
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    for column in (x, y, hue):
        if column is not None and column not in frame:
            raise KeyError(f"no column {column!r} in the results; columns are {list(frame.columns)}")
    if "status" in frame:
        frame = frame[frame["status"] == "ok"]
    figure, ax = plt.subplots(figsize=(5.5, 4))
    groups = frame.groupby(hue, sort=True) if hue else [(None, frame)]
    numeric = frame[x].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).all()
    if not numeric:
        labels = list(dict.fromkeys(frame[x]))
        width = 0.8 / max(1, len(groups) if hue else 1)
        for i, (value, group) in enumerate(groups):
            positions = [labels.index(v) + i * width for v in group[x]]
            ax.bar(positions, group[y].astype(float), width=width, label=None if value is None else f"{hue}={value}")
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))], labels)
        if (frame[y].astype(float) > 0).all():
            ax.set_yscale("log")
    else:
        positive = bool((frame[x].astype(float) > 0).all() and (frame[y].astype(float) > 0).all())
        loglog = positive if loglog is None else loglog
        for value, group in groups:
            group = group.sort_values(x)
            label = "" if value is None else f"{hue}={value}"
            if loglog:
                order = observed_order(group[x].astype(float).tolist(), group[y].astype(float).tolist())
                label = f"{label}, order {order:.2f}" if label else f"order {order:.2f}"
            ax.plot(group[x].astype(float), group[y].astype(float), "o-", label=label or None)
        if loglog:
            ax.set_xscale("log")
            ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if title:
        ax.set_title(title)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    return figure


def html_table(frame: Any, path: str | Path | None = None) -> str:
    """The table as HTML (the ``parameters`` JSON column left out); written to ``path`` when given.

    Examples
    --------
    >>> import pandas as pd
    >>> from sciml.studies import html_table
    >>> "<table" in html_table(pd.DataFrame({"n": [8], "err": [0.1]}))
    True
    """
    from sciml.io import atomic_write

    text = frame.drop(columns=[c for c in ("parameters",) if c in frame]).to_html(index=False, na_rep="")
    if path is not None:
        atomic_write(path, lambda f: f.write(text.encode()))
    return text
