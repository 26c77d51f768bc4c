"""DomainAwareClassifier(prior_shift=...): label-shift correction, no target labels."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.svm import LinearSVC

from sktransfer.adaptation import DomainAwareClassifier, adjust_proba
from sktransfer.utils import pack_domains

MEANS = np.array([[0.0, 0.0], [2.0, 1.5]])


def _shifted(source_prior, target_prior, n=4000, seed=0):
    """Two Gaussian classes; only the class balance differs between domains."""
    rng = np.random.RandomState(seed)

    def draw(prior):
        y = rng.choice(2, size=n, p=prior)
        return MEANS[y] + rng.normal(size=(n, 2)), y

    Xs, ys = draw(source_prior)
    Xt, yt = draw(target_prior)
    X, y, sd = pack_domains(source=(Xs, ys), target=Xt)
    return X, y, sd, Xt, yt


@pytest.mark.parametrize("method", ["em", "bbse"])
def test_priors_are_estimated_and_applied(method):
    X, y, _, Xt, yt = _shifted([0.5, 0.5], [0.85, 0.15])
    clf = DomainAwareClassifier(LogisticRegression(), prior_shift=method).fit(X, y)
    assert_allclose(clf.source_prior_, np.bincount(y[y != -1]) / np.sum(y != -1))
    assert_allclose(clf.target_prior_, [0.85, 0.15], atol=0.03)
    raw = clf.estimator_.predict_proba(Xt)
    expected = adjust_proba(raw, clf.source_prior_, clf.target_prior_)
    assert_allclose(clf.predict_proba(Xt), expected)
    assert_allclose(clf.predict_log_proba(Xt), np.log(expected))
    assert_array_equal(clf.predict(Xt), np.argmax(expected, axis=1))
    # decision_function agrees with predict (log-odds of the shifted posteriors).
    assert_array_equal(clf.decision_function(Xt) > 0, clf.predict(Xt) == 1)
    # Under pure label shift, the Bayes rule with the target prior is more
    # accurate on the target than the source model.
    plain = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    assert clf.score(Xt, yt) > plain.score(Xt, yt) + 0.02


def test_without_prior_shift_nothing_changes():
    X, y, _, Xt, _ = _shifted([0.5, 0.5], [0.85, 0.15], n=500)
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    assert not hasattr(clf, "target_prior_") and not hasattr(clf, "source_prior_")
    assert_allclose(clf.predict_proba(Xt), clf.estimator_.predict_proba(Xt))
    assert_allclose(clf.decision_function(Xt), clf.estimator_.decision_function(Xt))
    # Refitting without prior_shift drops the priors of a previous fit.
    clf.set_params(prior_shift="em").fit(X, y)
    assert hasattr(clf, "target_prior_")
    clf.set_params(prior_shift=None).fit(X, y)
    assert not hasattr(clf, "target_prior_")


def test_explicit_domains_and_sample_weight():
    X, y, sd, Xt, _ = _shifted([0.5, 0.5], [0.2, 0.8], n=2000, seed=1)
    sw = np.ones(len(y))
    sw[:100] = 3.0
    clf = DomainAwareClassifier(LogisticRegression(), prior_shift="em")
    clf.fit(X, y, sample_domain=sd, sample_weight=sw)
    src = y != -1
    expected = np.array([sw[src][y[src] == c].sum() for c in (0, 1)])
    assert_allclose(clf.source_prior_, expected / expected.sum())
    assert_allclose(clf.target_prior_, [0.2, 0.8], atol=0.04)


def test_no_target_rows_is_an_error():
    X, y, _, _, _ = _shifted([0.5, 0.5], [0.5, 0.5], n=50)
    labelled = y != -1
    with pytest.raises(ValueError, match="prior_shift='em'.*no target rows"):
        DomainAwareClassifier(LogisticRegression(), prior_shift="em").fit(
            X[labelled], y[labelled]
        )


def test_estimator_without_predict_proba_is_an_error():
    X, y, _, _, _ = _shifted([0.5, 0.5], [0.5, 0.5], n=50)
    with pytest.raises(ValueError, match="prior_shift='bbse'.*no predict_proba"):
        DomainAwareClassifier(LinearSVC(), prior_shift="bbse").fit(X, y)


def test_bad_value():
    X, y, _, _, _ = _shifted([0.5, 0.5], [0.5, 0.5], n=50)
    with pytest.raises(ValueError, match="'prior_shift' parameter"):
        DomainAwareClassifier(LogisticRegression(), prior_shift="yes").fit(X, y)


@pytest.mark.parametrize("method", ["em", "bbse"])
def test_grid_search_implicit_and_routed(method):
    X, y, sd, _, _ = _shifted([0.5, 0.5], [0.8, 0.2], n=300, seed=2)
    clf = DomainAwareClassifier(LogisticRegression(), prior_shift=method)
    grid = {"estimator__C": [0.1, 1.0]}
    search = GridSearchCV(clf, grid, cv=3, error_score="raise").fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(clf, grid, cv=3, error_score="raise")
        search.fit(X, y, sample_domain=sd)
        cv = cross_validate(clf, X, y, params={"sample_domain": sd}, cv=3)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert np.all(np.isfinite(cv["test_score"]))
    assert search.best_estimator_.target_prior_.shape == (2,)
