"""Every public name has a numpydoc Examples section with code that runs.

``--doctest-modules`` (pyproject's pytest addopts) runs the Examples sections
over the package; this test makes sure there is one to run: every name in the
``__all__`` of sktransfer and of its subpackages has an ``Examples`` section
with at least one ``>>>`` line. New subpackages and new names are picked up
automatically.
"""

import importlib
import importlib.util
import inspect
import pkgutil

import pytest

numpydoc_docscrape = pytest.importorskip("numpydoc.docscrape")

import sktransfer  # noqa: E402


def _public_modules():
    names = ["sktransfer", "sktransfer.utils.discovery"]
    names += [
        f"sktransfer.{info.name}"
        for info in pkgutil.iter_modules(sktransfer.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    return sorted(names)


def _public_names():
    """(module, name) of every public name whose module imports here."""
    pairs = []
    for modname in _public_modules():
        try:
            module = importlib.import_module(modname)
        except ImportError:  # an optional extra is not installed
            continue
        for name in getattr(module, "__all__", ()):
            if name == "__version__":
                continue
            try:
                getattr(module, name)
            except ImportError:  # a lazy name of a missing optional extra
                continue
            pairs.append((modname, name))
    return pairs


PUBLIC_NAMES = _public_names()


def test_the_public_names_are_found():
    found = {f"{m}.{n}" for m, n in PUBLIC_NAMES}
    assert "sktransfer.adaptation.DomainAwareClassifier" in found
    assert "sktransfer.utils.pack_domains" in found
    assert "sktransfer.utils.discovery.all_estimators" in found


@pytest.mark.parametrize(
    "modname, name", PUBLIC_NAMES, ids=[f"{m}.{n}" for m, n in PUBLIC_NAMES]
)
def test_public_name_has_a_runnable_examples_section(modname, name):
    obj = getattr(importlib.import_module(modname), name)
    doc = inspect.getdoc(obj)
    assert doc, f"{modname}.{name} has no docstring"
    examples = "\n".join(numpydoc_docscrape.NumpyDocString(doc)["Examples"])
    assert ">>>" in examples, (
        f"{modname}.{name}: add an 'Examples' section (numpydoc) with at least "
        "one '>>>' line; --doctest-modules runs it"
    )
