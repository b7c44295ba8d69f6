"""Fuzz properties of ``tensor_formats``: Tucker (HOSVD, HOOI, RHOSVD) against numpy's SVD,
Chebyshev interpolation against numpy's Chebyshev module, Chebyshev–Tucker and FunBaT on bad
input.  Each property: a correct result or a documented exception, within the time limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fuzz_support import arrays, call, covers, finite_floats, is_finite, rejects
from tensor_formats import ChebyshevTucker, FunBaT, TuckerTensor, hooi, hosvd, rhosvd
from tensor_formats import chebyshev as cheb


def _unfold(t, k):
    return np.moveaxis(t, k, 0).reshape(t.shape[k], -1)


def _fnorm(x) -> float:
    """Frobenius norm, scaled so that 1e200 or 1e-200 entries neither overflow nor underflow."""
    x = np.abs(np.asarray(x))  # real: complex division by a subnormal gives NaN
    top = float(np.max(x, initial=0.0))
    return 0.0 if top == 0.0 else top * float(np.linalg.norm(x / top))


def _hosvd_bound(t, ranks):
    """sqrt(Σ_k discarded σ²) of the mode unfoldings: the (ST-)HOSVD error bound, from numpy's SVD."""
    top = float(np.max(np.abs(t)))
    if top == 0.0:
        return 0.0
    tail = 0.0
    for k, r in enumerate(ranks):
        s = np.linalg.svd(_unfold(t / top, k), compute_uv=False)
        tail += float(np.sum(s[r:] ** 2))
    return top * math.sqrt(tail)


def _check_tucker(tt, t, *, tol=None, rank=None):
    """The Tucker result is a decomposition of ``t``: shapes, orthonormal factors, the error bound."""
    assert isinstance(tt, TuckerTensor)
    assert tt.shape == t.shape
    assert all(1 <= r <= n for r, n in zip(tt.ranks, t.shape)), (tt.ranks, t.shape)
    if np.iscomplexobj(t):
        assert np.iscomplexobj(tt.core), "a complex tensor lost its imaginary part"
    ref = t.astype(np.complex128 if np.iscomplexobj(t) else np.float64)
    eps = float(np.finfo(tt.core.dtype).eps) if np.asarray(tt.core).dtype.kind in "fc" else 2.2e-16
    norm = _fnorm(ref)
    slack = 100 * eps * norm * math.sqrt(ref.size) + 1e-300
    for u in tt.factors:
        gram = np.conj(u).T @ u
        assert np.allclose(gram, np.eye(u.shape[1]), atol=100 * eps * max(u.shape)), "factors not orthonormal"
    error = _fnorm(np.asarray(tt.full(), dtype=ref.dtype) - ref)
    assert error <= _hosvd_bound(ref, tt.ranks) * (1 + 1e-6) + slack, (error, _hosvd_bound(ref, tt.ranks))
    if tol is not None:
        assert error <= tol * norm * (1 + 1e-6) + slack, (error, tol * norm)
    assert abs(tt.norm() - _fnorm(np.asarray(tt.full(), dtype=ref.dtype))) <= 1e-5 * norm + slack


tensors = arrays(min_dims=1, max_dims=4, min_side=0, max_side=5)
tols = st.sampled_from([None, -1.0, 0.0, 1e-10, 1e-3, 0.3, math.nan, math.inf])
ranks = st.one_of(st.none(), st.integers(-1, 7), st.lists(st.integers(0, 6), min_size=1, max_size=4))


@covers("tensor_formats.hosvd", "tensor_formats.tucker", "tensor_formats.TuckerTensor")
@given(t=tensors, tol=tols, rank=ranks, sequential=st.booleans())
def test_hosvd_correct_or_refused(t, tol, rank, sequential):
    tt = call(lambda: hosvd(t, tol=tol, rank=rank, sequential=sequential))
    if tt is None:
        return
    assert is_finite(t), "a tensor holding NaN/inf was decomposed"
    assert tol is None or (math.isfinite(tol) and tol >= 0)
    assert t.ndim >= 2 and t.size > 0
    _check_tucker(tt, t, tol=tol if rank is None else None)
    if rank is not None:
        caps = (rank,) * t.ndim if isinstance(rank, int) else tuple(rank)
        assert all(r <= c for r, c in zip(tt.ranks, caps))


