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
