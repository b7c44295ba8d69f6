import importlib.util

import numpy as np
import pytest

from helpers import assert_close
from sciml import backend as B


def test_namespace_for_gives_namespaces_of_the_right_array_type(xp):
    x = xp.linspace(0.0, 1.0, 5)
    assert B.backend_name(x) == B.backend_name(xp)
    assert B.array_namespace(x) is not None
    y = B.array_namespace(x).sin(x)
    assert type(y) is type(x)  # array type in = array type out


def test_namespace_for_rejects_unknown_names():
    with pytest.raises(ValueError, match="backend must be one of"):
        B.namespace_for("jax")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="cupy is installed here")
def test_missing_cupy_raises_one_clear_error_with_install_hint():
    with pytest.raises(B.BackendUnavailableError, match=r"pip install -e '\.\[gpu\]'"):
        B.namespace_for("cupy")
    with pytest.raises(B.BackendUnavailableError):
        B.to_backend(np.ones(2), "cupy")


def test_array_namespace_ignores_scalars_and_rejects_mixed_libraries(xp):
    x = xp.ones(3)
    assert B.backend_name(B.array_namespace(x, 2.0, None)) == B.backend_name(xp)
    with pytest.raises(TypeError):
        B.array_namespace(1.0, 2)
    if B.backend_name(xp) != "numpy":
        with pytest.raises(TypeError):
            B.array_namespace(x, np.ones(3))


def test_device_of_numpy_is_cpu():
    assert B.device(np.zeros(2)) == "cpu"


@pytest.mark.parametrize("target", ["numpy", "array_api_strict", "torch"])
def test_to_backend_round_trip_preserves_values_dtype_and_shape(xp, target):
    x = xp.reshape(xp.arange(12, dtype=xp.float64) / 7.0, (3, 4))
    moved = B.to_backend(x, target)
    assert B.backend_name(moved) == target
    back = B.to_backend(moved, B.backend_name(xp))
    assert_close(back, x, rtol=0.0, xp=xp)


def test_to_torch_shares_memory_with_numpy():
    x = np.arange(4.0)
    t = B.to_torch(x)
    t[0] = 42.0
    assert x[0] == 42.0


def test_to_torch_copies_read_only_arrays():
    x = np.arange(3.0)
    x.setflags(write=False)
    t = B.to_torch(x)
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_from_torch_detaches_and_shares_memory():
    import torch

    t = torch.arange(3, dtype=torch.float64, requires_grad=True) * 1.0
    y = B.from_torch(t, B.namespace_for("numpy"))
    assert isinstance(y, np.ndarray) and y.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="torch.Tensor"):
        B.from_torch(np.ones(2), B.namespace_for("numpy"))


def test_from_torch_into_every_backend(xp):
    import torch

    y = B.from_torch(torch.ones(2, 3, dtype=torch.float64), xp)
    assert_close(y, xp.ones((2, 3), dtype=xp.float64), xp=xp)


def test_scipy_like_special_functions_on_every_backend(xp):
    from scipy.special import erf

    x = xp.asarray([0.0, 0.3, 2.0])
    y = B.scipy_like(xp).special.erf(x)
    assert_close(y, erf(np.array([0.0, 0.3, 2.0])), rtol=1e-15, xp=xp)


def test_scipy_like_numpy_is_scipy():
    import scipy

    assert B.scipy_like(B.namespace_for("numpy")) is scipy


def test_scipy_like_gives_the_sparse_solvers_in_a_fresh_interpreter():
    """cupyx.scipy (like scipy) does not load sparse.linalg on import: scipy_like must (the GPU run found
    solvers.pde.solve_darcy (then solvers.pde.darcy) failing on cupy with "no attribute 'linalg'")."""
    import subprocess
    import sys

    code = ("import numpy; from sciml.backend import scipy_like; s = scipy_like(numpy); "
            "assert callable(s.sparse.linalg.spsolve) and callable(s.linalg.solve_triangular)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
