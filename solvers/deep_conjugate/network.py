"""The DCDM network (Kaneda et al., ICML 2023): a U-shaped residual CNN approximating ``A⁻¹``.

3×3 (2D) or 3×3×3 (3D) convolutions with ``channels`` feature maps: a linear first convolution,
``fine`` residual convolutions at full resolution (``x = relu(conv(x)) + x``), one average-pooling
level with ``coarse`` residual convolutions, upsampling by 2 plus the full-resolution skip,
``after`` residual convolutions and a per-cell linear map to one channel.  Fully convolutional:
a model trained on one grid runs on any grid; an odd size is padded by one zero cell for the
pooling level (at the high end and, in a second application, at the low end) and the mean of the
two outputs cropped back.
Imports torch (load it lazily).

Each input is scaled to unit root-mean-square per cell first.  The search direction does not
depend on the scale of the residual, but the network (biases, ReLUs) does: the paper's unit-norm
input has per-cell values of size ``1/sqrt(N)`` on a grid of ``N`` cells, so a model trained on
32³ that way met inputs ``sqrt(8)`` times too small on 64³ and its directions degraded there (the
paper's iteration took 301 iterations; with the input rescaled, 128).
"""

from __future__ import annotations

from sciml._extras import require

torch = require("torch")
nn = torch.nn

from sciml.backend import torch_seeded
from sciml.models import Model

__all__ = ["DCDMNet"]


class DCDMNet(Model, nn.Module):
    """U-shaped residual CNN of the deep conjugate direction method.

    Parameters
    ----------
    dim : 2 or 3
        Grid dimension.
    channels : int
        Feature maps of every convolution (16 in the paper).
    fine, coarse, after : int
        Residual convolutions before pooling, at half resolution, and after upsampling (the
        paper's 64³ model: 4 / 6 / 4 counting the first convolution among the fine ones).
    seed : int, optional
        Seeds the initial weights (torch's global generator is left untouched).

    Examples
    --------
    >>> import torch
    >>> from solvers.deep_conjugate.network import DCDMNet
    >>> net = DCDMNet(2)
    >>> net(torch.randn(3, 1, 16, 24)).shape, net.n_parameters
    (torch.Size([3, 1, 16, 24]), 30337)
    """

    def __init__(self, dim: int = 2, *, channels: int = 16, fine: int = 3, coarse: int = 6, after: int = 4,
                 seed: int | None = None):
        super().__init__()
        if dim not in (2, 3):
            raise ValueError(f"dim must be 2 or 3, got {dim}")
        if min(int(channels), int(coarse)) < 1 or min(int(fine), int(after)) < 0:
            raise ValueError("channels and coarse must be >= 1, fine and after >= 0")
        self.dim, self.channels = int(dim), int(channels)
        conv = nn.Conv2d if dim == 2 else nn.Conv3d

        def block(n):
            return nn.ModuleList([conv(channels, channels, 3, padding=1) for _ in range(n)])

        with torch_seeded(seed):
            self.first = conv(1, channels, 3, padding=1)
            self.fine, self.coarse, self.after = block(fine), block(coarse), block(after)
            self.last = conv(channels, 1, 1)
        self.pool = (nn.AvgPool2d if dim == 2 else nn.AvgPool3d)(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @staticmethod
    def _residual(layers, h):
        pair = _slow_single_sample(h, h.shape[1])
        if pair:
            h = torch.cat([h, h])
        for layer in layers:
            h = torch.relu(layer(h)) + h
        return h[:1] if pair else h

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        """Map residuals ``[B, 1, *grid]`` (any sizes, odd ones padded and cropped; any scale) to search
        directions of the same shape."""
        if r.ndim != self.dim + 2 or r.shape[1] != 1:
            raise ValueError(f"input has shape {tuple(r.shape)}; this {self.dim}D model expects [B, 1] + "
                             f"{self.dim} grid axes")
        if min(r.shape[2:]) < 1:
            raise ValueError(f"input has shape {tuple(r.shape)}: every grid axis needs at least one cell")
        rms = torch.sqrt(torch.mean(r * r, dim=tuple(range(1, r.ndim)), keepdim=True))
        r = r / torch.clamp(rms, min=torch.finfo(r.dtype).tiny)
        grid = tuple(r.shape[2:])
        odd = [n % 2 for n in grid]
        if not any(odd):
            return self._even(r)
        # an odd axis gets one zero cell, once at its high and once at its low end (F.pad lists the
        # last axis first); the mean of the two cropped outputs is the direction (measured on 65²/97²
        # with a disc: 28/40 iterations to 1e-6, against 36/53 with the high-end padding alone)
        high = self._even(torch.nn.functional.pad(r, [side for k in reversed(odd) for side in (0, k)]))
        low = self._even(torch.nn.functional.pad(r, [side for k in reversed(odd) for side in (k, 0)]))
        return 0.5 * (high[(slice(None), slice(None)) + tuple(slice(0, n) for n in grid)]
                      + low[(slice(None), slice(None)) + tuple(slice(k, k + n) for k, n in zip(odd, grid))])

    def _even(self, r):
        pair = _slow_single_sample(r, self.channels)
        if pair:
            r = torch.cat([r, r])
        h = self._residual(self.fine, self.first(r))
        coarse = self._residual(self.coarse, self.pool(h))
        h = self._residual(self.after, self.up(coarse) + h)
        out = self.last(h)
        return out[:1] if pair else out


def _slow_single_sample(h: torch.Tensor, channels: int) -> bool:
    """Whether torch would convolve this tensor with its slow native CPU kernel.

    Its heuristic ignores the last axis of a 3D input and sends a single sample with
    ``channels·n1·n2 <= 20480`` (32³ and below at 16 channels) there, about 7x slower than oneDNN;
    a batch of two takes oneDNN (the copy adds no gradient).  The 3D model's call on two cores at
    32³: 216 ms alone, 45 ms as a pair; at 64³ only its half-resolution block qualifies (275 ->
    136 ms).
    """
    return (h.device.type == "cpu" and h.ndim == 5 and h.shape[0] == 1
            and channels * h.shape[2] * h.shape[3] <= 20480)
