"""Arithmetic on Chebyshev–Tucker functions, each result simplified to the operands' tolerance
(:func:`~tensor_formats.chebyshev_tucker.simplify.simplify`: ranks by an HOSVD of the core,
trailing coefficients chopped): sums (block-diagonal cores, QR of the stacked factors),
scaling, and products, quotients, powers and compositions with a univariate function by
adaptive re-sampling of the result with the cross approximation
(:mod:`~tensor_formats.chebyshev_tucker.cross`), which evaluates the operands on fibres only.

The functions take the operands (:class:`~tensor_formats.ChebyshevTucker` objects) and build
results of the class of the first, so that this module never imports the class;
:func:`operand` is given the class to recognise.

Examples
--------
>>> import numpy as np
>>> from tensor_formats import ChebyshevTucker
>>> from tensor_formats.chebyshev_tucker.arithmetic import add, multiply
>>> f = ChebyshevTucker.from_function(lambda x, y: np.sin(x) * y, [(-1, 1)] * 2)
>>> g = ChebyshevTucker.from_function(lambda x, y: np.cos(x) * y, [(-1, 1)] * 2)
>>> add(f, g).ranks, multiply(f, g).ranks, multiply(f, g).degrees
((1, 1), (1, 1), (15, 2))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sciml.backend import array_namespace, device

from ..tucker import hosvd, mode_product
from .construction import CROSS_MAX_DEGREE, from_sampler
from .simplify import is_zero, pad_rows, simplify, zero

__all__ = ["add", "compose", "compress", "divide", "multiply", "negate", "operand", "power", "scale"]

_pad_rows = pad_rows

#: Re-sampled results are built to this fraction of the operands' tolerance, so that a chain
#: of operations does not add up a tolerance-sized error per step.
SAFETY = 0.1


def compress(f: Any, tol: float | None = None, *, rank: int | Sequence[int] | None = None,
             reference_norm: float | None = None) -> Any:
    """:meth:`ChebyshevTucker.compress <tensor_formats.ChebyshevTucker.compress>` of ``f``."""
    tol = f.tol if tol is None else float(tol)
    if is_zero(f):
        return zero(type(f), f.domain, tol=tol, backend=f.backend)
    inner = hosvd(f.core, tol=tol, rank=rank, reference_norm=reference_norm)
    return type(f)(inner.core, [v @ u for v, u in zip(f.factors, inner.factors)], f.domain, tol=tol)


def operand(f: Any, other: Any, cls: type) -> Any:
    """``other`` as a function like ``f``: an instance of ``cls`` on the same box and backend, or a
    number made a constant; ``NotImplemented`` for anything else."""
    if isinstance(other, cls):
        if other.domain != f.domain:
            raise ValueError(f"domains differ: {f.domain} and {other.domain}")
        if other.backend != f.backend:
            raise TypeError(f"backends differ: {f.backend} and {other.backend}")
        if other.tol != f.tol:
            raise ValueError(f"tolerances differ: {f.tol:g} and {other.tol:g}; compress one operand to the "
                             "other's tolerance first (f.compress(tol))")
        return other
    if isinstance(other, (int, float)) and not isinstance(other, bool):
        return cls.constant(float(other), f.domain, backend=f.backend, tol=f.tol)
    return NotImplemented


def add(f: Any, g: Any) -> Any:
    """``f + g`` for two functions on the same box, simplified relative to ``‖f‖ + ‖g‖``."""
    if is_zero(f) or is_zero(g):
        return simplify(g if is_zero(f) else f)
    xp = array_namespace(f.core)
    ra, rb = f.ranks, g.ranks
    factors = []
    for va, vb in zip(f.factors, g.factors):
        m = max(va.shape[0], vb.shape[0])
        factors.append(xp.concat([_pad_rows(xp, va, m), _pad_rows(xp, vb, m)], axis=1))
    # Block-diagonal core: A in the leading block, B in the trailing block.
    block_a, block_b = f.core, g.core
    for k in range(f.ndim):
        za = list(block_a.shape)
        za[k] = rb[k]
        block_a = xp.concat([block_a, xp.zeros(tuple(za), dtype=block_a.dtype, device=device(block_a))], axis=k)
        zb = list(block_b.shape)
        zb[k] = ra[k]
        block_b = xp.concat([xp.zeros(tuple(zb), dtype=block_b.dtype, device=device(block_b)), block_b], axis=k)
    core = block_a + block_b
    qs = []
    for k, v in enumerate(factors):
        q, r = xp.linalg.qr(v)
        qs.append(q)
        core = mode_product(core, r, k)
    operands_norm = float(xp.linalg.vector_norm(f.core)) + float(xp.linalg.vector_norm(g.core))
    return simplify(type(f)(core, qs, f.domain, tol=max(f.tol, g.tol)), reference_norm=operands_norm)


def negate(f: Any) -> Any:
    """``-f`` (the core negated)."""
    return type(f)(-f.core, f.factors, f.domain, tol=f.tol)


def scale(f: Any, factor: float) -> Any:
    """``factor * f`` (the core scaled; ``0 * f`` is the zero function)."""
    if float(factor) == 0.0:
        return zero(type(f), f.domain, tol=f.tol, backend=f.backend)
    return type(f)(f.core * float(factor), f.factors, f.domain, tol=f.tol)


def _values(f: Any):
    """Sampler of ``f`` on tensor grids (the full array of values)."""
    return lambda grids: f.on_grid(*grids, full=True)


def _resample(f: Any, sampler, cap: Sequence[int] | None) -> Any:
    """The function behind ``sampler`` by cross approximation at ``f``'s tolerance and box.

    With ``cap`` (the exact degrees of a polynomial result) the degree never exceeds it and
    no warning is needed; without it, the default cap applies and warns if reached.
    """

    def checked(grids):
        values = sampler(grids)
        xp = array_namespace(values)
        if not bool(xp.all(xp.isfinite(values))):
            raise ValueError("the result has NaN or infinite values on the Chebyshev grid (e.g. sqrt or log "
                             "of a function that is negative somewhere)")
        return values

    return from_sampler(type(f), checked, f.domain, tol=f.tol, backend=f.backend,
                        accuracy=max(SAFETY * f.tol, 1e-15),
                        max_degree=list(cap) if cap is not None else CROSS_MAX_DEGREE, warn=cap is None)


def multiply(f: Any, g: Any) -> Any:
    """``f * g``: re-sampled from the operands' fibres by cross approximation, simplified."""
    if is_zero(f) or is_zero(g):
        return zero(type(f), f.domain, tol=f.tol, backend=f.backend)
    vf, vg = _values(f), _values(g)
    cap = [max(da + db, 1) for da, db in zip(f.degrees, g.degrees)]
    return _resample(f, lambda grids: vf(grids) * vg(grids), cap)


