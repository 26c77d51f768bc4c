"""Tokenisation shared by the text estimators of sktransfer.

One :class:`Tokenizer` turns a document (a string or a list of tokens) into a
list of tokens, with the same settings as scikit-learn's vectorizers
(``lowercase``, ``token_pattern``, ``tokenizer``). The neural fine-tuners use
the same class, so a vocabulary learnt by :class:`Word2VecVectorizer` matches
theirs.

:func:`token_ids` maps documents to vocabulary ids. It decides when the
vectorised engine of ``_fastids`` applies (which tokenisation a
:class:`Tokenizer` stands for, which documents) and hands it what it needs;
the engine imports nothing from the package. An estimator builds the
:class:`VocabularyIndex` of its vocabulary in ``fit`` and passes it in.
"""

import re
from collections.abc import Mapping
from itertools import repeat

import numpy as np

from sktransfer.embeddings._fastids import (
    VocabularyIndex,
    fast_token_ids,
    fast_token_list_ids,
)

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "Tokenizer",
    "VocabularyIndex",
    "check_documents",
    "token_ids",
]

#: scikit-learn's default token pattern: runs of 2 or more word characters.
DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"

#: Tokens looked up at once by ``token_ids``.
_CHUNK_TOKENS = 200_000

_STRING_ERROR = "Iterable over raw text documents expected, string object received."


def check_documents(raw_documents, *, allow_empty=False, owner="the estimator"):
    """Return ``raw_documents`` as a list, rejecting a bare string.

    Parameters
    ----------
    raw_documents : iterable of str or of list of str
        Documents (strings) or pre-tokenised documents (lists of tokens).
    allow_empty : bool, default=False
        Accept an empty corpus.
    owner : str, default='the estimator'
        Name used in error messages.

    Returns
    -------
    documents : list
        The documents.
    """
    if isinstance(raw_documents, str | bytes):
        raise ValueError(_STRING_ERROR)
    if hasattr(raw_documents, "columns") and hasattr(raw_documents, "shape"):
        # A data frame (pandas, polars): one text column is the corpus.
        n_columns = raw_documents.shape[1]
        if n_columns != 1:
            raise ValueError(
                f"{owner} expects one column of text documents, got a data frame "
                f"with {n_columns} columns ({list(raw_documents.columns)[:5]}); "
                "select the text column, e.g. X['text']."
            )
        raw_documents = raw_documents[list(raw_documents.columns)[0]]
    elif isinstance(raw_documents, np.ndarray) and raw_documents.ndim > 1:
        if raw_documents.ndim > 2 or raw_documents.shape[1] != 1:
            raise ValueError(
                f"{owner} expects a 1-dimensional collection of documents (or one "
                f"column), got an array of shape {raw_documents.shape}."
            )
        raw_documents = raw_documents[:, 0]
    elif isinstance(raw_documents, Mapping):
        raise TypeError(
            f"{owner} expects an iterable of documents (str or lists of str "
            f"tokens), got a {type(raw_documents).__name__}."
        )
    if hasattr(raw_documents, "iloc"):  # pandas Series
        raw_documents = raw_documents.tolist()
    try:
        docs = list(raw_documents)
    except TypeError as exc:
        raise TypeError(
            f"{owner} expects an iterable of documents (str or lists of str "
            f"tokens), got {type(raw_documents).__name__}."
        ) from exc
    if not docs and not allow_empty:
        raise ValueError(f"{owner} needs at least one document; the corpus is empty.")
    return docs


