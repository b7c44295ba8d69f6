import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.metrics import check_finite, max_error, observed_order, relative_l2, weighted_l2


def test_relative_l2_matches_numpy(xp):
    rng = np.random.default_rng(0)
    a, e = rng.standard_normal(50), rng.standard_normal(50)
    expected = np.linalg.norm(a - e) / np.linalg.norm(e)
    assert relative_l2(xp.asarray(a), xp.asarray(e)) == pytest.approx(expected, rel=1e-14)


def test_relative_l2_with_trapezoid_weights_is_a_quadrature_norm(xp):
    # On a non-uniform grid, trapezoid weights make the discrete norm approximate the L2 norm:
    # ||x - 0|| / ||1|| on [0, 1] = sqrt(1/3).
    x = np.sort(np.concatenate([[0.0, 1.0], np.random.default_rng(1).uniform(0, 1, 400)]))
    w = np.zeros_like(x)
    w[1:] += 0.5 * np.diff(x)
    w[:-1] += 0.5 * np.diff(x)
    value = relative_l2(xp.asarray(x + 1.0), xp.asarray(np.ones_like(x)), weights=xp.asarray(w))
    assert value == pytest.approx(math.sqrt(1.0 / 3.0), rel=1e-4)


def test_max_error_and_weighted_norm(xp):
    assert max_error(xp.asarray([1.0, -2.0, 3.5]), xp.asarray([1.0, -1.0, 3.0])) == 1.0
    assert weighted_l2(xp.asarray([3.0, 4.0])) == 5.0
    assert weighted_l2(xp.asarray([3.0, 4.0]), weights=xp.asarray([4.0, 0.0])) == 6.0


def test_bad_input_raises_naming_the_argument(xp):
    a = xp.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        relative_l2(a, xp.asarray([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="approx contains NaN"):
        relative_l2(xp.asarray([math.nan, 1.0]), a)
    with pytest.raises(ValueError, match="exact contains NaN"):
        max_error(a, xp.asarray([math.inf, 1.0]))
    with pytest.raises(ValueError, match="zero norm"):
        relative_l2(a, xp.zeros(2))
    with pytest.raises(ValueError, match="non-negative"):
        relative_l2(a, a, weights=xp.asarray([1.0, -1.0]))
    with pytest.raises(ValueError, match="u contains NaN"):
        check_finite(xp.asarray([math.nan]), "u")


def test_observed_order_bad_input():
    with pytest.raises(ValueError, match="at least two"):
        observed_order([1.0], [1.0])
    with pytest.raises(ValueError, match="entries"):
        observed_order([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        observed_order([1.0, 0.0], [1.0, 0.5])
    with pytest.raises(ValueError, match="distinct"):
        observed_order([1.0, 0.5], [0.1, 0.1])


@settings(max_examples=50, deadline=None)
@given(
    order=st.floats(0.5, 6.0),
    constant=st.floats(1e-3, 1e3),
    h0=st.floats(1e-3, 1.0),
    n=st.integers(2, 6),
)
def test_observed_order_recovers_power_laws(order, constant, h0, n):
    h = [h0 / 2**k for k in range(n)]
    errors = [constant * v**order for v in h]
    assert observed_order(errors, h) == pytest.approx(order, rel=1e-9)
