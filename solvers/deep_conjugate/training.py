"""Training data, loss and training loop of the DCDM network (imports torch; load it lazily).

* :func:`ritz_vectors` — approximate eigenpairs of the training matrix: exact (dense) for small
  systems, Lanczos with full reorthogonalisation otherwise;
* :func:`training_vectors` — right-hand sides ``b = Σ c_j q_j`` with 9× weight on the lower half
  of the spectrum (the paper's weighting), normalised;
* :func:`dcdm_loss` — ``mean ||b - (fᵀb / fᵀAf) A f||²`` with ``f`` the network's output: the
  residual after one exact line-search step along ``f`` (unsupervised, scale invariant);
* :func:`train_dcdm` — held-out validation vectors, :func:`sciml.train.fit` (progress bar,
  checkpoints, seeds).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from sciml._extras import require

torch = require("torch")

from .network import DCDMNet

__all__ = ["dcdm_loss", "line_search_residual", "ritz_vectors", "train_dcdm", "training_vectors"]


def ritz_vectors(A, n_vectors: int, *, seed: int = 0, dense_below: int = 6000,
                 start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Approximate eigenpairs ``(values [m], vectors [N, m])`` of the sparse SPD matrix ``A``.

    Below ``dense_below`` unknowns: the exact eigendecomposition, ``n_vectors`` (or all) pairs
    spread over the spectrum.  Above: ``n_vectors`` Lanczos steps from ``start`` (``A·randn`` by
    default: its low modes are damped by their eigenvalues, so the lowest Ritz pairs converge
    slowly; a start with all modes, such as masked noise, resolves them) with full
    reorthogonalisation, Ritz values below ``1e-8`` dropped.  Ascending values.
    """
    n = A.shape[0]
    m = min(int(n_vectors), n)
    if m < 2:
        raise ValueError(f"need at least 2 vectors, got {n_vectors}")
    if n <= dense_below:
        values, vectors = np.linalg.eigh(A.toarray())
        keep = np.unique(np.linspace(0, n - 1, m).round().astype(int))
        return values[keep], vectors[:, keep]
    rng = np.random.default_rng(seed)
    q = A @ rng.standard_normal(n) if start is None else np.array(start, dtype=np.float64).ravel()
    basis = np.zeros((n, m))
    alpha, beta = np.zeros(m), np.zeros(m)
    q /= np.linalg.norm(q)
    previous, b_prev = np.zeros(n), 0.0
    steps = m
    for j in range(m):
        basis[:, j] = q
        w = A @ q - b_prev * previous
        alpha[j] = q @ w
        w -= alpha[j] * q
        w -= basis[:, : j + 1] @ (basis[:, : j + 1].T @ w)  # full reorthogonalisation (twice is enough)
        w -= basis[:, : j + 1] @ (basis[:, : j + 1].T @ w)
        beta[j] = np.linalg.norm(w)
        if beta[j] < 1e-12 * abs(alpha[j]):
            steps = j + 1
            break
        previous, q, b_prev = q, w / beta[j], beta[j]
    tridiagonal = np.diag(alpha[:steps]) + np.diag(beta[: steps - 1], 1) + np.diag(beta[: steps - 1], -1)
    values, small = np.linalg.eigh(tridiagonal)
    keep = values > 1e-8
    return values[keep], basis[:, :steps] @ small[:, keep]


