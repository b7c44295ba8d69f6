"""Multigrid tensorized Fourier neural operator (Kossaifi et al., TMLR 2023) on neuraloperator.

:class:`MGTFNO` is one ``nn.Module`` that takes full-resolution fields ``[B, C, n, n]`` and
returns full-resolution outputs.  Inside, neuraloperator's ``MultigridPatching2D`` splits each
field into ``2^L × 2^L`` patches (with circular padding) and stacks, on the channel axis,
``L`` coarser co-centred views (so the FNO sees ``C·(L+1)`` channels); a ``FNO`` with factorized
(Tucker, CP, TT) or dense spectral weights maps the patches; the patches are unpadded and
stitched back.  ``levels=0`` is the plain (T)FNO on the whole domain.  Because the forward
always returns stitched fields, :func:`sciml.train.fit` trains it like any other model (so
neuraloperator's ``stitching=False`` training mode, a loss per patch, is not offered).

For non-periodic problems each field also gets two channels with the absolute coordinates
before patching (``coordinates=True``): the patches are circularly padded, and without them a
patch cannot tell where the domain boundary is.
"""

from __future__ import annotations

import contextlib
import inspect
import io
from collections.abc import Sequence

from sciml._extras import require
from sciml.backend import torch_seeded
from sciml.models import Model

torch = require("torch")
nn = torch.nn

__all__ = ["MGTFNO"]

_FACTORIZATIONS = {"tucker": "Tucker", "cp": "CP", "tt": "TT", "dense": None}


def _real_count(module: nn.Module) -> int:
    """Parameters in real numbers (a complex weight counts twice, as neuraloperator counts)."""
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in module.parameters())


