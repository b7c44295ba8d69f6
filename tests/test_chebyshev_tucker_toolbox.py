"""The Chebyshev–Tucker function toolbox (issue 19): adaptive arithmetic, cross approximation,
calculus and geometry, extrema, bad input."""

import math
import warnings

import numpy as np
import pytest
from scipy.special import erf

from tensor_formats import ChebyshevTucker
from tensor_formats.chebyshev_tucker import ChebyshevLine, ChebyshevTuckerVector, ComplexChebyshevTucker
from tensor_formats.checks import INTEGRALS

CUBE = [(-1.0, 1.0)] * 3
PTS = np.random.default_rng(19).uniform(-1, 1, (2000, 3))


def runge(*x):
    return 1.0 / (1.0 + sum(c * c for c in x))


def smooth(x, y, z):
    return np.exp(np.sin(x + y) + 0.5 * np.cos(z))


def long_range(x, y, z, beta=5.0):
    r = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = erf(beta * r) / r
    return np.where(r < 1e-12, 2 * beta / math.sqrt(math.pi), value)


# -- adaptive arithmetic ------------------------------------------------------------------
@pytest.mark.parametrize("tol", [1e-8, 1e-12])
def test_repeated_product_and_quotient_stay_compact_and_accurate(tol):
    f0 = ChebyshevTucker.from_function(runge, CUBE, tol=tol)
    g = ChebyshevTucker.from_function(smooth, CUBE, tol=tol)
    exact = runge(*PTS.T)
    f = f0
    for _ in range(10):
        f = f * g / g
    assert all(df <= 1.1 * d0 for df, d0 in zip(f.degrees, f0.degrees)), (f.degrees, f0.degrees)
    assert np.max(np.abs(f(PTS) - exact)) / np.max(np.abs(exact)) <= 10 * tol


def test_products_chop_degrees():
    # sin(20x) at degree 60, times a quadratic: the product needs about the same degree, not 62+.
    f = ChebyshevTucker.from_function(lambda x, y: np.sin(6 * x) * np.cos(y), [(-1, 1)] * 2, tol=1e-10, degree=60)
    g = ChebyshevTucker.from_function(lambda x, y: 1 + x * x + 0 * y, [(-1, 1)] * 2, tol=1e-10, degree=60)
    h = f * g
    assert h.degrees[0] < 40 and h.degrees[1] < 25, h.degrees
    pts = PTS[:, :2]
    np.testing.assert_allclose(h(pts), np.sin(6 * pts[:, 0]) * np.cos(pts[:, 1]) * (1 + pts[:, 0] ** 2), atol=1e-9)


def test_division_composition_and_powers():
    f = ChebyshevTucker.from_function(lambda x, y, z: 2 + x * y + np.sin(z), CUBE, tol=1e-11)
    value = 2 + PTS[:, 0] * PTS[:, 1] + np.sin(PTS[:, 2])
    np.testing.assert_allclose((1.0 / f)(PTS), 1 / value, rtol=1e-9)
    np.testing.assert_allclose(f.apply(np.exp)(PTS), np.exp(value), rtol=1e-9)
    np.testing.assert_allclose(f.apply(np.sqrt)(PTS), np.sqrt(value), rtol=1e-9)
    np.testing.assert_allclose((f**3)(PTS), value**3, rtol=1e-9)
    np.testing.assert_allclose((f**0.5)(PTS), np.sqrt(value), rtol=1e-9)
    np.testing.assert_allclose(abs(-f)(PTS), value, rtol=1e-9)
    assert (f**0).ranks == (1, 1, 1) and (f**0).degrees == (0, 0, 0)


