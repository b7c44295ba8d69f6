"""Exact solutions of the ODEs used to check DeepONet data: ``s' = u`` and ``s' = -λ s + u``.

The input ``u`` is a trigonometric polynomial on ``[0, 1]``,
``u(x) = Σ_k a_k cos(2π k x) + b_k sin(2π k x)`` (``b_0`` is ignored), for which both
solutions with ``s(0) = 0`` are closed-form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._base import ExactSolution

__all__ = ["Antiderivative", "LinearODE"]


class _TrigonometricInput(ExactSolution):
    bc = "none"
    dim = 1
    domain = ((0.0, 1.0),)

    def __init__(self, cos_coefficients: Sequence[float] = (0.5, 1.0), sin_coefficients: Sequence[float] = (0.0, -0.7, 0.3)):
        a = [float(v) for v in cos_coefficients]
        b = [float(v) for v in sin_coefficients]
        n = max(len(a), len(b))
        self.cos_coefficients = tuple(a + [0.0] * (n - len(a)))
        self.sin_coefficients = tuple(b + [0.0] * (n - len(b)))
        if not all(math.isfinite(v) for v in self.cos_coefficients + self.sin_coefficients):
            raise ValueError("coefficients must be finite")

    @classmethod
    def random(cls, n_modes: int = 5, *, seed: int | None = None, decay: float = 1.0, **kwargs):
        """Random input with coefficients ``N(0, 1) / (1 + k)^decay``."""
        import numpy as np

        rng = np.random.default_rng(seed)
        scale = 1.0 / (1.0 + np.arange(n_modes)) ** decay
        return cls(rng.standard_normal(n_modes) * scale, rng.standard_normal(n_modes) * scale, **kwargs)

    @property
    def coefficients(self):
        return {"cos_coefficients": self.cos_coefficients, "sin_coefficients": self.sin_coefficients}

    def input(self, x):
        """The input function ``u(x)`` (also returned by :meth:`source`)."""
        return self.source(x)

    def _source(self, xp, x, t):
        u = self.cos_coefficients[0] + 0.0 * x
        for k in range(1, len(self.cos_coefficients)):
            w = 2.0 * math.pi * k
            u = u + self.cos_coefficients[k] * xp.cos(w * x) + self.sin_coefficients[k] * xp.sin(w * x)
        return u


class Antiderivative(_TrigonometricInput):
    """``s' = u`` with ``s(0) = 0``: ``s(x) = ∫_0^x u``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import Antiderivative
    >>> op = Antiderivative(cos_coefficients=(1.0,), sin_coefficients=(0.0,))
    >>> float(op.solution(np.array([0.75]))[0])
    0.75
    """

    name = "ode-antiderivative"
    equation = "s' = u, s(0) = 0"

    def _solution(self, xp, x, t):
        s = self.cos_coefficients[0] * x
        for k in range(1, len(self.cos_coefficients)):
            w = 2.0 * math.pi * k
            s = s + (self.cos_coefficients[k] * xp.sin(w * x) + self.sin_coefficients[k] * (1.0 - xp.cos(w * x))) / w
        return s


class LinearODE(_TrigonometricInput):
    """``s' = -λ s + u`` with ``s(0) = 0`` (``λ = decay_rate > 0``).

    For ``u = cos(ωx)``: ``s = (λ cos ωx + ω sin ωx - λ e^(-λx)) / (λ² + ω²)``;
    for ``u = sin(ωx)``: ``s = (λ sin ωx - ω cos ωx + ω e^(-λx)) / (λ² + ω²)``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import LinearODE
    >>> op = LinearODE(cos_coefficients=(1.0,), sin_coefficients=(0.0,))
    >>> bool(np.isclose(op.solution(np.array([1.0]))[0], 1 - np.exp(-1.0)))
    True
    """

    name = "ode-linear"
    equation = "s' = -λ s + u, s(0) = 0"

    def __init__(self, cos_coefficients=(0.5, 1.0), sin_coefficients=(0.0, -0.7, 0.3), *, decay_rate: float = 1.0):
        super().__init__(cos_coefficients, sin_coefficients)
        self.decay_rate = float(decay_rate)
        if not self.decay_rate > 0:
            raise ValueError(f"decay_rate must be > 0 (use Antiderivative for 0), got {decay_rate}")

    @property
    def coefficients(self):
        return {**super().coefficients, "decay_rate": self.decay_rate}

    def _solution(self, xp, x, t):
        lam = self.decay_rate
        e = xp.exp(-lam * x)
        s = 0.0 * x
        for k in range(len(self.cos_coefficients)):
            w = 2.0 * math.pi * k
            c, sn = xp.cos(w * x), xp.sin(w * x)
            d = lam * lam + w * w
            s = s + self.cos_coefficients[k] * (lam * c + w * sn - lam * e) / d
            if k > 0:
                s = s + self.sin_coefficients[k] * (lam * sn - w * c + w * e) / d
        return s
