"""The study errors: a bad spec, an unusable store, a store in use."""

from __future__ import annotations

__all__ = ["SpecError", "StoreError", "StoreLockedError"]


class SpecError(ValueError):
    """An invalid study specification; the message names the key (and the line of a YAML file)."""


class StoreError(RuntimeError):
    """The store cannot be used: not writable, disk full, written by another version or another spec."""


class StoreLockedError(StoreError):
    """Another run of the study holds the store's lock."""