def test_zero_function_has_rank_zero_and_modes_may_have_degree_zero():
    f = ChebyshevTucker.from_function(lambda x, y, z: np.exp(x) + 0 * y * z, CUBE, tol=1e-12)
    assert f.degrees[1:] == (0, 0) and f.ranks == (1, 1, 1)
    assert f.integral() == pytest.approx(4 * (math.e - 1 / math.e), rel=1e-13)
    zero = f - f
    assert zero.ranks == (0, 0, 0) and zero.integral() == 0.0 and zero.norm() == 0.0
    assert (0.0 * f).ranks == (0, 0, 0) and ChebyshevTucker.constant(0.0, CUBE).ranks == (0, 0, 0)
    assert ((f - f) + f)(PTS[:3]) == pytest.approx(np.exp(PTS[:3, 0]), rel=1e-12)
    assert (zero * f).ranks == (0, 0, 0)
    with pytest.raises(ZeroDivisionError):
        f / zero
    z = ChebyshevTucker.from_function(lambda x, y, z: 0 * x * y * z, CUBE, method="cross")
    assert z.ranks == (0, 0, 0)


def test_mixed_boxes_tolerances_and_vanishing_divisors_are_refused():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-10)
    with pytest.raises(ValueError, match="tolerances differ"):
        f + ChebyshevTucker.from_function(runge, CUBE, tol=1e-8)
    with pytest.raises(ValueError, match="domains differ"):
        f * ChebyshevTucker.from_function(runge, [(-1, 1), (-1, 1), (0, 1)], tol=1e-10)
    x = ChebyshevTucker.from_function(lambda x, y, z: x + 0 * y * z, CUBE, tol=1e-10)
    with pytest.raises(ZeroDivisionError, match="vanishes"):
        f / x
    with pytest.raises(ValueError, match="NaN"), np.errstate(invalid="ignore"):
        x.apply(np.sqrt)


# -- cross approximation ------------------------------------------------------------------
@pytest.mark.parametrize("name", list(INTEGRALS))
def test_cross_matches_the_full_oracle_on_the_integral_cases(name):
    f, value = INTEGRALS[name]
    cross = ChebyshevTucker.from_function(f, CUBE, tol=1e-12, method="cross")
    full = ChebyshevTucker.from_function(f, CUBE, tol=1e-12, method="full")
    assert abs(cross.integral() - value) <= 1e-11 * abs(value)
    exact = f(*PTS.T)
    scale = np.max(np.abs(exact))
    assert np.max(np.abs(cross(PTS) - exact)) <= max(10 * np.max(np.abs(full(PTS) - exact)), 1e-11 * scale)
    if max(cross.ranks) <= 2 and min(full.degrees) >= 50:  # low rank, high degree: far fewer samples
        assert cross.evaluations < 0.1 * (max(full.degrees) + 1) ** 3


def test_cross_uses_few_evaluations_at_high_degree():
    beta = 20.0  # erf(20 r)/r needs degree > 100 at tol 1e-7

    def f(x, y, z):
        return long_range(x, y, z, beta)

    cross = ChebyshevTucker.from_function(f, CUBE, tol=1e-7, method="cross")
    assert min(cross.degrees) >= 100
    assert cross.evaluations <= 0.15 * 129**3  # the full grid at degree 128: 2.1 M samples
    pts = np.concatenate([PTS, 0.05 * PTS[:300]])
    exact = f(*pts.T)
    assert np.max(np.abs(cross(pts) - exact)) / np.max(exact) < 1e-6


def test_cross_builds_degree_1000_for_a_low_rank_function():
    def f(x, y, z):
        return np.cos(1000 * x + y) * np.exp(z) + np.sin(900 * y) * z

    g = ChebyshevTucker.from_function(f, CUBE, tol=1e-10, method="cross")
    assert max(g.degrees) >= 1000 and max(g.ranks) <= 3
    assert g.evaluations < 10**6  # the full tensor at this degree: > 10^9
    assert np.max(np.abs(g(PTS) - f(*PTS.T))) < 1e-8


def test_cross_works_in_two_and_four_dimensions():
    for d in (2, 4):
        f = ChebyshevTucker.from_function(runge, [(-1.0, 1.0)] * d, tol=1e-10, method="cross")
        pts = np.random.default_rng(d).uniform(-1, 1, (2000, d))
        assert np.max(np.abs(f(pts) - runge(*pts.T))) < 1e-9


