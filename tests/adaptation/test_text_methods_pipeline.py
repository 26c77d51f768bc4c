"""The text adaptation methods in stock Pipeline, GridSearchCV and cross_validate.

On a small draw of the bundled data, with implicit domains (``y == -1``) and
with ``sample_domain`` routed by scikit-learn's metadata routing (enabled in a
``config_context`` only, never globally).
"""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from sktransfer.adaptation import (
    ClassBalancedSelfTrainingClassifier,
    DomainAwareClassifier,
    MSDATransformer,
    SCLAdapter,
    make_text_adaptation_pipeline,
)


def _pipe(step, clf=None):
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(min_df=2)),
            ("step", step),
            ("clf", clf or DomainAwareClassifier(LogisticRegression())),
        ]
    )


# Pipeline, grid over one parameter of the method.
PIPELINES = {
    "self_training": (
        lambda: _pipe(
            "passthrough",
            ClassBalancedSelfTrainingClassifier(LogisticRegression(), n_rounds=2),
        ),
        {"clf__max_fraction": [0.3, 0.6]},
    ),
    "msda": (
        lambda: _pipe(MSDATransformer(n_layers=2, max_features=50, random_state=0)),
        {"step__noise": [0.3, 0.6]},
    ),
    "scl": (
        lambda: _pipe(SCLAdapter(n_pivots=20, n_components=5, min_df=2)),
        {"step__n_components": [2, 5]},
    ),
    "recipe": (
        lambda: make_text_adaptation_pipeline().set_params(classifier__n_rounds=2),
        {"classifier__pseudo_label_weight": [0.5, 1.0]},
    ),
}


@pytest.mark.parametrize("name", PIPELINES)
def test_grid_search_with_implicit_domains(domains, name):
    make, grid = PIPELINES[name]
    search = GridSearchCV(make(), grid, cv=3, error_score="raise")
    search.fit(domains["X"], domains["y"])
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    pred = search.predict(domains["Xt"])
    assert pred.shape == (100,) and set(np.unique(pred)) <= {0, 1}
    assert search.predict_proba(domains["Xt"]).shape == (100, 2)


@pytest.mark.parametrize("name", PIPELINES)
def test_grid_search_with_routed_sample_domain(domains, name):
    make, grid = PIPELINES[name]
    X, y, sd = domains["X"], domains["y"], domains["sample_domain"]
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(make(), grid, cv=3, error_score="raise")
        search.fit(X, y, sample_domain=sd)
        cv = cross_validate(make(), X, y, params={"sample_domain": sd}, cv=3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert np.all(np.isfinite(cv["test_score"]))


def test_routed_sample_domain_reaches_self_training(domains):
    # With sample_domain, labelled target rows stay labelled target rows.
    X, y, sd = domains["X"], domains["y"].copy(), domains["sample_domain"]
    y[150:170] = domains["yt"][:20]
    with config_context(enable_metadata_routing=True):
        pipe = make_text_adaptation_pipeline().fit(X, y, sample_domain=sd)
    st = pipe[-1]
    assert not st.pseudo_labelled_[:, :170].any()
    assert st.pseudo_labelled_[:, 170:].any()
    # Without routing, the same y reads the labelled target rows as source.
    plain = make_text_adaptation_pipeline().fit(X, y)
    assert plain[-1].pseudo_labelled_.sum() > 0
