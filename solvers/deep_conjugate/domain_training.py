"""Training a geometry-conditioned DCDM network on random domains (imports torch; load it lazily).

* :class:`DomainBatches` — an endless, seeded stream of training batches: a random geometry and
  face mix (:func:`~solvers.deep_conjugate.random_domain`, every family, random sizes, odd ones
  included) reused for a few batches; right-hand sides of two kinds: filtered noise (every mode,
  the lower half of the spectrum amplified 9x by damped Jacobi sweeps, the spectrum the DCDM
  paper's exact eigenvectors give) and, for a quarter, Lanczos Ritz combinations (9x weight on
  the lower half of the Ritz vectors; the Lanczos start is ``A⁻¹`` applied to noise, so the
  smoothest modes are resolved first), each with the cell types and the stencil of its matrix;
* :func:`stencil_matvec` — ``A f`` from the stencil (:func:`~solvers.deep_conjugate.grid_stencil`)
  on a batch of tensors, so that one batch may hold any geometry;
* :class:`LineSearchResidual` — the network wrapped for training: the residual left by one exact
  line search along its direction, ``b - (fᵀb / fᵀAf) A f`` (the DCDM loss is its squared norm,
  :func:`residual_norm2`);
* :func:`train_geometry_dcdm` — :func:`sciml.train.fit` on that stream (progress bar, checkpoints,
  resume), with held-out geometries for validation.

The closed family (no open face) has a null space; its right-hand sides are projected onto the
range of ``A``, as a projected solve sees them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sciml._extras import require

torch = require("torch")

from .geometry_input import cell_types, grid_stencil
from .geometry_network import GeometryDCDMNet
from .random_domains import FAMILIES, random_domain, square_cell_operator
from .training import line_search_residual, ritz_vectors, training_vectors

__all__ = ["DomainBatches", "LineSearchResidual", "residual_norm2", "stencil_matvec", "train_geometry_dcdm"]


def stencil_matvec(f: torch.Tensor, diagonal: torch.Tensor, couplings: torch.Tensor) -> torch.Tensor:
    """``A f`` for a batch ``f [B, 1, *grid]`` of the stencil ``diagonal [B, 1, *grid]``, ``couplings [B, d, *grid]``.

    ``(A f)_i = diagonal_i f_i - Σ_a (couplings_a[i] f[i + e_a] + couplings_a[i - e_a] f[i - e_a])``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from solvers.obstacles import box_with_ball
    >>> from solvers.deep_conjugate import grid_stencil
    >>> from solvers.deep_conjugate.domain_training import stencil_matvec
    >>> A = box_with_ball((9, 7)).operator()
    >>> diagonal, couplings = (torch.as_tensor(a)[None] for a in grid_stencil(A))
    >>> f = torch.randn(1, 1, 9, 7, dtype=torch.float64)
    >>> bool(torch.allclose(stencil_matvec(f, diagonal[:, None], couplings).ravel(),
    ...                     torch.as_tensor(A.to_sparse() @ f.numpy().ravel())))
    True
    """
    out = diagonal * f
    d = f.ndim - 2
    for axis in range(d):
        n = f.shape[2 + axis]
        coupling = couplings[:, axis:axis + 1]
        ahead = coupling.narrow(2 + axis, 0, n - 1) * f.narrow(2 + axis, 1, n - 1)  # c[i] f[i+1], i < n-1
        behind = coupling.narrow(2 + axis, 0, n - 1) * f.narrow(2 + axis, 0, n - 1)  # c[i-1] f[i-1], i >= 1
        zero = torch.zeros_like(f.narrow(2 + axis, 0, 1))
        out = out - torch.cat([ahead, zero], dim=2 + axis) - torch.cat([zero, behind], dim=2 + axis)
    return out


class LineSearchResidual(torch.nn.Module):
    """The network wrapped for training: ``forward(b, types, diagonal, couplings)`` is the residual
    ``b - (fᵀb / fᵀAf) A f`` left by one exact line search along the network's direction ``f``.

    Examples
    --------
    >>> import torch
    >>> from solvers.deep_conjugate.domain_training import LineSearchResidual, DomainBatches
    >>> from solvers.deep_conjugate.geometry_network import GeometryDCDMNet
    >>> (*inputs, target), = DomainBatches(2, batch_size=2, n_batches=1, seed=0)
    >>> LineSearchResidual(GeometryDCDMNet(2, seed=0))(*inputs).shape == target.shape
    True
    """

    def __init__(self, network: torch.nn.Module):
        super().__init__()
        self.network = network

    def forward(self, b, types, diagonal, couplings):
        f = self.network(b, types)
        return line_search_residual(f, b, stencil_matvec(f, diagonal, couplings))


def residual_norm2(residual: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The DCDM loss: ``mean_i ||residual_i - target_i||²`` (the target is zero; for unit right-hand sides
    it is the share of the residual a line search along the network's direction leaves).

    Examples
    --------
    >>> import torch
    >>> from solvers.deep_conjugate.domain_training import residual_norm2
    >>> float(residual_norm2(torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)))
    9.0
    """
    return ((residual - target) ** 2).flatten(1).sum(dim=1).mean()


