"""One training loop for every learner in this package, with exact-resume checkpoints.

``fit(model, dataset, *, steps or epochs, batch_size, optimizer, lr, schedule, loss, seed,
progress, checkpoint)`` returns a :class:`History`.  Data are given as
:class:`~sciml.data.OperatorSplits` / :class:`~sciml.data.OperatorData` (DeepONet layouts) or
as tensors ``(inputs, target)`` for models called as ``model(inputs)``.  Training runs on the
device of the model.  Trained models are saved and loaded by :mod:`sciml.models`; checkpoints
are read with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from sciml._files import atomic_write

__all__ = ["History", "fit", "h1_loss", "mse_loss", "relative_l2_loss"]


# -- losses ------------------------------------------------------------------------------
def mse_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error."""
    return torch.mean((prediction - target) ** 2)


def relative_l2_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over samples of ``||pred - target|| / ||target||`` (norms over all but the first axis)."""
    diff = (prediction - target).reshape(prediction.shape[0], -1).norm(dim=1)
    return torch.mean(diff / target.reshape(target.shape[0], -1).norm(dim=1).clamp_min(1e-30))


def h1_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Relative H1 error on uniform grids: values and first differences along the last axes.

    Fields are ``[N, n]`` (1D) or ``[N, C, n, n]`` / ``[N, n, n]`` (2D).
    """
    def parts(t):
        grads = [t.reshape(t.shape[0], -1)]
        for axis in range(2 if t.ndim >= 3 else 1):
            d = torch.diff(t, dim=-1 - axis) * t.shape[-1 - axis]
            grads.append(d.reshape(t.shape[0], -1))
        return torch.cat(grads, dim=1)

    p, q = parts(prediction), parts(target)
    return torch.mean((p - q).norm(dim=1) / q.norm(dim=1).clamp_min(1e-30))


_LOSSES = {"mse": mse_loss, "relative_l2": relative_l2_loss, "h1": h1_loss}


# -- data --------------------------------------------------------------------------------
@dataclass
class _Batches:
    """Inputs (tuple of tensors with a common first axis), target, and how to call the model."""

    inputs: tuple
    target: torch.Tensor
    call: str  # "forward" or "unaligned"; "aligned" calls forward with a shared trunk

    def __len__(self) -> int:
        return int(self.target.shape[0])

    def predict(self, model, index=None):
        inputs = self.inputs if index is None else tuple(
            t if (self.call == "aligned" and k == 1) else t[index] for k, t in enumerate(self.inputs))
        if self.call == "unaligned":
            return model.unaligned(*inputs)
        return model(*inputs)

    def targets(self, index=None):
        return self.target if index is None else self.target[index]


def _as_tensor(x, device, dtype):
    from sciml.backend import to_torch

    t = x if isinstance(x, torch.Tensor) else to_torch(x)
    return t.to(device=device, dtype=dtype)