class Tokenizer:
    """Callable turning one document into a list of tokens.

    Parameters
    ----------
    lowercase : bool, default=True
        Lowercase string documents before tokenising.
    token_pattern : str or None, default=DEFAULT_TOKEN_PATTERN
        Regular expression whose matches are the tokens (scikit-learn's
        convention). None splits on whitespace, which is the fastest option.
    tokenizer : callable, default=None
        Overrides ``token_pattern``: called on each (lowercased) string and
        must return a list of str. It must be picklable for the estimator to
        be.

    Notes
    -----
    Documents that already are lists (or tuples) of str tokens are used as
    they are: neither lowercased nor split.

    Examples
    --------
    >>> from sktransfer.embeddings import Tokenizer
    >>> tokenize = Tokenizer()
    >>> tokenize("A good film, a GREAT cast!")
    ['good', 'film', 'great', 'cast']
    >>> Tokenizer(token_pattern=None)("A good film")
    ['a', 'good', 'film']
    >>> tokenize(["already", "Tokenised"])
    ['already', 'Tokenised']
    """

    def __init__(
        self, lowercase=True, token_pattern=DEFAULT_TOKEN_PATTERN, tokenizer=None
    ):
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        if tokenizer is not None:
            self._split = tokenizer
        elif token_pattern is None:
            self._split = str.split
        else:
            pattern = re.compile(token_pattern)
            if pattern.groups > 1:
                raise ValueError(
                    "token_pattern must have at most one capturing group, got "
                    f"{pattern.groups} in {token_pattern!r}."
                )
            self._split = pattern.findall

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_split", None)
        return state

    def __setstate__(self, state):
        self.__init__(state["lowercase"], state["token_pattern"], state["tokenizer"])

    def __call__(self, doc, index=None):
        """Tokenise one document."""
        if isinstance(doc, str):
            tokens = self._split(doc.lower() if self.lowercase else doc)
            if self.tokenizer is not None:
                tokens = self._check_tokens(tokens, index)
            return tokens
        if isinstance(doc, list | tuple | np.ndarray):
            if not set(map(type, doc)) <= {str}:  # C-speed check of every token
                bad = [t for t in doc if not isinstance(t, str)]
                if bad:
                    tok = bad[0]
                    where = "" if index is None else f" {index}"
                    raise TypeError(
                        f"pre-tokenised document{where} holds a "
                        f"{type(tok).__name__} ({tok!r}); tokens must be str."
                    )
                # str subclasses (numpy's str_): plain str, as the vocabulary.
                return [str(t) for t in doc]
            # Lists are used as they are (never modified); others are copied.
            return doc if type(doc) is list else list(doc)
        where = "" if index is None else f" {index}"
        raise TypeError(
            f"document{where} is a {type(doc).__name__} ({doc!r:.50}); documents "
            "must be str or lists of str tokens."
        )

    def _check_tokens(self, tokens, index):
        """Validate what a user ``tokenizer`` returned: a list of str."""
        where = "" if index is None else f" (document {index})"
        name = getattr(self.tokenizer, "__name__", type(self.tokenizer).__name__)
        if isinstance(tokens, str | bytes) or not hasattr(tokens, "__iter__"):
            raise TypeError(
                f"tokenizer {name} returned a {type(tokens).__name__}{where}; "
                "it must return a list of str tokens."
            )
        if type(tokens) is not list:
            tokens = list(tokens)
        if not set(map(type, tokens)) <= {str}:
            bad = [t for t in tokens if not isinstance(t, str)]
            if bad:
                raise TypeError(
                    f"tokenizer {name} returned a token of type "
                    f"{type(bad[0]).__name__} ({bad[0]!r:.50}){where}; tokens must "
                    "be str."
                )
            tokens = [str(t) for t in tokens]
        return tokens

    def tokenize_all(self, docs):
        """Tokenise every document, naming the first bad one in errors."""
        return [self(doc, i) for i, doc in enumerate(docs)]

    def _fast_kind(self):
        """Return the ``_fastids`` kind of this tokenisation of strings, or None.

        ``"regex"`` for the default pattern, ``"split"`` for whitespace
        splitting; None (the dict path) for another pattern or a callable.
        """
        if self.tokenizer is not None:
            return None
        if self.token_pattern is None:
            return "split"
        if self.token_pattern == DEFAULT_TOKEN_PATTERN:
            return "regex"
        return None


def _vectorised_ids(docs, tokenizer, vocabulary, index):
    """Return the ids by the vectorised path, or None where it does not apply."""
    kinds = set(map(type, docs))
    if kinds <= {str}:
        kind = None if tokenizer is None else tokenizer._fast_kind()
        if kind is None:
            return None
    elif kinds <= {list, tuple} and "" not in vocabulary:
        kind = None  # pre-tokenised
    else:
        return None
    if (
        not index.usable
        or index.vocabulary is not vocabulary
        or index.size != len(vocabulary)
    ):
        return None  # the dict path serves it, or an index of another vocabulary
    if kind is None:
        return fast_token_list_ids(docs, index)
    if tokenizer.lowercase:
        docs = [doc.lower() for doc in docs]
    return fast_token_ids(docs, index, kind)


def token_ids(docs, tokenizer, vocabulary, *, index=None):
    """Map documents to the CSR structure of their in-vocabulary token ids.

    With an ``index`` of ``vocabulary``, string documents tokenised by the
    default pattern or by whitespace, and pre-tokenised documents, go
    through a vectorised path (``_fastids``) that gives the same result
    without a dict look-up (nor, for strings, a Python string) per token.

    Parameters
    ----------
    docs : list of str or list of list of str
        Documents, or already tokenised documents when ``tokenizer`` is None.
    tokenizer : Tokenizer or None
        Tokenizer applied to each document; None when ``docs`` hold tokens.
    vocabulary : dict of str to int
        Token to row index. Tokens outside it are dropped.
    index : VocabularyIndex, default=None
        The index of ``vocabulary``, built once when it was fitted
        (``VocabularyIndex(vocabulary_)``). None, or an index of another
        vocabulary, uses the dict path.

    Returns
    -------
    indptr : ndarray of shape (n_docs + 1,), dtype int64
        Row pointers: the ids of document ``i`` are ``ids[indptr[i]:indptr[i+1]]``.
    ids : ndarray of shape (n_tokens,), dtype int64
        In-vocabulary token ids, in document order (with repetitions).
    """
    if docs and index is not None:
        fast = _vectorised_ids(docs, tokenizer, vocabulary, index)
        if fast is not None:
            return fast
    get = vocabulary.get
    tokens, lengths, chunks = [], [], []
    extend, append = tokens.extend, lengths.append

    def flush():
        # One pass of dictionary look-ups over the pending tokens, straight
        # into numpy; bounded chunks keep the token strings' memory small.
        chunks.append(
            np.fromiter(map(get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        )
        tokens.clear()

    for i, doc in enumerate(docs):
        doc_tokens = doc if tokenizer is None else tokenizer(doc, i)
        extend(doc_tokens)
        append(len(doc_tokens))
        if len(tokens) >= _CHUNK_TOKENS:
            flush()
    flush()
    ids = np.concatenate(chunks)
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = ids >= 0
    if not keep.all():
        # Drop out-of-vocabulary tokens and shorten the rows they were in.
        doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
        lengths = np.bincount(doc_of_token[keep], minlength=len(lengths))
        ids = ids[keep]
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return indptr, ids