class DomainBatches:
    """A seeded stream of training batches on random domains (see the module docstring).

    Each item is ``(b, types, diagonal, couplings, zeros)``: float32 tensors ``[B, 1, *grid]``,
    ``[B, 4, *grid]``, ``[B, 1, *grid]``, ``[B, d, *grid]`` and the zero target, for
    :class:`LineSearchResidual` and :func:`residual_norm2`.

    Parameters
    ----------
    dim : 2 or 3
    sizes : (int, int)
        Grid sizes per axis, drawn independently and inclusively (odd ones included).
    batch_size : int
        Right-hand sides per batch (one geometry per batch).
    reuse : int
        Consecutive batches drawn from one geometry (its Ritz vectors are the expensive part).
    n_ritz : int
        Lanczos steps per geometry.
    ritz_share : float
        Share of right-hand sides that are Ritz combinations (led by the smoothest modes); the
        others are filtered noise ``ξ + (low_weight - 1) Sᵏ ξ`` (``S`` a damped Jacobi sweep, ``k``
        from 1 to 8): every mode present, the lower half of the spectrum amplified about
        ``low_weight`` times, the mix the DCDM paper's exact eigenvectors give on one small grid.
    low_weight : float
        The amplification of the lower half of the spectrum in both kinds.
    families : sequence of str
        Geometry families (:data:`~solvers.deep_conjugate.random_domains.FAMILIES` by default).
    n_batches : int, optional
        Stop after this many (a validation set); endless by default.
    seed : int

    Examples
    --------
    >>> from solvers.deep_conjugate.domain_training import DomainBatches
    >>> b, types, diagonal, couplings, target = next(iter(DomainBatches(2, batch_size=3, seed=1)))
    >>> b.shape[:2], types.shape[1], couplings.shape[1], round(float((b * b).flatten(1).sum(1)[0]), 5)
    (torch.Size([3, 1]), 4, 2, 1.0)
    """

    def __init__(self, dim: int, *, sizes: tuple[int, int] = (24, 96), batch_size: int = 8, reuse: int = 4,
                 n_ritz: int = 48, ritz_share: float = 0.25, low_weight: float = 9.0,
                 families: Sequence[str] = FAMILIES, n_batches: int | None = None, seed: int = 0):
        if dim not in (2, 3):
            raise ValueError(f"dim must be 2 or 3, got {dim}")
        if not (8 <= int(sizes[0]) <= int(sizes[1])):
            raise ValueError(f"sizes must be (low, high) with 8 <= low <= high, got {sizes}")
        if min(int(batch_size), int(reuse)) < 1 or int(n_ritz) < 2 or not 0.0 <= float(ritz_share) <= 1.0 \
                or not float(low_weight) >= 1.0:
            raise ValueError(f"batch_size and reuse must be >= 1, n_ritz >= 2, ritz_share in [0, 1], low_weight >= 1; "
                             f"got {batch_size}, {reuse}, {n_ritz}, {ritz_share}, {low_weight}")
        unknown = sorted(set(families) - set(FAMILIES))
        if unknown or not families:
            raise ValueError(f"families must be a non-empty subset of {FAMILIES}, got unknown {unknown}")
        self.dim, self.sizes, self.batch_size, self.reuse = int(dim), (int(sizes[0]), int(sizes[1])), int(batch_size), int(reuse)
        self.n_ritz, self.ritz_share, self.low_weight = int(n_ritz), float(ritz_share), float(low_weight)
        self.families = tuple(families)
        self.n_batches, self.seed = n_batches, int(seed)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        rng = np.random.default_rng(self.seed)
        k = 0
        while self.n_batches is None or k < self.n_batches:
            geometry_seed = int(rng.integers(2 ** 62))
            sample = _GeometrySample(self, geometry_seed)
            for _ in range(self.reuse):
                if self.n_batches is not None and k >= self.n_batches:
                    return
                yield sample.batch(int(rng.integers(2 ** 62)))
                k += 1

    def __repr__(self) -> str:
        return (f"DomainBatches(dim={self.dim}, sizes={self.sizes}, batch_size={self.batch_size}, reuse={self.reuse}, "
                f"n_ritz={self.n_ritz}, ritz_share={self.ritz_share}, low_weight={self.low_weight}, families={self.families}, "
                f"n_batches={self.n_batches}, seed={self.seed})")


