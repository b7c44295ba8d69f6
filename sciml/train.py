"""One training loop for every learner in this package, in one process or several, with exact resume.

``fit(model, data, *, steps or epochs, batch_size, optimizer, lr, schedule, loss, seed,
progress, checkpoint, distributed)`` returns a :class:`History`.  ``data`` is anything the small
protocol of :mod:`sciml.batches` accepts (a data set with ``batches()``, in-memory arrays, any
iterable of batches): the loop imports no data set.  Training runs on the device of the model.
Started by ``torchrun`` it trains on every rank with DistributedDataParallel
(:mod:`sciml.distributed`); checkpoints are :mod:`sciml.checkpoints`.  Trained models are
saved and loaded by :mod:`sciml.models`.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sciml._extras import require
from sciml.checkpoints import (data_fingerprint, describe, model_description, read_checkpoint, refuse_changes,
                               restore_rng_states, rng_states, write_checkpoint)
from sciml.distributed import Ranks, agree, all_mean, gather, process_group
from sciml.losses import LOSSES, h1_loss, mse_loss, relative_l2_loss

torch = require("torch")

__all__ = ["History", "fit", "h1_loss", "mse_loss", "relative_l2_loss"]


# -- history -----------------------------------------------------------------------------
@dataclass
class History:
    """What a training run recorded.

    Attributes
    ----------
    step : list of int
        Steps at which ``loss`` was recorded (every step).
    loss : list of float
        Training loss per step (in a distributed run: over the global batch of all ranks).
    wall_time : list of float
        Seconds since the start of training, per step.
    test_step, test_error : list
        Test metric (the loss function on the test data) every ``eval_every`` steps and at the end.

    Examples
    --------
    >>> import torch
    >>> from sciml.train import fit
    >>> x = torch.linspace(-1, 1, 32)[:, None]
    >>> history = fit(torch.nn.Linear(1, 1), (x, 3 * x), steps=3, batch_size=16, seed=0, progress=False)
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


