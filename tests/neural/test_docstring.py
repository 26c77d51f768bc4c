"""The shared docstring text of the text nets (``sktransfer/neural/_docstring.py``)."""

import inspect
import re

import pytest

pytest.importorskip("torch")

from sktransfer.neural import TextClassifier, TextRegressor  # noqa: E402
from sktransfer.neural._docstring import Substitution  # noqa: E402


def test_substitution_fills_placeholders_and_leaves_the_rest():
    @Substitution(param="x : int\n        The x.\n", other="y")
    def f():
        """Do {a} at 100%.

        Parameters
        ----------
        %(param)s
        %(other)s
        """

    assert f.__doc__ == (
        "Do {a} at 100%.\n\n        Parameters\n        ----------\n"
        "        x : int\n        The x.\n        y\n        "
    )
    with pytest.raises(ValueError, match=r"g: no text for the docstring.*'nope'"):

        @Substitution(param="x")
        def g():
            """%(param)s and %(nope)s."""

    @Substitution(param="x")
    def h():
        pass

    assert h.__doc__ is None


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_the_nets_docstrings_are_filled(cls):
    docs = [cls.__doc__, cls.fit.__doc__, cls.partial_fit.__doc__]
    for doc in docs:
        assert "%(" not in doc
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
