"""Class-balanced self-training (CBST, Zou et al. 2018): quotas exactly as specified."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sktransfer.adaptation import (
    ClassBalancedSelfTrainingClassifier,
    OneDomainWarning,
    em_target_prior,
)
from sktransfer.adaptation._self_training import class_quotas, round_budget


class ColumnProbaClassifier(ClassifierMixin, BaseEstimator):
    """``predict_proba`` reads the class probabilities from the first columns.

    Fitting only records what it was fitted on, so the probabilities of every
    round are known in advance and the quotas can be checked by hand.
    """

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.X_fit_, self.y_fit_, self.sample_weight_ = X, np.asarray(y), sample_weight
        return self

    def predict_proba(self, X):
        k = self.classes_.shape[0]
        P = np.asarray(X)[:, :k]
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# 10 labelled rows (6 of class 0, 4 of class 1), 20 unlabelled rows whose
# probability of class 1 is P1 (14 rows predicted 0, 6 predicted 1).
P1 = np.array(
    [0.9, 0.1, 0.8, 0.3, 0.35, 0.05, 0.6, 0.2, 0.45, 0.15]
    + [0.7, 0.25, 0.4, 0.02, 0.55, 0.33, 0.12, 0.95, 0.48, 0.22]
)


def _data():
    p_l = np.r_[np.full(6, 0.2), np.full(4, 0.8)]
    p = np.r_[p_l, P1]
    X = np.column_stack([1 - p, p, np.arange(30)])  # third column: the row id
    y = np.r_[np.zeros(6, int), np.ones(4, int), -np.ones(20, int)]
    return X, y


def _expected_rows(prior, round_, n_rounds=2, max_fraction=0.5):
    """The rows and labels of a round, computed from the specification."""
    predicted = (P1 > 0.5).astype(int)  # argmax of [1 - p, p]
    n_pred = np.bincount(predicted, minlength=2)
    budget = int(np.floor(max_fraction * round_ / n_rounds * 20))
    quotas = np.minimum(np.minimum(np.floor(budget * prior), n_pred), [6, 4])
    rows, labels = [], []
    for c in (0, 1):
        cand = np.flatnonzero(predicted == c)
        conf = np.where(c == 1, P1, 1 - P1)[cand]
        top = cand[np.argsort(-conf, kind="stable")[: int(quotas[c])]]
        rows.append(top + 10)  # unlabelled rows start at row 10
        labels.append(np.full(top.shape[0], c))
    return quotas.astype(int), np.concatenate(rows), np.concatenate(labels)


@pytest.mark.parametrize(
    "target_prior, priors",
    [
        ("uniform", [[0.5, 0.5], [0.5, 0.5]]),
        ("predicted", [[0.7, 0.3], [0.7, 0.3]]),
        ("source", [[0.6, 0.4], [0.6, 0.4]]),
        ([0.25, 0.75], [[0.25, 0.75], [0.25, 0.75]]),
    ],
)
def test_quotas_and_rows_as_specified(target_prior, priors):
    X, y = _data()
    clf = ClassBalancedSelfTrainingClassifier(
        ColumnProbaClassifier(), n_rounds=2, max_fraction=0.5, target_prior=target_prior
    ).fit(X, y)
    assert clf.n_iter_ == 2
    assert_allclose(clf.class_prior_, priors)
    for t in range(2):
        quotas, rows, labels = _expected_rows(np.array(priors[t]), t + 1)
        assert_array_equal(clf.n_pseudo_labelled_[t], quotas)
        assert_array_equal(np.flatnonzero(clf.pseudo_labelled_[t]), np.sort(rows))
        assert_array_equal(clf.pseudo_labels_[t][rows], labels)
        # Labelled rows keep their labels; unlabelled rows get the argmax.
        assert_array_equal(clf.pseudo_labels_[t][:10], y[:10])
        assert_array_equal(clf.pseudo_labels_[t][10:], (P1 > 0.5).astype(int))
    # The final estimator was fitted on the labelled rows plus the last round.
    final = clf.estimator_
    _, rows, labels = _expected_rows(np.array(priors[1]), 2)
    assert_array_equal(final.X_fit_[:, 2], np.r_[np.arange(10), rows])
    assert_array_equal(final.y_fit_, np.r_[y[:10], labels])
    assert final.sample_weight_ is None


def test_uniform_quotas_by_hand():
    # Round 1: budget floor(0.25 * 20) = 5 -> floor(2.5) = 2 per class.
    # Round 2: budget 10 -> 5 per class, but class 1 has 4 labelled rows: 4.
    X, y = _data()
    clf = ClassBalancedSelfTrainingClassifier(ColumnProbaClassifier(), n_rounds=2)
    clf.fit(X, y)
    assert clf.n_pseudo_labelled_.tolist() == [[2, 2], [5, 4]]
    # Round 1 takes the two most confident rows of each predicted class:
    # class 0: P1 = 0.02 (row 23), 0.05 (row 15); class 1: 0.95 (row 27), 0.9 (row 10).
    assert np.flatnonzero(clf.pseudo_labelled_[0]).tolist() == [10, 15, 23, 27]


def test_em_prior_is_estimated_each_round():
    X, y = _data()
    clf = ClassBalancedSelfTrainingClassifier(
        ColumnProbaClassifier(), n_rounds=2, target_prior="em"
    ).fit(X, y)
    proba = np.column_stack([1 - P1, P1])
    expected = em_target_prior(proba, [0.6, 0.4])
    assert_allclose(clf.class_prior_[0], expected)
    assert_allclose(clf.class_prior_[1], expected)  # same probabilities again


def test_schedule_helpers():
    assert round_budget(0.5, 3, 5, 1000) == 300
    assert round_budget(0.6, 10, 10, 10) == 6
    assert round_budget(1.0, 1, 3, 10) == 3
    assert class_quotas(10, [0.5, 0.5], [3, 20], [100, 100]).tolist() == [3, 5]
    assert class_quotas(10, [0.5, 0.5], [30, 20], [2, 100]).tolist() == [2, 5]
    assert class_quotas(7, [0.3, 0.7], [30, 30], [30, 30]).tolist() == [2, 4]


def test_pseudo_label_weight_and_sample_weight():
    X, y = _data()
    sw = np.r_[np.arange(1, 11, dtype=float), np.zeros(20)]
    clf = ClassBalancedSelfTrainingClassifier(
        ColumnProbaClassifier(), n_rounds=1, max_fraction=0.5, pseudo_label_weight=0.25
    ).fit(X, y, sample_weight=sw)
    n_pseudo = clf.n_pseudo_labelled_[0].sum()
    assert_allclose(
        clf.estimator_.sample_weight_, np.r_[np.arange(1, 11), np.full(n_pseudo, 0.25)]
    )

    class NoWeights(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.raises(TypeError, match="does not accept sample_weight"):
        ClassBalancedSelfTrainingClassifier(NoWeights(), pseudo_label_weight=0.5).fit(
            X, y
        )


def test_explicit_domains_keep_labelled_target_rows():
    X, y = _data()
    y[10:12] = [1, 0]  # two labelled target rows
    sd = np.r_[np.zeros(10, int), -np.ones(20, int)]
    clf = ClassBalancedSelfTrainingClassifier(ColumnProbaClassifier(), n_rounds=1)
    clf.fit(X, y, sample_domain=sd)
    assert not clf.pseudo_labelled_[0][:12].any()
    assert clf.estimator_.y_fit_[:12].tolist() == y[:12].tolist()


def test_string_labels_and_real_classifier():
    rng = np.random.RandomState(0)
    X_s = rng.normal(size=(60, 2)) + np.repeat([[0, 0], [3, 3]], 30, axis=0)
    X_t = rng.normal(size=(40, 2)) + np.repeat([[1, 0], [4, 3]], 20, axis=0)
    y = np.r_[np.repeat(["neg", "pos"], 30), np.full(40, -1, dtype=object)]
    y = y.astype(object)
    y[60:] = -1
    clf = ClassBalancedSelfTrainingClassifier(LogisticRegression()).fit(
        np.vstack([X_s, X_t]), y
    )
    assert clf.classes_.tolist() == ["neg", "pos"]
    assert clf.pseudo_labels_.shape == (5, 100)
    assert set(clf.predict(X_t)) <= {"neg", "pos"}
    assert clf.predict_proba(X_t).shape == (40, 2)
    assert clf.decision_function(X_t).shape == (40,)
    # score ignores the unlabelled rows.
    assert 0.9 <= clf.score(np.vstack([X_s, X_t]), y) <= 1.0


def test_no_unlabelled_rows_warns_and_fits_the_labelled_rows():
    X, y = _data()
    with pytest.warns(OneDomainWarning, match="nothing to pseudo-label"):
        clf = ClassBalancedSelfTrainingClassifier(ColumnProbaClassifier()).fit(
            X[:10], y[:10]
        )
    assert clf.n_iter_ == 0 and clf.pseudo_labels_.shape == (0, 10)
    assert clf.estimator_.X_fit_.shape == (10, 3)


def test_bad_input():
    X, y = _data()
    est = ColumnProbaClassifier()
    with pytest.raises(ValueError, match="no labelled rows"):
        ClassBalancedSelfTrainingClassifier(est).fit(X, np.full(30, -1))
    y_one = y.copy()
    y_one[:10] = 3
    sd = np.r_[np.zeros(10, int), -np.ones(20, int)]
    with pytest.raises(ValueError, match="got 1 class"):
        ClassBalancedSelfTrainingClassifier(est).fit(X, y_one, sample_domain=sd)
    with pytest.raises(ValueError, match="'max_fraction' parameter"):
        ClassBalancedSelfTrainingClassifier(est, max_fraction=0.0).fit(X, y)
    with pytest.raises(ValueError, match="target_prior must be one of"):
        ClassBalancedSelfTrainingClassifier(est, target_prior=[0.2, 0.3, 0.5]).fit(X, y)