def divide(f: Any, g: Any) -> Any:
    """``f / g`` by adaptive re-sampling; ``ZeroDivisionError`` if ``g`` vanishes at a sample."""
    if is_zero(g):
        raise ZeroDivisionError("division by the zero function")
    vf, vg = _values(f), _values(g)

    def quotient(grids):
        denominator = vg(grids)
        xp = array_namespace(denominator)
        if bool(xp.any(denominator == 0.0)):
            raise ZeroDivisionError("the divisor vanishes at a sample point of the box")
        return vf(grids) / denominator

    return _resample(f, quotient, None)


def compose(f: Any, fn: Any, *, name: str = "fn") -> Any:
    """``fn(f)`` for a univariate, vectorised ``fn`` (``exp``, ``sqrt``, ...), by adaptive re-sampling.

    ``ValueError`` if ``fn`` gives NaN or inf on the values of ``f`` (e.g. ``sqrt`` of a
    function that is negative somewhere).
    """
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    vf = _values(f)
    return _resample(f, lambda grids: fn(vf(grids)), None)


def power(f: Any, exponent: float) -> Any:
    """``f ** exponent``: exact degree cap for a non-negative integer exponent, else re-sampled."""
    if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
        raise TypeError(f"exponent must be a number, got {type(exponent).__name__}")
    if float(exponent).is_integer() and exponent >= 0:
        p = int(exponent)
        if p == 0:
            return type(f).constant(1.0, f.domain, backend=f.backend, tol=f.tol)
        if is_zero(f):
            return simplify(f)
        vf = _values(f)
        return _resample(f, lambda grids: vf(grids) ** p, [max(p * dk, 1) for dk in f.degrees])
    if float(exponent).is_integer() and is_zero(f):
        raise ZeroDivisionError("negative power of the zero function")
    vf = _values(f)
    return _resample(f, lambda grids: vf(grids) ** float(exponent), None)
