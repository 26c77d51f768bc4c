import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.optimize import minimize
from scipy.stats import norm, spearmanr
from sklearn import config_context
from sklearn.base import clone
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import DomainAwareClassifier, DomainAwareRegressor
from sktransfer.adaptation._base import OneDomainWarning
from sktransfer.adaptation._weighting import (
    DiscriminativeWeighting,
    KLIEPWeighting,
    KMMWeighting,
    NearestNeighborWeighting,
    _interior_point,
    _project_box_band,
    _solve_box_band_qp,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS

ALL = [
    KMMWeighting(),
    KLIEPWeighting(random_state=0),
    DiscriminativeWeighting(),
    NearestNeighborWeighting(),
]
IDS = [type(w).__name__ for w in ALL]
WITH_COMPUTE = [w for w in ALL if hasattr(w, "compute_weights")]


def _shifted(n_s=60, n_t=40, d=3, shift=0.8, seed=0):
    """Source N(0, I) with labels, target N(shift, 0.6^2 I) without."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(loc=shift, scale=0.6, size=(n_t, d))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + 0.3 * rng.normal(size=n_s) > 0).astype(int), -np.ones(n_t)]
    return X, y.astype(int)


def _rbf(A, B, gamma):
    sq = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def _kmm_reference(K, kappa, B, lo, hi):
    """KMM's QP solved independently by SLSQP."""
    n = K.shape[0]
    scale = np.abs(kappa).max()  # SLSQP is more reliable on a scaled objective
    res = minimize(
        lambda b: (0.5 * b @ K @ b - kappa @ b) / scale,
        np.full(n, np.clip((lo + hi) / (2 * n), 0, B)),
        jac=lambda b: (K @ b - kappa) / scale,
        bounds=[(0.0, B)] * n,
        constraints=[
            {
                "type": "ineq",
                "fun": lambda b: hi - b.sum(),
                "jac": lambda b: -np.ones(n),
            },
            {
                "type": "ineq",
                "fun": lambda b: b.sum() - lo,
                "jac": lambda b: np.ones(n),
            },
        ],
        method="SLSQP",
        options={"ftol": 1e-13, "maxiter": 2000},
    )
    assert res.success, res.message
    return res.x, res.fun * scale


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


# --------------------------------------------------------------------------
# KMM
# --------------------------------------------------------------------------


def test_project_box_band_against_bisection():
    rng = np.random.RandomState(0)
    for B, lo, hi in [(2.0, 9.0, 11.0), (1.5, 30.0, 30.0), (5.0, 0.0, 3.0)]:
        v = rng.normal(scale=3, size=25)
        b, _ = _project_box_band(v, B, lo, hi)
        # Reference: bisection on the multiplier of the sum constraint.
        total = np.clip(v, 0, B).sum()
        target = min(max(total, lo), hi)
        a, c = v.min() - B - 1, v.max() + 1
        for _ in range(200):
            m = 0.5 * (a + c)
            a, c = (m, c) if np.clip(v - m, 0, B).sum() > target else (a, m)
        assert_allclose(b, np.clip(v - 0.5 * (a + c), 0, B), atol=1e-9)
        assert lo - 1e-9 <= b.sum() <= hi + 1e-9


@pytest.mark.parametrize(
    "B, eps, d, shift",
    [
        (1000.0, None, 3, 0.8),  # the usual case: many weights at 0
        (2.0, 0.05, 3, 1.5),  # weights at B and the sum at its lower end
        (1000.0, 0.0, 3, 0.5),  # sum fixed to n_s
        (1000.0, 0.001, 3, 0.0),  # the sum at its upper end
    ],
)
def test_kmm_matches_reference_qp(B, eps, d, shift):
    X, y = _shifted(n_s=50, n_t=40, d=d, shift=shift, seed=1)
    Xs, Xt = X[y != -1], X[y == -1]
    n_s, n_t = len(Xs), len(Xt)
    gamma = 0.5
    kmm = KMMWeighting(gamma=gamma, B=B, eps=eps).fit(X, y)
    b = kmm.weights_[y != -1]
    # The definition, computed independently.
    K = _rbf(Xs, Xs, gamma)
    kappa = n_s / n_t * _rbf(Xs, Xt, gamma).sum(axis=1)
    e = (np.sqrt(n_s) - 1) / np.sqrt(n_s) if eps is None else eps
    lo, hi = max(0.0, n_s * (1 - e)), n_s * (1 + e)
    _, ref = _kmm_reference(K, kappa, B, lo, hi)
    obj = 0.5 * b @ K @ b - kappa @ b
    assert kmm.objective_ == pytest.approx(obj, rel=1e-10)
    assert abs(obj - ref) <= 1e-6 * abs(ref)
    assert obj <= ref + 1e-9 * abs(ref)  # never worse than the reference
    # Constraints hold exactly (to rounding).
    assert b.min() >= 0.0 and b.max() <= B
    assert lo - 1e-8 <= b.sum() <= hi + 1e-8
    assert kmm.n_iter_ >= 1


def test_interior_point_alone_matches_reference():
    X, y = _shifted(n_s=40, n_t=30, seed=2)
    Xs, Xt = X[y != -1], X[y == -1]
    K = _rbf(Xs, Xs, 0.3)
    kappa = 40 / 30 * _rbf(Xs, Xt, 0.3).sum(axis=1)
    _, ref = _kmm_reference(K, kappa, 5.0, 36.0, 44.0)
    x, n_iter, ok = _interior_point(K, kappa, 5.0, 36.0, 44.0, tol=1e-10, max_iter=100)
    assert ok and n_iter < 50
    assert 0.5 * x @ K @ x - kappa @ x == pytest.approx(ref, rel=1e-7)
    # And the full solver (exact pivoting path) agrees.
    b, obj, _, ok = _solve_box_band_qp(
        K, kappa, 5.0, 36.0, 44.0, tol=1e-10, max_iter=100
    )
    assert ok and obj == pytest.approx(ref, rel=1e-9)


def test_kmm_weights_favour_source_rows_near_target():
    X, y = _shifted(n_s=200, n_t=100, d=2, shift=1.0, seed=3)
    w = KMMWeighting().fit(X, y).weights_
    Xs = X[y != -1]
    near = np.linalg.norm(Xs - 1.0, axis=1) < 1.0
    assert w[y != -1][near].mean() > 3 * w[y != -1][~near].mean()


def test_kmm_chunks_are_announced():
    X, y = _shifted(n_s=30, n_t=20)
    with pytest.warns(UserWarning, match="max_samples=10"):
        kmm = KMMWeighting(max_samples=10, random_state=0).fit(X, y)
    w = kmm.weights_[y != -1]
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    # Three chunks of ten rows, each with its own sum band around 10.
    eps = (np.sqrt(10) - 1) / np.sqrt(10)
    assert 30 * (1 - eps) - 1e-8 <= w.sum() <= 30 * (1 + eps) + 1e-8
    again = KMMWeighting(max_samples=10, random_state=0)
    with pytest.warns(UserWarning):
        assert_array_equal(again.fit(X, y).weights_, kmm.weights_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMMWeighting(max_samples=None).fit(X, y)


def test_kmm_infeasible_bound_is_an_error():
    X, y = _shifted()
    with pytest.raises(ValueError, match="no feasible weights.*Raise B or eps"):
        KMMWeighting(B=0.5, eps=0.1).fit(X, y)


def _one_d(seed=0):
    """1-D domains: the kernel matrix is numerically singular."""
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(0, 1, (40, 1)), rng.normal(1, 0.5, (20, 1))]
    y = np.r_[(X[:40, 0] > 0).astype(int), -np.ones(20, dtype=int)]
    return X, y


def test_kmm_ill_conditioned_uses_interior_point(monkeypatch):
    from sktransfer.adaptation import _weighting

    calls = []

    def spy(*args, **kwargs):
        out = _interior_point(*args, **kwargs)
        calls.append(out)
        return out

    monkeypatch.setattr(_weighting, "_interior_point", spy)
    X, y = _one_d()
    kmm = KMMWeighting(B=10.0).fit(X, y)
    assert len(calls) == 1 and calls[0][2]  # used, and converged
    Xs, Xt = X[y != -1], X[y == -1]
    K = _rbf(Xs, Xs, kmm.gamma_)
    kappa = 2.0 * _rbf(Xs, Xt, kmm.gamma_).sum(axis=1)
    eps = (np.sqrt(40) - 1) / np.sqrt(40)
    _, ref = _kmm_reference(K, kappa, 10.0, 40 * (1 - eps), 40 * (1 + eps))
    assert kmm.objective_ <= ref + 1e-8 * abs(ref)
    assert kmm.objective_ == pytest.approx(ref, rel=1e-6)
    with pytest.warns(ConvergenceWarning, match="max_iter=1 interior-point"):
        KMMWeighting(B=10.0, max_iter=1).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel": "poly"}, "kernel"),
        ({"gamma": -1.0}, "gamma"),
        ({"B": 0.0}, "B"),
        ({"eps": -0.1}, "eps"),
        ({"max_samples": 0}, "max_samples"),
        ({"tol": 0.0}, "tol"),
    ],
)
def test_kmm_invalid_params(params, match):
    X, y = _shifted()
    with pytest.raises(InvalidParameterError, match=match):
        KMMWeighting(**params).fit(X, y)


