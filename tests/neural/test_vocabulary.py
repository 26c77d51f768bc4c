"""The vocabulary of the text nets (``sktransfer/neural/_vocabulary.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.neural._vocabulary import (  # noqa: E402
    build_vocabulary,
    document_ids,
    make_tokenizer,
    token_list_ids,
    tokenized_documents,
    vocabulary_from_words,
    vocabulary_words,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

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


def test_build_vocabulary_most_frequent_first_ties_in_order_of_appearance():
    tokens = [["b", "a", "c"], ["c", "d", "a"], ["e", "c"]]
    # c: 3, a: 2, then b, d, e once each in the order they first appear.
    vocabulary = build_vocabulary(tokens, 1, None, "Net")
    assert vocabulary == {"c": 1, "a": 2, "b": 3, "d": 4, "e": 5}
    assert vocabulary_words(vocabulary) == ["c", "a", "b", "d", "e"]
    assert vocabulary_from_words(["c", "a", "b", "d", "e"]) == vocabulary
    assert build_vocabulary(tokens, 2, None, "Net") == {"c": 1, "a": 2}
    assert build_vocabulary(tokens, 1, 3, "Net") == {"c": 1, "a": 2, "b": 3}
    with pytest.raises(ValueError, match="Net: the vocabulary is empty.*min_count=4"):
        build_vocabulary(tokens, 4, None, "Net")


def test_token_ids_of_tokens_and_of_documents(small):
    net = small(max_epochs=0).fit(X, Y)
    tokenizer = make_tokenizer(True, r"(?u)\b\w\w+\b", None)
    docs, token_lists = tokenized_documents(["A good film", "zzz film"], tokenizer, "N")
    assert docs == ["A good film", "zzz film"]
    assert token_lists == [["good", "film"], ["zzz", "film"]]
    vocab = net.vocabulary_
    expected_ids = [vocab["good"], vocab["film"], vocab["film"]]
    index = net._token_index
    indptr, ids = token_list_ids(token_lists, vocab, index)
    assert indptr.tolist() == [0, 2, 3] and ids.tolist() == expected_ids
    indptr, ids = document_ids(
        ["A good film", "zzz film"], tokenizer, vocab, index, "N"
    )
    assert indptr.tolist() == [0, 2, 3] and ids.tolist() == expected_ids
    # Prediction accepts no document at all; fit does not.
    indptr, ids = document_ids([], tokenizer, vocab, index, "N")
    assert indptr.tolist() == [0] and ids.size == 0
    with pytest.raises(ValueError, match="empty"):
        tokenized_documents([], tokenizer, "N")


def test_the_net_holds_its_vocabulary_index_and_pickles_it_as_a_reference(small):
    import pickle

    from sktransfer.neural._vocabulary import VocabularyIndex

    clf = small(max_epochs=1).fit(X, Y)
    assert isinstance(clf._token_index, VocabularyIndex)
    assert clf._token_index.vocabulary is clf.vocabulary_
    # The index is rebuilt on load, linked to the loaded vocabulary.
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded._token_index.vocabulary is loaded.vocabulary_
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # The fast path and the dict path give the same ids.
    docs = X * 20
    tok = make_tokenizer(True, r"(?u)\b\w\w+\b", None)
    fast = document_ids(docs, tok, clf.vocabulary_, clf._token_index, "clf")
    slow = document_ids(docs, tok, clf.vocabulary_, None, "clf")
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
