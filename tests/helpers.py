"""Assertions shared by the tests."""

from __future__ import annotations

import numpy as np

from sciml.backend import backend_name, to_numpy


def assert_close(actual, expected, *, rtol: float = 1e-12, atol: float = 0.0, xp=None) -> None:
    """Check the namespace, dtype and shape of ``actual``, then its values.

    ``expected`` is an array of any backend or a Python scalar (then only the values are
    compared, broadcast).  With ``xp``, ``actual`` must live in that namespace.
    """
    if xp is not None:
        assert backend_name(actual) == backend_name(xp), (
            f"result lives in {backend_name(actual)}, expected {backend_name(xp)}"
        )
    actual_np = to_numpy(actual)
    if isinstance(expected, (int, float)):
        expected_np = np.asarray(float(expected))
    else:
        expected_np = to_numpy(expected)
        assert actual_np.dtype == expected_np.dtype, f"dtype {actual_np.dtype} != {expected_np.dtype}"
        assert actual_np.shape == expected_np.shape, f"shape {actual_np.shape} != {expected_np.shape}"
    np.testing.assert_allclose(actual_np, expected_np, rtol=rtol, atol=atol)
