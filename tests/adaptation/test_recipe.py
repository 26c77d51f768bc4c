"""make_text_adaptation_pipeline: its steps, and that it pays off on bundled data."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import Pipeline

from sktransfer.adaptation import (
    ClassBalancedSelfTrainingClassifier,
    DomainAwareClassifier,
    MSDATransformer,
    make_text_adaptation_pipeline,
)
from sktransfer.datasets import load_sentiment_domains
from sktransfer.utils import pack_domains


def test_steps_and_settings():
    pipe = make_text_adaptation_pipeline()
    assert isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["vectorizer", "features", "classifier"]
    params = pipe.get_params()
    assert params["vectorizer__sublinear_tf"] is True
    assert params["vectorizer__min_df"] == 2
    assert params["features"] == "passthrough"
    clf = pipe.named_steps["classifier"]
    assert isinstance(clf, ClassBalancedSelfTrainingClassifier)
    assert clf.get_params(deep=False)["n_rounds"] == 5
    assert clf.max_fraction == 0.5
    assert clf.target_prior == "uniform"
    assert clf.pseudo_label_weight == 0.5
    assert isinstance(clf.estimator, LogisticRegression)
    assert clf.estimator.C == 10.0


def test_arguments_are_cloned():
    lr = LogisticRegression(C=3.0)
    vec = CountVectorizer()
    msda = MSDATransformer(n_layers=1)
    pipe = make_text_adaptation_pipeline(lr, vectorizer=vec, features=msda)
    assert pipe["classifier"].estimator is not lr
    assert pipe["classifier"].estimator.C == 3.0
    assert pipe["vectorizer"] is not vec and isinstance(pipe["vectorizer"], type(vec))
    assert pipe["features"] is not msda and pipe["features"].n_layers == 1
    baseline = make_text_adaptation_pipeline(self_training=False)
    assert isinstance(baseline["classifier"], DomainAwareClassifier)
    assert baseline["classifier"].estimator.C == 10.0


def test_fit_predict_on_raw_documents():
    source = ["a good film", "a bad film", "good fun", "bad acting"] * 3
    target = ["a good phone", "a bad phone", "good battery", "bad screen"] * 3
    X, y, _ = pack_domains(source=(source, [1, 0, 1, 0] * 3), target=target)
    pipe = make_text_adaptation_pipeline().fit(X, y)
    assert pipe.predict(target).tolist() == [1, 0, 1, 0] * 3
    assert pipe["classifier"].n_pseudo_labelled_.shape == (5, 2)


@pytest.mark.slow
def test_recipe_beats_source_only_on_the_bundled_domains():
    """Four pairs, two draws of 1,000 documents per domain: a margin beyond noise.

    The reference is TF-IDF + ``LogisticRegression()`` on the source rows
    (``make_text_adaptation_pipeline(LogisticRegression(max_iter=1000),
    self_training=False)``). Balanced accuracy, as in the benchmark.
    """
    data = load_sentiment_domains()
    docs = np.asarray(data.data, dtype=object)
    pairs = [
        ("movie_reviews", "tweets"),
        ("tweets", "product_reviews"),
        ("product_reviews", "movie_reviews"),
        ("nyt_editorials", "tweets"),
    ]
    gains = []
    for seed in (0, 1):
        rng = np.random.RandomState(seed)

        def take(name, n=1000):
            idx = rng.choice(np.flatnonzero(data.domain == name), n, replace=False)
            return list(docs[idx]), data.target[idx]

        for src, tgt in pairs:
            Xs, ys = take(src)
            Xt, yt = take(tgt)
            X, y, _ = pack_domains(source=(Xs, ys), target=Xt)
            reference = make_text_adaptation_pipeline(
                LogisticRegression(max_iter=1000), self_training=False
            )
            base = balanced_accuracy_score(yt, reference.fit(X, y).predict(Xt))
            recipe = make_text_adaptation_pipeline().fit(X, y)
            gains.append(balanced_accuracy_score(yt, recipe.predict(Xt)) - base)
    gains = np.array(gains)
    se = gains.std(ddof=1) / np.sqrt(gains.size)
    assert gains.mean() >= 0.03, gains
    assert gains.mean() > 3 * se, (gains.mean(), se)
    assert gains.min() > -0.02, gains
