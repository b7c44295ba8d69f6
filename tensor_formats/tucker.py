"""Tucker decompositions: truncated (ST-)HOSVD with an ε-rank rule, HOOI refinement,
reduced HOSVD of canonical (CP) input, mode products and the :class:`TuckerTensor` container.

Factors are kept with orthonormal columns and the scale sits in the core.  Everything is
written against the array API (``xp.linalg.svd``, ``xp.tensordot``), so it runs on numpy,
cupy and array_api_strict.

Examples
--------
>>> import numpy as np
>>> from tensor_formats.tucker import hosvd
>>> x = np.linspace(-1, 1, 20)
>>> t = np.sin(x[:, None, None] + 2 * x[None, :, None] + 3 * x[None, None, :])
>>> tt = hosvd(t, tol=1e-12)
>>> tt.ranks
(2, 2, 2)
>>> bool(np.allclose(tt.full(), t, atol=1e-12))
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sciml.backend import array_namespace

__all__ = ["TuckerTensor", "epsilon_rank", "hooi", "hosvd", "mode_product", "rhosvd", "unfold"]


@dataclass
class TuckerTensor:
    """``T = core ×_1 U_1 ×_2 U_2 ⋯ ×_d U_d`` with factor ``U_k`` of shape ``(n_k, r_k)``.

    Attributes
    ----------
    core : array of shape ``ranks``
    factors : list of arrays

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import TuckerTensor
    >>> t = TuckerTensor(np.ones((1, 1)), [np.ones((3, 1)), np.arange(4.0).reshape(4, 1)])
    >>> t.ranks, t.full()[2].tolist()                       # rank-1 outer product of 1 and (0, 1, 2, 3)
    ((1, 1), [0.0, 1.0, 2.0, 3.0])
    """

    core: Any
    factors: list

    def __post_init__(self):
        if self.core.ndim != len(self.factors):
            raise ValueError(f"core has {self.core.ndim} axes but there are {len(self.factors)} factors")
        for k, (u, r) in enumerate(zip(self.factors, self.core.shape)):
            if u.ndim != 2 or u.shape[1] != r:
                raise ValueError(f"factor {k} has shape {tuple(u.shape)}, expected (n, {r})")

    @property
    def ndim(self) -> int:
        return self.core.ndim

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the full tensor."""
        return tuple(int(u.shape[0]) for u in self.factors)

    @property
    def ranks(self) -> tuple[int, ...]:
        return tuple(int(r) for r in self.core.shape)

    @property
    def nbytes(self) -> int:
        """Bytes stored (core and factors)."""
        size = math.prod(self.core.shape) + sum(math.prod(u.shape) for u in self.factors)
        return size * self.core.dtype.itemsize if hasattr(self.core.dtype, "itemsize") else size * 8

    def full(self):
        """The full tensor (mind the memory: ``prod(shape)`` entries)."""
        t = self.core
        for k, u in enumerate(self.factors):
            t = mode_product(t, u, k)
        return t

    def norm(self) -> float:
        """Frobenius norm from the core and the factor Gram matrices (never forms the tensor)."""
        xp = array_namespace(self.core)
        top = float(xp.max(xp.abs(self.core))) if math.prod(self.core.shape) else 0.0
        if top == 0.0 or not math.isfinite(top):
            return top
        core, e = _unit_scale(self.core, top)  # the squares of 1e200 or 1e-200 over/underflow
        t = core
        for k, u in enumerate(self.factors):
            t = mode_product(t, _adjoint(u) @ u, k)
        return math.ldexp(math.sqrt(max(float(xp.real(xp.sum(xp.conj(core) * t))), 0.0)), e)


def _adjoint(u):
    """The conjugate transpose (``.T`` alone is wrong for complex factors)."""
    xp = array_namespace(u)
    return xp.conj(u).T if xp.isdtype(u.dtype, "complex floating") else u.T


