"""Target class priors without target labels: EM (Saerens 2002), BBSE (Lipton 2018)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from sktransfer.adaptation import adjust_proba, bbse_target_prior, em_target_prior
from sktransfer.adaptation._label_shift import class_prior, fit_target_prior

MEANS = np.array([[0.0, 0.0], [2.0, 0.5], [0.5, 2.0]])


def _sample(prior, n, rng):
    """Rows of three Gaussian classes (identity covariance) drawn with ``prior``."""
    y = rng.choice(len(prior), size=n, p=prior)
    return MEANS[y] + rng.normal(size=(n, 2)), y


def _bayes_posterior(X, prior):
    """Exact ``p(y | x)`` of the generating model under class prior ``prior``."""
    dens = np.column_stack([multivariate_normal(m).pdf(X) for m in MEANS])
    joint = dens * prior
    return joint / joint.sum(axis=1, keepdims=True)


SOURCE_PRIOR = np.array([1 / 3, 1 / 3, 1 / 3])


@pytest.mark.parametrize(
    "target_prior", [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3]]
)
def test_em_recovers_known_prior_from_exact_posteriors(target_prior):
    # With the exact source posteriors, EM is the maximum-likelihood estimate
    # of the target prior: within sampling error of the truth.
    rng = np.random.RandomState(0)
    X_t, y_t = _sample(target_prior, 20_000, rng)
    proba = _bayes_posterior(X_t, SOURCE_PRIOR)
    prior = em_target_prior(proba, SOURCE_PRIOR)
    assert prior.shape == (3,)
    assert_allclose(prior.sum(), 1.0)
    assert_allclose(prior, target_prior, atol=0.015)
    # ... and a fixed point of the EM update.
    assert_allclose(
        adjust_proba(proba, SOURCE_PRIOR, prior).mean(axis=0), prior, atol=1e-7
    )


def test_em_with_a_fitted_classifier_on_shifted_data():
    rng = np.random.RandomState(1)
    X_s, y_s = _sample(SOURCE_PRIOR, 6000, rng)
    target = np.array([0.6, 0.3, 0.1])
    X_t, _ = _sample(target, 6000, rng)
    clf = LogisticRegression().fit(X_s, y_s)  # well specified for this model
    source = class_prior(y_s, clf.classes_)
    prior = em_target_prior(clf.predict_proba(X_t), source)
    assert_allclose(prior, target, atol=0.03)
    # Far closer than the uncorrected mean posterior.
    naive = clf.predict_proba(X_t).mean(axis=0)
    assert np.abs(prior - target).max() < 0.5 * np.abs(naive - target).max()


def test_em_one_step_by_hand():
    # One EM step from the source prior: the mean posterior.
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.9, 0.1], [0.2, 0.8]])
    one = em_target_prior(proba, [0.5, 0.5], max_iter=1)
    assert_allclose(one, [0.7, 0.3])
    # Two steps: reweight by [0.7, 0.3] / [0.5, 0.5], renormalise, average.
    w = proba * [1.4, 0.6]
    w /= w.sum(axis=1, keepdims=True)
    assert_allclose(em_target_prior(proba, [0.5, 0.5], max_iter=2), w.mean(axis=0))


@pytest.mark.parametrize("target_prior", [[0.7, 0.2, 0.1], [0.2, 0.2, 0.6]])
def test_bbse_recovers_known_prior(target_prior):
    rng = np.random.RandomState(2)
    X_s, y_s = _sample(SOURCE_PRIOR, 6000, rng)
    X_t, _ = _sample(target_prior, 6000, rng)
    clf = LogisticRegression().fit(X_s, y_s)
    heldout = cross_val_predict(LogisticRegression(), X_s, y_s, cv=5)
    prior = bbse_target_prior(y_s, heldout, clf.predict(X_t))
    assert_allclose(prior, target_prior, atol=0.03)


def test_bbse_solves_the_confusion_system_by_hand():
    # C[i, j] = P(y_hat = i, y = j); mu = C w; prior = w * p_source.
    y_true = np.array([0] * 6 + [1] * 4)
    y_pred = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 0])
    C = np.array([[5, 1], [1, 3]]) / 10
    y_pred_target = np.array([0] * 3 + [1] * 7)
    w = np.linalg.solve(C, [0.3, 0.7])
    expected = w * [0.6, 0.4]
    expected /= expected.sum()
    assert_allclose(bbse_target_prior(y_true, y_pred, y_pred_target), expected)
    # String labels, in the order given.
    names = np.array(["neg", "pos"])
    got = bbse_target_prior(
        names[y_true], names[y_pred], names[y_pred_target], labels=["pos", "neg"]
    )
    assert_allclose(got, expected[::-1])


def test_bbse_clips_negative_weights():
    y_true = [0, 0, 1, 1]
    y_pred = [0, 0, 1, 1]  # a perfect classifier
    assert_allclose(bbse_target_prior(y_true, y_pred, [1, 1, 1]), [0.0, 1.0])


def test_adjust_proba_by_hand():
    proba = np.array([[0.5, 0.5], [0.8, 0.2]])
    out = adjust_proba(proba, [0.5, 0.5], [0.2, 0.8])
    assert_allclose(out, [[0.2, 0.8], [0.5, 0.5]])
    assert_allclose(adjust_proba(proba, [0.3, 0.7], [0.3, 0.7]), proba)
    # A class absent from the source prior gets no weight.
    assert_allclose(adjust_proba([[0.5, 0.5]], [1.0, 0.0], [0.5, 0.5]), [[1.0, 0.0]])


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2 classes"):
        em_target_prior([[1.0], [1.0]], [1.0])
    with pytest.raises(ValueError, match="source_prior must hold one probability"):
        em_target_prior([[0.5, 0.5]], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        adjust_proba([[0.5, 0.5]], [0.5, 0.5], [-0.1, 1.1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        bbse_target_prior([1, 1], [1, 1], [1])
    with pytest.raises(ValueError, match="empty"):
        bbse_target_prior([0, 1], [0, 1], [])
    with pytest.raises(ValueError, match="not in labels"):
        bbse_target_prior([0, 1], [0, 2], [0])


def test_fit_target_prior_helper():
    rng = np.random.RandomState(3)
    X_s, y_s = _sample(SOURCE_PRIOR, 3000, rng)
    target = np.array([0.1, 0.3, 0.6])
    X_t, _ = _sample(target, 3000, rng)
    clf = LogisticRegression().fit(X_s, y_s)
    for method in ("em", "bbse"):
        source, prior = fit_target_prior(
            method, clf, X_s, y_s, X_t, classes=clf.classes_
        )
        assert_allclose(source, np.bincount(y_s) / len(y_s))
        assert_allclose(prior, target, atol=0.04)
    with pytest.raises(ValueError, match="at least 2 labelled rows of every class"):
        fit_target_prior(
            "bbse", clf, X_s[:4], np.array([0, 1, 2, 2]), X_t, classes=clf.classes_
        )
