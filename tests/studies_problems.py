"""Problems for the study tests, importable by worker processes (the tests put this folder on PYTHONPATH).

``counted`` appends one line per call to the file ``$SCIML_STUDY_COUNTER`` (so a test counts the
calls across processes and runs); with ``$SCIML_STUDY_BLOCK_AFTER = k`` the call after the k-th
blocks (the test then kills the run); ``x < 0`` raises unless ``$SCIML_STUDY_HEAL`` is set.
"""

from __future__ import annotations

import os
import time

import numpy as np


def counted(*, x: float, size: int = 4, scale: float = 1.0) -> dict:
    counter = os.environ.get("SCIML_STUDY_COUNTER")
    if counter:
        with open(counter, "a") as f:
            f.write(f"{x}\n")
        block = os.environ.get("SCIML_STUDY_BLOCK_AFTER")
        if block:
            with open(counter) as f:
                calls = sum(1 for _ in f)
            if calls > int(block):
                time.sleep(300)
    if x < 0 and not os.environ.get("SCIML_STUDY_HEAL"):
        raise RuntimeError(f"negative x = {x}")
    u = scale * np.sin(x + np.arange(size))
    return {"solution": u, "exact": np.sin(np.arange(size) + 0.5 * x), "value": float(x) ** 2}


def cheap(*, i: int) -> float:
    return float(i) * 0.5


def calls(path) -> int:
    """Lines in a counter file (0 when absent)."""
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
