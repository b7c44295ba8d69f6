"""The base of the grid operators: :class:`GridOperator`.

A grid operator is a square matrix on the cell values of a :class:`solvers.Grid` with boundary
conditions :class:`solvers.BoundaryConditions`.  The base owns what every operator shares: the
grid and boundary, ``shape`` and ``dtype``, the matrix-free apply on any array-API backend, the
sparse assembly (built once per operator and backend, then cached), the diagonal (cached), and
immutability.  A subclass implements three hooks (the template-method pattern of scipy's
``integrate._ivp.base.OdeSolver``: public methods here, private hooks there):

* ``_apply(v, xp)``: the operator on a grid function ``v`` (shape ``grid_shape``, already in the
  compute dtype, homogeneous boundary data), on the namespace ``xp`` of ``v``;
* ``_diagonal()``: the diagonal as a flat float64 array on :attr:`GridOperator.backend`;
* ``_assemble(variant)``: the float64 scipy CSR matrix (``variant`` is ``"full"`` unless the
  subclass's ``to_sparse`` offers others);

and ``_replace(**changes)``, a new operator with some constructor arguments changed.
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace, backend_name, namespace_for, scipy_like, to_backend

from ._stencils import _grid_function
from .boundary import BoundaryConditions
from .grid import Grid

__all__ = ["GridOperator"]

SPARSE_BACKENDS = ("numpy", "cupy")


def _dtype(dtype: Any):
    """``dtype`` (a name, numpy dtype or any library's float32 / float64) as a numpy dtype."""
    import numpy as np

    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = np.dtype(str(dtype).rsplit(".", 1)[-1]) if str(dtype).endswith(("float32", "float64")) else None
    if resolved is None or resolved not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return resolved


def _read_only(x: Any) -> Any:
    """``x`` itself, made read-only where the library allows it (numpy)."""
    import numpy as np

    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x


def _sparse_on(matrix, backend: str, format: str):
    """A scipy matrix as ``format`` on ``backend`` (``"numpy"``: scipy, ``"cupy"``: cupyx)."""
    if backend not in SPARSE_BACKENDS:
        raise ValueError(f"sparse assembly needs backend 'numpy' or 'cupy', got {backend!r}")
    if backend == "cupy":
        matrix = scipy_like(namespace_for("cupy")).sparse.csr_matrix(matrix)
    return matrix.asformat(format)


class _FrozenAfterInit(type):
    """Metaclass: an instance becomes immutable once the outermost ``__init__`` has returned."""

    def __call__(cls, *args, **kwargs):
        instance = super().__call__(*args, **kwargs)
        object.__setattr__(instance, "_frozen", True)
        return instance


class GridOperator(metaclass=_FrozenAfterInit):
    """Base class of the linear operators on a cell-centred grid (not instantiated itself).

    Parameters
    ----------
    grid : Grid
    bc : str, sequence, dict or BoundaryConditions
        The boundary specification, any form :meth:`BoundaryConditions.coerce` takes.
    dtype : {"float64", "float32"}
        The operator's precision: its sparse matrix and diagonal have this dtype, and
        :meth:`matvec` computes in the promoted type of ``dtype`` and the input's.

    Attributes
    ----------
    grid : Grid
    boundary : BoundaryConditions
    dtype : numpy.dtype
    grid_shape, domain, spacing, ndim, size
        Of the grid.
    shape : (N, N)
        Shape as a matrix, ``N = prod(grid_shape)``; flat vectors use C order.
    solid : array or None
        The solid-cell mask of operators that have one.

    Notes
    -----
    Operators are immutable: assigning an attribute raises AttributeError; build a new operator
    instead (:meth:`with_boundary`, :meth:`with_dtype`, or a subclass's ``with_solid`` /
    ``with_coefficient``).  Arrays an operator returns from caches (:meth:`to_sparse`,
    :meth:`diagonal`) are shared between calls: do not modify them in place.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Grid, GridOperator, Laplacian
    >>> A = Laplacian(Grid((4, 4)), bc={"x": "periodic", "y": "neumann"})
    >>> isinstance(A, GridOperator), A.shape, A.dtype
    (True, (16, 16), dtype('float64'))
    >>> A.to_sparse() is A.to_sparse()          # assembled once
    True
    >>> A.with_dtype("float32").matvec(np.ones((4, 4), dtype=np.float32)).dtype
    dtype('float32')
    >>> A.spacing = (1.0, 1.0)
    Traceback (most recent call last):
    ...
    AttributeError: Laplacian is immutable (cannot set 'spacing'): build a new operator, e.g. A.with_boundary(bc)
    """

    _frozen = False
    _rebuild_hint = "A.with_boundary(bc)"

    def __init__(self, grid: Grid, bc: Any = "dirichlet", *, dtype: Any = "float64"):
        if not isinstance(grid, Grid):
            raise TypeError(f"grid must be a solvers.Grid, got {type(grid).__name__}")
        self.grid = grid
        self.boundary = BoundaryConditions.coerce(bc, grid.dim)
        self.dtype = _dtype(dtype)
        self._cache: dict = {}

    # -- immutability ----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r}): build a new operator, "
                                 f"e.g. {self._rebuild_hint}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot delete {name!r})")

    def with_boundary(self, bc: Any) -> GridOperator:
        """The same operator with boundary conditions ``bc`` (a new operator)."""
        return self._replace(bc=bc)

    def with_dtype(self, dtype: Any) -> GridOperator:
        """The same operator in precision ``dtype`` (a new operator)."""
        return self._replace(dtype=dtype)

    # -- the grid --------------------------------------------------------------------------
    @property
    def grid_shape(self) -> tuple[int, ...]:
        """Shape of a grid function."""
        return self.grid.shape

    @property
    def domain(self) -> tuple[tuple[float, float], ...]:
        return self.grid.domain

    @property
    def spacing(self) -> tuple[float, ...]:
        return self.grid.spacing

    @property
    def ndim(self) -> int:
        """Number of grid axes."""
        return self.grid.dim

    @property
    def size(self) -> int:
        return self.grid.size

    @property
    def shape(self) -> tuple[int, int]:
        return (self.grid.size, self.grid.size)

    @property
    def bc(self) -> tuple:
        """The boundary kinds per axis (a str, or a ``(low, high)`` pair where the faces differ)."""
        return self.boundary.per_axis()

    @property
    def singular(self) -> bool:
        """True when the operator has a null space (:attr:`nullspace_size` > 0): no Dirichlet face for
        a Laplacian, a closed fluid region for an obstacle operator."""
        return self.nullspace_size > 0

    # -- the null space ---------------------------------------------------------------------
    @property
    def nullspace_components(self) -> Any:
        """Labels of the closed components: a read-only numpy int64 array of shape ``grid_shape``,
        ``k = 1..K`` on the cells of the ``k``-th connected (fluid) component that touches no
        Dirichlet face, 0 elsewhere.  The null space of the operator is spanned by the indicator
        vectors of these components (the constants on each).  Computed once per operator.

        Examples
        --------
        >>> from solvers import Laplacian
        >>> int(Laplacian((4, 4), bc="neumann").nullspace_components.max())
        1
        >>> int(Laplacian((4, 4), bc={"x": "periodic", "y-": "neumann", "y+": "dirichlet"}).nullspace_size)
        0
        """
        if "nullspace" not in self._cache:
            self._cache["nullspace"] = _read_only(self._nullspace_labels())
        return self._cache["nullspace"]

    @property
    def nullspace_size(self) -> int:
        """The number ``K`` of closed components (the dimension of the null space).

        Examples
        --------
        >>> from solvers import Laplacian
        >>> Laplacian((4, 4), bc="periodic").nullspace_size, Laplacian((4, 4)).nullspace_size
        (1, 0)
        """
        if "nullspace_counts" not in self._cache:
            import numpy as np

            counts = np.bincount(self.nullspace_components.ravel())[1:]
            self._cache["nullspace_counts"] = _read_only(counts)
        return int(self._cache["nullspace_counts"].size)

    def component_means(self, b: Any) -> Any:
        """The mean of ``b`` (shape ``grid_shape`` or ``(N,)``, any backend) on each closed
        component: a numpy float64 array of length :attr:`nullspace_size`.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import Laplacian
        >>> Laplacian((4, 4), bc="neumann").component_means(np.arange(16.0))
        array([7.5])
        """
        import numpy as np

        from sciml.backend import to_numpy

        xp, v, _ = _grid_function(b, self.size, self.grid_shape)
        flat = xp.reshape(v, (self.size,))
        if self.nullspace_size == 0:
            return np.zeros(0)
        counts = self._cache["nullspace_counts"]
        labels = self._nullspace_on(xp)
        if backend_name(xp) in SPARSE_BACKENDS:
            sums = xp.bincount(labels, weights=xp.astype(flat, xp.float64), minlength=counts.size + 1)[1:]
            return to_numpy(sums) / counts
        sums = [float(xp.sum(xp.where(labels == k, xp.astype(flat, xp.float64), 0.0))) for k in range(1, counts.size + 1)]
        return np.asarray(sums) / counts

    def project_range(self, b: Any) -> Any:
        """``b`` projected onto the range of the operator: its mean subtracted on each closed
        component (:attr:`nullspace_components`), unchanged elsewhere.  The orthogonal projection
        (the operator is symmetric); ``b`` itself is returned when there is no null space.

        Parameters
        ----------
        b : array
            Shape ``grid_shape`` or ``(N,)``, any array-API backend; the result has its shape,
            backend and dtype (the means are accumulated in float64).

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import Laplacian
        >>> A = Laplacian((4, 4), bc="neumann")
        >>> p = A.project_range(np.arange(16.0).reshape(4, 4))
        >>> float(abs(p.mean())) < 1e-15, bool(np.allclose(A.matvec(np.ones(16)), 0.0))
        (True, True)
        """
        if self.nullspace_size == 0:
            return b
        xp, v, flat = _grid_function(b, self.size, self.grid_shape)
        means = xp.astype(to_backend(self.component_means(b), backend_name(xp)), v.dtype)
        padded = xp.concat([xp.zeros((1,), dtype=v.dtype), means])
        out = xp.reshape(v, (self.size,)) - xp.take(padded, self._nullspace_on(xp))
        return out if flat else xp.reshape(out, self.grid_shape)

    def _nullspace_on(self, xp) -> Any:
        """The flat labels on the backend of ``xp`` (cached)."""
        key = ("nullspace", backend_name(xp))
        if key not in self._cache:
            self._cache[key] = to_backend(self.nullspace_components.ravel(), backend_name(xp))
        return self._cache[key]

    def _nullspace_labels(self) -> Any:
        """Hook: the labels of :attr:`nullspace_components` (here: the whole grid when no face is
        Dirichlet, the constants being the null space of a divergence-form operator)."""
        import numpy as np

        return np.full(self.grid_shape, 1 if self.boundary.singular else 0, dtype=np.int64)

    @property
    def solid(self) -> Any:
        """The solid-cell mask, or None for operators without one."""
        return None

    @property
    def backend(self) -> str:
        """Where the operator's arrays live: the default backend of :meth:`diagonal`, :meth:`to_sparse`
        and :meth:`cell_centers`.  :meth:`matvec` works on any backend."""
        return "numpy"

    def cell_centers(self, *, backend: str | None = None) -> tuple[Any, ...]:
        """Cell-centre coordinates, one array per axis shaped to broadcast into the grid."""
        return self.grid.cell_centers(backend=self.backend if backend is None else backend)

    # -- matrix-free apply -------------------------------------------------------------------
    def matvec(self, u: Any) -> Any:
        """Apply the operator (homogeneous boundary data) to ``u``.

        ``u`` has shape ``grid_shape`` or ``(N,)`` on any array-API backend; the result has the
        same shape and backend, and the dtype promoted from ``u``'s and the operator's (integer
        input is taken in the operator's dtype).
        """
        xp, v, flat = _grid_function(u, self.size, self.grid_shape)
        dtype = self._compute_dtype(xp, v.dtype)
        if v.dtype != dtype:
            v = xp.astype(v, dtype)
        out = self._apply(v, xp)
        return xp.reshape(out, (self.size,)) if flat else out

    def __call__(self, u: Any) -> Any:
        return self.matvec(u)

    def __matmul__(self, u: Any) -> Any:
        return self.matvec(u)

    def _compute_dtype(self, xp, dtype):
        import numpy as np

        if xp.isdtype(dtype, "real floating"):
            name = np.promote_types(_dtype(dtype), self.dtype).name
        elif xp.isdtype(dtype, ("integral", "bool")):
            name = self.dtype.name
        else:
            raise TypeError(f"u must be a real array, got dtype {dtype}")
        return getattr(xp, name)

    def _on(self, name: str, array: Any, xp, dtype) -> Any:
        """The stored ``array`` on the backend of ``xp`` in ``dtype``, converted once and cached."""
        key = ("array", name, backend_name(xp), str(dtype))
        if key not in self._cache:
            moved = to_backend(array, backend_name(xp))
            self._cache[key] = moved if moved.dtype == dtype else xp.astype(moved, dtype)
        return self._cache[key]

    # -- diagonal and assembly ---------------------------------------------------------------
    def diagonal(self, *, backend: str | None = None) -> Any:
        """The diagonal as a flat array of the operator's dtype (for Jacobi preconditioning), cached.

        Examples
        --------
        >>> from solvers import Laplacian
        >>> Laplacian(4, dim=1).diagonal() / 16
        array([3., 2., 2., 3.])
        """
        backend = self.backend if backend is None else backend
        key = ("diagonal", backend)
        if key not in self._cache:
            diag = to_backend(self._diagonal(), backend)
            xp = array_namespace(diag)
            dtype = getattr(xp, self.dtype.name)
            self._cache[key] = _read_only(diag if diag.dtype == dtype else xp.astype(diag, dtype))
        return self._cache[key]

    def to_sparse(self, *, backend: str | None = None, format: str = "csr"):
        """The assembled matrix: scipy (``backend="numpy"``) or cupyx (``"cupy"``) sparse, of the
        operator's dtype.  Built once per operator, backend and format: later calls return the
        same (shared) object.

        Examples
        --------
        >>> from solvers import Laplacian
        >>> A = Laplacian(3, dim=1, bc="neumann")
        >>> A.to_sparse().toarray() / 9
        array([[ 1., -1.,  0.],
               [-1.,  2., -1.],
               [ 0., -1.,  1.]])
        """
        return self._sparse("full", backend, format)

    def _sparse(self, variant: str, backend: str | None, format: str):
        backend = self.backend if backend is None else backend
        if backend not in SPARSE_BACKENDS:
            raise ValueError(f"sparse assembly needs backend 'numpy' or 'cupy', got {backend!r}")
        key = ("sparse", variant, backend, format)
        if key not in self._cache:
            host_key = ("sparse", variant, "numpy", "csr")
            if host_key not in self._cache:
                matrix = self._assemble(variant).tocsr()
                self._cache[host_key] = matrix if matrix.dtype == self.dtype else matrix.astype(self.dtype)
            self._cache[key] = _sparse_on(self._cache[host_key], backend, format)
        return self._cache[key]

    # -- hooks -------------------------------------------------------------------------------
    def _apply(self, v: Any, xp) -> Any:
        raise NotImplementedError

    def _diagonal(self) -> Any:
        raise NotImplementedError

    def _assemble(self, variant: str):
        raise NotImplementedError

    def _replace(self, **changes: Any) -> GridOperator:
        raise NotImplementedError
