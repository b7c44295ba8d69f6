"""Sphinx configuration of the sciml documentation site.

Build with ``make docs`` (every notebook executed, ``-W``) or ``make docs-fast`` (only the cheap
notebooks executed, what the test suite builds). The environment variable ``SCIML_DOCS_EXECUTE``
chooses the notebooks run at build time: ``all``, ``fast`` (the default) or ``off``.

The API pages under ``api/`` are written here from the ``__all__`` of the modules in
``API_MODULES`` (see ``_api.py``), so a name added to an ``__all__`` gets its page without an edit
here; the notebooks of ``../notebooks`` are copied into ``gallery/``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

# A missing docs dependency stops the build with the extra to install, not a bare ImportError.
_REQUIRED = {"sphinx": "sphinx", "pydata_sphinx_theme": "pydata-sphinx-theme", "numpydoc": "numpydoc",
             "myst_nb": "myst-nb"}


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


_missing = [dist for module, dist in _REQUIRED.items() if not _importable(module)]
if _missing:
    raise ImportError(f"the documentation build needs {', '.join(_missing)}, which the docs extra installs: "
                      "pip install -e '.[docs]' (or `make install`)")

import _api  # noqa: E402  (docs/_api.py, next to this file)
import _intersphinx  # noqa: E402

import sciml  # noqa: E402
from sphinx.util import logging as _logging  # noqa: E402

_logger = _logging.getLogger("sciml.docs")

project = "sciml"
author = "the sciml developers"
copyright = "2026, the sciml developers"  # noqa: A001
release = version = sciml.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "_checks",
]
if importlib.util.find_spec("sphinx_copybutton") is not None:  # optional nicety
    extensions.append("sphinx_copybutton")

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]

# --- API reference --------------------------------------------------------------------------------
_api.write_api_pages(HERE / "api")
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False  # the class template lists the members once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


def _require_docstring(app, what, name, obj, options, lines):
    """A documented public name whose page would show no text is a warning (an error under -W).

    ``lines`` is what autodoc will render: the object's docstring, an inherited one (an override
    keeps its base's text) or the ``#:`` comment of a constant.
    """
    if not any(line.strip() for line in lines) and what in ("data", "attribute"):
        lines.extend(_reexported_comment(name, obj))
    if not any(line.strip() for line in lines):
        _logger.warning("public name %s (%s) has no docstring", name, what, type="sciml", subtype="docstring")


def _reexported_comment(name, obj):
    """The ``#:`` comment of a constant re-exported by a package (``solvers.SOLVERS``): autodoc
    reads such comments only in the module named, here the one that assigns the constant."""
    from sphinx.pycode import ModuleAnalyzer

    package, _, attribute = name.rpartition(".")
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(package + ".") and getattr(module, attribute, None) is obj:
            try:
                comments = ModuleAnalyzer.for_module(module_name).find_attr_docs()
            except Exception:  # noqa: BLE001  (no source: nothing to borrow)
                continue
            if ("", attribute) in comments:
                return list(comments[("", attribute)])
    return []


def _public_bases(app, name, obj, options, bases):
    """A private base class (``_Strict``, ``_ProductMode``) has no page: show its public bases instead."""
    public: list[type] = []
    pending = list(bases)
    while pending:
        base = pending.pop(0)
        if base.__name__.startswith("_"):
            pending[:0] = list(base.__bases__)
        elif base not in public:
            public.append(base)
    bases[:] = public or [object]


def setup(app):
    app.connect("autodoc-process-docstring", _require_docstring, priority=400)  # before numpydoc
    app.connect("autodoc-process-bases", _public_bases)

# --- Cross-references to numpy, scipy, torch, tensorly ---------------------------------------------
# Without a network (this project's machines reach package registries only) an unreachable
# inventory would be a warning, hence a failed -W build: _intersphinx keeps the inventories that
# answer within a few seconds and logs the others, so offline the site builds without the links.
intersphinx_mapping = _intersphinx.reachable({
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "tensorly": "https://tensorly.org/stable/",
})
intersphinx_timeout = 5

# --- Notebooks (myst-nb) -------------------------------------------------------------------------
_api.copy_notebooks(ROOT / "notebooks", HERE / "gallery")
_EXECUTE = os.environ.get("SCIML_DOCS_EXECUTE", "fast")
if _EXECUTE not in ("all", "fast", "off"):
    raise ValueError(f"SCIML_DOCS_EXECUTE must be one of ['all', 'fast', 'off'], got {_EXECUTE!r}")
# The notebooks that take seconds, executed even by the fast build so its gallery has plots.
FAST_NOTEBOOKS = ("01_validation", "04_chebyshev_tucker", "07_simulation_coupling", "08_studies")
nb_execution_mode = "off" if _EXECUTE == "off" else "cache"
nb_execution_cache_path = os.environ.get("SCIML_DOCS_CACHE", str(HERE / "_build" / ".jupyter_cache"))
nb_execution_excludepatterns = ([] if _EXECUTE == "all" else
                                [f"gallery/{p.stem}.ipynb" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                                 if p.stem not in FAST_NOTEBOOKS])
nb_execution_timeout = 3600
nb_execution_raise_on_error = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# --- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "sciml"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
