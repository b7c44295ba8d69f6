"""The fuzz suite's harness: hypothesis strategies, the bounded call and the coverage registry.

Every property of ``tests/test_fuzz_*.py`` calls the code under test through :func:`bounded`
(a worker thread with a time limit: a call still running after the limit is a hang and
fails the example, whether it spins in Python or in LAPACK) and accepts exactly two outcomes:
a result the property checks against an oracle, or one of the *documented* exceptions,
raised within :data:`REJECT_SECONDS`.  Any other exception is a crash and fails.

Properties declare the public names they exercise with :func:`covers`;
``tests/test_public_api_coverage.py`` lists ``__all__`` of the public packages and fails on
a name no property covers.

The profiles ``ci`` (default, bounded examples) and ``long`` are registered in
``tests/conftest.py``; ``pytest --hypothesis-profile=long`` runs the deeper search.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

#: Public name -> names of the properties that exercise it.
REGISTRY: dict[str, list[str]] = {}

#: A call slower than this is a hang (the property fails).
CALL_SECONDS = 20.0
#: A deliberately bad input must be refused within this much CPU time (the issue's target).
REJECT_SECONDS = 1.0

#: The exceptions a public function may raise for bad input (plus the project's own, which
#: derive from these: FormatVersionError, ConvergenceError, BackendUnavailableError ...).
DOCUMENTED = (ValueError, TypeError)


def covers(*names: str) -> Callable:
    """Record that the decorated property exercises the public ``names`` (``"module.name"``)."""

    def decorate(test: Callable) -> Callable:
        for name in names:
            REGISTRY.setdefault(name, []).append(f"{test.__module__}.{test.__name__}")
        return test

    return decorate


class Hang(AssertionError):
    """The call did not return within its time limit."""


class Crash(AssertionError):
    """The call raised an exception that is not documented for bad input."""


class Slow(AssertionError):
    """A bad input took longer than :data:`REJECT_SECONDS` to be refused."""


def bounded(fn: Callable[[], Any], *, limit: float = CALL_SECONDS) -> tuple[str, Any, float]:
    """Run ``fn()`` in a worker thread; return ``(outcome, value_or_exception, seconds)``.

    ``outcome`` is ``"ok"`` or ``"raised"``; ``seconds`` is the CPU time of the call's thread
    (so that the refusal budget does not depend on how many other processes share the two
    cores).  A call still running after ``limit`` seconds of wall time raises :class:`Hang`
    (the thread is a daemon and is abandoned).
    """
    box: dict[str, Any] = {}

    def target():
        start = time.thread_time()
        try:
            box["value"] = fn()
            box["outcome"] = "ok"
        except BaseException as exc:  # noqa: BLE001 -- judged by the caller
            box["value"] = exc
            box["outcome"] = "raised"
        box["seconds"] = time.thread_time() - start

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise Hang(f"the call did not return within {limit} s")
    return box["outcome"], box["value"], box["seconds"]


def _tally(outcome: str) -> None:
    """Append ``<test> <outcome>`` to ``$SCIML_FUZZ_TALLY`` when set (benchmarks/fuzz_outcomes.py
    counts the outcomes of a run from it; one short line per call, appended atomically)."""
    path = os.environ.get("SCIML_FUZZ_TALLY")
    if path:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{test} {outcome}\n")


def call(fn: Callable[[], Any], *, documented: tuple[type[BaseException], ...] = DOCUMENTED,
         limit: float = CALL_SECONDS, reject_seconds: float | None = REJECT_SECONDS) -> Any:
    """The property's one gate: the result of ``fn()``, or ``None`` when it raised a documented
    exception quickly.  A hang, an undocumented exception or a slow refusal fails
    (``reject_seconds=None``: an exception that stops an iteration midway, not a refusal of the
    input, is not timed)."""
    try:
        outcome, value, seconds = bounded(fn, limit=limit)
    except Hang:
        _tally("hang")
        raise
    if outcome == "ok":
        _tally("result")
        return value
    if not isinstance(value, documented):
        _tally("crash")
        raise Crash(f"undocumented {type(value).__name__}: {value}") from value
    _tally("refused")
    if reject_seconds is not None and seconds > reject_seconds:
        raise Slow(f"{type(value).__name__} after {seconds:.2f} s (limit {reject_seconds} s): {value}")
    if not str(value).strip():
        raise Crash(f"{type(value).__name__} without a message")
    return None


def rejects(fn: Callable[[], Any], *, documented: tuple[type[BaseException], ...] = DOCUMENTED,
            limit: float = CALL_SECONDS) -> BaseException:
    """``fn()`` must raise a documented exception quickly; return it."""
    outcome, value, seconds = bounded(fn, limit=limit)
    _tally("silent" if outcome == "ok" else "refused" if isinstance(value, documented) else "crash")
    if outcome == "ok":
        raise AssertionError(f"accepted a bad input silently, returned {value!r:.200}")
    if not isinstance(value, documented):
        raise Crash(f"undocumented {type(value).__name__}: {value}") from value
    if seconds > REJECT_SECONDS:
        raise Slow(f"{type(value).__name__} after {seconds:.2f} s (limit {REJECT_SECONDS} s): {value}")
    return value


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

FLOAT_DTYPES = (np.float16, np.float32, np.float64)
ALL_DTYPES = FLOAT_DTYPES + (np.complex128, np.int64, np.bool_)


def finite_floats(*, magnitude: float = 1e3) -> st.SearchStrategy[float]:
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False)


def extreme_scale() -> st.SearchStrategy[float]:
    """Scale factors from underflow to overflow territory (powers of ten, both signs of the exponent)."""
    return st.sampled_from([1e-300, 1e-200, 1e-150, 1e-20, 1.0, 1e20, 1e150, 1e200, 1e300])


def non_finite() -> st.SearchStrategy[float]:
    return st.sampled_from([math.nan, math.inf, -math.inf])


def shapes(*, min_dims: int = 1, max_dims: int = 3, min_side: int = 0, max_side: int = 6):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


@st.composite
def arrays(draw, *, dtypes=ALL_DTYPES, shape=None, min_dims: int = 1, max_dims: int = 3, min_side: int = 0,
           max_side: int = 6, poison: bool = True):
    """A numpy array of a drawn dtype and shape; with ``poison`` one entry may be NaN/inf
    (floating dtypes) and values may be scaled to extreme magnitudes."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if shape is None:
        shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    if dtype.kind == "b":
        return draw(hnp.arrays(dtype, shape))
    if dtype.kind in "iu":
        return draw(hnp.arrays(dtype, shape, elements=st.integers(-100, 100)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape)
    if dtype.kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    if poison and values.size and draw(st.booleans()):
        scale = draw(extreme_scale())
        with np.errstate(all="ignore"):
            values = values * scale
    x = values.astype(dtype)
    if poison and x.size and dtype.kind in "fc" and draw(st.integers(0, 3)) == 0:
        x.reshape(-1)[draw(st.integers(0, x.size - 1))] = draw(non_finite())
    return x


def is_finite(x: Any) -> bool:
    x = np.asarray(x)
    return x.dtype.kind not in "fc" or bool(np.all(np.isfinite(x)))


def backends() -> st.SearchStrategy[str]:
    """A backend name; array_api_strict stands for 'another namespace than numpy'."""
    return st.sampled_from(["numpy", "array_api_strict"])
