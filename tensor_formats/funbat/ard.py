"""Automatic relevance determination on the Tucker core: how ``rank="auto"`` prunes components.

The prior precision of a core entry is a product of per-mode, per-component precisions,
``W[i_1..i_K] ~ N(0, v / Π_k λ_k[i_k])``, each ``λ_k[r]`` with a weak Gamma hyperprior and the
closed-form EM update of sparse Bayesian Tucker models.  A component of mode ``k`` whose slice
of the core carries almost none of the core's energy explains no data: it is removed (its latent
function, its messages and its core slice), so extra rank costs neither accuracy nor time.
This is the rank-revealing idea of RR-FBTC (sparsity-inducing priors that switch components off)
put on the core, where FunBaT's Tucker model keeps its weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sciml.backend import to_numpy

__all__ = ["kept_core_indices", "relevant_components", "update_precisions"]

#: Gamma(a, b) hyperprior of each λ: weak, so the data decide.
_HYPER_A, _HYPER_B = 1e-6, 1e-6


def _energy(core_mean: Any, core_cov: Any, ranks: Sequence[int]) -> np.ndarray:
    """``E[W²]`` per core entry, shaped ``ranks`` (host numpy)."""
    mean, cov = to_numpy(core_mean), to_numpy(core_cov)
    return np.reshape(mean * mean + np.diagonal(cov), tuple(ranks))


def update_precisions(xp, core_mean: Any, core_cov: Any, precisions: list[list[float]],
                      core_prior_variance: float) -> list[list[float]]:
    """One EM pass over the per-mode precisions ``λ_k`` given the core's posterior moments.

    Examples
    --------
    >>> import numpy as np
    >>> mean = np.array([1.0, 0.0, 1.0, 0.0])           # 2 x 2 core: mode 2's second column is empty
    >>> lam = update_precisions(np, mean, np.eye(4) * 1e-6, [[1.0, 1.0], [1.0, 1.0]], 1.0)
    >>> bool(lam[1][1] > 1e4 * lam[1][0])
    True
    """
    ranks = [len(lam) for lam in precisions]
    energy = _energy(core_mean, core_cov, ranks) / core_prior_variance
    lam = [np.asarray(v, dtype=float) for v in precisions]
    k = len(ranks)
    for mode in range(k):
        weight = energy
        for j in range(k):
            if j != mode:
                shape = [1] * k
                shape[j] = ranks[j]
                weight = weight * np.reshape(lam[j], shape)
        axes = tuple(j for j in range(k) if j != mode)
        slice_sum = np.sum(weight, axis=axes) if axes else weight
        count = math.prod(ranks) / ranks[mode]
        lam[mode] = (_HYPER_A + 0.5 * count) / (_HYPER_B + 0.5 * slice_sum)
    # The product Π_k λ_k[i_k] is all that enters the prior: fix the spread between modes.
    for mode in range(k - 1):
        g = float(np.exp(np.mean(np.log(lam[mode]))))
        lam[mode] = lam[mode] / g
        lam[-1] = lam[-1] * g
    return [v.tolist() for v in lam]


def relevant_components(xp, core_mean: Any, core_cov: Any, ranks: Sequence[int], threshold: float) -> list[list[int]]:
    """Per mode, the components whose core slice holds at least ``threshold`` of the core's energy.

    The strongest component of every mode is always kept.

    Examples
    --------
    >>> import numpy as np
    >>> mean = np.array([1.0, 1e-4, 0.5, 1e-4])
    >>> relevant_components(np, mean, np.zeros((4, 4)), (2, 2), 1e-3)
    [[0, 1], [0]]
    """
    energy = _energy(core_mean, core_cov, ranks)
    total = float(np.sum(energy))
    keep = []
    for mode in range(len(ranks)):
        axes = tuple(j for j in range(len(ranks)) if j != mode)
        share = (np.sum(energy, axis=axes) if axes else energy) / (total if total > 0 else 1.0)
        chosen = [int(i) for i in np.flatnonzero(share >= threshold)]
        keep.append(chosen or [int(np.argmax(share))])
    return keep


def kept_core_indices(ranks: Sequence[int], keep: Sequence[Sequence[int]]) -> list[int]:
    """Flat (C-order) indices of the core entries that survive pruning to ``keep``.

    Examples
    --------
    >>> kept_core_indices((2, 3), [[0, 1], [0, 2]])
    [0, 2, 3, 5]
    """
    grids = np.meshgrid(*[np.asarray(k, dtype=int) for k in keep], indexing="ij")
    return np.ravel_multi_index(tuple(grids), tuple(ranks)).ravel().tolist()
