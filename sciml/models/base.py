"""The model base: constructor arguments recorded by the class itself, ``config``, ``save``, ``predict``.

:class:`Model` is a mixin, not an ``nn.Module``: a model class derives from both,
``class DeepONet(Model, nn.Module)``, so this module (and ``import sciml.models``) needs no torch.
"""

from __future__ import annotations

import copy
import inspect
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from sciml.io import json_data

__all__ = ["Model"]


class Model:
    """Base of every trained model: records its constructor arguments, saves, predicts on arrays.

    A subclass derives from ``Model`` and ``torch.nn.Module`` (in that order) and writes an
    ordinary ``__init__``.  The arguments of each construction are bound to the signature of
    ``__init__`` (defaults applied, ``**options`` flattened into single names) before ``__init__``
    runs, as neuraloperator's ``BaseModel`` does, and are available as :attr:`config`.
    :func:`sciml.models.load` rebuilds the model from them.

    Attributes
    ----------
    predict_forms : dict
        Methods :meth:`predict` may call, each with the positions of the inputs that are split
        into batches (``None``: all of them).  ``{"forward": None}`` unless a class says more.

    Examples
    --------
    >>> from sciml.operators import DeepONet
    >>> net = DeepONet(branch=[10, 8, 8], trunk=[1, 8, 8])
    >>> net.config["branch"], net.config["activation"]
    ([10, 8, 8], 'relu')
    """

    predict_forms: ClassVar[dict[str, tuple[int, ...] | None]] = {"forward": None}
    _signature: ClassVar[inspect.Signature] = inspect.Signature()  # each subclass: that of its __init__

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        signature = inspect.signature(cls.__init__)
        parameters = list(signature.parameters.values())[1:]  # without self
        if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
            raise TypeError(f"{cls.__qualname__}.__init__ takes *args: a model's arguments must have names "
                            f"to be recorded")
        cls._signature = signature.replace(parameters=parameters)

    def __new__(cls, *args: Any, **kwargs: Any):
        instance = super().__new__(cls)
        try:
            bound = cls._signature.bind(*args, **kwargs)
        except TypeError:
            # the call is wrong (``__init__`` will say so) or it is copy/pickle's argument-less
            # ``cls.__new__(cls)``, which restores the recorded arguments with the instance's __dict__
            return instance
        bound.apply_defaults()
        arguments = {}
        for name, value in bound.arguments.items():
            if cls._signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                arguments.update({k: json_data(v, strict=False) for k, v in value.items()})
            else:
                arguments[name] = json_data(value, strict=False)
        object.__setattr__(instance, "_model_arguments", arguments)
        return instance

    @property
    def config(self) -> dict[str, Any]:
        """The constructor arguments, defaults included (a copy: changing it changes nothing)."""
        return copy.deepcopy(self.__dict__.get("_model_arguments", {}))

    def save(self, path: str | Path, *, metadata: Mapping[str, Any] | None = None) -> None:
        """Write the model to one ``.safetensors`` file: see :func:`sciml.models.save`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from sciml.models import load
        >>> from sciml.operators import DeepONet
        >>> net = DeepONet(branch=[10, 8, 8], trunk=[1, 8, 8])
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     net.save(pathlib.Path(folder) / "net.safetensors", metadata={"steps": 0})
        ...     again = load(pathlib.Path(folder) / "net.safetensors")
        >>> again.config == net.config
        True
        """
        from sciml.models.files import save

        save(self, path, metadata=metadata)

    def predict(self, *inputs: Any, batch_size: int | None = None, form: str = "forward") -> Any:
        """Evaluate the model on arrays: numpy (or cupy, or ``array_api_strict``) in, the same out.

        Inputs are moved to the model's device and dtype; the model runs in eval mode (its
        training flag is restored afterwards) without gradients; the result comes back as an
        array of the inputs' namespace (and device, for cupy), in the model's dtype.

        Parameters
        ----------
        *inputs : array
            The arguments of the model's ``form`` method (e.g. DeepONet's ``branch, trunk``).
        batch_size : int, optional
            Evaluate in chunks of this many samples along the first axis of the batched inputs
            (see :attr:`predict_forms`); all at once when omitted.
        form : str
            The method to call, one of :attr:`predict_forms` (``"forward"``: ``model(*inputs)``;
            DeepONet also ``"unaligned"``).

        Returns
        -------
        array
            Of the inputs' namespace (a tuple of arrays for a model returning several tensors).

        Examples
        --------
        >>> import numpy as np
        >>> from sciml.operators import DeepONet
        >>> net = DeepONet(branch=[10, 8, 8], trunk=[1, 8, 8])
        >>> out = net.predict(np.zeros((4, 10)), np.linspace(0, 1, 7)[:, None], batch_size=3)
        >>> type(out).__name__, out.shape, out.dtype
        ('ndarray', (4, 7), dtype('float32'))
        """
        from sciml._extras import require

        torch = require("torch")

        from sciml.backend import array_namespace, from_torch, to_torch

        if form not in self.predict_forms:
            raise ValueError(f"form must be one of {sorted(self.predict_forms)}, got {form!r}")
        if not inputs:
            raise TypeError("predict needs at least one input array")
        xp = array_namespace(*inputs)
        tensors = list(self.parameters()) + list(self.buffers())
        device = tensors[0].device if tensors else torch.device("cpu")
        dtype = next((t.dtype for t in tensors if t.is_floating_point()), torch.get_default_dtype())
        inputs = [to_torch(x).to(device=device, dtype=dtype) for x in inputs]
        batched = self.predict_forms[form]
        batched = range(len(inputs)) if batched is None else [k for k in batched if k < len(inputs)]
        n = int(inputs[batched[0]].shape[0]) if batched else 0
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        step = n if batch_size is None or not batched else int(batch_size)
        call = getattr(self, form) if form != "forward" else self
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                if step >= n or n == 0:
                    outputs = [call(*inputs)]
                else:
                    outputs = []
                    for start in range(0, n, step):
                        chunk = [t[start:start + step] if k in batched else t for k, t in enumerate(inputs)]
                        outputs.append(call(*chunk))
        finally:
            self.train(was_training)
        if isinstance(outputs[0], torch.Tensor):
            result = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
            return from_torch(result, xp)
        parts = zip(*outputs)
        return tuple(from_torch(p[0] if len(p) == 1 else torch.cat(p), xp) for p in parts)
