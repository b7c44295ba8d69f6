"""Test configuration: the ``xp`` fixture runs a test on every available array backend.

Backends: numpy and array_api_strict always; cupy only where it imports and sees a GPU
(skipped otherwise).  ``SCIML_TEST_BACKENDS=numpy,cupy`` picks a subset.
"""

from __future__ import annotations

import os

import pytest

from sciml.backend import BackendUnavailableError, namespace_for

ALL_BACKENDS = ("numpy", "array_api_strict", "cupy")


def selected_backends() -> tuple[str, ...]:
    raw = os.environ.get("SCIML_TEST_BACKENDS", "")
    names = tuple(n.strip() for n in raw.split(",") if n.strip()) or ALL_BACKENDS
    unknown = set(names) - set(ALL_BACKENDS)
    if unknown:
        raise pytest.UsageError(f"SCIML_TEST_BACKENDS names unknown backends {sorted(unknown)}")
    return names


@pytest.fixture(params=selected_backends())
def backend(request) -> str:
    """Name of an available array backend."""
    try:
        namespace_for(request.param)
    except BackendUnavailableError as exc:
        pytest.skip(str(exc))
    return request.param


@pytest.fixture
def xp(backend):
    """The array namespace of :func:`backend`."""
    return namespace_for(backend)


# Hypothesis profiles of the fuzz suite (tests/fuzz_support.py): ``ci`` is the default (a
# bounded number of examples, a few minutes for the whole fuzz set on two workers); ``long``
# is the deeper local run, ``pytest --hypothesis-profile=long tests/test_fuzz_*.py``.  The
# per-call time limit is the harness's own (fuzz_support.bounded), so hypothesis' deadline is off.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=12, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=400, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pytest_configure(config):
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile("ci")
