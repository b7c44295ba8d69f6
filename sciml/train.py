"""One training loop for every learner in this package, with exact-resume checkpoints.

``fit(model, data, *, steps or epochs, batch_size, optimizer, lr, schedule, loss, seed,
progress, checkpoint)`` returns a :class:`History`.  ``data`` is anything the small protocol of
:mod:`sciml.batches` accepts (a data set with ``batches()``, in-memory arrays, any iterable of
batches): the loop imports no data set.  Training runs on the device of the model.  Trained
models are saved and loaded by :mod:`sciml.models`; checkpoints are read with
``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sciml._extras import require
from sciml.io import atomic_write
from sciml.losses import LOSSES, h1_loss, mse_loss, relative_l2_loss

torch = require("torch")

__all__ = ["History", "fit", "h1_loss", "mse_loss", "relative_l2_loss"]


# -- history and checkpoints -------------------------------------------------------------
@dataclass
class History:
    """What a training run recorded.

    Attributes
    ----------
    step : list of int
        Steps at which ``loss`` was recorded (every step).
    loss : list of float
        Training loss per step.
    wall_time : list of float
        Seconds since the start of training, per step.
    test_step, test_error : list
        Test metric (the loss function on the test data) every ``eval_every`` steps and at the end.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.operators import DeepONet
    >>> from sciml.train import fit
    >>> rng = np.random.default_rng(0)
    >>> u, y = rng.standard_normal((32, 5)).astype("float32"), rng.uniform(0, 1, (32, 1)).astype("float32")
    >>> history = fit(DeepONet(branch=[5, 8], trunk=[1, 8]), (u, y, u[:, :1] * y), steps=3, batch_size=16, seed=0)
    >>> history.step, len(history.loss), len(history.wall_time)
    ([1, 2, 3], 3, 3)
    """

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    test_step: list[int] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: list(getattr(self, k)) for k in ("step", "loss", "wall_time", "test_step", "test_error")}


def _atomic_torch_save(obj, path: Path) -> None:
    atomic_write(path, lambda f: torch.save(obj, f))


def _safe_load(path: Path, what: str) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch raises several types for damaged or foreign files
        raise ValueError(f"{path} is not a valid {what} file: {exc}") from exc


# -- the loop ----------------------------------------------------------------------------
def fit(model: torch.nn.Module, data, test=None, *, steps: int | None = None, epochs: int | None = None,
        batch_size: int | None = None, optimizer: str | Callable = "adam", lr: float = 1e-3,
        weight_decay: float = 0.0, schedule: Callable | tuple | None = None, loss: str | Callable = "mse",
        layout: str = "unaligned", seed: int = 0, progress: bool | None = None, checkpoint: str | Path | None = None,
        checkpoint_every: int = 1000, eval_every: int = 1000, normalize: bool = True) -> History:
    """Train ``model`` on ``data``; the history records loss, test error and wall time.

    Parameters
    ----------
    model : torch.nn.Module
        Trained on its own device and dtype.
    data : data set, ArrayBatches, tuple or iterable of batches
        Anything :func:`sciml.batches.as_batches` accepts: a data object with ``batches(layout=)``
        (the :mod:`sciml.data` sets; one with ``train`` and ``test`` attributes, such as
        ``OperatorSplits``, trains on ``train`` and tests on ``test`` unless ``test`` is given), an
        :class:`~sciml.batches.ArrayBatches`, a tuple ``(inputs..., target)`` for
        ``model(*inputs)``, or any iterable of ``(inputs..., target)`` batches (a DataLoader).
    test : same kinds as ``data``, optional
    steps, epochs : int
        Exactly one: optimisation steps, or passes over the data.
    batch_size : int, optional
        Mini-batch size for in-memory data; full batch when omitted (DeepONet's reference
        setting).  An iterable brings its own batches (``batch_size`` must then be omitted).
    optimizer : "adam", "adamw", "sgd" or a callable ``params -> torch.optim.Optimizer``
    lr, weight_decay : float
    schedule : callable or ("step", step_size, gamma) or ("cosine",), optional
        A callable receives the optimizer and returns a torch scheduler, stepped every step.
    loss : "mse", "relative_l2", "h1" or a callable ``(prediction, target) -> scalar``
        The prediction and the target must have the same shape (never broadcast).
    layout : "unaligned" or "aligned"
        Passed to ``data.batches(layout=)``: which DeepONet layout of ``OperatorData`` to train on.
    seed : int
        Seeds the mini-batch order (and nothing global).
    progress : bool, optional
        A tqdm bar; by default only when stderr is a terminal.
    checkpoint : path, optional
        Saved every ``checkpoint_every`` steps and at the end (model, optimizer, scheduler,
        batch-order generator, history).  If the file exists, training resumes from it and, for
        in-memory data, continues exactly as an uninterrupted run; with an iterable of batches it
        resumes at the saved step with a fresh pass over the iterable.
    eval_every : int
        Test evaluation interval in steps.
    normalize : bool
        Call ``model.set_normalization(*inputs, target)`` with the training data first (if the
        model has it, the data are in memory and training starts fresh).

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        When the training loss becomes NaN or infinite (the step is named; the checkpoint keeps
        the last finite state).

    Examples
    --------
    >>> import torch
    >>> from sciml.train import fit
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> model = torch.nn.Linear(1, 1)
    >>> history = fit(model, (x, 3 * x + 1), steps=300, lr=0.1, progress=False)
    >>> round(model.weight.item(), 3), round(model.bias.item(), 3)
    (3.0, 1.0)
    """
    from sciml.batches import ArrayBatches, as_batches, batch_tensors

    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps and epochs")
    parameter = next(model.parameters())
    device = parameter.device
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), parameter.dtype)  # not complex
    if hasattr(data, "train") and hasattr(data, "test"):
        test = data.test if test is None else test
        data = data.train
    train = as_batches(data, layout=layout)
    test_data = None if test is None else as_batches(test, layout=layout)
    in_memory = isinstance(train, ArrayBatches)
    if in_memory:
        train = train.to(device, dtype)
        _check_finite(train, "training")
    if isinstance(test_data, ArrayBatches):
        test_data = test_data.to(device, dtype)
        _check_finite(test_data, "test")
    if in_memory:
        n = len(train)
        batch = n if batch_size is None else int(batch_size)
        if not 1 <= batch <= n:
            raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
        per_epoch = math.ceil(n / batch)
    else:
        if batch_size is not None:
            raise ValueError("batch_size applies to in-memory data; an iterable of batches brings its own")
        per_epoch = len(train) if hasattr(train, "__len__") else None
        if epochs is not None and per_epoch is None:
            raise ValueError("epochs needs an iterable with a length; give steps instead")
    total = int(steps) if steps is not None else int(epochs) * per_epoch
    if total < 1:
        raise ValueError("steps/epochs must be >= 1")
    loss_fn = LOSSES.get(loss) if isinstance(loss, str) else loss
    if loss_fn is None:
        raise ValueError(f"loss must be one of {sorted(LOSSES)} or a callable, got {loss!r}")
    if in_memory:  # shapes checked once on one sample (the model's own input checks run here too)
        with torch.no_grad():
            inputs, target = train.select(slice(0, 1))
            _same_shape(train.predict(model, inputs), target)
    opt = _optimizer(optimizer, model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = _scheduler(schedule, opt, total)

    generator = torch.Generator()
    generator.manual_seed(int(seed))
    history = History()
    start_step = 0
    order = None  # the current epoch's permutation (checkpointed, so a resumed epoch continues it)
    checkpoint = None if checkpoint is None else Path(checkpoint)
    if checkpoint is not None and checkpoint.exists():
        state = _safe_load(checkpoint, "checkpoint")
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise ValueError(f"checkpoint {checkpoint} was written for a different architecture: {exc}") from exc
        opt.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        history = History(**state["history"])
        start_step = int(state["step"])
        order = state.get("order")
    elif normalize and in_memory and hasattr(model, "set_normalization"):
        model.set_normalization(*train.inputs, train.target)

    def save_checkpoint(step):
        _atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                            "scheduler": None if scheduler is None else scheduler.state_dict(),
                            "generator": generator.get_state(), "order": order, "history": history.as_dict(),
                            "step": step},
                           checkpoint)

    def next_batch(step):
        nonlocal order, stream
        if not in_memory:
            try:
                item = next(stream)
            except StopIteration:  # a new pass over the iterable
                stream = iter(train)
                item = next(stream)
            inputs, target = batch_tensors(item, device, dtype)
            return ArrayBatches(inputs, target), inputs, target
        if batch == n:
            inputs, target = train.select(None)
            return train, inputs, target
        position = step % per_epoch
        if position == 0 or order is None:
            order = torch.randperm(n, generator=generator)
        inputs, target = train.select(order[position * batch:(position + 1) * batch].to(device))
        return train, inputs, target

    show = sys.stderr.isatty() if progress is None else bool(progress)
    from tqdm import tqdm

    stream = None if in_memory else iter(train)
    bar = tqdm(total=total, initial=start_step, desc="training", unit="step", disable=not show)
    checking = getattr(model, "check_inputs", None)
    if checking is not None and in_memory:
        model.check_inputs = False
    try:
        clock = time.perf_counter() - (history.wall_time[-1] if history.wall_time else 0.0)
        model.train()
        for step in range(start_step, total):
            source, inputs, target = next_batch(step)
            opt.zero_grad(set_to_none=True)
            prediction = source.predict(model, inputs)
            if not in_memory:
                _same_shape(prediction, target)
            value = loss_fn(prediction, target)
            value.backward()
            current = float(value.detach())
            if not math.isfinite(current):
                raise FloatingPointError(f"the training loss became {current} at step {step + 1}; lower the "
                                         f"learning rate or check the data (the model holds the step's state)")
            opt.step()
            if scheduler is not None:
                scheduler.step()
            history.step.append(step + 1)
            history.loss.append(current)
            history.wall_time.append(time.perf_counter() - clock)
            if test_data is not None and ((step + 1) % eval_every == 0 or step + 1 == total):
                history.test_step.append(step + 1)
                history.test_error.append(_evaluate(model, test_data, loss_fn, device, dtype))
                bar.set_postfix(loss=f"{current:.2e}", test=f"{history.test_error[-1]:.2e}")
            bar.update(1)
            if checkpoint is not None and ((step + 1) % checkpoint_every == 0 or step + 1 == total):
                save_checkpoint(step + 1)
    finally:
        bar.close()
        if checking is not None:
            model.check_inputs = checking
    model.eval()
    return history


def _check_finite(batches, name: str) -> None:
    if not all(bool(torch.isfinite(t).all()) for t in (*batches.inputs, batches.target)):
        raise ValueError(f"the {name} data contain NaN or infinite values")


def _same_shape(prediction: torch.Tensor, target: torch.Tensor) -> None:
    if tuple(prediction.shape) != tuple(target.shape):
        raise ValueError(f"the model's prediction has shape {tuple(prediction.shape)} but the target has "
                         f"{tuple(target.shape)}; they must match (a loss would broadcast them)")


def _evaluate(model, test_data, loss_fn, device, dtype) -> float:
    """The loss over the test data: in one piece for in-memory data, sample-weighted over batches otherwise."""
    from sciml.batches import ArrayBatches, batch_tensors

    model.eval()
    try:
        with torch.no_grad():
            if isinstance(test_data, ArrayBatches):
                inputs, target = test_data.select(None)
                prediction = test_data.predict(model, inputs)
                _same_shape(prediction, target)
                return float(loss_fn(prediction, target))
            total, count = 0.0, 0
            for item in test_data:
                inputs, target = batch_tensors(item, device, dtype)
                prediction = model(*inputs)
                _same_shape(prediction, target)
                total += float(loss_fn(prediction, target)) * int(target.shape[0])
                count += int(target.shape[0])
            if count == 0:
                raise ValueError("the test data yielded no batches")
            return total / count
    finally:
        model.train()


def _optimizer(optimizer, params, *, lr: float, weight_decay: float):
    if callable(optimizer):
        return optimizer(params)
    choices = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
    if optimizer not in choices:
        raise ValueError(f"optimizer must be one of {sorted(choices)} or a callable, got {optimizer!r}")
    return choices[optimizer](params, lr=lr, weight_decay=weight_decay)


def _scheduler(schedule, opt, total: int):
    if schedule is None:
        return None
    if callable(schedule):
        return schedule(opt)
    if schedule[0] == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=int(schedule[1]), gamma=float(schedule[2]))
    if schedule[0] == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    raise ValueError(f"unknown schedule {schedule!r}")


# -- save / load ---------------------------------------------------------------------------
#: Packages whose model classes :func:`load` rebuilds (a file cannot make it import anything else).
_MODEL_PACKAGES = ("sciml", "solvers")


def _model_class(path: str) -> type:
    """The ``nn.Module`` class named ``"package.module:Class"`` inside :data:`_MODEL_PACKAGES`."""
    import importlib

    module, _, name = path.partition(":")
    if module.split(".")[0] not in _MODEL_PACKAGES or not name.isidentifier():
        raise KeyError(f"model class {path!r} is not one of this project's models")
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise KeyError(f"{path!r} is not a model class")
    return cls


def save(model: torch.nn.Module, path: str | Path) -> None:
    """Write the model's class, constructor arguments (``model.config``) and weights (``torch.save``)."""
    config = getattr(model, "config", None)
    cls = type(model)
    name = f"{cls.__module__}:{cls.__qualname__}"
    if config is None or cls.__module__.split(".")[0] not in _MODEL_PACKAGES:
        raise TypeError(f"{cls.__name__} does not record its constructor arguments; save its state_dict instead")
    _atomic_torch_save({"class": name, "config": config, "state_dict": model.state_dict()}, Path(path))


def load(path: str | Path, *, map_location: str | torch.device = "cpu") -> torch.nn.Module:
    """Rebuild a model written by :func:`save` (``weights_only=True``: no code is unpickled, and
    only model classes of this project are constructed)."""
    state = _safe_load(Path(path), "model")
    try:
        model = _model_class(state["class"])(**state["config"])
        model.load_state_dict(state["state_dict"])
    except (KeyError, TypeError, ImportError) as exc:
        raise ValueError(f"{path} is not a valid model file: {exc}") from exc
    except RuntimeError as exc:
        raise ValueError(f"{path} does not match the recorded architecture: {exc}") from exc
    return model.to(map_location).eval()
