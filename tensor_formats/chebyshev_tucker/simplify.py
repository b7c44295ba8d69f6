"""Keeping a Chebyshev–Tucker function compact: Chebfun's ``simplify`` rule on the ranks and
degrees, and the zero function (rank 0).

After an HOSVD of the core (the factors stay orthonormal, the scale sits in the core), row
``j`` of ``V_k diag(σ_k)`` carries the size of the ``j``-th Chebyshev coefficient of mode ``k``
(``σ_k`` the mode-``k`` singular values of the core).  Trailing rows whose size is below
``tol`` relative to the largest are dropped (degree 0 is allowed: a mode constant in its
variable keeps one row), the chopped factor is re-orthonormalised by QR and ``R`` goes into
the core.  A function whose core is below ``tol`` relative to the reference norm becomes the
zero function of rank 0.

The functions take the function ``f`` and build results of its class (this module never
imports the class).

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.simplify import simplify
>>> f = ChebyshevTucker.from_function(lambda x, y: x * np.exp(y), [(-1, 1)] * 2, degree=40)
>>> f.degrees, simplify(f).degrees
((40, 40), (1, 12))
>>> (f - f).ranks
(0, 0)
"""

from __future__ import annotations

import math
from typing import Any

from sciml.backend import array_namespace, device, namespace_for

from ..tucker import hosvd, mode_product

__all__ = ["chop_degree", "is_zero", "simplify", "zero"]


def zero(cls: type, domain, *, tol: float = 1e-12, backend: str = "numpy") -> Any:
    """The zero function on ``domain``: ranks 0, degree 0 per mode.

    Examples
    --------
    >>> from tensor_formats import ChebyshevTucker
    >>> z = zero(ChebyshevTucker, [(0, 1)] * 3)
    >>> z.ranks, z.degrees, z.integral()
    ((0, 0, 0), (0, 0, 0), 0.0)
    """
    xp = namespace_for(backend)
    d = len(domain)
    return cls(xp.zeros((0,) * d, dtype=xp.float64), [xp.zeros((1, 0), dtype=xp.float64)] * d, domain, tol=tol)


def is_zero(f: Any) -> bool:
    """Whether ``f`` has a rank-0 mode (it is then the zero function)."""
    return min(f.ranks) == 0


def chop_degree(profile: Any, tol: float) -> int:
    """Number of leading rows to keep: up to the last one above ``tol`` times the largest.

    Examples
    --------
    >>> import numpy as np
    >>> chop_degree(np.array([1.0, 0.5, 1e-3, 1e-14, 1e-17]), 1e-12)
    3
    >>> chop_degree(np.zeros(4), 1e-12)
    1
    """
    xp = array_namespace(profile)
    top = float(xp.max(profile)) if profile.shape[0] else 0.0
    if top == 0.0:
        return 1
    above = xp.nonzero(profile > tol * top)[0]
    return int(above[-1]) + 1


def simplify(f: Any, tol: float | None = None, *, reference_norm: float | None = None) -> Any:
    """Ranks by the ε-HOSVD of the core, then each mode's degree chopped (Chebfun's ``simplify``).

    ``tol`` defaults to ``f.tol``; the rank rule and the zero test are relative to
    ``reference_norm`` (default: the norm of the core, which is the coefficient norm).
    """
    tol = f.tol if tol is None else float(tol)
    if is_zero(f):
        return zero(type(f), f.domain, tol=f.tol, backend=f.backend)
    xp = array_namespace(f.core)
    core_norm = float(xp.linalg.vector_norm(f.core))
    scale = core_norm if reference_norm is None else float(reference_norm)
    if core_norm <= tol * scale or core_norm == 0.0:
        return zero(type(f), f.domain, tol=f.tol, backend=f.backend)
    inner = hosvd(f.core, tol=tol, reference_norm=scale)
    core = inner.core
    factors = []
    for k, (v, u) in enumerate(zip(f.factors, inner.factors)):
        w = v @ u
        # Mode-k singular values of the (all-orthogonal) core: the row norms of its unfolding.
        sigma = xp.linalg.vector_norm(xp.reshape(xp.moveaxis(core, k, 0), (core.shape[k], -1)), axis=1)
        profile = xp.linalg.vector_norm(w * sigma[None, :], axis=1)
        keep = chop_degree(profile, tol / math.sqrt(f.ndim))
        # Fewer coefficients than columns: the reduced QR lowers the rank to ``keep`` too.
        q, r = xp.linalg.qr(w[:keep, :])
        factors.append(q)
        core = mode_product(core, r, k)
    return type(f)(core, factors, f.domain, tol=f.tol)


def pad_rows(xp: Any, v: Any, m: int) -> Any:
    """``v`` with zero rows appended up to ``m`` rows."""
    if v.shape[0] >= m:
        return v
    zeros = xp.zeros((m - v.shape[0], v.shape[1]), dtype=v.dtype, device=device(v))
    return xp.concat([v, zeros], axis=0)