class MGTFNO(Model, nn.Module):
    """Multigrid-patched, tensor-factorized Fourier neural operator on 2D fields.

    Parameters
    ----------
    n_modes : int or (int, int)
        Fourier modes kept per axis in every spectral layer.
    in_channels, out_channels : int
        Channels of the fields the model takes and returns.
    hidden_channels : int
        Width of the FNO.
    levels : int
        Multigrid levels ``L``: ``2^L × 2^L`` patches and ``L`` coarse context views; 0 is a
        plain (T)FNO.  Fields need a resolution divisible by ``2^L`` and at least ``2·4^L``.
    rank : float
        Rank of the factorized weights as a fraction of the dense parameter count
        (neuraloperator's convention; ignored for ``"dense"``).
    factorization : {"tucker", "cp", "tt", "dense"}
    padding_fraction : float
        Padding of each patch, as a fraction of the full grid (circular), for ``levels > 0``.
    n_layers : int
        Spectral layers.
    coordinates : bool
        For ``levels > 0``: append the absolute coordinates ``(x, y)`` of the full domain as two
        input channels before patching (default True).  A patch otherwise cannot tell where it
        lies, which a non-periodic problem (Darcy's ``u = 0`` on the boundary) needs; on the
        torus (Navier–Stokes) it may be switched off.
    seed : int, optional
        Seeds the initial weights (torch's global generator is left untouched).
    **fno_options
        Passed on to ``neuralop.models.FNO`` (e.g. ``domain_padding``, ``positional_embedding``).

    Attributes
    ----------
    n_parameters : int
        Trainable parameters in real numbers (complex weights count twice).
    compression_ratio : float
        Parameters of the dense FNO of the same configuration over :attr:`n_parameters`.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import MGTFNO
    >>> model = MGTFNO(8, 1, 1, 16, levels=1, rank=0.1, padding_fraction=0.125, seed=0)
    >>> model(torch.randn(2, 1, 32, 32)).shape
    torch.Size([2, 1, 32, 32])
    >>> model.compression_ratio > 2, round(model.input_compression(32), 2)   # 32² / (16 + 2·4)²
    (True, 1.78)
    """

    #: Validate shapes and finiteness on every call (``fit`` checks its data once instead).
    check_inputs = True

    def __init__(self, n_modes: int | Sequence[int], in_channels: int, out_channels: int, hidden_channels: int, *,
                 levels: int = 0, rank: float = 0.1, factorization: str = "tucker", padding_fraction: float = 0.0,
                 n_layers: int = 4, coordinates: bool = True, seed: int | None = None, **fno_options):
        super().__init__()
        modes = (int(n_modes),) * 2 if isinstance(n_modes, int) else tuple(int(m) for m in n_modes)
        if len(modes) != 2 or min(modes) < 1:
            raise ValueError(f"n_modes must be a positive int or a pair, got {n_modes}")
        key = str(factorization).lower()
        if key not in _FACTORIZATIONS:
            raise ValueError(f"factorization must be one of {sorted(_FACTORIZATIONS)}, got {factorization!r}")
        if min(int(in_channels), int(out_channels), int(hidden_channels), int(n_layers)) < 1:
            raise ValueError("channel counts and n_layers must be >= 1")
        if int(levels) < 0:
            raise ValueError(f"levels must be >= 0, got {levels}")
        if not 0.0 <= float(padding_fraction) < 0.5:  # NaN fails too
            raise ValueError(f"padding_fraction must be in [0, 0.5), got {padding_fraction}")
        if key != "dense" and not 0 < float(rank) < float("inf"):
            raise ValueError(f"rank must be > 0, got {rank}")
        # neuralop is imported after the plain checks: a bad argument is refused at once, not
        # after the seconds its first import takes.
        FNO = require("neuralop.models").FNO
        MultigridPatching2D = require("neuralop.training.patching").MultigridPatching2D
        fixed = {"n_modes", "in_channels", "out_channels", "hidden_channels", "n_layers", "factorization", "rank"}
        unknown = sorted(set(fno_options) - (set(inspect.signature(FNO).parameters) - fixed))
        if unknown:
            raise TypeError(f"fno_options {unknown} are not options of neuralop.models.FNO (or are set by MGTFNO)")
        self.n_modes, self.hidden_channels, self.n_layers = modes, int(hidden_channels), int(n_layers)
        self.rank, self.factorization = float(rank), key
        self.levels, self.padding_fraction = int(levels), float(padding_fraction)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.coordinates = bool(coordinates) and self.levels > 0
        patched_channels = (self.in_channels + 2 * self.coordinates) * (self.levels + 1)
        self._fno_arguments = dict(n_modes=modes, in_channels=patched_channels,
                                   out_channels=self.out_channels, hidden_channels=int(hidden_channels),
                                   n_layers=int(n_layers), **fno_options)
        with torch_seeded(seed):
            self.fno = FNO(**self._fno_arguments, factorization=_FACTORIZATIONS[key],
                           rank=float(rank) if key != "dense" else 1.0)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints its settings
            self.patching = MultigridPatching2D(None, levels=self.levels, padding_fraction=self.padding_fraction,
                                                stitching=True)
        # per-channel normalisation, shaped from the start so that a saved model loads strictly
        self.register_buffer("x_mean", torch.zeros(1, self.in_channels, 1, 1))
        self.register_buffer("x_std", torch.ones(1, self.in_channels, 1, 1))
        self.register_buffer("y_mean", torch.zeros(1, self.out_channels, 1, 1))
        self.register_buffer("y_std", torch.ones(1, self.out_channels, 1, 1))

    # -- size -------------------------------------------------------------------------
    @property
    def n_parameters(self) -> int:
        return _real_count(self)

    @property
    def compression_ratio(self) -> float:
        FNO = require("neuralop.models").FNO

        with torch.device("meta"):
            dense = FNO(**self._fno_arguments, factorization=None)
        return _real_count(dense) / self.n_parameters

    def input_compression(self, resolution: int) -> float:
        """Full-domain points over the points of one padded patch at ``resolution`` (the
        paper's domain compression; 1 for ``levels = 0``)."""
        if self.levels == 0:
            return 1.0
        patch = resolution // 2**self.levels + 2 * round(resolution * self.padding_fraction)
        return resolution**2 / patch**2

    # -- normalisation ----------------------------------------------------------------
    def set_normalization(self, inputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Store per-channel means and standard deviations of training inputs and outputs.

        Per channel (not per grid point), so the model stays resolution-independent.
        """
        with torch.no_grad():
            for name, t, channels in (("x", inputs, self.in_channels), ("y", targets, self.out_channels)):
                t = torch.as_tensor(t).to(device=self.x_mean.device, dtype=self.x_mean.dtype)
                mean = t.mean(dim=(0, 2, 3)).reshape(1, channels, 1, 1)
                std = t.std(dim=(0, 2, 3)).reshape(1, channels, 1, 1)
                setattr(self, f"{name}_mean", mean)
                setattr(self, f"{name}_std", torch.where(std > 0, std, torch.ones_like(std)))

    def state_dict(self, *args, **kwargs):
        """Tensors only: neuraloperator adds its constructor arguments (functions included) under
        ``_metadata``, which neither ``torch.load(..., weights_only=True)`` (training checkpoints)
        nor safetensors (:func:`sciml.models.save`) can hold; :attr:`config` has ours."""
        state = super().state_dict(*args, **kwargs)
        state.pop("_metadata", None)
        return state

    # -- forward ----------------------------------------------------------------------
    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"input has shape {tuple(x.shape)}; the model expects [B, {self.in_channels}, n, n]")
        if x.shape[2] != x.shape[3]:
            raise ValueError(f"fields must be square, got {tuple(x.shape[2:])}")
        split = 2**self.levels
        if x.shape[-1] % split:
            raise ValueError(f"resolution {x.shape[-1]} is not divisible by 2^levels = {split}; "
                             f"multigrid patching needs equal patches")
        if self.levels and x.shape[-1] < 2 * 4**self.levels:
            raise ValueError(f"resolution {x.shape[-1]} is too small for {self.levels} multigrid levels: "
                             f"neuraloperator's patching needs at least 2·4^levels = {2 * 4**self.levels} points")
        if not torch.isfinite(x).all():
            raise ValueError("input contains NaN or infinite values")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map fields ``[B, in_channels, n, n]`` to ``[B, out_channels, n, n]`` (any ``n`` that
        ``2^levels`` divides: zero-shot super-resolution included)."""
        if self.check_inputs:
            self._check(x)
        x = (x - self.x_mean) / self.x_std
        if self.levels == 0:
            out = self.fno(x)
        else:
            if self.coordinates:
                n = x.shape[-1]
                centres = (torch.arange(n, device=x.device, dtype=x.dtype) + 0.5) / n
                grid = torch.stack(torch.meshgrid(centres, centres, indexing="ij"))
                x = torch.cat([x, grid.expand(x.shape[0], 2, n, n)], dim=1)
            try:
                patches, _ = self.patching.patch(x, None)
            except RuntimeError as exc:
                raise ValueError(f"multigrid patching cannot split a {x.shape[-1]}² field into {self.levels} levels "
                                 f"with padding fraction {self.padding_fraction}: {exc}") from exc
            out, _ = self.patching.unpatch(self.fno(patches), None, evaluation=True)
        return out * self.y_std + self.y_mean

    def extra_repr(self) -> str:
        return (f"modes={self.n_modes}, width={self.hidden_channels}, layers={self.n_layers}, "
                f"factorization={self.factorization}, rank={self.rank}, levels={self.levels}, "
                f"padding_fraction={self.padding_fraction}")
