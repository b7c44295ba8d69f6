"""The ``sciml`` command line: ``sciml study run|status|collect|plot SPEC`` and ``sciml train CONFIG``.

``sciml study run`` exits with 0 only when every point of the study has succeeded; 1 when some
failed (their summary is printed); 2 for a bad spec, a store of another spec or version, a
locked or unwritable store. ``sciml study status`` exits with 0 when the study is complete.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="the study's YAML spec")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a key of the spec, the value read as YAML "
                             "(e.g. --set grid.product.nu='[0.1, 0.2]'; repeatable)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sciml", description="Scientific machine learning tools: scripted studies.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    study = commands.add_parser("study", help="run and read scripted PDE studies",
                                description="Run a study's parameter grid into its store, and read the results.")
    actions = study.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser("run", help="compute the points that are not complete yet",
                             description="Compute every point that is not complete yet (a rerun of a killed or "
                                         "extended study computes only the missing points). Exit code 0 only "
                                         "when every point succeeded.")
    _common(run)
    run.add_argument("--executor", choices=["serial", "process", "dask"], help="where points run (default: the spec's)")
    run.add_argument("--workers", type=int, help="processes of the pool or of the Dask LocalCluster")
    run.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler address (tcp://host:8786)")
    run.add_argument("--retry-failed", action="store_true", help="compute the points recorded as failed again")
    run.add_argument("--force-new", action="store_true",
                     help="set a store of another spec or package version aside and start anew")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="a progress bar (default: when stderr is a terminal)")

    status = actions.add_parser("status", help="count complete, failed and pending points",
                                description="Count the complete, failed and pending points (exit code 0 when "
                                            "the study is complete).")
    _common(status)

    collect = actions.add_parser("collect", help="write the results table (one row per point)",
                                 description="Write the results table, one row per point with parameters, "
                                             "metrics, status and error.")
    _common(collect)
    collect.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format")
    collect.add_argument("--output", type=Path, help="the file (default: <store>/study_results.<format>)")

    plot = actions.add_parser("plot", help="plot a metric against a parameter, write an HTML table",
                              description="Plot Y against X per HUE (log-log with the fitted order when both "
                                          "are positive) as PNG, and the results as an HTML table.")
    _common(plot)
    plot.add_argument("--x", required=True, help="the column on the x axis (a parameter)")
    plot.add_argument("--y", required=True, help="the column on the y axis (a metric)")
    plot.add_argument("--hue", help="one line per value of this column")
    plot.add_argument("--output", type=Path, help="the PNG (default: <store>/<y>_vs_<x>.png)")
    plot.add_argument("--html", type=Path, help="the HTML table (default: <store>/results.html)")

    train = commands.add_parser("train", help="train a model from a YAML config",
                                description="Validate the config, build its model and data, train with "
                                            "sciml.train.fit (distributed under torchrun) and save the model "
                                            "(rank 0). Exit code 0 on success, 2 for a bad config.")
    train.add_argument("config", type=Path, help="the training YAML config")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a key of the config, the value read as YAML (e.g. --set fit.lr=0.01)")
    train.add_argument("--checkpoint", type=Path, help="checkpoint file; an existing one is resumed from")
    train.add_argument("--override", action="store_true",
                       help="resume from a checkpoint of another learning rate, data set or model")
    return parser


def _train(args) -> int:
    from sciml.studies import SpecError
    from sciml.training_config import load_train_config, train_from_config

    try:
        config = load_train_config(args.config, overrides=args.overrides)
        summary = train_from_config(config, checkpoint=args.checkpoint, override=args.override)
    except (SpecError, ValueError) as exc:  # a bad config, or a resume refused without --override
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if summary:
        print(summary)
    return 0


def _run(study, args) -> int:
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    summary = study.run(args.executor, workers=args.workers, scheduler=args.scheduler, progress=progress,
                        retry_failed=args.retry_failed, force_new=args.force_new)
    print(summary)
    if not summary.ok:
        print(f"{len(summary.failures)} point(s) failed; rerun with --retry-failed to compute them again",
              file=sys.stderr)
    return 0 if summary.ok else 1


def _status(study, args) -> int:
    status = study.status()
    print(f"{study.spec.name}: {status}")
    return 0 if status.complete == status.total else 1


def _collect(study, args) -> int:
    table = study.results()
    output = args.output or study.store.path / f"study_results.{args.format}"
    from sciml.io import atomic_write

    if args.format == "csv":
        text = table.to_csv(index=False).encode()
        atomic_write(output, lambda f: f.write(text))
    else:
        atomic_write(output, lambda f: table.to_parquet(f, index=False))
    print(f"{len(table)} rows ({int((table['status'] == 'ok').sum())} ok) -> {output}")
    return 0


def _plot(study, args) -> int:
    from sciml.studies import html_table

    output = args.output or study.store.path / f"{args.y}_vs_{args.x}.png"
    html = args.html or study.store.path / "results.html"
    study.plot(x=args.x, y=args.y, hue=args.hue, path=output)
    html_table(study.results(), html)
    print(f"plot -> {output}\ntable -> {html}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    The commands are ``sciml study run SPEC [--executor serial|process|dask] [--workers N]
    [--scheduler ADDRESS] [--retry-failed] [--force-new] [--progress|--no-progress]``,
    ``sciml study status SPEC``, ``sciml study collect SPEC [--format parquet|csv] [--output FILE]``
    and ``sciml study plot SPEC --x X --y Y [--hue HUE] [--output PNG] [--html FILE]``; each also
    takes ``--set KEY=VALUE`` (repeatable: a key of the spec overridden, the value read as YAML)
    and ``--help``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when the command succeeded (``run``: every point complete; ``status``: the study is
        complete; ``train``: the model trained and saved), 1 otherwise.

    Raises
    ------
    SystemExit
        With code 2 for bad arguments, a bad spec or training config, a refused resume, a store
        that cannot be used (the error on stderr), and with code 0 after ``--help``.

    Examples
    --------
    >>> import contextlib, sys
    >>> from sciml.cli import main
    >>> with contextlib.redirect_stderr(sys.stdout):
    ...     try:
    ...         main(["study", "status", "no-such-spec.yaml"])
    ...     except SystemExit as exc:
    ...         print(exc.code)
    error: cannot read the study spec no-such-spec.yaml: No such file or directory
    2
    """
    args = _parser().parse_args(argv)
    if args.command == "train":
        return _train(args)
    from sciml.studies import SpecError, StoreError, Study

    try:
        study = Study.from_yaml(args.spec, overrides=args.overrides)
        code = {"run": _run, "status": _status, "collect": _collect, "plot": _plot}[args.action](study, args)
    except (SpecError, StoreError, KeyError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return code


if __name__ == "__main__":
    raise SystemExit(main())
