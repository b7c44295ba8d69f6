"""Chebyshev interpolation in one variable, along any axis of an array.

Conventions: Chebyshev points of the second kind in *ascending* order,
``x_j = -cos(π j / n)``, ``j = 0..n`` (``m = n + 1`` points, endpoints included), mapped
affinely to ``[a, b]``.  A coefficient vector ``c`` of length ``m`` represents
``p(x) = Σ_k c_k T_k(t)`` with ``t = (2x - a - b) / (b - a)``.

Values and coefficients are related by a DCT-I, computed here through a real FFT of the
even extension (``xp.fft`` of the array-API standard), so the transforms run on numpy,
cupy and array_api_strict alike.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import chebyshev as cheb
>>> x = cheb.chebyshev_points(5)
>>> c = cheb.values_to_coefficients(x**2)            # x² = (T0 + T2) / 2
>>> np.round(c, 14) + 0.0
array([0.5, 0. , 0.5, 0. , 0. ])
>>> round(float(cheb.evaluate(c, np.array([0.3]))[0]), 12)
0.09
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device, namespace_for

__all__ = [
    "chebyshev_points",
    "clenshaw_curtis_weights",
    "coefficients_to_values",
    "definite_integrals",
    "differentiate",
    "evaluate",
    "gram_matrix",
    "map_to_reference",
    "standard_chop",
    "values_to_coefficients",
    "vandermonde",
]


def _check_interval(domain: Sequence[float]) -> tuple[float, float]:
    a, b = (float(v) for v in domain)
    if not (math.isfinite(a) and math.isfinite(b) and b > a):
        raise ValueError(f"an interval needs finite a < b, got ({a}, {b})")
    return a, b


def chebyshev_points(m: int, domain: Sequence[float] = (-1.0, 1.0), *, backend: str = "numpy"):
    """``m`` Chebyshev points of the second kind on ``[a, b]``, ascending (``m >= 2``).

    Examples
    --------
    >>> from tensor_formats.chebyshev import chebyshev_points
    >>> chebyshev_points(3, (0.0, 2.0))
    array([0., 1., 2.])
    """
    if int(m) < 2:
        raise ValueError(f"need at least 2 Chebyshev points, got {m}")
    a, b = _check_interval(domain)
    xp = namespace_for(backend)
    n = int(m) - 1
    # sin form is symmetric to round-off: x_j = sin(π (2j - n) / (2n)).
    j = xp.arange(m, dtype=xp.float64)
    t = xp.sin(math.pi * (2.0 * j - n) / (2.0 * n))
    return 0.5 * (a + b) + 0.5 * (b - a) * t


def map_to_reference(x: Any, domain: Sequence[float]):
    """Map points of ``[a, b]`` to ``[-1, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import map_to_reference
    >>> map_to_reference(np.array([0.0, 1.0, 2.0]), (0.0, 2.0))
    array([-1.,  0.,  1.])
    """
    a, b = _check_interval(domain)
    return (2.0 * x - (a + b)) / (b - a)


def _dct1_last(y):
    """Unnormalised DCT-I along the last axis, by an FFT of the even extension."""
    xp = array_namespace(y)
    m = y.shape[-1]
    if m == 2:
        return xp.stack([y[..., 0] + y[..., 1], y[..., 0] - y[..., 1]], axis=-1)
    extension = xp.concat([y, xp.flip(y[..., 1:m - 1], axis=-1)], axis=-1)
    return xp.real(xp.fft.rfft(extension, axis=-1))


def _along(fn, y, axis: int):
    xp = array_namespace(y)
    moved = xp.moveaxis(y, axis, -1)
    return xp.moveaxis(fn(moved), -1, axis)


def _endpoint_scale(xp, m: int, like, first_last: float):
    scale = [1.0] * m
    scale[0] = scale[-1] = first_last
    return xp.asarray(scale, dtype=like.dtype, device=device(like))


def _alternating(xp, m: int, like):
    return xp.asarray([(-1.0) ** k for k in range(m)], dtype=like.dtype, device=device(like))


def values_to_coefficients(values: Any, axis: int = 0):
    """Chebyshev coefficients from values at the (ascending) Chebyshev points along ``axis``.

    ``c = DCT-I(y) / n`` with the first and last coefficient halved; the factor
    ``(-1)^k`` accounts for the ascending order of the points.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import chebyshev_points, values_to_coefficients
    >>> x = chebyshev_points(5)
    >>> np.round(values_to_coefficients(2 * x**2 - 1), 12) + 0.0     # T_2
    array([0., 0., 1., 0., 0.])
    """
    xp = array_namespace(values)
    m = values.shape[axis]
    if m < 2:
        raise ValueError(f"need at least 2 values along axis {axis}, got {m}")

    def transform(y):
        c = _dct1_last(y) / (m - 1)
        return c * _endpoint_scale(xp, m, c, 0.5) * _alternating(xp, m, c)

    return _along(transform, values, axis)


def coefficients_to_values(coefficients: Any, axis: int = 0):
    """Values at the (ascending) Chebyshev points from coefficients along ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import coefficients_to_values
    >>> np.round(coefficients_to_values(np.array([0.0, 1.0, 0.0])), 12) + 0.0   # T_1 at -1, 0, 1
    array([-1.,  0.,  1.])
    """
    xp = array_namespace(coefficients)
    m = coefficients.shape[axis]
    if m < 2:
        raise ValueError(f"need at least 2 coefficients along axis {axis}, got {m}")

    def transform(c):
        d = c * _alternating(xp, m, c) * _endpoint_scale(xp, m, c, 2.0)
        return 0.5 * _dct1_last(d)

    return _along(transform, coefficients, axis)


def vandermonde(t: Any, m: int, *, transpose: bool = False):
    """Matrix ``[T_0(t), ..., T_{m-1}(t)]`` of shape ``(len(t), m)`` for reference points ``t``.

    With ``transpose=True`` the ``(m, len(t))`` matrix, which the three-term recurrence
    fills row by row in contiguous memory (several times faster for many points).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import vandermonde
    >>> vandermonde(np.array([0.5]), 4)                     # T_0..T_3 at 0.5
    array([[ 1. ,  0.5, -0.5, -1. ]])
    """
    xp = array_namespace(t)
    t = xp.reshape(t, (-1,))
    rows = xp.empty((m, t.shape[0]), dtype=t.dtype, device=device(t))
    rows[0, :] = 1.0
    if m > 1:
        rows[1, :] = t
    two_t = 2.0 * t
    for k in range(2, m):
        rows[k, :] = two_t * rows[k - 1, :] - rows[k - 2, :]
    return rows if transpose else rows.T


def evaluate(coefficients: Any, x: Any, domain: Sequence[float] = (-1.0, 1.0)):
    """Evaluate the series ``Σ c_k T_k`` at points ``x`` by Clenshaw's recurrence.

    ``coefficients`` has the polynomial index on axis 0; trailing axes are evaluated
    together (the result has shape ``x.shape + coefficients.shape[1:]``).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import evaluate
    >>> evaluate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.5]))   # 1 + 2x + 3(2x² - 1)
    array([-2. ,  0.5])
    """
    xp = array_namespace(coefficients, x)
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError("x contains NaN or infinite values")
    if not bool(xp.all(xp.isfinite(coefficients))):
        raise ValueError("coefficients contain NaN or infinite values")
    t = map_to_reference(x, domain)
    t = xp.reshape(t, tuple(t.shape) + (1,) * (coefficients.ndim - 1))
    b1 = b2 = 0.0 * t
    for k in range(coefficients.shape[0] - 1, 0, -1):
        b1, b2 = coefficients[k, ...] + 2.0 * t * b1 - b2, b1
    return coefficients[0, ...] + t * b1 - b2


def differentiate(coefficients: Any, axis: int = 0, *, domain: Sequence[float] = (-1.0, 1.0), order: int = 1):
    """Coefficients of the derivative (same length, the last ``order`` entries zero).

    Uses ``c'_{k-1} = c'_{k+1} + 2k c_k`` (``c'_0`` halved) and the chain-rule factor
    ``2 / (b - a)``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import differentiate
    >>> differentiate(np.array([0.0, 0.0, 1.0]))            # (2x² - 1)' = 4x = 4 T_1
    array([0., 4., 0.])
    """
    if int(order) < 0:
        raise ValueError(f"order must be >= 0, got {order}")
    a, b = _check_interval(domain)
    xp = array_namespace(coefficients)

    def once(c):
        m = c.shape[-1]
        derivative = [None] * m
        zero = 0.0 * c[..., 0]
        derivative[m - 1] = zero
        nxt, nxt2 = zero, zero  # c'_{k}, c'_{k+1}
        for k in range(m - 1, 0, -1):
            current = nxt2 + 2.0 * k * c[..., k]  # c'_{k-1}
            derivative[k - 1] = current
            nxt2, nxt = nxt, current
        derivative[0] = 0.5 * derivative[0]
        return xp.stack(derivative, axis=-1) * (2.0 / (b - a))

    result = coefficients
    for _ in range(int(order)):
        result = _along(once, result, axis)
    return result


def definite_integrals(m: int, domain: Sequence[float] = (-1.0, 1.0), *, backend: str = "numpy"):
    """``w_k = ∫_a^b T_k`` for ``k < m``: ``(b - a) / (1 - k²)`` for even k, 0 for odd k.

    Examples
    --------
    >>> from tensor_formats.chebyshev import definite_integrals
    >>> definite_integrals(4)                               # ∫_{-1}^{1} T_k for k = 0..3
    array([ 2.        ,  0.        , -0.66666667,  0.        ])
    """
    a, b = _check_interval(domain)
    xp = namespace_for(backend)
    w = [(b - a) / (1.0 - k * k) if k % 2 == 0 else 0.0 for k in range(int(m))]
    return xp.asarray(w, dtype=xp.float64)


def clenshaw_curtis_weights(m: int, domain: Sequence[float] = (-1.0, 1.0), *, backend: str = "numpy"):
    """Clenshaw–Curtis quadrature weights for the ``m`` Chebyshev points on ``[a, b]``.

    ``Σ_j w_j f(x_j)`` integrates the interpolant exactly: the weights are the
    transpose of :func:`values_to_coefficients` applied to :func:`definite_integrals`.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import chebyshev_points, clenshaw_curtis_weights
    >>> x, w = chebyshev_points(9, (0.0, 1.0)), clenshaw_curtis_weights(9, (0.0, 1.0))
    >>> bool(abs(w @ np.exp(x) - (np.e - 1)) < 1e-9)
    True
    """
    xp = namespace_for(backend)
    eye = xp.eye(int(m), dtype=xp.float64)
    to_coeffs = values_to_coefficients(eye, axis=0)  # column j: coefficients of the j-th cardinal function
    return xp.sum(definite_integrals(m, domain, backend=backend)[:, None] * to_coeffs, axis=0)


def gram_matrix(m: int, domain: Sequence[float] = (-1.0, 1.0), *, backend: str = "numpy"):
    """``G_ij = ∫_a^b T_i T_j`` (``T_i T_j = (T_{i+j} + T_{|i-j|}) / 2``).

    Examples
    --------
    >>> from tensor_formats.chebyshev import gram_matrix
    >>> gram_matrix(3)                                      # ∫ T_i T_j on [-1, 1]
    array([[ 2.        ,  0.        , -0.66666667],
           [ 0.        ,  0.66666667,  0.        ],
           [-0.66666667,  0.        ,  0.93333333]])
    """
    a, b = _check_interval(domain)
    xp = namespace_for(backend)

    def g(n):
        return 2.0 / (1.0 - n * n) if n % 2 == 0 else 0.0

    half = 0.25 * (b - a)
    rows = [[half * (g(i + j) + g(abs(i - j))) for j in range(m)] for i in range(m)]
    return xp.asarray(rows, dtype=xp.float64)


def standard_chop(coefficients: Any, tol: float = 2.0**-52) -> int:
    """Number of leading coefficients to keep so that the series resolves to ``tol``.

    A port of the plateau rule of Aurentz & Trefethen, "Chopping a Chebyshev series"
    (ACM TOMS 2017), Chebfun's ``standardChop``: find where the monotone envelope of
    ``|c_k|`` reaches a plateau at the relative level ``tol`` and cut at the corner of the
    log-envelope.  Returns ``len(coefficients)`` when the series is *not* resolved (no
    plateau), so ``standard_chop(c, tol) < len(c)`` means "happy".

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.chebyshev import standard_chop
    >>> c = 0.5 ** np.arange(60)
    >>> int(standard_chop(c, 1e-10)) < 60          # geometric decay: resolved
    True
    >>> int(standard_chop(np.ones(60), 1e-10))      # no decay: not resolved
    60
    """
    import numpy as np

    from sciml.backend import to_numpy

    if not 0 < tol:
        raise ValueError(f"tol must be > 0, got {tol}")
    if tol >= 1:
        return 1
    b = np.abs(np.asarray(to_numpy(coefficients), dtype=float).reshape(-1))
    n = b.size
    if n < 17:
        return n
    envelope = np.maximum.accumulate(b[::-1])[::-1]
    if envelope[0] == 0:
        return 1
    envelope = envelope / envelope[0]
    plateau_point = None
    j2 = 0
    for j in range(2, n + 1):  # 1-based as in the paper
        j2 = round(1.25 * j + 5)
        if j2 > n:
            return n
        e1, e2 = envelope[j - 1], envelope[j2 - 1]
        if e1 == 0:
            plateau_point = j - 1
            break
        r = 3.0 * (1.0 - math.log(e1) / math.log(tol))
        if e2 / e1 > r:
            plateau_point = j - 1
            break
    if envelope[plateau_point - 1] == 0:
        return plateau_point
    j3 = int(np.sum(envelope >= tol ** (7.0 / 6.0)))
    env = envelope.copy()
    if j3 < j2:
        j2 = j3 + 1
        env[j2 - 1] = tol ** (7.0 / 6.0)
    cc = np.log10(env[:j2]) + np.linspace(0.0, (-1.0 / 3.0) * math.log10(tol), j2)
    d = int(np.argmin(cc)) + 1
    return max(d - 1, 1)
