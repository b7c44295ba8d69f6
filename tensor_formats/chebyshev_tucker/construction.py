"""Building a Chebyshev–Tucker function: adaptive sampling on a Chebyshev grid, a full
coefficient tensor, or a canonical (CP) sum, each compressed to Tucker form.

The functions take the class to build as their first argument (``cls``), so that this
module never imports the class; :class:`~tensor_formats.ChebyshevTucker`'s classmethods
call them.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.construction import from_function
>>> f = from_function(ChebyshevTucker, lambda x, y: np.exp(x) * np.cos(y), [(-1, 1)] * 2, tol=1e-12)
>>> f.ranks
(1, 1)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from sciml.backend import array_namespace, namespace_for, to_numpy

from .. import chebyshev as cheb
from ..tucker import hosvd, rhosvd
from .grid import MAX_SAMPLES, check_domain, sample, tensor_coefficients

__all__ = ["CROSS_MAX_DEGREE", "MAX_SAMPLES", "constant", "from_coefficients", "from_cp", "from_function",
           "from_sampler", "from_values"]

#: Default degree cap of the cross approximation.
CROSS_MAX_DEGREE = 4096


def _mode_profile(xp, c, k: int):
    """max |c| over all axes but ``k``: the decay of the coefficients along mode ``k``."""
    axes = tuple(j for j in range(c.ndim) if j != k)
    return xp.max(xp.abs(c), axis=axes) if axes else xp.abs(c)


def _take(xp, x, axis: int, stop: int):
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, stop)
    return x[tuple(index)]


def from_function(cls: type, f: Callable[..., Any], domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                  degree: int | Sequence[int] | None = None, rank: int | Sequence[int] | None = None,
                  backend: str = "numpy", max_degree: int | Sequence[int] | None = None,
                  method: str = "full", periodic: Sequence[bool] | None = None) -> Any:
    """:meth:`ChebyshevTucker.from_function <tensor_formats.ChebyshevTucker.from_function>`, building ``cls``
    (a :class:`~tensor_formats.chebyshev_tucker.PeriodicChebyshevTucker` if a mode is ``periodic``)."""
    box = check_domain(domain)
    d = len(box)
    if periodic is not None and any(periodic):
        from .periodic import PeriodicChebyshevTucker

        if method != "full" or degree is not None:
            raise ValueError(f"periodic modes are built by adaptive full sampling: method must be 'full' and "
                             f"degree None, got method={method!r}, degree={degree!r}")
        return PeriodicChebyshevTucker.from_function(f, box, periodic=periodic, tol=tol, rank=rank,
                                                     max_degree=max_degree, backend=backend)
    xp = namespace_for(backend)
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if method not in ("full", "cross"):
        raise ValueError(f"method must be 'full' or 'cross', got {method!r}")
    if method == "cross":
        if degree is not None:
            raise ValueError("degree is adaptive with method='cross'; use method='full' for a fixed degree")
        return from_sampler(cls, lambda grids: sample(f, grids, xp), box, tol=tol, rank=rank, backend=backend,
                            max_degree=max_degree)
    if degree is not None:
        m = [int(v) + 1 for v in ((degree,) * d if isinstance(degree, int) else degree)]
        if len(m) != d or min(m) < 2:
            raise ValueError(f"degree must be >= 1 for each of the {d} modes, got {degree}")
        grids = [cheb.chebyshev_points(mk, ab, backend=backend) for mk, ab in zip(m, box)]
        c = tensor_coefficients(sample(f, grids, xp))
        return cls.from_coefficients(c, box, tol=tol, rank=rank)

    if max_degree is None:
        cap = 16
        while (2 * cap + 1) ** d <= MAX_SAMPLES:
            cap *= 2
        limits = [cap] * d
    else:
        limits = [int(v) for v in ((max_degree,) * d if isinstance(max_degree, int) else max_degree)]
        if len(limits) != d or min(limits) < 1:
            raise ValueError(f"max_degree must be >= 1 for each of the {d} modes, got {max_degree}")
    m = [min(17, lim + 1) for lim in limits]
    chop_tol = max(tol, 2.0**-52)
    while True:
        grids = [cheb.chebyshev_points(mk, ab, backend=backend) for mk, ab in zip(m, box)]
        c = tensor_coefficients(sample(f, grids, xp))
        cutoffs = [cheb.standard_chop(_mode_profile(xp, c, k), chop_tol) for k in range(d)]
        unhappy = [k for k in range(d) if cutoffs[k] >= m[k]]
        growable = [k for k in unhappy if m[k] - 1 < limits[k]]
        if not unhappy or not growable:
            break
        for k in growable:
            m[k] = min(2 * (m[k] - 1), limits[k]) + 1
    if unhappy:
        warnings.warn(
            f"not resolved: degree cap {max(m[k] - 1 for k in unhappy)} reached: Chebyshev coefficients not "
            f"resolved to tol={tol:g} on mode(s) {unhappy} at degree(s) {[m[k] - 1 for k in unhappy]}; the "
            "result is less accurate than asked", RuntimeWarning, stacklevel=3)  # the caller of from_function
    for k in range(d):
        if cutoffs[k] < m[k]:
            c = _take(xp, c, k, max(cutoffs[k], 1))  # degree 0 allowed
    return cls.from_coefficients(c, box, tol=tol, rank=rank)


def _limits(max_degree, d: int, default: int) -> list[int]:
    if max_degree is None:
        return [default] * d
    limits = [int(v) for v in ((max_degree,) * d if isinstance(max_degree, int) else max_degree)]
    if len(limits) != d or min(limits) < 1:
        raise ValueError(f"max_degree must be >= 1 for each of the {d} modes, got {max_degree}")
    return limits


def from_sampler(cls: type, sampler: Callable[[Sequence[Any]], Any], box, *, tol: float,
                 rank: int | Sequence[int] | None = None, backend: str = "numpy",
                 max_degree: int | Sequence[int] | None = None, warn: bool = True,
                 accuracy: float | None = None) -> Any:
    """Cross approximation (:func:`~tensor_formats.chebyshev_tucker.cross.tucker_cross`) of the
    function whose values on tensor grids ``sampler(grids)`` gives, simplified to ``tol``.

    The number of samples taken is stored on the result as ``evaluations``.  ``warn=False``
    skips the "not resolved" warning (for a cap that is the exact degree of the result,
    as in a product).  ``accuracy`` (default ``tol``) is the tolerance of the rank and
    degree decisions when it should be tighter than the ``tol`` the result carries.
    """
    from .cross import orthonormal_tucker, tucker_cross, warn_unresolved
    from .simplify import simplify, zero

    limits = _limits(max_degree, len(box), CROSS_MAX_DEGREE)
    accuracy = tol if accuracy is None else float(accuracy)
    result = tucker_cross(sampler, box, tol=accuracy, limits=limits, backend=backend)
    if result.core is None:
        g = zero(cls, box, tol=tol, backend=backend)
    else:
        core, factors = orthonormal_tucker(result)
        if warn:
            warn_unresolved(result.unresolved, [v.shape[0] - 1 for v in factors], tol)
        g = simplify(cls(core, factors, box, tol=tol), accuracy)
        if rank is not None:
            g = g.compress(rank=rank)
    g.evaluations = result.evaluations
    return g


def from_values(cls: type, values: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                rank: int | Sequence[int] | None = None) -> Any:
    """:meth:`ChebyshevTucker.from_values <tensor_formats.ChebyshevTucker.from_values>`, building ``cls``."""
    box = check_domain(domain)
    xp = array_namespace(values)
    if values.ndim != len(box):
        raise ValueError(f"values has {values.ndim} axes for a {len(box)}-dimensional domain")
    if min(values.shape) < 2:
        raise ValueError(f"need at least 2 points per mode, got shape {tuple(values.shape)}")
    if not bool(xp.all(xp.isfinite(values))):
        raise ValueError("values contain NaN or infinite entries")
    return cls.from_coefficients(tensor_coefficients(values), box, tol=tol, rank=rank)


def from_coefficients(cls: type, coefficients: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                      rank: int | Sequence[int] | None = None) -> Any:
    """:meth:`ChebyshevTucker.from_coefficients <tensor_formats.ChebyshevTucker.from_coefficients>`."""
    tucker = hosvd(coefficients, tol=tol, rank=rank)
    return cls(tucker.core, tucker.factors, domain, tol=tol)


def from_cp(cls: type, factors: Sequence[Any], domain: Sequence[Sequence[float]], *, weights: Any | None = None,
            degree: int | Sequence[int] = 128, tol: float = 1e-12, rank: int | Sequence[int] | None = None,
            method: str = "rhosvd", backend: str = "numpy") -> Any:
    """:meth:`ChebyshevTucker.from_cp <tensor_formats.ChebyshevTucker.from_cp>`, building ``cls``."""
    box = check_domain(domain)
    d = len(box)
    if len(factors) != d:
        raise ValueError(f"{len(factors)} factors for a {d}-dimensional domain")
    m = [int(v) + 1 for v in ((degree,) * d if isinstance(degree, int) else degree)]
    if len(m) != d or min(m) < 2:
        raise ValueError(f"degree must be >= 1 for each of the {d} modes, got {degree}")
    if method not in ("rhosvd", "full"):
        raise ValueError(f"method must be 'rhosvd' or 'full', got {method!r}")
    xp = namespace_for(backend)
    coefficient_factors = []
    for k, (a, mk, ab) in enumerate(zip(factors, m, box)):
        points = cheb.chebyshev_points(mk, ab, backend=backend)
        if callable(a):
            samples = xp.asarray(a(points), dtype=xp.float64)
        else:
            samples = _spline_to_points(a, points, ab, xp)
        if samples.ndim != 2 or samples.shape[0] != mk:
            raise ValueError(f"factor {k} gives shape {tuple(samples.shape)}, expected ({mk}, R)")
        if not bool(xp.all(xp.isfinite(samples))):
            raise ValueError(f"factor {k} has NaN or infinite values")
        coefficient_factors.append(cheb.values_to_coefficients(samples, axis=0))
    n_terms = coefficient_factors[0].shape[1]
    if any(cf.shape[1] != n_terms for cf in coefficient_factors):
        raise ValueError("all CP factors need the same number of columns")
    lam = None if weights is None else xp.asarray(weights, dtype=xp.float64)
    if method == "rhosvd":
        tucker = rhosvd(coefficient_factors, lam, tol=tol, rank=rank)
        return cls(tucker.core, tucker.factors, box, tol=tol)
    first = coefficient_factors[0] if lam is None else coefficient_factors[0] * lam
    khatri_rao = coefficient_factors[-1]
    for cf in reversed(coefficient_factors[1:-1]):
        khatri_rao = xp.reshape(cf[:, None, :] * khatri_rao[None, :, :], (-1, n_terms))
    full = xp.reshape(first @ khatri_rao.T, tuple(m))
    return cls.from_coefficients(full, box, tol=tol, rank=rank)


def constant(cls: type, value: float, domain: Sequence[Sequence[float]], *, backend: str = "numpy",
             tol: float = 1e-12) -> Any:
    """:meth:`ChebyshevTucker.constant <tensor_formats.ChebyshevTucker.constant>`, building ``cls``."""
    from .simplify import zero

    box = check_domain(domain)
    if float(value) == 0.0:
        return zero(cls, box, tol=tol, backend=backend)
    xp = namespace_for(backend)
    e0 = xp.asarray([[1.0]], dtype=xp.float64)
    core = xp.full((1,) * len(box), float(value), dtype=xp.float64)
    return cls(core, [e0] * len(box), box, tol=tol)


def _spline_to_points(samples: Any, points: Any, interval: tuple[float, float], xp):
    """Cubic-spline interpolation (host) from the uniform cell-centred grid to ``points``."""
    import numpy as np
    from scipy.interpolate import CubicSpline

    host = np.asarray(to_numpy(samples), dtype=float)
    if host.ndim != 2:
        raise ValueError(f"sampled CP factors must have shape (n, R), got {host.shape}")
    a, b = interval
    n = host.shape[0]
    centres = a + (np.arange(n) + 0.5) * (b - a) / n
    spline = CubicSpline(centres, host, axis=0, extrapolate=True)
    return xp.asarray(spline(to_numpy(points)), dtype=xp.float64)
