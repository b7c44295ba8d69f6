"""Fuzz properties of ``validation``: the metrics against a float64/scaled numpy oracle, the exact
solutions on drawn parameters and points (a finite answer of the right shape, or a documented
refusal), the Newton split ``long + short = 1/r``."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fuzz_support import arrays, call, covers, extreme_scale, is_finite, rejects
from validation import exact, metrics


def _scaled_norm(x) -> float:
    x = np.abs(np.asarray(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64))
    top = float(np.max(x, initial=0.0))
    return 0.0 if top == 0.0 else top * float(np.linalg.norm(x / top))


pairs = st.tuples(arrays(dtypes=(np.float64, np.float32, np.complex128, np.int64), max_dims=2, max_side=5),
                  st.integers(0, 3), extreme_scale())


@covers("validation.metrics", "validation.metrics.relative_l2", "validation.metrics.weighted_l2",
        "validation.metrics.check_finite", "validation.metrics.check_same_shape", "validation.metrics.max_error")
@given(pair=pairs, weighted=st.booleans())
def test_metrics_against_a_scaled_oracle(pair, weighted):
    exact_values, mode, scale = pair
    rng = np.random.default_rng(exact_values.size)
    with np.errstate(all="ignore"):
        approx = exact_values + (rng.standard_normal(exact_values.shape) * 1e-3 * scale).astype(exact_values.dtype)
    if mode == 1 and exact_values.size:
        approx = approx.reshape(-1)[:-1]  # a shape mismatch (never broadcast)
    weights = np.abs(rng.standard_normal(exact_values.shape)) if weighted else None
    value = call(lambda: metrics.relative_l2(approx, exact_values, weights=weights))
    if value is None:
        return
    assert approx.shape == exact_values.shape, "relative_l2 broadcast two shapes"
    assert is_finite(approx) and is_finite(exact_values)
    w = np.ones(exact_values.shape) if weights is None else weights
    diff = approx.astype(np.complex128) - exact_values.astype(np.complex128)
    expected = _scaled_norm(np.sqrt(w) * diff) / _scaled_norm(np.sqrt(w) * exact_values)
    if math.isinf(expected):  # the true ratio exceeds the float range: inf is its rounding
        assert value == math.inf
        return
    rtol = 1e-5 if exact_values.dtype == np.float32 else 1e-10
    assert math.isfinite(value), f"relative_l2 returned {value} for finite input"
    assert abs(value - expected) <= rtol * expected + 1e-300, (value, expected)
    error = metrics.max_error(approx, exact_values)
    assert abs(error - float(np.max(np.abs(diff)))) <= rtol * error + 1e-300
    assert abs(metrics.weighted_l2(exact_values) - _scaled_norm(exact_values)) <= rtol * _scaled_norm(exact_values)


@covers("validation.metrics.relative_l2")
def test_relative_l2_neither_overflows_nor_underflows():
    """The issue's case: relative_l2 gave NaN for 1e200 entries and 'zero norm' for 1e-200."""
    for scale in (1e200, 1e-200):
        value = metrics.relative_l2(np.array([2.0, 1.0]) * scale, np.array([1.0, 1.0]) * scale)
        assert abs(value - math.sqrt(0.5)) < 1e-14
    rejects(lambda: metrics.relative_l2(np.zeros(3), np.zeros(3)))


@covers("validation.metrics.observed_order")
@given(order=st.floats(0.5, 6.0), n=st.integers(0, 5), poison=st.sampled_from([None, 0.0, -1.0, math.nan, math.inf]))
def test_observed_order_recovers_the_power(order, n, poison):
    h = [0.5 ** k for k in range(n)]
    errors = [3.0 * v ** order for v in h]
    if poison is not None and n:
        errors[0] = poison
    value = call(lambda: metrics.observed_order(errors, h))
    if value is None:
        return
    assert n >= 2 and poison is None
    assert abs(value - order) <= 1e-9 * order


# ---------------------------------------------------------------------------------------------
# Exact solutions
# ---------------------------------------------------------------------------------------------

BAD_FLOATS = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e-300, 1e300]

