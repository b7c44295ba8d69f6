"""``save`` and ``load``: one ``.safetensors`` file per model, checked before anything is allocated.

torch and safetensors are imported when these functions are called, not with the module.
"""

from __future__ import annotations

import importlib
import inspect
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sciml._extras import require
from sciml.io import atomic_write
from sciml.models.header import FORMAT, FORMAT_VERSION, METADATA_KEY, Header, read_header

__all__ = ["MAX_MODEL_BYTES", "load", "save"]

#: Packages whose model classes :func:`load` builds: a file cannot make it import anything else.
MODEL_PACKAGES = ("sciml", "solvers")
#: Default limit on the total size of a model's tensors (``load(..., max_bytes=...)`` raises it).
MAX_MODEL_BYTES = 2**31

_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
           "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}
_FLOATS = ("float64", "float32", "float16", "bfloat16")
_COMPLEX = {"complex128": "float64", "complex64": "float32", "complex32": "float16"}


def _dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _model_dtype(model) -> str:
    import torch

    floats = [t.dtype for t in list(model.parameters()) + list(model.buffers()) if t.is_floating_point()]
    return _dtype_name(floats[0] if floats else torch.get_default_dtype())


def _is_model_class(cls: type) -> bool:
    """Whether ``cls`` derives from :class:`sciml.models.Model` (read from the MRO by name, so that this
    module, which ``Model.save`` calls, does not import the base back)."""
    return any(f"{c.__module__}.{c.__qualname__}" == "sciml.models.base.Model" for c in cls.__mro__)


def save(model: Any, path: str | Path, *, metadata: Mapping[str, Any] | None = None) -> None:
    """Write ``model`` to one ``.safetensors`` file, atomically.

    The safetensors metadata hold a JSON header ``{"format": "sciml-model", "format_version": 1,
    "class": "package.module:Class", "arguments": model.config, "package_version", "dtype",
    "metadata", "complex"}``; the weights are the tensors of ``model.state_dict()`` (complex
    tensors as their real view, last axis real/imaginary, listed under ``"complex"``).

    Parameters
    ----------
    model : Model
        A model of this project (a :class:`~sciml.models.Model` and ``torch.nn.Module``).
    path : path
        The file; its folder is created.  Written to a temporary file and renamed, so a failure
        leaves the previous file or none.
    metadata : dict, optional
        Free JSON training metadata (steps, data set, history summary...).

    Raises
    ------
    TypeError
        If ``model`` is not such a model, or a constructor argument or ``metadata`` is not JSON
        (the message names it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sciml.models import load, save
    >>> from solvers.deep_conjugate.network import DCDMNet
    >>> net = DCDMNet(2, channels=4, seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(net, pathlib.Path(folder) / "dcdm.safetensors", metadata={"steps": 0})
    ...     again = load(pathlib.Path(folder) / "dcdm.safetensors")
    >>> again.config == net.config
    True
    """
    torch = require("torch")
    to_bytes = require("safetensors.torch").save

    import sciml

    if not (_is_model_class(type(model)) and isinstance(model, torch.nn.Module)):
        raise TypeError(f"model must be a sciml.models.Model and torch.nn.Module, got {type(model).__name__}")
    cls = type(model)
    if cls.__module__.split(".")[0] not in MODEL_PACKAGES or "." in cls.__qualname__:
        raise TypeError(f"{cls.__module__}.{cls.__qualname__} is not a top-level class of the packages "
                        f"{MODEL_PACKAGES}: load could not rebuild it")
    arguments = model.config
    for name, value in arguments.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"constructor argument {name}={value!r} of {cls.__name__} cannot be saved: "
                            f"not JSON ({exc})") from None
    try:
        extra = json.loads(json.dumps(dict(metadata or {}), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must be a JSON dict (str keys; numbers, strings, lists, dicts): {exc}") from None
    tensors, complex_names = {}, []
    for name, tensor in model.state_dict().items():
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"state_dict entry {name!r} of {cls.__name__} is a {type(tensor).__name__}, not a tensor")
        tensor = tensor.detach().cpu()
        if tensor.is_complex():
            tensor = torch.view_as_real(tensor.resolve_conj())
            complex_names.append(name)
        tensors[name] = tensor.contiguous()
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "class": f"{cls.__module__}:{cls.__qualname__}",
              "arguments": arguments, "package_version": sciml.__version__, "dtype": _model_dtype(model),
              "metadata": extra, "complex": complex_names}
    data = to_bytes(tensors, metadata={METADATA_KEY: json.dumps(header, allow_nan=False)})
    atomic_write(path, lambda f: f.write(data))


