"""The initial word vectors (``sktransfer/neural/_embeddings.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer, save_vectors  # noqa: E402
from sktransfer.neural import TextClassifier  # noqa: E402
from sktransfer.neural._embeddings import (  # noqa: E402
    DEFAULT_EMBEDDING_DIM,
    embedding_dim,
    initial_embeddings,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

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


# --------------------------------------------------------------------------- #
# The initial matrix: pretrained, copied and random rows, and their scale
# --------------------------------------------------------------------------- #
VOCABULARY = {"good": 1, "film": 2, "bad": 3, "plot": 4, "cast": 5}


def _keyed_vectors(vectors):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(list(vectors), np.asarray(list(vectors.values()), np.float32))
    return kv


def test_random_rows_alone_are_standard_normal():
    weights, coverage = initial_embeddings(VOCABULARY, 3, seed=5)
    expected = np.random.default_rng(5).standard_normal((6, 3), dtype=np.float32)
    expected[0] = 0.0
    assert_array_equal(weights, expected)
    assert weights.dtype == np.float32 and coverage == 0.0


def test_random_rows_at_the_scale_of_pretrained_vectors():
    vectors = {"good": [0.1, -0.2, 0.3], "bad": [-0.1, 0.2, 0.05]}
    weights, coverage = initial_embeddings(
        VOCABULARY, 3, seed=5, pretrained=_keyed_vectors(vectors)
    )
    assert coverage == pytest.approx(2 / 5)
    assert_array_equal(weights[1], np.float32(vectors["good"]))
    assert_array_equal(weights[3], np.float32(vectors["bad"]))
    scale = np.float32(np.std(np.float32([vectors["good"], vectors["bad"]])))
    normal = np.random.default_rng(5).standard_normal((6, 3), dtype=np.float32)
    assert_array_equal(weights[[2, 4, 5]], normal[[2, 4, 5]] * scale)
    assert_array_equal(weights[0], 0.0)
    # No word (or only zero vectors) found: random rows at 0.1.
    for vectors in ({"other": [1.0, 2.0, 3.0]}, {"good": [0.0, 0.0, 0.0]}):
        weights, _ = initial_embeddings(
            VOCABULARY, 3, seed=5, pretrained=_keyed_vectors(vectors)
        )
        assert_allclose(weights[[2, 4, 5]], normal[[2, 4, 5]] * np.float32(0.1))


def test_copied_rows_set_the_scale_without_pretrained_vectors():
    rows = np.array([2, 4])
    copied = torch.tensor([[0.5, -0.5, 1.0], [0.0, 0.25, -1.0]])
    weights, coverage = initial_embeddings(VOCABULARY, 3, seed=5, copied=(rows, copied))
    assert coverage == 0.0
    assert_array_equal(weights[rows], copied.numpy())
    # The sample standard deviation of the copied values.
    scale = np.float32(np.std(copied.numpy(), ddof=1))
    normal = np.random.default_rng(5).standard_normal((6, 3), dtype=np.float32)
    assert_allclose(weights[[1, 3, 5]], normal[[1, 3, 5]] * scale, rtol=1e-6)
    assert_array_equal(weights[0], 0.0)
    # One copied value has no spread: the other rows stay N(0, 1).
    one = (np.array([2]), torch.tensor([[0.5]]))
    weights, _ = initial_embeddings(VOCABULARY, 1, seed=5, copied=one)
    normal = np.random.default_rng(5).standard_normal((6, 1), dtype=np.float32)
    assert_array_equal(weights[[1, 3, 4, 5]], normal[[1, 3, 4, 5]])


def test_copied_rows_over_pretrained_ones_keep_the_pretrained_scale():
    vectors = {"good": [0.1, -0.2, 0.3], "film": [-0.1, 0.2, 0.05]}
    kv = _keyed_vectors(vectors)
    alone, _ = initial_embeddings(VOCABULARY, 3, seed=5, pretrained=kv)
    copied = (np.array([2, 4]), torch.full((2, 3), 7.0))
    both, coverage = initial_embeddings(
        VOCABULARY, 3, seed=5, pretrained=kv, copied=copied
    )
    assert coverage == pytest.approx(2 / 5)
    assert_array_equal(both[[2, 4]], 7.0)
    assert_array_equal(both[[0, 1, 3, 5]], alone[[0, 1, 3, 5]])


def test_embedding_dim_resolution():
    kv = _keyed_vectors({"good": [0.1, 0.2, 0.3]})
    assert embedding_dim(kv, None, 50, "Net") == 3
    assert embedding_dim(kv, 3, 50, "Net") == 3
    assert embedding_dim(None, 16, 50, "Net") == 16
    assert embedding_dim(None, None, 50, "Net") == 50
    assert DEFAULT_EMBEDDING_DIM == 100
    with pytest.raises(ValueError, match="Net: embedding_dim=4 but the embeddings"):
        embedding_dim(kv, 4, 50, "Net")


def test_coverage_of_pretrained_vectors_is_logged_not_printed(
    small, vec, capsys, caplog
):
    import logging

    with caplog.at_level(logging.INFO, logger="sktransfer"):
        small(max_epochs=1, embeddings=vec, verbose=1).fit(X, Y)
    out = capsys.readouterr().out
    assert "start from pretrained vectors" not in out
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("start from pretrained vectors" in m for m in messages)