def test_cross_bad_input_and_the_degree_cap():
    with pytest.raises(ValueError, match="does not broadcast"):
        ChebyshevTucker.from_function(lambda x, y, z: np.ones(5), CUBE, method="cross")
    with pytest.raises(ValueError, match="NaN"), np.errstate(divide="ignore", invalid="ignore"):
        ChebyshevTucker.from_function(lambda x, y, z: np.log(x) + y + z, CUBE, method="cross")
    with pytest.raises(ValueError, match="NaN"), np.errstate(divide="ignore"):
        ChebyshevTucker.from_function(lambda x, y, z: 1 / (x - x) + y + z, CUBE, method="cross")
    with pytest.raises(ValueError, match="method"):
        ChebyshevTucker.from_function(runge, CUBE, method="aca")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ChebyshevTucker.from_function(lambda x, y, z: np.abs(x) + y + z, CUBE, tol=1e-10, method="cross",
                                      max_degree=64)
    assert any("not resolved: degree cap 64 reached" in str(w.message) for w in caught)


# -- calculus and geometry -----------------------------------------------------------------
def test_gradient_laplacian_divergence_and_curl():
    f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x) * np.exp(y) * z * z, CUBE, tol=1e-12)
    x, y, z = PTS.T
    g = f.grad()
    assert isinstance(g, ChebyshevTuckerVector) and len(g) == 3
    exact = np.stack([np.cos(x) * np.exp(y) * z * z, np.sin(x) * np.exp(y) * z * z, 2 * z * np.sin(x) * np.exp(y)], 1)
    np.testing.assert_allclose(g(PTS), exact, atol=1e-11)
    np.testing.assert_allclose(f.laplacian()(PTS), 2 * np.sin(x) * np.exp(y), atol=1e-10)
    np.testing.assert_allclose(g.div()(PTS), f.laplacian()(PTS), atol=1e-10)
    assert np.max(np.abs(g.curl()(PTS))) < 1e-10
    # curl of (−y, x, 0) is (0, 0, 2)
    v = ChebyshevTuckerVector([ChebyshevTucker.from_function(lambda x, y, z: -y + 0 * x * z, CUBE),
                               ChebyshevTucker.from_function(lambda x, y, z: x + 0 * y * z, CUBE),
                               ChebyshevTucker.constant(0.0, CUBE)])
    np.testing.assert_allclose(v.curl()(PTS[:5]), np.tile([0.0, 0.0, 2.0], (5, 1)), atol=1e-13)
    with pytest.raises(ValueError, match="curl needs 3"):
        ChebyshevTuckerVector(list(v)[:2]).curl()


def test_cumsum_and_integrals_over_sub_boxes_and_lines():
    f = ChebyshevTucker.from_function(lambda x, y, z: np.exp(x + 2 * y) * np.cos(z), CUBE, tol=1e-13)
    c = f.cumsum(0)  # (e^x - e^-1) e^{2y} cos z
    x, y, z = PTS.T
    np.testing.assert_allclose(c(PTS), (np.exp(x) - np.exp(-1)) * np.exp(2 * y) * np.cos(z), atol=1e-12)
    box = [(0.0, 0.5), (-0.25, 1.0), (-1.0, 0.3)]
    exact = (np.exp(0.5) - 1) * (np.exp(2.0) - np.exp(-0.5)) / 2 * (np.sin(0.3) + np.sin(1.0))
    assert f.integral(box=box) == pytest.approx(exact, rel=1e-13)
    line = f.slice(None, 0.5, 0.2)  # x -> e^{x+1} cos 0.2
    assert isinstance(line, ChebyshevLine)
    assert line.integral() == pytest.approx((np.e - 1 / np.e) * np.e * np.cos(0.2), rel=1e-13)
    assert line.cumsum()(np.array([0.0]))[0] == pytest.approx((1 - np.exp(-1)) * np.e * np.cos(0.2), rel=1e-12)


