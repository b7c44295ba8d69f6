"""Chebfun3's documented examples, reproduced to the digits Chebfun3 publishes.

Source of every number below: the Chebfun Guide, chapter 18 "Chebfun3" (B. Hashemi and
L. N. Trefethen), https://www.chebfun.org/docs/guide/guide18.html (published output of
guide18.m in https://github.com/chebfun/guide).  Chebfun3 works to machine precision
(ε = 2.2e-16 relative to the function's vertical scale).  A case passes when our value and the
printed one differ by at most 20 ε (10 ε for each side: ours within 10x Chebfun3's tolerance of
the truth, and theirs) relative to the scale of the quantity (max |f| for values and extrema,
max |f| times the volume for integrals), plus half a unit in the last printed digit.  We build
at tol 1e-14 or 1e-15 (noted per case; our chopping tolerance cannot go to ε).

Cases in the chapter that this package does not reach: line integrals along curves (the
helix of §18.3, the conical spiral of §18.7 — we integrate along axis-parallel lines, so the
gradient-theorem example is reproduced on an axis-parallel path with the same end points),
periodic ('trig') chebfun3 objects (§18.5: not built), and ``root`` (§18.9).
"""

import math

import numpy as np
import pytest

from tensor_formats import ChebyshevTucker

EPS = 2.220446049250313e-16
CUBE = [(-1.0, 1.0)] * 3
SOURCE = "https://www.chebfun.org/docs/guide/guide18.html"


def close(value, published, scale, printed_ulp=5e-16):
    """Within 10 ε (relative to ``scale``) and half a printed unit of the published value."""
    return abs(value - published) <= 20 * EPS * scale + printed_ulp * max(1.0, abs(published))


def runge(x, y, z):
    return 1.0 / (1.0 + x * x + y * y + z * z)


def f_sin(x, y, z):
    return np.sin(x + y * z)


def g_cos(x, y, z):
    return np.cos(15 * np.exp(z)) / (5 + x**3 + 2 * y**2 + z)


@pytest.fixture(scope="module")
def fg():
    f = ChebyshevTucker.from_function(f_sin, CUBE, tol=1e-14)
    g = ChebyshevTucker.from_function(g_cos, CUBE, tol=1e-14)
    return f, g


def test_18_1_runge_value_integral_mean_max():
    """§18.1: f(0, .5, .5) = 0.666666666666666, sum3 = 4.286854062301838, mean3 = 0.535856757787730,
    max3 = 1; §18.2: 10 columns/rows/tubes, length 43 per mode.  tol 1e-15."""
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-15)
    assert close(f(np.array([[0.0, 0.5, 0.5]]))[0], 0.666666666666666, 1.0)
    assert close(f.integral(), 4.286854062301838, 8.0)
    assert close(f.integral() / 8, 0.535856757787730, 1.0)
    assert close(f.max(), 1.0, 1.0)
    assert all(abs(r - 10) <= 1 for r in f.ranks)
    assert all(abs((d + 1) - 43) <= 0.1 * 43 for d in f.degrees)


def test_18_2_a_function_of_x_alone_has_rank_one_and_lengths_15_1_1():
    """§18.2: chebfun3(@(x,y,z) exp(x)) has a 1x1x1 core and length 15, 1, 1.  tol 1e-15."""
    f = ChebyshevTucker.from_function(lambda x, y, z: np.exp(x) + 0 * y * z, CUBE, tol=1e-15)
    assert f.ranks == (1, 1, 1) and tuple(d + 1 for d in f.degrees) == (15, 1, 1)
    g = ChebyshevTucker.from_function(lambda x, y, z: np.exp(y) + 0 * x * z, CUBE, tol=1e-15, method="cross")
    assert g.ranks == (1, 1, 1) and tuple(d + 1 for d in g.degrees) == (1, 15, 1)


def test_18_3_maxima_of_f_g_and_fg(fg):
    """§18.3: max3(f) = 1, max3(g) = 0.319924161452828, max3(f.*g) = 0.245859621598817.  tol 1e-14
    (the fixture), as in the rest of §18.3."""
    f, g = fg
    assert close(f.max(), 1.0, 1.0)
    assert close(g.max(), 0.319924161452828, 0.32)
    assert close((f * g).max(), 0.245859621598817, 0.32)


def test_18_3_maximum_of_f_plus_g_and_its_location(fg):
    """§18.3: [maxval, maxpos] = max3(f+g): 1.170942561020256 at (0.954987700670008,
    -0.603362934924681, -0.882108101984976)."""
    f, g = fg
    s = f + g
    assert close(s.max(), 1.170942561020256, 1.2)
    # A maximiser is determined to about sqrt(ε) only (the function is flat there).
    np.testing.assert_allclose(s.argmax(), [0.954987700670008, -0.603362934924681, -0.882108101984976], atol=1e-7)


