"""Training from a YAML config: ``sciml train CONFIG``, validated before anything runs.

A config names the model (an importable class, ``sciml.operators.DeepONet``, or a name of
:mod:`sciml.operators`, with its constructor arguments), the data (an importable data-set
function, ``sciml.data.antiderivative``, or a name of :mod:`sciml.data`, with its arguments),
the options of :func:`sciml.train.fit` and the file the trained model is written to
(:func:`sciml.models.save`)::

    model:
      name: DeepONet
      args: {branch: [20, 32, 32], trunk: [1, 32, 32]}
    data:
      name: antiderivative
      args: {n_train: 200, n_test: 100, m: 20}
    fit: {steps: 200, batch_size: 50, lr: 0.002, seed: 0}
    output: deeponet.safetensors

Every error (an unknown key, a wrong type, a class or function that cannot be imported, an
argument it does not accept) is a :class:`~sciml.studies.SpecError` naming the key and, for a
file, its line; the command line exits with code 2 on it.  Relative ``output`` and
``checkpoint`` paths are taken relative to the config file's folder.

Under ``torchrun`` the training is distributed (``fit(distributed="auto")``); only rank 0
writes the model and prints the summary::

    OMP_NUM_THREADS=1 torchrun --standalone --nproc_per_node=2 -m sciml.cli train CONFIG
"""

from __future__ import annotations

import importlib
import inspect
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from sciml._extras import require
from sciml.studies.errors import SpecError
from sciml.studies.spec import _message, read_yaml

require("pydantic")

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator  # noqa: E402

__all__ = ["TrainConfig", "load_train_config", "train_from_config"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Target(_Strict):
    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)


class _FitOptions(_Strict):
    steps: int | None = Field(default=None, gt=0)
    epochs: int | None = Field(default=None, gt=0)
    batch_size: int | None = Field(default=None, gt=0)
    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    lr: float = Field(default=1e-3, gt=0)
    weight_decay: float = Field(default=0.0, ge=0)
    schedule: list[Any] | None = None
    loss: Literal["mse", "relative_l2", "h1"] = "mse"
    layout: Literal["unaligned", "aligned"] = "unaligned"
    seed: int = 0
    progress: bool | None = None
    checkpoint_every: int = Field(default=1000, gt=0)
    eval_every: int = Field(default=1000, gt=0)
    normalize: bool = True
    distributed: bool | Literal["auto"] = "auto"
    timeout: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _one_length(self) -> "_FitOptions":
        if (self.steps is None) == (self.epochs is None):
            raise ValueError("give exactly one of steps and epochs")
        return self


class TrainConfig(_Strict):
    """A training run, validated (see :func:`load_train_config`): ``model``, ``data``, ``fit``,
    ``output`` and ``checkpoint``, the keys of a YAML config.

    ``model`` and ``data`` are ``{name, args}``; ``fit`` holds the keyword options of
    :func:`sciml.train.fit` that a file can give (``steps`` or ``epochs``, ``batch_size``,
    ``optimizer``, ``lr``, ``weight_decay``, ``schedule``, ``loss``, ``layout``, ``seed``,
    ``progress``, ``checkpoint_every``, ``eval_every``, ``normalize``, ``distributed``,
    ``timeout``).

    Examples
    --------
    >>> from sciml.training_config import TrainConfig
    >>> config = TrainConfig(model={"name": "DeepONet", "args": {"branch": [10, 16], "trunk": [1, 16]}},
    ...                      data={"name": "antiderivative", "args": {"n_train": 20, "n_test": 10, "m": 10}},
    ...                      fit={"steps": 5}, output="model.safetensors")
    >>> config.fit.steps, config.fit.lr, config.checkpoint
    (5, 0.001, None)
    """

    model: _Target
    data: _Target
    fit: _FitOptions
    output: str = Field(min_length=1)
    checkpoint: str | None = None


def _resolve(name: str, package: str, kind: str) -> Any:
    """``package.name`` for a bare name, else the dotted (or ``module:attr``) path imported."""
    module_name, sep, attr = name.rpartition(":") if ":" in name else name.rpartition(".")
    if not module_name:
        module_name, attr = package, name
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"cannot import the {kind} {name!r} (a name of {package} or an importable "
                          f"module.{kind}): {exc}") from None


def _check_target(target: _Target, key: str, package: str, kind: str, lines: Mapping[tuple, int],
                  source: str) -> Any:
    def fail(problem: str, path: tuple) -> SpecError:
        line = next((lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in lines), None)
        where = f"{source}, line {line}" if line is not None else source
        return SpecError(f"invalid training config\n  {where}: {'.'.join(path)}: {problem}")

    try:
        obj = _resolve(target.name, package, kind)
    except LookupError as exc:
        raise fail(str(exc), (key, "name")) from None
    if not callable(obj) or (kind == "class" and not isinstance(obj, type)):
        raise fail(f"{target.name!r} is not a {kind}", (key, "name"))
    try:
        inspect.signature(obj).bind(**target.args)
    except TypeError as exc:
        raise fail(f"{target.name} does not accept these arguments: {exc}", (key, "args")) from None
    except ValueError:  # no signature to check: the call will tell
        pass
    return obj


