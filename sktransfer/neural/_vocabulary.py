"""The vocabulary of the text nets and the token ids of their documents.

Every call of the text nets into the tokenisation of
:mod:`sktransfer.embeddings` (checking documents, tokenising, mapping tokens
to ids, and the default token pattern) is made here, so the nets tokenise
exactly as :class:`~sktransfer.embeddings.Word2VecVectorizer` does.
"""

from collections import Counter

from sktransfer.embeddings._tokenize import (
    DEFAULT_TOKEN_PATTERN,
    Tokenizer,
    VocabularyIndex,
    check_documents,
    token_ids,
)
from sktransfer.neural._module import PADDING_IDX

__all__ = [
    "DEFAULT_TOKEN_PATTERN",
    "VocabularyIndex",
    "build_vocabulary",
    "checked_documents",
    "document_ids",
    "make_tokenizer",
    "token_list_ids",
    "tokenized_documents",
    "vocabulary_from_words",
    "vocabulary_words",
]


def make_tokenizer(lowercase, token_pattern, tokenizer):
    """Return the tokenizer of the nets' tokenisation parameters.

    ``lowercase``, ``token_pattern`` and ``tokenizer``, as in
    :class:`~sktransfer.embeddings.Word2VecVectorizer`.
    """
    return Tokenizer(lowercase, token_pattern, tokenizer)


def checked_documents(X, owner, *, allow_empty=False):
    """Return the documents of ``X`` (a bare string is an error)."""
    return check_documents(X, allow_empty=allow_empty, owner=owner)


def tokenized_documents(X, tokenizer, owner):
    """Return the documents of ``X`` (at least one) and their token lists."""
    docs = checked_documents(X, owner)
    return docs, tokenizer.tokenize_all(docs)


def token_list_ids(token_lists, vocabulary, index):
    """Return ``(indptr, ids)``: the in-vocabulary ids of tokenised documents.

    ``index`` is the :class:`VocabularyIndex` of ``vocabulary``, built once
    when the vocabulary was fitted.
    """
    return token_ids(token_lists, None, vocabulary, index=index)


def document_ids(X, tokenizer, vocabulary, index, owner):
    """Return ``(indptr, ids)`` of raw documents (none at all is allowed)."""
    docs = checked_documents(X, owner, allow_empty=True)
    return token_ids(docs, tokenizer, vocabulary, index=index)


def vocabulary_from_words(words):
    """Return ``{word: id}`` for ``words`` in id order (0 is padding)."""
    return {w: i for i, w in enumerate(words, start=PADDING_IDX + 1)}


def vocabulary_words(vocabulary):
    """Return the words of ``vocabulary`` in id order."""
    return sorted(vocabulary, key=vocabulary.get)


def build_vocabulary(token_lists, min_count, max_vocab_size, owner):
    """Return the vocabulary of tokenised documents, most frequent word first.

    Parameters
    ----------
    token_lists : list of list of str
        The tokens of each document.
    min_count : int
        Keep the words seen at least this many times.
    max_vocab_size : int or None
        Keep at most this many words, the most frequent ones.
    owner : str
        Name of the estimator, for the error message.

    Returns
    -------
    vocabulary : dict of str to int
        Word to id; ties keep the order of first occurrence.
    """
    counts = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    words = sorted(
        (w for w, c in counts.items() if c >= min_count), key=lambda w: -counts[w]
    )
    if max_vocab_size is not None:
        words = words[:max_vocab_size]
    if not words:
        raise ValueError(
            f"{owner}: the vocabulary is empty: no token appears at least "
            f"min_count={min_count} times in the documents. Lower min_count, check "
            "token_pattern, or give more documents."
        )
    return vocabulary_from_words(words)