def training_vectors(vectors: np.ndarray, n_samples: int, *, low_weight: float = 9.0, theta: int = 0,
                     fluid: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """``n_samples`` unit vectors ``Σ c_j q_j`` with ``c_j ~ low_weight·N(0, 1)`` for the lowest
    ``m/2 + theta`` Ritz vectors and ``N(0, 1)`` for the rest (columns of ``vectors``, ascending).
    Returns float32 ``[n_samples, N]``; ``fluid`` (0/1 per cell) zeroes solid cells."""
    rng = np.random.default_rng(seed)
    m = vectors.shape[1]
    scale = np.ones(m)
    scale[: min(m, m // 2 + int(theta))] = float(low_weight)
    out = (rng.standard_normal((int(n_samples), m)) * scale) @ vectors.T
    if fluid is not None:
        out *= np.reshape(fluid, (1, -1))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def _torch_matrix(A, device, dtype) -> torch.Tensor:
    import warnings

    csr = A.tocsr()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(torch.as_tensor(csr.indptr, dtype=torch.int64),
                                       torch.as_tensor(csr.indices, dtype=torch.int64),
                                       torch.as_tensor(csr.data), size=csr.shape,
                                       check_invariants=True).to(device=device, dtype=dtype)


def line_search_residual(f: torch.Tensor, b: torch.Tensor, af: torch.Tensor) -> torch.Tensor:
    """``b - (fᵀb / fᵀAf) A f`` per sample (sums over every axis but the first): the residual one exact
    line search along ``f`` leaves; the DCDM loss is its squared norm.

    Examples
    --------
    >>> import torch
    >>> from solvers.deep_conjugate.training import line_search_residual
    >>> b = torch.tensor([[1.0, 2.0]])
    >>> line_search_residual(b, b, 2 * b)          # A = 2I: f = b is exact up to scale
    tensor([[0., 0.]])
    """
    dims = tuple(range(1, b.ndim))
    step = (f * b).sum(dim=dims, keepdim=True) / (f * af).sum(dim=dims, keepdim=True)
    return b - step * af


def dcdm_loss(A) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss ``mean_i ||b_i - (f_iᵀ b_i / f_iᵀ A f_i) A f_i||²`` for a scipy sparse ``A``.

    Returns ``loss(f, b)`` on tensors of shape ``[B, 1, *grid]`` (or ``[B, N]``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from solvers import Laplacian
    >>> from solvers.deep_conjugate.training import dcdm_loss
    >>> A = Laplacian((4, 4)).to_sparse()
    >>> b = torch.randn(2, 16, dtype=torch.float64)
    >>> float(dcdm_loss(A)(torch.as_tensor(np.linalg.solve(A.toarray(), b.T.numpy()).T), b)) < 1e-20
    True
    """
    cache: dict = {}

    def loss(f: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        key = (f.device, f.dtype)
        if key not in cache:
            cache[key] = _torch_matrix(A, f.device, f.dtype)
        matrix = cache[key]
        f2, b2 = f.reshape(f.shape[0], -1), b.reshape(b.shape[0], -1)
        return (line_search_residual(f2, b2, (matrix @ f2.T).T) ** 2).sum(dim=1).mean()

    return loss


def train_dcdm(A, grid_shape: tuple[int, ...], *, model: DCDMNet | None = None, n_samples: int = 4000,
               n_validation: int = 400, n_ritz: int | None = None, steps: int = 3000, batch_size: int = 10,
               lr: float = 1e-3, seed: int = 0, checkpoint: Any = None, progress: bool | None = None,
               device: str = "cpu", eval_every: int = 500, fluid: np.ndarray | None = None,
               schedule: Any = ("cosine",)):
    """Train a :class:`DCDMNet` on the matrix ``A`` (scipy sparse, full grid) of ``grid_shape``.

    Training and validation vectors are drawn independently (different seeds) from the same
    Ritz basis, so the validation loss is measured on vectors never trained on.  ``fluid`` (0/1
    per cell) zeroes solid cells of the vectors when ``A`` has any.  ``schedule`` is passed to
    :func:`sciml.train.fit` (cosine decay of the learning rate by default).

    Returns
    -------
    model : DCDMNet
    history : sciml.train.History
        ``test_error`` is the validation loss.
    """
    from sciml.train import fit

    grid_shape = tuple(int(n) for n in grid_shape)
    if A.shape[0] != math.prod(grid_shape):
        raise ValueError(f"A has {A.shape[0]} rows but grid_shape {grid_shape} has {math.prod(grid_shape)} cells")
    model = (DCDMNet(len(grid_shape), seed=seed) if model is None else model).to(device)
    _, vectors = ritz_vectors(A, n_ritz or A.shape[0], seed=seed)
    train = training_vectors(vectors, n_samples, fluid=fluid, seed=seed + 1)
    validation = training_vectors(vectors, n_validation, fluid=fluid, seed=seed + 2)
    shape = (-1, 1) + grid_shape
    train_t = torch.as_tensor(train).reshape(shape)
    valid_t = torch.as_tensor(validation).reshape(shape)
    history = fit(model, (train_t, train_t), (valid_t, valid_t), steps=steps, batch_size=batch_size, lr=lr,
                  schedule=schedule, loss=dcdm_loss(A), seed=seed, checkpoint=checkpoint, progress=progress,
                  eval_every=eval_every, checkpoint_every=eval_every)
    return model, history
