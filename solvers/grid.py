"""Uniform cell-centred grids: :class:`Grid` (shape and box) for every grid operator and solver.

The unknowns sit at the cell centres ``a + (i + 1/2) h`` of a box ``∏ (a_k, b_k)`` cut into
``n_k`` cells per axis, ``h_k = (b_k - a_k) / n_k``.  The boundary conditions on the faces of
the box are described by :class:`solvers.BoundaryConditions` (:mod:`solvers.boundary`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from sciml.backend import namespace_for

__all__ = ["Grid"]


class Grid:
    """An immutable uniform cell-centred grid on a box in 1, 2 or 3 dimensions.

    Parameters
    ----------
    shape : sequence of int
        Cells per axis (1 to 3 axes, at least 2 cells each).
    domain : sequence of (a, b), optional
        The box, one finite interval ``a < b`` per axis; the unit box by default.
    spacing : sequence of float, optional
        Cell widths instead of ``domain``: the box is then ``∏ (0, n_k h_k)``.

    Attributes
    ----------
    shape : tuple of int
    domain : tuple of (float, float)
    spacing : tuple of float
        ``(b - a) / n`` per axis (or the given spacing).

    Raises
    ------
    ValueError
        A shape with other than 1-3 axes or fewer than 2 cells on an axis, a box that is not
        finite with ``a < b``, a non-positive spacing, or both ``domain`` and ``spacing``.

    Examples
    --------
    >>> from solvers import Grid
    >>> g = Grid((4, 2), domain=[(0.0, 1.0), (2.0, 3.0)])
    >>> g.dim, g.size, g.spacing
    (2, 8, (0.25, 0.5))
    >>> x, y = g.cell_centers()
    >>> x.ravel(), y.ravel()
    (array([0.125, 0.375, 0.625, 0.875]), array([2.25, 2.75]))
    >>> Grid((4,), spacing=(0.5,)).domain
    ((0.0, 2.0),)
    """

    __slots__ = ("shape", "domain", "spacing")

    def __init__(self, shape: Sequence[int], *, domain: Sequence[tuple[float, float]] | None = None,
                 spacing: Sequence[float] | None = None):
        if isinstance(shape, (int, float)):
            raise TypeError(f"shape must be a sequence of ints (one per axis), got {shape!r}")
        if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape):
            raise TypeError(f"shape must hold integers, got {tuple(shape)!r}")  # int(2.5) would truncate
        shape = tuple(int(n) for n in shape)
        d = len(shape)
        if d not in (1, 2, 3):
            raise ValueError(f"a grid has 1, 2 or 3 axes, got shape {shape}")
        if any(n < 2 for n in shape):
            raise ValueError(f"need at least 2 cells per axis, got shape {shape}")
        if spacing is not None:
            if domain is not None:
                raise ValueError("give domain or spacing, not both")
            h = tuple(float(s) for s in spacing)
            if len(h) != d or not all(math.isfinite(s) and s > 0 for s in h):
                raise ValueError(f"spacing must be {d} finite positive numbers, got {spacing}")
            box = tuple((0.0, n * s) for n, s in zip(shape, h))
        else:
            box = _box(domain, d)
            h = tuple((b - a) / n for (a, b), n in zip(box, shape))
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "domain", box)
        object.__setattr__(self, "spacing", h)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Grid is immutable (cannot set {name!r}): build a new Grid")

    __delattr__ = __setattr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grid):
            return NotImplemented
        return (self.shape, self.domain, self.spacing) == (other.shape, other.domain, other.spacing)

    def __hash__(self) -> int:
        return hash((self.shape, self.domain, self.spacing))

    def __repr__(self) -> str:
        return f"Grid(shape={self.shape}, domain={self.domain})"

    def __reduce__(self):
        return (_rebuild_grid, (self.shape, self.domain, self.spacing))

    @property
    def dim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of cells, ``prod(shape)``."""
        return math.prod(self.shape)

    def cell_centers(self, *, backend: str = "numpy") -> tuple[Any, ...]:
        """Cell-centre coordinates (float64), one array per axis shaped to broadcast into the grid.

        Examples
        --------
        >>> from solvers import Grid
        >>> Grid((4,)).cell_centers()[0]
        array([0.125, 0.375, 0.625, 0.875])
        """
        return _cell_centers(namespace_for(backend), self.domain, self.shape, self.spacing)

    def face_centers(self, axis: int, side: int, *, backend: str = "numpy") -> tuple[Any, ...]:
        """Coordinates of the face centres on the low (``side=0``) or high (``side=1``) end of ``axis``.

        One array per axis, broadcastable to the face shape (``shape`` with ``axis`` set to 1):
        the cell centres on the other axes and the face coordinate on ``axis``.

        Examples
        --------
        >>> from solvers import Grid
        >>> x, y = Grid((2, 4)).face_centers(0, 1)
        >>> float(x[0, 0]), y.ravel()
        (1.0, array([0.125, 0.375, 0.625, 0.875]))
        """
        if axis not in range(self.dim) or side not in (0, 1):
            raise ValueError(f"axis must be in 0..{self.dim - 1} and side 0 or 1, got axis={axis}, side={side}")
        xp = namespace_for(backend)
        coords = list(self.cell_centers(backend=backend))
        coords[axis] = xp.full([1] * self.dim, self.domain[axis][side], dtype=xp.float64)
        return tuple(coords)


def _rebuild_grid(shape, domain, spacing):
    grid = Grid(shape, domain=domain)
    object.__setattr__(grid, "spacing", spacing)
    return grid


def _box(domain, dim: int) -> tuple[tuple[float, float], ...]:
    """The domain as ``dim`` finite intervals ``(a, b)``, ``a < b`` (the unit box by default)."""
    box = ((0.0, 1.0),) * dim if domain is None else tuple((float(a), float(b)) for a, b in domain)
    if len(box) != dim or not all(math.isfinite(a) and math.isfinite(b) and b > a for a, b in box):
        raise ValueError(f"domain must be {dim} finite intervals (a, b) with a < b, got {domain}")
    return box


def _cell_centers(xp, domain, grid_shape, spacing) -> tuple[Any, ...]:
    """Cell-centre coordinates, one array per axis shaped to broadcast into the grid."""
    coords = []
    for axis, ((a, _), n, h) in enumerate(zip(domain, grid_shape, spacing)):
        shape = [1] * len(grid_shape)
        shape[axis] = n
        coords.append(xp.reshape(a + (xp.arange(n, dtype=xp.float64) + 0.5) * h, tuple(shape)))
    return tuple(coords)
