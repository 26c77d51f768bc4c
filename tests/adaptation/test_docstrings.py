"""The docstrings of sktransfer.adaptation as users read them."""

import importlib
import inspect
import pkgutil
import re

from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate

import sktransfer.adaptation
from sktransfer.adaptation import BaseAdapter, BaseWeighting

MODULES = [
    importlib.import_module(f"sktransfer.adaptation.{info.name}")
    for info in pkgutil.iter_modules(sktransfer.adaptation.__path__)
]


def test_examples_import_from_public_paths():
    private = []
    for module in MODULES:
        source = open(module.__file__, encoding="utf-8").read()
        for line in re.findall(r">>> (?:from|import) sktransfer\S*", source):
            if re.search(r"\._", line):
                private.append(f"{module.__name__}: {line}")
    assert not private


def _documented_objects():
    for name in sktransfer.adaptation.__all__:
        obj = getattr(sktransfer.adaptation, name)
        yield f"sktransfer.adaptation.{name}", obj
        if not inspect.isclass(obj):
            continue
        for attr in dir(obj):
            method = getattr(obj, attr)
            if (
                not attr.startswith("_")
                and callable(method)
                and getattr(method, "__module__", "").startswith("sktransfer")
            ):
                yield f"sktransfer.adaptation.{name}.{attr}", method


# Conventions of the project, not omissions: methods without See Also or
# Examples, returns written ``name : type`` and no extended summary.
ALLOWED = {"SA01", "EX01", "RT02", "ES01"}


def test_rendered_docstrings_are_complete():
    # Shared paragraphs are filled in (no placeholder line left) and numpydoc
    # finds every parameter documented, with nothing unknown or misformatted.
    problems = []
    for dotted, obj in _documented_objects():
        doc = obj.__doc__ or ""
        if re.search(r"^\s*\{\w+\}\s*$", doc, flags=re.MULTILINE):
            problems.append((dotted, "placeholder left"))
        for code, message in validate(dotted)["errors"]:
            if code not in ALLOWED:
                problems.append((dotted, code, message))
    assert not problems


def test_shared_attributes_are_documented():
    for name in sktransfer.adaptation.__all__:
        obj = getattr(sktransfer.adaptation, name)
        if name.startswith("Base") or not hasattr(obj, "fit"):
            continue
        attributes = {p.name for p in ClassDoc(obj)["Attributes"]}
        assert {"n_features_in_", "feature_names_in_"} <= attributes, name
        if issubclass(obj, (BaseAdapter, BaseWeighting)):
            assert "identity_" in attributes, name