def _check_tensor(tensor: Any, name: str = "tensor"):
    """The namespace and a floating copy of ``tensor``, or a ValueError/TypeError naming it.

    Refused: fewer than 2 axes, an empty axis, NaN/inf (LAPACK's SVD loops for ever on an
    inf), dtypes other than bool/int/float/complex; float16 is promoted to float32 (linalg
    has no half precision), bool and integers to float64.
    """
    xp = array_namespace(tensor)
    if tensor.ndim < 2:
        raise ValueError(f"{name} needs at least 2 axes, got shape {tuple(tensor.shape)}")
    if 0 in tuple(tensor.shape):
        raise ValueError(f"{name} has an empty axis, shape {tuple(tensor.shape)}")
    dtype = tensor.dtype
    if xp.isdtype(dtype, ("bool", "integral")):
        tensor = xp.astype(tensor, xp.float64)
    elif getattr(xp, "float16", None) is not None and dtype == xp.float16:
        tensor = xp.astype(tensor, xp.float32)
    elif not xp.isdtype(dtype, ("real floating", "complex floating")):
        raise TypeError(f"{name} must hold real or complex numbers, got dtype {dtype}")
    if not bool(xp.all(xp.isfinite(tensor))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return xp, tensor


def _unit_scale(x, top: float):
    """``(x * 2^-e, 2^e)`` with ``top ~ 2^e``: exact power-of-two scaling (dividing by a
    subnormal ``top`` overflows, complex division by it gives NaN), in two steps so that
    neither factor overflows."""
    e = math.frexp(top)[1]
    return x * 2.0 ** (-(e // 2)) * 2.0 ** (-(e - e // 2)), e


def _norm(xp, x) -> float:
    """Frobenius norm without overflow or underflow (squares of 1e200 or 1e-200 entries)."""
    top = float(xp.max(xp.abs(x)))
    if top == 0.0 or not math.isfinite(top):
        return top
    scaled, e = _unit_scale(x, top)
    return math.ldexp(float(xp.linalg.vector_norm(scaled)), e)


def _column_norms(xp, a):
    """Column norms; recomputed scaled only where they under- or overflowed (so ordinary input
    gives exactly the unscaled values)."""
    norms = xp.linalg.vector_norm(a, axis=0)
    magnitude = xp.abs(a)  # real, so the scaling division below is safe
    top = xp.max(magnitude, axis=0)
    if not bool(xp.any(((norms == 0) & (top > 0)) | ~xp.isfinite(norms))):
        return norms
    safe = xp.where(top > 0, top, xp.ones_like(top))
    return top * xp.linalg.vector_norm(magnitude / safe, axis=0)


def unfold(tensor: Any, mode: int):
    """Mode-``mode`` unfolding, shape ``(n_mode, prod(other dims))``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.tucker import unfold
    >>> unfold(np.arange(24.0).reshape(2, 3, 4), 1).shape
    (3, 8)
    """
    xp = array_namespace(tensor)
    moved = xp.moveaxis(tensor, mode, 0)
    return xp.reshape(moved, (moved.shape[0], -1))


def mode_product(tensor: Any, matrix: Any, mode: int):
    """``tensor ×_mode matrix``: contracts axis ``mode`` with the columns of ``matrix``.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.tucker import mode_product
    >>> mode_product(np.ones((2, 3, 4)), np.ones((5, 3)), 1).shape
    (2, 5, 4)
    """
    xp = array_namespace(tensor, matrix)
    if matrix.shape[1] != tensor.shape[mode]:
        raise ValueError(f"matrix has {matrix.shape[1]} columns but axis {mode} has {tensor.shape[mode]} entries")
    product = xp.tensordot(matrix, tensor, axes=([1], [mode]))
    return xp.moveaxis(product, 0, mode)


def epsilon_rank(singular_values: Any, threshold: float) -> int:
    """Smallest ``r`` with ``sqrt(Σ_{i >= r} σ_i²) <= threshold`` (at least 1).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.tucker import epsilon_rank
    >>> epsilon_rank(np.array([1.0, 1e-3, 1e-6]), 1e-2)    # the tail (1e-3, 1e-6) is below 1e-2
    1
    """
    if not (isinstance(threshold, numbers.Real) and threshold >= 0):  # NaN fails too (it gave rank 1)
        raise ValueError(f"threshold must be a number >= 0, got {threshold!r}")
    s = [abs(float(v)) for v in _host(singular_values)]
    if not all(math.isfinite(v) for v in s):
        raise ValueError("singular_values must be finite")
    top = max(s, default=0.0)
    if top > 0.0:  # scaled by a power of two (exact: the same ranks as unscaled wherever that
        e = math.frexp(top)[1]  # works): squares of 1e200 overflow, of 1e-200 underflow
        s, threshold = [math.ldexp(v, -e) for v in s], math.ldexp(threshold, -e)
    tail = 0.0
    r = len(s)
    for i in range(len(s) - 1, 0, -1):
        tail += s[i] ** 2
        if math.sqrt(tail) > threshold:
            break
        r = i
    return max(r, 1)


def _host(x):
    from sciml.backend import to_numpy

    return to_numpy(x).reshape(-1)


def _check_tol(tol) -> None:
    if tol is not None and not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be finite and >= 0, got {tol}")


def _ranks(rank, d: int) -> tuple[int | None, ...]:
    if rank is None:
        return (None,) * d
    if isinstance(rank, bool) or not isinstance(rank, (int, Sequence)) and not hasattr(rank, "__index__"):
        raise TypeError(f"rank must be an int or a sequence of ints, got {rank!r}")
    ranks = (int(rank),) * d if not isinstance(rank, Sequence) else tuple(int(r) for r in rank)
    if len(ranks) != d:
        raise ValueError(f"rank has {len(ranks)} entries for a {d}-way tensor")
    if any(r < 1 for r in ranks):
        raise ValueError(f"ranks must be >= 1, got {ranks}")
    return ranks


def _truncation(s, mode_rank, threshold):
    r = s.shape[0]
    if threshold is not None:
        r = min(r, epsilon_rank(s, threshold))
    if mode_rank is not None:
        r = min(r, mode_rank)
    return r


def hosvd(tensor: Any, *, tol: float | None = None, rank: int | Sequence[int] | None = None,
          sequential: bool = True, reference_norm: float | None = None) -> TuckerTensor:
    """Truncated higher-order SVD.

    Parameters
    ----------
    tensor : array with ``d >= 2`` axes
    tol : float, optional
        ε-rule: on each mode keep the smallest rank whose discarded singular-value tail
        is ``<= tol ||T||_F / sqrt(d)``; then ``||T - T̃||_F <= tol ||T||_F``.
    rank : int or sequence of int, optional
        Fixed ranks (or caps on the ε-ranks when ``tol`` is also given).
    sequential : bool
        Sequentially truncated HOSVD (each SVD on the already-compressed tensor, much
        cheaper, same error bound); ``False`` takes every SVD of the full tensor.
    reference_norm : float, optional
        Norm the ε-rule is relative to, instead of ``||T||_F`` (for recompressing a sum,
        whose own norm may be far smaller than its terms': ``f - f`` must compress to
        rank 1).

    Returns
    -------
    TuckerTensor
        Complex tensors are decomposed with the conjugate transpose (unitary factors).

    Raises
    ------
    ValueError
        Fewer than 2 axes, an empty axis, NaN or infinity in ``tensor`` (refused before the SVD,
        which loops for ever on an inf), ``tol`` or ``reference_norm`` negative or not finite,
        ranks below 1.
    TypeError
        A dtype that is not bool, integer, real or complex floating (bool and integers are
        computed in float64, float16 in float32).

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import hosvd
    >>> x = np.linspace(0, 1, 20)
    >>> T = np.sin(x[:, None, None] + x[None, :, None] + x[None, None, :])   # Tucker rank 2
    >>> approx = hosvd(T, tol=1e-10)
    >>> approx.ranks, bool(np.linalg.norm(approx.full() - T) <= 1e-10 * np.linalg.norm(T))
    ((2, 2, 2), True)
    """
    xp, tensor = _check_tensor(tensor)
    d = tensor.ndim
    _check_tol(tol)
    ranks = _ranks(rank, d)
    if reference_norm is not None and not (math.isfinite(reference_norm) and reference_norm >= 0):
        raise ValueError(f"reference_norm must be finite and >= 0, got {reference_norm}")
    scale = _norm(xp, tensor) if reference_norm is None else float(reference_norm)
    threshold = None if tol is None else tol * scale / math.sqrt(d)
    factors = []
    core = tensor
    for k in range(d):
        source = core if sequential else tensor
        u, s, _ = xp.linalg.svd(unfold(source, k), full_matrices=False)
        r = _truncation(s, ranks[k], threshold)
        factors.append(u[:, :r])
        if sequential:
            core = mode_product(core, _adjoint(u[:, :r]), k)
    if not sequential:
        for k, u in enumerate(factors):
            core = mode_product(core, _adjoint(u), k)
    return TuckerTensor(core, factors)


def hooi(tensor: Any, rank: int | Sequence[int], *, n_iter: int = 20, tol: float = 1e-12,
         init: TuckerTensor | None = None) -> TuckerTensor:
    """Higher-order orthogonal iteration (ALS) for fixed ranks, started from the HOSVD.

    Stops when the core norm changes by less than ``tol`` (relative) between sweeps.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats import hooi, hosvd
    >>> T = np.random.default_rng(0).standard_normal((8, 9, 10))
    >>> err = lambda t: np.linalg.norm(t.full() - T)
    >>> bool(err(hooi(T, 3)) <= err(hosvd(T, rank=3)))      # ALS improves on the HOSVD start
    True
    """
    xp, tensor = _check_tensor(tensor)
    d = tensor.ndim
    if rank is None:
        raise TypeError("hooi needs rank (an int or one int per axis), got None")
    ranks = _ranks(rank, d)
    if int(n_iter) < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be finite and >= 0, got {tol}")
    ranks = tuple(min(r, n) for r, n in zip(ranks, tensor.shape))
    start = init if init is not None else hosvd(tensor, rank=ranks)
    factors = list(start.factors)
    previous = None
    for _ in range(int(n_iter)):
        for k in range(d):
            projected = tensor
            for j in range(d):
                if j != k:
                    projected = mode_product(projected, _adjoint(factors[j]), j)
            u, _, _ = xp.linalg.svd(unfold(projected, k), full_matrices=False)
            factors[k] = u[:, : ranks[k]]
        core = mode_product(projected, _adjoint(factors[d - 1]), d - 1)
        current = _norm(xp, core)
        if previous is not None and abs(current - previous) <= tol * current:
            break
        previous = current
    return TuckerTensor(core, factors)


def rhosvd(factors: Sequence[Any], weights: Any | None = None, *, tol: float | None = None,
           rank: int | Sequence[int] | None = None) -> TuckerTensor:
    """Reduced HOSVD: Tucker form of a CP tensor ``Σ_r λ_r a¹_r ∘ ⋯ ∘ aᵈ_r`` without forming it.

    Each factor ``A_k`` (shape ``(n_k, R)``) is column-normalised (norms into ``λ``), its
    thin SVD ``A_k = V_k S_k W_kᵀ`` truncated (ε-rule with ``tol / d`` relative to the
    largest singular value, or fixed ``rank``), and the core
    ``Σ_r λ_r Z_1[:, r] ∘ ... ∘ Z_d[:, r]`` with ``Z_k = S_k W_kᵀ`` is assembled from the
    small matrices.  A final HOSVD of the core (same ``tol``) removes what the
    per-mode truncation left redundant.

    Examples
    --------
    >>> import numpy as np
    >>> from tensor_formats.tucker import rhosvd
    >>> rng = np.random.default_rng(0)
    >>> a, b, c = (rng.standard_normal((n, 3)) for n in (6, 7, 8))
    >>> tt = rhosvd([a, b, c], tol=1e-12)
    >>> full = np.einsum("ir,jr,kr->ijk", a, b, c)
    >>> bool(np.allclose(tt.full(), full, atol=1e-10)), tt.ranks
    (True, (3, 3, 3))
    """
    d = len(factors)
    if d < 2:
        raise ValueError(f"rhosvd needs at least 2 factors, got {d}")
    xp = array_namespace(*factors)
    n_terms = factors[0].shape[1] if factors[0].ndim == 2 else -1
    for k, a in enumerate(factors):
        if a.ndim != 2 or a.shape[1] != n_terms or a.shape[0] < 1:
            raise ValueError(f"factor {k} has shape {tuple(a.shape)}; all factors need {n_terms} columns "
                             "and n_k >= 1 rows")
    if n_terms < 1:
        raise ValueError("the factors have no columns (a CP tensor needs at least one term)")
    factors = [_check_tensor(a, f"factor {k}")[1] for k, a in enumerate(factors)]
    _check_tol(tol)
    lam = xp.ones((n_terms,), dtype=factors[0].dtype) if weights is None else xp.asarray(weights)
    if tuple(lam.shape) != (n_terms,):
        raise ValueError(f"weights must have shape ({n_terms},), got {tuple(lam.shape)}")
    if not bool(xp.all(xp.isfinite(lam))):
        raise ValueError("weights contain NaN or infinite values")
    ranks = _ranks(rank, d)
    bases, small = [], []
    for k, a in enumerate(factors):
        norms = _column_norms(xp, a)
        safe = xp.where(norms > 0, norms, xp.ones_like(norms))
        lam = lam * norms
        u, s, wt = xp.linalg.svd(a / safe, full_matrices=False)
        threshold = None if tol is None else (tol / d) * float(s[0])
        r = _truncation(s, ranks[k], threshold)
        bases.append(u[:, :r])
        small.append(s[:r, None] * wt[:r, :])  # Z_k, shape (r_k, R)
    # core[i1..id] = Σ_r λ_r Z_1[i1, r] ... Z_d[id, r] = (Z_1 Λ) KR(Z_2, ..., Z_d)ᵀ, where the
    # Khatri–Rao product KR has r_2 ... r_d rows (mode 2 slowest) and R columns.
    khatri_rao = small[-1]
    for z in reversed(small[1:-1]):
        khatri_rao = xp.reshape(z[:, None, :] * khatri_rao[None, :, :], (-1, n_terms))
    core = xp.reshape((small[0] * lam) @ khatri_rao.T, tuple(u.shape[1] for u in bases))
    inner = hosvd(core, tol=tol, rank=rank)
    return TuckerTensor(inner.core, [v @ w for v, w in zip(bases, inner.factors)])