def test_restrict_and_slices():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-12)
    sub = f.restrict([(0, 0.5), (-0.2, 0.2), (0.9, 1.0)])
    assert all(ds <= df for ds, df in zip(sub.degrees, f.degrees)) and sub.domain[2] == (0.9, 1.0)
    pts = np.random.default_rng(1).uniform([0, -0.2, 0.9], [0.5, 0.2, 1.0], (500, 3))
    np.testing.assert_allclose(sub(pts), runge(*pts.T), atol=1e-12)
    plane = f.slice(0.5, None, None)
    assert isinstance(plane, ChebyshevTucker) and plane.ndim == 2
    np.testing.assert_allclose(plane(PTS[:, :2]), runge(0.5, PTS[:, 0], PTS[:, 1]), atol=1e-12)
    assert f.slice(0.0, 0.5, 0.5) == pytest.approx(2 / 3, abs=1e-13)
    line = ChebyshevTucker.from_function(lambda x, y, z: np.cos(3 * x) + y + z, CUBE).slice(None, 0.0, 0.0)
    np.testing.assert_allclose(line.roots(), [-np.pi / 6, np.pi / 6], atol=1e-12)
    with pytest.raises(ValueError, match="outside the box"):
        f.slice(1.5, None, None)
    with pytest.raises(ValueError, match="outside the domain"):
        f.restrict([(0, 2), (0, 1), (0, 1)])
    with pytest.raises(ValueError, match="a < b"):
        f.restrict([(0.5, 0.5), (0, 1), (0, 1)])
    with pytest.raises(ValueError, match="a < b"):
        ChebyshevTucker.from_function(runge, [(0, 1), (1, 0), (0, 1)], method="cross")


def test_global_extrema_with_locations():
    def bumps(x, y, z):
        return np.exp(-20 * ((x - 0.4) ** 2 + (y + 0.3) ** 2 + (z - 0.1) ** 2)) \
            - 1.5 * np.exp(-30 * ((x + 0.5) ** 2 + (y - 0.6) ** 2 + (z + 0.7) ** 2))

    f = ChebyshevTucker.from_function(bumps, CUBE, tol=1e-12)
    assert f.max() == pytest.approx(bumps(0.4, -0.3, 0.1), abs=1e-10)
    np.testing.assert_allclose(f.argmax(), [0.4, -0.3, 0.1], atol=1e-5)
    assert f.min() == pytest.approx(bumps(-0.5, 0.6, -0.7), abs=1e-10)
    np.testing.assert_allclose(f.argmin(), [-0.5, 0.6, -0.7], atol=1e-5)
    assert f.norm(ord=math.inf) == pytest.approx(-f.min(), rel=1e-12)
    np.testing.assert_allclose(f.argmax_abs(), f.argmin(), atol=1e-12)
    # d = 2, maximum on the boundary
    g = ChebyshevTucker.from_function(lambda x, y: x + np.sin(3 * y), [(0, 2), (-1, 1)], tol=1e-12)
    assert g.max() == pytest.approx(3.0, abs=1e-12)
    np.testing.assert_allclose(g.argmax(), [2.0, np.pi / 6], atol=1e-6)
    with pytest.raises(ValueError, match="ord"):
        g.norm(ord=1)


# -- tensorly -----------------------------------------------------------------------------------
def test_tensorly_round_trip_and_missing_extra(monkeypatch):
    tl = pytest.importorskip("tensorly")
    f = ChebyshevTucker.from_function(runge, [(0, 1), (-1, 2), (-1, 1)], tol=1e-11)
    t = f.to_tensorly()
    full = tl.to_numpy(tl.tucker_to_tensor(t))  # in tensorly's current backend (neuraloperator sets pytorch)
    assert full.shape == tuple(d + 1 for d in f.degrees)
    from tensor_formats.chebyshev_tucker.grid import tensor_coefficients
    from tensor_formats.chebyshev import chebyshev_points

    grids = [chebyshev_points(d + 1, ab) for d, ab in zip(f.degrees, f.domain)]
    np.testing.assert_allclose(full, tensor_coefficients(f.on_grid(*grids, full=True)), atol=1e-13)
    # tensorly's own HOOI on the coefficient tensor, brought back: the same function
    g = ChebyshevTucker.from_tensorly(tl.decomposition.tucker(tl.tensor(full), rank=list(f.ranks), init="svd"),
                                      f.domain, tol=f.tol)
    pts = np.random.default_rng(2).uniform([0, -1, -1], [1, 2, 1], (300, 3))
    np.testing.assert_allclose(g(pts), runge(*pts.T), atol=1e-10)
    with pytest.raises(ValueError, match="factor 1"):
        ChebyshevTucker.from_tensorly((t.core, [t.factors[0], t.factors[1][:, :1], t.factors[2]]), f.domain)
    torch = pytest.importorskip("torch")
    tl.set_backend("pytorch")
    try:  # the same round trip under tensorly's pytorch backend
        t = f.to_tensorly()
        assert isinstance(t.core, torch.Tensor)
        back = ChebyshevTucker.from_tensorly(t, f.domain, tol=f.tol)
        np.testing.assert_allclose(back(pts), f(pts), atol=1e-14)
    finally:
        tl.set_backend("numpy")
    import sys

    monkeypatch.setitem(sys.modules, "tensorly", None)
    monkeypatch.setitem(sys.modules, "tensorly.tucker_tensor", None)
    with pytest.raises(ImportError, match=r"sciml\[bench\]"):
        f.to_tensorly()


