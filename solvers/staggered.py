"""Staggered (MAC) gradient and divergence that match a grid operator: :func:`gradient`, :func:`divergence`.

Pressures ``p`` live at the cell centres of the operator's grid; velocities live on the cell faces,
one array per axis holding the face-normal component.  Along axis ``k`` (``n`` cells, spacing ``h``)
there are ``n + 1`` faces (face ``j`` between cells ``j - 1`` and ``j``, faces ``0`` and ``n`` on the
domain boundary), or ``n`` on a periodic axis (face ``0`` between cell ``n - 1`` and cell ``0``).

Both are built from the operator's own face weights ``w_f`` (those of the flux form in
:mod:`solvers._stencils`: 1 between two fluid cells, 2 on a Dirichlet domain face, whose ghost value
sits at distance ``h/2``, 0 on a Neumann domain face and on every face touching a solid cell)::

    gradient(p)_f   = w_f (p_right - p_left) / h           (ghost values 0: homogeneous data)
    divergence(u)_i = Σ_k (o_{i+1/2} u_{i+1/2} - o_{i-1/2} u_{i-1/2}) / h

with the open-face fraction ``o_f = 1`` where ``w_f > 0`` and ``o_f = 0`` on walls: a wall face carries
zero normal velocity, so :func:`gradient` writes 0 there and :func:`divergence` reads 0 there whatever
the array holds.  Solid cells have only wall faces: their divergence is 0.

**Sign convention.**  The operators are ``A = -Δ_h`` (:class:`solvers.Laplacian`,
:class:`solvers.ObstacleLaplacian`), so ``divergence(gradient(p)) = -(A @ p)`` on every fluid cell, to
round-off (on a solid cell ``A`` has an identity row and the left side is 0: the identity holds there
too for ``p`` that is zero on solid cells, the convention of :class:`solvers.ObstacleLaplacian`).  A
projection step solves ``A φ = -divergence(u)`` (equivalently ``A φ = divergence(-u)``) and returns
``u - gradient(φ)``, whose divergence is the solver's residual.

**Adjointness.**  With the cell inner product ``<p, q>_C = h^d Σ_cells p q`` and the face inner
product ``<u, v>_F = h^d Σ_faces m_f u_f v_f``, ``m_f = 1/2`` on the faces of the domain boundary (the
half cell between the boundary and the first centre) and ``m_f = 1`` on every other face (periodic
faces included), ``<u, gradient(p)>_F = -<p, divergence(u)>_C`` for every ``u`` and ``p`` (``h^d`` is
the cell volume, the same factor on both sides).  Because :func:`divergence` reads walls as 0, ``u``
need not vanish there.

Out of scope: inhomogeneous boundary data (the gradient uses the operator's homogeneous data, as
:meth:`GridOperator.matvec` does), inflow Dirichlet conditions for the velocity, fractional (cut-cell)
face areas (the operators' fractions are 0 or 1), and :class:`solvers.DiffusionOperator`.

Examples
--------
>>> import numpy as np
>>> from solvers import Laplacian
>>> from solvers.staggered import divergence, gradient
>>> A = Laplacian((4, 3), bc={"x": "periodic", "y-": "dirichlet", "y+": "neumann"})
>>> p = np.arange(12.0).reshape(4, 3)
>>> [g.shape for g in gradient(A, p)]          # n faces on the periodic axis, n + 1 otherwise
[(4, 3), (4, 4)]
>>> bool(np.allclose(divergence(A, gradient(A, p)), -(A @ p)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, backend_name

from ._stencils import BOUNDARY_FACE_WEIGHT, _slice
from .grid_operator import GridOperator
from .diffusion import DiffusionOperator
from .laplacian import Laplacian
from .obstacles import ObstacleLaplacian

__all__ = ["divergence", "face_shapes", "gradient", "open_faces"]

def _check_operator(A: Any) -> None:
    if not isinstance(A, (Laplacian, ObstacleLaplacian)) or isinstance(A, DiffusionOperator):
        raise TypeError(f"A must be a solvers.Laplacian or solvers.ObstacleLaplacian (an operator -Δ_h), got "
                        f"{type(A).__name__}")


def face_shapes(A: GridOperator) -> tuple[tuple[int, ...], ...]:
    """The shapes of the face arrays of ``A``'s grid, one per axis.

    Axis ``k`` has ``n_k + 1`` faces along it, or ``n_k`` when it is periodic; the other axes have the
    grid's cell counts.

    Examples
    --------
    >>> from solvers import Laplacian
    >>> from solvers.staggered import face_shapes
    >>> face_shapes(Laplacian((4, 3), bc=("periodic", "neumann")))
    ((4, 3), (4, 4))
    """
    _check_operator(A)
    shapes = []
    for axis, (n, wrap) in enumerate(zip(A.grid_shape, A.boundary.is_periodic)):
        shape = list(A.grid_shape)
        shape[axis] = n if wrap else n + 1
        shapes.append(tuple(shape))
    return tuple(shapes)


def _weights(A: GridOperator, xp, dtype) -> tuple[list, list]:
    """``(w, o)``: the operator's face weights and open-face fractions per axis on ``xp`` in ``dtype``
    (broadcastable to :func:`face_shapes`), built once per operator, backend and dtype."""
    key = ("staggered", backend_name(xp), str(dtype))
    if key not in A._cache:
        weights = []
        if isinstance(A, ObstacleLaplacian):
            weights = [A._on(f"face{axis}", face, xp, dtype) for axis, face in enumerate(A._face_weights)]
        else:
            for axis, (n, (low, high)) in enumerate(zip(A.grid_shape, A.boundary.kinds)):
                line = [1.0] * n if low == "periodic" else [BOUNDARY_FACE_WEIGHT[low]] + [1.0] * (n - 1) + [
                    BOUNDARY_FACE_WEIGHT[high]]
                shape = [1] * A.ndim
                shape[axis] = len(line)
                weights.append(xp.reshape(xp.asarray(line, dtype=dtype), tuple(shape)))
        opened = [xp.astype(w > 0, dtype) for w in weights]
        A._cache[key] = (weights, opened)
    return A._cache[key]


def _dtype_of(A: GridOperator, xp, dtype, name: str):
    try:
        return A._compute_dtype(xp, dtype)
    except TypeError:
        raise TypeError(f"{name} must be a real array, got dtype {dtype}") from None


def gradient(A: GridOperator, p: Any) -> tuple[Any, ...]:
    """The staggered gradient of the cell values ``p``, on the faces, matching the operator ``A``.

    Parameters
    ----------
    A : Laplacian or ObstacleLaplacian
        The operator ``-Δ_h`` whose grid, boundary and solid mask the gradient uses.
    p : array of shape ``A.grid_shape`` or ``(A.size,)``
        Cell values, any array-API backend.

    Returns
    -------
    tuple of arrays
        Per axis the face-normal component ``w_f (p_right - p_left) / h`` (see the module notes) of shape
        :func:`face_shapes`, on ``p``'s backend, in the dtype :meth:`A.matvec <GridOperator.matvec>`
        would give.  Zero on wall faces (Neumann domain faces and faces touching a solid cell).

    Raises
    ------
    ValueError
        ``p`` of another shape (the message names both accepted shapes), or NaN or infinity in ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian
    >>> from solvers.staggered import gradient
    >>> A = Laplacian(4, dim=1, bc={"x-": "dirichlet", "x+": "neumann"})
    >>> gradient(A, np.array([1.0, 2.0, 4.0, -8.0]))     # h = 1/4; ghost 0 at h/2 on the left, wall on the right
    (array([  8.,   4.,   8., -48.,   0.]),)
    """
    _check_operator(A)
    xp = array_namespace(p)
    if tuple(p.shape) == (A.size,):
        p = xp.reshape(p, A.grid_shape)
    elif tuple(p.shape) != A.grid_shape:
        raise ValueError(f"p has shape {tuple(p.shape)}; expected {A.grid_shape} or ({A.size},)")
    dtype = _dtype_of(A, xp, p.dtype, "p")
    if p.dtype != dtype:
        p = xp.astype(p, dtype)
    if not bool(xp.all(xp.isfinite(p))):
        raise ValueError("p contains NaN or infinite values")
    weights, _ = _weights(A, xp, dtype)
    d, out = A.ndim, []
    for axis, (n, h, wrap, w) in enumerate(zip(A.grid_shape, A.spacing, A.boundary.is_periodic, weights)):
        if wrap:
            padded = xp.concat([p[_slice(axis, d, slice(n - 1, n))], p], axis=axis)
            m = n
        else:
            ghost = xp.zeros_like(p[_slice(axis, d, slice(0, 1))])
            padded = xp.concat([ghost, p, ghost], axis=axis)
            m = n + 1
        out.append(w * (padded[_slice(axis, d, slice(1, m + 1))] - padded[_slice(axis, d, slice(0, m))]) / h)
    return tuple(out)


def divergence(A: GridOperator, u: Sequence[Any]) -> Any:
    """The staggered divergence of the face velocities ``u``, at the cell centres, matching ``A``.

    Parameters
    ----------
    A : Laplacian or ObstacleLaplacian
        The operator ``-Δ_h`` whose grid, boundary and solid mask the divergence uses.
    u : sequence of arrays
        One face-normal component per axis, of the shapes :func:`face_shapes` gives, on one
        array-API backend.  Values on wall faces are read as 0.

    Returns
    -------
    array of shape ``A.grid_shape``
        ``Σ_k ((o u)_{i+1/2} - (o u)_{i-1/2}) / h_k`` on ``u``'s backend (0 on solid cells), in the
        dtype promoted from ``u``'s and the operator's.

    Raises
    ------
    ValueError
        ``u`` with the wrong number of components, or a component of the wrong shape (the message
        names the component and the expected shape), or NaN or infinity in a component.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import Laplacian
    >>> from solvers.staggered import divergence
    >>> A = Laplacian((2, 2), bc="neumann")                # a closed box: every domain face is a wall
    >>> ux = np.array([[9.0, 9.0], [1.0, 1.0], [9.0, 9.0]])  # the walls' 9s are read as 0
    >>> uy = np.zeros((2, 3))
    >>> divergence(A, (ux, uy))                            # h = 1/2
    array([[ 2.,  2.],
           [-2., -2.]])
    """
    _check_operator(A)
    expected = face_shapes(A)
    if isinstance(u, (str, bytes)) or not isinstance(u, Sequence) or len(u) != A.ndim:
        got = f"{len(u)} components" if isinstance(u, Sequence) else type(u).__name__
        raise ValueError(f"u must be a sequence of {A.ndim} face arrays of shapes {expected}, got {got}")
    for axis, (component, shape) in enumerate(zip(u, expected)):
        if tuple(getattr(component, "shape", ())) != shape:
            raise ValueError(f"u[{axis}] has shape {tuple(getattr(component, 'shape', ()))}; expected {shape}")
    xp = array_namespace(*u)
    for axis, component in enumerate(u):
        if not bool(xp.all(xp.isfinite(component))):
            raise ValueError(f"u[{axis}] contains NaN or infinite values")
    dtype = u[0].dtype
    for component in u[1:]:
        dtype = xp.result_type(dtype, component.dtype)
    dtype = _dtype_of(A, xp, dtype, "u")
    _, opened = _weights(A, xp, dtype)
    d, out = A.ndim, None
    for axis, (n, h, wrap, o, component) in enumerate(zip(A.grid_shape, A.spacing, A.boundary.is_periodic,
                                                           opened, u)):
        flux = o * (component if component.dtype == dtype else xp.astype(component, dtype))
        if wrap:
            flux = xp.concat([flux, flux[_slice(axis, d, slice(0, 1))]], axis=axis)
        term = (flux[_slice(axis, d, slice(1, n + 1))] - flux[_slice(axis, d, slice(0, n))]) / h
        out = term if out is None else out + term
    return out


def open_faces(A: GridOperator) -> tuple[Any, ...]:
    """Boolean masks of the open faces (fraction 1) per axis; False on walls, where velocity is 0.

    Shapes as :func:`face_shapes`, on the operator's backend.  Multiply a velocity field by them to
    zero its wall values (:func:`divergence` ignores those values anyway).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import ObstacleLaplacian
    >>> from solvers.staggered import open_faces
    >>> solid = np.zeros((3, 2), dtype=bool); solid[1, 0] = True
    >>> A = ObstacleLaplacian(solid, bc={"x": "neumann", "y-": "neumann", "y+": "dirichlet"})
    >>> open_faces(A)[0].astype(int)                       # x-faces: walls at x = 0, 1 and around the solid
    array([[0, 0],
           [0, 1],
           [0, 1],
           [0, 0]])
    """
    _check_operator(A)
    from sciml.backend import namespace_for

    xp = namespace_for(A.backend)
    _, opened = _weights(A, xp, xp.float64)
    return tuple(xp.broadcast_to(o > 0, shape) for o, shape in zip(opened, face_shapes(A)))