class _GeometrySample:
    """One random geometry: its operator, cell types, stencil and Ritz vectors."""

    def __init__(self, batches: DomainBatches, seed: int):
        rng = np.random.default_rng(seed)
        family = batches.families[int(rng.integers(len(batches.families)))]
        geometry, closed = random_domain(seed=int(rng.integers(2 ** 31)), family=family, dim=batches.dim,
                                         sizes=batches.sizes)
        self.grid = geometry.solid.shape
        self.operator = square_cell_operator(geometry, closed=closed)
        self.matrix = self.operator.to_sparse()
        self.fluid = (~geometry.solid).astype(np.float64).ravel()
        self.types = torch.as_tensor(cell_types(self.operator))
        diagonal, couplings = grid_stencil(self.operator)
        self.diagonal = torch.as_tensor(diagonal, dtype=torch.float32)[None]
        self.couplings = torch.as_tensor(couplings, dtype=torch.float32)
        self.closed = closed
        start = self._smooth(rng.standard_normal(self.fluid.size))
        self.vectors = ritz_vectors(self.matrix, batches.n_ritz, seed=seed, dense_below=0, start=start)[1]
        self.batches = batches
        self.inverse_diagonal = 1.0 / self.matrix.diagonal()

    def _filtered_noise(self, rng):
        """``ξ + (low_weight - 1) Sᵏ ξ`` for masked noise ``ξ``, ``S = I - D⁻¹A/2`` (damped Jacobi, eigenvalues
        in [0, 1]: the upper half of the spectrum damped by at least 2ᵏ), ``k`` uniform in 1..8; unit norm."""
        noise = rng.standard_normal(self.fluid.size) * self.fluid
        if self.closed:
            noise = np.asarray(self.operator.project_range(noise))
        low = noise
        for _ in range(int(rng.integers(1, 9))):
            low = low - 0.5 * self.inverse_diagonal * (self.matrix @ low)
        b = (noise + (self.batches.low_weight - 1.0) * low) * self.fluid
        if self.closed:
            b = np.asarray(self.operator.project_range(b))
        return b / np.linalg.norm(b)

    def _smooth(self, noise):
        """``A⁻¹ noise`` (masked, on a closed domain projected onto the range; AMG-PCG to 1e-3): its
        spectrum is the noise's divided by the eigenvalues, so it is led by the smoothest modes."""
        from ..solver_registry import make_solver

        noise = noise * self.fluid
        if self.closed:
            noise = np.asarray(self.operator.project_range(noise))
        solver = make_solver(self.operator, "cg", preconditioner="amg", rtol=1e-3, on_failure="ignore")
        smooth = np.asarray(solver.solve(noise)[0]) * self.fluid
        return np.asarray(self.operator.project_range(smooth)) if self.closed else smooth

    def batch(self, seed: int):
        rng = np.random.default_rng(seed)
        n = self.batches.batch_size
        b = np.empty((n, self.fluid.size))
        ritz = rng.random(n) < self.batches.ritz_share
        if ritz.any():
            b[ritz] = training_vectors(self.vectors, int(ritz.sum()), low_weight=self.batches.low_weight,
                                       fluid=self.fluid, seed=seed)
        for i in np.flatnonzero(~ritz):
            b[i] = self._filtered_noise(rng)
        shape = (n, 1) + self.grid
        b = torch.as_tensor(b, dtype=torch.float32).reshape(shape)
        expand = (n,) + (-1,) * (len(self.grid) + 1)
        return (b, self.types[None].expand(*expand), self.diagonal[None].expand(*expand),
                self.couplings[None].expand(*expand), torch.zeros(shape))


