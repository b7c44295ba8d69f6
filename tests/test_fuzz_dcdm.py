"""Fuzz properties of ``solvers.deep_conjugate``: the model metadata and its training envelope,
NPSDO with a trivial identity "network" against a dense solve, and the seeded random domains.
Each property: a checked result or a documented exception, within the time limit."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import call, covers, rejects
from solvers.deep_conjugate import (EnvelopeWarning, ModelMetadata, NPSDOSolver, model_metadata, npsdo,
                                    random_domain)
from solvers.deep_conjugate.random_domains import FAMILIES

_TRAINED = {"poisson2d": (2, 64), "poisson3d": (3, 32)}


@covers("solvers.deep_conjugate.model_metadata", "solvers.deep_conjugate.ModelMetadata",
        "solvers.deep_conjugate.EnvelopeWarning")
@given(name=st.sampled_from(sorted(_TRAINED)), fraction=st.floats(0.1, 3.9), scale=st.floats(4.0, 16.0),
       unseen=st.sampled_from(["periodic", "robin", "neumann-x"]))
def test_envelope_inside_and_outside(name, fraction, scale, unseen):
    meta = call(lambda: model_metadata(name))
    assert isinstance(meta, ModelMetadata)
    dim, largest = _TRAINED[name]
    assert meta.name == name and meta.dimension == dim and max(max(g) for g in meta.grid_sizes) == largest
    assert len(meta.recipe_hash) == 16 and int(meta.recipe_hash, 16) >= 0
    # inside: a grid below max_scale times the trained size, the trained face kinds
    inside = (max(8, int(largest * fraction)),) * dim
    trained_faces = SimpleNamespace(bc=(("neumann", "neumann"),) * (dim - 1) + (("neumann", "dirichlet"),),
                                    grid_shape=inside, n_solid=0, nullspace_size=0)
    assert meta.envelope_issues(grid_shape=inside) == []
    assert meta.envelope_issues(trained_faces) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", EnvelopeWarning)
        assert meta.check_envelope(trained_faces) == []  # no warning inside
    # outside: the grid max_scale (4) times larger or more; an unseen face kind; the wrong dimension
    big = (int(np.ceil(largest * scale)),) + (largest,) * (dim - 1)
    for probe, kwargs, word in [(None, {"grid_shape": big}, "grid"),
                                (SimpleNamespace(bc=((unseen, "neumann"),) * dim), {}, unseen),
                                (None, {"grid_shape": (16,) * (5 - dim)}, "D")]:
        issues = meta.envelope_issues(probe, **kwargs)
        assert issues and any(word in issue for issue in issues), issues
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert meta.check_envelope(probe, **kwargs) == issues
        assert [w.category for w in caught] == [EnvelopeWarning]
        assert issubclass(EnvelopeWarning, UserWarning)


@covers("solvers.deep_conjugate.model_metadata")
@given(name=st.one_of(st.text(max_size=12), st.sampled_from(["poisson1d", "Poisson2d", "poisson2d ", ""])))
def test_unknown_model_name_refused(name):
    if name in _TRAINED:
        return
    error = rejects(lambda: model_metadata(name))
    assert isinstance(error, ValueError) and "unknown" in str(error)


def _poisson(shape):
    from solvers.obstacles import box, smooth_rhs

    geometry = box(shape)
    return geometry.operator(), smooth_rhs(geometry).ravel()


def _identity(r):
    return r


@covers("solvers.deep_conjugate.npsdo", "solvers.deep_conjugate.NPSDOSolver")
@given(nx=st.integers(8, 14), ny=st.integers(8, 14), rtol=st.sampled_from([1e-6, 1e-8]),
       n_orthogonal=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_npsdo_identity_network_matches_dense_solve(nx, ny, rtol, n_orthogonal, seed):
    A, b = _poisson((nx, ny))
    b = b + 0.1 * np.random.default_rng(seed).standard_normal(b.size)
    dense = np.asarray(A.to_sparse().todense()) if hasattr(A, "to_sparse") else np.asarray(A @ np.eye(b.size))
    exact = np.linalg.solve(dense, b)
    cond = np.linalg.cond(dense)
    x, info = call(lambda: npsdo(A, b, model=_identity, rtol=rtol, n_orthogonal=n_orthogonal,
                                 maxiter=10 * b.size), reject_seconds=None)
    assert info.converged
    assert np.linalg.norm(dense @ x - b) <= rtol * np.linalg.norm(b) * (1 + 1e-6)
    assert np.linalg.norm(x - exact) <= 10 * cond * rtol * np.linalg.norm(exact)
    solver = call(lambda: NPSDOSolver(A, model=_identity, rtol=rtol))
    assert isinstance(solver, NPSDOSolver) and solver.method == "npsdo"
    y, solved = call(lambda: solver.solve(b), reject_seconds=None)
    assert solved.converged and solved.method == "npsdo"
    assert np.linalg.norm(dense @ y - b) <= rtol * np.linalg.norm(b) * (1 + 1e-6)


@covers("solvers.deep_conjugate.npsdo", "solvers.deep_conjugate.NPSDOSolver")
@given(case=st.sampled_from(["grid", "entries", "nan", "n_orthogonal", "safeguard", "fluid", "no_model",
                             "bad_option"]))
def test_npsdo_bad_input_refused(case):
    A, b = _poisson((8, 8))
    bad = {
        "grid": lambda: npsdo(A, b, model=_identity, grid_shape=(8, 9)),
        "entries": lambda: npsdo(A.to_sparse(), b, model=_identity, grid_shape=(8, 9)),
        "nan": lambda: npsdo(A, np.full(64, np.nan), model=_identity),
        "n_orthogonal": lambda: npsdo(A, b, model=_identity, n_orthogonal=-1),
        "safeguard": lambda: npsdo(A, b, model=_identity, safeguard="sometimes"),
        "fluid": lambda: npsdo(A, b, model=_identity, fluid=np.ones(7, dtype=bool)),
        "no_model": lambda: NPSDOSolver(A),
        "bad_option": lambda: NPSDOSolver(A, model=_identity, coarse_levels=2),
    }[case]
    rejects(bad)


@covers("solvers.deep_conjugate.random_domain")
@given(seed=st.integers(0, 2**31 - 1), family=st.one_of(st.none(), st.sampled_from(FAMILIES)),
       shape=st.one_of(st.none(), st.lists(st.integers(8, 20), min_size=2, max_size=3).map(tuple)),
       dim=st.sampled_from([2, 3]))
def test_random_domain_seeded_and_shaped(seed, family, shape, dim):
    first = call(lambda: random_domain(shape, seed=seed, family=family, dim=dim, sizes=(8, 16)))
    again = call(lambda: random_domain(shape, seed=seed, family=family, dim=dim, sizes=(8, 16)))
    (geometry, closed), (twin, twin_closed) = first, again
    solid = np.asarray(geometry.solid)
    assert solid.dtype == bool and np.array_equal(solid, np.asarray(twin.solid))
    assert geometry.bc == twin.bc and closed == twin_closed and geometry.name == twin.name
    if shape is not None:
        assert solid.shape == shape
    else:
        assert solid.ndim == dim and all(8 <= n <= 16 for n in solid.shape)
    if family is not None:
        assert geometry.name == family
    assert closed == (geometry.name == "closed")
    assert set(geometry.bc.values()) <= {"dirichlet", "neumann"} and len(geometry.bc) == 2 * solid.ndim
    assert closed or "dirichlet" in geometry.bc.values()
    assert not solid.all()


@covers("solvers.deep_conjugate.random_domain")
@given(seed=st.integers(0, 100), case=st.sampled_from(["family", "small", "axes1", "axes4", "dim"]))
def test_random_domain_bad_input_refused(seed, case):
    bad = {
        "family": lambda: random_domain((16, 16), seed=seed, family="donut"),
        "small": lambda: random_domain((7, 16), seed=seed, family="balls"),
        "axes1": lambda: random_domain((16,), seed=seed, family="balls"),
        "axes4": lambda: random_domain((8, 8, 8, 8), seed=seed, family="balls"),
        "dim": lambda: random_domain(seed=seed, family="balls", dim=4),
    }[case]
    error = rejects(bad)
    assert isinstance(error, ValueError)


def _face_oracle(solid, bc):
    """Per fluid cell: (open faces, closed faces) counted from the mask and the face kinds directly."""
    shape, d = solid.shape, solid.ndim
    opened, closed = np.zeros(shape), np.zeros(shape)
    for index in np.ndindex(*shape):
        if solid[index]:
            continue
        for axis in range(d):
            for side, step in ((0, -1), (1, 1)):
                j = list(index)
                j[axis] += step
                if not 0 <= j[axis] < shape[axis]:
                    kind = bc[axis][side]
                    opened[index] += kind == "dirichlet"
                    closed[index] += kind == "neumann"
                elif solid[tuple(j)]:
                    closed[index] += 1
    return opened, closed


@covers("solvers.deep_conjugate.cell_types", "solvers.deep_conjugate.grid_stencil",
        "solvers.deep_conjugate.CELL_TYPE_CHANNELS")
@given(shape=st.lists(st.integers(2, 7), min_size=2, max_size=3), seed=st.integers(0, 2 ** 16),
       kinds=st.lists(st.sampled_from(["dirichlet", "neumann"]), min_size=6, max_size=6),
       lengths=st.lists(st.floats(0.1, 10.0), min_size=3, max_size=3), scale=st.floats(1e-3, 1e3))
def test_cell_types_against_a_face_count(shape, seed, kinds, lengths, scale):
    from solvers import ObstacleLaplacian
    from solvers.deep_conjugate import CELL_TYPE_CHANNELS, cell_types, grid_stencil

    d = len(shape)
    solid = np.random.default_rng(seed).random(shape) < 0.2
    bc = {f"{'xyz'[a]}{s}": kinds[2 * a + (s == "+")] for a in range(d) for s in "-+"}
    A = call(lambda: ObstacleLaplacian(solid, bc=bc, closed="allow", domain=[(0, l) for l in lengths[:d]]))
    if A is None or solid.all():
        return
    diagonal, couplings = call(lambda: grid_stencil(A))
    # the stencil rebuilds the matrix: diagonal plus the couplings both ways
    import scipy.sparse as sp

    n = int(np.prod(shape))
    rebuilt = sp.diags(diagonal.ravel())
    for axis in range(d):
        stride = int(np.prod(shape[axis + 1:]))
        upper = sp.diags(-couplings[axis].ravel()[:n - stride], stride, shape=(n, n))
        rebuilt = rebuilt + upper + upper.T
    assert abs(rebuilt - A.to_sparse()).max() <= 1e-9 * abs(A.to_sparse()).max()
    types = call(lambda: cell_types(A))
    coupled = (abs(A.to_sparse() - sp.diags(A.to_sparse().diagonal())).sum(axis=1).A.ravel() > 0).reshape(shape)
    # the bare matrix, at any scale, gives the same types when the fluid can be read off it (every fluid
    # row coupled) and every axis has a coupling (its unit)
    if np.array_equal(coupled, ~solid) and all((couplings[axis] > 0).any() for axis in range(d)):
        np.testing.assert_allclose(call(lambda: cell_types(A.to_sparse() * scale, tuple(shape))), types, atol=1e-6)
    assert types.shape == (len(CELL_TYPE_CHANNELS), *shape)
    np.testing.assert_array_equal(types[0] + types[1], 1.0)
    opened, closed = _face_oracle(solid, A.bc)
    fluid = ~solid
    keep = fluid
    np.testing.assert_allclose(types[2][keep] * 2 * d, opened[keep], atol=1e-5)
    np.testing.assert_allclose(types[3][keep] * 2 * d, closed[keep], atol=1e-5)
    error = rejects(lambda: cell_types(A, tuple(shape[:-1]) + (shape[-1] + 1,)))
    assert "grid_shape" in str(error) or "shape" in str(error)
