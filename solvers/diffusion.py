"""The variable-coefficient operator ``-∇·(a ∇u)`` by cell-centred finite volumes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace, backend_name

from ._stencils import _diagonal_from_faces, _divergence_form, _slice, _sparse_from_faces
from .grid import Grid
from .grid_operator import _read_only
from .laplacian import Laplacian

__all__ = ["DiffusionOperator"]


class DiffusionOperator(Laplacian):
    """Variable-coefficient operator ``-∇·(a ∇u)`` by cell-centred finite volumes.

    ``a`` is given at the cell centres; the coefficient on a face between two cells is the
    harmonic mean of theirs (exact flux continuity for piecewise-constant media, second
    order for smooth ``a``).  Boundary faces use the adjacent cell's value with the same
    ghost-cell treatment as :class:`Laplacian` (Dirichlet: ``2a/h²`` on the diagonal;
    Neumann: no flux; periodic: the harmonic mean across the wrap).  With ``a ≡ 1`` it is
    :class:`Laplacian`.  Symmetric positive definite with any Dirichlet face.

    Parameters
    ----------
    coefficient : array
        Positive, finite values of shape ``grid_shape`` (1 to 3 axes, numpy or cupy; the
        operator lives on that backend).  The operator keeps a read-only float64 copy.
    grid : Grid, optional
        The grid (its shape must be the coefficient's); else the coefficient's shape on ``domain``.
    domain, bc, dtype
        As for :class:`Laplacian`.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import DiffusionOperator, Laplacian
    >>> a = np.full((4, 4), 2.0)
    >>> A, L = DiffusionOperator(a), Laplacian((4, 4))
    >>> bool(np.allclose(A.to_sparse().toarray(), 2.0 * L.to_sparse().toarray()))
    True
    >>> B = A.with_coefficient(np.ones((4, 4)))      # a new operator; A is unchanged
    >>> bool(np.allclose(B.to_sparse().toarray(), L.to_sparse().toarray()))
    True
    """

    _rebuild_hint = "A.with_coefficient(a) or A.with_boundary(bc)"

    def __init__(self, coefficient: Any, *, grid: Grid | None = None,
                 domain: Sequence[tuple[float, float]] | None = None, bc: Any = "dirichlet", dtype: Any = "float64"):
        xp = array_namespace(coefficient)
        a = xp.asarray(coefficient, dtype=xp.float64, copy=True)
        if grid is None:
            grid = Grid(tuple(a.shape), domain=domain)
        elif domain is not None:
            raise ValueError("give the domain in the Grid, not as domain=, when passing grid=")
        elif tuple(a.shape) != grid.shape:
            raise ValueError(f"the coefficient has shape {tuple(a.shape)} but the grid has shape {grid.shape}")
        super().__init__(grid, bc=bc, dtype=dtype)
        if not bool(xp.all(xp.isfinite(a))):
            raise ValueError("the coefficient contains NaN or infinite values")
        if not bool(xp.all(a > 0)):
            raise ValueError("the coefficient must be positive everywhere")
        self.coefficient = _read_only(a)
        self._face_weights = [_read_only(self.face_coefficients(axis)) for axis in range(self.ndim)]

    @property
    def backend(self) -> str:
        return backend_name(self.coefficient)

    def _replace(self, **changes: Any) -> DiffusionOperator:
        arguments = {"bc": self.boundary, "dtype": self.dtype, **changes}
        coefficient = arguments.pop("coefficient", self.coefficient)
        return DiffusionOperator(coefficient, grid=self.grid, **arguments)

    def with_coefficient(self, coefficient: Any) -> DiffusionOperator:
        """The operator with a new coefficient of the same shape (grid, boundary and dtype kept)."""
        return self._replace(coefficient=coefficient)

    def face_coefficients(self, axis: int) -> Any:
        """Coefficients on the ``n + 1`` faces along ``axis`` (boundary faces included),
        already scaled as they enter the flux: ``2a`` on Dirichlet faces, 0 on Neumann faces."""
        xp = array_namespace(self.coefficient)
        a, d, n = self.coefficient, self.ndim, self.grid_shape[axis]
        first, last = a[_slice(axis, d, slice(0, 1))], a[_slice(axis, d, slice(n - 1, n))]
        lo, hi = a[_slice(axis, d, slice(0, n - 1))], a[_slice(axis, d, slice(1, n))]
        inner = 2.0 * lo * hi / (lo + hi)
        ends = []
        for kind, cell in zip(self.boundary.kinds[axis], (first, last)):
            if kind == "dirichlet":
                ends.append(2.0 * cell)
            elif kind == "neumann":
                ends.append(0.0 * cell)
            else:
                ends.append(2.0 * first * last / (first + last))
        return xp.concat([ends[0], inner, ends[1]], axis=axis)

    # -- hooks -----------------------------------------------------------------------------
    def _apply(self, v: Any, xp) -> Any:
        faces = [self._on(f"face{axis}", face, xp, v.dtype) for axis, face in enumerate(self._face_weights)]
        return _divergence_form(xp, v, faces, self.spacing, self.boundary.is_periodic)

    def _diagonal(self) -> Any:
        xp = array_namespace(self.coefficient)
        return xp.reshape(_diagonal_from_faces(self._face_weights, self.spacing), (self.size,))

    def _assemble(self, variant: str):
        return _sparse_from_faces(self._diagonal(), self._face_weights, self.spacing, self.boundary.is_periodic)

    def boundary_rhs(self, data: Callable[..., Any] | None = None, *, backend: str | None = None) -> Any:
        """Right-hand side of inhomogeneous boundary data (see :meth:`Laplacian.boundary_rhs`),
        scaled by the coefficient of the boundary cells."""
        backend = self.backend if backend is None else backend
        return self.coefficient * super().boundary_rhs(data, backend=backend)