def test_cross_arithmetic_and_slices_follow_the_backend(xp):
    from sciml.backend import backend_name, to_numpy

    name = backend_name(xp)
    f = ChebyshevTucker.from_function(lambda x, y, z: xp.exp(x) * xp.cos(y + z), CUBE, tol=1e-10, method="cross",
                                      backend=name)
    g = f * f / f + 1.0
    assert g.backend == name and f.slice(0.1, None, None).backend == name
    p = xp.asarray(PTS[:50])
    exact = np.exp(PTS[:50, 0]) * np.cos(PTS[:50, 1] + PTS[:50, 2]) + 1
    np.testing.assert_allclose(to_numpy(g(p)), exact, atol=1e-9)
    assert f.integral(box=[(0, 1)] * 3) == pytest.approx((np.e - 1) * (2 * np.cos(1) - np.cos(2) - 1), rel=1e-9)
    assert f.max() == pytest.approx(np.e, rel=1e-9)


# -- complex values ---------------------------------------------------------------------------
def test_complex_values_as_real_and_imaginary_parts():
    def wave(x, y, z):
        return np.exp(1j * (x + 2 * y + 3 * z))

    for method in ("full", "cross"):
        f = ComplexChebyshevTucker.from_function(wave, CUBE, tol=1e-12, method=method)
        np.testing.assert_allclose(f(PTS), wave(*PTS.T), atol=1e-11)
        assert f.integral() == pytest.approx(8 * np.sin(1) * np.sin(2) * np.sin(3) / 6, abs=1e-12)
    np.testing.assert_allclose(f.diff(1)(PTS), 2j * wave(*PTS.T), atol=1e-9)
    g = ComplexChebyshevTucker.from_function(lambda x, y, z: 2 + x + 1j * y * z, CUBE, tol=1e-12)
    gv = 2 + PTS[:, 0] + 1j * PTS[:, 1] * PTS[:, 2]
    np.testing.assert_allclose((f * g)(PTS), wave(*PTS.T) * gv, atol=1e-10)
    np.testing.assert_allclose((f / g)(PTS), wave(*PTS.T) / gv, atol=1e-9)
    np.testing.assert_allclose((1j * f + 2.0 - g)(PTS), 1j * wave(*PTS.T) + 2 - gv, atol=1e-11)
    np.testing.assert_allclose(abs(g)(PTS), np.abs(gv), atol=1e-10)
    np.testing.assert_allclose(abs(f * f.conj())(PTS), 1.0, atol=1e-10)
    assert f.norm() == pytest.approx(np.sqrt(8.0), rel=1e-12)
    real = ComplexChebyshevTucker.from_function(lambda x, y, z: np.cos(x) + 0 * y * z, CUBE)
    assert real.imag.ranks == (0, 0, 0)
    with pytest.raises(ValueError, match="different boxes"):
        ComplexChebyshevTucker(f.real, ChebyshevTucker.constant(1.0, [(0, 1)] * 3, tol=f.tol))
    with pytest.raises(ZeroDivisionError):
        f / 0