def test_kmm_laplacian_kernel():
    X, y = _shifted()
    kmm = KMMWeighting(kernel="laplacian").fit(X, y)
    Xs = X[y != -1]
    assert kmm.gamma_ == pytest.approx(1 / (X.shape[1] * X.std()))
    b = kmm.weights_[y != -1]
    K = np.exp(-kmm.gamma_ * np.abs(Xs[:, None, :] - Xs[None, :, :]).sum(-1))
    assert kmm.objective_ == pytest.approx(0.5 * b @ K @ b - b @ _lap_kappa(X, y, kmm))


def _lap_kappa(X, y, kmm):
    Xs, Xt = X[y != -1], X[y == -1]
    Kst = np.exp(-kmm.gamma_ * np.abs(Xs[:, None, :] - Xt[None, :, :]).sum(-1))
    return len(Xs) / len(Xt) * Kst.sum(1)


# --------------------------------------------------------------------------
# KLIEP
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Discriminative
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Nearest neighbours
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_neighbors, smoothing", [(1, 1.0), (1, 0.0), (3, 0.5)])
def test_nearest_neighbor_matches_definition(n_neighbors, smoothing):
    X, y = _shifted(n_s=30, n_t=25)
    Xs, Xt = X[y != -1], X[y == -1]
    nnw = NearestNeighborWeighting(n_neighbors, smoothing=smoothing).fit(X, y)
    dist = ((Xt[:, None, :] - Xs[None, :, :]) ** 2).sum(-1)
    counts = np.zeros(len(Xs))
    for row in np.argsort(dist, axis=1)[:, :n_neighbors]:
        counts[row] += 1.0 / n_neighbors
    expected = (counts + smoothing) * len(Xs) / (len(Xt) + smoothing * len(Xs))
    assert_allclose(nnw.counts_, counts)
    assert_allclose(nnw.weights_[y != -1], expected)
    assert nnw.weights_[y != -1].mean() == pytest.approx(1.0)


