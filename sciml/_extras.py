"""Optional dependencies: one place that says which extra provides a module.

The core install (numpy, scipy, array-api-compat, tqdm) runs :mod:`solvers`, :mod:`tensor_formats`
and :mod:`validation`; networks need ``[learn]``, plots ``[plot]``, cupy ``[gpu]``.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

__all__ = ["EXTRAS", "available", "require"]

#: Top-level module -> the extra of ``sciml`` that installs it.
EXTRAS = {"torch": "learn", "neuralop": "learn", "safetensors": "learn", "threadpoolctl": "learn",
          "matplotlib": "plot", "cupy": "gpu",
          "pydantic": "studies", "yaml": "studies", "zarr": "studies", "pyarrow": "studies", "pandas": "studies",
          "xarray": "studies", "dask": "studies", "distributed": "studies", "dask_jobqueue": "jobqueue",
          "tensorly": "bench"}


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    return importlib.util.find_spec(module.split(".")[0]) is not None


def require(module: str) -> ModuleType:
    """Import ``module``; if its package is missing, raise an ImportError naming the extra to install.

    Examples
    --------
    >>> from sciml._extras import require
    >>> require("math").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name is None or exc.name.split(".")[0] != top:
            raise  # the module exists but one of its own imports failed: show that error as it is
        extra = EXTRAS.get(top)
        hint = f"pip install 'sciml[{extra}]'" if extra else f"pip install {top}"
        raise ImportError(f"{module} is needed here but is not installed: {hint}") from exc
