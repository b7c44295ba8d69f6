"""Moment algebra shared by FunBaT's updates: row-wise Kronecker products, Kronecker
quadratic forms and per-coordinate segment sums, all batched over entries."""

from __future__ import annotations

from typing import Any

from sciml.backend import array_namespace, device

__all__ = ["SegmentSum", "khatri_rao_rows", "kron_form", "kron_sum"]


def khatri_rao_rows(vectors: list[Any]):
    """Row-wise Kronecker product: ``(N, R_1), ..., (N, R_m) -> (N, R_1 ⋯ R_m)``, mode 1 slowest."""
    xp = array_namespace(*vectors)
    out = vectors[0]
    for v in vectors[1:]:
        out = xp.reshape(out[:, :, None] * v[:, None, :], (out.shape[0], -1))
    return out


def kron_form(second_moments: list[Any], matrix: Any):
    """``Σ_pq M[p, q] (S_1[n] ⊗ ... ⊗ S_m[n])[p, q]`` for every entry ``n``.

    ``second_moments[k]`` has shape (N, R_k, R_k); ``matrix`` is (P, P) with
    ``P = R_1 ⋯ R_m`` in C order.  Contracted one mode at a time, so memory stays
    ``N · R_2² ⋯ R_m²`` instead of ``N · P²``.
    """
    xp = array_namespace(matrix, *second_moments)
    ranks = [s.shape[1] for s in second_moments]
    m = len(ranks)
    n = second_moments[0].shape[0]
    # Reorder M[(a1..am), (b1..bm)] to [(a1, b1), (a2, b2), ...] so that mode k sits in one axis.
    t = xp.reshape(matrix, tuple(ranks) * 2)
    t = xp.permute_dims(t, tuple(j for k in range(m) for j in (k, k + m)))
    flat = [xp.reshape(s, (n, -1)) for s in second_moments]
    acc = flat[0] @ xp.reshape(t, (ranks[0] ** 2, -1))  # (N, rest)
    for f in flat[1:]:
        acc = xp.reshape(acc, (n, f.shape[1], -1))
        acc = xp.reshape(xp.matmul(f[:, None, :], acc), (n, -1))
    return xp.reshape(acc, (n,))


def kron_sum(second_moments: list[Any], *, chunk: int = 4096):
    """``Σ_n S_1[n] ⊗ ... ⊗ S_m[n]`` as a (P, P) matrix, accumulated over chunks of entries."""
    xp = array_namespace(*second_moments)
    ranks = [s.shape[1] for s in second_moments]
    m = len(ranks)
    n = second_moments[0].shape[0]
    total = None
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        flat = [xp.reshape(s[start:stop, ...], (stop - start, -1)) for s in second_moments]
        rest = khatri_rao_rows(flat[1:]) if m > 1 else None
        part = flat[0].T @ rest if rest is not None else xp.sum(flat[0], axis=0)[:, None]
        total = part if total is None else total + part
    # total[(a1, b1), ((a2, b2), ...)] -> [(a1..am), (b1..bm)]
    t = xp.reshape(total, tuple(j for r in ranks for j in (r, r)))
    t = xp.permute_dims(t, tuple(range(0, 2 * m, 2)) + tuple(range(1, 2 * m, 2)))
    p = 1
    for r in ranks:
        p *= r
    return xp.reshape(t, (p, p))


class SegmentSum:
    """Sums of per-entry arrays over the entries that share a coordinate index.

    Built once from the index of each entry (``0 <= index < n_segments``); ``__call__``
    sorts the entries by index and differences a cumulative sum, O(N) and array-API only
    (the standard has no scatter-add).
    """

    def __init__(self, index: Any, n_segments: int):
        xp = array_namespace(index)
        self.order = xp.argsort(index, stable=True)
        ordered = xp.take(index, self.order)
        segments = xp.arange(n_segments, dtype=ordered.dtype, device=device(index))
        self.starts = xp.searchsorted(ordered, segments, side="left")
        self.stops = xp.searchsorted(ordered, segments, side="right")

    def __call__(self, values: Any):
        xp = array_namespace(values)
        ordered = xp.take(values, self.order, axis=0)
        cumulative = xp.cumulative_sum(ordered, axis=0, include_initial=True)
        return xp.take(cumulative, self.stops, axis=0) - xp.take(cumulative, self.starts, axis=0)
