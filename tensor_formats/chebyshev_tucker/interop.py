"""Interoperability with tensorly: the Tucker form of the Chebyshev *coefficient* tensor as a
tensorly ``TuckerTensor`` and back.

tensorly is optional (the ``[bench]`` and ``[test]`` extras install it): it is imported
only here, when called, and its absence raises an ``ImportError`` naming the extra.  Arrays
are made in tensorly's current backend (importing neuraloperator, for one, switches it to
pytorch) and read back through ``tensorly.to_numpy``.  A
tensorly Tucker tensor carries no box or tolerance, so :func:`from_tensorly` takes them; the
factors need not be orthonormal (they are QR-factorised, ``R`` going into the core).

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> f = ChebyshevTucker.from_function(lambda x, y, z: np.sin(x + 2 * y + 3 * z), [(-1, 1)] * 3)
>>> t = f.to_tensorly()
>>> type(t).__name__, t.rank
('TuckerTensor', (2, 2, 2))
>>> g = ChebyshevTucker.from_tensorly(t, f.domain, tol=f.tol)
>>> bool(abs(g.integral() - f.integral()) < 1e-14)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml._extras import require
from sciml.backend import namespace_for, to_backend, to_numpy

from ..tucker import mode_product

__all__ = ["from_tensorly", "to_tensorly"]


def to_tensorly(f: Any) -> Any:
    """``f``'s core and coefficient factors as a ``tensorly.tucker_tensor.TuckerTensor`` (float64
    tensors of tensorly's current backend).

    ``tensorly.tucker_to_tensor`` of it is the full tensor of Chebyshev coefficients, of shape
    ``(degree_1 + 1, ..., degree_d + 1)``.
    """
    import numpy as np

    tl = require("tensorly")
    tucker_tensor = require("tensorly.tucker_tensor")

    def tensor(x):
        return tl.tensor(np.asarray(to_numpy(x), dtype=np.float64))  # float64 in every backend

    return tucker_tensor.TuckerTensor((tensor(f.core), [tensor(v) for v in f.factors]))


def from_tensorly(cls: type, tucker: Any, domain: Sequence[Sequence[float]], *, tol: float = 1e-12,
                  backend: str = "numpy") -> Any:
    """A ``cls`` (ChebyshevTucker) from a tensorly Tucker tensor ``(core, factors)`` of Chebyshev coefficients."""
    tl = require("tensorly")
    try:
        core, factors = tucker
    except (TypeError, ValueError) as exc:
        raise TypeError(f"tucker must be a tensorly TuckerTensor or a (core, factors) pair, got "
                        f"{type(tucker).__name__}") from exc
    xp = namespace_for(backend)
    core = to_backend(xp.asarray(tl.to_numpy(core), dtype=xp.float64), backend)
    factors = [to_backend(xp.asarray(tl.to_numpy(v), dtype=xp.float64), backend) for v in factors]
    if core.ndim != len(factors):
        raise ValueError(f"the core has {core.ndim} axes but there are {len(factors)} factors")
    qs = []
    for k, v in enumerate(factors):
        if v.ndim != 2 or v.shape[1] != core.shape[k]:
            raise ValueError(f"factor {k} has shape {tuple(v.shape)}, expected (n, {core.shape[k]})")
        q, r = xp.linalg.qr(v)
        qs.append(q)
        core = mode_product(core, r, k)
    return cls(core, qs, domain, tol=tol)
