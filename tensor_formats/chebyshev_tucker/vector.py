"""Vector-valued Chebyshev–Tucker functions: a small container of scalar components on one
box, with the differential operators ``grad``, ``div``, ``curl`` and ``laplacian``.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.vector import curl, div, grad, laplacian
>>> f = ChebyshevTucker.from_function(lambda x, y, z: x * x * y + z, [(-1, 1)] * 3)
>>> g = grad(f)                                     # (2xy, x², 1)
>>> np.round(g(np.array([[0.5, 1.0, 0.0]])), 12).tolist()
[[1.0, 0.25, 1.0]]
>>> round(float(div(g)(np.array([[0.5, 1.0, 0.0]]))[0]), 12), round(float(laplacian(f)(np.array([[0.5, 1.0, 0.0]]))[0]), 12)
(2.0, 2.0)
>>> bool(np.max(np.abs(curl(g)(np.random.default_rng(0).uniform(-1, 1, (5, 3))))) < 1e-12)   # curl grad = 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace

__all__ = ["ChebyshevTuckerVector", "curl", "div", "grad", "laplacian"]


class ChebyshevTuckerVector:
    """A vector of scalar Chebyshev–Tucker functions on the same box and tolerance.

    Parameters
    ----------
    components : sequence of ChebyshevTucker

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import ChebyshevTucker
    >>> x = ChebyshevTucker.from_function(lambda x, y: x + 0 * y, [(0, 1)] * 2)
    >>> v = ChebyshevTuckerVector([x, 2.0 * x])
    >>> len(v), v(np.array([[0.5, 0.5]])).round(12).tolist()
    (2, [[0.5, 1.0]])
    """

    def __init__(self, components: Sequence[Any]):
        components = list(components)
        if not components:
            raise ValueError("a vector needs at least one component")
        first = components[0]
        for i, c in enumerate(components):
            if not hasattr(c, "domain") or not hasattr(c, "factors"):
                raise TypeError(f"component {i} is not a ChebyshevTucker, got {type(c).__name__}")
            if c.domain != first.domain:
                raise ValueError(f"component {i} has domain {c.domain}, component 0 has {first.domain}")
            if c.tol != first.tol:
                raise ValueError(f"component {i} has tol {c.tol:g}, component 0 has {first.tol:g}")
        self.components = components

    @property
    def domain(self):
        return self.components[0].domain

    @property
    def ndim(self) -> int:
        """Number of variables (not of components)."""
        return self.components[0].ndim

    def __len__(self) -> int:
        return len(self.components)

    def __getitem__(self, i: int) -> Any:
        return self.components[i]

    def __iter__(self):
        return iter(self.components)

    def __repr__(self) -> str:
        return f"ChebyshevTuckerVector({len(self)} components, domain={self.domain})"

    def __call__(self, points: Any, **kwargs: Any):
        """Values at points ``(N, d)``: an array ``(N, len(self))``."""
        values = [c(points, **kwargs) for c in self.components]
        return array_namespace(values[0]).stack(values, axis=1)

    def _other(self, other: Any) -> list:
        if isinstance(other, ChebyshevTuckerVector):
            if len(other) != len(self):
                raise ValueError(f"vectors of {len(self)} and {len(other)} components")
            return other.components
        raise TypeError(f"expected a ChebyshevTuckerVector, got {type(other).__name__}")

    def __add__(self, other: Any) -> ChebyshevTuckerVector:
        return ChebyshevTuckerVector([a + b for a, b in zip(self.components, self._other(other))])

    def __sub__(self, other: Any) -> ChebyshevTuckerVector:
        return ChebyshevTuckerVector([a - b for a, b in zip(self.components, self._other(other))])

    def __neg__(self) -> ChebyshevTuckerVector:
        return ChebyshevTuckerVector([-a for a in self.components])

    def __mul__(self, scalar: Any) -> ChebyshevTuckerVector:
        """Times a number or a scalar ChebyshevTucker."""
        return ChebyshevTuckerVector([a * scalar for a in self.components])

    __rmul__ = __mul__

    def dot(self, other: ChebyshevTuckerVector) -> Any:
        """The scalar function ``Σ_i self_i other_i``."""
        terms = [a * b for a, b in zip(self.components, self._other(other))]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def div(self) -> Any:
        return div(self)

    def curl(self) -> ChebyshevTuckerVector:
        return curl(self)


def grad(f: Any) -> ChebyshevTuckerVector:
    """``(∂f/∂x_1, ..., ∂f/∂x_d)``."""
    return ChebyshevTuckerVector([f.diff(k) for k in range(f.ndim)])


def div(v: ChebyshevTuckerVector) -> Any:
    """``Σ_k ∂v_k/∂x_k`` (as many components as variables)."""
    if len(v) != v.ndim:
        raise ValueError(f"div needs {v.ndim} components for {v.ndim} variables, got {len(v)}")
    total = v[0].diff(0)
    for k in range(1, v.ndim):
        total = total + v[k].diff(k)
    return total


def curl(v: ChebyshevTuckerVector) -> ChebyshevTuckerVector:
    """``∇ × v`` of a 3-component field of three variables."""
    if len(v) != 3 or v.ndim != 3:
        raise ValueError(f"curl needs 3 components of 3 variables, got {len(v)} of {v.ndim}")
    return ChebyshevTuckerVector([v[2].diff(1) - v[1].diff(2), v[0].diff(2) - v[2].diff(0),
                                  v[1].diff(0) - v[0].diff(1)])


def laplacian(f: Any) -> Any:
    """``Σ_k ∂²f/∂x_k²``."""
    total = f.diff(0, order=2)
    for k in range(1, f.ndim):
        total = total + f.diff(k, order=2)
    return total
