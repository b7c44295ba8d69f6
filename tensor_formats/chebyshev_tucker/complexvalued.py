"""Complex-valued Chebyshev–Tucker functions, stored as the pair (real part, imaginary part).

Each part is a real :class:`~tensor_formats.ChebyshevTucker` on the same box and tolerance, with
its own ranks and degrees (a real-and-imaginary pair costs no more than complex coefficients,
and every real operation — compression, cross approximation, calculus — applies unchanged).
Arithmetic follows the complex rules: ``(a + ib)(c + id) = (ac - bd) + i(ad + bc)`` and
``f / g = f conj(g) / |g|²``.

Examples
--------
>>> import numpy as np
>>> from tensor_formats.chebyshev_tucker import ComplexChebyshevTucker
>>> f = ComplexChebyshevTucker.from_function(lambda x, y: np.exp(1j * (x + 2 * y)), [(-1, 1)] * 2)
>>> f.real.ranks, f.imag.ranks
((2, 2), (2, 2))
>>> complex(np.round(f.integral(), 12)) == complex(np.round(2 * np.sin(1) * np.sin(2), 12))
True
>>> bool(abs((f * f.conj())(np.array([[0.3, -0.4]]))[0] - 1) < 1e-12)    # |e^{iθ}|² = 1
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace

__all__ = ["ComplexChebyshevTucker"]


def _part(values: Any, which: str) -> Any:
    """The real or imaginary part of ``values`` (zeros for the imaginary part of a real array)."""
    xp = array_namespace(values)
    if xp.isdtype(values.dtype, "complex floating"):
        return xp.real(values) if which == "real" else xp.imag(values)
    return values if which == "real" else 0.0 * values


class ComplexChebyshevTucker:
    """``f = real + i imag`` with two real Chebyshev–Tucker functions.

    Parameters
    ----------
    real, imag : ChebyshevTucker
        On the same box, with the same tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import ChebyshevTucker
    >>> from tensor_formats.chebyshev_tucker import ComplexChebyshevTucker
    >>> re = ChebyshevTucker.from_function(lambda x, y: np.cos(x + y), [(0, 1)] * 2)
    >>> im = ChebyshevTucker.from_function(lambda x, y: np.sin(x + y), [(0, 1)] * 2)
    >>> f = ComplexChebyshevTucker(re, im)                       # exp(i (x + y))
    >>> complex(np.round(f(np.array([[0.25, 0.5]]))[0], 12)) == complex(np.round(np.exp(0.75j), 12))
    True
    """

    def __init__(self, real: Any, imag: Any):
        if real.domain != imag.domain:
            raise ValueError(f"real and imaginary parts on different boxes: {real.domain} and {imag.domain}")
        if real.tol != imag.tol:
            raise ValueError(f"real and imaginary parts with different tolerances: {real.tol:g} and {imag.tol:g}")
        self.real, self.imag = real, imag

    @classmethod
    def from_function(cls, f: Callable[..., Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                      method: str = "full", backend: str = "numpy", **kwargs: Any) -> ComplexChebyshevTucker:
        """Real and imaginary parts of a complex-valued ``f(x1, ..., xd)``, each built by
        :meth:`ChebyshevTucker.from_function <tensor_formats.ChebyshevTucker.from_function>`
        (``f`` is sampled once per part)."""
        from .format import ChebyshevTucker
        from .simplify import zero

        parts = []
        for which in ("real", "imag"):
            part = ChebyshevTucker.from_function(lambda *x, which=which: _part(f(*x), which), domain, tol=tol,
                                                 method=method, backend=backend, **kwargs)
            if float(array_namespace(part.core).linalg.vector_norm(part.core)) == 0.0:  # e.g. a real f
                part = zero(ChebyshevTucker, part.domain, tol=tol, backend=backend)
            parts.append(part)
        real, imag = parts
        return cls(real, imag)

    @property
    def domain(self):
        return self.real.domain

    @property
    def tol(self) -> float:
        return self.real.tol

    @property
    def ndim(self) -> int:
        return self.real.ndim

    def __repr__(self) -> str:
        return (f"ComplexChebyshevTucker(domain={self.domain}, real ranks={self.real.ranks}, "
                f"imag ranks={self.imag.ranks})")

    def __call__(self, points: Any, **kwargs: Any):
        """Complex values at points ``(N, d)``."""
        re, im = self.real(points, **kwargs), self.imag(points, **kwargs)
        xp = array_namespace(re)
        return xp.astype(re, xp.complex128) + 1j * xp.astype(im, xp.complex128)

    def integral(self, **kwargs: Any) -> complex:
        """``∫ f`` over the box (or a sub-box, ``box=``)."""
        return complex(self.real.integral(**kwargs), self.imag.integral(**kwargs))

    def diff(self, axis: int, order: int = 1) -> ComplexChebyshevTucker:
        return ComplexChebyshevTucker(self.real.diff(axis, order), self.imag.diff(axis, order))

    def norm(self) -> float:
        """L2 norm ``(∫ |f|²)^(1/2)``."""
        return float((self.real.norm() ** 2 + self.imag.norm() ** 2) ** 0.5)

    def conj(self) -> ComplexChebyshevTucker:
        return ComplexChebyshevTucker(self.real, -self.imag)

    def __abs__(self) -> Any:
        """``|f|`` (a real ChebyshevTucker), re-sampled from both parts."""
        from .arithmetic import _resample

        re, im = self.real, self.imag
        return _resample(re, lambda grids: (re.on_grid(*grids, full=True) ** 2
                                            + im.on_grid(*grids, full=True) ** 2) ** 0.5, None)

    def _other(self, other: Any) -> ComplexChebyshevTucker | None:
        if isinstance(other, ComplexChebyshevTucker):
            return other
        if isinstance(other, (int, float, complex)) and not isinstance(other, bool):
            value = complex(other)
            return ComplexChebyshevTucker(type(self.real).constant(value.real, self.domain, backend=self.real.backend,
                                                                   tol=self.tol),
                                          type(self.real).constant(value.imag, self.domain, backend=self.real.backend,
                                                                   tol=self.tol))
        if isinstance(other, type(self.real)):
            return ComplexChebyshevTucker(other, 0.0 * other)
        return None

    def __add__(self, other: Any) -> ComplexChebyshevTucker:
        o = self._other(other)
        return NotImplemented if o is None else ComplexChebyshevTucker(self.real + o.real, self.imag + o.imag)

    __radd__ = __add__

    def __neg__(self) -> ComplexChebyshevTucker:
        return ComplexChebyshevTucker(-self.real, -self.imag)

    def __sub__(self, other: Any) -> ComplexChebyshevTucker:
        o = self._other(other)
        return NotImplemented if o is None else ComplexChebyshevTucker(self.real - o.real, self.imag - o.imag)

    def __rsub__(self, other: Any) -> ComplexChebyshevTucker:
        return (-self) + other

    def __mul__(self, other: Any) -> ComplexChebyshevTucker:
        if isinstance(other, (int, float, complex)) and not isinstance(other, bool):
            z = complex(other)
            return ComplexChebyshevTucker(z.real * self.real - z.imag * self.imag,
                                          z.real * self.imag + z.imag * self.real)
        o = self._other(other)
        if o is None:
            return NotImplemented
        return ComplexChebyshevTucker(self.real * o.real - self.imag * o.imag,
                                      self.real * o.imag + self.imag * o.real)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ComplexChebyshevTucker:
        if isinstance(other, (int, float, complex)) and not isinstance(other, bool):
            if other == 0:
                raise ZeroDivisionError("division of a ComplexChebyshevTucker by zero")
            return self * (1.0 / complex(other))
        o = self._other(other)
        if o is None:
            return NotImplemented
        modulus = o.real * o.real + o.imag * o.imag
        numerator = self * o.conj()
        return ComplexChebyshevTucker(numerator.real / modulus, numerator.imag / modulus)