@covers("tensor_formats.hooi")
@given(t=tensors, rank=ranks, n_iter=st.sampled_from([-1, 0, 1, 5]), tol=st.sampled_from([1e-12, 0.0, -1.0, math.nan]))
def test_hooi_correct_or_refused(t, rank, n_iter, tol):
    tt = call(lambda: hooi(t, rank, n_iter=n_iter, tol=tol))
    if tt is None:
        return
    assert rank is not None and is_finite(t) and t.ndim >= 2 and t.size > 0
    _check_tucker(tt, t)


@st.composite
def cp_factors(draw):
    d = draw(st.integers(1, 4))
    n_terms = draw(st.integers(0, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.complex128, np.int64]))
    mismatch = draw(st.integers(0, 5)) == 0
    factors = []
    for k in range(d):
        n = draw(st.integers(1, 5))
        cols = n_terms + (1 if mismatch and k == d - 1 else 0)
        factors.append(draw(arrays(dtypes=(dtype,), shape=(n, cols))))
    return factors


@covers("tensor_formats.rhosvd")
@given(factors=cp_factors(), tol=tols, weighted=st.booleans())
def test_rhosvd_matches_the_full_cp_tensor(factors, tol, weighted):
    weights = None
    if weighted and factors and factors[0].ndim == 2:
        weights = np.linspace(1.0, 2.0, factors[0].shape[1])
    tt = call(lambda: rhosvd(factors, weights, tol=tol))
    if tt is None:
        return
    assert all(is_finite(a) for a in factors) and len(factors) >= 2 and factors[0].shape[1] >= 1
    letters = "abcdefgh"[: len(factors)]
    full = np.einsum(",".join(f"{c}r" for c in letters) + "->" + letters,
                     *[a.astype(np.complex128 if np.iscomplexobj(a) else np.float64) for a in factors])
    if weights is not None:
        full = np.einsum(",".join(f"{c}r" for c in letters) + ",r->" + letters,
                         *[a.astype(np.complex128 if np.iscomplexobj(a) else np.float64) for a in factors], weights)
    eps = 1e-4 if any(a.dtype == np.float32 for a in factors) else 1e-9
    error = _fnorm(np.asarray(tt.full()) - full)
    allowed = (tol if tol is not None else 0.0) * _fnorm(full) * 1.01 + eps * (_fnorm(full) + 1e-300) * 10
    assert error <= allowed, (error, allowed)


@covers("tensor_formats.TuckerTensor")
@given(core=arrays(dtypes=(np.float64, np.complex128), max_dims=3, min_side=1, max_side=3, poison=False),
       extra=st.integers(0, 2), bad=st.booleans())
def test_tucker_tensor_container(core, extra, bad):
    rng = np.random.default_rng(0)
    factors = [np.linalg.qr(rng.standard_normal((r + extra + 1, r)))[0] for r in core.shape]
    if bad:
        factors[0] = factors[0][:, :-1] if factors[0].shape[1] > 1 else np.ones((2, 3))
        rejects(lambda: TuckerTensor(core, factors))
        return
    tt = TuckerTensor(core, factors)
    full = tt.full()
    assert full.shape == tt.shape
    assert abs(tt.norm() - np.linalg.norm(full)) <= 1e-10 * (1 + np.linalg.norm(full))


# ---------------------------------------------------------------------------------------------
# Chebyshev interpolation (one variable)
# ---------------------------------------------------------------------------------------------

domains = st.one_of(st.tuples(finite_floats(magnitude=10), finite_floats(magnitude=10)),
                    st.sampled_from([(0.0, 0.0), (1.0, -1.0), (math.nan, 1.0), (-1.0, math.inf)]))


