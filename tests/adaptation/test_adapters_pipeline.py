"""The four adapters inside stock Pipeline and GridSearchCV, on the bundled data."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.adaptation._augmentation import (
    FeatureAugmentationAdapter,
    NoLabelledTargetWarning,
)
from sktransfer.adaptation._mapping import CORALAdapter
from sktransfer.adaptation._subspace import SubspaceAlignmentAdapter, TCAAdapter
from sktransfer.datasets import load_sentiment_domains
from sktransfer.utils import pack_domains

# Adapter, grid over one of its params.
ADAPTERS = {
    "coral": (CORALAdapter(), {"adapter__reg": ["auto", 0.1]}),
    "sa": (
        SubspaceAlignmentAdapter(n_components=10),
        {"adapter__n_components": [5, 10]},
    ),
    "tca": (TCAAdapter(n_components=5), {"adapter__mu": [0.1, 1.0]}),
    "fa": (
        FeatureAugmentationAdapter(),
        {"adapter__source_blocks": ["per_domain", "pooled"]},
    ),
}

no_labelled_target = pytest.mark.filterwarnings(
    "ignore::sktransfer.adaptation.NoLabelledTargetWarning"
)


def _pipe(adapter, dense=True):
    steps = [("tfidf", TfidfVectorizer(min_df=2))]
    if dense:
        steps.append(("svd", TruncatedSVD(n_components=50, random_state=0)))
    steps += [
        ("adapter", adapter),
        ("clf", DomainAwareClassifier(LogisticRegression())),
    ]
    return Pipeline(steps)


@no_labelled_target
@pytest.mark.parametrize("name", ADAPTERS)
def test_pipeline_fit_predict(domains, name):
    adapter = ADAPTERS[name][0]
    pipe = _pipe(adapter).fit(domains["X"], domains["y"])
    pred = pipe.predict(domains["Xt"])
    assert pred.shape == (100,)
    assert set(np.unique(pred)) <= {0, 1}
    # Inference rows go through the adapter's target map.
    features = pipe[:-2].transform(domains["Xt"])
    assert_allclose(
        pipe[-1].predict_proba(pipe[-2].transform(features)),
        pipe.predict_proba(domains["Xt"]),
    )
    # The training rows seen by the classifier are the adapted ones.
    assert pipe[-1].n_features_in_ == pipe[-2].get_feature_names_out().shape[0]


@no_labelled_target
@pytest.mark.parametrize("name", ADAPTERS)
def test_grid_search_with_implicit_domains(domains, name):
    adapter, grid = ADAPTERS[name]
    search = GridSearchCV(_pipe(adapter), grid, cv=3, error_score="raise")
    search.fit(domains["X"], domains["y"])
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    assert search.predict(domains["Xt"]).shape == (100,)


# With cv=3 the training folds of one split may hold none of the 30 labelled
# target rows; feature augmentation then warns, as it should.
@no_labelled_target
@pytest.mark.parametrize("name", ADAPTERS)
def test_grid_search_with_routed_sample_domain(domains, name):
    adapter, grid = ADAPTERS[name]
    X, y, sd = domains["X"], domains["y"].copy(), domains["sample_domain"]
    if name == "fa":
        # Feature augmentation needs labelled target rows: label 30 of them.
        n_s = domains["n_source"]
        y[n_s : n_s + 30] = domains["yt"][:30]
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(_pipe(adapter), grid, cv=3, error_score="raise")
        search.fit(X, y, sample_domain=sd)
        cv = cross_validate(_pipe(adapter), X, y, params={"sample_domain": sd}, cv=3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert np.all(np.isfinite(cv["test_score"]))


def test_routed_sample_domain_reaches_the_adapter(domains):
    # With routing, sample_domain decides the domains: labelled target rows
    # stay target rows, so feature augmentation fits without warning.
    X, y, sd = domains["X"], domains["y"].copy(), domains["sample_domain"]
    n_s = domains["n_source"]
    y[n_s : n_s + 30] = domains["yt"][:30]
    with config_context(enable_metadata_routing=True):
        pipe = _pipe(FeatureAugmentationAdapter(), dense=False)
        pipe.fit(X, y, sample_domain=sd)
    Z = pipe[:-1].transform(domains["Xt"])
    n_feat = pipe["tfidf"].get_feature_names_out().shape[0]
    assert Z.shape == (100, 3 * n_feat)
    # The classifier was fitted on source rows [x, x, 0] and on the 30
    # labelled target rows [x, 0, x]: both blocks got weights.
    coef = pipe[-1].estimator_.coef_.ravel()
    assert np.any(coef[n_feat : 2 * n_feat] != 0)
    assert np.any(coef[2 * n_feat :] != 0)


@no_labelled_target
def test_feature_augmentation_right_after_tfidf_stays_sparse(domains):
    pipe = _pipe(FeatureAugmentationAdapter(), dense=False)
    pipe.fit(domains["X"], domains["y"])
    Z = pipe[:-1].transform(domains["Xt"])
    assert sparse.issparse(Z)
    search = GridSearchCV(
        _pipe(FeatureAugmentationAdapter(), dense=False),
        {"clf__estimator__C": [0.1, 1.0]},
        cv=3,
        error_score="raise",
    ).fit(domains["X"], domains["y"])
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_feature_augmentation_warns_in_a_pipeline_without_target_labels(domains):
    with pytest.warns(NoLabelledTargetWarning):
        _pipe(FeatureAugmentationAdapter()).fit(domains["X"], domains["y"])


@pytest.mark.parametrize(
    "adapter",
    [
        CORALAdapter(),
        SubspaceAlignmentAdapter(n_components=5),
        TCAAdapter(n_components=5),
    ],
    ids=lambda a: type(a).__name__,
)
def test_dense_adapters_on_sparse_tfidf(domains, adapter):
    # CORAL and SA need a covariance of n_features x n_features: fine for a
    # small vocabulary; TCA works through the kernel of the rows.
    pipe = make_pipeline(
        TfidfVectorizer(min_df=5),
        adapter,
        DomainAwareClassifier(LogisticRegression()),
    )
    pipe.fit(domains["X"], domains["y"])
    assert pipe.predict(domains["Xt"]).shape == (100,)


def test_adapters_see_the_same_rows_inside_and_outside_the_pipeline(domains):
    # Vectorising inside the pipeline or before it gives the same model.
    X, y = domains["X"], domains["y"]
    features = make_pipeline(
        TfidfVectorizer(min_df=2), TruncatedSVD(n_components=50, random_state=0)
    ).fit(X)
    inside = _pipe(CORALAdapter()).fit(X, y)
    outside = make_pipeline(
        CORALAdapter(), DomainAwareClassifier(LogisticRegression())
    ).fit(features.transform(X), y)
    assert_array_equal(
        inside.predict(domains["Xt"]),
        outside.predict(features.transform(domains["Xt"])),
    )


def test_transfer_beats_source_only_from_editorials_to_tweets():
    # NYT editorials -> tweets, 600 texts each, TF-IDF + TruncatedSVD(100)
    # fitted on both domains, mean over three draws. Measured over eight
    # draws: source-only 0.535, CORAL 0.556 (better in 8/8), TCA 0.602
    # (better in 7/8); with 40 labelled tweets, pooled 0.652 and feature
    # augmentation 0.683 (balanced accuracy on the other tweets).
    from sklearn.metrics import balanced_accuracy_score

    data = load_sentiment_domains()
    docs = np.asarray(data.data, dtype=object)
    n = 600
    scores = []
    for seed in range(3):
        rng = np.random.RandomState(seed)
        src = rng.choice(np.flatnonzero(data.domain == "nyt_editorials"), n, False)
        tgt = rng.choice(np.flatnonzero(data.domain == "tweets"), n, False)
        Xt, yt = list(docs[tgt]), data.target[tgt]
        X, y, sd = pack_domains(source=(list(docs[src]), data.target[src]), target=Xt)

        def accuracy(adapter, y_fit, rows, **params):
            steps = [
                TfidfVectorizer(min_df=2, sublinear_tf=True),
                TruncatedSVD(n_components=100, random_state=0),
                *([] if adapter is None else [adapter]),
                DomainAwareClassifier(LogisticRegression(max_iter=1000)),
            ]
            pipe = make_pipeline(*steps).fit(X, y_fit, **params)
            return balanced_accuracy_score(
                yt[rows], pipe.predict([Xt[i] for i in rows])
            )

        every = np.arange(n)
        y_sup = y.copy()
        y_sup[n : n + 40] = yt[:40]  # 40 labelled tweets
        rest = np.arange(40, n)
        scores.append(
            [
                accuracy(None, y, every),
                accuracy(CORALAdapter(), y, every),
                accuracy(TCAAdapter(), y, every),
                accuracy(None, y_sup, rest),
                accuracy(
                    FeatureAugmentationAdapter(),
                    y_sup,
                    rest,
                    featureaugmentationadapter__sample_domain=sd,
                ),
            ]
        )
    source_only, coral, tca, pooled, fa = np.mean(scores, axis=0)
    assert tca > source_only + 0.03
    assert coral > source_only + 0.005
    assert fa > pooled + 0.01


@pytest.mark.parametrize(
    "step",
    [
        CORALAdapter(),
        SubspaceAlignmentAdapter(n_components=5),
        TCAAdapter(n_components=5),
        FeatureAugmentationAdapter(),
        "kmm",
        "discriminative",
    ],
    ids=["coral", "sa", "tca", "fa", "kmm", "discriminative"],
)
@no_labelled_target
def test_after_word2vec_vectorizer_in_grid_search(domains, step):
    """Adapters and weightings after Word2VecVectorizer, implicit and routed."""
    from sktransfer.adaptation import DiscriminativeWeighting, KMMWeighting
    from sktransfer.embeddings import Word2VecVectorizer

    weighting = None
    if step == "kmm":
        step, weighting = "passthrough", KMMWeighting()
    elif step == "discriminative":
        step, weighting = "passthrough", DiscriminativeWeighting()
    pipe = Pipeline(
        [
            (
                "w2v",
                Word2VecVectorizer(
                    vector_size=10, min_count=2, epochs=2, random_state=0
                ),
            ),
            ("adapter", step),
            ("clf", DomainAwareClassifier(LogisticRegression(), weighting=weighting)),
        ]
    )
    grid = {"w2v__pooling": ["mean", "sif"]}
    search = GridSearchCV(pipe, grid, cv=2).fit(domains["X"], domains["y"])
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(domains["Xt"]).shape == (len(domains["Xt"]),)
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, grid, cv=2).fit(
            domains["X"], domains["y"], sample_domain=domains["sample_domain"]
        )
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
