"""Saving Word2VecVectorizer with skops: only its own class is untrusted."""

import copy
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sktransfer.embeddings import Word2VecVectorizer
from sktransfer.utils._testing import TEXT_CORPUS

sio = pytest.importorskip("skops.io")

DOCS = list(TEXT_CORPUS)


@pytest.mark.parametrize("pooling", ["mean", "sif"])
def test_only_the_vectorizer_class_is_untrusted(pooling, monkeypatch):
    vec = Word2VecVectorizer(
        vector_size=8, min_count=1, epochs=2, random_state=0, pooling=pooling
    ).fit(DOCS)
    data = sio.dumps(vec)
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) == {"sktransfer.embeddings._word2vec.Word2VecVectorizer"}

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    with monkeypatch.context() as m:
        for name in ("load", "loads", "Unpickler"):
            m.setattr(pickle, name, refuse)
        loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.transform(DOCS), vec.transform(DOCS))
    # The KeyedVectors come back whole: vectors, words and gensim's counts.
    assert type(loaded.wv_) is type(vec.wv_)
    assert loaded.wv_.index_to_key == vec.wv_.index_to_key
    assert_array_equal(loaded.wv_.vectors, vec.wv_.vectors)
    word = vec.wv_.index_to_key[0]
    assert loaded.wv_.get_vecattr(word, "count") == vec.wv_.get_vecattr(word, "count")
    assert loaded.wv_.most_similar(word) == vec.wv_.most_similar(word)
    assert loaded._token_index.vocabulary is loaded.vocabulary_
    # And it fits again as a fresh vectorizer does.
    assert_array_equal(loaded.fit_transform(DOCS), vec.fit_transform(DOCS))


def test_the_state_holds_no_gensim_object():
    vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=1, random_state=0)
    vec.fit(DOCS)
    state = vec.__getstate__()
    assert isinstance(state["wv_"], dict) and "_token_index" not in state
    assert isinstance(state["wv_"]["vectors"], np.ndarray)
    # The words once, packed in a string (vocabulary_ and the KeyedVectors'
    # key_to_index are rebuilt from them).
    assert "vocabulary_" not in state and "key_to_index" not in state["wv_"]
    text, lengths = state["wv_"]["_packed_words"]
    assert len(lengths) == len(vec.vocabulary_) and isinstance(text, str)
    for again in (pickle.loads(pickle.dumps(vec)), copy.deepcopy(vec)):
        assert again.wv_ is not vec.wv_
        assert_array_equal(again.transform(DOCS), vec.transform(DOCS))
        assert again.vocabulary_ == vec.vocabulary_
        assert again.wv_.key_to_index == vec.wv_.key_to_index
