"""Range-separated Newton potentials of many charged particles in Chebyshev–Tucker form.

The Newton kernel is written as a sum of Gaussians, each separable in the coordinates:

* sinc quadrature of ``1/r = (2/√π) ∫_0^∞ exp(-r² t²) dt`` after ``t = sinh(u)``:
  ``1/r ≈ Σ_k a_k exp(-t_k² r²)``, ``t_k = sinh(k h)``, ``a_k = (2 - δ_k0) h cosh(k h)/√π``,
  accurate to a relative ``eps`` on ``[r_min, r_max]`` (:func:`sinc_gaussians`).  The
  terms with small ``t_k`` are wide (long-range, smooth); the others are narrow
  (short-range, singular).  As in Khoromskij et al., the long-range part keeps the first
  ``⌈R/2⌉ - 3`` terms by default.
* Gauss–Legendre quadrature of ``erf(βr)/r = (2/√π) ∫_0^β exp(-r² t²) dt``
  (:func:`erf_gaussians`): the long-range part of the split ``1/r = erf(βr)/r + erfc(βr)/r``
  used in :mod:`validation.exact`.

For N charges the long-range potential is a canonical (CP) tensor of rank N·R_l, turned
into a :class:`~tensor_formats.ChebyshevTucker` by RHOSVD (or the full coefficient path);
the short-range part is summed directly over the particles near a point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, namespace_for, scipy_like

from .chebyshev_tucker import ChebyshevTucker

__all__ = ["GaussianSum", "RangeSeparatedPotential", "erf_gaussians", "erf_gaussians_sinh", "sinc_gaussians"]


@dataclass(frozen=True)
class GaussianSum:
    """``K(r) ≈ Σ_k weights[k] exp(-exponents[k] r²)`` (host floats, exponents ascending).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.potentials import GaussianSum
    >>> g = GaussianSum(exponents=(1.0,), weights=(2.0,))
    >>> float(g(np.array([0.0]))[0]), len(g)
    (2.0, 1)
    """

    exponents: tuple[float, ...]
    weights: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.weights)

    def __call__(self, r: Any, terms: slice = slice(None)):
        """Evaluate the sum (or the ``terms`` slice of it) at distances ``r`` (any backend)."""
        total = 0.0 * r
        for p, w in zip(self.exponents[terms], self.weights[terms]):
            total = total + w * _exp(r, -p * r * r)
        return total


def _exp(like, x):
    return array_namespace(like).exp(x)


def sinc_gaussians(*, eps: float = 1e-7, r_min: float = 1e-2, r_max: float = 2.0 * math.sqrt(3.0)) -> GaussianSum:
    """Sinc-quadrature Gaussian sum for ``1/r`` with relative error ``<= eps`` on ``[r_min, r_max]``.

    The step ``h`` is reduced from 1 by factors 0.9 and the number of terms grown until the
    error, measured on 2000 log-spaced distances, is below ``eps``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.potentials import sinc_gaussians
    >>> g = sinc_gaussians(eps=1e-7, r_min=2 / 256)
    >>> r = np.geomspace(2 / 256, 3.0, 50)
    >>> bool(np.max(np.abs(g(r) * r - 1)) <= 1e-7), 20 < len(g) < 40
    (True, True)
    """
    import numpy as np

    if not (0 < eps < 1 and 0 < r_min < r_max):
        raise ValueError(f"need 0 < eps < 1 and 0 < r_min < r_max, got eps={eps}, r_min={r_min}, r_max={r_max}")
    r = np.geomspace(r_min, r_max, 2000)
    h = 1.0
    while h > 1e-3:
        # Truncation: the last term must be negligible at r_min: r_min sinh(M h) ≳ sqrt(log(1/eps)).
        u_max = math.asinh(math.sqrt(math.log(10.0 / (eps * r_min * h))) / r_min) + h
        m = int(math.ceil(u_max / h))
        k = np.arange(m + 1)
        t = np.sinh(k * h)
        a = np.where(k == 0, 1.0, 2.0) * h * np.cosh(k * h) / math.sqrt(math.pi)
        approx = np.exp(-np.outer(r * r, t * t)) @ a
        if np.max(np.abs(approx * r - 1.0)) <= eps:
            return GaussianSum(tuple(float(v) for v in t * t), tuple(float(v) for v in a))
        h *= 0.9
    raise RuntimeError(f"could not reach eps={eps} on [{r_min}, {r_max}]")


def erf_gaussians(beta: float, *, eps: float = 1e-12, r_max: float = 2.0 * math.sqrt(3.0)) -> GaussianSum:
    """Gauss–Legendre Gaussian sum for ``erf(βr)/r`` with absolute error ``<= eps·β`` on ``[0, r_max]``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import erf
    >>> from tensor_formats.potentials import erf_gaussians
    >>> g = erf_gaussians(5.0)
    >>> r = np.linspace(1e-3, 3.0, 100)
    >>> bool(np.max(np.abs(g(r) - erf(5 * r) / r)) < 1e-11)
    True
    """
    import numpy as np
    from scipy.special import erf

    if not (beta > 0 and 0 < eps < 1 and r_max > 0):
        raise ValueError(f"need beta > 0, 0 < eps < 1, r_max > 0, got {beta}, {eps}, {r_max}")
    r = np.linspace(1e-6, r_max, 2000)
    exact = erf(beta * r) / r
    for n in range(4, 400, 4):
        nodes, weights = np.polynomial.legendre.leggauss(n)
        t = 0.5 * beta * (nodes + 1.0)
        a = 0.5 * beta * weights * 2.0 / math.sqrt(math.pi)
        if np.max(np.abs(np.exp(-np.outer(r * r, t * t)) @ a - exact)) <= eps * beta:
            order = np.argsort(t)
            return GaussianSum(tuple(float(v) for v in (t * t)[order]), tuple(float(v) for v in a[order]))
    raise RuntimeError(f"erf_gaussians did not reach eps={eps} with 400 nodes")


def erf_gaussians_sinh(beta: float, *, eps: float = 1e-10, r_max: float = 2.0 * math.sqrt(3.0)) -> GaussianSum:
    """Fewer Gaussians for ``erf(βr)/r`` on ``[0, r_max]``: Gauss–Legendre after ``t = β sinh(αu)/sinh(α)``.

    ``erf(βr)/r = (2/√π) ∫_0^β exp(-r² t²) dt``; the integrand varies fast near ``t = 0`` (large
    ``r``) and slowly near ``t = β``, where plain Gauss–Legendre (:func:`erf_gaussians`) wastes
    the nodes it clusters at the end.  The map moves them towards 0: the fewest nodes, and for
    them the first ``α`` of 0.5, 1, ..., 6, with absolute error ``<= eps·β`` on 2000 distances
    (about 20 terms instead of 35 at ``βr_max = 40``, ``eps = 1e-8``).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import erf
    >>> from tensor_formats.potentials import erf_gaussians, erf_gaussians_sinh
    >>> g = erf_gaussians_sinh(10.0, eps=1e-8, r_max=3.5)
    >>> r = np.linspace(1e-3, 3.5, 500)
    >>> bool(np.max(np.abs(g(r) - erf(10 * r) / r)) < 1e-7), len(g) < len(erf_gaussians(10.0, eps=1e-8, r_max=3.5))
    (True, True)
    """
    import numpy as np
    from scipy.special import erf

    if not (beta > 0 and 0 < eps < 1 and r_max > 0):
        raise ValueError(f"need beta > 0, 0 < eps < 1, r_max > 0, got {beta}, {eps}, {r_max}")
    r = np.linspace(1e-6, r_max, 2000)
    exact = erf(beta * r) / r
    best = None
    for n in range(2, 200):  # the fewest nodes first; for each, the maps α = 0.5, 1, ..., 6
        nodes, weights = np.polynomial.legendre.leggauss(n)
        u = 0.5 * (nodes + 1.0)
        for alpha in np.arange(0.5, 6.01, 0.5):
            t = beta * np.sinh(alpha * u) / math.sinh(alpha)
            a = 0.5 * weights * beta * alpha * np.cosh(alpha * u) / math.sinh(alpha) * 2.0 / math.sqrt(math.pi)
            coarse = slice(None, None, 16)  # a cheap screen on every 16th distance first
            if np.max(np.abs(np.exp(-np.outer(r[coarse] ** 2, t * t)) @ a - exact[coarse])) > eps * beta:
                continue
            if np.max(np.abs(np.exp(-np.outer(r * r, t * t)) @ a - exact)) <= eps * beta:
                best = (t, a)
                break
        if best is not None:
            break
    if best is None:
        raise RuntimeError(f"erf_gaussians_sinh did not reach eps={eps} with 200 nodes")
    t, a = best
    return GaussianSum(tuple(float(v) for v in t * t), tuple(float(v) for v in a))


def _cp_factor(xp, exponents, positions_axis):
    """Callable ``x -> exp(-p_k (x - c_j)²)`` with columns ordered (particle j, term k)."""
    p = xp.asarray(exponents, dtype=xp.float64)

    def factor(x):
        diff = x[:, None] - positions_axis[None, :]
        return xp.reshape(xp.exp(-(diff * diff)[:, :, None] * p[None, None, :]), (x.shape[0], -1))

    return factor


class RangeSeparatedPotential:
    """Potential ``Σ_j q_j / |x - x_j|`` split into a Chebyshev–Tucker long-range part and a
    directly summed short-range part.

    Parameters
    ----------
    positions : array-like (N, 3)
    charges : array-like (N,)
    domain : sequence of (a, b)
        Box of the long-range interpolant; particles should lie inside it.
    kernel : {"sinc", "erf"}
        ``"sinc"``: the sinc Gaussian sum of ``1/r`` split after ``n_long`` terms;
        ``"erf"``: long range ``erf(βr)/r`` (Gauss–Legendre), short range ``erfc(βr)/r``.
    eps : float
        Accuracy of the Gaussian sums (and the short-range cutoff).
    r_min : float
        Smallest distance the sinc sum must resolve (only its short-range terms care).
    n_long : int, optional
        Long-range terms of the sinc sum; ``⌈R/2⌉ - 3`` by default.
    beta : float
        Splitting parameter of the erf kernel.
    degree, tol : Chebyshev degree per mode and Tucker tolerance of the long-range part.
    method : {"rhosvd", "full"}
        How the CP sum becomes Tucker (see :meth:`ChebyshevTucker.from_cp`).
    backend : str

    Attributes
    ----------
    long_range_tucker : ChebyshevTucker
    cp_rank : int
        Number of separable terms of the long-range CP input (``N · R_l``).
    cutoff : float
        Beyond this distance the short-range kernel is below ``eps`` (relative to ``1/r``).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.potentials import RangeSeparatedPotential
    >>> rng = np.random.default_rng(0)
    >>> pos, q = rng.uniform(-0.8, 0.8, (20, 3)), rng.choice([-1.0, 1.0], 20)
    >>> pot = RangeSeparatedPotential(pos, q, degree=64, tol=1e-8)
    >>> x = np.array([[0.95, 0.9, -0.95]])
    >>> direct = np.sum(q / np.linalg.norm(x - pos, axis=1))
    >>> bool(abs(pot(x)[0] - direct) < 1e-5 * np.sum(np.abs(q)))
    True
    """

    def __init__(self, positions: Any, charges: Any, *, domain: Sequence[Sequence[float]] = ((-1.0, 1.0),) * 3,
                 kernel: str = "sinc", eps: float = 1e-7, r_min: float | None = None, n_long: int | None = None,
                 beta: float = 5.0, degree: int = 128, tol: float = 1e-7, method: str = "rhosvd",
                 backend: str = "numpy"):
        xp = namespace_for(backend)
        self._xp = xp
        pos = xp.asarray(positions, dtype=xp.float64)
        q = xp.asarray(charges, dtype=xp.float64)
        if pos.ndim != 2 or pos.shape[1] != 3:
            raise ValueError(f"positions must have shape (N, 3), got {tuple(pos.shape)}")
        if tuple(q.shape) != (pos.shape[0],):
            raise ValueError(f"charges must have shape ({pos.shape[0]},), got {tuple(q.shape)}")
        if not (bool(xp.all(xp.isfinite(pos))) and bool(xp.all(xp.isfinite(q)))):
            raise ValueError("positions and charges must be finite")
        self.positions, self.charges = pos, q
        self.domain = tuple((float(a), float(b)) for a, b in domain)
        if len(self.domain) != 3:
            raise ValueError("the domain must be a 3-D box")
        diameter = math.sqrt(sum((b - a) ** 2 for a, b in self.domain))
        self.kernel, self.eps = kernel, float(eps)
        if kernel == "sinc":
            r_min = float(r_min) if r_min is not None else min(b - a for a, b in self.domain) / 256
            gaussians = sinc_gaussians(eps=eps, r_min=r_min, r_max=diameter)
            self.n_long = int(n_long) if n_long is not None else max(math.ceil(len(gaussians) / 2) - 3, 1)
        elif kernel == "erf":
            gaussians = erf_gaussians(beta, eps=min(eps, 1e-10), r_max=diameter)
            self.n_long = len(gaussians)
            self.beta = float(beta)
        else:
            raise ValueError(f"kernel must be 'sinc' or 'erf', got {kernel!r}")
        if not 1 <= self.n_long <= len(gaussians):
            raise ValueError(f"n_long must be in [1, {len(gaussians)}], got {n_long}")
        self.gaussians = gaussians
        exponents = gaussians.exponents[: self.n_long]
        weights = xp.asarray(gaussians.weights[: self.n_long], dtype=xp.float64)
        factors = [_cp_factor(xp, exponents, pos[:, k]) for k in range(3)]
        lam = xp.reshape(q[:, None] * weights[None, :], (-1,))
        self.cp_rank = int(lam.shape[0])
        self.long_range_tucker = ChebyshevTucker.from_cp(factors, self.domain, weights=lam, degree=degree,
                                                         tol=tol, method=method, backend=backend)
        self.cutoff = self._cutoff(diameter)

    def _long_kernel(self, r):
        return self.gaussians(r, slice(0, self.n_long))

    def _short_kernel(self, r):
        if self.kernel == "erf":
            return scipy_like(array_namespace(r)).special.erfc(self.beta * r) / r
        return 1.0 / r - self._long_kernel(r)

    def _cutoff(self, diameter: float) -> float:
        """Smallest distance beyond which ``|short(r)| <= eps / r`` (host computation)."""
        import numpy as np

        r = np.geomspace(1e-4, diameter, 4000)
        above = np.nonzero(np.abs(self._short_kernel(r)) * r > self.eps)[0]
        if not above.size:
            return float(r[0])
        return float(r[min(above[-1] + 1, r.size - 1)])

    def _points(self, points):
        xp = array_namespace(points)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must have shape (N, 3), got {tuple(points.shape)}")
        return xp

    def long_range(self, points: Any, *, extrapolate: bool = False):
        """Long-range potential at points ``(P, 3)`` from the Chebyshev–Tucker interpolant."""
        self._points(points)
        return self.long_range_tucker(points, extrapolate=extrapolate)

    def long_range_direct(self, points: Any):
        """Long-range potential summed directly over the particles (reference, O(P N))."""
        return self._pair_sum(points, self._long_kernel, cutoff=None)

    def short_range(self, points: Any):
        """Short-range potential at points ``(P, 3)``: direct sum over particles within :attr:`cutoff`."""
        return self._pair_sum(points, self._short_kernel, cutoff=self.cutoff)

    def _pair_sum(self, points, kernel, *, cutoff):
        xp = self._points(points)
        total = xp.zeros((points.shape[0],), dtype=xp.float64)
        for j in range(self.positions.shape[0]):
            diff = points - self.positions[j, :]
            r = xp.sqrt(xp.sum(diff * diff, axis=1))
            if cutoff is not None:
                near = r < cutoff
                if not bool(xp.any(near)):
                    continue
                if bool(xp.any(r == 0)):
                    raise ValueError(f"a point coincides with particle {j}; the potential is singular there")
                safe = xp.where(near, r, xp.ones_like(r))
                total = total + xp.where(near, self.charges[j] * kernel(safe), 0.0 * r)
            else:
                total = total + self.charges[j] * kernel(r)
        return total

    def __call__(self, points: Any, *, extrapolate: bool = False):
        """Total potential ``Σ_j q_j / |x - x_j|`` = long range (Tucker) + short range (direct)."""
        return self.long_range(points, extrapolate=extrapolate) + self.short_range(points)
