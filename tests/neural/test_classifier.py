"""TextClassifier (``sktransfer/neural/_classifier.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
    check_text_estimator,
)

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def _strip(docs):
    return [d.strip() for d in docs]


@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_encoders_train(encoder, small):
    clf = small(encoder=encoder, max_epochs=8, lr=0.02).fit(X, Y)
    losses = clf.history[:, "train_loss"]
    assert len(losses) == 8
    assert losses[-1] < 0.7 * losses[0]
    assert clf.score(X, Y) > 0.9


def test_text_checks_pass_for_cnn_and_lstm(small):
    for encoder in ("cnn", "lstm"):
        check_text_estimator(small(encoder=encoder, max_epochs=1))


def test_string_labels_and_classes_order(small):
    y = np.where(Y == 1, "pos", "neg")
    clf = small(max_epochs=10, lr=0.02).fit(X, y)
    assert_array_equal(clf.classes_, ["neg", "pos"])
    assert clf.classes_.dtype.kind == "U"
    pred = clf.predict(X)
    assert set(pred) <= {"neg", "pos"}
    assert np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)

    # Given classes keep their order; the columns follow it.
    clf2 = small(max_epochs=10, lr=0.02, classes=["pos", "neg"]).fit(X, y)
    assert_array_equal(clf2.classes_, ["pos", "neg"])
    assert np.mean(clf2.predict(X) == y) > 0.9


def test_pipeline_and_grid_search_on_sentiment_domains(sentiment, small):
    Xd, yd, _ = sentiment
    vec = Word2VecVectorizer(vector_size=16, min_count=2, epochs=2, random_state=0)
    vec.fit(Xd)
    pipe = Pipeline(
        [
            ("strip", FunctionTransformer(_strip)),
            ("clf", small(embedding_dim=None, embeddings=vec, max_epochs=2)),
        ]
    )
    grid = [
        {"clf__freeze_embeddings": [True, False]},
        {"clf__embedding_lr": [None, 1e-4]},
        {"clf__encoder": ["mean", "cnn", "lstm"]},
        {"clf__lr": [1e-3, 1e-2]},
        {"clf__embeddings": [None, FrozenEstimator(vec)]},
    ]
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(Xd, yd)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 11 and np.all(np.isfinite(scores))
    best = search.best_estimator_[-1]
    assert best.embeddings is not None or search.best_params_ == {
        "clf__embeddings": None
    }
    assert -1 not in best.classes_
    assert set(search.predict(Xd[-5:])) <= {0, 1}


@pytest.mark.slow
def test_grid_search_in_two_processes(sentiment, small):
    Xd, yd, _ = sentiment
    search = GridSearchCV(
        small(early_stopping=True, max_epochs=3),
        {"freeze_embeddings": [True, False]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    ).fit(Xd, yd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
