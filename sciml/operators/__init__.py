"""Operator learners (torch).  Importing this package does not import torch; the classes
are loaded on first access.

* :class:`DeepONet` — branch/trunk networks, aligned and unaligned forms.
* :class:`MGTFNO` — multigrid-patched, tensor-factorized FNO (neuraloperator).
"""

from __future__ import annotations

import importlib

__all__ = ["DeepONet", "MGTFNO"]

_LAZY = {"DeepONet": "sciml.operators.deeponet", "MGTFNO": "sciml.operators.mgtfno"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sciml.operators' has no attribute {name!r}")
