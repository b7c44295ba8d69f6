"""The on-disk cache of the data sets: :func:`sciml.io.cached_dataset` for :class:`OperatorSplits`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sciml.backend import to_numpy
from sciml.io import Codec, cached_dataset

from .operator_data import _FIELDS, FieldData, OperatorData, OperatorSplits

__all__ = ["dataset_cache"]

_KINDS = {"operator": (OperatorData, _FIELDS), "field": (FieldData, ("inputs", "outputs"))}
_SPLITS = ("train", "test")


def _encode(splits: OperatorSplits) -> dict[str, Any]:
    kind = "field" if isinstance(splits.train, FieldData) else "operator"
    arrays = {f"{split}_{f}": to_numpy(getattr(getattr(splits, split), f)) for split in _SPLITS for f in _KINDS[kind][1]}
    return {"kind": kind, **arrays}


def _decode(arrays: dict[str, Any], arguments: Mapping[str, Any]) -> OperatorSplits:
    cls, fields = _KINDS[str(arrays["kind"])]
    parts = {split: cls(*(arrays[f"{split}_{f}"] for f in fields)) for split in _SPLITS}
    backend = arguments.get("backend", "numpy")
    if backend != "numpy":
        parts = {split: part.to_backend(backend) for split, part in parts.items()}
    return OperatorSplits(parts["train"], parts["test"], {})


def _attach(splits: OperatorSplits, record: dict[str, Any]) -> OperatorSplits:
    return dataclasses.replace(splits, params=record)


_CODEC = Codec(encode=_encode, decode=_decode, attach=_attach)


def dataset_cache(*, format_version: int, ignore: Iterable[str] = ("backend",)) -> Callable:
    """:func:`sciml.io.cached_dataset` for a generator returning :class:`OperatorSplits`.

    The generator's ``cache`` argument selects the cache; ``backend`` (and what ``ignore``
    adds) does not change the data and is not part of the key. The returned splits carry
    the call's record (generator, arguments, package and format versions) as ``params``.
    """
    return cached_dataset(format_version=format_version, ignore=ignore, codec=_CODEC)
