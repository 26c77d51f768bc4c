"""Behaviour shared by every importance weighting (the BaseWeighting contract)."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.adaptation import (
    DiscriminativeWeighting,
    DomainAwareClassifier,
    DomainAwareRegressor,
    KLIEPWeighting,
    KMMWeighting,
    NearestNeighborWeighting,
)
from sktransfer.adaptation._base import OneDomainWarning
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS
from tests.adaptation._weighting_problems import _shifted

ALL = [
    KMMWeighting(),
    KLIEPWeighting(random_state=0),
    DiscriminativeWeighting(),
    NearestNeighborWeighting(),
]
IDS = [type(w).__name__ for w in ALL]
WITH_COMPUTE = [w for w in ALL if hasattr(w, "compute_weights")]


# --------------------------------------------------------------------------
# Shared behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_weights_one_per_row_finite_target_one(weighting):
    X, y = _shifted()
    w = clone(weighting).fit(X, y).weights_
    assert w.shape == (len(y),)
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    assert_array_equal(w[y == -1], 1.0)
    assert not np.allclose(w[y != -1], 1.0)  # the shift is reweighted


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_explicit_domains_match_implicit(weighting):
    X, y = _shifted()
    implicit = clone(weighting).fit(X, y).weights_
    sd = np.where(y == -1, -1, 0)
    # Labelled target rows with explicit domains: still target, weight 1.
    y_lab = y.copy()
    y_lab[y == -1] = 1
    explicit = clone(weighting).fit(X, y_lab, sample_domain=sd).weights_
    assert_allclose(explicit, implicit, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_one_domain_gives_unit_weights_and_warns(weighting):
    X, y = _shifted()
    lab = y != -1
    with pytest.warns(OneDomainWarning, match="weight 1"):
        fitted = clone(weighting).fit(X[lab], y[lab])
    assert_array_equal(fitted.weights_, 1.0)
    assert fitted.identity_
    if hasattr(fitted, "compute_weights"):
        assert_array_equal(fitted.compute_weights(X[:5]), 1.0)


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_bad_input_errors(weighting):
    X, y = _shifted()
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(weighting).fit(X_nan, y)
    with pytest.raises(ValueError, match="sample_domain has 3 entries"):
        clone(weighting).fit(X, y, sample_domain=[0, 0, -1])


@pytest.mark.parametrize("weighting", WITH_COMPUTE, ids=lambda w: type(w).__name__)
def test_compute_weights_checks_input(weighting):
    X, y = _shifted()
    fitted = clone(weighting).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        fitted.compute_weights(X[:, :2])
    with pytest.raises(Exception, match="not fitted"):
        clone(weighting).compute_weights(X)


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_refit_is_idempotent(weighting):
    X, y = _shifted()
    fitted = clone(weighting).fit(X, y)
    first = fitted.weights_.copy()
    X2, y2 = _shifted(n_s=20, n_t=30, seed=5)
    fitted.fit(X2, y2)  # a fit on other data forgets the first one
    assert fitted.weights_.shape == (50,)
    assert_array_equal(fitted.fit(X, y).weights_, first)


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_pickle_round_trip(weighting):
    X, y = _shifted()
    fitted = clone(weighting).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(again.weights_, fitted.weights_)
    if hasattr(fitted, "compute_weights"):
        assert_array_equal(again.compute_weights(X), fitted.compute_weights(X))


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_sparse_input_matches_dense(weighting):
    X, y = _shifted()
    dense = clone(weighting).fit(X, y).weights_
    sparse_w = clone(weighting).fit(sparse.csr_matrix(X), y).weights_
    assert_allclose(sparse_w, dense, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_in_pipeline_and_grid_search(weighting):
    X, y = _shifted(n_s=80, n_t=60)
    pipe = make_pipeline(
        StandardScaler(),
        DomainAwareClassifier(LogisticRegression(), weighting=weighting),
    )
    search = GridSearchCV(
        pipe, {"domainawareclassifier__estimator__C": [0.1, 1.0]}, cv=3
    )
    search.fit(X, y)
    assert np.isfinite(search.best_score_)
    w = search.best_estimator_[-1].weighting_.weights_
    assert w.shape == (len(y),) and np.all(np.isfinite(w))


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_grid_search_with_routed_sample_domain(weighting):
    X, y = _shifted(n_s=80, n_t=60)
    sd = np.where(y == -1, -1, 0)
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler(),
            DomainAwareClassifier(LogisticRegression(), weighting=weighting),
        )
        search = GridSearchCV(
            pipe, {"domainawareclassifier__estimator__C": [0.1, 1.0]}, cv=3
        )
        search.fit(X, y, sample_domain=sd)
    assert np.isfinite(search.best_score_)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("weighting", ALL, ids=IDS)
def test_text_pipeline(weighting):
    docs = list(TEXT_CORPUS) + ["a good phone", "a bad phone", "good battery"] * 3
    y = np.r_[TEXT_LABELS, -np.ones(9, dtype=int)]
    pipe = make_pipeline(
        TfidfVectorizer(),
        TruncatedSVD(5, random_state=0),
        DomainAwareClassifier(LogisticRegression(), weighting=weighting),
    )
    pipe.fit(docs, y)
    assert pipe.predict(["a good phone"]).shape == (1,)
    assert np.all(np.isfinite(pipe[-1].weighting_.weights_))


def test_regression_target_with_nan_unlabelled_rows():
    X, y = _shifted()
    y = np.where(y == -1, np.nan, X[:, 0] + 0.1 * X[:, 1])
    reg = DomainAwareRegressor(Ridge(), weighting=NearestNeighborWeighting())
    reg.fit(X, y)
    w = reg.weighting_.weights_
    assert_array_equal(w[np.isnan(y)], 1.0)
    lab = ~np.isnan(y)
    ref = Ridge().fit(X[lab], y[lab], sample_weight=w[lab])
    assert_allclose(reg.estimator_.coef_, ref.coef_)
