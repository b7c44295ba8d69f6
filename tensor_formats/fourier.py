"""The real trigonometric (Fourier) basis of a periodic variable on ``[a, b)``: equispaced
points, coefficients from values by an FFT, evaluation, derivatives, integrals and the Gram
matrix.  The periodic modes of
:class:`~tensor_formats.chebyshev_tucker.PeriodicChebyshevTucker` use it the way the
Chebyshev modes use :mod:`tensor_formats.chebyshev`.

With ``L = b - a`` and ``t = (x - a) / L``, row ``j`` of a coefficient vector of odd length
``m = 2K + 1`` multiplies

* ``1`` for ``j = 0``,
* ``cos(2π k t)`` for ``j = 2k - 1`` and ``sin(2π k t)`` for ``j = 2k`` (``k = 1..K``),

so that dropping trailing pairs of rows drops the highest wavenumbers (the periodic analogue
of chopping trailing Chebyshev coefficients).

Examples
--------
>>> import numpy as np
>>> from tensor_formats import fourier
>>> x = fourier.fourier_points(5, (0.0, 2.0))
>>> np.round(x, 12).tolist()
[0.0, 0.4, 0.8, 1.2, 1.6]
>>> c = fourier.values_to_coefficients(1.0 + 3.0 * np.sin(np.pi * x))   # 1 + 3 sin(2π t)
>>> (np.round(c, 12) + 0.0).tolist()
[1.0, 0.0, 3.0, 0.0, 0.0]
>>> np.round(fourier.vandermonde(np.array([0.5]), 5, (0.0, 2.0)) @ c, 12).tolist()
[4.0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, namespace_for

__all__ = ["definite_integrals", "differentiate", "fourier_points", "gram_matrix", "values_to_coefficients",
           "vandermonde", "wavenumbers"]


def _interval(domain: Sequence[float]) -> tuple[float, float]:
    a, b = (float(v) for v in domain)
    if not (math.isfinite(a) and math.isfinite(b) and b > a):
        raise ValueError(f"domain needs finite a < b, got {tuple(domain)}")
    return a, b


def _check_length(m: int) -> int:
    m = int(m)
    if m < 1 or m % 2 == 0:
        raise ValueError(f"the number of trigonometric coefficients must be odd (2K + 1), got {m}")
    return m


def wavenumbers(m: int) -> list[int]:
    """Wavenumber of each row: ``[0, 1, 1, 2, 2, ...]`` (length ``m``).

    Examples
    --------
    >>> wavenumbers(5)
    [0, 1, 1, 2, 2]
    """
    return [(j + 1) // 2 for j in range(int(m))]


def fourier_points(m: int, domain: Sequence[float] = (0.0, 1.0), *, backend: str = "numpy"):
    """``m`` equispaced points ``a + j (b - a) / m`` of the period ``[a, b)`` (``m`` odd).

    Examples
    --------
    >>> fourier_points(3, (0, 3)).tolist()
    [0.0, 1.0, 2.0]
    """
    a, b = _interval(domain)
    m = _check_length(m)
    xp = namespace_for(backend)
    return a + xp.arange(m, dtype=xp.float64) * ((b - a) / m)


def values_to_coefficients(values: Any, axis: int = 0):
    """Trigonometric coefficients (rows ordered as in the module docstring) from values at the
    ``m`` (odd) :func:`fourier_points` along ``axis``, by a real FFT.

    Examples
    --------
    >>> import numpy as np
    >>> x = fourier_points(5, (0, 1))
    >>> (np.round(values_to_coefficients(np.cos(2 * np.pi * x) - 2 * np.sin(4 * np.pi * x)), 12) + 0.0).tolist()
    [0.0, 1.0, 0.0, 0.0, -2.0]
    """
    xp = array_namespace(values)
    moved = xp.moveaxis(values, axis, -1)
    m = _check_length(moved.shape[-1])
    c = xp.fft.rfft(moved, axis=-1) / m
    rows = [xp.real(c[..., 0])]
    for k in range(1, (m - 1) // 2 + 1):
        rows += [2.0 * xp.real(c[..., k]), -2.0 * xp.imag(c[..., k])]
    return xp.moveaxis(xp.stack(rows, axis=-1), -1, axis)


def vandermonde(x: Any, m: int, domain: Sequence[float] = (0.0, 1.0)):
    """Matrix of shape ``(len(x), m)`` of the ``m`` basis functions at points ``x`` (any real
    ``x``: the basis is periodic).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(vandermonde(np.array([0.25]), 3, (0, 1)), 12).tolist()
    [[1.0, 0.0, 1.0]]
    """
    a, b = _interval(domain)
    xp = array_namespace(x)
    theta = (2.0 * math.pi / (b - a)) * (x - a)
    columns = [xp.ones_like(theta)]
    for j in range(1, int(m)):
        k = (j + 1) // 2
        columns.append(xp.cos(k * theta) if j % 2 else xp.sin(k * theta))
    return xp.stack(columns, axis=1)


def differentiate(coefficients: Any, *, domain: Sequence[float] = (0.0, 1.0), order: int = 1):
    """Coefficients (rows along axis 0, odd count) of the ``order``-th derivative:
    ``(a cos + b sin)' = ω (b cos - a sin)`` with ``ω = 2π k / (b - a)``.

    Examples
    --------
    >>> import numpy as np
    >>> (np.round(differentiate(np.array([5.0, 0.0, 1.0]), domain=(0, 1)), 12) + 0.0).tolist()   # (sin 2πx)'
    [0.0, 6.28318530718, 0.0]
    """
    if int(order) < 0:
        raise ValueError(f"order must be >= 0, got {order}")
    a, b = _interval(domain)
    xp = array_namespace(coefficients)
    m = _check_length(coefficients.shape[0])
    big_k = (m - 1) // 2
    c = coefficients
    if big_k == 0:
        return 0.0 * c
    shape = (big_k,) + (1,) * (c.ndim - 1)
    w = xp.reshape(xp.arange(1, big_k + 1, dtype=xp.float64) * (2.0 * math.pi / (b - a)), shape)
    for _ in range(int(order)):
        cos, sin = c[1::2, ...], c[2::2, ...]
        pairs = xp.stack([w * sin, -w * cos], axis=1)
        c = xp.concat([0.0 * c[:1, ...], xp.reshape(pairs, (2 * big_k,) + tuple(c.shape[1:]))], axis=0)
    return c


def definite_integrals(m: int, domain: Sequence[float] = (0.0, 1.0), *, backend: str = "numpy"):
    """``∫_a^b`` of each basis function: ``[b - a, 0, ..., 0]``.

    Examples
    --------
    >>> definite_integrals(3, (0, 2)).tolist()
    [2.0, 0.0, 0.0]
    """
    a, b = _interval(domain)
    xp = namespace_for(backend)
    return xp.asarray([b - a] + [0.0] * (int(m) - 1), dtype=xp.float64)


def gram_matrix(m: int, domain: Sequence[float] = (0.0, 1.0), *, backend: str = "numpy"):
    """``G_ij = ∫_a^b φ_i φ_j``: diagonal ``[L, L/2, ..., L/2]``.

    Examples
    --------
    >>> gram_matrix(3, (0, 2)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    a, b = _interval(domain)
    xp = namespace_for(backend)
    diagonal = xp.asarray([b - a] + [(b - a) / 2.0] * (int(m) - 1), dtype=xp.float64)
    return diagonal[:, None] * xp.eye(int(m), dtype=xp.float64)