def _batches(data, layout: str, device, dtype) -> _Batches:
    from sciml.data import FieldData, OperatorData

    if isinstance(data, FieldData):
        return _Batches((_as_tensor(data.inputs, device, dtype),), _as_tensor(data.outputs, device, dtype), "forward")
    if isinstance(data, OperatorData):
        if layout not in ("unaligned", "aligned"):
            raise ValueError(f"layout must be 'unaligned' or 'aligned', got {layout!r}")
        arrays = data.unaligned() if layout == "unaligned" else data.aligned()
        tensors = [_as_tensor(a, device, dtype) for a in arrays]
        return _Batches(tuple(tensors[:2]), tensors[2], layout)
    if isinstance(data, (tuple, list)) and len(data) >= 2:
        tensors = [_as_tensor(a, device, dtype) for a in data]
        return _Batches(tuple(tensors[:-1]), tensors[-1], "forward")
    raise TypeError("data must be OperatorSplits, OperatorData, FieldData or a tuple (inputs..., target)")


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
def fit(model: torch.nn.Module, dataset, test=None, *, steps: int | None = None, epochs: int | None = None,
        batch_size: int | None = None, optimizer: str | Callable = "adam", lr: float = 1e-3,
        weight_decay: float = 0.0, schedule: Callable | tuple | None = None, loss: str | Callable = "mse",
        layout: str = "unaligned", seed: int = 0, progress: bool | None = None, checkpoint: str | Path | None = None,
        checkpoint_every: int = 1000, eval_every: int = 1000, normalize: bool = True) -> History:
    """Train ``model`` on ``dataset``; the history records loss, test error and wall time.

    Parameters
    ----------
    model : torch.nn.Module
        Trained on its own device and dtype.
    dataset : OperatorSplits, OperatorData, FieldData or tuple
        With ``OperatorSplits`` the test split is used as ``test`` unless given.  ``FieldData``
        and tuples ``(inputs..., target)`` train ``model(inputs...)``.
    test : OperatorData, FieldData or tuple, optional
    steps, epochs : int
        Exactly one: optimisation steps, or passes over the data.
    batch_size : int, optional
        Mini-batch size; full batch when omitted (DeepONet's reference setting).
    optimizer : "adam", "adamw", "sgd" or a callable ``params -> torch.optim.Optimizer``
    lr, weight_decay : float
    schedule : callable or ("step", step_size, gamma) or ("cosine",), optional
        A callable receives the optimizer and returns a torch scheduler, stepped every step.
    loss : "mse", "relative_l2", "h1" or a callable ``(prediction, target) -> scalar``
    layout : "unaligned" or "aligned"
        Which layout of ``OperatorData`` to train on.
    seed : int
        Seeds the mini-batch order (and nothing global).
    progress : bool, optional
        A tqdm bar; by default only when stderr is a terminal.
    checkpoint : path, optional
        Saved every ``checkpoint_every`` steps and at the end (model, optimizer, scheduler,
        batch-order generator, history).  If the file exists, training resumes from it and
        continues exactly as an uninterrupted run.
    eval_every : int
        Test evaluation interval in steps.
    normalize : bool
        Call ``model.set_normalization(*inputs, target)`` with the training data first (if the
        model has it and training starts fresh).

    Returns
    -------
    History
    """
    from sciml.data import OperatorSplits

    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps and epochs")
    parameter = next(model.parameters())
    device = parameter.device
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), parameter.dtype)  # not complex
    if isinstance(dataset, OperatorSplits):
        test = dataset.test if test is None else test
        dataset = dataset.train
    train = _batches(dataset, layout, device, dtype)
    test_data = None if test is None else _batches(test, layout, device, dtype)
    for name, part in (("training", train), ("test", test_data)):
        if part is not None and not all(bool(torch.isfinite(t).all()) for t in (*part.inputs, part.target)):
            raise ValueError(f"the {name} data contain NaN or infinite values")
    if hasattr(model, "check_inputs"):  # validate the shapes once, then train without per-step scans
        with torch.no_grad():
            train.predict(model, slice(0, 1))
    n = len(train)
    batch = n if batch_size is None else int(batch_size)
    if not 1 <= batch <= n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
    per_epoch = math.ceil(n / batch)
    total = int(steps) if steps is not None else int(epochs) * per_epoch
    if total < 1:
        raise ValueError("steps/epochs must be >= 1")
    loss_fn = _LOSSES.get(loss) if isinstance(loss, str) else loss
    if loss_fn is None:
        raise ValueError(f"loss must be one of {sorted(_LOSSES)} or a callable, got {loss!r}")

    params = model.parameters()
    if callable(optimizer):
        opt = optimizer(params)
    elif optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"optimizer must be 'adam', 'adamw', 'sgd' or a callable, got {optimizer!r}")
    if schedule is None:
        scheduler = None
    elif callable(schedule):
        scheduler = schedule(opt)
    elif schedule[0] == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=int(schedule[1]), gamma=float(schedule[2]))
    elif schedule[0] == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    else:
        raise ValueError(f"unknown schedule {schedule!r}")

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
    elif normalize and hasattr(model, "set_normalization"):
        model.set_normalization(*train.inputs, train.target)

    def save_checkpoint(step):
        _atomic_torch_save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                            "scheduler": None if scheduler is None else scheduler.state_dict(),
                            "generator": generator.get_state(), "order": order, "history": history.as_dict(),
                            "step": step},
                           checkpoint)

    def evaluate():
        model.eval()
        with torch.no_grad():
            value = float(loss_fn(test_data.predict(model), test_data.targets()))
        model.train()
        return value

    show = sys.stderr.isatty() if progress is None else bool(progress)
    from tqdm import tqdm

    bar = tqdm(total=total, initial=start_step, desc="training", unit="step", disable=not show)
    checking = getattr(model, "check_inputs", None)
    if checking is not None:
        model.check_inputs = False
    try:
        clock = time.perf_counter() - (history.wall_time[-1] if history.wall_time else 0.0)
        model.train()
        for step in range(start_step, total):
            position = step % per_epoch
            if batch == n:
                index = None
            else:
                if position == 0 or order is None:
                    order = torch.randperm(n, generator=generator)
                index = order[position * batch:(position + 1) * batch].to(device)
            opt.zero_grad(set_to_none=True)
            value = loss_fn(train.predict(model, index), train.targets(index))
            value.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            history.step.append(step + 1)
            history.loss.append(float(value.detach()))
            history.wall_time.append(time.perf_counter() - clock)
            if test_data is not None and ((step + 1) % eval_every == 0 or step + 1 == total):
                history.test_step.append(step + 1)
                history.test_error.append(evaluate())
                bar.set_postfix(loss=f"{float(value.detach()):.2e}", test=f"{history.test_error[-1]:.2e}")
            bar.update(1)
            if checkpoint is not None and ((step + 1) % checkpoint_every == 0 or step + 1 == total):
                save_checkpoint(step + 1)
    finally:
        bar.close()
        if checking is not None:
            model.check_inputs = checking
    model.eval()
    return history
