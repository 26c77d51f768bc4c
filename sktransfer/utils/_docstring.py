"""One docstring paragraph, many docstrings.

:class:`Substitution` fills the placeholders of a docstring with shared text,
as imbalanced-learn's ``utils/_docstring.py`` does, so that a paragraph that
several estimators share (the ``sample_domain`` parameter of the domain
contract, say) is written once. A placeholder is a line that holds only
``{name}``; it becomes the text given for ``name``, every line indented as
the placeholder. Braces anywhere else (numpydoc's ``{'rbf', 'linear'}``) are
left alone, so docstrings need no escaping, and the rendered docstring
(``help()``, numpydoc, Sphinx) is complete.

``DOMAIN_DOCS`` holds the parameter paragraphs of the domain contract (see
:func:`sktransfer.utils.check_domains`) that ``fit`` and ``score`` methods
share: ``X`` of source and target rows, ``y`` with unlabelled rows (optional
for adapters and weightings, ``y_unlabelled``; required for estimators that
learn from labels, ``y_labels``; of ``score``, ``y_score``) and
``sample_domain`` (of ``fit`` and of ``score``).
"""

import re

__all__ = ["DOMAIN_DOCS", "Substitution"]

_PLACEHOLDER = re.compile(r"^([ \t]*)\{(\w+)\}[ \t]*$", flags=re.MULTILINE)


def _indent(text, prefix):
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


class Substitution:
    r"""Decorator that fills the placeholder lines of a docstring.

    Parameters
    ----------
    **texts : str
        Text of each placeholder name. Its first line is indented as the
        placeholder, and every further line by that much more than it has.

    Raises
    ------
    KeyError
        When the docstring has a placeholder line with no text given.

    Examples
    --------
    >>> from sktransfer.utils._docstring import Substitution
    >>> @Substitution(note="A shared note,\n    over two lines.")
    ... def f():
    ...     '''Do f.
    ...
    ...     {note}
    ...     '''
    >>> print(f.__doc__.rstrip())
    Do f.
    <BLANKLINE>
        A shared note,
            over two lines.
    """

    def __init__(self, **texts):
        self.texts = {name: text.strip("\n") for name, text in texts.items()}

    def substitute(self, doc):
        """Return ``doc`` with its placeholder lines filled.

        Parameters
        ----------
        doc : str or None
            A docstring; None (as under ``python -OO``) is returned as is.

        Returns
        -------
        doc : str or None
            The docstring with every placeholder line replaced.
        """
        if doc is None:
            return None

        def fill(match):
            indent, name = match.groups()
            if name not in self.texts:
                raise KeyError(f"no text for the docstring placeholder {{{name}}}")
            return _indent(self.texts[name], indent)

        return _PLACEHOLDER.sub(fill, doc)

    def __call__(self, obj):
        """Fill the docstring of ``obj`` (a function or class) and return it."""
        obj.__doc__ = self.substitute(obj.__doc__)
        return obj


DOMAIN_DOCS = {
    "X_domains": """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Source and target rows together.
""",
    "y_unlabelled": """\
y : array-like of shape (n_samples,), default=None
    Labels; ``-1`` (NaN for regression) marks unlabelled rows, which
    form the target domain unless ``sample_domain`` is given.
""",
    "y_labels": """\
y : array-like of shape (n_samples,)
    Class labels (numbers or strings), ``-1`` marking an unlabelled row,
    or regression targets, NaN marking one. Unlabelled rows are not
    fitted on. Never modified.
""",
    "sample_domain": """\
sample_domain : array-like of int of shape (n_samples,), default=None
    Domain of each row: non-negative for source, negative for target.
    When None, labelled rows are the source domain and unlabelled rows
    the target domain. Needed for labelled target rows or for labels
    that include ``-1``.
""",
    "y_score": """\
y : array-like of shape (n_samples,)
    True targets, ``-1`` (classification) or NaN (regression) on
    unlabelled rows, which are ignored.
""",
    "sample_domain_score": """\
sample_domain : array-like of int of shape (n_samples,), default=None
    Domain of each row, read as in ``fit`` (needed when ``-1`` is a real
    class).
""",
}
