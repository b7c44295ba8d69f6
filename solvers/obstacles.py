"""The Poisson (pressure) operator on a cell grid with solid obstacles, and a few geometries.

Cells are fluid or solid.  On fluid cells the operator is the 5-point (2D) or 7-point (3D)
``-Δ_h``; a face between a fluid and a solid cell is a wall (no flux, Neumann), and each face of
the domain is a wall (``"neumann"``) or open (``"dirichlet"``, pressure 0 through a ghost cell,
as in :class:`solvers.Laplacian`).  Solid cells are kept as identity rows (vectors live on the
full grid, solid entries zero) or removed (:meth:`ObstacleLaplacian.to_sparse` with
``solid_rows="remove"``).  A fluid region with no open face is pure Neumann and singular: the
constructor names it and refuses, or with ``closed="allow"`` records it as a null-space component
(:attr:`~solvers.GridOperator.nullspace_components`, which :func:`solvers.make_solver` projects out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace, backend_name

from ._stencils import BOUNDARY_FACE_WEIGHT, _diagonal_from_faces, _divergence_form, _sparse_from_faces
from ._stencils import _slice as _index
from .grid import Grid
from .grid_operator import GridOperator, _read_only

__all__ = ["Geometry", "ObstacleLaplacian", "box", "box_with_ball", "open_tank", "random_boxes", "smooth_rhs"]


class ObstacleLaplacian(GridOperator):
    """``-Δ_h`` on the fluid cells of a 2D or 3D grid, identity rows on solid cells.

    Parameters
    ----------
    solid : bool array of shape ``grid_shape``
        True on solid cells (numpy or cupy; the operator lives on that backend and keeps a
        read-only copy).
    bc : str, sequence, dict or BoundaryConditions
        ``"dirichlet"`` (open, ``p = 0``) or ``"neumann"`` (wall) on the domain faces, in any form
        of :mod:`solvers.boundary`: for every face, per axis (a kind or a ``(low, high)`` pair), or
        by face (``{"x": "neumann", "y-": "neumann", "y+": "dirichlet"}``).  No periodic faces.
    domain : sequence of (a, b), optional
        The box (unit box by default); spacing ``(b - a) / n`` per axis.
    grid : Grid, optional
        The grid instead of ``domain`` (its shape must be the mask's).
    dtype : {"float64", "float32"}
    closed : {"refuse", "allow"}
        What to do with a fluid region that touches no open face (a closed region: pure Neumann,
        the constants on it are a null space).  "refuse" (default): raise ValueError naming it;
        "allow": keep it, labelled in :attr:`nullspace_components` (``singular`` is then True and
        :meth:`project_range` removes the region's mean from a right-hand side).

    Attributes
    ----------
    grid_shape, shape, size, spacing, ndim
        As for :class:`solvers.Laplacian`.
    bc : tuple of (str, str)
        The ``(low, high)`` kinds per axis.
    solid, fluid : arrays
        Boolean / float masks on the grid (read-only).
    closed : str
        As given; with "allow", :attr:`nullspace_components` labels the closed regions.

    Raises
    ------
    ValueError
        A fluid region without an open (Dirichlet) face (the system is singular) with
        ``closed="refuse"``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import ObstacleLaplacian
    >>> solid = np.zeros((4, 4), dtype=bool); solid[1:3, 1:3] = True
    >>> A = ObstacleLaplacian(solid, bc="dirichlet")
    >>> M = A.to_sparse()
    >>> float(M[5, 5])                 # a solid cell is an identity row
    1.0
    >>> float(M[0, 0]) * A.spacing[0] ** 2  # corner: two open faces (2 each) and two fluid neighbours
    6.0
    >>> A.solid = np.zeros((4, 4), dtype=bool)
    Traceback (most recent call last):
    ...
    AttributeError: ObstacleLaplacian is immutable (cannot set 'solid'): build a new operator, e.g. A.with_solid(mask)
    >>> A.with_solid(np.zeros((4, 4), dtype=bool)).n_solid
    0
    >>> closed = ObstacleLaplacian(solid, bc="neumann", closed="allow")   # a closed box around the block
    >>> closed.singular, closed.nullspace_size, bool(np.allclose(closed.matvec(~solid * 1.0), 0.0))
    (True, 1, True)
    """

    _rebuild_hint = "A.with_solid(mask)"

    def __init__(self, solid: Any, *, bc: Any = "dirichlet", domain: Sequence[tuple[float, float]] | None = None,
                 grid: Grid | None = None, dtype: Any = "float64", closed: str = "refuse"):
        if closed not in ("refuse", "allow"):
            raise ValueError(f"closed must be 'refuse' or 'allow', got {closed!r}")
        xp = array_namespace(solid)
        solid = xp.asarray(solid, copy=True)
        if solid.dtype != xp.bool:
            raise TypeError(f"solid must be a boolean mask, got dtype {solid.dtype}")
        shape = tuple(int(n) for n in solid.shape)
        if len(shape) not in (2, 3) or min(shape) < 2:
            raise ValueError(f"solid must be a 2D or 3D mask with >= 2 cells per axis, got {shape}")
        if grid is None:
            grid = Grid(shape, domain=domain)
        elif domain is not None:
            raise ValueError("give the domain in the Grid, not as domain=, when passing grid=")
        elif grid.shape != shape:
            raise ValueError(f"solid has shape {shape} but the grid has shape {grid.shape}")
        super().__init__(grid, bc, dtype=dtype)
        periodic = [face for face, kind in zip(("x", "y", "z"), self.boundary.kinds) if "periodic" in kind]
        if periodic:
            raise ValueError(f"each face of an ObstacleLaplacian needs 'dirichlet' or 'neumann', got 'periodic' "
                             f"on axis {periodic}")
        self._solid = _read_only(solid)
        self.fluid = _read_only(xp.astype(~solid, xp.float64))
        if not bool(xp.any(~solid)):
            raise ValueError("every cell is solid: there is no fluid to solve for")
        self._face_weights = [_read_only(self._face_coefficients(axis)) for axis in range(self.ndim)]
        self.closed = closed
        self._check_components()

    @property
    def solid(self) -> Any:
        """The solid-cell mask (read-only)."""
        return self._solid

    @property
    def bc(self) -> tuple[tuple[str, str], ...]:
        """The ``(low, high)`` kinds per axis."""
        return self.boundary.kinds

    @property
    def backend(self) -> str:
        return backend_name(self._solid)

    def __repr__(self) -> str:
        return f"ObstacleLaplacian(shape={self.grid_shape}, solid cells={int(self.n_solid)}, bc={self.bc})"

    def _replace(self, **changes: Any) -> ObstacleLaplacian:
        arguments = {"bc": self.boundary, "dtype": self.dtype, "closed": self.closed, **changes}
        solid = arguments.pop("solid", self._solid)
        return ObstacleLaplacian(solid, grid=self.grid, **arguments)

    def with_solid(self, solid: Any) -> ObstacleLaplacian:
        """The operator with a new solid mask of the same shape (grid, boundary and dtype kept)."""
        return self._replace(solid=solid)

    @property
    def n_solid(self) -> int:
        xp = array_namespace(self._solid)
        return int(xp.sum(xp.astype(self._solid, xp.int64)))

    def _face_coefficients(self, axis: int):
        """``n + 1`` face weights along ``axis``: 1 between two fluid cells, 2 on an open domain face of
        a fluid cell (ghost at distance h/2), 0 at walls and next to solids."""
        xp = array_namespace(self.fluid)
        f, d, n = self.fluid, self.ndim, self.grid_shape[axis]
        inner = f[_index(axis, d, slice(0, n - 1))] * f[_index(axis, d, slice(1, n))]
        low, high = self.bc[axis]
        left = BOUNDARY_FACE_WEIGHT[low] * f[_index(axis, d, slice(0, 1))]
        right = BOUNDARY_FACE_WEIGHT[high] * f[_index(axis, d, slice(n - 1, n))]
        return xp.concat([left, inner, right], axis=axis)

    def _check_components(self) -> None:
        import numpy as np
        from scipy import ndimage

        from sciml.backend import to_numpy

        fluid = ~to_numpy(self._solid)
        labels, count = ndimage.label(fluid)  # face connectivity
        open_cells = np.zeros_like(fluid)
        for axis, (low, high) in enumerate(self.bc):
            n = self.grid_shape[axis]
            if low == "dirichlet":
                open_cells[_index(axis, self.ndim, slice(0, 1))] = True
            if high == "dirichlet":
                open_cells[_index(axis, self.ndim, slice(n - 1, n))] = True
        touching = set(np.unique(labels[open_cells & fluid]).tolist()) - {0}
        closed = [k for k in range(1, count + 1) if k not in touching]
        if closed and self.closed == "refuse":
            first = [tuple(int(i) for i in np.argwhere(labels == k)[0]) for k in closed[:3]]
            raise ValueError(f"{len(closed)} of {count} fluid region(s) touch no open (Dirichlet) face, so the "
                             f"system is singular (pure Neumann); e.g. the region containing cell(s) {first}. "
                             "Open a domain face (bc='dirichlet' on a side), fill the enclosed region with solid, "
                             "or pass closed='allow' to keep it as a null space (make_solver projects it out).")
        # the closed regions, renumbered 1..K in the order of their first cell (the null space)
        renumber = np.zeros(count + 1, dtype=np.int64)
        renumber[closed] = np.arange(1, len(closed) + 1)
        self._cache["nullspace"] = _read_only(renumber[labels])

    # -- hooks -----------------------------------------------------------------------------
    def _apply(self, v: Any, xp) -> Any:
        faces = [self._on(f"face{axis}", face, xp, v.dtype) for axis, face in enumerate(self._face_weights)]
        out = _divergence_form(xp, v, faces, self.spacing, [False] * self.ndim)
        return out + self._on("solid", self._solid, xp, v.dtype) * v

    def _diagonal(self) -> Any:
        xp = array_namespace(self.fluid)
        return xp.reshape(_diagonal_from_faces(self._face_weights, self.spacing) + (1.0 - self.fluid), (self.size,))

    def _assemble(self, variant: str):
        if variant == "remove":
            keep = self.fluid_indices()
            return self._sparse("identity", "numpy", "csr")[keep][:, keep]
        return _sparse_from_faces(self._diagonal(), self._face_weights, self.spacing, [False] * self.ndim)

    # -- assembly --------------------------------------------------------------------------
    def to_sparse(self, *, solid_rows: str = "identity", backend: str | None = None, format: str = "csr"):
        """Assemble on scipy (numpy masks) or cupyx (cupy masks), once per variant and backend (cached).

        ``solid_rows="identity"`` gives the full-grid matrix; ``"remove"`` the fluid-only system
        (order: the fluid cells of the flattened grid, see :meth:`fluid_indices`).
        """
        if solid_rows not in ("identity", "remove"):
            raise ValueError(f"solid_rows must be 'identity' or 'remove', got {solid_rows!r}")
        return self._sparse(solid_rows, backend, format)

    def fluid_indices(self):
        """Flat indices (numpy) of the fluid cells, the unknowns of the reduced system."""
        import numpy as np

        from sciml.backend import to_numpy

        return np.flatnonzero(~to_numpy(self._solid).ravel())


# -- geometries -----------------------------------------------------------------------------
@dataclass
class Geometry:
    """A solid mask, boundary conditions and a name; :meth:`operator` builds the matrix-free operator.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers.obstacles import box_with_ball
    >>> geometry = box_with_ball((16, 16))                  # a Geometry
    >>> A = geometry.operator()
    >>> A.shape, geometry.grid_shape
    ((256, 256), (16, 16))
    """

    name: str
    solid: Any
    bc: tuple

    def operator(self, *, backend: str = "numpy") -> ObstacleLaplacian:
        from sciml.backend import to_backend

        return ObstacleLaplacian(to_backend(self.solid, backend), bc=self.bc)

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return tuple(self.solid.shape)


def _grid(shape: Sequence[int]):
    import numpy as np

    shape = tuple(int(n) for n in shape)
    if len(shape) not in (2, 3) or min(shape) < 4:
        raise ValueError(f"shape must have 2 or 3 axes with >= 4 cells each, got {shape}")
    centres = [(np.arange(n) + 0.5) / n for n in shape]
    return shape, np.meshgrid(*centres, indexing="ij")


def _open_top(dim: int, open_top: bool) -> tuple:
    """Walls everywhere and the high side of the last axis open, or (``open_top=False``) every
    face open."""
    if not open_top:
        return (("dirichlet", "dirichlet"),) * dim
    return (("neumann", "neumann"),) * (dim - 1) + (("neumann", "dirichlet"),)


def box(shape: Sequence[int], *, open_top: bool = True) -> Geometry:
    """The empty box: walls on every side and an open top (the last axis points up), or
    ``open_top=False`` for zero pressure on every face.

    Examples
    --------
    >>> from solvers.obstacles import box
    >>> g = box((8, 8)); g.bc, int(g.solid.sum())
    ((('neumann', 'neumann'), ('neumann', 'dirichlet')), 0)
    """
    import numpy as np

    shape, _ = _grid(shape)
    return Geometry("box", np.zeros(shape, dtype=bool), _open_top(len(shape), open_top))


def box_with_ball(shape: Sequence[int], *, center: Sequence[float] | None = None, radius: float = 0.2,
                  open_top: bool = True) -> Geometry:
    """The box with a solid disc (2D) or sphere (3D) of ``radius`` (unit-box lengths), centred at
    ``center`` (the middle by default).

    Examples
    --------
    >>> from solvers.obstacles import box_with_ball
    >>> geometry = box_with_ball((32, 32))
    >>> geometry.grid_shape, int(geometry.solid.sum())
    ((32, 32), 124)
    """
    shape, coords = _grid(shape)
    center = (0.5,) * len(shape) if center is None else tuple(float(c) for c in center)
    if len(center) != len(shape) or not radius > 0:
        raise ValueError("center needs one coordinate per axis and radius must be > 0")
    distance = sum((c - x0) ** 2 for c, x0 in zip(coords, center))
    return Geometry("disc" if len(shape) == 2 else "sphere", distance <= radius**2, _open_top(len(shape), open_top))


def random_boxes(shape: Sequence[int], *, n_boxes: int = 4, size: tuple[float, float] = (0.1, 0.3), seed: int = 0,
                 open_top: bool = True) -> Geometry:
    """The box with ``n_boxes`` axis-aligned solid boxes of random position and edge length in ``size``.

    Examples
    --------
    >>> from solvers.obstacles import random_boxes
    >>> geometry = random_boxes((32, 32), n_boxes=3, seed=1)
    >>> geometry.grid_shape, bool(geometry.solid.any())
    ((32, 32), True)
    """
    import numpy as np

    shape, coords = _grid(shape)
    rng = np.random.default_rng(seed)
    solid = np.zeros(shape, dtype=bool)
    for _ in range(int(n_boxes)):
        edges = rng.uniform(*size, len(shape))
        low = rng.uniform(0.05, 0.95 - edges)
        inside = np.ones(shape, dtype=bool)
        for c, lo, e in zip(coords, low, edges):
            inside &= (c >= lo) & (c <= lo + e)
        solid |= inside
    return Geometry("random-boxes", solid, _open_top(len(shape), open_top))


def open_tank(shape: Sequence[int], *, wall: int = 2) -> Geometry:
    """A tank: solid walls ``wall`` cells thick on the sides and the bottom, open at the top.

    Examples
    --------
    >>> from solvers.obstacles import open_tank
    >>> tank = open_tank((16, 16), wall=2)
    >>> bool(tank.solid[:2].all()), bool(tank.solid[4:12, -1].any())   # side wall; open at the top
    (True, False)
    """
    import numpy as np

    shape, _ = _grid(shape)
    solid = np.zeros(shape, dtype=bool)
    w = int(wall)
    if not 1 <= w < min(shape) // 2:
        raise ValueError(f"wall must be between 1 and half the grid, got {wall}")
    for axis in range(len(shape) - 1):
        solid[_index(axis, len(shape), slice(0, w))] = True
        solid[_index(axis, len(shape), slice(shape[axis] - w, None))] = True
    solid[_index(len(shape) - 1, len(shape), slice(0, w))] = True
    return Geometry("tank", solid, _open_top(len(shape), True))


def smooth_rhs(geometry: Geometry, *, sigma_cells: float | None = None, center: Sequence[float] | None = None,
               backend: str = "numpy"):
    """A smooth right-hand side: a Gaussian of width ``sigma_cells`` (``n/16`` by default) centred at
    ``center`` (default: a quarter below the top and a quarter from the low side across, off the
    symmetry axes of the geometries), zero on solid cells.

    Examples
    --------
    >>> from solvers.obstacles import box_with_ball, smooth_rhs
    >>> geometry = box_with_ball((32, 32))
    >>> b = smooth_rhs(geometry)
    >>> b.shape, float(abs(b[geometry.solid]).max())                # zero on the solid disc
    ((32, 32), 0.0)
    """
    import numpy as np

    from sciml.backend import to_backend

    shape, coords = _grid(geometry.grid_shape)
    n = min(shape)
    sigma = (n / 16 if sigma_cells is None else float(sigma_cells)) / n
    center = tuple([0.25] * (len(shape) - 1) + [0.75]) if center is None else tuple(center)
    bump = np.exp(-sum((c - x0) ** 2 for c, x0 in zip(coords, center)) / (2 * sigma**2))
    bump[np.asarray(geometry.solid)] = 0.0
    return to_backend(bump, backend)
