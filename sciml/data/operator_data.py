"""Operator-learning data in both layouts (the cache is :mod:`sciml.data._cache`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, to_backend
from sciml.batches import ArrayBatches

__all__ = ["FieldData", "OperatorData", "OperatorSplits"]


@dataclass
class OperatorData:
    """Input functions at sensors and the operator's output at evaluation points.

    Attributes
    ----------
    sensors : (m, d_in)
        Where the input functions are sampled.
    branch : (N, m)
        Input function values at the sensors.
    grid : (P, d)
        The shared evaluation points of the aligned layout.
    grid_targets : (N, P)
        Output functions on ``grid``.
    points : (N, Q, d)
        Random evaluation points per function (the unaligned layout).
    targets : (N, Q)
        Output functions at ``points``.

    Examples
    --------
    >>> from sciml.data import antiderivative
    >>> data = antiderivative(6, 2, m=10, n_grid=5, cache=False).train    # an OperatorData
    >>> data.branch.shape, data.grid.shape, data.grid_targets.shape, data.points.shape
    ((6, 10), (5, 1), (6, 5), (6, 1, 1))
    """

    sensors: Any
    branch: Any
    grid: Any
    grid_targets: Any
    points: Any
    targets: Any

    def __post_init__(self):
        n = self.branch.shape[0]
        if self.grid_targets.shape != (n, self.grid.shape[0]):
            raise ValueError(f"grid_targets has shape {tuple(self.grid_targets.shape)}, expected ({n}, {self.grid.shape[0]})")
        if self.points.shape[:1] != (n,) or self.targets.shape != tuple(self.points.shape[:2]):
            raise ValueError("points (N, Q, d) and targets (N, Q) do not match the branch inputs")
        for name in ("branch", "grid_targets", "targets"):
            xp = array_namespace(getattr(self, name))
            if not bool(xp.all(xp.isfinite(getattr(self, name)))):
                raise ValueError(f"{name} contains NaN or infinite values")

    def __len__(self) -> int:
        return int(self.branch.shape[0])

    def aligned(self):
        """``(branch [N, m], trunk [P, d], targets [N, P])``: the Cartesian-product layout."""
        return self.branch, self.grid, self.grid_targets

    def unaligned(self):
        """``(branch [N Q, m], trunk [N Q, d], targets [N Q, 1])``: one triple per point."""
        xp = array_namespace(self.branch)
        n, q, d = self.points.shape
        branch = xp.reshape(xp.broadcast_to(self.branch[:, None, :], (n, q, self.branch.shape[1])), (n * q, -1))
        return branch, xp.reshape(self.points, (n * q, d)), xp.reshape(self.targets, (n * q, 1))

    def batches(self, *, layout: str = "unaligned") -> ArrayBatches:
        """The training view (:mod:`sciml.batches`): ``layout="unaligned"`` trains
        ``model.unaligned(branch, trunk)`` on one triple per point, ``"aligned"`` trains
        ``model(branch, grid)`` with the grid shared by every function."""
        if layout == "aligned":
            return ArrayBatches((self.branch, self.grid), self.grid_targets, shared=(1,))
        if layout == "unaligned":
            branch, trunk, targets = self.unaligned()
            return ArrayBatches((branch, trunk), targets, method="unaligned")
        raise ValueError(f"layout must be 'unaligned' or 'aligned', got {layout!r}")

    def to_backend(self, name: str) -> OperatorData:
        return OperatorData(*(to_backend(getattr(self, f), name) for f in _FIELDS))


_FIELDS = ("sensors", "branch", "grid", "grid_targets", "points", "targets")


@dataclass
class FieldData:
    """Input and output fields on a uniform 2D grid, channels first (the FNO layout).

    Attributes
    ----------
    inputs : (N, C_in, n, n)
    outputs : (N, C_out, n, n)

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data import FieldData
    >>> data = FieldData(np.zeros((4, 1, 8, 8)), np.ones((4, 2, 8, 8)))
    >>> len(data), data.resolution, data.subsample(2).inputs.shape
    (4, 8, (4, 1, 4, 4))
    """

    inputs: Any
    outputs: Any

    def __post_init__(self):
        a, b = self.inputs, self.outputs
        if a.ndim != 4 or b.ndim != 4:
            raise ValueError(f"fields must have shape [N, C, n, n]; got {tuple(a.shape)} and {tuple(b.shape)}")
        if a.shape[0] != b.shape[0] or tuple(a.shape[2:]) != tuple(b.shape[2:]):
            raise ValueError(f"inputs {tuple(a.shape)} and outputs {tuple(b.shape)} differ in samples or grid")
        for name in ("inputs", "outputs"):
            xp = array_namespace(getattr(self, name))
            if not bool(xp.all(xp.isfinite(getattr(self, name)))):
                raise ValueError(f"{name} contain NaN or infinite values")

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def resolution(self) -> int:
        """Grid points per axis."""
        return int(self.inputs.shape[-1])

    def subsample(self, stride: int, *, offset: int = 0) -> FieldData:
        """Every ``stride``-th point per axis, starting at ``offset``."""
        index = (slice(None), slice(None), slice(offset, None, stride), slice(offset, None, stride))
        return FieldData(self.inputs[index], self.outputs[index])

    def batches(self, *, layout: str | None = None) -> ArrayBatches:
        """The training view (:mod:`sciml.batches`): ``model(inputs)`` against ``outputs``
        (``layout`` is accepted for the common call and ignored)."""
        return ArrayBatches((self.inputs,), self.outputs)

    def to_backend(self, name: str) -> FieldData:
        return FieldData(to_backend(self.inputs, name), to_backend(self.outputs, name))


def check_sizes(**sizes) -> None:
    """Raise a ValueError naming the first of the keyword sizes that is below 1."""
    for label, value in sizes.items():
        if int(value) < 1:
            raise ValueError(f"{label} must be >= 1, got {value}")


@dataclass
class OperatorSplits:
    """Training and test data of one data set (:class:`OperatorData` or :class:`FieldData`),
    with the parameters that made them.

    Examples
    --------
    >>> from sciml.data import antiderivative
    >>> splits = antiderivative(6, 2, m=10, cache=False)
    >>> splits.train.branch.shape[0], splits.test.branch.shape[0], splits.params["arguments"]["m"]
    (6, 2, 10)
    """

    train: OperatorData | FieldData
    test: OperatorData | FieldData
    params: dict
