"""The study specification: typed, validated before anything runs, loaded from YAML with line numbers.

A spec names the problem, the constant arguments (``fixed``), the parameter grid, the metrics,
the store folder and the executor. :func:`load_spec` reads a YAML file; every error (an unknown
key, a wrong type, an empty grid, an unknown problem or metric, a parameter the problem does not
accept) is a :class:`SpecError` naming the key and, for a file, its line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from sciml._extras import require

from .errors import SpecError

require("pydantic")
require("yaml")

import yaml  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator  # noqa: E402

__all__ = ["ExecutorSpec", "GridSpec", "MetricSpec", "RandomParameter", "StudySpec", "load_spec",
           "parse_spec"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RandomParameter(_Strict):
    """One randomly sampled parameter: uniform in ``[low, high]`` (log-uniform with ``log``), or one of ``choices``."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "RandomParameter":
        if self.choices is not None:
            if self.low is not None or self.high is not None or not self.choices:
                raise ValueError("give either non-empty choices or low and high")
            return self
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        if self.log and self.low <= 0:
            raise ValueError(f"log sampling needs low > 0, got {self.low}")
        return self


#: Aliases, because the field names ``list`` and ``zip`` shadow the builtins inside the class.
_ValueLists = dict[str, list[Any]]
_Points = list[dict[str, Any]]
_RandomParameters = dict[str, RandomParameter]


