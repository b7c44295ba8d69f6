"""Every public name is exercised by at least one fuzz property.

The public modules are found, not listed (walked with :mod:`pkgutil`): every package and
sub-package of ``sciml``, ``solvers``, ``tensor_formats`` and ``validation`` whose dotted path has
no component starting with an underscore and that defines ``__all__``; besides the packages, the
modules a package names in its ``__all__`` (``validation.metrics``) and the modules of a package
whose ``__all__`` re-exports nothing from them (``sciml`` itself exports only ``__version__``,
so ``sciml.train``, ``sciml.losses``, ``sciml.cli`` ... are entry points of their own).  The
plain modules behind a re-exporting package (``solvers.krylov`` behind ``solvers``) are its
implementation; their re-exported names are covered through the package.  Names with a
leading underscore (``__version__``) are not public.  A module is skipped only when it needs
an optional extra that is not installed (``make install`` installs every extra, so nothing is
skipped there).

A name is covered when a property of ``tests/test_fuzz_*.py`` declares it with
:func:`fuzz_support.covers`, or declares another public path of the same object: a class or
function re-exported by a package and defined in a submodule (``tensor_formats.ParticlePotential``
and ``tensor_formats.particle_potential.ParticlePotential``) needs one property, not two.  For
plain values (constants, registries) the identity must come with the same name, so that two
unrelated constants that happen to be the same small int never cover each other.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

import fuzz_support
from sciml._extras import EXTRAS, available

ROOTS = ("sciml", "solvers", "tensor_formats", "validation")


def _missing_extra(exc: ImportError) -> str | None:
    """The uninstalled top-level module behind ``exc`` when it belongs to an extra, else None."""
    while exc is not None:
        name = getattr(exc, "name", None)
        if name and name.split(".")[0] in EXTRAS and not available(name):
            return name.split(".")[0]
        exc = exc.__cause__ or exc.__context__
    return None


@cache
def public_modules() -> tuple[str, ...]:
    """Dotted names of the public modules that define ``__all__`` (found, not listed)."""
    found = []
    for root in ROOTS:
        package = importlib.import_module(root)
        names = [root] + [info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{root}.",
                                                                        onerror=lambda name: None)]
        for name in names:
            if any(part.startswith("_") for part in name.split(".")):
                continue
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                if _missing_extra(exc) is None:
                    raise
                continue  # its extra is not installed
            if hasattr(module, "__all__") and _is_entry_point(name, module):
                found.append(name)
    return tuple(sorted(found))


def _is_entry_point(name: str, module: ModuleType) -> bool:
    """A package; a module its package names in ``__all__``; a module of a package that
    re-exports nothing from its modules."""
    if hasattr(module, "__path__") or "." not in name:
        return True
    parent = importlib.import_module(name.rpartition(".")[0])
    exported = [getattr(parent, n, None) for n in getattr(parent, "__all__", ())]
    if any(obj is module for obj in exported):
        return True
    return not any(inspect.ismodule(obj) or str(getattr(obj, "__module__", "")).startswith(parent.__name__ + ".")
                   for obj in exported)


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def _identity(module_name: str, name: str):
    """What makes two public paths the same thing: the object for modules, classes and
    functions; the object *and* its name for plain values."""
    obj = getattr(_module(module_name), name)
    if inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isroutine(obj):
        return ("object", id(obj))
    return ("value", name, id(obj))


def public_names() -> list[str]:
    return [f"{m}.{name}" for m in public_modules() for name in _public(m)]


def _public(module_name: str) -> list[str]:
    return [name for name in _module(module_name).__all__ if not name.startswith("_")]


def _load_properties() -> None:
    for path in sorted(Path(__file__).parent.glob("test_fuzz_*.py")):
        importlib.import_module(path.stem)


def _covered_identities() -> set:
    _load_properties()
    covered = set()
    for key in fuzz_support.REGISTRY:
        module_name, _, name = key.rpartition(".")
        try:
            covered.add(_identity(module_name, name))
        except (ImportError, AttributeError):
            continue  # reported by test_registry_names_are_public
    return covered


def test_fuzz_modules_exist():
    assert len(list(Path(__file__).parent.glob("test_fuzz_*.py"))) >= 4


def test_the_walk_finds_the_known_packages():
    """The walk is not vacuous: packages that certainly are public are found (none is skipped
    in a full install, where every extra is present)."""
    modules = set(public_modules())
    assert {"solvers", "solvers.pde", "tensor_formats", "tensor_formats.chebyshev_tucker", "validation.metrics",
            "sciml.io", "sciml.train", "sciml.studies", "sciml.cli", "solvers.deep_conjugate",
            "tensor_formats.funbat"} <= modules or not available("pandas")
    assert not any(part.startswith("_") for m in modules for part in m.split("."))


@pytest.mark.parametrize("module_name", public_modules())
def test_every_public_name_has_a_property(module_name):
    covered = _covered_identities()
    missing = [name for name in _public(module_name) if _identity(module_name, name) not in covered]
    assert not missing, f"{module_name}: no fuzz property covers {missing}"


def test_registry_names_are_public():
    """A property cannot claim a name that is not public (a typo would hide a gap)."""
    _load_properties()
    unknown = sorted(set(fuzz_support.REGISTRY) - set(public_names()))
    assert not unknown, f"covers() names that are not in any __all__: {unknown}"
