"""Finite-difference Laplacians on uniform cell-centred grids in 1, 2 and 3 dimensions.

The unknowns sit at cell centres ``a + (i + 1/2) h``.  Boundary conditions act at the
cell faces on the domain boundary through a ghost cell:

* Dirichlet ``u = g``: ghost ``= 2g - u_0`` (the boundary row gets ``3/h²`` on the
  diagonal and ``2g/h²`` in the right-hand side);
* Neumann ``∂u/∂n = g`` (outward): ghost ``= u_0 + h g`` (``g/h`` in the right-hand side);
* periodic: the ghost is the cell on the other side.

Both give second-order accurate solutions and a symmetric matrix.  The operator is the
*negative* Laplacian ``A = -Δ_h``, symmetric positive definite when any axis is
Dirichlet (semi-definite, with the constants as null space, otherwise), so it goes into
:func:`solvers.cg` as it is.  The grid layout (cells, faces, spacing) is the one the
obstacle masks of the DCDM solver build on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace, namespace_for, scipy_like

__all__ = ["BOUNDARY_CONDITIONS", "DiffusionOperator", "Laplacian"]

BOUNDARY_CONDITIONS = ("dirichlet", "neumann", "periodic")


def _per_axis(value, dim: int, what: str) -> tuple:
    items = (value,) * dim if isinstance(value, (str, int, float)) else tuple(value)
    if len(items) != dim:
        raise ValueError(f"{what} has {len(items)} entries for a {dim}-dimensional grid")
    return items


def _slice(axis: int, dim: int, sl: slice) -> tuple:
    index = [slice(None)] * dim
    index[axis] = sl
    return tuple(index)


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


def _grid_function(u: Any, size: int, grid_shape: tuple[int, ...]):
    """``(xp, u on the grid, whether u came flat)``; a shape error names both accepted shapes."""
    xp = array_namespace(u)
    flat = tuple(u.shape) == (size,)
    if not flat and tuple(u.shape) != grid_shape:
        raise ValueError(f"u has shape {tuple(u.shape)}; expected {grid_shape} or ({size},)")
    return xp, (xp.reshape(u, grid_shape) if flat else u), flat


def _divergence_form(xp, v, faces, spacing, periodic):
    """``-Σ_axes (F_{i+1/2} - F_{i-1/2}) / h²`` with fluxes ``F = faces · (v_right - v_left)`` on the
    ``n + 1`` faces per axis; ghost values are 0 (boundary data enter through ``faces``) or, on
    periodic axes, the cell across the wrap."""
    d, out = v.ndim, None
    for axis, (face, h, wrap) in enumerate(zip(faces, spacing, periodic)):
        n = v.shape[axis]
        if wrap:
            left, right = v[_slice(axis, d, slice(n - 1, n))], v[_slice(axis, d, slice(0, 1))]
        else:
            left = right = xp.zeros_like(v[_slice(axis, d, slice(0, 1))])
        padded = xp.concat([left, v, right], axis=axis)
        flux = face * (padded[_slice(axis, d, slice(1, n + 2))] - padded[_slice(axis, d, slice(0, n + 1))])
        term = -(flux[_slice(axis, d, slice(1, n + 1))] - flux[_slice(axis, d, slice(0, n))]) / (h * h)
        out = term if out is None else out + term
    return out


def _diagonal_from_faces(faces, spacing):
    """``Σ_axes (F_{i-1/2} + F_{i+1/2}) / h²``: the diagonal of :func:`_divergence_form`, on the grid."""
    d, out = faces[0].ndim, None
    for axis, (face, h) in enumerate(zip(faces, spacing)):
        n = face.shape[axis] - 1
        term = (face[_slice(axis, d, slice(0, n))] + face[_slice(axis, d, slice(1, n + 1))]) / (h * h)
        out = term if out is None else out + term
    return out


def _sparse_from_faces(diagonal, faces, spacing, periodic):
    """The scipy CSR matrix of :func:`_divergence_form` with the given flat ``diagonal``: neighbours
    (and cells across a periodic wrap) coupled by ``-F/h²``; zero couplings are left out."""
    import numpy as np
    import scipy.sparse as sp

    from sciml.backend import to_numpy

    diagonal = to_numpy(diagonal)
    grid_shape = (faces[0].shape[0] - 1,) + tuple(faces[0].shape[1:])  # faces along axis 0 have n + 1 rows
    index = np.arange(diagonal.size).reshape(grid_shape)
    rows, cols, vals = [index.ravel()], [index.ravel()], [diagonal]
    d = index.ndim
    for axis, (face, h, wrap) in enumerate(zip(faces, spacing, periodic)):
        n = grid_shape[axis]
        weight = to_numpy(face) / (h * h)
        pairs = [(index[_slice(axis, d, slice(0, n - 1))], index[_slice(axis, d, slice(1, n))],
                  weight[_slice(axis, d, slice(1, n))])]
        if wrap:
            pairs.append((index[_slice(axis, d, slice(n - 1, n))], index[_slice(axis, d, slice(0, 1))],
                          weight[_slice(axis, d, slice(0, 1))]))
        for lo, hi, w in pairs:
            keep = w.ravel() != 0
            lo, hi, w = lo.ravel()[keep], hi.ravel()[keep], w.ravel()[keep]
            rows += [lo, hi]
            cols += [hi, lo]
            vals += [-w, -w]
    size = diagonal.size
    return sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(size, size)).tocsr()


def _sparse_on(matrix, backend: str, format: str):
    """A scipy matrix as ``format`` on ``backend`` (``"numpy"``: scipy, ``"cupy"``: cupyx)."""
    if backend not in ("numpy", "cupy"):
        raise ValueError(f"sparse assembly needs backend 'numpy' or 'cupy', got {backend!r}")
    if backend == "cupy":
        matrix = scipy_like(namespace_for("cupy")).sparse.csr_matrix(matrix)
    return matrix.asformat(format)


class Laplacian:
    """Negative Laplacian ``-Δ_h`` on a cell-centred grid, matrix-free or assembled.

    Parameters
    ----------
    shape : int or sequence of int
        Cells per axis (1 to 3 axes, at least 2 cells each).  An int with ``dim``.
    dim : int, optional
        Number of axes when ``shape`` is an int.
    domain : sequence of (a, b), optional
        The box; the unit box by default.  The spacing is ``(b - a) / n`` per axis.
    bc : str or sequence of str
        ``"dirichlet"``, ``"neumann"`` or ``"periodic"``, for all axes or per axis.

    Attributes
    ----------
    grid_shape : tuple of int
        Shape of a grid function.
    shape : (N, N)
        Shape as a matrix, ``N = prod(grid_shape)``; flat vectors use C order.
    spacing : tuple of float
    singular : bool
        True when no axis is Dirichlet (constants are in the null space).

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
    """

    def __init__(
        self,
        shape: int | Sequence[int],
        *,
        dim: int | None = None,
        domain: Sequence[tuple[float, float]] | None = None,
        bc: str | Sequence[str] = "dirichlet",
    ):
        if isinstance(shape, int):
            if dim is None:
                raise ValueError("pass dim= when shape is an int")
            shape = (shape,) * int(dim)
        self.grid_shape = tuple(int(n) for n in shape)
        d = len(self.grid_shape)
        if d not in (1, 2, 3):
            raise ValueError(f"Laplacian supports 1, 2 or 3 axes, got shape {self.grid_shape}")
        if dim is not None and int(dim) != d:
            raise ValueError(f"dim={dim} does not match shape {self.grid_shape}")
        if any(n < 2 for n in self.grid_shape):
            raise ValueError(f"need at least 2 cells per axis, got shape {self.grid_shape}")
        self.domain = box = _box(domain, d)
        self.bc = tuple(str(b).lower() for b in _per_axis(bc, d, "bc"))
        for b in self.bc:
            if b not in BOUNDARY_CONDITIONS:
                raise ValueError(f"bc must be one of {BOUNDARY_CONDITIONS}, got {b!r}")
        self.spacing = tuple((b - a) / n for (a, b), n in zip(box, self.grid_shape))
        self.size = math.prod(self.grid_shape)
        self.shape = (self.size, self.size)
        self.singular = "dirichlet" not in self.bc

    @property
    def ndim(self) -> int:
        """Number of grid axes."""
        return len(self.grid_shape)

    def __repr__(self) -> str:
        return f"Laplacian(shape={self.grid_shape}, domain={self.domain}, bc={self.bc})"

    # -- grid ----------------------------------------------------------------------------
    def cell_centers(self, *, backend: str = "numpy") -> tuple[Any, ...]:
        """Cell-centre coordinates, one array per axis shaped to broadcast into the grid.

        Examples
        --------
        >>> from solvers import Laplacian
        >>> Laplacian(4, dim=1).cell_centers()[0]
        array([0.125, 0.375, 0.625, 0.875])
        """
        return _cell_centers(namespace_for(backend), self.domain, self.grid_shape, self.spacing)

    # -- matrix-free apply -------------------------------------------------------------
    def matvec(self, u: Any) -> Any:
        """Apply ``-Δ_h`` (homogeneous boundary conditions) to ``u``.

        ``u`` has shape ``grid_shape`` or ``(N,)``; the result has the same shape and
        backend.
        """
        xp, v, flat = _grid_function(u, self.size, self.grid_shape)
        d = self.ndim
        out = None
        for axis, (n, h, bc) in enumerate(zip(self.grid_shape, self.spacing, self.bc)):
            first = v[_slice(axis, d, slice(0, 1))]
            last = v[_slice(axis, d, slice(n - 1, n))]
            if bc == "dirichlet":
                left, right = -first, -last
            elif bc == "neumann":
                left, right = first, last
            else:
                left, right = last, first
            padded = xp.concat([left, v, right], axis=axis)
            term = (2.0 * v - padded[_slice(axis, d, slice(0, n))] - padded[_slice(axis, d, slice(2, n + 2))]) / (h * h)
            out = term if out is None else out + term
        return xp.reshape(out, (self.size,)) if flat else out

    __call__ = matvec

    def __matmul__(self, u: Any) -> Any:
        return self.matvec(u)

    def diagonal(self, *, backend: str = "numpy") -> Any:
        """The diagonal of the matrix as a flat array (for Jacobi preconditioning)."""
        xp = namespace_for(backend)
        diag = None
        for axis, (n, h, bc) in enumerate(zip(self.grid_shape, self.spacing, self.bc)):
            line = [2.0 / (h * h)] * n
            if bc == "dirichlet":
                line[0] = line[-1] = 3.0 / (h * h)
            elif bc == "neumann":
                line[0] = line[-1] = 1.0 / (h * h)
            shape = [1] * self.ndim
            shape[axis] = n
            term = xp.reshape(xp.asarray(line, dtype=xp.float64), tuple(shape))
            diag = term if diag is None else diag + term
        return xp.reshape(xp.broadcast_to(diag, self.grid_shape), (self.size,))

    # -- sparse assembly ---------------------------------------------------------------
    def _matrix_1d(self, axis: int):
        import scipy.sparse as sp

        n, h, bc = self.grid_shape[axis], self.spacing[axis], self.bc[axis]
        main = [2.0] * n
        if bc == "dirichlet":
            main[0] = main[-1] = 3.0
        elif bc == "neumann":
            main[0] = main[-1] = 1.0
        matrix = sp.diags([[-1.0] * (n - 1), main, [-1.0] * (n - 1)], [-1, 0, 1], format="lil")
        if bc == "periodic":
            matrix[0, n - 1] += -1.0
            matrix[n - 1, 0] += -1.0
        return (matrix / (h * h)).tocsr()

    def to_sparse(self, *, backend: str = "numpy", format: str = "csr"):
        """Assemble the matrix as a scipy (numpy backend) or cupyx (cupy) sparse matrix.

        The 1D matrices are built on the host (they have ``3n`` entries) and the
        Kronecker sum ``Σ_k I ⊗ T_k ⊗ I`` is formed on the target backend.
        """
        if backend not in ("numpy", "cupy"):
            raise ValueError(f"sparse assembly needs backend 'numpy' or 'cupy', got {backend!r}")
        sparse = scipy_like(namespace_for(backend)).sparse
        mats = [self._matrix_1d(axis) for axis in range(self.ndim)]
        if backend == "cupy":
            mats = [sparse.csr_matrix(m) for m in mats]
        total = None
        for axis, m in enumerate(mats):
            term = m
            before = math.prod(self.grid_shape[:axis])
            after = math.prod(self.grid_shape[axis + 1 :])
            if before > 1:
                term = sparse.kron(sparse.identity(before, format="csr"), term, format="csr")
            if after > 1:
                term = sparse.kron(term, sparse.identity(after, format="csr"), format="csr")
            total = term if total is None else total + term
        return total.asformat(format)

    # -- boundary data -----------------------------------------------------------------
    def boundary_rhs(self, data: Callable[..., Any], *, backend: str = "numpy") -> Any:
        """Right-hand-side contribution of inhomogeneous boundary data.

        Parameters
        ----------
        data : callable
            ``data(x1, ..., xd)`` on face-centre coordinates returns the boundary data
            of each axis's kind: the value for Dirichlet axes, the outward normal
            derivative for Neumann axes (e.g. :meth:`validation.exact.ExactSolution.boundary`).
            Periodic axes have no boundary data.
        backend : str

        Returns
        -------
        array of shape ``grid_shape``
            Add it to the source: ``A u = f + boundary_rhs(g)``.
        """
        xp = namespace_for(backend)
        centers = self.cell_centers(backend=backend)
        d = self.ndim
        total = xp.zeros(self.grid_shape, dtype=xp.float64)
        for axis, ((a, b), n, h, bc) in enumerate(zip(self.domain, self.grid_shape, self.spacing, self.bc)):
            if bc == "periodic":
                continue
            scale = 2.0 / (h * h) if bc == "dirichlet" else 1.0 / h
            face_shape = list(self.grid_shape)
            face_shape[axis] = 1
            zeros = xp.zeros(tuple(face_shape[:axis] + [n - 1] + face_shape[axis + 1 :]), dtype=xp.float64)
            for position, face in ((0, a), (1, b)):
                coords = list(centers)
                coords[axis] = xp.full([1] * d, face, dtype=xp.float64)
                values = xp.broadcast_to(xp.asarray(data(*coords), dtype=xp.float64), tuple(face_shape))
                parts = [scale * values, zeros] if position == 0 else [zeros, scale * values]
                total = total + xp.concat(parts, axis=axis)
        return total


class DiffusionOperator(Laplacian):
    """Variable-coefficient operator ``-∇·(a ∇u)`` by cell-centred finite volumes.

    ``a`` is given at the cell centres; the coefficient on a face between two cells is the
    harmonic mean of theirs (exact flux continuity for piecewise-constant media, second
    order for smooth ``a``).  Boundary faces use the adjacent cell's value with the same
    ghost-cell treatment as :class:`Laplacian` (Dirichlet: ``2a/h²`` on the diagonal;
    Neumann: no flux; periodic: the harmonic mean across the wrap).  With ``a ≡ 1`` it is
    :class:`Laplacian`.  Symmetric positive definite with any Dirichlet axis.

    Parameters
    ----------
    coefficient : array
        Positive, finite values of shape ``grid_shape`` (1 to 3 axes, numpy or cupy).
    domain, bc
        As for :class:`Laplacian`.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import DiffusionOperator, Laplacian
    >>> a = np.full((4, 4), 2.0)
    >>> A, L = DiffusionOperator(a), Laplacian((4, 4))
    >>> bool(np.allclose(A.to_sparse().toarray(), 2.0 * L.to_sparse().toarray()))
    True
    """

    def __init__(self, coefficient: Any, *, domain: Sequence[tuple[float, float]] | None = None,
                 bc: str | Sequence[str] = "dirichlet"):
        xp = array_namespace(coefficient)
        a = xp.asarray(coefficient, dtype=xp.float64)
        super().__init__(tuple(a.shape), domain=domain, bc=bc)
        if not bool(xp.all(xp.isfinite(a))):
            raise ValueError("the coefficient contains NaN or infinite values")
        if not bool(xp.all(a > 0)):
            raise ValueError("the coefficient must be positive everywhere")
        self.coefficient = a
        self._faces = [self.face_coefficients(axis) for axis in range(self.ndim)]

    def __repr__(self) -> str:
        return f"DiffusionOperator(shape={self.grid_shape}, domain={self.domain}, bc={self.bc})"

    def face_coefficients(self, axis: int) -> Any:
        """Coefficients on the ``n + 1`` faces along ``axis`` (boundary faces included),
        already scaled as they enter the flux: ``2a`` on Dirichlet faces, 0 on Neumann faces."""
        xp = array_namespace(self.coefficient)
        a, d, n, bc = self.coefficient, self.ndim, self.grid_shape[axis], self.bc[axis]
        first, last = a[_slice(axis, d, slice(0, 1))], a[_slice(axis, d, slice(n - 1, n))]
        lo, hi = a[_slice(axis, d, slice(0, n - 1))], a[_slice(axis, d, slice(1, n))]
        inner = 2.0 * lo * hi / (lo + hi)
        if bc == "dirichlet":
            left, right = 2.0 * first, 2.0 * last
        elif bc == "neumann":
            left, right = 0.0 * first, 0.0 * last
        else:
            left = right = 2.0 * first * last / (first + last)
        return xp.concat([left, inner, right], axis=axis)

    def matvec(self, u: Any) -> Any:
        """Apply ``-∇·(a∇u)`` (homogeneous boundary conditions); shapes as :meth:`Laplacian.matvec`."""
        xp, v, flat = _grid_function(u, self.size, self.grid_shape)
        out = _divergence_form(xp, v, self._faces, self.spacing, [bc == "periodic" for bc in self.bc])
        return xp.reshape(out, (self.size,)) if flat else out

    __call__ = matvec

    def diagonal(self, *, backend: str | None = None) -> Any:
        """The diagonal as a flat array (on the coefficient's backend unless ``backend`` is given)."""
        from sciml.backend import to_backend

        xp = array_namespace(self.coefficient)
        diag = xp.reshape(_diagonal_from_faces(self._faces, self.spacing), (self.size,))
        return diag if backend is None else to_backend(diag, backend)

    def to_sparse(self, *, backend: str | None = None, format: str = "csr"):
        """Assemble as a scipy (numpy coefficient) or cupyx (cupy coefficient) sparse matrix."""
        from sciml.backend import backend_name

        matrix = _sparse_from_faces(self.diagonal(), self._faces, self.spacing, [bc == "periodic" for bc in self.bc])
        return _sparse_on(matrix, backend_name(self.coefficient) if backend is None else backend, format)

    def boundary_rhs(self, data: Callable[..., Any], *, backend: str | None = None) -> Any:
        """Right-hand side of inhomogeneous boundary data (see :meth:`Laplacian.boundary_rhs`),
        scaled by the coefficient of the boundary cells."""
        from sciml.backend import backend_name

        backend = backend_name(self.coefficient) if backend is None else backend
        return self.coefficient * super().boundary_rhs(data, backend=backend)
