"""The model base and the one model file format (foundation layer).

* :class:`Model` — base of every trained model: records its constructor arguments (``config``),
  ``save(path)``, ``predict(*arrays)`` (numpy / cupy / array_api_strict in, the same out).
* :func:`save` / :func:`load` — one ``.safetensors`` file: a JSON header (class, arguments,
  package version, dtype, training metadata) in the safetensors metadata, the weights as
  safetensors tensors.  :func:`load` checks the header against the class's signature and the
  tensor shapes against the model built on torch's ``meta`` device before allocating anything.

Design: ``Model`` is a mixin, not an ``nn.Module`` subclass (models write
``class DeepONet(Model, nn.Module)``), so that ``import sciml.models`` does not import torch: the
mixin and the header reader are plain Python, and ``save``, ``load`` and ``predict`` import torch
and safetensors when called.  The arguments are recorded in ``Model.__new__`` (bound to the
signature of ``__init__`` with defaults applied, ``**options`` flattened), before ``__init__``
runs, so no subclass writes a ``config`` dict by hand and none can forget an argument.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> from sciml.models import load
>>> from sciml.operators import DeepONet
>>> net = DeepONet(branch=[10, 8, 8], trunk=[1, 8, 8], activation="tanh")
>>> with tempfile.TemporaryDirectory() as folder:
...     net.save(pathlib.Path(folder) / "net.safetensors", metadata={"steps": 0})
...     again = load(pathlib.Path(folder) / "net.safetensors")
>>> u, y = np.random.default_rng(0).normal(size=(3, 10)), np.linspace(0, 1, 5)[:, None]
>>> bool(np.array_equal(again.predict(u, y), net.predict(u, y)))
True
"""

from sciml.models.base import Model
from sciml.models.files import MAX_MODEL_BYTES, load, save
from sciml.models.header import FORMAT, FORMAT_VERSION

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_MODEL_BYTES", "Model", "load", "save"]
