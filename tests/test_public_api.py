"""The public API does not change by accident.

``tests/data/public_api.json`` records, for every name in the ``__all__`` of
:mod:`sktransfer` and its subpackages, the signature of the function or of the
``__init__`` and public methods that sktransfer defines on the class. It was
written before the package was restructured (one concern per module): a move
that changes a public name, parameter or default fails here. Defaults that are
classes are recorded by name, not by the private module that holds them.
To change the API on purpose, regenerate the file with
``python tests/test_public_api.py`` and say so in the changelog.
"""

import importlib
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "data" / "public_api.json"
SUBPACKAGES = [
    "sktransfer",
    "sktransfer.adaptation",
    "sktransfer.datasets",
    "sktransfer.embeddings",
    "sktransfer.model_selection",
    "sktransfer.neural",
    "sktransfer.transformers",
    "sktransfer.utils",
]


def _signature(obj):
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None
    return re.sub(r"<class '(?:[\w]+\.)*(\w+)'>", r"<class '\1'>", text)


def _describe(obj):
    if inspect.isclass(obj):
        methods = {}
        for name in sorted(dir(obj)):
            if name.startswith("_") and name != "__init__":
                continue
            attr = inspect.getattr_static(obj, name, None)
            if isinstance(attr, staticmethod | classmethod):
                attr = getattr(obj, name)
            if not (inspect.isfunction(attr) or inspect.ismethod(attr)):
                continue
            # Methods inherited from scikit-learn, skorch or torch are theirs
            # to change; the snapshot holds what sktransfer defines.
            if getattr(attr, "__module__", "").startswith("sktransfer"):
                methods[name] = _signature(attr)
        return {"kind": "class", "methods": methods}
    if callable(obj):
        return {"kind": "function", "signature": _signature(obj)}
    return {"kind": type(obj).__name__}


def public_api():
    """Every public name of the package and what it looks like."""
    api = {}
    for modname in SUBPACKAGES:
        try:
            module = importlib.import_module(modname)
        except ImportError:  # an optional extra (torch) is missing
            continue
        for name in sorted(module.__all__):
            if name == "__version__":
                continue
            try:
                obj = getattr(module, name)
            except ImportError:  # a lazy name of a missing optional extra
                continue
            api[f"{modname}.{name}"] = _describe(obj)
    return api


def _importable(qualname):
    """Whether the module of ``qualname`` and the name itself import.

    A name that does not import belongs to an optional extra that is not
    installed; one that imports but is not listed has disappeared.
    """
    modname, name = qualname.rsplit(".", 1)
    try:
        getattr(importlib.import_module(modname), name, None)
    except ImportError:
        return False
    return True


def test_public_api_unchanged():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    actual = public_api()
    # Without an optional extra, its names are absent; compare what is here.
    missing = [n for n in sorted(set(expected) - set(actual)) if _importable(n)]
    assert not missing, f"public names have disappeared: {missing}"
    added = sorted(set(actual) - set(expected))
    assert not added, f"new public names not in the snapshot: {added}"
    for name in sorted(set(expected) & set(actual)):
        assert actual[name] == expected[name], name


if __name__ == "__main__":
    SNAPSHOT.write_text(
        json.dumps(public_api(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    sys.exit(0)
