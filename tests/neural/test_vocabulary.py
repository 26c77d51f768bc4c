"""The vocabulary of the text nets (``sktransfer/neural/_vocabulary.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")


from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
)

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def test_vocabulary_matches_word2vec_tokenisation(small):
    clf = small(max_epochs=1, token_pattern=r"\b\w+\b", lowercase=False)
    clf.fit(X + ["A Capitalised x"], np.concatenate([Y, [1]]))
    vec = Word2VecVectorizer(
        min_count=1, epochs=1, vector_size=4, token_pattern=r"\b\w+\b", lowercase=False
    ).fit(X + ["A Capitalised x"])
    assert set(clf.vocabulary_) == set(vec.vocabulary_)
    assert sorted(clf.vocabulary_.values()) == list(range(1, len(vec.vocabulary_) + 1))


def test_min_count_max_vocab_size_and_max_length(small):
    clf = small(max_epochs=1, min_count=3, max_vocab_size=5, max_length=2).fit(X, Y)
    counts = {}
    for doc in X:
        for w in doc.split():
            if len(w) > 1:
                counts[w] = counts.get(w, 0) + 1
    top = sorted((w for w in counts if counts[w] >= 3), key=lambda w: -counts[w])[:5]
    assert set(clf.vocabulary_) == set(top)
    assert clf._encode_documents(X).shape[1] <= 2
