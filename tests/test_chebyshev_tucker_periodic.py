"""Periodic (Fourier) modes mixed with Chebyshev modes: PeriodicChebyshevTucker against analytic
values, integrals, derivatives and norms; arithmetic; the trigonometric basis; bad input."""

import math
import warnings

import numpy as np
import pytest
from scipy.special import i0

from tensor_formats import ChebyshevTucker, fourier
from tensor_formats.chebyshev_tucker import PeriodicChebyshevTucker

BOX = [(0.0, 1.0), (-1.0, 1.0), (0.0, 2.0)]
TWO_PI = 2.0 * math.pi


def f_exact(x, y, z):
    return np.sin(TWO_PI * x) * np.exp(y) * np.cos(z)


@pytest.fixture(scope="module")
def f():
    return ChebyshevTucker.from_function(f_exact, BOX, periodic=(True, False, False))


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(a, b, 200) for a, b in BOX])


def test_from_function_periodic_gives_the_mixed_class(f):
    assert isinstance(f, PeriodicChebyshevTucker)
    assert f.periodic == (True, False, False)
    assert f.ranks == (1, 1, 1)
    assert f.degrees[0] == 1  # sin(2πx): wavenumber 1 only


def test_values_and_periodic_wrap(f, points):
    exact = f_exact(*points.T)
    assert np.max(np.abs(f(points) - exact)) < 1e-13
    shifted = points.copy()
    shifted[:, 0] += 3.0  # three periods further: same values
    assert np.max(np.abs(f(shifted) - exact)) < 1e-12
    grid = [np.linspace(a, b, 7) for a, b in BOX]
    assert np.allclose(f.on_grid(*grid, full=True), f_exact(*np.meshgrid(*grid, indexing="ij")), atol=1e-13)


def test_derivatives_along_periodic_and_chebyshev_modes(f, points):
    x, y, z = points.T
    cases = [
        (f.diff(0), TWO_PI * np.cos(TWO_PI * x) * np.exp(y) * np.cos(z)),
        (f.diff(0, 2), -TWO_PI**2 * f_exact(x, y, z)),
        (f.diff(1), f_exact(x, y, z)),
        (f.diff(2), -np.sin(TWO_PI * x) * np.exp(y) * np.sin(z)),
    ]
    for g, exact in cases:
        assert np.max(np.abs(g(points) - exact)) < 1e-12 * max(1.0, np.max(np.abs(exact)))


def test_integrals_and_norm_of_a_product(f):
    f2 = f * f
    assert f2.degrees[0] == 2  # sin² = (1 - cos 4πx)/2: wavenumbers 0 and 2
    exact = 0.5 * (math.exp(2) - math.exp(-2)) / 2 * (1 + math.sin(4.0) / 4)
    assert abs(f2.integral() - exact) < 1e-12 * exact
    assert abs(f.norm() - math.sqrt(exact)) < 1e-12
    assert abs(f.integral()) < 1e-14  # ∫ sin(2πx) dx = 0
    partial = f2.integral(axes=0)  # a function of (y, z): exp(2y) cos²(z) / 2
    yz = np.array([[0.3, 1.1], [-0.7, 0.2]])
    assert np.allclose(partial(yz), 0.5 * np.exp(2 * yz[:, 0]) * np.cos(yz[:, 1]) ** 2, atol=1e-12)
    line = f2.integral(axes=(0, 2))  # a ChebyshevLine in y: exp(2y) (1 + sin(4)/4) / 2
    y = np.array([-0.5, 0.25])
    assert np.allclose(line(y), 0.5 * np.exp(2 * y) * (1 + math.sin(4.0) / 4), atol=1e-12)
    with pytest.raises(ValueError, match="periodic variable 0 alone"):
        f2.integral(axes=(1, 2))


def test_two_periodic_modes_against_bessel_integral():
    box = [(0.0, TWO_PI), (0.0, TWO_PI), (0.0, 1.0)]
    g = PeriodicChebyshevTucker.from_function(lambda x, y, z: np.exp(np.sin(x) + np.cos(y)) * (1 + z), box,
                                              periodic=(True, True, False))
    exact = (TWO_PI * i0(1.0)) ** 2 * 1.5
    assert abs(g.integral() - exact) < 1e-12 * exact
    assert g.degrees[2] == 1 and g.degrees[0] < 30


