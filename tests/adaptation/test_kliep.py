import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from scipy.stats import norm, spearmanr
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import KLIEPWeighting
from tests.adaptation._weighting_problems import _rbf, _shifted


def test_kliep_recovers_gaussian_density_ratio():
    rng = np.random.RandomState(0)
    xs = rng.normal(0.0, 1.0, 300)
    xt = rng.normal(0.8, 0.6, 300)
    X = np.r_[xs, xt][:, None]
    y = np.r_[(xs > 0).astype(int), -np.ones(300, dtype=int)]
    kliep = KLIEPWeighting(random_state=0).fit(X, y)
    w = kliep.weights_[:300]
    true = norm.pdf(xs, 0.8, 0.6) / norm.pdf(xs, 0.0, 1.0)
    assert spearmanr(w, true)[0] > 0.9
    assert w.mean() == pytest.approx(1.0, abs=1e-8)  # the normalisation
    assert np.all(kliep.alpha_ >= 0)


def test_kliep_solves_its_program():
    # All target rows are centres, so the program can be set up here and
    # solved independently by SLSQP over alpha.
    X, y = _shifted(n_s=40, n_t=12, d=2, seed=4)
    gamma = 0.7
    kliep = KLIEPWeighting(gamma=gamma, n_centers=100, tol=1e-10).fit(X, y)
    Xs, Xt = X[y != -1], X[y == -1]
    assert_allclose(kliep.centers_, Xt)
    A = _rbf(Xt, Xt, gamma)
    b = _rbf(Xs, Xt, gamma).mean(axis=0)

    def loss(alpha):
        return -np.mean(np.log(np.maximum(A @ alpha, 1e-300)))

    res = minimize(
        loss,
        np.full(len(b), 1.0 / b.sum()),
        jac=lambda a: -A.T @ (1.0 / (A @ a)) / len(A),
        bounds=[(0.0, None)] * len(b),
        constraints=[{"type": "eq", "fun": lambda a: b @ a - 1.0, "jac": lambda a: b}],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    assert res.success
    assert b @ kliep.alpha_ == pytest.approx(1.0, abs=1e-10)
    assert loss(kliep.alpha_) <= res.fun + 1e-8
    assert_allclose(kliep.weights_[y != -1], _rbf(Xs, Xt, gamma) @ kliep.alpha_)


def test_kliep_likelihood_cross_validation():
    rng = np.random.RandomState(1)
    X = np.r_[rng.normal(0, 1, (150, 1)), rng.normal(1, 0.5, (150, 1))]
    y = np.r_[np.zeros(150, dtype=int), -np.ones(150, dtype=int)]
    y[:75] = 1
    gammas = [1e-3, 0.5]
    kliep = KLIEPWeighting(gamma=gammas, cv=3, random_state=0).fit(X, y)
    assert kliep.cv_scores_.shape == (2,)
    assert kliep.gamma_ == gammas[int(np.argmax(kliep.cv_scores_))]
    assert kliep.gamma_ == 0.5  # a near-constant kernel loses
    # Every target row is a centre and the needle kernel sees only its own
    # centre: it would win if a held-out row could score its own centre.
    needle = KLIEPWeighting(gamma=[0.5, 1e7], n_centers=150, cv=3, random_state=0)
    needle.fit(X, y)
    assert needle.gamma_ == 0.5
    single = KLIEPWeighting(gamma=0.5, random_state=0).fit(X, y)
    assert not hasattr(single, "cv_scores_")


def test_kliep_compute_weights_matches_training_weights():
    X, y = _shifted()
    kliep = KLIEPWeighting(random_state=0).fit(X, y)
    lab = y != -1
    assert_allclose(kliep.compute_weights(X[lab]), kliep.weights_[lab])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"gamma": []}, "gamma must be"),
        ({"gamma": [0.1, -1.0]}, "gamma must be"),
        ({"gamma": [0.1, "wide"]}, "gamma must be"),
        ({"gamma": [0.1, 1.0], "cv": 50}, "cv=50 folds"),
    ],
)
def test_kliep_bad_gamma_or_cv(params, match):
    X, y = _shifted(n_t=40)
    with pytest.raises(ValueError, match=match):
        KLIEPWeighting(**params).fit(X, y)


def test_kliep_invalid_params():
    X, y = _shifted()
    with pytest.raises(InvalidParameterError, match="n_centers"):
        KLIEPWeighting(n_centers=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="cv"):
        KLIEPWeighting(cv=1).fit(X, y)
