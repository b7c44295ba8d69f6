"""A geometry-conditioned DCDM network: the residual plus the cell types, on every grid level.

The anchor (Lan, Gueidon, Kaneda, Panetta, Teran, ICML 2024) makes the network see the domain:
its convolution kernels vary in space with the cell-type image.  :class:`GeometryDCDMNet` feeds the
cell types (:func:`~solvers.deep_conjugate.cell_types`: fluid, solid, share of open faces, share of
closed faces) to every layer, in one of two forms (``conditioning=``):

* ``"channels"``: each convolution reads the feature maps and the cell types side by side
  (``conv(cat(h, types))``): a geometry-dependent bias and, through the ReLU, a geometry-dependent
  response;
* ``"kernels"``: spatially varying kernels from a learned basis, ``Σ_t m_t(x) conv_t(h)``, with the
  mixing weights ``m(x)`` a softmax of a 3×3 convolution of the cell types (the "gathering"
  expansion of a spatially varying kernel; ``n_kernels`` basis kernels per layer).

Which one ships was chosen by measurement (``benchmarks/train_dcdm.py --compare``, see
``benchmarks/RESULTS.md``).  Every layer is masked by the fluid cells, so solid cells and the
padding of odd sizes carry nothing.  The network is a U-net whose coarse levels share their
weights and recurse until an axis would drop below 8 cells: the number of levels follows the
grid (24² -> 2 coarse levels, 96² -> 4, 257² -> 6), so a model trained on small grids applies its
coarse-level layers again on larger ones, the way a multigrid cycle does.  Coarse corrections are
interpolated back bi/trilinearly: with nearest-neighbour copies (the DCDM paper's upsampling) the
blocks of every level showed in the directions, and a model trained on the 64² box for 600 steps
took 146 iterations on it instead of 59 (same held-out loss).  An odd axis is padded by
one solid cell before a pooling and cropped after (no second application).  Inputs are scaled to
unit RMS per fluid cell (see :class:`~solvers.deep_conjugate.network.DCDMNet`).
Imports torch (load it lazily).
"""

from __future__ import annotations

from sciml._extras import require

torch = require("torch")
nn = torch.nn
functional = torch.nn.functional

from sciml.backend import torch_seeded
from sciml.models import Model

from .geometry_input import CELL_TYPE_CHANNELS
from .network import _slow_single_sample

__all__ = ["GeometryDCDMNet"]

_N_TYPES = len(CELL_TYPE_CHANNELS)
_COARSEST = 8  # recurse while every axis has at least this many cells


class _Layer(nn.Module):
    """One residual layer ``h + relu(L(h, types)) · fluid``, ``L`` conditioned on the cell types."""

    def __init__(self, dim: int, channels: int, conditioning: str, n_kernels: int):
        super().__init__()
        conv = nn.Conv2d if dim == 2 else nn.Conv3d
        self.conditioning = conditioning
        if conditioning == "channels":
            self.conv = conv(channels + _N_TYPES, channels, 3, padding=1)
        else:
            self.convs = conv(channels, channels * n_kernels, 3, padding=1)
            self.mix = conv(_N_TYPES, n_kernels, 3, padding=1)
            self.n_kernels = n_kernels

    def forward(self, h, types, fluid):
        if self.conditioning == "channels":
            out = _convolve(self.conv, torch.cat([h, types], dim=1))
        else:
            weights = torch.softmax(_convolve(self.mix, types), dim=1)  # [B, T, *grid]
            banks = _convolve(self.convs, h).unflatten(1, (self.n_kernels, -1))  # [B, T, C, *grid]
            out = (weights.unsqueeze(2) * banks).sum(dim=1)
        return h + torch.relu(out) * fluid


def _convolve(conv, x):
    """``conv(x)``; a single 3D sample that torch would send to its slow native kernel goes as a pair
    (see :func:`~solvers.deep_conjugate.network._slow_single_sample`; the copy adds no gradient)."""
    if _slow_single_sample(x, x.shape[1]):
        return conv(torch.cat([x, x]))[:1]
    return conv(x)


