"""What the training loop trains on: samples addressable by index, or any iterable of batches.

The protocol is small so that :func:`sciml.train.fit` never has to know a data set:

* a data object with a method ``batches(*, layout)`` returning :class:`ArrayBatches` (the data
  sets of :mod:`sciml.data` have it), optionally with ``train`` / ``test`` attributes for a split;
* :class:`ArrayBatches` itself: in-memory inputs and a target with a common first (sample) axis;
  ``fit`` draws seeded mini-batches from it and can resume a run exactly;
* a tuple (or a list of arrays) ``(inputs..., target)``, the same as ``ArrayBatches(inputs, target)``;
* any other iterable, a list of batch tuples included (e.g. a ``torch.utils.data.DataLoader``) yielding ``(inputs..., target)``
  tuples; one pass over it is an epoch.  The loop cannot re-create its order, so a resumed run
  starts a fresh pass over the iterable (documented in :func:`~sciml.train.fit`).

Importing this module does not import torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["ArrayBatches", "ShardedOrder", "as_batches", "batch_tensors"]


class ArrayBatches:
    """In-memory training samples: ``inputs`` and ``target`` share their first (sample) axis.

    Parameters
    ----------
    inputs : sequence of arrays or tensors
        The model's positional inputs.  Entries whose position is in ``shared`` are passed whole
        to every batch (e.g. DeepONet's common evaluation grid in the aligned layout).
    target : array or tensor
        What the model's output is compared with; ``target.shape[0]`` is the number of samples.
    method : str
        The model method called on the inputs: ``"forward"`` calls ``model(*inputs)``, any other
        name ``getattr(model, method)(*inputs)`` (DeepONet's ``"unaligned"``).
    shared : sequence of int
        Positions in ``inputs`` that are not indexed by sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.batches import ArrayBatches
    >>> data = ArrayBatches((np.zeros((10, 3)),), np.ones((10, 1)))
    >>> len(data), data.n_inputs
    (10, 1)
    """

    def __init__(self, inputs: Sequence[Any], target: Any, *, method: str = "forward", shared: Sequence[int] = ()):
        self.inputs = tuple(inputs)
        self.target = target
        self.method = str(method)
        self.shared = frozenset(int(k) for k in shared)
        if not self.inputs:
            raise ValueError("ArrayBatches needs at least one input")
        if any(not 0 <= k < len(self.inputs) for k in self.shared):
            raise ValueError(f"shared positions {sorted(self.shared)} are outside the {len(self.inputs)} inputs")
        n = self._n(target)
        for k, t in enumerate(self.inputs):
            if k not in self.shared and self._n(t) != n:
                raise ValueError(f"input {k} has {self._n(t)} samples but the target has {n}")

    @staticmethod
    def _n(t: Any) -> int:
        if not hasattr(t, "shape") or len(t.shape) == 0:
            raise ValueError(f"inputs and target must be arrays with a sample axis, got {type(t).__name__}")
        return int(t.shape[0])

    def __len__(self) -> int:
        return self._n(self.target)

    @property
    def n_inputs(self) -> int:
        """Number of positional model inputs."""
        return len(self.inputs)

    def to(self, device: Any, dtype: Any) -> ArrayBatches:
        """The same samples as torch tensors on ``device`` with floating dtype ``dtype``."""
        return ArrayBatches(tuple(_tensor(t, device, dtype) for t in self.inputs), _tensor(self.target, device, dtype),
                            method=self.method, shared=tuple(self.shared))

    def select(self, index: Any = None) -> tuple[tuple, Any]:
        """``(inputs, target)`` of the samples ``index`` (all when ``None``)."""
        if index is None:
            return self.inputs, self.target
        inputs = tuple(t if k in self.shared else t[index] for k, t in enumerate(self.inputs))
        return inputs, self.target[index]

    def predict(self, model: Any, inputs: tuple) -> Any:
        """The model's output for ``inputs`` (a selection of this object's inputs)."""
        return model(*inputs) if self.method == "forward" else getattr(model, self.method)(*inputs)


def batch_tensors(item: Sequence[Any], device: Any, dtype: Any) -> tuple[tuple, Any]:
    """``(inputs, target)`` of one ``(inputs..., target)`` batch as torch tensors on ``device`` / ``dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.batches import batch_tensors
    >>> inputs, target = batch_tensors((np.zeros((4, 2)), np.ones((4, 1))), "cpu", None)
    >>> len(inputs), tuple(target.shape)
    (1, (4, 1))
    """
    if len(item) < 2:
        raise ValueError(f"a batch must be (inputs..., target), got {len(item)} item(s)")
    return tuple(_tensor(t, device, dtype) for t in item[:-1]), _tensor(item[-1], device, dtype)


def _tensor(x: Any, device: Any, dtype: Any):
    import torch

    from sciml.backend import to_torch

    t = x if isinstance(x, torch.Tensor) else to_torch(x)
    return t.to(device=device, dtype=dtype)


def as_batches(data: Any, *, layout: str = "unaligned") -> ArrayBatches | Iterable:
    """The training protocol's view of ``data`` (see the module docstring).

    Returns an :class:`ArrayBatches` for in-memory data and ``data`` itself for a general iterable
    of ``(inputs..., target)`` batches.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.batches import as_batches
    >>> len(as_batches((np.zeros((5, 2)), np.zeros((5, 1)))))
    5
    """
    if isinstance(data, ArrayBatches):
        return data
    if callable(getattr(data, "batches", None)):
        batches = data.batches(layout=layout)
        if not isinstance(batches, ArrayBatches):
            raise TypeError(f"{type(data).__name__}.batches() must return ArrayBatches, got {type(batches).__name__}")
        return batches
    if isinstance(data, tuple) or (isinstance(data, list) and all(hasattr(t, "shape") for t in data)):
        if len(data) < 2:
            raise ValueError(f"a tuple of training data needs (inputs..., target), got {len(data)} item(s)")
        return ArrayBatches(tuple(data[:-1]), data[-1])
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        return data
    raise TypeError("data must have a batches() method (the sciml.data sets), be ArrayBatches, a tuple "
                    f"(inputs..., target) or an iterable of such tuples; got {type(data).__name__}")


class ShardedOrder:
    """Seeded mini-batches of ``n`` samples, each shared out between the ranks of a distributed run.

    Every epoch draws one permutation of the samples from a generator seeded with ``seed`` (the
    same on every rank, so no rank has to send it), cuts it into global batches of
    ``batch_size × world_size`` samples (the last one may be smaller) and gives rank ``r`` the
    ``r``-th of ``world_size`` nearly equal parts of each.  With ``world_size = 1`` this is the
    single-process order of :func:`sciml.train.fit`, and ``world_size`` ranks with batch ``b``
    see exactly the samples one process with batch ``world_size · b`` sees.  When a global batch
    holds all samples, no permutation is drawn (full-batch training).

    The state (epoch, position in the epoch, the epoch's permutation, the generator) is global:
    :meth:`state_dict` saved by one rank resumes every rank, on any world size.

    Parameters
    ----------
    n : int
        Number of samples.
    batch_size : int or None
        Samples per rank and step; ``None``: all samples every step, shared between the ranks.
    seed : int
    rank, world_size : int

    Examples
    --------
    >>> from sciml.batches import ShardedOrder
    >>> ranks = [ShardedOrder(10, 2, seed=0, rank=r, world_size=2) for r in range(2)]
    >>> one = ShardedOrder(10, 4, seed=0)
    >>> a, b, c = ranks[0].next(), ranks[1].next(), one.next()
    >>> a[0].tolist() + b[0].tolist() == c[0].tolist(), a[1], c[1]
    (True, 4, 4)
    """

    def __init__(self, n: int, batch_size: int | None, *, seed: int = 0, rank: int = 0, world_size: int = 1):
        import torch

        self.n, self.rank, self.world_size = int(n), int(rank), int(world_size)
        if self.n < 1:
            raise ValueError(f"ShardedOrder needs at least one sample, got n={n}")
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank must be in [0, {self.world_size}), got {rank}")
        self.batch = self.n if batch_size is None else int(batch_size) * self.world_size
        if batch_size is not None and not 1 <= int(batch_size) <= self.n:
            raise ValueError(f"batch_size must be in [1, {self.n}], got {batch_size}")
        if self.batch > self.n:
            raise ValueError(f"batch_size {batch_size} × world size {self.world_size} = {self.batch} exceeds the "
                             f"{self.n} samples; lower batch_size or use fewer processes")
        last = self.n % self.batch
        if self.n < self.world_size or 0 < last < self.world_size:
            raise ValueError(f"the world size {self.world_size} is larger than the {min(self.n, last or self.n)} "
                             f"samples of a batch: every rank needs at least one sample per step; choose a "
                             f"batch_size for which n % (batch_size × world size) is 0 or at least the world size")
        self.generator = torch.Generator()
        self.generator.manual_seed(int(seed))
        self.epoch, self.offset, self.order = 0, 0, None

    @property
    def steps_per_epoch(self) -> int:
        """Global batches in one pass over the samples."""
        return -(-self.n // self.batch)

    def next(self):
        """``(index, global_size)``: this rank's sample indices (a tensor, or ``None`` for all samples
        in one process) and the number of samples in the step's global batch."""
        import torch

        if self.batch == self.n:
            self.epoch += 1
            if self.world_size == 1:
                return None, self.n
            return torch.tensor_split(torch.arange(self.n), self.world_size)[self.rank], self.n
        if self.order is None or self.offset >= self.n:
            self.order = torch.randperm(self.n, generator=self.generator)
            self.offset = 0
            self.epoch += 1
        chunk = self.order[self.offset:self.offset + self.batch]
        self.offset += int(chunk.shape[0])
        part = chunk if self.world_size == 1 else torch.tensor_split(chunk, self.world_size)[self.rank]
        return part, int(chunk.shape[0])

    def state_dict(self) -> dict:
        """The global state (plain tensors and ints, loadable with ``torch.load(weights_only=True)``)."""
        return {"epoch": self.epoch, "offset": self.offset, "order": self.order,
                "generator": self.generator.get_state(), "n": self.n}

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict` (of any rank and world size)."""
        if int(state["n"]) != self.n:
            raise ValueError(f"the saved batch order is for {int(state['n'])} samples, the data have {self.n}")
        self.epoch, self.offset, self.order = int(state["epoch"]), int(state["offset"]), state["order"]
        self.generator.set_state(state["generator"])
