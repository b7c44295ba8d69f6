"""Newton potentials in three dimensions and the range-separated split of ``1/r``.

Units: ``-Δφ = 4π ρ`` (Gaussian units), so a unit point charge has ``φ = 1/r``.
The split ``1/r = erfc(r/σ)/r + erf(r/σ)/r`` separates a short-range part, singular
but negligible beyond a few ``σ``, from a smooth long-range part; the long-range part
is exactly the potential of a Gaussian charge of width ``σ``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sciml.backend import scipy_like

from ._base import ExactSolution

__all__ = ["GaussianChargePotential", "PointChargePotential", "newton_long_range", "newton_short_range"]

_R3 = ((-math.inf, math.inf),) * 3


def newton_long_range(xp, r, width: float):
    """Smooth long-range part ``erf(r/σ)/r`` of ``1/r`` (``2/(√π σ)`` at ``r = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import newton_long_range, newton_short_range
    >>> r = np.array([0.5, 1.0, 2.0])
    >>> bool(np.allclose(newton_long_range(np, r, 0.3) + newton_short_range(np, r, 0.3), 1 / r))
    True
    """
    z = r / width
    small = z < 1e-4
    safe_r = xp.where(small, xp.ones_like(r), r)
    series = 2.0 / (math.sqrt(math.pi) * width) * (1.0 - z * z / 3.0)
    return xp.where(small, series, scipy_like(xp).special.erf(z) / safe_r)


def newton_short_range(xp, r, width: float):
    """Short-range part ``erfc(r/σ)/r`` of ``1/r`` (singular at ``r = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import newton_short_range
    >>> bool(newton_short_range(np, np.array([3.0]), 0.3)[0] < 1e-40)    # erfc(10)/3: gone far away
    True
    """
    return scipy_like(xp).special.erfc(r / width) / r


class GaussianChargePotential(ExactSolution):
    """Potential ``φ = q erf(r/s)/r`` of the charge density ``ρ = q e^(-r²/s²) / (π^(3/2) s³)``.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import GaussianChargePotential
    >>> g = GaussianChargePotential(charge=1.0, width=0.5)
    >>> x = np.array([10.0]); o = np.array([0.0])
    >>> bool(np.isclose(g.solution(x, o, o)[0], 0.1))    # far field: q / r
    True
    """

    name = "newton-gaussian-charge"
    equation = "-Δφ = 4π ρ"
    bc = "none"
    dim = 3
    domain = _R3

    def __init__(self, *, charge: float = 1.0, width: float = 0.5, center: Sequence[float] = (0.0, 0.0, 0.0)):
        self.charge, self.width = float(charge), float(width)
        self.center = tuple(float(c) for c in center)
        if not self.width > 0 or len(self.center) != 3:
            raise ValueError("width must be > 0 and center a 3-vector")

    @property
    def coefficients(self):
        return {"charge": self.charge, "width": self.width, "center": self.center}

    def _r(self, xp, x, y, z):
        c = self.center
        return xp.sqrt((x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2)

    def _solution(self, xp, x, y, z, t):
        return self.charge * newton_long_range(xp, self._r(xp, x, y, z), self.width)

    def density(self, x, y, z):
        """The charge density ``ρ``."""
        xp, (x, y, z) = self._check_points((x, y, z))
        r = self._r(xp, x, y, z)
        return self.charge * xp.exp(-((r / self.width) ** 2)) / (math.pi**1.5 * self.width**3)

    def _source(self, xp, x, y, z, t):
        return 4.0 * math.pi * self.density(x, y, z)


class PointChargePotential(ExactSolution):
    """Potential ``φ = Σ_i q_i / |x - x_i|`` of point charges, and its range-separated split.

    Parameters
    ----------
    positions : array-like, shape (N, 3)
    charges : array-like, shape (N,)
    split_width : float
        ``σ`` of the split: :meth:`long_range` is ``Σ q_i erf(r_i/σ)/r_i``,
        :meth:`short_range` is ``Σ q_i erfc(r_i/σ)/r_i``; they add up to :meth:`solution`.

    Evaluating :meth:`solution` or :meth:`short_range` at a charge's position raises.

    Examples
    --------
    >>> import numpy as np
    >>> from validation.exact import PointChargePotential
    >>> p = PointChargePotential([[0.0, 0.0, 0.0]], [2.0], split_width=0.3)
    >>> x, y, z = np.array([0.5]), np.array([0.0]), np.array([0.0])
    >>> bool(np.isclose(p.long_range(x, y, z)[0] + p.short_range(x, y, z)[0], 4.0))
    True
    """

    name = "newton-point-charges"
    equation = "-Δφ = 4π Σ q_i δ(x - x_i)"
    bc = "none"
    dim = 3
    domain = _R3

    def __init__(self, positions, charges, *, split_width: float = 0.25):
        import numpy as np

        pos = np.asarray(positions, dtype=float)
        q = np.asarray(charges, dtype=float)
        if pos.ndim != 2 or pos.shape[1] != 3:
            raise ValueError(f"positions must have shape (N, 3), got {pos.shape}")
        if q.shape != (pos.shape[0],):
            raise ValueError(f"charges must have shape ({pos.shape[0]},), got {q.shape}")
        if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(q))):
            raise ValueError("positions and charges must be finite")
        self.positions = tuple(tuple(float(v) for v in p) for p in pos)
        self.charges = tuple(float(v) for v in q)
        self.split_width = float(split_width)
        if not self.split_width > 0:
            raise ValueError(f"split_width must be > 0, got {split_width}")

    @property
    def coefficients(self):
        return {"n_charges": len(self.charges), "split_width": self.split_width}

    def _sum(self, xp, x, y, z, kernel, *, singular: bool):
        total = 0.0 * (x + y + z)
        for (px, py, pz), q in zip(self.positions, self.charges):
            r = xp.sqrt((x - px) ** 2 + (y - py) ** 2 + (z - pz) ** 2)
            if singular and bool(xp.any(r == 0)):
                raise ValueError(f"a point coincides with the charge at {(px, py, pz)}")
            total = total + q * kernel(r)
        return total

    def _solution(self, xp, x, y, z, t):
        return self._sum(xp, x, y, z, lambda r: 1.0 / r, singular=True)

    def long_range(self, x, y, z):
        """The smooth long-range part ``Σ q_i erf(r_i/σ)/r_i``."""
        xp, (x, y, z) = self._check_points((x, y, z))
        return self._sum(xp, x, y, z, lambda r: newton_long_range(xp, r, self.split_width), singular=False)

    def short_range(self, x, y, z):
        """The short-range part ``Σ q_i erfc(r_i/σ)/r_i``."""
        xp, (x, y, z) = self._check_points((x, y, z))
        return self._sum(xp, x, y, z, lambda r: newton_short_range(xp, r, self.split_width), singular=True)
