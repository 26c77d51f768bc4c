"""The docstrings of sktransfer.adaptation as users read them."""

import importlib
import pkgutil
import re

import sktransfer.adaptation

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
