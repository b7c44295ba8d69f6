"""Problems and metrics by name: the registered names, plus any importable ``"module:function"``.

The tables are fixed (no registration at run time), so a worker process resolves a name exactly
as the client did; a user's own problem or metric is given as ``"package.module:function"``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from .errors import SpecError

__all__ = ["ALWAYS", "META_COLUMNS", "METRICS", "PROBLEMS", "STUDY_METRICS", "check_spec", "qualified_name", "resolve"]

#: Registered problems: name -> ``"module:function"``.
PROBLEMS = MappingProxyType({
    "poisson_sine": "sciml.studies.problems:poisson_sine",
    "krylov_poisson": "sciml.studies.problems:krylov_poisson",
    "burgers_sine": "sciml.studies.problems:burgers_sine",
})

#: Registered per-point metrics: name -> ``"module:function"`` of ``(outputs, parameters) -> number``.
METRICS = MappingProxyType({
    "rel_l2": "sciml.studies.metrics:rel_l2",
    "max_error": "sciml.studies.metrics:max_error",
    "iterations": "sciml.studies.metrics:iterations",
})

#: Metrics of the whole study (computed over the table), with their required options.
STUDY_METRICS = MappingProxyType({"observed_order": ("of", "over")})

#: Columns every row has besides the parameters and metrics (``backend`` may also be a parameter).
META_COLUMNS = ("key", "status", "parameters", "wall_time", "package_version", "backend", "host", "error")

#: Always recorded for every point; accepted in a spec's metrics for clarity.
ALWAYS = ("wall_time",)


def resolve(name: str, *, kind: str = "problem") -> Callable[..., Any]:
    """The function a registered name or a ``"module:function"`` reference stands for.

    Examples
    --------
    >>> from sciml.studies import resolve
    >>> resolve("rel_l2", kind="metric").__name__, resolve("math:sqrt")(9.0)
    ('rel_l2', 3.0)
    >>> try:
    ...     resolve("no_such_problem")
    ... except ValueError as exc:
    ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
    unknown problem 'no_such_problem': expected one of ['burgers_sine', 'krylov_poisson', 'poisson_sine']
    or 'module:function'
    """
    table = PROBLEMS if kind == "problem" else METRICS
    reference = table.get(name, name)
    if ":" not in reference:
        raise ValueError(f"unknown {kind} {name!r}: expected one of {sorted(table)} or 'module:function'")
    module_name, _, attribute = reference.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{kind} {name!r} cannot be imported: {exc}") from None
    if not callable(target):
        raise ValueError(f"{kind} {name!r} is not callable: {type(target).__name__}")
    return target


def qualified_name(name: str) -> str:
    """The ``"module:function"`` a problem name stands for (the point identity uses it)."""
    return PROBLEMS.get(name, name)


def _where(lines: Mapping[tuple, int], source: str, *path: Any) -> str:
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in lines:
            return f"{source}, line {lines[tuple(path[:n])]}"
    return source


def check_spec(spec: Any, *, lines: Mapping[tuple, int] = MappingProxyType({}), source: str = "spec") -> None:
    """Resolve the problem and metrics of ``spec`` and check that the problem accepts its parameters.

    Raises :class:`~sciml.studies.spec.SpecError` naming the key (and line).
    """
    try:
        problem = resolve(spec.problem)
    except ValueError as exc:
        raise SpecError(f"{_where(lines, source, 'problem')}: problem: {exc}") from None
    given = {**{k: ("fixed", k) for k in spec.fixed}, **{k: ("grid", spec.grid.kind, k) for k in spec.grid.names()}}
    for name, path in given.items():
        if name in META_COLUMNS and name != "backend":
            raise SpecError(f"{_where(lines, source, *path)}: {'.'.join(path)}: the parameter name {name!r} is "
                            f"reserved for a column of the results ({list(META_COLUMNS)})")
    try:
        signature = inspect.signature(problem)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        parameters = signature.parameters
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            for name, path in given.items():
                if name not in parameters or parameters[name].kind in (inspect.Parameter.VAR_POSITIONAL,
                                                                        inspect.Parameter.POSITIONAL_ONLY):
                    raise SpecError(f"{_where(lines, source, *path)}: {'.'.join(path)}: the problem {spec.problem!r} "
                                    f"accepts no parameter {name!r}; it accepts {sorted(parameters)}")
        required = [n for n, p in parameters.items() if p.default is p.empty
                    and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and n not in given]
        if required:
            raise SpecError(f"{_where(lines, source, 'grid')}: the problem {spec.problem!r} needs the parameter(s) "
                            f"{required}, which neither fixed nor grid gives")
    names = set(given)
    for i, metric in enumerate(spec.metrics):
        path = ("metrics", i)
        if metric.name in ALWAYS:
            continue
        if metric.name in STUDY_METRICS:
            needed = STUDY_METRICS[metric.name]
            missing = [k for k in needed if k not in metric.options]
            extra = sorted(set(metric.options) - set(needed))
            if missing or extra:
                raise SpecError(f"{_where(lines, source, *path)}: metrics.{i}: {metric.name} takes the options "
                                f"{list(needed)}, got {sorted(metric.options)}")
            if metric.options["over"] not in names:
                raise SpecError(f"{_where(lines, source, *path)}: metrics.{i}: {metric.name} over "
                                f"{metric.options['over']!r}, which is no parameter of the study ({sorted(names)})")
            continue
        try:
            resolve(metric.name, kind="metric")
        except ValueError as exc:
            raise SpecError(f"{_where(lines, source, *path)}: metrics.{i}: {exc}") from None
        if metric.options:
            raise SpecError(f"{_where(lines, source, *path)}: metrics.{i}: {metric.name} takes no options, "
                            f"got {sorted(metric.options)}")