def test_nearest_neighbor_compute_weights_uses_voronoi_cells():
    X, y = _shifted(n_s=30, n_t=25)
    nnw = NearestNeighborWeighting().fit(X, y)
    Xs = X[y != -1]
    assert_allclose(nnw.compute_weights(Xs), nnw.weights_[y != -1])
    nudged = Xs[[4, 9]] + 1e-6
    assert_allclose(nnw.compute_weights(nudged), nnw.weights_[y != -1][[4, 9]])


def test_nearest_neighbor_cosine_on_sparse_tfidf():
    docs = list(TEXT_CORPUS) + ["a good phone", "a bad phone", "good battery"]
    y = np.r_[TEXT_LABELS, -1, -1, -1]
    Xtf = TfidfVectorizer().fit_transform(docs)
    w = NearestNeighborWeighting(metric="cosine").fit(Xtf, y).weights_
    dense = NearestNeighborWeighting(metric="cosine").fit(Xtf.toarray(), y).weights_
    assert_allclose(w, dense)


def test_nearest_neighbor_errors():
    X, y = _shifted(n_s=5, n_t=5)
    with pytest.raises(ValueError, match="n_neighbors=6 is larger than the number"):
        NearestNeighborWeighting(6).fit(X, y)
    with pytest.raises(InvalidParameterError, match="metric"):
        NearestNeighborWeighting(metric="precomputed").fit(X, y)
    with pytest.raises(InvalidParameterError, match="smoothing"):
        NearestNeighborWeighting(smoothing=-1.0).fit(X, y)
