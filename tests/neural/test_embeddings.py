"""The initial word vectors (``sktransfer/neural/_embeddings.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_array_equal  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer, save_vectors  # noqa: E402
from sktransfer.neural import TextClassifier  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
)

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def test_pretrained_rows_are_copied_and_coverage(vec, small):
    clf = small(embedding_dim=None, embeddings=vec, freeze_embeddings=True).fit(X, Y)
    W = clf.module_.embedding.weight.detach().numpy()
    shared = [w for w in clf.vocabulary_ if w in vec.vocabulary_]
    missing = [w for w in clf.vocabulary_ if w not in vec.vocabulary_]
    assert shared and missing
    for w in shared:
        assert_array_equal(W[clf.vocabulary_[w]], vec.wv_[w])
    assert clf.embedding_coverage_ == pytest.approx(len(shared) / len(clf.vocabulary_))
    assert_array_equal(W[0], 0.0)
    rows = W[[clf.vocabulary_[w] for w in missing]]
    assert np.all(np.abs(rows).sum(axis=1) > 0)
    scale = np.std(vec.wv_[shared])
    assert 0.3 * scale < rows.std() < 3 * scale
    assert clf.module_.embedding.weight.shape[1] == vec.wv_.vector_size


def test_embeddings_as_keyed_vectors_path_and_frozen_estimator(vec, tmp_path, small):
    path = save_vectors(vec.wv_, tmp_path / "vectors.bin")
    ref = small(embedding_dim=None, embeddings=vec, max_epochs=0).fit(X, Y)
    W = ref.module_.embedding.weight.detach().numpy()
    for embeddings in (vec.wv_, path, str(path), FrozenEstimator(vec)):
        clf = small(embedding_dim=None, embeddings=embeddings, max_epochs=0).fit(X, Y)
        assert_array_equal(clf.module_.embedding.weight.detach().numpy(), W)


def test_no_embeddings_gives_random_rows_and_zero_coverage(small):
    clf = small(max_epochs=0).fit(X, Y)
    W = clf.module_.embedding.weight.detach().numpy()
    assert clf.embedding_coverage_ == 0.0
    assert W.shape == (len(clf.vocabulary_) + 1, 8)
    assert 0.7 < W[1:].std() < 1.3


def test_grid_value_vectorizer_is_unfitted_by_clone_and_explained(sentiment, small):
    Xd, yd, _ = sentiment
    vec = Word2VecVectorizer(vector_size=8, min_count=2, epochs=1).fit(Xd)
    search = GridSearchCV(
        small(embedding_dim=None, max_epochs=1),
        {"embeddings": [vec]},
        cv=2,
        error_score="raise",
    )
    with pytest.raises(ValueError, match="FrozenEstimator"):
        search.fit(Xd, yd)


@pytest.mark.slow
def test_pretrained_word2vec_beats_random_embeddings():
    data = load_sentiment_domains()
    docs, y, domain = list(data.data), np.asarray(data.target), np.asarray(data.domain)
    vec = Word2VecVectorizer(vector_size=50, min_count=2, epochs=5, random_state=0)
    vec.fit(docs)  # the text of all four domains
    rng = np.random.RandomState(0)
    gains = {}
    for target in ("product_reviews", "movie_reviews", "tweets"):
        idx = rng.permutation(np.flatnonzero(domain == target))
        train, test = idx[:200], idx[200:1200]
        X_train, X_test = [docs[i] for i in train], [docs[i] for i in test]
        scores = {}
        for name, params in (("random", {"embedding_dim": 50}), ("w2v", {})):
            if name == "w2v":
                params = {"embeddings": vec}
            scores[name] = [
                balanced_accuracy_score(
                    y[test],
                    TextClassifier(
                        max_epochs=20,
                        lr=1e-2,
                        hidden_size=50,
                        device="cpu",
                        random_state=seed,
                        **params,
                    )
                    .fit(X_train, y[train])
                    .predict(X_test),
                )
                for seed in range(3)
            ]
        gains[target] = np.mean(scores["w2v"]) - np.mean(scores["random"])
        print(target, {k: np.round(v, 3).tolist() for k, v in scores.items()})
    assert all(g > 0 for g in gains.values()), gains
    assert np.mean(list(gains.values())) > 0.015, gains
