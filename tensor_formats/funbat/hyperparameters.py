"""Kernel hyperparameters of FunBaT from the data: the evidence of each mode's sites.

During the fit, just before a mode is smoothed, the lengthscale, the variance and (optionally)
the Matérn family of that mode are replaced by the best of a small multiplicative grid around
the current values, scored by :func:`~tensor_formats.funbat.evidence.log_evidence` of the mode's
new sites (EP's type-II maximum-likelihood step, a coordinate ascent over the grid).  Repeated
every few sweeps the grid walks to a local maximum of the evidence; restarts from seeded
initialisations then compare whole fits by their evidence lower bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import to_numpy

from .evidence import log_evidence
from .state_space import KERNELS, MaternStateSpace

__all__ = ["AUTO_GRID", "VARIANCE_BOUNDS", "best_candidate", "initial_lengthscale"]

#: The grid walked at each selection step: factors on the current lengthscale and variance.
AUTO_GRID = {"lengthscale_factors": (1 / 9, 1 / 3, 1 / math.sqrt(3), 1.0, math.sqrt(3), 3.0, 9.0),
             "variance_factors": (0.5, 1.0, 2.0)}
#: Range of the kernel variance (standardised targets; the core carries the overall scale).
VARIANCE_BOUNDS = (0.05, 20.0)


def initial_lengthscale(coordinates: Any) -> float:
    """Starting lengthscale of a mode: a twentieth of the span of its coordinates (1 when constant).

    Examples
    --------
    >>> import numpy as np
    >>> initial_lengthscale(np.array([0.0, 4.0, 10.0]))
    0.5
    """
    values = to_numpy(coordinates)
    span = float(values.max() - values.min()) if values.size else 0.0
    return span / 20.0 if span > 0 else 1.0


def best_candidate(current: MaternStateSpace, coordinates: Any, precision: Any, shift: Any, *, mode: int = 0,
                   kernels: Sequence[str] | None = None, lengthscale_factors: Sequence[float] = (1.0,),
                   variance_factors: Sequence[float] = (1.0,), lengthscale_bounds: Sequence[tuple] | None = None,
                   variance_bounds: tuple[float, float] = VARIANCE_BOUNDS) -> MaternStateSpace:
    """The grid point around ``current`` with the highest evidence of the sites ``(precision, shift)``.

    Parameters
    ----------
    current : MaternStateSpace
        The mode's present kernel; its values are the grid's centre (always a candidate).
    coordinates, precision, shift : arrays
        The mode's sorted coordinates (S,) and summed sites (S, R, R), (S, R).
    mode : int
        Which entry of ``lengthscale_bounds`` applies.
    kernels : sequence of str, optional
        Families to try (default: only ``current.kernel``).
    lengthscale_factors, variance_factors : sequence of float
        Multipliers of the current values (1.0 keeps a value fixed).
    lengthscale_bounds : sequence of (low, high), optional
        Per mode; candidates outside are clipped.
    variance_bounds : (low, high)

    Examples
    --------
    >>> import numpy as np
    >>> c = np.linspace(0.0, 1.0, 40)
    >>> lam = np.full((40, 1, 1), 400.0)
    >>> eta = 400.0 * np.sin(2 * np.pi * c)[:, None]
    >>> start = MaternStateSpace("matern12", lengthscale=0.01, variance=1.0)
    >>> best = best_candidate(start, c, lam, eta, kernels=["matern12", "matern52"],
    ...                       lengthscale_factors=(1, 3, 9, 27))
    >>> best.kernel, best.lengthscale > 0.01
    ('matern52', True)
    """
    families = list(kernels) if kernels else [current.kernel]
    for name in families:
        if name not in KERNELS:
            raise ValueError(f"kernels must be among {sorted(KERNELS)}, got {name!r}")
    low, high = (lengthscale_bounds[mode] if lengthscale_bounds else (0.0, math.inf))
    lengthscales = sorted({min(max(current.lengthscale * f, low), high) for f in lengthscale_factors})
    variances = sorted({min(max(current.variance * f, variance_bounds[0]), variance_bounds[1])
                        for f in variance_factors})
    pairs = [(a, b) for a in lengthscales for b in variances if a > 0]
    best, best_score = current, -math.inf
    for name in families:
        scores = to_numpy(log_evidence(name, [a for a, _ in pairs], [b for _, b in pairs], coordinates, precision,
                                       shift))
        for (a, b), score in zip(pairs, scores.tolist()):
            if math.isfinite(score) and score > best_score:
                best, best_score = MaternStateSpace(name, lengthscale=a, variance=b), score
    return best
