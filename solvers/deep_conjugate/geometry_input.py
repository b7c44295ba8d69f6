"""What a geometry-conditioned DCDM network sees of the domain: the cell types, read off the matrix.

A structured-grid Poisson matrix is a (2d+1)-point stencil.  :func:`grid_stencil` reads it from
any assembled ``A``: per cell its diagonal and its coupling to the next cell along each axis.
:func:`cell_types` turns the stencil into the network's conditioning channels
(:data:`CELL_TYPE_CHANNELS`), per cell:

* ``fluid`` / ``solid`` (1 or 0; solid cells are identity rows, or given by ``fluid``);
* ``dirichlet``: the share of the cell's ``2d`` faces that are open: of the faces without a
  coupling, as many as the diagonal's excess over the couplings pays for at the weight of an open
  face (2 coupling units in this package's discretisation, a ghost value at ``h/2``);
* ``neumann``: the share of the other uncoupled faces, which carry no flux (a wall, a solid
  neighbour).

Read from the matrix rather than from a geometry object, they exist for any operator a user
assembles (other obstacle shapes, other face mixes, anisotropic spacing), with one coupling unit
per axis: ``1/h²`` of a grid operator's spacing, else the median coupling along the axis (an axis
without any coupling then borrows the median of the others).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

__all__ = ["CELL_TYPE_CHANNELS", "cell_types", "grid_stencil"]

#: The conditioning channels of :func:`cell_types`, in order.
CELL_TYPE_CHANNELS = ("fluid", "solid", "dirichlet", "neumann")

#: The diagonal excess of one open (Dirichlet) face in coupling units (``solvers._stencils``: ghost at h/2).
_OPEN_FACE_WEIGHT = 2.0


def _assembled(A: Any):
    """``A`` as a scipy COO matrix (a grid operator is assembled, a cupyx matrix moved to the host)."""
    from sciml.backend import to_numpy

    if hasattr(A, "to_sparse"):
        A = A.to_sparse()
    if not hasattr(A, "tocoo"):
        raise TypeError(f"reading cell types needs an assembled matrix or a grid operator with to_sparse(), got "
                        f"{type(A).__name__}; pass cell_types= yourself (see solvers.deep_conjugate.cell_types)")
    coo = A.tocoo()
    import scipy.sparse as sp

    return sp.coo_matrix((to_numpy(coo.data), (to_numpy(coo.row), to_numpy(coo.col))), shape=coo.shape)


def grid_stencil(A: Any, grid_shape: tuple[int, ...] | None = None) -> tuple[Any, Any]:
    """The diagonal ``[*grid]`` and the couplings ``[d, *grid]`` of the stencil matrix ``A``.

    ``couplings[a][i] = -A[i, i + e_a]`` (0 where the next cell along axis ``a`` is outside the grid
    or not coupled).  ``A`` must be symmetric and couple a cell only with its axis neighbours.

    Parameters
    ----------
    A : grid operator or sparse matrix (scipy or cupyx)
    grid_shape : tuple of int, optional
        ``A.grid_shape`` by default.

    Returns
    -------
    diagonal, couplings : numpy.ndarray (float64)

    Raises
    ------
    ValueError
        ``grid_shape`` missing or disagreeing with ``A``'s size, or ``A`` coupling cells that are not
        axis neighbours.
    TypeError
        ``A`` neither assembled nor assemblable.

    Examples
    --------
    >>> from solvers import Laplacian
    >>> from solvers.deep_conjugate.geometry_input import grid_stencil
    >>> diagonal, couplings = grid_stencil(Laplacian((3, 4), domain=[(0, 3), (0, 4)]))
    >>> float(diagonal[1, 1]), couplings.shape, couplings[0, :, 0].tolist()
    (4.0, (2, 3, 4), [1.0, 1.0, 0.0])
    """
    import numpy as np

    if grid_shape is None:
        grid_shape = getattr(A, "grid_shape", None)
        if grid_shape is None:
            raise ValueError("grid_shape is needed when A is not a grid operator")
    grid_shape = tuple(int(n) for n in grid_shape)
    coo = _assembled(A)
    n = math.prod(grid_shape)
    if coo.shape != (n, n):
        raise ValueError(f"A has shape {coo.shape} but grid_shape {grid_shape} has {n} cells")
    diagonal = np.zeros(n)
    on = coo.row == coo.col
    np.add.at(diagonal, coo.row[on], coo.data[on])
    rows, cols, values = coo.row[~on], coo.col[~on], coo.data[~on]
    couplings = np.zeros((len(grid_shape), n))
    if rows.size:
        delta = np.stack(np.unravel_index(cols, grid_shape)) - np.stack(np.unravel_index(rows, grid_shape))
        far = np.abs(delta).sum(axis=0) != 1
        if far.any():
            raise ValueError(f"A couples {int(far.sum())} pairs of cells that are not axis neighbours on grid_shape "
                             f"{grid_shape}: not a {2 * len(grid_shape) + 1}-point stencil on that grid")
        forward = delta.sum(axis=0) == 1
        axis = np.argmax(np.abs(delta), axis=0)
        np.add.at(couplings, (axis[forward], rows[forward]), -values[forward])
    return diagonal.reshape(grid_shape), couplings.reshape((len(grid_shape),) + grid_shape)


def cell_types(A: Any, grid_shape: tuple[int, ...] | None = None, *, fluid: Any | None = None) -> Any:
    """The conditioning channels :data:`CELL_TYPE_CHANNELS` of a geometry-conditioned DCDM model.

    Parameters
    ----------
    A : grid operator or sparse matrix
        The full-grid matrix (solid cells as identity rows), e.g. :class:`solvers.ObstacleLaplacian`.
    grid_shape : tuple of int, optional
        ``A.grid_shape`` by default.
    fluid : array, optional
        1 on fluid cells (``A.fluid`` by default; otherwise the rows with an off-diagonal entry).

    Returns
    -------
    numpy.ndarray
        float32 ``[4, *grid_shape]``: fluid, solid, share of open faces, share of closed faces.

    Raises
    ------
    ValueError, TypeError
        As :func:`grid_stencil`; ``fluid`` of another shape than the grid.

    Examples
    --------
    >>> from solvers.obstacles import box
    >>> from solvers.deep_conjugate import cell_types
    >>> types = cell_types(box((4, 4)).operator())       # open top: the last cells along y
    >>> types[:, 1, 3].tolist()                           # fluid, solid, open share, closed share
    [1.0, 0.0, 0.25, 0.0]
    >>> types[:, 0, 0].tolist()                           # a corner: two walls
    [1.0, 0.0, 0.0, 0.5]
    """
    import numpy as np

    from sciml.backend import to_numpy

    diagonal, couplings = grid_stencil(A, grid_shape)
    grid_shape = diagonal.shape
    spacing = getattr(A, "spacing", None)  # a grid operator's coupling unit per axis is 1/h²
    d = len(grid_shape)
    sides = []  # per axis: the coupling to the next cell and to the previous one
    for axis in range(d):
        behind = np.zeros_like(couplings[axis])
        index, source = [slice(None)] * d, [slice(None)] * d
        index[axis], source[axis] = slice(1, None), slice(0, -1)
        behind[tuple(index)] = couplings[axis][tuple(source)]
        sides.append((couplings[axis], behind))
    total = sum(ahead + behind for ahead, behind in sides)
    if fluid is None:
        fluid = getattr(A, "fluid", None)
    if fluid is None:
        fluid = total != 0
    fluid = np.asarray(to_numpy(fluid), dtype=bool)
    if fluid.size != diagonal.size:
        raise ValueError(f"fluid has {fluid.size} entries, expected grid_shape {grid_shape}")
    fluid = fluid.reshape(grid_shape)
    # per axis: the uncoupled faces of each cell (0, 1, 2) and the axis' coupling unit
    everywhere = couplings[couplings > 0]
    fallback = float(np.median(everywhere)) if everywhere.size else 1.0
    missing, units = [], []
    for axis, (ahead, behind) in enumerate(sides):
        along = ahead[ahead > 0]
        units.append(1.0 / float(spacing[axis]) ** 2 if spacing is not None
                     else float(np.median(along)) if along.size else fallback)
        missing.append(2 - (ahead > 0).astype(int) - (behind > 0))
    excess = diagonal - total
    # which uncoupled faces are open: the split over the axes whose open-face weights best pay the excess
    best_error, open_faces = np.full(grid_shape, np.inf), np.zeros(grid_shape)
    for split in itertools.product(range(3), repeat=d):
        allowed = np.all([m >= k for m, k in zip(missing, split)], axis=0)
        error = np.abs(excess - _OPEN_FACE_WEIGHT * sum(k * u for k, u in zip(split, units)))
        better = allowed & (error < best_error)
        best_error[better], open_faces[better] = error[better], sum(split)
    closed_faces = sum(missing) - open_faces
    types = np.zeros((4,) + grid_shape, dtype=np.float32)
    types[0], types[1] = fluid, ~fluid
    types[2], types[3] = open_faces * fluid / (2 * d), closed_faces * fluid / (2 * d)
    return types


def checked_cell_types(A: Any, given: Any | None, grid_shape: tuple[int, ...], *, fluid: Any | None = None) -> Any:
    """``given`` checked against ``grid_shape`` (``[4, *grid]``, finite), or :func:`cell_types` of ``A``.

    Examples
    --------
    >>> from solvers.obstacles import box
    >>> from solvers.deep_conjugate.geometry_input import checked_cell_types
    >>> checked_cell_types(box((6, 5)).operator(), None, (6, 5)).shape
    (4, 6, 5)
    """
    import numpy as np

    from sciml.backend import to_numpy

    grid_shape = tuple(int(n) for n in grid_shape)
    if given is None:
        return cell_types(A, grid_shape, fluid=fluid)
    types = np.asarray(to_numpy(given), dtype=np.float32)
    expected = (len(CELL_TYPE_CHANNELS),) + grid_shape
    if types.shape not in (expected, (1,) + expected):
        raise ValueError(f"cell_types has shape {types.shape}, expected {expected} (solvers.deep_conjugate.cell_types)")
    if not np.all(np.isfinite(types)):
        raise ValueError("cell_types holds NaN or inf")
    return types.reshape(expected)
