"""The finite-difference Laplacian ``-Δ_h`` on a uniform cell-centred grid in 1, 2 and 3 dimensions.

The unknowns sit at cell centres ``a + (i + 1/2) h``.  Boundary conditions act at the cell faces
on the domain boundary through a ghost cell:

* Dirichlet ``u = g``: ghost ``= 2g - u_0`` (the boundary row gets ``3/h²`` on the diagonal and
  ``2g/h²`` in the right-hand side);
* Neumann ``∂u/∂n = g`` (outward): ghost ``= u_0 + h g`` (``g/h`` in the right-hand side);
* periodic: the ghost is the cell on the other side.

Both give second-order accurate solutions and a symmetric matrix.  The operator is the *negative*
Laplacian ``A = -Δ_h``, symmetric positive definite when any face is Dirichlet (semi-definite, with
the constants as null space, otherwise), so it goes into :func:`solvers.cg` as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import namespace_for

from ._stencils import BOUNDARY_FACE_WEIGHT, _slice
from .grid import Grid
from .grid_operator import GridOperator

__all__ = ["Laplacian"]


def _as_grid(shape: Any, dim: int | None, domain: Any) -> Grid:
    """The one conversion of the ``(shape, dim=, domain=)`` keywords to a :class:`Grid`."""
    if isinstance(shape, Grid):
        if dim is not None and int(dim) != shape.dim:
            raise ValueError(f"dim={dim} does not match the {shape.dim}-dimensional grid")
        if domain is not None:
            raise ValueError("give the domain in the Grid, not as domain=, when passing a Grid")
        return shape
    if isinstance(shape, int):
        if dim is None:
            raise ValueError("pass dim= when shape is an int")
        shape = (shape,) * int(dim)
    shape = tuple(int(n) for n in shape)
    if dim is not None and int(dim) != len(shape):
        raise ValueError(f"dim={dim} does not match shape {shape}")
    return Grid(shape, domain=domain)


class Laplacian(GridOperator):
    """Negative Laplacian ``-Δ_h`` on a cell-centred grid, matrix-free or assembled.

    Parameters
    ----------
    shape : Grid, int or sequence of int
        The grid, or cells per axis (1 to 3 axes, at least 2 cells each; an int with ``dim``).
    dim : int, optional
        Number of axes when ``shape`` is an int.
    domain : sequence of (a, b), optional
        The box when ``shape`` is not a Grid; the unit box by default.
    bc : str, sequence, dict or BoundaryConditions
        The boundary conditions (:mod:`solvers.boundary`): ``"dirichlet"``, ``"neumann"`` or
        ``"periodic"`` for every face, per axis (a kind or a ``(low, high)`` pair), or by face.
    dtype : {"float64", "float32"}

    Attributes
    ----------
    See :class:`solvers.GridOperator`; ``singular`` is True when no face is Dirichlet.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian
    >>> A = Laplacian(4, dim=1, bc="dirichlet")
    >>> A.to_sparse().toarray() / 16
    array([[ 3., -1.,  0.,  0.],
           [-1.,  2., -1.,  0.],
           [ 0., -1.,  2., -1.],
           [ 0.,  0., -1.,  3.]])
    >>> u = np.ones((4,))
    >>> A.matvec(u) / 16       # only the boundary rows see the zero boundary value
    array([2., 0., 0., 2.])
    >>> Laplacian(4, dim=1, bc={"x-": "dirichlet", "x+": "neumann"}).diagonal() / 16
    array([3., 2., 2., 1.])
    """

    def __init__(self, shape: Grid | int | Sequence[int], *, dim: int | None = None,
                 domain: Sequence[tuple[float, float]] | None = None, bc: Any = "dirichlet", dtype: Any = "float64"):
        super().__init__(_as_grid(shape, dim, domain), bc, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.grid_shape}, domain={self.domain}, bc={self.bc})"

    def _replace(self, **changes: Any) -> Laplacian:
        arguments = {"bc": self.boundary, "dtype": self.dtype, **changes}
        return Laplacian(self.grid, **arguments)

    # -- hooks -----------------------------------------------------------------------------
    def _apply(self, v: Any, xp) -> Any:
        d, out = self.ndim, None
        for axis, (n, h, (low, high)) in enumerate(zip(self.grid_shape, self.spacing, self.boundary.kinds)):
            first = v[_slice(axis, d, slice(0, 1))]
            last = v[_slice(axis, d, slice(n - 1, n))]
            left = -first if low == "dirichlet" else first if low == "neumann" else last
            right = -last if high == "dirichlet" else last if high == "neumann" else first
            padded = xp.concat([left, v, right], axis=axis)
            term = (2.0 * v - padded[_slice(axis, d, slice(0, n))] - padded[_slice(axis, d, slice(2, n + 2))]) / (h * h)
            out = term if out is None else out + term
        return out

    def _ends(self, axis: int) -> list[float]:
        """The diagonal of the 1D operator along ``axis``, times ``h²``."""
        n, (low, high) = self.grid_shape[axis], self.boundary.kinds[axis]
        main = [2.0] * n
        end = {kind: 1.0 + weight for kind, weight in BOUNDARY_FACE_WEIGHT.items()} | {"periodic": 2.0}
        main[0], main[-1] = end[low], end[high]
        return main

    def _diagonal(self) -> Any:
        xp = namespace_for("numpy")
        diag = None
        for axis, (n, h) in enumerate(zip(self.grid_shape, self.spacing)):
            line = [value / (h * h) for value in self._ends(axis)]
            shape = [1] * self.ndim
            shape[axis] = n
            term = xp.reshape(xp.asarray(line, dtype=xp.float64), tuple(shape))
            diag = term if diag is None else diag + term
        return xp.reshape(xp.broadcast_to(diag, self.grid_shape), (self.size,))

    def _matrix_1d(self, axis: int):
        import scipy.sparse as sp

        n, h = self.grid_shape[axis], self.spacing[axis]
        matrix = sp.diags([[-1.0] * (n - 1), self._ends(axis), [-1.0] * (n - 1)], [-1, 0, 1], format="lil")
        if self.boundary.is_periodic[axis]:
            matrix[0, n - 1] += -1.0
            matrix[n - 1, 0] += -1.0
        return (matrix / (h * h)).tocsr()

    def _assemble(self, variant: str):
        """The Kronecker sum ``Σ_k I ⊗ T_k ⊗ I`` of the 1D matrices (``3n`` entries each)."""
        import scipy.sparse as sparse

        total = None
        for axis in range(self.ndim):
            term = self._matrix_1d(axis)
            before = math.prod(self.grid_shape[:axis])
            after = math.prod(self.grid_shape[axis + 1:])
            if before > 1:
                term = sparse.kron(sparse.identity(before, format="csr"), term, format="csr")
            if after > 1:
                term = sparse.kron(term, sparse.identity(after, format="csr"), format="csr")
            total = term if total is None else total + term
        return total

    # -- boundary data ---------------------------------------------------------------------
    def boundary_rhs(self, data: Callable[..., Any] | None = None, *, backend: str | None = None) -> Any:
        """Right-hand-side contribution of inhomogeneous boundary data.

        Parameters
        ----------
        data : callable, optional
            ``data(x1, ..., xd)`` on face-centre coordinates gives the boundary data of each
            face's kind: the value on Dirichlet faces, the outward normal derivative on Neumann
            faces (e.g. :meth:`validation.exact.ExactSolution.boundary`).  By default the values
            of the boundary specification (:attr:`boundary`).  Periodic faces have no data.
        backend : str, optional
            Where the result lives (the operator's backend by default).

        Returns
        -------
        array of shape ``grid_shape``
            Add it to the source: ``A u = f + boundary_rhs(g)``.

        Examples
        --------
        >>> from solvers import Laplacian
        >>> A = Laplacian(4, dim=1, bc={"x-": ("dirichlet", 1.0), "x+": ("neumann", 2.0)})
        >>> A.boundary_rhs()             # 2g/h² on the left, g/h on the right
        array([32.,  0.,  0.,  8.])
        """
        backend = self.backend if backend is None else backend
        xp = namespace_for(backend)
        total = xp.zeros(self.grid_shape, dtype=xp.float64)
        for axis, (n, h, kinds) in enumerate(zip(self.grid_shape, self.spacing, self.boundary.kinds)):
            face_shape = list(self.grid_shape)
            face_shape[axis] = 1
            zeros = xp.zeros(tuple(face_shape[:axis] + [n - 1] + face_shape[axis + 1:]), dtype=xp.float64)
            for side, kind in enumerate(kinds):
                if kind == "periodic":
                    continue
                scale = 2.0 / (h * h) if kind == "dirichlet" else 1.0 / h
                if data is None:
                    values = self.boundary.face_values(self.grid, (axis, side), backend=backend)
                else:
                    coords = self.grid.face_centers(axis, side, backend=backend)
                    values = xp.broadcast_to(xp.asarray(data(*coords), dtype=xp.float64), tuple(face_shape))
                parts = [scale * values, zeros] if side == 0 else [zeros, scale * values]
                total = total + xp.concat(parts, axis=axis)
        return total if self.dtype.name == "float64" else xp.astype(total, getattr(xp, self.dtype.name))
