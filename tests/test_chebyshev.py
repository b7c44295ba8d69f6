import math

import numpy as np
import numpy.polynomial.chebyshev as npc
import pytest
from scipy import integrate

from helpers import assert_close
from sciml.backend import backend_name
from tensor_formats import chebyshev as cheb


def test_points_are_ascending_symmetric_and_include_endpoints(xp):
    x = cheb.chebyshev_points(9, (2.0, 5.0), backend=backend_name(xp))
    ref = 3.5 - 1.5 * np.cos(np.pi * np.arange(9) / 8)
    assert_close(x, ref, rtol=1e-15, atol=1e-15, xp=xp)
    t = cheb.chebyshev_points(9)
    np.testing.assert_array_equal(t, -t[::-1])


def test_coefficients_match_numpy_interpolation_and_round_trip(xp):
    m = 21
    t = cheb.chebyshev_points(m)
    y = np.exp(np.sin(2 * t)) + t**3
    reference = npc.chebfit(t, y, m - 1)  # square system: the interpolant
    values = xp.asarray(np.stack([y, 2 * y], axis=1))
    c = cheb.values_to_coefficients(values, axis=0)
    assert_close(c[:, 0], reference, atol=1e-13, xp=xp)
    assert_close(cheb.coefficients_to_values(c, axis=0), values, atol=1e-14, xp=xp)


def test_transforms_act_along_any_axis():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((5, 9, 4))
    c1 = cheb.values_to_coefficients(y, axis=1)
    c_ref = np.moveaxis(cheb.values_to_coefficients(np.moveaxis(y, 1, 0), axis=0), 0, 1)
    np.testing.assert_allclose(c1, c_ref, atol=1e-15)
    assert cheb.values_to_coefficients(y[:, :2, :], axis=1).shape == (5, 2, 4)


def test_clenshaw_and_vandermonde_match_numpy(xp):
    c = np.array([0.3, -1.0, 0.25, 2.0, -0.5])
    x = np.linspace(1.0, 3.0, 7)
    t = (2 * x - 4.0) / 2.0
    assert_close(cheb.evaluate(xp.asarray(c), xp.asarray(x), (1.0, 3.0)), npc.chebval(t, c), rtol=1e-14, xp=xp)
    assert_close(cheb.vandermonde(xp.asarray(t), 5), npc.chebvander(t, 4), rtol=1e-14, atol=1e-15, xp=xp)
    assert_close(cheb.vandermonde(xp.asarray(t), 5, transpose=True), npc.chebvander(t, 4).T, rtol=1e-14,
                 atol=1e-15, xp=xp)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_differentiation_matches_numpy_with_the_chain_rule(xp, order):
    c = np.random.default_rng(1).standard_normal(12)
    d = cheb.differentiate(xp.asarray(c), domain=(0.0, 0.5), order=order)
    expected = npc.chebder(c, order) * (2.0 / 0.5) ** order
    expected = np.concatenate([expected, np.zeros(order)])
    assert_close(d, expected, rtol=1e-12, atol=1e-10, xp=xp)


def test_integrals_weights_and_gram_matrix():
    a, b = -0.5, 2.0
    m = 25
    x = cheb.chebyshev_points(m, (a, b))
    w = cheb.clenshaw_curtis_weights(m, (a, b))
    assert w.sum() == pytest.approx(b - a, rel=1e-14)
    assert w @ np.exp(x) == pytest.approx(math.exp(b) - math.exp(a), rel=1e-14)
    c = cheb.values_to_coefficients(np.cos(3 * x))
    assert cheb.definite_integrals(m, (a, b)) @ c == pytest.approx((math.sin(3 * b) - math.sin(3 * a)) / 3, rel=1e-13)
    g = cheb.gram_matrix(6, (a, b))
    for i, j in [(0, 0), (2, 4), (3, 5), (1, 2)]:
        ref = integrate.quad(lambda s: npc.chebval((2 * s - a - b) / (b - a), np.eye(6)[i])
                             * npc.chebval((2 * s - a - b) / (b - a), np.eye(6)[j]), a, b)[0]
        assert g[i, j] == pytest.approx(ref, abs=1e-13)


def test_standard_chop():
    t = cheb.chebyshev_points(65)
    c = cheb.values_to_coefficients(np.exp(t))
    cut = cheb.standard_chop(c, 1e-14)
    assert 14 <= cut <= 18  # exp needs 15 or so coefficients to machine precision
    assert cheb.standard_chop(np.ones(40), 1e-10) == 40  # no decay: not resolved
    assert cheb.standard_chop(np.ones(10), 1e-10) == 10  # too short to judge
    assert cheb.standard_chop(np.zeros(40), 1e-10) == 1
    with pytest.raises(ValueError, match="tol"):
        cheb.standard_chop(c, 0.0)


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        cheb.chebyshev_points(1)
    with pytest.raises(ValueError, match="a < b"):
        cheb.chebyshev_points(5, (1.0, 1.0))
    with pytest.raises(ValueError, match="order"):
        cheb.differentiate(np.ones(4), order=-1)
