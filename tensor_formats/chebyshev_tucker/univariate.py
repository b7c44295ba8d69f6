"""A function of one variable as a Chebyshev series: what a 1-D slice of a
Chebyshev–Tucker function is (:meth:`ChebyshevTucker.slice
<tensor_formats.ChebyshevTucker.slice>`), with evaluation, integrals, ``cumsum``,
derivatives, roots, extrema and a plot.

Examples
--------
>>> import numpy as np
>>> from tensor_formats.chebyshev import chebyshev_points, values_to_coefficients
>>> from tensor_formats.chebyshev_tucker.univariate import ChebyshevLine
>>> x = chebyshev_points(20, (0, 3))
>>> f = ChebyshevLine(values_to_coefficients(np.cos(x)), (0, 3))
>>> np.round(f.roots(), 12).tolist()          # π/2
[1.570796326795]
>>> bool(abs(f.integral() - np.sin(3.0)) < 1e-13)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device, to_numpy

from .. import chebyshev as cheb

__all__ = ["ChebyshevLine", "antiderivative"]


def antiderivative(coefficients: Any, domain: Sequence[float]) -> Any:
    """Coefficients (one more row) of the antiderivative vanishing at ``a``, along axis 0.

    Uses ``∫T_0 = T_1``, ``∫T_1 = T_2 / 4`` and ``∫T_k = T_{k+1}/(2(k+1)) - T_{k-1}/(2(k-1))``.

    Examples
    --------
    >>> import numpy as np
    >>> antiderivative(np.array([0.0, 1.0]), (-1, 1)).round(12).tolist()   # ∫ x = (x² - 1)/2
    [-0.25, 0.0, 0.25]
    """
    xp = array_namespace(coefficients)
    a, b = (float(v) for v in domain)
    c = coefficients
    m = c.shape[0]
    zero = xp.zeros((2,) + tuple(c.shape[1:]), dtype=c.dtype, device=device(c))
    padded = xp.concat([c, zero], axis=0)  # c_m = c_{m+1} = 0
    rows = [None] * (m + 1)
    for k in range(1, m + 1):
        lower = 2.0 * padded[0, ...] if k == 1 else padded[k - 1, ...]
        rows[k] = (lower - padded[k + 1, ...]) / (2.0 * k) * (0.5 * (b - a))
    signs = [(-1.0) ** k for k in range(1, m + 1)]
    rows[0] = -sum(s * r for s, r in zip(signs, rows[1:]))
    return xp.stack(rows, axis=0)


class ChebyshevLine:
    """``p(x) = Σ_k c_k T_k(t)`` on ``[a, b]`` (``t`` the affine map to ``[-1, 1]``).

    Parameters
    ----------
    coefficients : 1-D array
    domain : (a, b)

    Examples
    --------
    >>> import numpy as np
    >>> p = ChebyshevLine(np.array([0.0, 0.0, 1.0]), (-1, 1))   # T_2 = 2x² - 1
    >>> p(np.array([0.5])).tolist(), p.degree
    ([-0.5], 2)
    """

    def __init__(self, coefficients: Any, domain: Sequence[float]):
        a, b = (float(v) for v in domain)
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            raise ValueError(f"domain needs finite a < b, got ({a}, {b})")
        if coefficients.ndim != 1 or coefficients.shape[0] < 1:
            raise ValueError(f"coefficients must be a non-empty 1-D array, got shape {tuple(coefficients.shape)}")
        self.coefficients = coefficients
        self.domain = (a, b)

    @property
    def degree(self) -> int:
        return int(self.coefficients.shape[0]) - 1

    def __repr__(self) -> str:
        return f"ChebyshevLine(domain={self.domain}, degree={self.degree})"

    def __call__(self, x: Any):
        """Values at the points ``x`` (1-D array inside the interval)."""
        xp = array_namespace(x)
        a, b = self.domain
        slack = 1e-12 * (b - a)
        if bool(xp.any(x < a - slack)) or bool(xp.any(x > b + slack)):
            raise ValueError(f"points outside [{a}, {b}]")
        return cheb.evaluate(self.coefficients, x, self.domain)

    def integral(self) -> float:
        """``∫_a^b p``."""
        xp = array_namespace(self.coefficients)
        w = cheb.definite_integrals(self.coefficients.shape[0], self.domain)
        return float(xp.sum(xp.asarray(w, device=device(self.coefficients)) * self.coefficients))

    def cumsum(self) -> ChebyshevLine:
        """The antiderivative ``∫_a^x p``."""
        return ChebyshevLine(antiderivative(self.coefficients, self.domain), self.domain)

    def diff(self, order: int = 1) -> ChebyshevLine:
        """The derivative of the given order."""
        if self.coefficients.shape[0] == 1:
            return ChebyshevLine(0.0 * self.coefficients, self.domain)
        return ChebyshevLine(cheb.differentiate(self.coefficients, 0, domain=self.domain, order=order), self.domain)

    def roots(self) -> Any:
        """Real roots in ``[a, b]``, ascending (host numpy array), from the colleague matrix."""
        import numpy as np

        c = np.asarray(to_numpy(self.coefficients), dtype=float)
        scale = np.max(np.abs(c)) if c.size else 0.0
        if scale == 0.0:
            raise ValueError("the zero function has no isolated roots")
        keep = np.nonzero(np.abs(c) > 1e-14 * scale)[0]
        c = c[:keep[-1] + 1]
        if c.size < 2:
            return np.zeros(0)
        t = np.polynomial.chebyshev.chebroots(c)
        t = np.real(t[(np.abs(np.imag(t)) < 1e-8) & (np.abs(np.real(t)) <= 1 + 1e-8)])
        a, b = self.domain
        return np.sort(np.clip(0.5 * (a + b) + 0.5 * (b - a) * t, a, b))

    def extremum(self, kind: str = "max") -> tuple[float, float]:
        """``(value, location)`` of the global maximum (``"max"``) or minimum (``"min"``):
        among the endpoints and the roots of the derivative."""
        import numpy as np

        if kind not in ("max", "min"):
            raise ValueError(f"kind must be 'max' or 'min', got {kind!r}")
        a, b = self.domain
        candidates = [a, b]
        derivative = self.diff()
        if float(np.max(np.abs(to_numpy(derivative.coefficients)))) > 0:
            candidates += derivative.roots().tolist()
        xs = np.asarray(candidates)
        values = np.asarray(to_numpy(cheb.evaluate(np.asarray(to_numpy(self.coefficients)), xs, self.domain)))
        i = int(np.argmax(values) if kind == "max" else np.argmin(values))
        return float(values[i]), float(xs[i])

    def plot(self, ax: Any = None, *, n: int = 400, **kwargs: Any):
        """Plot on ``n`` points with matplotlib (the ``[plot]`` extra); returns the axes."""
        import numpy as np

        from sciml._extras import require

        plt = require("matplotlib.pyplot")
        ax = plt.gca() if ax is None else ax
        x = np.linspace(*self.domain, int(n))
        ax.plot(x, np.asarray(to_numpy(cheb.evaluate(np.asarray(to_numpy(self.coefficients)), x, self.domain))),
                **kwargs)
        return ax
