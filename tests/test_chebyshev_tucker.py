import warnings

import numpy as np
import pytest

from helpers import assert_close
from sciml.backend import array_namespace, backend_name, to_numpy
from tensor_formats import ChebyshevTucker, TuckerTensor

CUBE = [(-1.0, 1.0)] * 3


def runge(*x):
    return 1.0 / (1.0 + sum(c * c for c in x))


def sine(x, y, z):
    return array_namespace(x).sin(x + 2 * y + 3 * z)


@pytest.mark.parametrize("d", [2, 3, 4])
def test_runge_in_several_dimensions(d):
    tol = 1e-10
    f = ChebyshevTucker.from_function(runge, [(-1.0, 1.0)] * d, tol=tol)
    points = np.random.default_rng(d).uniform(-1, 1, (10_000, d))
    error = np.max(np.abs(f(points) - runge(*points.T)))
    assert error <= 1e-10
    assert len(f.ranks) == d and f.compression_ratio > 1


def test_backend_is_followed_and_strict_equals_numpy(xp):
    f = ChebyshevTucker.from_function(sine, CUBE, tol=1e-12, backend=backend_name(xp))
    assert f.backend == backend_name(xp) and f.ranks == (2, 2, 2)
    points = xp.asarray(np.random.default_rng(0).uniform(-1, 1, (50, 3)))
    assert_close(f(points), xp.sin(points[:, 0] + 2 * points[:, 1] + 3 * points[:, 2]), atol=1e-12, xp=xp)
    again = f.to_backend("numpy")
    np.testing.assert_allclose(again(to_numpy(points)), to_numpy(f(points)), atol=1e-15)


def test_on_grid_gives_the_tucker_tensor_and_the_full_array():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-12)
    x, y, z = np.linspace(-1, 1, 7), np.linspace(-1, 1, 5), np.array([0.0, 0.5])
    tucker = f.on_grid(x, y, z)
    assert isinstance(tucker, TuckerTensor) and tucker.shape == (7, 5, 2)
    full = f.on_grid(x, y, z, full=True)
    np.testing.assert_allclose(full, runge(x[:, None, None], y[None, :, None], z[None, None, :]), atol=1e-12)
    np.testing.assert_allclose(tucker.full(), full, atol=1e-15)
    assert f(np.array([[0.0, 0.5, 0.5]]))[0] == pytest.approx(2.0 / 3.0, abs=1e-13)


def test_partial_integral_is_a_function_of_the_remaining_axes():
    f = ChebyshevTucker.from_function(sine, CUBE, tol=1e-13)
    g = f.integral(axes=2)  # ∫ sin(x + 2y + 3z) dz = (cos(x+2y-3) - cos(x+2y+3)) / 3
    pts = np.array([[0.2, -0.4], [0.9, 0.1]])
    s = pts[:, 0] + 2 * pts[:, 1]
    np.testing.assert_allclose(g(pts), (np.cos(s - 3) - np.cos(s + 3)) / 3, atol=1e-12)
    assert f.integral(axes=(0, 1, 2)) == pytest.approx(f.integral(), abs=1e-15)
    with pytest.raises(ValueError, match="axes"):
        f.integral(axes=(0, 0))


def test_derivatives_stay_accurate():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-13)
    pts = np.random.default_rng(2).uniform(-1, 1, (500, 3))
    x, y, z = pts.T
    dfdx = -2 * x / (1 + x * x + y * y + z * z) ** 2
    np.testing.assert_allclose(f.diff(0)(pts), dfdx, atol=1e-10)
    g = ChebyshevTucker.from_function(sine, CUBE, tol=1e-13)
    np.testing.assert_allclose(g.diff(2, order=2)(pts), -9 * np.sin(x + 2 * y + 3 * z), atol=1e-9)
    for v in g.diff(1).factors:
        np.testing.assert_allclose(v.T @ v, np.eye(v.shape[1]), atol=1e-12)


def test_arithmetic_with_recompression():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-12)
    g = ChebyshevTucker.from_function(sine, CUBE, tol=1e-12)
    pts = np.random.default_rng(3).uniform(-1, 1, (300, 3))
    fx, gx = runge(*pts.T), np.sin(pts[:, 0] + 2 * pts[:, 1] + 3 * pts[:, 2])
    np.testing.assert_allclose((f + g)(pts), fx + gx, atol=1e-11)
    np.testing.assert_allclose((f - 2.0 * g)(pts), fx - 2 * gx, atol=1e-11)
    np.testing.assert_allclose((f * g)(pts), fx * gx, atol=1e-11)
    np.testing.assert_allclose((1.0 + f / 4.0)(pts), 1 + fx / 4, atol=1e-12)
    zero = f - f
    assert zero.ranks == (0, 0, 0) and np.max(np.abs(zero(pts))) == 0.0  # the zero function has rank 0
    assert (g + g).ranks == (2, 2, 2)


def test_compress_norm_and_sizes():
    f = ChebyshevTucker.from_function(runge, CUBE, tol=1e-13)
    coarse = f.compress(1e-5)
    assert all(rc <= rf for rc, rf in zip(coarse.ranks, f.ranks)) and coarse.ranks != f.ranks
    pts = np.random.default_rng(4).uniform(-1, 1, (500, 3))
    assert np.max(np.abs(coarse(pts) - f(pts))) < 1e-4
    g = ChebyshevTucker.from_function(sine, CUBE, tol=1e-13)
    # ∫ sin²(x + 2y + 3z) over the cube, by the exact formula for the mean of sin² of a linear form.
    exact = 8 * 0.5 - 0.5 * np.prod([np.sin(2 * a) / a for a in (1, 2, 3)])
    assert g.norm() ** 2 == pytest.approx(exact, rel=1e-12)
    assert f.nbytes == 8 * (np.prod(f.ranks) + sum(v.size for v in f.factors))
    assert "ranks=" in repr(f)


