"""Coulomb potentials and forces of many charged particles, set up once and stepped.

The kernel is split Ewald-like, ``1/r = erf(r/σ)/r + erfc(r/σ)/r``:

* the smooth long range ``erf(r/σ)/r = Σ_k w_k exp(-t_k² r²)`` (Gauss–Legendre in ``t``
  after a sinh map, :func:`~tensor_formats.potentials.erf_gaussians_sinh`) is separable per
  coordinate.  Each mode of
  the box carries a piecewise interpolation basis of those Gaussians
  (:mod:`tensor_formats.gaussian_basis`), so the long-range potential is a Tucker tensor:
  factors ``L_a(x_d)`` (Chebyshev polynomials per cell), core
  ``C = Σ_k w_k W ×_1 M_k ×_2 M_k ×_3 M_k`` with ``W = Σ_j q_j L(x_j1) ∘ L(x_j2) ∘ L(x_j3)``
  (charges to core, one matrix product) and ``M_k`` the Gaussians between skeleton points.
  Potentials at the particles contract the core with the factors; the gradient uses the
  derivatives of the 1-D factors (analytic).
* the short range ``erfc(r/σ)/r`` is summed over the neighbours closer than the cutoff
  where ``erfc(r/σ)/r`` drops below ``tol`` relative to ``erf(r/σ)/r`` at 0
  (:mod:`tensor_formats.short_range`, a ``cKDTree`` Verlet list).

The quadrature, the bases, the coupling matrices and the neighbour list are built once;
:meth:`ParticlePotential.update` after a time step redoes only the charge-dependent work
(cost ``O(N r³ + K R⁴)`` with ``r`` basis functions per cell and mode, ``R`` per mode,
``K`` Gaussians) and the distances of the listed pairs.

Accuracy: every approximation (quadrature, interpolation, cutoff) is below ``tol`` relative
to ``2/(σ√π)``, the largest value of the long-range kernel.  Measured against the direct sum
(``tests/test_particle_potential.py``, ``benchmarks/bench_particle_potentials.py``): with the
default ``tol = 1e-8`` the maximum error of the potentials is about 1e-9–1e-8 of their largest
magnitude and that of the forces 1e-10–1e-9 of theirs (N = 20,000 in ``[-1, 1]³``: 7.6e-9 and
7.0e-10); ``tol = 1e-10`` gives about 1e-11.  The energy carries a systematic part, at most
``tol · 2/(σ√π) · Σ q_i²`` (the kernel's error at distance 0, in every self-term removed).
Positions and charges are numpy arrays: the neighbour search runs on the host.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import erfc

from .gaussian_basis import GaussianModeBasis, gaussian_mode_basis
from .potentials import erf_gaussians_sinh
from .short_range import NeighbourList, erfc_pair_sums

__all__ = ["ParticlePotential", "PotentialStats"]

_CHUNK_ENTRIES = 2**22  # entries of one (particles, r, r) block of the core contractions (32 MB)


@dataclass
class PotentialStats:
    """Counters of the work a :class:`ParticlePotential` did."""

    updates: int = 0
    neighbour_builds: int = 0
    evaluations: int = 0


def _as_host_array(name: str, value: Any) -> np.ndarray:
    if not isinstance(value, np.ndarray | list | tuple):
        raise TypeError(f"{name} must be a numpy array (the neighbour search is scipy's cKDTree on the host), "
                        f"got {type(value).__name__}; move it with sciml.backend.to_backend(x, 'numpy')")
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=True)


def _check_particles(positions: Any, charges: Any, domain: tuple[tuple[float, float], ...]):
    x = _as_host_array("positions", positions)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"positions must have shape (N, 3), got {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"positions: need at least 2 particles (the potential at a particle excludes its own "
                         f"charge), got N={x.shape[0]}")
    q = _as_host_array("charges", charges)
    if q.shape != (x.shape[0],):
        raise ValueError(f"charges must have shape ({x.shape[0]},) to match positions, got {q.shape}")
    for name, array in (("positions", x), ("charges", q)):
        bad = ~np.isfinite(array.reshape(array.shape[0], -1)).all(axis=1)
        if bad.any():
            raise ValueError(f"{name} must be finite, got NaN or inf at particle {int(np.flatnonzero(bad)[0])}")
    low = np.array([a for a, _ in domain])
    high = np.array([b for _, b in domain])
    outside = ((x < low) | (x > high)).any(axis=1)
    if outside.any():
        k = int(np.flatnonzero(outside)[0])
        raise ValueError(f"positions must lie in the box {list(domain)}, got particle {k} at {x[k].tolist()} "
                         f"({int(outside.sum())} outside)")
    return x, q


def _check_domain(domain: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    box = tuple((float(a), float(b)) for a, b in domain)
    if len(box) != 3 or not all(math.isfinite(a) and math.isfinite(b) and a < b for a, b in box):
        raise ValueError(f"domain must be three intervals (a, b) with a < b, got {domain}")
    return box


def _cutoff_ratio(tol: float) -> float:
    """``ρ`` with ``erfc(ρ)/ρ = tol · 2/√π``: beyond ``ρσ`` the short range is below tolerance."""
    target = tol * 2.0 / math.sqrt(math.pi)
    return brentq(lambda rho: erfc(rho) / rho - target, 1e-3, 40.0, xtol=1e-12)


def _choose_splitting(n: int, box, ratio: float) -> tuple[float, tuple[int, ...]]:
    """Splitting width ``σ`` and cells per mode minimising a cost model of one step.

    Long range: ``3 N r³`` multiply-adds for the particles (``r ≈ 2.6 ℓ/σ + 10`` basis
    functions on a cell of length ``ℓ``) plus about ``1.8 K R⁴`` for the core (``R`` per mode,
    low-rank couplings); short range: about 830 multiply-add equivalents per pair (measured).
    """
    widths = np.array([b - a for a, b in box])
    volume = float(np.prod(widths))
    diameter = float(np.linalg.norm(widths))
    best = (math.inf, 0.0, (1, 1, 1))
    for sigma in np.geomspace(widths.min() / 200, widths.max() / 2, 60):
        k_terms = 8 + 3 * math.log(max(diameter / sigma, 1.0))
        pairs = 0.5 * n * n * min(1.0, 4.19 * (ratio * sigma) ** 3 / volume)
        for split in range(1, 7):
            cells = np.maximum(1, np.round(split * widths / widths.max())).astype(int)
            local = 2.6 * (widths / cells) / sigma + 10
            total = cells * local
            cost = 3 * n * float(np.prod(local)) + 1.8 * k_terms * float(np.prod(total)) * float(total.max()) \
                + 830.0 * pairs
            if cost < best[0]:
                best = (cost, float(sigma), tuple(int(c) for c in cells))
    return best[1], best[2]


def _psd_factor(matrix: np.ndarray, tol: float) -> np.ndarray:
    """``A`` with ``A Aᵀ ≈ matrix`` (symmetric positive semi-definite), dropping eigenvalues
    below ``tol · 1e-3`` of the largest."""
    values, vectors = np.linalg.eigh(matrix)
    keep = values > tol * 1e-3 * values[-1]
    return vectors[:, keep] * np.sqrt(values[keep])


def _coupling_term(matrices: Sequence[np.ndarray], tol: float) -> tuple[bool, tuple[np.ndarray, ...]]:
    """One Gaussian's 1-D coupling matrices, as factors ``A_d`` (``M_d = A_d A_dᵀ``) where
    applying those is cheaper than the dense ``M_d`` (wide Gaussians have few factors)."""
    factors = tuple(_psd_factor(m, tol) for m in matrices)
    sizes = [m.shape[0] for m in matrices]
    ranks = [a.shape[1] for a in factors]
    dense = 3.0 * float(np.prod(sizes)) * max(sizes)
    # Into the factors (mode by mode, ρ_1..ρ_d R_d..R_3) and back out: twice that work.
    factored = 2.0 * sum(float(np.prod(ranks[: d + 1])) * float(np.prod(sizes[d:])) for d in range(3))
    return (True, factors) if factored < dense else (False, tuple(matrices))


def _mode_products(tensor: np.ndarray, m1: np.ndarray, m2: np.ndarray, m3: np.ndarray) -> np.ndarray:
    """``tensor ×_1 m1 ×_2 m2 ×_3 m3`` for a 3-way tensor."""
    n1, n2, n3 = tensor.shape
    t = (m1 @ tensor.reshape(n1, -1)).reshape(m1.shape[0], n2, n3)
    t = np.matmul(m2, t)
    return (t.reshape(-1, n3) @ m3.T).reshape(m1.shape[0], m2.shape[0], m3.shape[0])


class ParticlePotential:
    """Potentials and forces of ``N`` point charges in a box, for stepping a particle code.

    ``φ_i = Σ_{j≠i} q_j / |x_i - x_j|`` (no self-interaction) and the Coulomb forces
    ``F_i = -q_i ∇φ_i = -∂E/∂x_i`` with ``E = ½ Σ_i q_i φ_i``, in units where the kernel is ``1/r``.

    Parameters
    ----------
    positions : ndarray (N, 3)
        Inside ``domain`` (numpy: the neighbour search runs on the host).  ``N >= 2``.
    charges : ndarray (N,)
    domain : sequence of three (a, b)
        The box the particles stay in; the long-range bases are built for it.
    sigma : float, optional
        Splitting width ``σ`` of ``erf(r/σ)/r + erfc(r/σ)/r``; by default chosen from ``N``
        and the box by a cost model (about 0.085 for 20,000 particles in ``[-1, 1]³``).
    cells : int or sequence of 3 int, optional
        Cells per mode of the piecewise long-range bases (chosen with ``sigma``).
    tol : float
        Accuracy of each approximation relative to ``2/(σ√π)`` (see the module notes for
        the measured errors).
    skin : float, optional
        Verlet skin of the neighbour list (default ``σ/5``): the list is reused while no
        particle moved more than ``skin/2`` since it was built.

    Attributes
    ----------
    sigma, cutoff : float
        Splitting width and short-range cutoff.
    bases : tuple of GaussianModeBasis
    core : ndarray
        Core of the long-range Tucker tensor (shape ``ranks``).
    stats : PotentialStats

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import ParticlePotential
    >>> rng = np.random.default_rng(0)
    >>> x, q = rng.uniform(-1, 1, (300, 3)), rng.choice([-1.0, 1.0], 300)
    >>> potential = ParticlePotential(x, q, sigma=0.25)
    >>> phi, forces = potential.at_particles(), potential.forces()
    >>> r = np.linalg.norm(x[:, None] - x[None], axis=-1); np.fill_diagonal(r, np.inf)
    >>> direct = (1 / r) @ q
    >>> bool(np.max(np.abs(phi - direct)) < 1e-7 * np.max(np.abs(direct)))
    True
    >>> potential.update(x + 1e-3 * rng.uniform(-1, 1, x.shape).clip(-1 - x, 1 - x))  # one time step
    >>> potential.stats.neighbour_builds                      # the neighbour list was reused
    1
    """

    def __init__(self, positions: Any, charges: Any, *, domain: Sequence[Sequence[float]] = ((-1.0, 1.0),) * 3,
                 sigma: float | None = None, cells: int | Sequence[int] | None = None, tol: float = 1e-8,
                 skin: float | None = None):
        self.domain = _check_domain(domain)
        x, q = _check_particles(positions, charges, self.domain)
        if not (isinstance(tol, float | int) and 0 < tol < 1e-2):
            raise ValueError(f"tol must be in (0, 1e-2), got {tol!r}")
        self.tol = float(tol)
        ratio = _cutoff_ratio(self.tol)
        auto_sigma, auto_cells = _choose_splitting(x.shape[0], self.domain, ratio)
        if sigma is None:
            sigma = auto_sigma
            cells = auto_cells if cells is None else cells
        if not (isinstance(sigma, float | int) and math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"sigma must be a positive number, got {sigma!r}")
        self.sigma = float(sigma)
        widths = [b - a for a, b in self.domain]
        if cells is None:
            cells = tuple(max(1, min(6, round(w / (12 * self.sigma)))) for w in widths)
        cells = (cells,) * 3 if isinstance(cells, int | np.integer) else tuple(cells)
        if len(cells) != 3 or not all(isinstance(c, int | np.integer) and c >= 1 for c in cells):
            raise ValueError(f"cells must be a positive int or three of them, got {cells!r}")
        self.cells = tuple(int(c) for c in cells)
        self.cutoff = ratio * self.sigma
        self.skin = 0.2 * self.sigma if skin is None else float(skin)
        if not (math.isfinite(self.skin) and self.skin >= 0):
            raise ValueError(f"skin must be >= 0, got {skin!r}")
        diameter = math.sqrt(sum(w * w for w in widths))
        self.gaussians = erf_gaussians_sinh(1.0 / self.sigma, eps=self.tol, r_max=diameter)
        self.self_value = 2.0 / (self.sigma * math.sqrt(math.pi))  # erf(r/σ)/r at r = 0
        bases: dict[tuple, GaussianModeBasis] = {}
        for interval, c in zip(self.domain, self.cells):
            if (interval, c) not in bases:
                bases[(interval, c)] = gaussian_mode_basis(interval, self.gaussians.exponents, cells=c, tol=self.tol)
        self.bases = tuple(bases[(interval, c)] for interval, c in zip(self.domain, self.cells))
        # M_k = A_k A_kᵀ (Gaussian kernel matrices are positive semi-definite): wide Gaussians
        # have few factors, so the core costs O(K R³ ρ) instead of O(K R⁴).
        self._couplings = [_coupling_term([b.coupling(p) for b in self.bases], self.tol)
                           for p in self.gaussians.exponents]
        self.stats = PotentialStats()
        self._neighbours: NeighbourList | None = None
        self._set(x, q)

    @property
    def ranks(self) -> tuple[int, ...]:
        """Basis functions per mode (``R``): the shape of the long-range core."""
        return tuple(b.size for b in self.bases)

    @property
    def n_particles(self) -> int:
        return int(self.positions.shape[0])

    # -- stepping -------------------------------------------------------------------------
    def update(self, positions: Any, charges: Any | None = None) -> None:
        """New positions (and charges; ``None`` keeps them) after a time step.

        Reuses the quadrature, the bases, the coupling matrices and, while no particle moved
        more than ``skin/2`` since it was built, the neighbour list.  The number of
        particles may change (the neighbour list is then rebuilt).
        """
        if charges is None:
            charges = self.charges
            if np.shape(positions)[:1] != self.charges.shape:
                raise ValueError(f"positions must have shape ({self.charges.shape[0]}, 3) when charges are kept, "
                                 f"got {np.shape(positions)}")
        x, q = _check_particles(positions, charges, self.domain)
        self._set(x, q)

    def _set(self, x: np.ndarray, q: np.ndarray) -> None:
        self.positions, self.charges = x, q
        self.stats.updates += 1
        self._groups = self._group_particles(x)
        self.core = self._long_range_core(q)
        if self._neighbours is None or not self._neighbours.valid_for(x):
            self._neighbours = NeighbourList(x, cutoff=self.cutoff, skin=self.skin)
            self.stats.neighbour_builds += 1
        self._phi: np.ndarray | None = None
        self._forces: np.ndarray | None = None

    def _group_particles(self, x: np.ndarray):
        """Particles grouped by 3-D cell, with their factor values and derivatives per mode."""
        cell = [b.locate(x[:, d]) for d, b in enumerate(self.bases)]
        key = (cell[0] * self.cells[1] + cell[1]) * self.cells[2] + cell[2]
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        groups = []
        for rows in np.split(order, bounds):
            if rows.size == 0:
                continue
            cs = tuple(int(c[rows[0]]) for c in cell)
            factors = [(b.values(x[rows, d], cs[d]), b.values(x[rows, d], cs[d], derivative=True))
                       for d, b in enumerate(self.bases)]
            blocks = tuple(slice(int(b.offsets[c]), int(b.offsets[c + 1])) for b, c in zip(self.bases, cs))
            groups.append((rows, blocks, factors))
        return groups

    def _long_range_core(self, q: np.ndarray) -> np.ndarray:
        weights = np.zeros(self.ranks)
        for rows, blocks, ((p1, _), (p2, _), (p3, _)) in self._groups:
            block = weights[blocks]
            chunk = max(64, _CHUNK_ENTRIES // (p2.shape[1] * p3.shape[1]))
            for s in range(0, rows.size, chunk):
                part = slice(s, s + chunk)
                pairs = (p2[part, :, None] * p3[part, None, :]).reshape(p2[part].shape[0], -1)
                block += ((p1[part] * q[rows[part], None]).T @ pairs).reshape(block.shape)
        core = np.zeros_like(weights)
        for w, (factored, (a1, a2, a3)) in zip(self.gaussians.weights, self._couplings):
            if factored:
                core += w * _mode_products(_mode_products(weights, a1.T, a2.T, a3.T), a1, a2, a3)
            else:
                core += w * _mode_products(weights, a1, a2, a3)
        return core

    # -- results --------------------------------------------------------------------------
    def _evaluate(self) -> None:
        n = self.n_particles
        value = np.zeros(n)
        grad = np.zeros((n, 3))
        for rows, blocks, ((p1, d1), (p2, d2), (p3, d3)) in self._groups:
            core = self.core[blocks]
            flat = core.reshape(core.shape[0], -1)
            chunk = max(64, _CHUNK_ENTRIES // flat.shape[1])
            for s in range(0, rows.size, chunk):
                part = slice(s, s + chunk)
                m = p1[part].shape[0]
                b0 = (p1[part] @ flat).reshape(m, core.shape[1], core.shape[2])
                b1 = (d1[part] @ flat).reshape(m, core.shape[1], core.shape[2])
                u = np.einsum("nbc,nc->nb", b0, p3[part])
                u3 = np.einsum("nbc,nc->nb", b0, d3[part])
                v1 = np.einsum("nbc,nc->nb", b1, p3[part])
                idx = rows[part]
                value[idx] = np.einsum("nb,nb->n", p2[part], u)
                grad[idx, 0] = np.einsum("nb,nb->n", p2[part], v1)
                grad[idx, 1] = np.einsum("nb,nb->n", d2[part], u)
                grad[idx, 2] = np.einsum("nb,nb->n", p2[part], u3)
        short, short_grad = erfc_pair_sums(self.positions, self.charges, self._neighbours.pairs,
                                           sigma=self.sigma, cutoff=self.cutoff)
        self._phi = value - self.self_value * self.charges + short
        self._forces = -self.charges[:, None] * (grad + short_grad)
        self.stats.evaluations += 1

    def at_particles(self) -> np.ndarray:
        """Potential at each particle from all the others: ``φ_i = Σ_{j≠i} q_j/|x_i - x_j|``, shape (N,)."""
        if self._phi is None:
            self._evaluate()
        return self._phi.copy()

    def forces(self) -> np.ndarray:
        """Coulomb forces ``F_i = -q_i ∇φ_i = -∂E/∂x_i``, shape (N, 3)."""
        if self._forces is None:
            self._evaluate()
        return self._forces.copy()

    def energy(self) -> float:
        """Electrostatic energy ``E = ½ Σ_i q_i φ_i`` (pairs counted once, no self-energy)."""
        return 0.5 * float(self.charges @ self.at_particles())

    def __repr__(self) -> str:
        return (f"ParticlePotential(N={self.n_particles}, sigma={self.sigma:.4g}, cutoff={self.cutoff:.4g}, "
                f"cells={self.cells}, ranks={self.ranks}, gaussians={len(self.gaussians)}, tol={self.tol:g})")