def _model_class(path: Path, name: str) -> type:
    """The class ``"package.module:Class"``, imported only from :data:`MODEL_PACKAGES`."""
    import torch

    module, _, attribute = name.partition(":")
    if module.split(".")[0] not in MODEL_PACKAGES:
        raise ValueError(f"{path}: class {name!r} is outside this project's packages {MODEL_PACKAGES}; "
                         f"nothing was imported")
    try:
        cls = getattr(importlib.import_module(module), attribute, None)
    except ImportError as exc:
        raise ValueError(f"{path}: class {name!r} names a module that does not exist ({exc})") from None
    if not (isinstance(cls, type) and _is_model_class(cls) and issubclass(cls, torch.nn.Module)):
        raise ValueError(f"{path}: {name!r} is not a model class (a sciml.models.Model and torch.nn.Module)")
    return cls


def _check_arguments(path: Path, cls: type, arguments: dict) -> None:
    signature = cls._signature
    parameters = signature.parameters
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    unknown = sorted(set(arguments) - set(parameters))
    if unknown and not open_ended:
        raise ValueError(f"{path}: arguments {unknown} are not in the signature of {cls.__qualname__}"
                         f"{signature}")
    try:
        signature.bind(**arguments)
    except TypeError as exc:
        raise ValueError(f"{path}: the recorded arguments do not fit {cls.__qualname__}{signature}: {exc}") from None


class _TooLarge(Exception):
    pass


