"""Fuzz properties of the Chebyshev–Tucker toolbox and its helpers: the 1-D slices
(:class:`ChebyshevLine`), vector fields, complex functions, the Chebyshev module's transforms
against numpy's Chebyshev module, the Tucker helpers against numpy, and
:class:`ParticlePotential` against the direct Coulomb sum.  Each property: a correct result or a
documented exception, within the time limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.polynomial import chebyshev as npcheb

from fuzz_support import arrays, call, covers, finite_floats, is_finite, non_finite
from tensor_formats import ChebyshevTucker, ParticlePotential
from tensor_formats import chebyshev as cheb
from tensor_formats.chebyshev_tucker import (MAX_SAMPLES, ChebyshevLine, ChebyshevTuckerVector,
                                             ComplexChebyshevTucker)
from tensor_formats.tucker import epsilon_rank, mode_product, unfold

#: Intervals, some of them reversed, empty or non-finite.
intervals = st.one_of(
    st.tuples(finite_floats(magnitude=5), st.floats(0.1, 5)).map(lambda t: (t[0], t[0] + t[1])),
    st.sampled_from([(1.0, 1.0), (2.0, -1.0), (0.0, math.inf), (math.nan, 1.0)]))


def _good(domain) -> bool:
    a, b = domain
    return math.isfinite(a) and math.isfinite(b) and b > a


@covers("tensor_formats.chebyshev_tucker.ChebyshevLine")
@given(c=arrays(dtypes=(np.float64, np.float32, np.complex128, np.int64), max_dims=2, max_side=8), domain=intervals,
       t=st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_chebyshev_line_matches_numpy(c, domain, t):
    line = call(lambda: ChebyshevLine(c, domain))
    if line is None:
        assert c.ndim != 1 or c.size == 0 or not _good(domain), "a valid line was refused"
        return
    assert _good(domain) and c.ndim == 1 and c.size >= 1
    a, b = domain
    x = a + (b - a) * np.asarray(t)
    values = call(lambda: line(x))
    if values is None:
        assert not is_finite(c)
        return
    if not is_finite(c):
        return  # the coefficients are the user's: NaN in, NaN out, checked at the construction of the format
    ref = npcheb.chebval((2 * x - (a + b)) / (b - a), c.astype(np.complex128 if c.dtype.kind == "c" else np.float64))
    scale = float(np.sum(np.abs(c.astype(np.complex128)))) + 1e-300
    assert np.allclose(values, ref, rtol=1e-6, atol=1e-6 * scale)
    assert line.degree == c.size - 1
    # outside the interval: refused, not extrapolated silently
    assert call(lambda: line(np.array([b + (b - a)]))) is None


@covers("tensor_formats.chebyshev_tucker.ChebyshevTuckerVector", "tensor_formats.chebyshev_tucker.MAX_SAMPLES")
@given(k=st.tuples(st.integers(0, 3), st.integers(0, 3)), shift=finite_floats(magnitude=2),
       width=st.floats(0.5, 3), bad=st.sampled_from([None, "empty", "mixed", "nan"]))
def test_gradient_of_a_polynomial_is_exact(k, shift, width, bad):
    box = [(shift, shift + width)] * 2
    p, q = k
    f = call(lambda: ChebyshevTucker.from_function(lambda x, y: x**p * y**q + x, box))
    assert f is not None, "a polynomial was refused"
    assert isinstance(MAX_SAMPLES, int) and MAX_SAMPLES > 0
    if bad == "empty":
        assert call(lambda: ChebyshevTuckerVector([])) is None
        return
    if bad == "mixed":
        g = ChebyshevTucker.from_function(lambda x, y: x + y, [(shift, shift + 2 * width)] * 2)
        assert call(lambda: ChebyshevTuckerVector([f, g])) is None, "components on different boxes were accepted"
        return
    field = call(lambda: f.grad())
    assert isinstance(field, ChebyshevTuckerVector) and field.ndim == 2
    rng = np.random.default_rng(p + 4 * q)
    pts = shift + width * rng.uniform(0, 1, (6, 2))
    if bad == "nan":
        pts[0, 0] = np.nan
        assert call(lambda: field[0](pts)) is None, "a NaN point was evaluated"
        return
    x, y = pts[:, 0], pts[:, 1]
    gx = p * x ** max(p - 1, 0) * y**q * (p > 0) + 1.0
    gy = q * x**p * y ** max(q - 1, 0) * (q > 0)
    scale = 1.0 + (abs(shift) + width) ** (p + q)
    assert np.allclose(field[0](pts), gx, atol=1e-8 * scale)
    assert np.allclose(field[1](pts), gy, atol=1e-8 * scale)
    lap = field.div()
    exact = p * (p - 1) * x ** max(p - 2, 0) * y**q + q * (q - 1) * x**p * y ** max(q - 2, 0)
    assert np.allclose(lap(pts), exact, atol=1e-6 * scale)


@covers("tensor_formats.chebyshev_tucker.ComplexChebyshevTucker")
@given(kx=st.integers(-3, 3), ky=st.integers(-3, 3), a=finite_floats(magnitude=2), width=st.floats(0.2, 2),
       bad=st.one_of(st.none(), non_finite(), st.just("reversed")))
def test_complex_integral_matches_the_closed_form(kx, ky, a, width, bad):
    box = [(a, a + width)] * 2
    if bad == "reversed":
        box = [(a + width, a)] * 2
    elif bad is not None:
        box = [(a, bad), (a, a + width)]
    f = call(lambda: ComplexChebyshevTucker.from_function(lambda x, y: np.exp(1j * (kx * x + ky * y)), box))
    if f is None:
        assert bad is not None, "a valid box was refused"
        return
    assert bad is None, f"a bad box was accepted: {box}"

    def one(k):
        return width if k == 0 else (np.exp(1j * k * (a + width)) - np.exp(1j * k * a)) / (1j * k)

    exact = one(kx) * one(ky)
    assert abs(f.integral() - exact) <= 1e-9 * (1 + width**2)
    pts = np.array([[a + 0.3 * width, a + 0.7 * width]])
    assert np.allclose(f(pts), np.exp(1j * (kx * pts[:, 0] + ky * pts[:, 1])), atol=1e-9)
    assert abs(f.conj().integral() - np.conj(exact)) <= 1e-9 * (1 + width**2)


@covers("tensor_formats.chebyshev.chebyshev_points", "tensor_formats.chebyshev.map_to_reference",
        "tensor_formats.chebyshev.values_to_coefficients", "tensor_formats.chebyshev.coefficients_to_values",
        "tensor_formats.chebyshev.vandermonde", "tensor_formats.chebyshev.evaluate",
        "tensor_formats.chebyshev.differentiate", "tensor_formats.chebyshev.definite_integrals",
        "tensor_formats.chebyshev.clenshaw_curtis_weights", "tensor_formats.chebyshev.gram_matrix",
        "tensor_formats.chebyshev.standard_chop")
@given(m=st.integers(-1, 12), domain=intervals, seed=st.integers(0, 2**16))
def test_chebyshev_transforms_match_numpy(m, domain, seed):
    pts = call(lambda: cheb.chebyshev_points(m, domain))
    if pts is None:
        assert m < 2 or not _good(domain), "valid points were refused"
        return
    assert m >= 2 and _good(domain)
    a, b = domain
    t = np.cos(np.pi * np.arange(m)[::-1] / (m - 1))
    assert np.allclose(pts, 0.5 * (a + b) + 0.5 * (b - a) * t, atol=1e-13 * (abs(a) + abs(b)))
    assert np.allclose(cheb.map_to_reference(pts, domain), t, atol=1e-12)
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(m)
    values = cheb.coefficients_to_values(c)
    assert np.allclose(values, npcheb.chebval(t, c), atol=1e-12 * m)
    assert np.allclose(cheb.values_to_coefficients(values), c, atol=1e-12 * m)
    assert np.allclose(cheb.vandermonde(t, m), npcheb.chebvander(t, m - 1), atol=1e-12)
    x = a + (b - a) * rng.uniform(0, 1, 5)
    assert np.allclose(cheb.evaluate(c, x, domain), npcheb.chebval((2 * x - a - b) / (b - a), c), atol=1e-11 * m)
    dc = cheb.differentiate(c, domain=domain)
    ref = npcheb.chebder(c) * 2 / (b - a)
    assert np.allclose(dc[: ref.size], ref, atol=1e-10 * m**3 / (b - a)) and np.allclose(dc[ref.size:], 0)
    integral = (b - a) / 2 * (npcheb.chebval(1, npcheb.chebint(c)) - npcheb.chebval(-1, npcheb.chebint(c)))
    assert np.isclose(cheb.definite_integrals(m, domain) @ c, integral, atol=1e-12 * m * (b - a))
    w = cheb.clenshaw_curtis_weights(m, domain)  # exact for the degree m-1 polynomial
    assert np.isclose(w @ npcheb.chebval(t, c), integral, atol=1e-11 * m * (b - a))
    gram = cheb.gram_matrix(m, domain)
    sq = npcheb.chebint(npcheb.chebmul(c, c))
    assert np.isclose(c @ gram @ c, (b - a) / 2 * (npcheb.chebval(1, sq) - npcheb.chebval(-1, sq)),
                      atol=1e-10 * m * (b - a) * float(c @ c))
    decaying = 0.5 ** np.arange(60)
    assert cheb.standard_chop(decaying, 1e-10) < 60 and cheb.standard_chop(np.ones(8), 1e-10) == 8
    assert call(lambda: cheb.standard_chop(c, tol=-1.0)) is None


@covers("tensor_formats.tucker.unfold", "tensor_formats.tucker.mode_product", "tensor_formats.tucker.epsilon_rank")
@given(t=arrays(dtypes=(np.float64, np.complex128), min_dims=1, max_dims=4, min_side=1, max_side=4, poison=False),
       mode=st.integers(-1, 4), rows=st.integers(0, 4), s=arrays(dtypes=(np.float64,), max_dims=1, max_side=6),
       threshold=st.one_of(st.floats(0, 10), st.sampled_from([-1.0, math.nan, math.inf])))
def test_tucker_helpers_match_numpy(t, mode, rows, s, threshold):
    out = call(lambda: unfold(t, mode), documented=(ValueError, TypeError, IndexError))
    if out is not None:
        k = mode % t.ndim
        assert -t.ndim <= mode < t.ndim
        assert np.array_equal(out, np.moveaxis(t, k, 0).reshape(t.shape[k], -1))
        matrix = np.random.default_rng(rows).standard_normal((rows, t.shape[k]))
        product = mode_product(t, matrix, k)
        assert np.allclose(product, np.moveaxis(np.tensordot(matrix, t, axes=([1], [k])), 0, k))
        wrong = np.ones((2, t.shape[k] + 1))
        assert call(lambda: mode_product(t, wrong, k)) is None
    else:
        assert not -t.ndim <= mode < t.ndim, "a valid mode was refused"
    sv = np.sort(np.abs(s))[::-1]
    r = call(lambda: epsilon_rank(sv, threshold))
    if r is None:
        assert not (is_finite(sv) and threshold >= 0), "a valid threshold was refused"
        return
    assert is_finite(sv) and threshold >= 0, f"accepted threshold {threshold} / singular values {sv}"
    assert 1 <= r <= max(sv.size, 1)
    if is_finite(sv) and math.isfinite(threshold) and sv.size and np.max(sv) < 1e150 and np.max(sv) > 1e-150:
        tails = [math.sqrt(float(np.sum(sv[i:] ** 2))) for i in range(sv.size)] + [0.0]
        best = max(1, min(i for i in range(sv.size + 1) if tails[i] <= threshold * (1 + 1e-12)))
        assert r == min(best, sv.size) or abs(tails[r] - threshold) <= 1e-12 * threshold


def _direct(x, q):
    r = np.linalg.norm(x[:, None] - x[None], axis=-1)
    np.fill_diagonal(r, np.inf)
    phi = (1 / r) @ q
    d = x[:, None] - x[None]
    forces = q[:, None] * np.einsum("ijk,j->ik", d / r[..., None] ** 3, q)
    return phi, forces


@covers("tensor_formats.ParticlePotential")
@given(n=st.integers(0, 24), seed=st.integers(0, 2**16), sigma=st.sampled_from([None, 0.3, 0.5, -1.0, math.nan]),
       defect=st.sampled_from([None, None, "nan", "outside", "charges", "shape", "tol"]))
def test_particle_potential_matches_the_direct_sum(n, seed, sigma, defect):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 3))
    q = rng.choice([-1.0, 1.0], n)
    kwargs = {"sigma": sigma}
    if n and defect == "nan":
        x[0, 1] = np.nan
    elif n and defect == "outside":
        x[0, 0] = 1.5
    elif defect == "charges":
        q = q[:-1] if n else np.ones(1)
    elif defect == "shape":
        x = x[:, :2]
    elif defect == "tol":
        kwargs["tol"] = 0.0
    pot = call(lambda: ParticlePotential(x, q, **kwargs))
    if pot is None:
        return
    assert n >= 2 and defect is None and (sigma is None or sigma > 0), (n, defect, sigma)
    phi, forces = _direct(x, q)
    scale = np.max(np.abs(phi)) + 1e-300
    assert np.max(np.abs(pot.at_particles() - phi)) <= 1e-6 * scale
    assert np.max(np.abs(pot.forces() - forces)) <= 1e-5 * (np.max(np.abs(forces)) + 1e-300)
    assert np.isclose(pot.energy(), 0.5 * q @ phi, rtol=1e-6, atol=1e-6 * scale)
