"""Training checkpoints that resume exactly, and the settings a resume must not change.

A checkpoint of :func:`sciml.train.fit` holds the model, optimiser and scheduler states, the
batch order (:class:`sciml.batches.ShardedOrder`: epoch, position, permutation, generator),
the history, every random state of every rank (torch, numpy, Python) and the run's settings
as JSON.  Rank 0 writes it atomically (:func:`sciml.io.atomic_write`); it is read with
``torch.load(..., weights_only=True)``, so a file cannot run code.  :func:`refuse_changes`
compares the saved settings with the resumed run's: a changed learning rate, optimiser,
schedule, loss, data set or model is refused unless ``override=True``.

Resuming on another world size is allowed: the batch order, model and optimiser continue where
they stopped; a step then trains on ``batch_size × new world size`` samples, and ranks that did
not exist take rank 0's random states.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from sciml._extras import require
from sciml.io import atomic_write

torch = require("torch")

__all__ = ["FORMAT", "RESUME_KEYS", "data_fingerprint", "describe", "model_description", "read_checkpoint",
           "refuse_changes", "restore_rng_states", "rng_states", "write_checkpoint"]

#: Version of the checkpoint layout.
FORMAT = 2

#: Settings a resumed run must share with the checkpoint (unless ``override=True``).
RESUME_KEYS = ("model", "data", "lr", "optimizer", "weight_decay", "schedule", "loss", "layout")


def write_checkpoint(state: dict, path: str | Path) -> None:
    """Write ``state`` (tensors, numbers, strings, lists and dicts of them) atomically to ``path``."""
    atomic_write(Path(path), lambda f: torch.save({"format": FORMAT, **state}, f))


def read_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint safely (``weights_only=True``); ``ValueError`` naming the file if it is not one.

    Examples
    --------
    >>> import tempfile, pathlib, torch
    >>> from sciml.checkpoints import read_checkpoint, write_checkpoint
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.pt"
    >>> write_checkpoint({"step": 3, "weights": torch.ones(2)}, path)
    >>> read_checkpoint(path)["step"]
    3
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch raises several types for damaged or foreign files
        raise ValueError(f"{path} is not a valid checkpoint file: {exc}") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"{path} is not a checkpoint of format {FORMAT} (found {found!r}); it was written by "
                         "another version of sciml.train.fit: start a new run with another checkpoint path")
    return state


# -- random states ---------------------------------------------------------------------------
def rng_states() -> dict:
    """This process's global random states (torch, CUDA if initialised, numpy, Python) as plain data."""
    import numpy as np

    kind, keys, position, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state = {"torch": torch.get_rng_state(),
             "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "position": int(position),
                       "has_gauss": int(has_gauss), "cached": float(cached)},
             "python": {"version": version, "internal": torch.tensor(internal, dtype=torch.int64),
                        "gauss_next": gauss_next}}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_states(state: dict) -> None:
    """Set the global random states from :func:`rng_states` (a resumed run continues their streams).

    Examples
    --------
    >>> import torch
    >>> from sciml.checkpoints import restore_rng_states, rng_states
    >>> saved = rng_states(); first = torch.rand(1)
    >>> restore_rng_states(saved); bool(torch.rand(1) == first)
    True
    """
    import numpy as np

    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["position"], n["has_gauss"], n["cached"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["internal"].tolist()), p["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# -- settings --------------------------------------------------------------------------------
def data_fingerprint(batches: Any) -> str:
    """A SHA-256 of in-memory training data (shapes, dtypes, values); the type and length of an iterable.

    Examples
    --------
    >>> import torch
    >>> from sciml.batches import ArrayBatches
    >>> from sciml.checkpoints import data_fingerprint
    >>> x = torch.zeros(4, 2)
    >>> data_fingerprint(ArrayBatches((x,), x)) == data_fingerprint(ArrayBatches((x,), x + 1))
    False
    >>> data_fingerprint(ArrayBatches((x,), torch.zeros(1).expand(4, 1))) == data_fingerprint(
    ...     ArrayBatches((x,), torch.zeros(4, 1)))
    True
    """
    from sciml.batches import ArrayBatches

    if not isinstance(batches, ArrayBatches):
        length = len(batches) if hasattr(batches, "__len__") else None
        return f"iterable {type(batches).__name__} of {length} batches"
    digest = hashlib.sha256(batches.method.encode())
    for t in (*batches.inputs, batches.target):
        t = t.detach().to("cpu")
        digest.update(f"{tuple(t.shape)}{t.dtype}".encode())
        flat = torch.empty(t.numel(), dtype=t.dtype)  # unit stride, whatever the strides of t (expanded, views)
        flat.copy_(t.reshape(-1))
        digest.update(flat.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


def describe(value: Any) -> Any:
    """A JSON-able description of an option: callables by their qualified name, tuples as lists."""
    if callable(value) and not isinstance(value, type):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    # nested callables by name too: a repr holds a memory address, which differs from run to run
    return json.loads(json.dumps(value, default=lambda v: describe(v) if callable(v) and not isinstance(v, type)
                                 else repr(v)))


def model_description(model: Any) -> dict:
    """The model's class, recorded constructor arguments (if any) and parameter shapes."""
    cls = type(model)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", "config": describe(getattr(model, "config", None)),
            "parameters": [[name, list(p.shape), str(p.dtype)] for name, p in model.named_parameters()]}


def refuse_changes(saved: dict, current: dict, *, path: Any, override: bool) -> list[str]:
    """The :data:`RESUME_KEYS` in which ``current`` differs from ``saved``; a ``ValueError`` unless ``override``.

    Examples
    --------
    >>> from sciml.checkpoints import refuse_changes
    >>> refuse_changes({"lr": 0.1}, {"lr": 0.01}, path="run.pt", override=True)
    ['lr']
    """
    changed = [key for key in RESUME_KEYS if key in saved and saved.get(key) != current.get(key)]
    if changed and not override:
        details = "; ".join(f"{key}{_WHAT.get(key, '')}: {_short(saved.get(key))} -> {_short(current.get(key))}"
                            for key in changed)
        raise ValueError(f"checkpoint {path} was written with other settings ({details}); resuming would "
                         "silently mix two runs. Pass override=True to resume with the new settings, or "
                         "use another checkpoint path")
    return changed


_WHAT = {"model": " (a different architecture or configuration)", "data": " (a different data set)"}


def _short(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."