@contextmanager
def _registration_limit(max_tensors: int, max_bytes: int) -> Iterator[None]:
    """Stop a constructor (in this thread) once it registers more tensors or bytes than allowed:
    a header asking for ten million layers is refused before they are built, even on ``meta``."""
    from torch.nn.modules import module as torch_module

    thread = threading.get_ident()
    count, size = [0], [0]

    def hook(module, name, tensor):
        if threading.get_ident() != thread or tensor is None:
            return None
        count[0] += 1
        size[0] += tensor.numel() * tensor.element_size()
        if count[0] > max_tensors:
            raise _TooLarge(f"building it registers more than {max_tensors} tensors")
        if size[0] > max_bytes:
            raise _TooLarge(f"its tensors exceed max_bytes={max_bytes}")
        return None

    handles = [torch_module.register_module_parameter_registration_hook(hook),
               torch_module.register_module_buffer_registration_hook(hook)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _cast(model, dtype: str):
    """Floating tensors to ``dtype``, complex ones to the complex dtype of the same precision."""
    import torch

    real = getattr(torch, dtype)
    complex_dtype = {"float64": torch.complex128, "float32": torch.complex64}.get(dtype)

    def convert(t):
        if t.is_floating_point():
            return t.to(real)
        if t.is_complex() and complex_dtype is not None:
            return t.to(complex_dtype)
        return t

    return model._apply(convert)


def _build(path: Path, cls: type, header: Header, *, device: str, max_tensors: int, max_bytes: int):
    import torch

    try:
        with _registration_limit(max_tensors, max_bytes), torch.device(device):
            model = cls(**header.arguments)
    except _TooLarge as exc:
        raise ValueError(f"{path}: the recorded arguments build a model too large ({exc}, the file holds "
                         f"{len(header.tensors)} tensors of {header.nbytes} bytes)") from None
    except Exception as exc:  # whatever the constructor raises on bad arguments
        raise ValueError(f"{path}: the recorded arguments do not build a {cls.__qualname__}: {exc}") from None
    return _cast(model, header.dtype)


def _compare(path: Path, model, header: Header) -> None:
    expected = {}
    for name, tensor in model.state_dict().items():
        dtype = _dtype_name(tensor.dtype)
        shape = tuple(tensor.shape)
        if dtype in _COMPLEX:
            dtype, shape = _COMPLEX[dtype], shape + (2,)
        expected[name] = (dtype, shape, dtype != _dtype_name(tensor.dtype))
    declared = {name: (_DTYPES[e.dtype], e.shape, name in header.complex) for name, e in header.tensors.items()}
    missing, unexpected = sorted(set(expected) - set(declared)), sorted(set(declared) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{path}: its tensors do not match the {header.cls} built from its arguments: "
                         f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                         f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}")
    for name, want in expected.items():
        if declared[name] != want:
            got = declared[name]
            raise ValueError(f"{path}: tensor {name!r} is declared {got[0]}{list(got[1])}"
                             f"{' (complex)' if got[2] else ''}; the {header.cls} built from its arguments has "
                             f"{want[0]}{list(want[1])}{' (complex)' if want[2] else ''}")


def load(path: str | Path, *, device: str = "cpu", max_bytes: int = MAX_MODEL_BYTES) -> Any:
    """Rebuild a model written by :func:`save`, checking the file before allocating anything.

    In order: the safetensors header is read by hand (at most 16 MiB) and its tensor table
    checked against the file size (a truncated file stops here); the format tag and version; the
    class (only ``sciml.*`` / ``solvers.*`` modules are imported, and the class must be a
    :class:`~sciml.models.Model`); the arguments against the constructor's signature; the model
    is then built on torch's ``meta`` device (no memory; construction stops early past the
    file's tensor count or ``max_bytes``) and its tensor names, shapes and dtypes compared with
    the file's.  Only then is it built for real and the weights read (safetensors: no pickle).

    Parameters
    ----------
    path : path
    device : str
        Where the model goes (``"cpu"``, ``"cuda"``...).
    max_bytes : int
        Largest total tensor size accepted (default 2 GiB).

    Returns
    -------
    Model
        In eval mode.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Naming the path and the problem, for any file that is not a valid model file of this
        project (a newer format version: both versions are named).

    Examples
    --------
    >>> import tempfile, pathlib, torch
    >>> from sciml.models import load
    >>> from sciml.operators import DeepONet
    >>> net = DeepONet(branch=[10, 8, 8], trunk=[1, 8, 8])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     net.save(pathlib.Path(folder) / "net.safetensors")
    ...     again = load(pathlib.Path(folder) / "net.safetensors")
    >>> u, y = torch.randn(2, 10), torch.rand(5, 1)
    >>> bool(torch.equal(again(u, y), net(u, y)))
    True
    """
    torch = require("torch")
    load_file = require("safetensors.torch").load_file

    path = Path(path)
    header = read_header(path, max_bytes=max_bytes)
    cls = _model_class(path, header.cls)
    _check_arguments(path, cls, header.arguments)
    if header.dtype not in _FLOATS:
        raise ValueError(f"{path}: model dtype {header.dtype!r} is not one of {_FLOATS}")
    limits = dict(max_tensors=4 * len(header.tensors) + 1024, max_bytes=max_bytes)
    _compare(path, _build(path, cls, header, device="meta", **limits), header)
    try:
        tensors = load_file(path, device="cpu")
    except Exception as exc:  # safetensors raises its own error types
        raise ValueError(f"{path} is not a valid model file: {exc}") from None
    for name in header.complex:
        tensors[name] = torch.view_as_complex(tensors[name])
    model = _build(path, cls, header, device="cpu", **limits)
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{path}: its weights do not fit the recorded architecture: {exc}") from None
    return model.to(device).eval()