#: class -> float keywords to draw (others keep their defaults)
KEYWORDS = {
    exact.Advection1D: ("velocity", "length"),
    exact.Antiderivative: (),
    exact.BurgersShock: ("nu", "u_left", "u_right", "x0"),
    exact.BurgersSine: ("nu", "amplitude", "length"),
    exact.Darcy1D: ("source",),
    exact.DarcyManufactured: (),
    exact.GaussianChargePotential: ("charge", "width"),
    exact.HeatFourierMode: ("kappa",),
    exact.HeatKernel: ("kappa", "x0", "t0"),
    exact.KolmogorovFlow: ("nu", "amplitude", "initial_fraction"),
    exact.LinearODE: ("decay_rate",),
    exact.PoissonCosineMode: (),
    exact.PoissonManufactured: ("alpha",),
    exact.PoissonSineMode: (),
    exact.TaylorGreenVortex: ("nu", "amplitude"),
    exact.Wave1D: ("speed", "length"),
}


@st.composite
def problems(draw):
    cls = draw(st.sampled_from(sorted(KEYWORDS, key=lambda c: c.__name__)))
    options = {}
    for name in KEYWORDS[cls]:
        if draw(st.booleans()):
            options[name] = draw(st.sampled_from(BAD_FLOATS + [0.5, 2.0]))
    return cls, options


@covers(*(f"validation.exact.{c.__name__}" for c in KEYWORDS), "validation.exact", "validation.exact.ExactSolution")
@given(problem=problems(), where=st.sampled_from(["inside", "nan", "inf", "outside", "int", "mismatch"]),
       t=st.sampled_from([0.0, 0.3, -1.0, math.nan, math.inf]))
def test_exact_solutions_are_finite_or_refused(problem, where, t):
    """Finite parameters and points in the domain give a finite solution of the broadcast shape;
    anything else is refused with ValueError/TypeError (never NaN handed back as an answer)."""
    cls, options = problem
    solution = call(lambda: cls(**options))
    if solution is None:
        return
    assert all(math.isfinite(v) for v in options.values()), f"{cls.__name__} accepted {options}"
    assert isinstance(solution, exact.ExactSolution)
    box = [(a if math.isfinite(a) else -2.0, b if math.isfinite(b) else 2.0) for a, b in solution.domain]
    points = [np.linspace(a + 0.1 * (b - a), b - 0.1 * (b - a), 4) for a, b in box]
    if where == "nan":
        points[0][1] = math.nan
    elif where == "inf":
        points[0][1] = math.inf
    elif where == "outside" and solution.bc != "periodic":
        points[0][1] = box[0][1] + 10.0 * (box[0][1] - box[0][0])
    elif where == "int":
        points[0] = np.arange(4)
    elif where == "mismatch" and solution.dim > 1:
        points[1] = points[1][:3]
    kwargs = {"t": t} if solution.time_dependent else {}
    value = call(lambda: solution.solution(*points, **kwargs))
    if value is None:
        return
    assert where in ("inside", "outside") or (where == "mismatch" and solution.dim == 1), f"accepted {where} points"
    assert not solution.time_dependent or (math.isfinite(t) and t >= 0)
    value = np.asarray(value)
    assert value.shape == np.broadcast_shapes(*(p.shape for p in points))
    assert np.all(np.isfinite(value)), f"{solution!r} returned {value} for finite input"


@covers("validation.exact.PointChargePotential", "validation.exact.newton_long_range",
        "validation.exact.newton_short_range")
@given(n=st.integers(0, 4), width=st.sampled_from(BAD_FLOATS + [0.25]), r=extreme_scale())
def test_newton_split_sums_to_coulomb(n, width, r):
    rng = np.random.default_rng(n)
    potential = call(lambda: exact.PointChargePotential(rng.uniform(-1, 1, (n, 3)), np.ones(n), split_width=width))
    if potential is None:
        return
    assert math.isfinite(width) and width > 0
    radius = np.array([r])
    long = call(lambda: exact.newton_long_range(np, radius, width))
    short = call(lambda: exact.newton_short_range(np, radius, width))
    if long is None or short is None:
        return
    assert np.all(np.isfinite(long)) and np.all(np.isfinite(short))
    assert abs(float(long[0] + short[0]) * r - 1.0) <= 1e-12
