"""Flux-form stencil kernels shared by the grid operators (private).

A second-order operator in divergence form ``-Σ_axes (F_{i+1/2} - F_{i-1/2}) / h²`` is given by its
face weights: per axis an array of ``n + 1`` weights along that axis (boundary faces included), with
fluxes ``F = weight · (v_right - v_left)``.  From them come the matrix-free apply, the diagonal and
the assembled sparse matrix.
"""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace

# The weight of a domain face of a (fluid) boundary cell: a Dirichlet face's ghost value sits at distance
# h/2 from the centre (weight 2); a Neumann face (a wall) carries no flux.  Interior faces weigh 1.
BOUNDARY_FACE_WEIGHT = {"dirichlet": 2.0, "neumann": 0.0}


def _slice(axis: int, dim: int, sl: slice) -> tuple:
    index = [slice(None)] * dim
    index[axis] = sl
    return tuple(index)


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
