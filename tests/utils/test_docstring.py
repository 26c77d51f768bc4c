import pytest

from sktransfer.utils._docstring import DOMAIN_DOCS, Substitution


def test_placeholder_lines_take_the_indentation_of_the_placeholder():
    texts = {"p": "p : int\n    The p.", "q": "q : str\n    The q.\n"}

    @Substitution(**texts)
    def f(p, q):
        """Do f.

        Parameters
        ----------
        {p}
        {q}

        Returns
        -------
        out : {'a', 'b'}
            Braces that are not a whole line stay: {p}.
        """

    assert f.__doc__ == (
        "Do f.\n\n"
        "        Parameters\n"
        "        ----------\n"
        "        p : int\n"
        "            The p.\n"
        "        q : str\n"
        "            The q.\n\n"
        "        Returns\n"
        "        -------\n"
        "        out : {'a', 'b'}\n"
        "            Braces that are not a whole line stay: {p}.\n"
        "        "
    )


def test_classes_blank_lines_and_no_docstring():
    @Substitution(body="first\n\nsecond")
    class C:
        """C.

        {body}
        """

    assert C.__doc__ == "C.\n\n        first\n\n        second\n        "
    # Blank lines of the text stay empty (no trailing spaces).
    assert "\n\n        second" in C.__doc__

    def g():
        pass

    assert Substitution(body="x")(g).__doc__ is None  # python -OO


def test_unknown_placeholder_is_an_error():
    def h():
        """H.

        {missing}
        """

    with pytest.raises(KeyError, match="missing"):
        Substitution(other="x")(h)


def test_domain_docs_are_numpydoc_parameters():
    for name, text in DOMAIN_DOCS.items():
        head, *body = text.rstrip("\n").split("\n")
        assert " : " in head and not head.startswith(" "), name
        assert body and all(line.startswith("    ") for line in body), name
