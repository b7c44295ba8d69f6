"""DeepONet (Lu et al., Nature Machine Intelligence 2021): ``G(u)(y) ≈ Σ_i b_i(u) t_i(y) + b_0``.

The branch network sees the input function at ``m`` sensors, the trunk network the
evaluation point.  Two forms, as in DeepXDE: *aligned* (``model(u, y)``, ``u`` [N, m], ``y``
[P, d], result [N, P]: every function at every point) and *unaligned* (``model.unaligned(u,
y)``, ``u`` [N, m], ``y`` [N, d], result [N, 1]: one point per function).  The trunk's last
layer goes through the activation, the branch's last layer is linear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sciml._extras import require

torch = require("torch")
nn = torch.nn

from sciml.models import Model

__all__ = ["DeepONet", "ConvBranch"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU, "sigmoid": nn.Sigmoid,
                "elu": nn.ELU}


def _activation(name: str) -> nn.Module:
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    return _ACTIVATIONS[name]()


def _mlp(widths: Sequence[int], activation: str, *, last_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(a, b)
        nn.init.xavier_normal_(linear.weight)  # Glorot normal, as the reference code
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if k < len(widths) - 2 or last_activation:
            layers.append(_activation(activation))
    return nn.Sequential(*layers)


class ConvBranch(nn.Module):
    """A small CNN branch for inputs on a 2D grid (``[N, C, n, n]`` or ``[N, n, n]``).

    Convolutions with stride 2, then global average pooling and a linear layer to ``width``.
    """

    def __init__(self, in_channels: int = 1, channels: Sequence[int] = (16, 32, 64), width: int = 40,
                 activation: str = "relu"):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for out in channels:
            layers += [nn.Conv2d(c, out, 3, stride=2, padding=1), _activation(activation)]
            c = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, width)
        self.in_channels = in_channels

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        if u.ndim == 3:
            u = u[:, None]
        return self.head(self.features(u).mean(dim=(-2, -1)))


class DeepONet(Model, nn.Module):
    """Unstacked DeepONet with a trainable bias, normalisation stored with the model.

    Parameters
    ----------
    branch : sequence of int or dict
        Widths ``[m, h1, ..., p]`` of the branch MLP (``m`` sensors), or
        ``{"type": "cnn", "in_channels": 1, "channels": [...], "width": p}`` for :class:`ConvBranch`.
    trunk : sequence of int
        Widths ``[d, h1, ..., p]`` of the trunk MLP (``d`` coordinates of the evaluation point).
    activation : str
        ``relu``, ``tanh``, ``gelu``, ``silu``, ``sigmoid`` or ``elu``.
    n_outputs : int
        Several outputs by splitting the last branch and trunk layers into ``n_outputs`` groups
        (``p`` must be divisible by it).
    periodic_features : sequence of int, optional
        Trunk features ``[cos 2πky, sin 2πky for k in ...]`` instead of ``y`` (period-1
        problems: the output is then exactly periodic); the trunk's first width stays the raw
        dimension ``d``.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import DeepONet
    >>> net = DeepONet(branch=[100, 40, 40], trunk=[1, 40, 40])
    >>> net(torch.zeros(8, 100), torch.zeros(30, 1)).shape
    torch.Size([8, 30])
    >>> net.unaligned(torch.zeros(8, 100), torch.zeros(8, 1)).shape
    torch.Size([8, 1])

    On numpy arrays (``form="unaligned"`` for the unaligned form):

    >>> import numpy as np
    >>> net.predict(np.zeros((8, 100)), np.zeros((8, 1)), form="unaligned").shape
    (8, 1)
    """

    #: ``predict(u, y)`` batches the functions ``u`` only (every batch meets all points ``y``);
    #: ``predict(u, y, form="unaligned")`` batches both.
    predict_forms = {"forward": (0,), "unaligned": None}

    def __init__(self, branch: Sequence[int] | dict = (100, 40, 40), trunk: Sequence[int] = (1, 40, 40),
                 activation: str = "relu", *, n_outputs: int = 1, periodic_features: Sequence[int] | None = None):
        super().__init__()
        trunk = [int(v) for v in trunk]
        if len(trunk) < 2 or min(trunk) < 1:
            raise ValueError(f"trunk needs at least an input and an output width, got {trunk}")
        self.n_outputs = int(n_outputs)
        if self.n_outputs < 1:
            raise ValueError(f"n_outputs must be >= 1, got {n_outputs}")
        if isinstance(branch, dict):
            spec = dict(branch)
            if spec.pop("type", None) != "cnn":
                raise ValueError("a branch given as a dict must have type 'cnn'")
            self.branch = ConvBranch(activation=activation, **spec)
            self.n_sensors = None
            width = int(spec.get("width", 40))
        else:
            widths = [int(v) for v in branch]
            if len(widths) < 2 or min(widths) < 1:
                raise ValueError(f"branch needs at least an input and an output width, got {widths}")
            self.branch = _mlp(widths, activation, last_activation=False)
            self.n_sensors = widths[0]
            width = widths[-1]
        if width != trunk[-1]:
            raise ValueError(f"branch and trunk must end in the same width, got {width} and {trunk[-1]}")
        if width % self.n_outputs:
            raise ValueError(f"the last width {width} is not divisible by n_outputs={self.n_outputs}")
        self.dim = trunk[0]
        self.frequencies = None if periodic_features is None else [int(k) for k in periodic_features]
        features = self.dim * (2 * len(self.frequencies) if self.frequencies else 1)
        self.trunk = _mlp([features] + trunk[1:], activation, last_activation=True)
        self.bias = nn.Parameter(torch.zeros(self.n_outputs))
        self.register_buffer("u_mean", torch.zeros(()))
        self.register_buffer("u_std", torch.ones(()))
        self.register_buffer("y_mean", torch.zeros(()))
        self.register_buffer("y_std", torch.ones(()))
        self.register_buffer("s_mean", torch.zeros(()))
        self.register_buffer("s_std", torch.ones(()))

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def set_normalization(self, branch: torch.Tensor, trunk: torch.Tensor, targets: torch.Tensor) -> None:
        """Store means and standard deviations of training inputs and outputs (scalars each)."""
        with torch.no_grad():
            for name, t in (("u", branch), ("y", trunk), ("s", targets)):
                t = torch.as_tensor(t, dtype=self.u_mean.dtype, device=self.u_mean.device)
                std = t.std()
                getattr(self, f"{name}_mean").copy_(t.mean())
                getattr(self, f"{name}_std").copy_(std if std > 0 else torch.ones_like(std))

    #: Validate shapes and finiteness on every call (``sciml.train.fit`` checks its data once and
    #: switches this off while training: the NaN scan of a full batch costs a good part of a step).
    check_inputs = True

    def _check(self, u: torch.Tensor, y: torch.Tensor, *, unaligned: bool) -> None:
        if not self.check_inputs:
            return
        if self.n_sensors is not None and (u.ndim != 2 or u.shape[1] != self.n_sensors):
            raise ValueError(f"branch input has shape {tuple(u.shape)}; the model expects [N, {self.n_sensors}] "
                             f"({self.n_sensors} sensors)")
        if y.ndim != 2 or y.shape[1] != self.dim:
            raise ValueError(f"trunk input has shape {tuple(y.shape)}; the model expects [P, {self.dim}]")
        if unaligned and y.shape[0] != u.shape[0]:
            raise ValueError(f"unaligned inputs need one point per function: {u.shape[0]} functions, {y.shape[0]} points")
        if not (torch.isfinite(u).all() and torch.isfinite(y).all()):
            raise ValueError("inputs contain NaN or infinite values")

    def _features(self, y: torch.Tensor) -> torch.Tensor:
        y = (y - self.y_mean) / self.y_std if not self.frequencies else y
        if not self.frequencies:
            return y
        parts = []
        for k in self.frequencies:
            parts += [torch.cos(2 * math.pi * k * y), torch.sin(2 * math.pi * k * y)]
        return torch.cat(parts, dim=-1)

    def _branch_trunk(self, u, y):
        b = self.branch((u - self.u_mean) / self.u_std)
        t = self.trunk(self._features(y))
        return b.reshape(b.shape[0], self.n_outputs, -1), t.reshape(t.shape[0], self.n_outputs, -1)

    def _output(self, s: torch.Tensor) -> torch.Tensor:
        s = (s + self.bias) * self.s_std + self.s_mean
        return s[..., 0] if self.n_outputs == 1 else s

    def forward(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Aligned form: ``u`` [N, m] (or images for a CNN branch), ``y`` [P, d] -> [N, P] (or [N, P, K])."""
        self._check(u, y, unaligned=False)
        b, t = self._branch_trunk(u, y)
        return self._output(torch.einsum("nki,pki->npk", b, t))

    def unaligned(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Unaligned form: ``u`` [N, m], ``y`` [N, d] -> [N, 1] (or [N, K])."""
        self._check(u, y, unaligned=True)
        b, t = self._branch_trunk(u, y)
        out = self._output((b * t).sum(dim=-1))
        return out[:, None] if self.n_outputs == 1 else out