def _parse_train_config(data: Mapping[str, Any], *, source: str = "config",
                       lines: Mapping[tuple, int] | None = None) -> TrainConfig:
    """Validate a config mapping and check that its model and data resolve and take their arguments."""
    if not isinstance(data, Mapping):
        raise SpecError(f"{source}: a training config is a mapping of keys, got {type(data).__name__}")
    try:
        config = TrainConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecError(_message(exc, lines or {}, source, what="training config")) from None
    _check_target(config.model, "model", "sciml.operators", "class", lines or {}, source)
    _check_target(config.data, "data", "sciml.data", "function", lines or {}, source)
    return config


def load_train_config(path: str | Path, *, overrides: Sequence[str] = ()) -> TrainConfig:
    """Read and validate a YAML training config; ``overrides`` are ``key=value`` strings (``--set``).

    Relative ``output`` and ``checkpoint`` paths are made relative to the config file's folder.

    Raises
    ------
    SpecError
        An unreadable file, invalid YAML, an unknown key, a wrong type, a model class or data
        function that cannot be imported or does not take the given arguments: the message
        names the key and its line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.training_config import load_train_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.yaml"
    >>> _ = path.write_text("model: {name: DeepONet, args: {branch: [10, 16], trunk: [1, 16]}}\\n"
    ...                     "data: {name: antiderivative, args: {n_train: 20, n_test: 10, m: 10}}\\n"
    ...                     "fit:\\n  steps: many\\noutput: model.safetensors\\n")
    >>> try:
    ...     load_train_config(path)
    ... except ValueError as exc:
    ...     print(str(exc).splitlines()[1].split(", ", 1)[1])
    line 4: fit.steps: Input should be a valid integer, unable to parse string as an integer
    >>> load_train_config(path, overrides=["fit.steps=5"]).fit.steps
    5
    """
    path = Path(path)
    data, lines = read_yaml(path, overrides=overrides, what="training config")
    for key in ("output", "checkpoint"):
        value = data.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            data[key] = str(path.resolve().parent / value)
    return _parse_train_config(data, source=str(path), lines=lines)


def train_from_config(config: TrainConfig, *, checkpoint: str | Path | None = None,
                      override: bool = False) -> str:
    """Build the model and the data of ``config``, train with :func:`sciml.train.fit`, save the model.

    The model is built with torch's random generator seeded with ``fit.seed`` (inside
    ``torch.random.fork_rng``, so the caller's state is untouched): two runs of one config start
    from the same parameters.  Under ``torchrun`` every rank trains its share (``distributed="auto"``) and rank 0 alone
    writes ``config.output``; the other ranks return an empty string.

    Parameters
    ----------
    config : TrainConfig
    checkpoint : path, optional
        The checkpoint file (default: the config's ``checkpoint``, or none); an existing one is
        resumed from.
    override : bool
        Resume from a checkpoint written with another learning rate, data set or model.

    Returns
    -------
    str
        The one-line summary (rank 0), or ``""`` on the other ranks.

    Raises
    ------
    SpecError
        The model class or data function refused its arguments.
    ValueError
        From :func:`sciml.train.fit`: a resume with a changed configuration without ``override``,
        sizes that do not fit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.models import load
    >>> from sciml.training_config import TrainConfig, train_from_config
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> config = TrainConfig(model={"name": "DeepONet", "args": {"branch": [10, 16], "trunk": [1, 16]}},
    ...                      data={"name": "antiderivative", "args": {"n_train": 20, "n_test": 10, "m": 10,
    ...                                                               "cache": False}},
    ...                      fit={"steps": 5, "progress": False, "distributed": False}, output=str(out))
    >>> print(train_from_config(config))  # doctest: +ELLIPSIS
    DeepONet on antiderivative: 5 steps on 1 process(es) in ... s, training loss ..., test error ... -> ...
    >>> type(load(out)).__name__
    'DeepONet'
    """
    import torch

    from sciml.models import save
    from sciml.train import fit

    cls = _resolve(config.model.name, "sciml.operators", "class")
    function = _resolve(config.data.name, "sciml.data", "function")
    for key, target, build in (("model", config.model, cls), ("data", config.data, function)):
        try:
            with torch.random.fork_rng(devices=[]):  # the same initial model in every run and on every rank
                torch.manual_seed(config.fit.seed)
                built = build(**target.args)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"invalid training config\n  {key}.args: {target.name} refused its arguments: {exc}") \
                from None
        if key == "model":
            model = built
        else:
            data = built
    options = config.fit.model_dump()
    if options["schedule"] is not None:
        options["schedule"] = tuple(options["schedule"])
    checkpoint = checkpoint if checkpoint is not None else config.checkpoint
    start = time.perf_counter()
    history = fit(model, data, checkpoint=checkpoint, override=override, **options)
    seconds = time.perf_counter() - start
    if int(os.environ.get("RANK", "0")) != 0:
        return ""
    save(model, config.output, metadata={"config": config.model_dump(), "steps": len(history.step)})
    test = f"{history.test_error[-1]:.3g}" if history.test_error else "n/a"
    loss = f"{history.loss[-1]:.3g}" if history.loss else "n/a"
    world = os.environ.get("WORLD_SIZE", "1") if config.fit.distributed is not False else "1"
    return (f"{type(model).__name__} on {getattr(function, '__name__', config.data.name)}: "
            f"{history.step[-1] if history.step else 0} steps on {world} process(es) in {seconds:.1f} s, "
            f"training loss {loss}, test error {test} -> {config.output}")