class GridSpec(_Strict):
    """The parameter grid: exactly one of ``product``, ``zip``, ``list`` or ``random``.

    * ``product``: ``{name: [values]}``, every combination (the last name varies fastest);
    * ``zip``: ``{name: [values]}`` of equal lengths, taken together;
    * ``list``: ``[{name: value, ...}, ...]``, the points as written;
    * ``random``: ``{name: RandomParameter}`` with ``samples`` points drawn with ``seed``.

    Examples
    --------
    >>> from sciml.studies import GridSpec
    >>> grid = GridSpec(product={"n": [8, 16], "method": ["cg", "amg"]})
    >>> grid.kind, grid.names()
    ('product', ('n', 'method'))
    >>> GridSpec(random={"nu": {"low": 1e-3, "high": 1e-1, "log": True}}, samples=4, seed=0).kind
    'random'
    >>> try:
    ...     GridSpec(product={"n": [8]}, zip={"dt": [0.1]})
    ... except ValueError as exc:
    ...     print("exactly one of" in str(exc))
    True
    """

    product: _ValueLists | None = None
    zip: _ValueLists | None = None
    list: _Points | None = None
    random: _RandomParameters | None = None
    samples: int | None = Field(default=None, gt=0)
    seed: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "GridSpec":
        given = [k for k in ("product", "zip", "list", "random") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of product, zip, list, random; got {given or 'none'}")
        kind = given[0]
        value = getattr(self, kind)
        if not value:
            raise ValueError(f"the {kind} grid is empty")
        if kind in ("product", "zip"):
            empty = [name for name, values in value.items() if not values]
            if empty:
                raise ValueError(f"parameter(s) {empty} of the {kind} grid have no values")
        if kind == "zip" and len({len(v) for v in value.values()}) > 1:
            raise ValueError(f"zip needs lists of one length, got {({k: len(v) for k, v in value.items()})}")
        if kind == "list" and any(not point for point in value):
            raise ValueError("a point of the list grid is empty")
        if kind == "random" and (self.samples is None or self.seed is None):
            raise ValueError("a random grid needs samples and seed")
        if kind != "random" and (self.samples is not None or self.seed is not None):
            raise ValueError("samples and seed belong to a random grid only")
        return self

    @property
    def kind(self) -> str:
        """``"product"``, ``"zip"``, ``"list"`` or ``"random"``."""
        return next(k for k in ("product", "zip", "list", "random") if getattr(self, k) is not None)

    def names(self) -> tuple[str, ...]:
        """The parameter names the grid varies, in order of first appearance."""
        if self.kind == "list":
            seen: dict[str, None] = {}
            for point in self.list:
                seen.update(dict.fromkeys(point))
            return tuple(seen)
        return tuple(getattr(self, self.kind))


class MetricSpec(_Strict):
    """A metric: a registered name or ``"module:function"``, with its options.

    ``observed_order`` is a metric of the whole study: the least-squares slope of
    ``log(of)`` against ``log(over)`` within each group of the other parameters.

    Examples
    --------
    >>> from sciml.studies import MetricSpec
    >>> MetricSpec(name="observed_order", options={"of": "rel_l2", "over": "n"})
    MetricSpec(name='observed_order', options={'of': 'rel_l2', 'over': 'n'})

    In a spec, a metric is written as its name or as ``{name: options}``:

    >>> from sciml.studies import parse_spec
    >>> spec = parse_spec({"name": "s", "problem": "poisson_sine", "grid": {"product": {"n": [8, 16]}},
    ...                    "metrics": ["rel_l2", {"observed_order": {"of": "rel_l2", "over": "n"}}], "store": "s"})
    >>> [m.name for m in spec.metrics]
    ['rel_l2', 'observed_order']
    """

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class ExecutorSpec(_Strict):
    """Where points run: ``serial``, ``process`` (a pool of ``workers``) or ``dask``.

    For ``dask``: a ``LocalCluster`` of ``workers`` processes, or the cluster at ``scheduler``
    (``"tcp://host:8786"``), or a ``dask-jobqueue`` cluster built from ``jobqueue`` (``system``:
    ``slurm``, ``pbs``, ``sge``, ``lsf``; ``jobs``: how many to start; the rest are the cluster's
    arguments).

    Examples
    --------
    >>> from sciml.studies import ExecutorSpec
    >>> ExecutorSpec(kind="dask", workers=2)
    ExecutorSpec(kind='dask', workers=2, scheduler=None, jobqueue=None)
    >>> try:
    ...     ExecutorSpec(kind="process", scheduler="tcp://localhost:8786")
    ... except ValueError as exc:
    ...     print("scheduler and jobqueue need kind 'dask'" in str(exc))
    True
    """

    kind: Literal["serial", "process", "dask"] = "serial"
    workers: int | None = Field(default=None, gt=0)
    scheduler: str | None = None
    jobqueue: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ExecutorSpec":
        if self.kind != "dask" and (self.scheduler or self.jobqueue):
            raise ValueError(f"scheduler and jobqueue need kind 'dask', got kind {self.kind!r}")
        if self.scheduler and self.jobqueue:
            raise ValueError("give scheduler or jobqueue, not both")
        return self


class StudySpec(_Strict):
    """A whole study, validated (see :func:`load_spec`): ``name``, ``problem``, ``fixed``, ``grid``,
    ``metrics``, ``store`` and ``executor``, the keys of a YAML spec.

    Examples
    --------
    >>> from sciml.studies import StudySpec
    >>> spec = StudySpec(name="s", problem="burgers_sine", fixed={"t_final": 0.1},
    ...                  grid={"product": {"nu": [0.1, 0.2], "resolution": [32]}}, store="s")
    >>> spec.grid.names(), spec.executor.kind
    (('nu', 'resolution'), 'serial')
    >>> try:
    ...     StudySpec(name="s", problem="burgers_sine", fixed={"nu": 0.1}, grid={"product": {"nu": [0.2]}},
    ...               store="s")
    ... except ValueError as exc:
    ...     print("both fixed and in the grid" in str(exc))
    True
    """

    name: str = Field(min_length=1)
    problem: str = Field(min_length=1)
    fixed: dict[str, Any] = Field(default_factory=dict)
    grid: GridSpec
    metrics: list[MetricSpec] = Field(default_factory=list)
    store: str = Field(min_length=1)
    executor: ExecutorSpec = Field(default_factory=ExecutorSpec)

    @field_validator("metrics", mode="before")
    @classmethod
    def _metric_entries(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out = []
        for entry in value:
            if isinstance(entry, str):
                out.append({"name": entry})
            elif isinstance(entry, Mapping) and "name" not in entry and len(entry) == 1:
                (name, options), = entry.items()
                out.append({"name": name, "options": options if options is not None else {}})
            else:
                out.append(entry)
        return out

    @model_validator(mode="after")
    def _overlap(self) -> "StudySpec":
        both = sorted(set(self.fixed) & set(self.grid.names()))
        if both:
            raise ValueError(f"parameter(s) {both} are both fixed and in the grid")
        return self


def _lines(node: Any, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each key path of a composed YAML document to its line (1-based)."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = key.start_mark.line + 1
            _lines(value, path + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _lines(item, path + (i,), out)
    return out


def _message(exc: ValidationError, lines: Mapping[tuple, int], source: str, *, what: str = "study spec") -> str:
    parts = []
    for error in exc.errors():
        loc = tuple(x for x in error["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        key = ".".join(str(x) for x in loc) or "(top level)"
        line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
        where = f"{source}, line {line}" if line is not None else source
        parts.append(f"{where}: {key}: {error['msg']}")
    return f"invalid {what}\n  " + "\n  ".join(parts)


def parse_spec(data: Mapping[str, Any], *, source: str = "spec", lines: Mapping[tuple, int] | None = None,
               check: bool = True) -> StudySpec:
    """Validate a spec given as a mapping; with ``check``, also resolve the problem and metrics.

    Examples
    --------
    >>> from sciml.studies import parse_spec
    >>> spec = parse_spec({"name": "demo", "problem": "burgers_sine", "fixed": {"resolution": 32},
    ...                    "grid": {"product": {"nu": [0.1, 0.2]}}, "metrics": ["rel_l2"], "store": "demo.study"})
    >>> spec.grid.kind, spec.metrics[0].name
    ('product', 'rel_l2')
    >>> try:
    ...     parse_spec({"name": "demo", "problem": "burgers_sine", "grid": {"product": {"nu": []}}, "store": "s"})
    ... except ValueError as exc:
    ...     print(str(exc).splitlines()[1].strip())
    spec: grid: Value error, parameter(s) ['nu'] of the product grid have no values
    """
    if not isinstance(data, Mapping):
        raise SpecError(f"{source}: a study spec is a mapping of keys, got {type(data).__name__}")
    try:
        spec = StudySpec.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecError(_message(exc, lines or {}, source)) from None
    if check:
        from .registry import check_spec

        check_spec(spec, lines=lines or {}, source=source)
    return spec


def set_value(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``key.sub=value`` override (the value parsed as YAML) to a spec mapping in place.

    Examples
    --------
    >>> from sciml.studies.spec import set_value
    >>> data = {"grid": {"product": {"nu": [0.1]}}}
    >>> set_value(data, "grid.product.nu=[0.1, 0.2]"); data
    {'grid': {'product': {'nu': [0.1, 0.2]}}}
    """
    key, sep, text = assignment.partition("=")
    if not sep or not key.strip():
        raise SpecError(f"--set expects key=value, got {assignment!r}")
    parts = key.strip().split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise SpecError(f"--set {key}: {part!r} is not a mapping in the spec")
        node = child
    node[parts[-1]] = yaml.safe_load(text)


def read_yaml(path: Path, *, overrides: Sequence[str] = (), what: str = "study spec") -> tuple[dict, dict]:
    """The mapping of a YAML file with its ``--set`` overrides applied, and the line of each key.

    Raises :class:`SpecError` for an unreadable file, invalid YAML or a document that is not a
    mapping (``what`` names the kind of file in the message).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.studies.spec import read_yaml
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.yaml"
    >>> _ = path.write_text("a: 1\\nb:\\n  c: 2\\n")
    >>> read_yaml(path, overrides=["b.c=3"])
    ({'a': 1, 'b': {'c': 3}}, {(): 1, ('a',): 1, ('b',): 2, ('b', 'c'): 3})
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    lines = _lines(node) if node is not None else {}
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a {what} is a mapping of keys, got {type(data).__name__}")
    for assignment in overrides:
        set_value(data, assignment)
    return data, lines


def load_spec(path: str | Path, *, overrides: Sequence[str] = (), check: bool = True) -> StudySpec:
    """Read and validate a YAML study spec; ``overrides`` are ``key=value`` strings (``--set``).

    A relative ``store`` is taken relative to the spec file's folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.studies import load_spec
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.yaml"
    >>> _ = path.write_text("name: s\\nproblem: burgers_sine\\ngrid:\\n  product: {nu: [0.1]}\\n"
    ...                     "store: out\\nmetric: [rel_l2]\\n")
    >>> try:
    ...     load_spec(path)
    ... except ValueError as exc:
    ...     print(str(exc).splitlines()[1].split(", ", 1)[1])
    line 6: metric: Extra inputs are not permitted
    """
    path = Path(path)
    data, lines = read_yaml(path, overrides=overrides)
    store = data.get("store")
    if isinstance(store, str) and store and not Path(store).expanduser().is_absolute():
        data["store"] = str(path.resolve().parent / store)
    return parse_spec(data, source=str(path), lines=lines, check=check)