@covers("tensor_formats.chebyshev")
@given(m=st.integers(-2, 12), domain=domains, x=arrays(dtypes=(np.float64, np.float32, np.int64), max_dims=1,
                                                      max_side=6, poison=True))
def test_chebyshev_interpolates_or_refuses(m, domain, x):
    a, b = domain
    points = call(lambda: cheb.chebyshev_points(m, domain))
    if points is None:
        return
    assert m >= 1 and math.isfinite(a) and math.isfinite(b) and a < b, "a bad degree or interval was accepted"
    points = np.asarray(points)
    assert points.shape == (m,) and np.all(np.diff(points) > 0) if m > 1 else True
    coefficients = np.random.default_rng(m).standard_normal(m)
    values = cheb.coefficients_to_values(coefficients)
    np.testing.assert_allclose(cheb.values_to_coefficients(values), coefficients, atol=1e-12 * m)
    y = call(lambda: cheb.evaluate(coefficients, x, domain))
    if y is None:
        return
    t = (2 * x.astype(float) - a - b) / (b - a)
    assert is_finite(x)
    rtol = 1e-8 if x.dtype != np.float32 else 1e-4
    np.testing.assert_allclose(np.asarray(y), np.polynomial.chebyshev.chebval(t, coefficients),
                               rtol=rtol, atol=rtol * (1 + np.abs(t).max(initial=0)) ** m)
    w = np.asarray(cheb.clenshaw_curtis_weights(m, domain))
    assert abs(w.sum() - (b - a)) <= 1e-10 * (b - a) * m


# ---------------------------------------------------------------------------------------------
# Chebyshev–Tucker and FunBaT (owned by issues 19 and 20: properties here, fixes there)
# ---------------------------------------------------------------------------------------------

@covers("tensor_formats.ChebyshevTucker")
@given(values=arrays(dtypes=(np.float64, np.float32, np.complex128, np.int64), min_dims=1, max_dims=3, min_side=0,
                     max_side=5),
       tol=tols, broken_domain=st.booleans())
def test_chebyshev_tucker_from_values(values, tol, broken_domain):
    d = values.ndim
    domain = [(-1.0, 1.0)] * d if not broken_domain else [(1.0, 1.0)] * d
    ct = call(lambda: ChebyshevTucker.from_values(values, domain, tol=1e-12 if tol is None else tol))
    if ct is None:
        return
    assert is_finite(values) and not broken_domain and min(values.shape) >= 1
    assume(min(values.shape) >= 2)
    grids = [cheb.chebyshev_points(n) for n in values.shape]
    back = np.asarray(ct.on_grid(*grids, full=True))
    scale = np.linalg.norm(values.astype(complex)) + 1e-300
    assert np.linalg.norm(back - values) <= (max(tol or 0.0, 1e-6)) * scale * 10


@covers("tensor_formats.FunBaT")
@given(n=st.integers(0, 12), bad=st.sampled_from(["none", "nan_y", "nan_x", "shape", "lengthscale", "rank"]))
def test_funbat_fit_refuses_bad_data(n, bad):
    rng = np.random.default_rng(n)
    coords = rng.uniform(0.0, 1.0, (n, 2))
    y = np.sin(coords[:, 0]) + coords[:, 1]
    options = {"rank": 2, "n_iter": 3}
    if bad == "nan_y" and n:
        y[0] = np.nan
    if bad == "nan_x" and n:
        coords[0, 0] = np.inf
    if bad == "shape":
        y = y[:-1] if n else np.ones(3)
    if bad == "lengthscale":
        options["lengthscale"] = -1.0
    if bad == "rank":
        options["rank"] = 0
    model = call(lambda: FunBaT(**options).fit(coords, y))
    if model is None:
        return
    assert bad == "none" or (bad in ("nan_y", "nan_x") and n == 0), f"FunBaT accepted {bad}"
    assert n >= 1
    prediction = np.asarray(model.predict(coords))
    assert prediction.shape == y.shape and np.all(np.isfinite(prediction))