def test_18_3_integral_of_f_times_exp_g(fg):
    """§18.3: sum3(f.*exp(g)) = -0.009190066018142 (composition, product, integral)."""
    f, g = fg
    h = f * g.apply(np.exp)
    assert close(h.integral(), -0.009190066018142, 8 * 1.4)


def test_18_3_partial_integrals_give_lower_dimensional_functions(fg):
    """§18.3: sum(f) is a function of (y, z), sum2 of exp(g + 2f) a function of z (no digits
    published: checked against the full integral)."""
    f, g = fg
    plane = f.integral(axes=0)
    assert plane.ndim == 2 and abs(plane.integral() - f.integral()) < 1e-14
    line = (g + 2.0 * f).apply(np.exp).integral(axes=(0, 1))
    assert line.ndim == 1


def test_18_6_harmonic_function_has_zero_laplacian_equal_to_div_grad():
    """§18.6: 1/sqrt(x² + y² + (2 - z)²) is harmonic; lap(f) at rand points = 0 and
    norm(lap(f) - div(grad(f))) = 0."""
    f = ChebyshevTucker.from_function(lambda x, y, z: 1 / np.sqrt(x**2 + y**2 + (2 - z) ** 2), CUBE, tol=1e-14)
    lap = f.laplacian()
    points = np.random.default_rng(1).uniform(0, 1, (3, 3))
    second = f.diff(2, order=2)(points)  # each term is O(1): the cancellation is what is tested
    assert np.max(np.abs(lap(points))) <= 1e-9 * np.max(np.abs(second))
    assert (lap - f.grad().div()).norm() <= 1e-12 * f.diff(0, order=2).norm()


def test_18_7_gradient_theorem_on_an_axis_parallel_path():
    """§18.7: f = sin(x + 20y + z²) exp(-(3 + y²)) on [-5π, 5π]³, F = grad(f): the line integral
    from (0, 0, 0) to (5π cos 5π, 5π sin 5π, 5π) is f(end) - f(0) = -0.049398074616858, and
    norm(curl(F)) = 0.  Degrees in the hundreds: built by cross approximation."""
    p = 5 * math.pi

    def f(x, y, z):
        return np.sin(x + 20 * y + z**2) * np.exp(-(3 + y**2))

    ct = ChebyshevTucker.from_function(f, [(-p, p)] * 3, tol=1e-13, method="cross")
    assert max(ct.degrees) > 300 and ct.evaluations < 10**5
    grad = ct.grad()
    end = (p * math.cos(p), p * math.sin(p), p)
    total = 0.0
    start = [0.0, 0.0, 0.0]
    for k in range(3):  # x, then y, then z, each leg parallel to an axis
        fixed = [None if j == k else (end[j] if j < k else start[j]) for j in range(3)]
        leg = grad[k].slice(*fixed).cumsum()
        total += leg(np.array([end[k]]))[0] - leg(np.array([start[k]]))[0]
    assert close(total, -0.049398074616858, 0.05 * 8)
    assert grad.curl()[0].ranks == (0, 0, 0) or grad.curl()[0].norm() < 1e-12


def test_18_8_modal_singular_values_of_sin_x_2y_3z():
    """§18.8: hosvd(sin(x+2y+3z)): sv1 = (1.698135391441130, 1.048957901152853),
    sv2 = (1.525792971461290, 1.286830328479728), sv3 = (1.439058506117110, 1.383143919492079)."""
    f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + 2 * y + 3 * z), CUBE, tol=1e-14)
    published = [(1.698135391441130, 1.048957901152853), (1.525792971461290, 1.286830328479728),
                 (1.439058506117110, 1.383143919492079)]
    for values, expected in zip(f.modal_singular_values(), published):
        assert len(values) == 2
        for v, e in zip(np.asarray(values), expected):
            assert close(float(v), e, 2.0)


def test_18_5_chebyshev_lengths_of_the_periodic_example():
    """§18.5: without 'trig', tanh(3 sin x) - sin²(y + 1/2) + cos(6z) on [-π, π]³ needs lengths
    226, 28, 49 (Chebyshev).  Our chopping rule is Chebfun's: lengths within 10 % at tol 1e-15."""
    def ff(x, y, z):
        return np.tanh(3 * np.sin(x)) - np.sin(y + 0.5) ** 2 + np.cos(6 * z)

    f = ChebyshevTucker.from_function(ff, [(-math.pi, math.pi)] * 3, tol=1e-15, method="cross")
    for d, length in zip(f.degrees, (226, 28, 49)):
        assert abs((d + 1) - length) <= 0.1 * length, f.degrees