def train_geometry_dcdm(*, dim: int, model: GeometryDCDMNet | None = None, steps: int = 20000,
                        sizes: tuple[int, int] = (24, 96), batch_size: int = 8, reuse: int = 4, n_ritz: int = 48,
                        ritz_share: float = 0.25, lr: float = 1e-3, n_validation: int = 16, seed: int = 0, checkpoint: Any = None,
                        progress: bool | None = None, eval_every: int = 500, checkpoint_every: int = 250,
                        schedule: Any = ("cosine",), **model_options: Any):
    """Train a :class:`GeometryDCDMNet` on random domains with :func:`sciml.train.fit`.

    Parameters
    ----------
    dim : 2 or 3
    model : GeometryDCDMNet, optional
        A new one (``model_options``, ``seed``) by default.
    steps, batch_size, lr, schedule, progress, eval_every, checkpoint_every
        As :func:`sciml.train.fit` (one geometry per batch; cosine decay by default).
    sizes, reuse, n_ritz, ritz_share
        As :class:`DomainBatches`.
    n_validation : int
        Held-out batches (geometries drawn from another seed, never trained on).
    seed : int
    checkpoint : path, optional
        Resumes from it when it exists (at the saved step, with a fresh pass over the stream).

    Returns
    -------
    model : GeometryDCDMNet
    history : sciml.train.History
        ``test_error`` is the held-out loss (the share of ``||b||²`` one line search leaves).

    Examples
    --------
    >>> from solvers.deep_conjugate.domain_training import train_geometry_dcdm
    >>> model, history = train_geometry_dcdm(dim=2, steps=4, sizes=(12, 16), batch_size=2, n_validation=2,
    ...                                      eval_every=4, channels=4, progress=False)
    >>> len(history.loss), history.test_step
    (4, [4])
    """
    from sciml.train import fit

    model = GeometryDCDMNet(dim, seed=seed, **model_options) if model is None else model
    if model.dim != dim:
        raise ValueError(f"the model is {model.dim}D but dim={dim}")
    train = DomainBatches(dim, sizes=sizes, batch_size=batch_size, reuse=reuse, n_ritz=n_ritz,
                          ritz_share=ritz_share, seed=seed)
    validation = list(DomainBatches(dim, sizes=sizes, batch_size=batch_size, reuse=1, n_ritz=n_ritz,
                                    ritz_share=ritz_share, n_batches=n_validation, seed=seed + 1_000_003))
    history = fit(LineSearchResidual(model), train, validation, steps=steps, lr=lr, schedule=schedule,
                  loss=residual_norm2, seed=seed, checkpoint=checkpoint, progress=progress, eval_every=eval_every,
                  checkpoint_every=checkpoint_every)
    return model, history
