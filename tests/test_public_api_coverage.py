"""Every public name is exercised by at least one fuzz property.

Lists ``__all__`` of the public packages and sub-packages and fails on a name that no
property of ``tests/test_fuzz_*.py`` declares with :func:`fuzz_support.covers`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import fuzz_support

PUBLIC = ("solvers", "solvers.pde", "tensor_formats", "validation", "validation.exact", "validation.metrics",
          "sciml.io", "sciml.models", "sciml.losses", "sciml.batches", "sciml.train", "sciml.data",
          "sciml.operators", "sciml.backend")


def public_names() -> list[str]:
    names = []
    for module_name in PUBLIC:
        module = importlib.import_module(module_name)
        names.extend(f"{module_name}.{name}" for name in module.__all__)
    return names


def _load_properties() -> None:
    for path in sorted(Path(__file__).parent.glob("test_fuzz_*.py")):
        importlib.import_module(path.stem)


def test_fuzz_modules_exist():
    assert len(list(Path(__file__).parent.glob("test_fuzz_*.py"))) >= 4


@pytest.mark.parametrize("module_name", PUBLIC)
def test_every_public_name_has_a_property(module_name):
    _load_properties()
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if f"{module_name}.{name}" not in fuzz_support.REGISTRY]
    assert not missing, f"{module_name}: no fuzz property covers {missing}"


def test_registry_names_are_public():
    """A property cannot claim a name that is not public (a typo would hide a gap)."""
    _load_properties()
    unknown = sorted(set(fuzz_support.REGISTRY) - set(public_names()))
    assert not unknown, f"covers() names that are not in any __all__: {unknown}"