def test_arithmetic_mixed_modes(f, points):
    g = ChebyshevTucker.from_function(lambda x, y, z: np.cos(TWO_PI * 3 * x) + y * z, BOX,
                                      periodic=(True, False, False))
    x, y, z = points.T
    gx = np.cos(TWO_PI * 3 * x) + y * z
    tol = 10 * f.tol * 3  # 10x the tolerance, relative to max |f| + max |g| (about 3)
    assert np.max(np.abs((f + g)(points) - (f_exact(x, y, z) + gx))) < tol
    assert np.max(np.abs((f - 2.0 * g)(points) - (f_exact(x, y, z) - 2 * gx))) < tol
    assert np.max(np.abs((f * g)(points) - f_exact(x, y, z) * gx)) < tol
    assert np.max(np.abs((1.5 + f)(points) - (1.5 + f_exact(x, y, z)))) < tol
    assert (f - f).ranks == (0, 0, 0)
    assert (f * g).degrees[0] == 4  # wavenumbers 1 ± 3


def test_simplify_chops_trailing_wavenumbers():
    # a sum of a narrow and a wide function: the difference must drop back to wavenumber 1
    wide = PeriodicChebyshevTucker.from_function(lambda x, y: np.sin(TWO_PI * x) * y
                                                 + np.exp(np.cos(TWO_PI * x)) * y**2, [(0, 1), (0, 1)],
                                                 periodic=(True, False))
    narrow = PeriodicChebyshevTucker.from_function(lambda x, y: np.exp(np.cos(TWO_PI * x)) * y**2,
                                                   [(0, 1), (0, 1)], periodic=(True, False))
    assert wide.degrees[0] > 10
    assert (wide - narrow).degrees == (1, 1)


def test_fourier_basis_round_trip_and_derivative():
    x = fourier.fourier_points(9, (1.0, 3.0))
    values = np.exp(np.sin(np.pi * x))
    c = fourier.values_to_coefficients(values)
    assert np.allclose(fourier.vandermonde(x, 9, (1.0, 3.0)) @ c, values, atol=1e-14)
    t = np.linspace(1, 3, 5)
    dc = fourier.differentiate(fourier.values_to_coefficients(np.sin(np.pi * x)), domain=(1.0, 3.0))
    assert np.allclose(fourier.vandermonde(t, 9, (1.0, 3.0)) @ dc, np.pi * np.cos(np.pi * t), atol=1e-13)


def test_non_periodic_function_declared_periodic_raises():
    with pytest.raises(ValueError, match="not periodic in mode 0"):
        ChebyshevTucker.from_function(lambda x, y: np.exp(x) * y, [(0, 1), (0, 1)], periodic=(True, False))


def test_periodic_but_not_smooth_warns_not_resolved():
    with pytest.warns(RuntimeWarning, match="not resolved: degree cap 64 reached"):
        PeriodicChebyshevTucker.from_function(lambda x, y: np.abs(np.sin(np.pi * x)) * (1 + y),
                                              [(0, 1), (0, 1)], periodic=(True, False), max_degree=64)


def test_bad_input(f):
    with pytest.raises(ValueError, match="periodic needs 3 flags"):
        PeriodicChebyshevTucker.from_function(f_exact, BOX, periodic=(True, False))
    with pytest.raises(ValueError, match="method must be 'full'"):
        ChebyshevTucker.from_function(f_exact, BOX, periodic=(True, False, False), method="cross")
    with pytest.raises(ValueError, match="outside"):
        f(np.array([[0.5, 1.5, 1.0]]))  # y is a Chebyshev mode: no wrap-around
    other = ChebyshevTucker.from_function(f_exact, BOX, periodic=(True, False, False), tol=1e-10)
    with pytest.raises(ValueError, match="differ"):
        f + other
    with pytest.raises(ValueError, match="odd number"):
        PeriodicChebyshevTucker(np.ones((1, 1)), [np.ones((2, 1)), np.ones((2, 1))], [(0, 1)] * 2,
                                periodic=(True, False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f.diff(0).ranks == (1, 1, 1)


def test_array_api_strict_in_and_out():
    xp = pytest.importorskip("array_api_strict")
    g = ChebyshevTucker.from_function(lambda x, y: xp.sin(TWO_PI * x) * xp.exp(y), [(0, 1), (0, 1)],
                                      periodic=(True, False), backend="array_api_strict")
    assert g.backend == "array_api_strict"
    value = g.diff(0)(xp.asarray([[0.3, 0.4]]))
    assert isinstance(value, type(g.core))
    assert abs(float(value[0]) - TWO_PI * math.cos(TWO_PI * 0.3) * math.exp(0.4)) < 1e-12
    assert abs((g * g).integral() - 0.25 * (math.exp(2) - 1)) < 1e-12
    assert abs(g.norm() - math.sqrt(0.25 * (math.exp(2) - 1))) < 1e-12