@pytest.mark.parametrize("value", [math.nan, math.inf])
@covers("tensor_formats.hosvd")
def test_hosvd_refuses_non_finite_quickly(value):
    """The issue's hang: an inf in a coefficient tensor made the SVD loop forever."""
    t = np.ones((20, 20, 20))
    t[3, 4, 5] = value
    error = rejects(lambda: hosvd(t, tol=1e-3))
    assert "tensor" in str(error)


@covers("tensor_formats.hosvd", "tensor_formats.hooi")
def test_complex_tucker_uses_the_conjugate_transpose():
    """The issue's silent case: ``.T`` instead of ``.conj().T`` decomposed complex tensors wrongly."""
    rng = np.random.default_rng(1)
    t = rng.standard_normal((4, 5, 6)) + 1j * rng.standard_normal((4, 5, 6))
    for tt in (hosvd(t, tol=1e-13), hooi(t, (4, 5, 6), n_iter=2)):
        assert np.linalg.norm(tt.full() - t) <= 1e-12 * np.linalg.norm(t)


@covers("tensor_formats.funbat.MaternStateSpace")
@given(kernel=st.sampled_from(["matern12", "matern32", "matern52", "rbf"]),
       lengthscale=st.sampled_from([0.1, 1.0, 3.0, 0.0, -1.0, math.nan, math.inf]),
       variance=st.sampled_from([0.5, 2.0, 0.0, math.nan]), lag=st.floats(0, 5))
def test_matern_state_space_reproduces_the_kernel(kernel, lengthscale, variance, lag):
    from tensor_formats.funbat import MaternStateSpace

    ss = call(lambda: MaternStateSpace(kernel, lengthscale=lengthscale, variance=variance))
    if ss is None:
        assert kernel == "rbf" or not (math.isfinite(lengthscale) and lengthscale > 0 and variance > 0)
        return
    assert kernel != "rbf" and lengthscale > 0 and math.isfinite(lengthscale) and variance > 0
    nu = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}[kernel]
    s = math.sqrt(2 * nu) * lag / lengthscale  # the closed forms of the half-integer Matérn kernels
    poly = {0.5: 1.0, 1.5: 1 + s, 2.5: 1 + s + s * s / 3}[nu]
    assert math.isclose(ss.covariance(lag), variance * poly * math.exp(-s), rel_tol=1e-9, abs_tol=1e-12)
    a, _ = ss.transition(np.array([lag]))
    assert math.isclose(float((a[0] @ ss.stationary_covariance())[0, 0]), ss.covariance(lag), rel_tol=1e-7,
                        abs_tol=1e-10 * variance)


@covers("tensor_formats.funbat.select_lengthscale")
@given(candidates=st.lists(st.sampled_from([0.1, 0.5, 2.0, 0.0, -1.0, math.nan]), max_size=3),
       n=st.sampled_from([0, 1, 40]), poison=st.booleans(), fraction=st.sampled_from([0.25, 0.0, 1.0]))
def test_select_lengthscale_picks_the_best_score_or_refuses(candidates, n, poison, fraction):
    from tensor_formats.funbat import select_lengthscale

    rng = np.random.default_rng(n)
    coords = rng.uniform(0, 1, (n, 2))
    y = np.sin(4 * coords[:, 0]) + coords[:, 1]
    if poison and n:
        y[0] = np.nan
    out = call(lambda: select_lengthscale(coords, y, 1, candidates, validation_fraction=fraction, n_iter=2,
                                          kernel="matern12"), reject_seconds=None)
    if out is None:
        return
    assert candidates and all(c > 0 and math.isfinite(c) for c in candidates) and n >= 2 and not poison
    assert 0 < fraction < 1
    best, scores = out
    assert sorted(scores) == sorted(set(candidates)) and scores[best] == min(scores.values())
    assert all(math.isfinite(v) and v >= 0 for v in scores.values())
