"""Short-range pair sums ``erfc(r/σ)/r`` over neighbours found by :class:`scipy.spatial.cKDTree`.

A :class:`NeighbourList` keeps the pairs closer than ``cutoff + skin`` (a Verlet list): while
no particle has moved more than ``skin / 2`` since the list was built, every pair closer than
``cutoff`` is still in it, so a time step recomputes the distances of the listed pairs and
skips the tree search.  The sums only count pairs closer than ``cutoff``, so a reused list
gives the same numbers as a fresh one.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import erfc

__all__ = ["NeighbourList", "erfc_pair_sums"]

_BLOCK = 32768  # pairs per block of the pair sums


class NeighbourList:
    """Pairs ``i < j`` of particles closer than ``cutoff + skin`` (a Verlet list).

    Parameters
    ----------
    positions : ndarray (N, 3)
    cutoff : float
        Distance beyond which pairs do not interact.
    skin : float
        Extra shell kept in the list, so that it stays valid while particles move less than
        ``skin / 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.short_range import NeighbourList
    >>> x = np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [0.5, 0.0, 0.0]])
    >>> neighbours = NeighbourList(x, cutoff=0.2, skin=0.05)
    >>> neighbours.pairs.tolist()
    [[0, 1]]
    >>> neighbours.valid_for(x + 0.01), neighbours.valid_for(x + 0.1)   # moved |0.017| and |0.17| vs skin/2
    (True, False)
    """

    def __init__(self, positions: np.ndarray, *, cutoff: float, skin: float):
        self.cutoff, self.skin = float(cutoff), float(skin)
        self.reference = np.array(positions, dtype=np.float64, copy=True)
        tree = cKDTree(self.reference)
        self.pairs = tree.query_pairs(self.cutoff + self.skin, output_type="ndarray")

    def valid_for(self, positions: np.ndarray) -> bool:
        """Whether every pair closer than ``cutoff`` at ``positions`` is in the list."""
        if positions.shape != self.reference.shape:
            return False
        moved = positions - self.reference
        return bool(np.max(np.einsum("ij,ij->i", moved, moved), initial=0.0) <= (0.5 * self.skin) ** 2)


def erfc_pair_sums(positions: np.ndarray, charges: np.ndarray, pairs: np.ndarray, *, sigma: float,
                   cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Short-range potential and its gradient at each particle from the listed pairs.

    ``phi[i] = Σ_j q_j erfc(r_ij/σ)/r_ij`` and ``grad[i] = ∇_{x_i} phi[i]``, summed over the
    pairs of ``pairs`` (``(P, 2)``, each pair once) with ``r_ij < cutoff``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import erfc
    >>> from tensor_formats.short_range import erfc_pair_sums
    >>> x, q = np.array([[0.0, 0.0, 0.0], [0.1, 0.0, 0.0]]), np.array([1.0, -2.0])
    >>> phi, grad = erfc_pair_sums(x, q, np.array([[0, 1]]), sigma=0.05, cutoff=0.3)
    >>> bool(np.isclose(phi[0], -2.0 * erfc(2.0) / 0.1)), bool(np.isclose(phi[1], erfc(2.0) / 0.1))
    (True, True)
    """
    n = positions.shape[0]
    phi = np.zeros(n)
    grad = np.zeros((n, 3))
    coords = [np.ascontiguousarray(positions[:, axis]) for axis in range(3)]
    scale = 2.0 / (sigma * math.sqrt(math.pi))
    # Blocks of pairs small enough to stay in cache (the work is a few passes per pair).
    for start in range(0, pairs.shape[0], _BLOCK):
        i = np.ascontiguousarray(pairs[start:start + _BLOCK, 0])
        j = np.ascontiguousarray(pairs[start:start + _BLOCK, 1])
        d = [np.take(c, i) - np.take(c, j) for c in coords]
        r = np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
        if not np.all(r > 0):
            k = int(np.flatnonzero(r == 0)[0])
            raise ValueError(f"positions: particles {int(i[k])} and {int(j[k])} coincide; "
                             "the potential is singular there")
        rho = r * (1.0 / sigma)
        kernel = np.where(r < cutoff, erfc(rho) / r, 0.0)
        qi, qj = np.take(charges, i), np.take(charges, j)
        phi += np.bincount(i, weights=qj * kernel, minlength=n)
        phi += np.bincount(j, weights=qi * kernel, minlength=n)
        # ∇_{x_i} erfc(r/σ)/r = slope(r) (x_i - x_j)/r, slope = -erfc(r/σ)/r² - 2/(σ√π) exp(-r²/σ²)/r
        radial = np.where(r < cutoff, -(kernel + scale * np.exp(-rho * rho)) / (r * r), 0.0)
        on_i, on_j = qj * radial, qi * radial
        for axis in range(3):
            grad[:, axis] += np.bincount(i, weights=on_i * d[axis], minlength=n)
            grad[:, axis] -= np.bincount(j, weights=on_j * d[axis], minlength=n)
    return phi, grad