class GeometryDCDMNet(Model, nn.Module):
    """Geometry-conditioned U-net approximating ``A⁻¹`` for any domain and face mix.

    Parameters
    ----------
    dim : 2 or 3
    channels : int
        Feature maps of every layer.
    fine : int
        Residual layers at full resolution, before and again after the coarse levels.
    coarse : int
        Residual layers per coarse level, before and again after the next coarser level (one set
        of weights for every coarse level).
    conditioning : "channels" or "kernels"
        How the cell types enter each layer (see the module docstring).
    n_kernels : int
        Basis kernels per layer for ``"kernels"``.
    seed : int, optional
        Seeds the initial weights (torch's global generator is left untouched).

    Examples
    --------
    >>> import torch
    >>> from solvers.deep_conjugate.geometry_network import GeometryDCDMNet
    >>> from solvers.deep_conjugate import cell_types
    >>> from solvers.obstacles import box_with_ball
    >>> types = torch.as_tensor(cell_types(box_with_ball((33, 20)).operator()))[None]
    >>> net = GeometryDCDMNet(2, seed=0)
    >>> net(torch.randn(1, 1, 33, 20), types).shape, net.n_parameters
    (torch.Size([1, 1, 33, 20]), 23921)
    """

    takes_cell_types = True

    def __init__(self, dim: int = 2, *, channels: int = 16, fine: int = 2, coarse: int = 2,
                 conditioning: str = "channels", n_kernels: int = 3, seed: int | None = None):
        super().__init__()
        if dim not in (2, 3):
            raise ValueError(f"dim must be 2 or 3, got {dim}")
        if conditioning not in ("channels", "kernels"):
            raise ValueError(f"conditioning must be 'channels' or 'kernels', got {conditioning!r}")
        if min(int(channels), int(coarse), int(n_kernels)) < 1 or int(fine) < 0:
            raise ValueError(f"channels, coarse and n_kernels must be >= 1 and fine >= 0, got {channels}, {coarse}, "
                             f"{n_kernels}, {fine}")
        self.dim, self.channels = int(dim), int(channels)
        conv = nn.Conv2d if dim == 2 else nn.Conv3d

        def layers(n):
            return nn.ModuleList([_Layer(dim, channels, conditioning, int(n_kernels)) for _ in range(int(n))])

        with torch_seeded(seed):
            self.first = conv(1 + _N_TYPES, channels, 3, padding=1)
            self.fine_down, self.fine_up = layers(fine), layers(fine)
            self.coarse_down, self.coarse_up = layers(coarse), layers(coarse)
            self.last = conv(channels, 1, 1)
        self._pool = functional.avg_pool2d if dim == 2 else functional.avg_pool3d
        self._linear = "bilinear" if dim == 2 else "trilinear"

    @property
    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, r: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        """Map residuals ``[B, 1, *grid]`` and cell types ``[B or 1, 4, *grid]`` to directions ``[B, 1, *grid]``."""
        if r.ndim != self.dim + 2 or r.shape[1] != 1:
            raise ValueError(f"r has shape {tuple(r.shape)}; this {self.dim}D model expects [B, 1] + {self.dim} grid axes")
        if types.ndim != r.ndim or types.shape[1] != _N_TYPES or tuple(types.shape[2:]) != tuple(r.shape[2:]) \
                or types.shape[0] not in (1, r.shape[0]):
            raise ValueError(f"types has shape {tuple(types.shape)}; expected [1 or {r.shape[0]}, {_N_TYPES}] + "
                             f"{tuple(r.shape[2:])} (solvers.deep_conjugate.cell_types)")
        if min(r.shape[2:]) < 1:
            raise ValueError(f"r has shape {tuple(r.shape)}: every grid axis needs at least one cell")
        types = types.to(r.dtype).expand(r.shape[0], *types.shape[1:])
        fluid = types[:, :1]
        count = torch.clamp(fluid.sum(dim=tuple(range(1, r.ndim)), keepdim=True), min=1.0)
        rms = torch.sqrt((r * r * fluid).sum(dim=tuple(range(1, r.ndim)), keepdim=True) / count)
        r = r * fluid / torch.clamp(rms, min=torch.finfo(r.dtype).tiny)
        h = _convolve(self.first, torch.cat([r, types], dim=1)) * fluid
        for layer in self.fine_down:
            h = layer(h, types, fluid)
        h = self._coarser(h, types)
        for layer in self.fine_up:
            h = layer(h, types, fluid)
        return _convolve(self.last, h) * fluid

    def _coarser(self, h, types):
        """``h`` plus the correction from the next coarser level (recursively), or ``h`` on a coarsest grid."""
        grid = tuple(h.shape[2:])
        if min(grid) < _COARSEST:
            return h
        odd = [n % 2 for n in grid]
        if any(odd):  # one solid (all-zero) cell at the high end of an odd axis; F.pad lists the last axis first
            pad = [side for k in reversed(odd) for side in (0, k)]
            h, types = functional.pad(h, pad), functional.pad(types, pad)
        coarse_types = self._pool(types, 2)
        fluid = (coarse_types[:, :1] > 0).to(h.dtype)
        coarse = self._pool(h, 2)
        for layer in self.coarse_down:
            coarse = layer(coarse, coarse_types, fluid)
        coarse = self._coarser(coarse, coarse_types)
        for layer in self.coarse_up:
            coarse = layer(coarse, coarse_types, fluid)
        h = h + functional.interpolate(coarse, scale_factor=2, mode=self._linear, align_corners=False) * types[:, :1]
        return h[(slice(None), slice(None)) + tuple(slice(0, n) for n in grid)]