# -- the loop ----------------------------------------------------------------------------
def fit(model: torch.nn.Module, data, test=None, *, steps: int | None = None, epochs: int | None = None,
        batch_size: int | None = None, optimizer: str | Callable = "adam", lr: float = 1e-3,
        weight_decay: float = 0.0, schedule: Callable | tuple | None = None, loss: str | Callable = "mse",
        layout: str = "unaligned", seed: int = 0, progress: bool | None = None, checkpoint: str | Path | None = None,
        checkpoint_every: int = 1000, eval_every: int = 1000, normalize: bool = True,
        distributed: bool | str = "auto", timeout: float = 60.0, override: bool = False) -> History:
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
        Mini-batch size for in-memory data, per process (a step of ``N`` processes trains on
        ``N · batch_size`` samples); full batch when omitted (DeepONet's reference setting).  An
        iterable brings its own batches (``batch_size`` must then be omitted).
    optimizer : "adam", "adamw", "sgd" or a callable ``params -> torch.optim.Optimizer``
    lr, weight_decay : float
    schedule : callable or ("step", step_size, gamma) or ("cosine",), optional
        A callable receives the optimizer and returns a torch scheduler, stepped every step.
    loss : "mse", "relative_l2", "h1" or a callable ``(prediction, target) -> scalar``
        The prediction and the target must have the same shape (never broadcast).  In a
        distributed run the loss should be a mean over samples (all of these are), so that the
        ranks' losses weighted by their sample counts are the loss of the global batch.
    layout : "unaligned" or "aligned"
        Passed to ``data.batches(layout=)``: which DeepONet layout of ``OperatorData`` to train on.
    seed : int
        Seeds the mini-batch order (:class:`~sciml.batches.ShardedOrder`; nothing global).
    progress : bool, optional
        A tqdm bar (rank 0 only); by default only when stderr is a terminal.
    checkpoint : path, optional
        Written by rank 0 every ``checkpoint_every`` steps and at the end (model, optimizer,
        scheduler, batch order, history, the random states of every rank; see
        :mod:`sciml.checkpoints`).  If the file exists, training resumes from it and, for
        in-memory data, continues exactly as an uninterrupted run; with an iterable of batches
        it resumes at the saved step with a fresh pass over the iterable.  Resuming on another
        number of processes is allowed (the batch order continues; a step then has
        ``batch_size`` × the new number of processes samples).
    eval_every : int
        Test evaluation interval in steps.
    normalize : bool
        Call ``model.set_normalization(*inputs, target)`` with the training data first (if the
        model has it, the data are in memory and training starts fresh).
    distributed : "auto", True or False
        ``"auto"``: train on all processes when started by ``torchrun`` (its environment
        variables present), else in this one; ``True``: the launcher's environment is required.
        Every rank gets the whole data and draws the same seeded order; rank ``r`` trains on
        its share of each global batch inside DistributedDataParallel (gloo on CPU, nccl on CUDA).
        Each rank evaluates the whole test data (same parameters, same value); an iterable's
        batches are dealt out in turn, whole rounds only.
    timeout : float
        Seconds a distributed collective waits for the other ranks: a rank that dies ends the
        run on the others within about this time.
    override : bool
        Resume from a checkpoint written with another learning rate, optimizer, schedule, loss,
        data set or model configuration (refused otherwise); the new ``lr`` and
        ``weight_decay`` then apply from the resumed step.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        When the training loss becomes NaN or infinite (the step is named; the checkpoint keeps
        the last finite state).
    ValueError
        Bad sizes or options, a target whose shape differs from the prediction's, a changed
        resume without ``override``, ranks started with different configurations, a world
        size larger than the samples (or batches) a step can share out.
    RuntimeError
        ``distributed=True`` without the launcher's environment.

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
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps and epochs")
    device = next(model.parameters()).device
    with process_group(distributed, device=device, timeout=timeout) as ranks:
        return _fit(model, data, test, ranks, steps=steps, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                    lr=lr, weight_decay=weight_decay, schedule=schedule, loss=loss, layout=layout, seed=seed,
                    progress=progress, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                    eval_every=eval_every, normalize=normalize, override=override)


class _Call(torch.nn.Module):
    """``model.<method>(*inputs)`` as a forward, so that DistributedDataParallel sees every call."""

    def __init__(self, model: torch.nn.Module, method: str):
        super().__init__()
        self.model, self.method = model, method

    def forward(self, *inputs):
        return self.model(*inputs) if self.method == "forward" else getattr(self.model, self.method)(*inputs)


def _fit(model, data, test, ranks: Ranks, *, steps, epochs, batch_size, optimizer, lr, weight_decay, schedule, loss,
         layout, seed, progress, checkpoint, checkpoint_every, eval_every, normalize, override) -> History:
    from sciml.batches import ArrayBatches, ShardedOrder, as_batches, batch_tensors

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
    if isinstance(test_data, ArrayBatches):
        test_data = test_data.to(device, dtype)
    checkpoint = None if checkpoint is None else Path(checkpoint)
    resuming = checkpoint is not None and checkpoint.exists()
    settings = {"model": model_description(model), "lr": float(lr), "optimizer": describe(optimizer),
                "weight_decay": float(weight_decay), "schedule": describe(schedule), "loss": describe(loss),
                "layout": str(layout),
                "data": data_fingerprint(train) if (checkpoint is not None or ranks.active) else None}
    agree(ranks, {**settings, "steps": steps, "epochs": epochs, "batch_size": batch_size, "seed": seed,
                  "checkpoint": None if checkpoint is None else str(checkpoint), "resuming": resuming,
                  "test": None if test_data is None else data_fingerprint(test_data), "eval_every": eval_every,
                  "checkpoint_every": checkpoint_every, "normalize": normalize})
    if in_memory:
        _check_finite(train, "training")
        order = ShardedOrder(len(train), batch_size, seed=seed, rank=ranks.rank, world_size=ranks.world_size)
        per_epoch = order.steps_per_epoch
    else:
        if batch_size is not None:
            raise ValueError("batch_size applies to in-memory data; an iterable of batches brings its own")
        length = len(train) if hasattr(train, "__len__") else None
        if ranks.world_size > 1 and length is None:
            raise ValueError("a distributed run shares the batches of an iterable between the ranks and needs "
                             "its length: give an iterable with __len__ (a DataLoader) or in-memory data")
        if length is not None and length < ranks.world_size:
            raise ValueError(f"the world size {ranks.world_size} is larger than the {length} batches of the "
                             "iterable: every rank needs at least one batch per step; use fewer processes")
        per_epoch = None if length is None else length // ranks.world_size
        if epochs is not None and per_epoch is None:
            raise ValueError("epochs needs an iterable with a length; give steps instead")
    if isinstance(test_data, ArrayBatches):
        _check_finite(test_data, "test")
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

    history = History()
    start_step = 0
    if resuming:
        state = read_checkpoint(checkpoint)
        changed = refuse_changes(json.loads(state["settings"]), settings, path=checkpoint, override=override)
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise ValueError(f"checkpoint {checkpoint} was written for a different architecture: {exc}") from exc
        opt.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        if changed:  # override=True: the new learning rate and weight decay apply from here on
            for group in opt.param_groups:
                group.update(lr=float(lr), initial_lr=float(lr), weight_decay=float(weight_decay))
            if scheduler is not None and hasattr(scheduler, "base_lrs"):
                scheduler.base_lrs = [float(lr)] * len(opt.param_groups)
        if in_memory and state.get("order") is not None:
            order.load_state_dict(state["order"])
        saved_rng = state["rng"]
        restore_rng_states(saved_rng[ranks.rank] if ranks.rank < len(saved_rng) else saved_rng[0])
        history = History(**state["history"])
        start_step = int(state["step"])
    elif normalize and in_memory and hasattr(model, "set_normalization"):
        model.set_normalization(*train.inputs, train.target)

    call = _Call(model, train.method if in_memory else "forward")
    if ranks.active:
        call = torch.nn.parallel.DistributedDataParallel(
            call, device_ids=[device.index] if device.type == "cuda" else None)

    def save_checkpoint(step):
        states = gather(ranks, rng_states())  # a collective: every rank calls it
        if ranks.is_main:
            write_checkpoint({"model": model.state_dict(), "optimizer": opt.state_dict(),
                              "scheduler": None if scheduler is None else scheduler.state_dict(),
                              "order": order.state_dict() if in_memory else None, "history": history.as_dict(),
                              "step": step, "world_size": ranks.world_size, "rng": states,
                              "settings": json.dumps(settings)}, checkpoint)

    def stream():  # this rank's batches of an iterable: every world_size-th, whole rounds only
        while True:
            empty = True
            for k, item in enumerate(train):
                if per_epoch is not None and k >= per_epoch * ranks.world_size:
                    break
                if k % ranks.world_size == ranks.rank:
                    empty = False
                    yield item
            if empty:
                raise ValueError("the training data yielded no batches (an exhausted iterator? pass a "
                                 "re-iterable such as a list or a DataLoader)")

    def next_batch():
        if not in_memory:
            inputs, target = batch_tensors(next(batches), device, dtype)
            _, global_n = all_mean(ranks, 0.0, int(target.shape[0]))
            return inputs, target, global_n
        index, global_n = order.next()
        inputs, target = train.select(None if index is None else index.to(device))
        return inputs, target, global_n

    show = ranks.is_main and (sys.stderr.isatty() if progress is None else bool(progress))
    from tqdm import tqdm

    batches = None if in_memory else stream()
    bar = tqdm(total=total, initial=start_step, desc="training", unit="step", disable=not show)
    checking = getattr(model, "check_inputs", None)
    if checking is not None and in_memory:
        model.check_inputs = False
    try:
        clock = time.perf_counter() - (history.wall_time[-1] if history.wall_time else 0.0)
        model.train()
        for step in range(start_step, total):
            inputs, target, global_n = next_batch()
            opt.zero_grad(set_to_none=True)
            prediction = call(*inputs)
            if not in_memory:
                _same_shape(prediction, target)
            value = loss_fn(prediction, target)
            local_n = int(target.shape[0])
            if ranks.world_size > 1:  # DDP averages over ranks: weight by the rank's share of the batch
                (value * (local_n * ranks.world_size / global_n)).backward()
            else:
                value.backward()
            current, _ = all_mean(ranks, value.detach(), local_n)
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