def test_save_and_load_round_trip(tmp_path):
    f = ChebyshevTucker.from_function(runge, [(0.0, 1.0), (-2.0, 1.0), (-1.0, 3.0)], tol=1e-10)
    path = tmp_path / "runge.npz"
    f.save(path)
    g = ChebyshevTucker.load(path)
    assert g.domain == f.domain and g.ranks == f.ranks and g.tol == f.tol
    pts = np.array([[0.5, 0.0, 1.0]])
    assert g(pts)[0] == f(pts)[0]
    strict = ChebyshevTucker.load(path, backend="array_api_strict")
    assert strict.backend == "array_api_strict"


def test_damaged_or_foreign_files_give_clear_errors(tmp_path):
    f = ChebyshevTucker.from_function(sine, CUBE, tol=1e-8)
    path = tmp_path / "f.npz"
    f.save(path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a valid sciml.ChebyshevTucker file"):
        ChebyshevTucker.load(truncated)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, format=np.array(["sciml.ChebyshevTucker/1"], dtype=object), core=np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="not a valid sciml.ChebyshevTucker file"):
        ChebyshevTucker.load(pickled)  # object arrays would need pickle: refused
    other = tmp_path / "other.npz"
    np.savez(other, core=np.ones(3))
    with pytest.raises(ValueError, match="format tag"):
        ChebyshevTucker.load(other)
    with pytest.raises(FileNotFoundError):
        ChebyshevTucker.load(tmp_path / "missing.npz")


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="does not broadcast"):
        ChebyshevTucker.from_function(lambda x, y: np.ones(3), [(-1, 1)] * 2)
    with pytest.raises(ValueError, match="NaN"), np.errstate(invalid="ignore", divide="ignore"):
        ChebyshevTucker.from_function(lambda x, y: np.log(x + 0 * y), [(-1, 1)] * 2)
    with pytest.raises(ValueError, match="a < b"):
        ChebyshevTucker.from_function(runge, [(-1, 1), (1, 1)])
    with pytest.raises(ValueError, match="degree"):
        ChebyshevTucker.from_function(runge, CUBE, degree=0)
    with pytest.raises(ValueError, match=">= 1"):
        ChebyshevTucker.from_function(runge, CUBE, rank=0, degree=8)
    with pytest.raises(ValueError, match="tol"):
        ChebyshevTucker.from_function(runge, CUBE, tol=0.0)
    f = ChebyshevTucker.from_function(sine, CUBE, tol=1e-10)
    with pytest.raises(ValueError, match="outside"):
        f(np.array([[1.5, 0.0, 0.0]]))
    assert np.isfinite(f(np.array([[1.01, 0.0, 0.0]]), extrapolate=True)[0])
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        f(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        f(np.array([[np.nan, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="domains differ"):
        f + ChebyshevTucker.from_function(sine, [(-1, 2)] * 3, tol=1e-10)


def test_unreachable_tolerance_warns_naming_the_mode():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = ChebyshevTucker.from_function(lambda x, y: np.abs(x) + 0 * y + y, [(-1, 1)] * 2, tol=1e-12,
                                          max_degree=64)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages and "mode(s) [0]" in messages[0]
    assert f.degrees[0] == 64


def test_fixed_degree_and_rank():
    f = ChebyshevTucker.from_function(runge, CUBE, degree=(10, 12, 14), rank=3)
    assert f.degrees == (10, 12, 14) and f.ranks == (3, 3, 3)


def test_from_values_and_from_cp_paths_agree():
    from tensor_formats.chebyshev import chebyshev_points

    m = 33
    x = chebyshev_points(m)
    values = runge(x[:, None, None], x[None, :, None], x[None, None, :])
    f = ChebyshevTucker.from_values(values, CUBE, tol=1e-12)
    assert f(np.array([[0.0, 0.5, 0.5]]))[0] == pytest.approx(2 / 3, abs=1e-6)
    # A CP sum of Gaussians in both the callable and the uniform-grid form.
    widths = np.array([0.5, 1.0, 2.0])
    weights = np.array([1.0, -0.5, 0.25])

    def factor(x):
        return np.exp(-np.outer(x, widths) ** 2)

    exact = lambda p: np.sum(weights * np.prod(np.exp(-(p[:, :, None] * widths) ** 2), axis=1), axis=1)  # noqa: E731
    pts = np.random.default_rng(5).uniform(-1, 1, (200, 3))
    for method in ("rhosvd", "full"):
        g = ChebyshevTucker.from_cp([factor] * 3, CUBE, weights=weights, degree=40, tol=1e-12, method=method)
        np.testing.assert_allclose(g(pts), exact(pts), atol=1e-12)
    n = 512
    centres = -1 + (np.arange(n) + 0.5) * 2 / n
    sampled = ChebyshevTucker.from_cp([factor(centres)] * 3, CUBE, weights=weights, degree=40, tol=1e-12)
    np.testing.assert_allclose(sampled(pts), exact(pts), atol=1e-8)  # cubic splines: O(h^4)
    with pytest.raises(ValueError, match="method"):
        ChebyshevTucker.from_cp([factor] * 3, CUBE, method="als")
