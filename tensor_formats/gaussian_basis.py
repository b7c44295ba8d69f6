"""Piecewise interpolation bases for the Gaussians of a separable kernel (one mode of a box).

A smooth kernel written as a Gaussian sum, ``K(r) = Σ_k w_k exp(-t_k² r²)``, is separable:
``exp(-t² |x - y|²) = Π_d exp(-t² (x_d - y_d)²)``.  Along one mode ``[a, b]`` all the 1-D
functions ``x -> exp(-t_k² (x - y)²)`` (every quadrature node ``t_k``, every source
``y`` in ``[a, b]``) lie, to a tolerance, in a space of small dimension.  This module finds
that space on each of ``cells`` equal sub-intervals (truncated SVD of sampled Gaussians) and
picks interpolation ("skeleton") points ``z`` in it by column-pivoted QR, so that on a cell

    ``f(x) ≈ Σ_a L_a(x) f(z_a)``   for every ``f`` in the space,

with ``L_a`` polynomials stored as Chebyshev coefficients.  Interpolating the kernel in
both arguments gives ``exp(-t² (x - y)²) ≈ Σ_ab L_a(x) exp(-t² (z_a - z_b)²) L_b(y)``: the
1-D coupling matrices are the Gaussians between skeleton points, and the interpolation
functions ``L_a`` (and their derivatives) are the factors of a piecewise Chebyshev–Tucker
representation.  The work depends on the box, the exponents and the tolerance only, so a
particle code builds it once and reuses it every step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .chebyshev import chebyshev_points, differentiate, map_to_reference, values_to_coefficients, vandermonde

__all__ = ["GaussianModeBasis", "gaussian_mode_basis"]


@dataclass(frozen=True)
class GaussianModeBasis:
    """Interpolation basis of one mode: ``cells`` equal cells of ``interval``.

    Attributes
    ----------
    interval : (a, b)
    edges : ndarray (cells + 1,)
    coefficients : tuple of ndarray
        Per cell, ``(m_c, r_c)`` Chebyshev coefficients of the interpolation functions ``L_a``.
    derivatives : tuple of ndarray
        Per cell, the coefficients of ``L_a'``.
    points : ndarray (R,)
        Skeleton points of all cells, cell by cell (``R = Σ_c r_c``).
    offsets : ndarray (cells + 1,)
        Cell ``c`` owns ``points[offsets[c]:offsets[c + 1]]``.
    """

    interval: tuple[float, float]
    edges: np.ndarray
    coefficients: tuple[np.ndarray, ...]
    derivatives: tuple[np.ndarray, ...]
    points: np.ndarray
    offsets: np.ndarray

    @property
    def cells(self) -> int:
        return len(self.coefficients)

    @property
    def size(self) -> int:
        """Total number of basis functions ``R`` of the mode."""
        return int(self.offsets[-1])

    @property
    def ranks(self) -> tuple[int, ...]:
        return tuple(int(c.shape[1]) for c in self.coefficients)

    def locate(self, x: np.ndarray) -> np.ndarray:
        """Cell index of each coordinate (the right end belongs to the last cell)."""
        a, b = self.interval
        index = np.floor((x - a) * (self.cells / (b - a))).astype(np.intp)
        return np.clip(index, 0, self.cells - 1)

    def values(self, x: np.ndarray, cell: int, *, derivative: bool = False) -> np.ndarray:
        """``L_a(x)`` (or ``L_a'(x)``) for coordinates ``x`` of one cell: shape ``(len(x), r_c)``."""
        coefficients = (self.derivatives if derivative else self.coefficients)[cell]
        t = map_to_reference(x, (float(self.edges[cell]), float(self.edges[cell + 1])))
        return vandermonde(t, coefficients.shape[0]) @ coefficients

    def coupling(self, exponent: float) -> np.ndarray:
        """``exp(-t² (z_a - z_b)²)`` between all skeleton points: ``(R, R)``."""
        diff = self.points[:, None] - self.points[None, :]
        return np.exp(-exponent * diff * diff)


def _cell_basis(cell: tuple[float, float], sources: np.ndarray, exponents: np.ndarray, tol: float,
                max_points: int):
    """Chebyshev coefficients of the interpolation functions of one cell and its skeleton points."""
    width = cell[1] - cell[0]
    t_max = math.sqrt(float(exponents[-1]))
    m = int(math.ceil(3.0 * width * t_max)) + 17
    while True:
        x = chebyshev_points(m, cell)
        diff = x[:, None] - sources[None, :]
        samples = np.exp(-exponents[None, :, None] * (diff * diff)[:, None, :]).reshape(m, -1)
        # The Gaussians must be resolved on the cell's grid: their last coefficients below tol.
        tail = np.max(np.abs(values_to_coefficients(samples, axis=0)[-3:, :]))
        if tail <= tol or m >= max_points:
            break
        m = 2 * m - 1
    if tail > tol:
        raise RuntimeError(f"the Gaussians with t = {t_max:.3g} are not resolved on the cell {cell} "
                           f"with {max_points} Chebyshev points (tail {tail:.2e} > tol {tol:.1e})")
    u, s, _ = np.linalg.svd(samples, full_matrices=False)
    # ‖(I - U Uᵀ) g‖₂ <= s[r] for every sampled Gaussian g (entries <= 1).
    rank = max(int(np.sum(s > tol)), 1)
    basis = u[:, :rank]
    _, _, pivots = scipy.linalg.qr(basis.T, mode="economic", pivoting=True)
    chosen = np.sort(pivots[:rank])
    # L = basis @ inv(basis[chosen]): interpolation functions with L_a(z_b) = δ_ab.
    lagrange = np.linalg.solve(basis[chosen, :].T, basis.T).T
    coefficients = values_to_coefficients(lagrange, axis=0)
    return coefficients, differentiate(coefficients, axis=0, domain=cell), x[chosen]


def gaussian_mode_basis(interval: Sequence[float], exponents: Sequence[float], *, cells: int = 1,
                        tol: float = 1e-10, max_points: int = 1025) -> GaussianModeBasis:
    """Piecewise interpolation basis for ``exp(-p (x - y)²)``, ``x, y`` in ``interval``, every ``p``.

    Parameters
    ----------
    interval : (a, b)
    exponents : sequence of float
        The ``p_k = t_k²`` of the Gaussian sum (positive).
    cells : int
        Number of equal cells; each gets its own basis (fewer functions per cell, more in all).
    tol : float
        Truncation threshold of the bases: the interpolation error of every Gaussian (their
        maximum is 1) in both arguments is about ``tol`` (measured 0.01–1 ``tol`` in the tests).
    max_points : int
        Largest number of Chebyshev points per cell.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.gaussian_basis import gaussian_mode_basis
    >>> basis = gaussian_mode_basis((-1.0, 1.0), [1.0, 25.0, 100.0], cells=2, tol=1e-10)
    >>> x, y = np.array([-0.3]), np.array([0.7])
    >>> lx = np.zeros(basis.size); ly = np.zeros(basis.size)
    >>> cx, cy = basis.locate(x)[0], basis.locate(y)[0]
    >>> lx[basis.offsets[cx]:basis.offsets[cx + 1]] = basis.values(x, cx)[0]
    >>> ly[basis.offsets[cy]:basis.offsets[cy + 1]] = basis.values(y, cy)[0]
    >>> bool(abs(lx @ basis.coupling(25.0) @ ly - np.exp(-25.0)) < 1e-8)
    True
    """
    a, b = (float(v) for v in interval)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ValueError(f"interval must be (a, b) with a < b, got {tuple(interval)}")
    if isinstance(cells, bool) or not isinstance(cells, int | np.integer) or cells < 1:
        raise ValueError(f"cells must be a positive integer, got {cells!r}")
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol}")
    p = np.sort(np.asarray(exponents, dtype=np.float64).ravel())
    if p.size == 0 or not np.all(np.isfinite(p)) or p[0] <= 0:
        raise ValueError(f"exponents must be positive and finite, got {p}")
    width = b - a
    t_max = math.sqrt(float(p[-1]))
    # Sources resolved along the whole interval: every y -> exp(-p (x - y)²) is a combination.
    sources = chebyshev_points(int(math.ceil(6.0 * width * t_max)) + 33, (a, b))
    edges = np.linspace(a, b, int(cells) + 1)
    coefficients, derivatives, points = [], [], []
    for c in range(int(cells)):
        coef, dcoef, z = _cell_basis((float(edges[c]), float(edges[c + 1])), sources, p, tol, max_points)
        coefficients.append(coef)
        derivatives.append(dcoef)
        points.append(z)
    offsets = np.concatenate([[0], np.cumsum([c.shape[1] for c in coefficients])])
    return GaussianModeBasis((a, b), edges, tuple(coefficients), tuple(derivatives), np.concatenate(points), offsets)
