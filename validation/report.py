"""Run the registered checks, print a table, write ``report.md`` and PNG plots.

``python -m validation`` is the command-line form (see :func:`main`).

Examples
--------
>>> from validation.checks import CheckOutcome, CheckRegistry
>>> from validation.report import format_table, run_checks
>>> registry = CheckRegistry()
>>> _ = registry.check("demo", component="demo", description="demo")(
...     lambda backend: CheckOutcome(error=1e-9, tolerance=1e-8))
>>> results = run_checks(registry, progress=False)
>>> print(format_table(results).splitlines()[2])
| demo | demo | 1.00e-09 | 1.00e-08 | - | pass |
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .checks import Check, CheckOutcome, CheckRegistry, default_registry

__all__ = ["CheckResult", "format_table", "main", "run_checks", "write_report"]

logger = logging.getLogger(__name__)


@dataclass
class CheckResult:
    """A check with its outcome, or with the exception it raised.

    Examples
    --------
    >>> from validation.checks import default_registry
    >>> from validation.report import CheckResult, run_checks
    >>> result = run_checks(default_registry(), patterns=["exact-ode-linear"], progress=False)[0]
    >>> isinstance(result, CheckResult), result.passed, result.error_message
    (True, True, '')
    """

    check: Check
    outcome: CheckOutcome | None
    error_message: str = ""
    skipped: str = ""  # why the check did not run (a missing optional dependency)

    @property
    def passed(self) -> bool:
        return self.outcome is not None and self.outcome.passed

    @property
    def failed(self) -> bool:
        return not self.skipped and not self.passed


def run_checks(registry: CheckRegistry, *, backend: str = "numpy", patterns: Sequence[str] | None = None,
               progress: bool | None = None) -> list[CheckResult]:
    """Run the selected checks on ``backend``; an exception in a check is a failure, not a crash.

    Examples
    --------
    >>> from validation.checks import default_registry
    >>> from validation.report import run_checks
    >>> [(r.check.name, r.passed) for r in run_checks(default_registry(), patterns=["exact-ode-*"], progress=False)]
    [('exact-ode-antiderivative', True), ('exact-ode-linear', True)]
    """
    from tqdm import tqdm

    checks = registry.select(patterns, backend=backend)
    if patterns and not checks:
        raise ValueError(f"no check matches {list(patterns)} on backend {backend!r}")
    disable = not sys.stderr.isatty() if progress is None else not progress
    results = []
    for check in tqdm(checks, desc="validation", unit="check", disable=disable):
        missing = check.missing()
        if missing:
            from sciml._extras import EXTRAS

            extras = sorted({EXTRAS.get(m, m) for m in missing})
            results.append(CheckResult(check, None, skipped=f"needs {', '.join(missing)}: pip install "
                                                          f"'sciml[{','.join(extras)}]'"))
            continue
        try:
            results.append(CheckResult(check, registry.run(check.name, backend=backend)))
        except Exception as exc:  # a failing check is reported with its message
            logger.exception("check %s raised", check.name)
            results.append(CheckResult(check, None, f"{type(exc).__name__}: {exc}"))
    return results


def _fmt(value: float | None, spec: str = ".2e") -> str:
    return "-" if value is None else format(value, spec)


def format_table(results: Sequence[CheckResult]) -> str:
    """A Markdown table: check, component, error, tolerance, observed order, pass/fail.

    Examples
    --------
    >>> from validation.checks import default_registry
    >>> from validation.report import format_table, run_checks
    >>> table = format_table(run_checks(default_registry(), patterns=["exact-ode-linear"], progress=False))
    >>> print(table.splitlines()[0])
    | check | component | error | tolerance | order | result |
    """
    lines = ["| check | component | error | tolerance | order | result |", "|---|---|---|---|---|---|"]
    for r in results:
        o = r.outcome
        if o is None:
            verdict = f"skipped ({r.skipped})" if r.skipped else f"FAIL ({r.error_message})"
            lines.append(f"| {r.check.name} | {r.check.component} | - | - | - | {verdict} |")
            continue
        order = "-" if o.observed_order is None else f"{o.observed_order:.3f}"
        if o.expected_order is not None:
            order += f" (expect {o.expected_order:g} ± {o.order_tolerance:g})"
        lines.append(
            f"| {r.check.name} | {r.check.component} | {_fmt(o.error)} | {_fmt(o.tolerance)} | {order} | "
            f"{'pass' if o.passed else 'FAIL'} |"
        )
    return "\n".join(lines)


def _plot_convergence(path: Path, name: str, outcome: CheckOutcome) -> None:
    from matplotlib.figure import Figure

    h, e = outcome.convergence["h"], outcome.convergence["errors"]
    fig = Figure(figsize=(4.5, 3.5))
    ax = fig.add_subplot()
    ax.loglog(h, e, "o-", label=f"{outcome.measure} (order {outcome.observed_order:.2f})")
    if outcome.expected_order is not None:
        p = outcome.expected_order
        ax.loglog(h, [e[-1] * (hi / h[-1]) ** p for hi in h], "k--", lw=0.8, label=f"slope {p:g}")
    ax.set_xlabel("h")
    ax.set_ylabel("error")
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_profile(path: Path, name: str, outcome: CheckOutcome) -> None:
    from matplotlib.figure import Figure

    prof = outcome.profile
    fig = Figure(figsize=(4.5, 3.5))
    ax = fig.add_subplot()
    ax.plot(prof["x"], prof["exact"], "k-", lw=1.2, label="exact")
    ax.plot(prof["x"], prof["approx"], ".", ms=3, label="discrete")
    ax.set_xlabel(prof.get("xlabel", "x"))
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_report(results: Sequence[CheckResult], out_dir: str | Path, *, backend: str,
                 seconds: float, plots: bool = True) -> Path:
    """Write ``report.md`` (and PNG plots under ``plots/``) into ``out_dir``; return its path.

    Examples
    --------
    >>> import tempfile
    >>> from validation.checks import default_registry
    >>> from validation.report import run_checks, write_report
    >>> results = run_checks(default_registry(), patterns=["exact-ode-linear"], progress=False)
    >>> with tempfile.TemporaryDirectory() as out:
    ...     write_report(results, out, backend="numpy", seconds=0.1, plots=False).name
    'report.md'
    """
    out = Path(out_dir)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    n_pass = sum(r.passed for r in results)
    lines = [
        "# Validation report",
        "",
        f"Backend: `{backend}`. {n_pass} of {len(results)} checks pass. Wall time {seconds:.1f} s.",
        "",
        format_table(results),
        "",
        "## Details",
        "",
    ]
    for r in results:
        lines.append(f"### {r.check.name}")
        lines.append("")
        lines.append(r.check.description + ".")
        o = r.outcome
        if o is None:
            lines += ["", f"**Skipped**: {r.skipped}" if r.skipped else f"**Raised** `{r.error_message}`", ""]
            continue
        lines.append(f"{o.measure}: {o.error:.3e} (tolerance {o.tolerance:.1e}), {o.seconds:.2f} s. {o.details}")
        if o.convergence:
            pairs = ", ".join(f"{h:.3g}: {e:.3e}" for h, e in zip(o.convergence["h"], o.convergence["errors"]))
            lines.append(f"Errors by h: {pairs}.")
        lines.append("")
        if plots and o.convergence:
            _plot_convergence(out / "plots" / f"{r.check.name}-convergence.png", r.check.name, o)
            lines.append(f"![convergence](plots/{r.check.name}-convergence.png)")
        if plots and o.profile:
            _plot_profile(out / "plots" / f"{r.check.name}-profile.png", r.check.name, o)
            lines.append(f"![solution vs exact](plots/{r.check.name}-profile.png)")
        lines.append("")
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None, *, registry: CheckRegistry | None = None) -> int:
    """Command line of ``python -m validation``; returns the exit status (1 if any check fails).

    Examples
    --------
    >>> import contextlib, io, tempfile
    >>> from validation.report import main
    >>> with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     status = main(["--out", out, "-k", "exact-ode-linear", "--no-plots"])   # python -m validation ...
    >>> status
    0
    """
    parser = argparse.ArgumentParser(prog="python -m validation", description=(
        "Run the project's validation checks against exact solutions, print a table, "
        "write report.md and PNG plots."))
    parser.add_argument("--backend", default="numpy", choices=("numpy", "cupy", "array_api_strict"),
                        help="array backend for every check (default numpy)")
    parser.add_argument("--out", default="validation-report", help="output folder (default validation-report)")
    parser.add_argument("-k", "--select", action="append", metavar="GLOB",
                        help="run only checks whose name matches this glob (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    registry = registry if registry is not None else default_registry()
    if args.list:
        for check in registry.select(args.select):
            print(f"{check.name:45s} {check.component:18s} {check.description}")
        return 0
    try:
        from sciml.backend import namespace_for

        namespace_for(args.backend)
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        results = run_checks(registry, backend=args.backend, patterns=args.select)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    plots = not args.no_plots
    if plots and importlib.util.find_spec("matplotlib") is None:
        print("note: no PNG plots (matplotlib is missing: pip install 'sciml[plot]')", file=sys.stderr)
        plots = False
    path = write_report(results, args.out, backend=args.backend, seconds=seconds, plots=plots)
    print(format_table(results))
    n_fail = sum(r.failed for r in results)
    n_skip = sum(bool(r.skipped) for r in results)
    n_pass = len(results) - n_fail - n_skip
    skipped = f", {n_skip} skipped" if n_skip else ""
    print(f"\n{n_pass} passed, {n_fail} failed{skipped} in {seconds:.1f} s on {args.backend}; report: {path}")
    return 1 if n_fail else 0
