"""Array backends: one namespace per array, no global switch.

Every numerical function in this project starts with ``xp = array_namespace(x, ...)``
and then calls only ``xp.*``, so the same code runs on numpy (CPU), cupy (GPU) and the
reference namespace ``array_api_strict`` (the test suite's proof that nothing outside
the standard slipped in).  Functions without array inputs take ``backend=`` and use
:func:`namespace_for`.  What the standard lacks (sparse matrices, special functions)
goes through :func:`scipy_like`.

Nothing here imports torch at module level: :func:`to_torch` and :func:`from_torch`
import it when called.

Examples
--------
>>> import numpy as np
>>> from sciml.backend import array_namespace, namespace_for, to_backend
>>> x = np.linspace(0.0, 1.0, 5)
>>> xp = array_namespace(x)
>>> type(xp.sin(x)) is np.ndarray           # array type in = array type out
True
>>> y = to_backend(x, "array_api_strict")   # the strict reference namespace
>>> float(namespace_for("array_api_strict").sum(y))
2.5
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import array_api_compat

__all__ = [
    "BACKENDS",
    "BackendUnavailableError",
    "array_namespace",
    "backend_name",
    "device",
    "from_torch",
    "namespace_for",
    "scipy_like",
    "to_backend",
    "to_numpy",
    "to_torch",
    "torch_seeded",
]

#: Names accepted by :func:`namespace_for` and :func:`to_backend`.
BACKENDS = ("numpy", "cupy", "array_api_strict", "torch")

_INSTALL_HINTS = {
    "cupy": (
        "cupy is needed for the GPU backend: install the project's 'gpu' extra, "
        "pip install -e '.[gpu]' (cupy-cuda12x, needs an NVIDIA GPU with a CUDA 12 driver)"
    ),
    "array_api_strict": (
        "array_api_strict is the reference namespace used by the tests: "
        "pip install -e '.[test]'"
    ),
    "torch": "torch is needed here: pip install -e . -c constraints.txt (CPU build)",
}


class BackendUnavailableError(ImportError):
    """A requested array backend is not installed or has no device to run on.

    Examples
    --------
    >>> from sciml.backend import BackendUnavailableError, namespace_for
    >>> issubclass(BackendUnavailableError, ImportError)      # `except ImportError` catches it too
    True
    >>> try:
    ...     xp = namespace_for("cupy")
    ... except BackendUnavailableError:                       # no cupy here, or no CUDA device
    ...     xp = namespace_for("numpy")
    """


def _import_backend(name: str) -> ModuleType:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise BackendUnavailableError(_INSTALL_HINTS[name]) from exc
    if name == "cupy":
        try:
            count = module.cuda.runtime.getDeviceCount()
        except Exception as exc:  # cupy raises its own CUDARuntimeError without a driver
            raise BackendUnavailableError(
                f"cupy is installed but no CUDA device is usable ({exc}); "
                "use backend='numpy' on this machine"
            ) from exc
        if count == 0:
            raise BackendUnavailableError("cupy is installed but no CUDA device was found")
    return module


def namespace_for(name: str) -> ModuleType:
    """Return the array-API namespace for a backend name.

    Parameters
    ----------
    name : {"numpy", "cupy", "array_api_strict", "torch"}
        The backend.  numpy and cupy come wrapped by ``array_api_compat`` so that they
        follow the standard while creating plain ``numpy.ndarray`` / ``cupy.ndarray``.

    Returns
    -------
    module
        A namespace whose creation functions make arrays of that backend.

    Raises
    ------
    ValueError
        For an unknown name.
    BackendUnavailableError
        When the backend is not installed (the message says how to install it) or,
        for cupy, when no CUDA device is present.

    Examples
    --------
    >>> from sciml.backend import namespace_for
    >>> xp = namespace_for("numpy")
    >>> xp.linspace(0.0, 1.0, 3)
    array([0. , 0.5, 1. ])
    """
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    if name == "numpy":
        return importlib.import_module("array_api_compat.numpy")
    module = _import_backend(name)
    if name == "cupy":
        return importlib.import_module("array_api_compat.cupy")
    if name == "torch":
        return importlib.import_module("array_api_compat.torch")
    return module


def array_namespace(*arrays: Any) -> ModuleType:
    """Return the array-API namespace shared by ``arrays``.

    Python scalars and ``None`` are ignored, so ``array_namespace(x, 2.0)`` works.

    Raises
    ------
    TypeError
        If the arrays come from different libraries or none is an array.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import array_namespace
    >>> array_namespace(np.ones(2), 1.0).__name__
    'array_api_compat.numpy'
    """
    candidates = [a for a in arrays if a is not None and not isinstance(a, (int, float, complex, bool))]
    if not candidates:
        raise TypeError("array_namespace needs at least one array argument")
    return array_api_compat.array_namespace(*candidates)


def device(x: Any) -> Any:
    """Return the device on which array ``x`` lives (``"cpu"`` for numpy).

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import device
    >>> device(np.zeros(3))
    'cpu'
    """
    return array_api_compat.device(x)


def backend_name(x_or_xp: Any) -> str:
    """Name of the backend of an array or namespace: one of :data:`BACKENDS`.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import backend_name
    >>> backend_name(np.zeros(2))
    'numpy'
    """
    xp = x_or_xp if isinstance(x_or_xp, ModuleType) else array_namespace(x_or_xp)
    if array_api_compat.is_numpy_namespace(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    if array_api_compat.is_array_api_strict_namespace(xp):
        return "array_api_strict"
    if array_api_compat.is_torch_namespace(xp):
        return "torch"
    raise TypeError(f"unsupported array namespace {getattr(xp, '__name__', xp)!r}")


def to_numpy(x: Any):
    """Copy (or view) any supported array as a ``numpy.ndarray`` on the host.

    Examples
    --------
    >>> from sciml.backend import namespace_for, to_numpy
    >>> to_numpy(namespace_for("array_api_strict").ones(2))
    array([1., 1.])
    """
    import numpy as np

    if array_api_compat.is_numpy_array(x):
        return x
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if hasattr(x, "__dlpack__"):
        return np.from_dlpack(x)
    return np.asarray(x)


def to_backend(x: Any, name: str):
    """Move array ``x`` to backend ``name``, zero-copy where the libraries allow.

    Parameters
    ----------
    x : array
        A numpy, cupy, array_api_strict or torch array.
    name : {"numpy", "cupy", "array_api_strict", "torch"}
        The target.  Host <-> GPU moves copy; moves on the same device go by DLPack.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import to_backend
    >>> to_backend(np.arange(3.0), "numpy")
    array([0., 1., 2.])
    """
    namespace_for(name)  # validates the name and that the target is installed
    if name == "numpy":
        return to_numpy(x)
    if name == "torch":
        return to_torch(x)
    if name == "array_api_strict":
        import array_api_strict

        return array_api_strict.asarray(to_numpy(x))
    import cupy

    if array_api_compat.is_cupy_array(x):
        return x
    if array_api_compat.is_torch_array(x) and x.device.type == "cuda":
        return cupy.from_dlpack(x.detach())
    return cupy.asarray(to_numpy(x))


def to_torch(x: Any):
    """Return a torch tensor sharing memory with ``x`` where DLPack allows.

    numpy arrays give CPU tensors, cupy arrays CUDA tensors on the same device.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import to_torch
    >>> to_torch(np.ones(2)).dtype
    torch.float64
    """
    torch = _import_backend("torch")
    if array_api_compat.is_torch_array(x):
        return x
    if array_api_compat.is_numpy_array(x):
        import numpy as np

        if x.dtype.kind not in "biufc":
            raise TypeError(f"to_torch needs a numeric or bool array, got dtype {x.dtype}")
        if not x.flags.writeable or not x.flags.c_contiguous:
            x = np.ascontiguousarray(x).copy()  # DLPack refuses read-only buffers
        return torch.from_dlpack(x)
    if array_api_compat.is_cupy_array(x):
        return torch.from_dlpack(x)
    return torch.from_dlpack(to_numpy(x).copy())


def from_torch(t: Any, xp: ModuleType):
    """Return tensor ``t`` as an array of namespace ``xp`` (zero-copy on the same device).

    Parameters
    ----------
    t : torch.Tensor
        Detached first if it requires grad.
    xp : module
        Target namespace, e.g. from :func:`array_namespace` or :func:`namespace_for`.

    Examples
    --------
    >>> import torch
    >>> from sciml.backend import from_torch, namespace_for
    >>> from_torch(torch.ones(2, dtype=torch.float64), namespace_for("numpy"))
    array([1., 1.])
    """
    if not array_api_compat.is_torch_array(t):
        raise TypeError(f"from_torch expects a torch.Tensor, got {type(t).__name__}")
    t = t.detach()
    name = backend_name(xp)
    if name == "torch":
        return t
    if name == "cupy":
        if t.device.type == "cuda":
            import cupy

            return cupy.from_dlpack(t)
        return to_backend(t, "cupy")
    host = t.cpu()
    if name == "numpy":
        return host.numpy()
    return to_backend(host.numpy(), name)


class _HostScipy:
    """scipy reached through the host for namespaces that have no scipy of their own.

    Array arguments are copied to numpy, the scipy function runs there, and array
    results are copied back to ``xp``.  Used for ``array_api_strict`` in tests.
    """

    def __init__(self, module: ModuleType, xp: ModuleType):
        self._module = module
        self._xp = xp

    def __getattr__(self, attr: str):
        value = getattr(self._module, attr)
        if isinstance(value, ModuleType):
            return _HostScipy(value, self._xp)
        if not callable(value):
            return value
        xp = self._xp

        def on_host(*args, **kwargs):
            import numpy as np

            def host(a):
                return to_numpy(a) if hasattr(a, "__dlpack__") and not isinstance(a, np.ndarray) else a

            result = value(*map(host, args), **{k: host(v) for k, v in kwargs.items()})
            return xp.asarray(result) if isinstance(result, np.ndarray) else result

        return on_host


def scipy_like(xp: ModuleType):
    """Return scipy for numpy, ``cupyx.scipy`` for cupy, a host bridge otherwise.

    Submodules are reached as attributes: ``scipy_like(xp).special.erf(x)``,
    ``scipy_like(xp).sparse.csr_matrix(...)``.  For namespaces without a scipy of their
    own (``array_api_strict``) the bridge runs scipy on a host copy and returns arrays
    of ``xp``; it serves elementwise functions (``special``), not sparse matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.backend import array_namespace, scipy_like
    >>> x = np.array([0.0, 10.0])
    >>> scipy_like(array_namespace(x)).special.erf(x)
    array([0., 1.])
    """
    name = backend_name(xp)
    if name == "numpy":
        import scipy
        import scipy.linalg
        import scipy.sparse
        import scipy.sparse.linalg
        import scipy.special

        return scipy
    if name == "cupy":
        import cupyx.scipy
        import cupyx.scipy.linalg
        import cupyx.scipy.sparse
        import cupyx.scipy.sparse.linalg
        import cupyx.scipy.special

        return cupyx.scipy
    import scipy
    import scipy.special

    return _HostScipy(scipy, xp)


@contextmanager
def torch_seeded(seed: int | None) -> Iterator[None]:
    """Run the block with torch's generators (CPU and the current CUDA device) seeded by ``seed``
    and restore them afterwards; with ``seed=None`` the block draws from the global state.

    Used to make weight initialisation reproducible without touching the caller's random state.

    Examples
    --------
    >>> import torch
    >>> from sciml.backend import torch_seeded
    >>> with torch_seeded(0):
    ...     a = torch.rand(2)
    >>> with torch_seeded(0):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """
    torch = _import_backend("torch")
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices, enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield
