"""The shared docstring text of the text nets (``sktransfer/neural/_docstring.py``).

The mechanism itself is tested in ``tests/utils/test_docstring.py``.
"""

import inspect
import re

import pytest

pytest.importorskip("torch")

from sktransfer.neural import TextClassifier, TextRegressor  # noqa: E402


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_the_nets_docstrings_are_filled(cls):
    docs = [cls.__doc__, cls.fit.__doc__, cls.partial_fit.__doc__]
    for doc in docs:
        # No placeholder line is left unfilled.
        assert not re.search(r"^\s*\{\w+\}\s*$", doc, re.M)
    parameters = inspect.getdoc(cls).split("Parameters\n----------\n")[1]
    parameters = parameters.split("Attributes\n----------\n")[0]
    documented = re.findall(r"^(\*{0,2}\w+) :", parameters, re.M)
    # Every parameter of __init__ is documented, once.
    names = [
        ("**" if p.kind is p.VAR_KEYWORD else "") + name
        for name, p in inspect.signature(cls).parameters.items()
    ]
    assert sorted(documented) == sorted(names)
    for method in ("fit", "partial_fit"):
        doc = inspect.getdoc(getattr(cls, method))
        assert "sample_weight : array-like of shape (n_samples,), default=None\n" in doc
        assert "    Weight of each row in the loss" in doc
