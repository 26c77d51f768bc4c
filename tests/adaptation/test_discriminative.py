import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import DiscriminativeWeighting
from tests.adaptation._weighting_problems import _shifted


def test_discriminative_matches_definition():
    X, y = _shifted()
    tgt = (y == -1).astype(int)
    n_s, n_t = (tgt == 0).sum(), tgt.sum()
    dw = DiscriminativeWeighting(LogisticRegression(C=0.5), clip=None).fit(X, y)
    clf = LogisticRegression(C=0.5).fit(X, tgt)
    p = clf.predict_proba(X[tgt == 0])
    assert_allclose(dw.weights_[tgt == 0], n_s / n_t * p[:, 1] / p[:, 0], rtol=1e-10)
    assert dw.prior_ratio_ == n_s / n_t
    p_new = clf.predict_proba(X[:7])
    assert_allclose(dw.compute_weights(X[:7]), n_s / n_t * p_new[:, 1] / p_new[:, 0])


def test_discriminative_clips_extreme_weights():
    X, y = _shifted(shift=3.0)
    raw = DiscriminativeWeighting(clip=None).fit(X, y).weights_
    cap = float(np.median(raw[y != -1]))
    clipped = DiscriminativeWeighting(clip=cap).fit(X, y).weights_
    assert_allclose(clipped[y != -1], np.minimum(raw[y != -1], cap))
    assert clipped[y != -1].max() == cap
    # A tree gives probabilities of exactly 0 and 1: weights stay finite.
    tree = DiscriminativeWeighting(DecisionTreeClassifier(random_state=0), clip=None)
    assert np.all(np.isfinite(tree.fit(X, y).weights_))


def test_discriminative_cross_fitting():
    X, y = _shifted()
    tgt = (y == -1).astype(int)
    n_s, n_t = (tgt == 0).sum(), tgt.sum()
    dw = DiscriminativeWeighting(clip=None, cv=3).fit(X, y)
    expected = np.empty(len(y))
    for train, test in StratifiedKFold(3).split(X, tgt):
        p = LogisticRegression().fit(X[train], tgt[train]).predict_proba(X[test])
        expected[test] = n_s / n_t * p[:, 1] / p[:, 0]
    assert_allclose(dw.weights_[tgt == 0], expected[tgt == 0], rtol=1e-10)
    # estimator_ (for new rows) is fitted on every row.
    full = LogisticRegression().fit(X, tgt)
    assert_allclose(dw.estimator_.coef_, full.coef_)


def test_discriminative_errors():
    X, y = _shifted()
    with pytest.raises(InvalidParameterError, match="'estimator' parameter"):
        DiscriminativeWeighting(LinearSVC()).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'clip' parameter"):
        DiscriminativeWeighting(clip=0.0).fit(X, y)
    with pytest.raises(ValueError, match="cv=50 stratified folds"):
        DiscriminativeWeighting(cv=50).fit(X, y)
