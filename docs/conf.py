"""Sphinx configuration of the sktransfer documentation.

Build with ``make -C docs html`` (or ``python -m sphinx -b html . _build/html``
from this folder) after ``pip install -e ".[docs]"``. The build runs offline
by default; set ``SKTRANSFER_DOCS_INTERSPHINX=1`` to link to the Python, NumPy,
SciPy and scikit-learn documentation (their inventories are then downloaded).
"""

import os
import sys
from datetime import date

try:
    import sktransfer
except ImportError:  # building from a source tree that is not installed
    sys.path.insert(0, os.path.abspath(".."))
    import sktransfer

# -- Project information -----------------------------------------------------

project = "sktransfer"
author = "The sktransfer developers"
copyright = f"{date.today().year}, {author}"
release = sktransfer.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"

# autodoc / autosummary: one page per public name under generated/.
autosummary_generate = True
autodoc_typehints = "none"

# numpydoc: the class templates list the members; do not repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- intersphinx -------------------------------------------------------------

intersphinx_mapping = {}
if os.environ.get("SKTRANSFER_DOCS_INTERSPHINX", "") not in ("", "0"):
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Data first, then every other topic in alphabetical order.
    "subsection_order": ["../examples/datasets", "*"],
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sktransfer",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"sktransfer": None},
    # Key backreferences by the public paths the API pages document
    # (sktransfer.adaptation.DomainAwareClassifier), not by the shortest
    # importable one (the lazy top-level re-export sktransfer.DomainAwareClassifier).
    "prefer_full_module": {r"^sktransfer\.\w+\."},
    "remove_config_comments": True,
    "show_memory": False,
}


# -- HTML output -------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # the docs extra is not installed: stay buildable
    html_theme = "alabaster"
    html_theme_options = {
        "description": "Transfer learning for text as scikit-learn estimators",
    }
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {"show_toc_level": 2}

html_title = f"sktransfer {release}"
html_static_path = []

# -- Checks and hooks ---------------------------------------------------------


def _skip_sklearn_members(app, what, name, obj, skip, options):
    """Leave out the generic members inherited from sklearn, skorch and torch.

    ``get_params``, ``set_params``, ``get_metadata_routing``, the
    ``set_*_request`` methods, skorch's and torch's own methods are documented
    by those projects; the class pages show what sktransfer defines.
    """
    if what != "class":
        return None
    target = getattr(obj, "fget", obj)  # properties: look at the getter
    module = getattr(target, "__module__", None) or ""
    if module.startswith(("sklearn.", "skorch.", "torch.")):
        return True
    return None


# Every name in a subpackage's __all__ must have an entry in api.rst.
_API_MODULES = (
    "sktransfer.adaptation",
    "sktransfer.datasets",
    "sktransfer.embeddings",
    "sktransfer.model_selection",
    "sktransfer.neural",
    "sktransfer.utils",
    "sktransfer.utils.discovery",
)


def _check_api_reference(app):
    """Warn about public names that api.rst does not list."""
    import importlib
    import re

    from sphinx.util import logging

    logger = logging.getLogger("sktransfer.api")
    with open(os.path.join(app.srcdir, "api.rst"), encoding="utf-8") as f:
        text = f.read()
    documented = set()
    module = None
    for line in text.splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif module and (match := re.fullmatch(r" {3}~?([A-Za-z_]\w*)", line)):
            documented.add(f"{module}.{match.group(1)}")
    for name in _API_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:  # an optional backend (torch) is not installed
            continue
        missing = [
            f"{name}.{obj}"
            for obj in getattr(mod, "__all__", ())
            if f"{name}.{obj}" not in documented
        ]
        if missing:
            logger.warning(
                "public names missing from api.rst: %s",
                ", ".join(missing),
                location="api",
            )


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
    app.connect("builder-inited", _check_api_reference)
