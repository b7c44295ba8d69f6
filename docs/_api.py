"""The API pages of the documentation, written from the modules' ``__all__``.

``API_MODULES`` is the one list of documented modules, by layer. Every name of a module's
``__all__`` gets an autosummary entry and a page of its own (``api/generated/<module>.<name>``);
a name that is itself a module links to that module's page. ``tests/test_docs.py`` checks that every
name in every public ``__all__`` of the four packages is documented under one of these modules.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
import types
from pathlib import Path

# (section title, modules), from the user-facing layer down.
API_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("User-facing", ("sciml.studies", "sciml.cli", "sciml.training_config")),
    ("Numerics: solvers", ("solvers", "solvers.pde", "solvers.obstacles", "solvers.staggered",
                           "solvers.simulation", "solvers.preconditioners", "solvers.deep_conjugate")),
    ("Numerics: tensor formats", ("tensor_formats", "tensor_formats.chebyshev", "tensor_formats.fourier", "tensor_formats.tucker",
                                  "tensor_formats.chebyshev_tucker", "tensor_formats.potentials",
                                  "tensor_formats.funbat")),
    ("Learned operators and data", ("sciml.data", "sciml.operators")),
    ("Checks", ("validation", "validation.exact", "validation.metrics", "validation.checks", "validation.report")),
    ("Foundation", ("sciml", "sciml.train", "sciml.models", "sciml.io", "sciml.backend", "sciml.batches",
                    "sciml.losses")),
)
PACKAGES = ("sciml", "solvers", "tensor_formats", "validation")


def documented_modules() -> list[str]:
    """Every module of ``API_MODULES``, in order."""
    return [name for _, modules in API_MODULES for name in modules]


def public_names(module_name: str) -> list[str]:
    """The ``__all__`` of a module (sorted as written)."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        raise ValueError(f"documented module {module_name!r} has no __all__")
    return list(names)


def primary_pages() -> dict[int, str]:
    """``id(object) -> "module.name"``: the first documented path of every class and function.

    A class or function exported by two documented modules (``tensor_formats.FunBaT`` and
    ``tensor_formats.funbat.FunBaT``) has one page, under the first module of ``API_MODULES``;
    the second module's page links to it (two pages would describe one object twice).
    """
    first: dict[int, str] = {}
    for module_name in documented_modules():
        module = importlib.import_module(module_name)
        for n in public_names(module_name):
            obj = getattr(module, n)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                first.setdefault(id(obj), f"{module_name}.{n}")
    return first


def _module_page(module_name: str) -> str:
    module = importlib.import_module(module_name)
    names = public_names(module_name)
    documented = set(documented_modules())
    first = primary_pages()
    submodules = [n for n in names if isinstance(getattr(module, n), types.ModuleType)]
    elsewhere = {n: first[id(getattr(module, n))] for n in names if n not in submodules
                 and first.get(id(getattr(module, n)), f"{module_name}.{n}") != f"{module_name}.{n}"}
    objects = [n for n in names if n not in submodules and n not in elsewhere]
    lines = [module_name, "=" * len(module_name), "", f".. automodule:: {module_name}", "   :no-members:", "",
             f".. currentmodule:: {module_name}", ""]
    if objects:
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in objects] + [""]
    if elsewhere:
        lines += ["Also exported here", "------------------", ""]
        lines += [f"- ``{n}``: :py:obj:`{target}`" for n, target in elsewhere.items()] + [""]
    if submodules:
        lines += ["Modules", "-------", ""]
        for n in submodules:
            full = getattr(module, n).__name__
            if full not in documented:
                raise ValueError(f"{module_name}.__all__ names the module {n!r}: add {full!r} to API_MODULES")
            lines += [f"- :doc:`{full}`: {_summary(getattr(module, n))}"]
        lines += [""]
    return "\n".join(lines)


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ")


def _index_page() -> str:
    lines = ["API reference", "=============", "",
             "Every public name, one page each, grouped by the layers of the architecture "
             "(imports point down only). A module's summary is its first docstring line.", ""]
    for title, modules in API_MODULES:
        lines += [title, "-" * len(title), "", ".. list-table::", "   :widths: 30 70", ""]
        for name in modules:
            lines += [f"   * - :doc:`{name}`", f"     - {_summary(importlib.import_module(name))}"]
        lines += ["", ".. toctree::", "   :hidden:", ""] + [f"   {name}" for name in modules] + [""]
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_api_pages(folder: Path) -> None:
    """Write ``index.rst`` and one ``<module>.rst`` per documented module into ``folder``.

    Files are rewritten only when their text changes, so an incremental build stays incremental;
    pages of modules no longer listed are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{m}.rst": _module_page(m) for m in documented_modules()}
    wanted["index.rst"] = _index_page()
    for stale in folder.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        _write_if_changed(folder / name, text)
    # autosummary writes the stubs of generated/ but never removes one whose name left an __all__
    first = primary_pages()
    stubs = {f"{m}.{n}" for m in documented_modules() for n in public_names(m)
             if first.get(id(getattr(importlib.import_module(m), n)), f"{m}.{n}") == f"{m}.{n}"}
    for stale in (folder / "generated").glob("*.rst"):
        if stale.stem not in stubs:
            stale.unlink()


def copy_notebooks(source: Path, target: Path) -> None:
    """Copy the notebooks of ``source`` into ``target`` (the gallery), keeping unchanged ones."""
    target.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(source.glob("*.ipynb"))
    for stale in target.glob("*.ipynb"):
        if stale.name not in {p.name for p in notebooks}:
            stale.unlink()
    for notebook in notebooks:
        copy = target / notebook.name
        if not copy.exists() or copy.read_bytes() != notebook.read_bytes():
            shutil.copyfile(notebook, copy)


def all_public_modules() -> list[str]:
    """Every importable, non-private module of the four packages that defines ``__all__``."""
    found = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        names = [package] + [info.name for info in pkgutil.walk_packages(root.__path__, prefix=package + ".")]
        for name in names:
            if any(part.startswith("_") for part in name.split(".")):
                continue
            module = importlib.import_module(name)
            if hasattr(module, "__all__"):
                found.append(name)
    return found
