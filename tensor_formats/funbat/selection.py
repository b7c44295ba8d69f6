"""Choosing FunBaT's hyperparameters: by held-out validation, or by the evidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace

from .model import FunBaT

__all__ = ["select_hyperparameters", "select_lengthscale"]


def select_lengthscale(X: Any, y: Any, rank, candidates: Sequence[float], *,  # noqa: N803
                       validation_fraction: float = 0.2, seed: int | None = 0, **model_options) -> tuple[float, dict]:
    """Pick the lengthscale (shared by all modes) with the lowest held-out RMSE.

    A random ``validation_fraction`` of the entries is held out; a :class:`FunBaT` with
    each candidate lengthscale is fitted on the rest (``kernel="matern32"`` and ``variance=1``
    unless given in ``model_options``).  Held-out validation costs one fit per candidate;
    ``FunBaT()``'s default follows the evidence inside one fit instead.

    Returns
    -------
    best : float
    scores : dict
        Candidate -> validation RMSE.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, (200, 2))
    >>> y = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1])) + 0.05 * rng.standard_normal(200)
    >>> best, scores = select_lengthscale(x, y, 1, [0.003, 0.3], core="cp", n_iter=10)
    >>> best
    0.3
    """
    import numpy as np

    xp = array_namespace(X, y)
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must lie in (0, 1), got {validation_fraction}")
    if not candidates:
        raise ValueError("give at least one candidate lengthscale")
    model_options.setdefault("kernel", "matern32")
    model_options.setdefault("variance", 1.0)
    n = X.shape[0]
    permutation = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(validation_fraction * n)))
    val = xp.asarray(permutation[:n_val])
    train = xp.asarray(permutation[n_val:])
    scores = {}
    for ell in candidates:
        model = FunBaT(rank, lengthscale=float(ell), seed=seed, **model_options)
        model.fit(xp.take(X, train, axis=0), xp.take(y, train))
        pred = model.predict(xp.take(X, val, axis=0))
        scores[float(ell)] = math.sqrt(float(xp.mean((pred - xp.take(y, val)) ** 2)))
    best = min(scores, key=scores.get)
    return best, scores


def select_hyperparameters(X: Any, y: Any, *, rank: int | Sequence[int] | str = "auto",  # noqa: N803
                           seed: int | None = 0, **model_options) -> list[dict]:
    """Per-mode kernel family, lengthscale and variance chosen by the evidence (one automatic fit).

    Returns ``FunBaT(rank, ...).fit(X, y).hyperparameters_``: a list of
    ``{"kernel", "lengthscale", "variance"}``, one per mode, ready to pass back as fixed values.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 1, (200, 2))
    >>> y = np.sin(2 * np.pi * x[:, 0]) * (1.5 + np.cos(3 * x[:, 1])) + 0.05 * rng.standard_normal(200)
    >>> chosen = select_hyperparameters(x, y, rank=1, core="cp", n_iter=20)
    >>> sorted(chosen[0])
    ['kernel', 'lengthscale', 'variance']
    """
    return FunBaT(rank, seed=seed, **model_options).fit(X, y).hyperparameters_
