import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation._base import NoLabelledTargetWarning, OneDomainWarning
from sktransfer.adaptation._tradaboost import (
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)

# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


class RecordingTreeClassifier(DecisionTreeClassifier):
    """A tree that keeps the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        self.seen_sample_weight_ = np.array(sample_weight, dtype=float, copy=True)
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


class RecordingTreeRegressor(DecisionTreeRegressor):
    """A tree that keeps the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        self.seen_sample_weight_ = np.array(sample_weight, dtype=float, copy=True)
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


def _domains(n_source, n_target):
    return np.r_[np.zeros(n_source, dtype=int), -np.ones(n_target, dtype=int)]


def _shifted_classification(seed, n_source=500, n_target=20, n_test=2000, d=10):
    """Source rows: 60% follow the target concept x0 + x1 > 0, 40% x0 - x1 > 0."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_source, d))
    other = rng.rand(n_source) < 0.4
    ys = np.where(other, Xs[:, 0] - Xs[:, 1] > 0, Xs[:, 0] + Xs[:, 1] > 0)
    Xt = rng.normal(size=(n_target + n_test, d))
    yt = Xt[:, 0] + Xt[:, 1] > 0
    return (
        Xs,
        ys.astype(int),
        Xt[:n_target],
        yt[:n_target].astype(int),
        Xt[n_target:],
        yt[n_target:].astype(int),
    )


def _shifted_regression(seed, n_source=500, n_target=20, n_test=2000, d=10):
    """Source rows: 60% follow the target relation, 40% another linear one."""
    rng = np.random.RandomState(seed)
    w = np.zeros(d)
    w[:3] = [1.0, 2.0, -1.0]
    w_other = np.zeros(d)
    w_other[:3] = [-1.0, 1.0, 2.0]
    Xs = rng.normal(size=(n_source, d))
    other = rng.rand(n_source) < 0.4
    ys = np.where(other, Xs @ w_other, Xs @ w) + rng.normal(size=n_source)
    Xt = rng.normal(size=(n_target + n_test, d))
    yt = Xt @ w + rng.normal(size=n_target + n_test)
    return Xs, ys, Xt[:n_target], yt[:n_target], Xt[n_target:], yt[n_target:]


def _small_transfer(seed=0, n_source=60, n_target=20):
    """A small binary problem: the source boundary (x0 > 0.4, with label noise)
    is shifted from the target's (x0 > -0.4)."""
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-1, 1, size=(n_source, 2))
    ys = (Xs[:, 0] > 0.4).astype(int)
    ys[rng.rand(n_source) < 0.1] ^= 1  # some label noise
    Xt = rng.uniform(-1, 1, size=(n_target, 2))
    yt = (Xt[:, 0] > -0.4).astype(int)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, yt]
    return X, y, _domains(n_source, n_target)


def _voting_start(n_estimators):
    # Paper: rounds ceil(N/2), ..., N (1-based).
    return int(np.ceil(n_estimators / 2)) - 1


# --------------------------------------------------------------------------- #
# The algorithm against its definition (Dai et al. 2007), computed with numpy
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("use_proba", [False, True])
def test_classifier_first_round_matches_paper(use_proba):
    X, y, sd = _small_transfer(seed=1)
    n = len(y)
    source = sd >= 0
    target = ~source
    clf = TrAdaBoostClassifier(
        RecordingTreeClassifier(max_depth=1),
        n_estimators=2,
        use_proba=use_proba,
        random_state=0,
    ).fit(X, y, sample_domain=sd)

    first, second = clf.estimators_
    assert_allclose(first.seen_sample_weight_, np.ones(n))
    if use_proba:
        loss = 1.0 - first.predict_proba(X)[np.arange(n), y]
    else:
        loss = (first.predict(X) != y).astype(float)
    # A case that exercises both updates.
    assert loss[source].max() > 0 and loss[target].max() > 0

    err = loss[target].mean()  # uniform initial weights
    beta_t = err / (1 - err)
    beta = 1 / (1 + np.sqrt(2 * np.log(source.sum()) / 2))
    expected = np.where(source, beta**loss, beta_t ** (-loss))
    expected *= n / expected.sum()
    assert_allclose(second.seen_sample_weight_, expected, rtol=1e-10)
    assert clf.target_errors_[0] == pytest.approx(err)
    assert clf.estimator_weights_[0] == pytest.approx(np.log(1 / beta_t))
    if not use_proba:
        # Misclassified source rows were multiplied by beta, target rows by
        # 1 / beta_t (before the common normalisation).
        ratio = (
            second.seen_sample_weight_
            / second.seen_sample_weight_[source & (loss == 0)][0]
        )
        assert_allclose(ratio[source & (loss == 1)], beta)
        assert_allclose(ratio[target & (loss == 1)], 1 / beta_t)


def test_classifier_multiclass_uses_samme_factor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = np.digitize(X[:, 0] + 0.3 * rng.normal(size=90), [-0.5, 0.5])
    sd = _domains(60, 30)
    clf = TrAdaBoostClassifier(
        DecisionTreeClassifier(max_depth=1), n_estimators=1, use_proba=False
    ).fit(X, y, sample_domain=sd)
    miss = clf.estimators_[0].predict(X[60:]) != y[60:]
    err = miss.mean()
    assert 0 < err < 2 / 3
    # beta_t = err / ((1 - err) (K - 1)) with K = 3 classes.
    assert clf.estimator_weights_[0] == pytest.approx(
        np.log((1 - err) / err) + np.log(2)
    )


@pytest.mark.parametrize("n_estimators", [1, 4, 5])
@pytest.mark.parametrize("use_proba", [False, True])
def test_classifier_prediction_is_second_half_weighted_vote(n_estimators, use_proba):
    X, y, sd = _small_transfer(seed=2)
    clf = TrAdaBoostClassifier(
        DecisionTreeClassifier(max_depth=2),
        n_estimators=n_estimators,
        use_proba=use_proba,
        random_state=0,
    ).fit(X, y, sample_domain=sd)
    start = _voting_start(n_estimators)
    grid = np.random.RandomState(3).uniform(-1, 1, size=(200, 2))
    votes = np.zeros((len(grid), 2))
    for est, a in zip(clf.estimators_[start:], clf.estimator_weights_[start:]):
        if use_proba:
            votes += a * est.predict_proba(grid)
        else:
            votes[np.arange(len(grid)), est.predict(grid)] += a
    votes /= clf.estimator_weights_[start:].sum()
    assert_allclose(clf.predict_proba(grid), votes)
    assert_allclose(clf.decision_function(grid), votes[:, 1] - votes[:, 0])
    # The paper's binary rule: 1 if sum_t a_t h_t(x) >= 1/2 sum_t a_t
    # (exact ties aside, which go to classes_[0] here).
    no_tie = ~np.isclose(votes[:, 1], 0.5)
    paper = (votes[:, 1] >= 0.5).astype(int)
    assert_array_equal(clf.predict(grid)[no_tie], paper[no_tie])


def test_classifier_learning_rate_scales_updates_and_votes():
    X, y, sd = _small_transfer(seed=1)
    kw = {"n_estimators": 2, "use_proba": False, "random_state": 0}
    full = TrAdaBoostClassifier(RecordingTreeClassifier(max_depth=1), **kw)
    half = TrAdaBoostClassifier(
        RecordingTreeClassifier(max_depth=1), learning_rate=0.5, **kw
    )
    full.fit(X, y, sample_domain=sd)
    half.fit(X, y, sample_domain=sd)
    assert half.estimator_weights_[0] == pytest.approx(0.5 * full.estimator_weights_[0])
    # Each factor of the update is raised to the power learning_rate.
    w_full = full.estimators_[1].seen_sample_weight_
    w_half = half.estimators_[1].seen_sample_weight_
    expected = np.sqrt(w_full)
    assert_allclose(w_half, expected * len(y) / expected.sum())


@pytest.mark.parametrize("loss", ["linear", "square", "exponential"])
def test_regressor_first_round_matches_pardoe_stone(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(70, 2))
    y = 2 * X[:, 0] + 0.1 * rng.normal(size=70)
    y[50:] -= 0.5  # the target relation is shifted
    sd = _domains(50, 20)
    source = sd >= 0
    reg = TrAdaBoostRegressor(
        RecordingTreeRegressor(max_depth=2), n_estimators=2, loss=loss
    ).fit(X, y, sample_domain=sd)
    first, second = reg.estimators_
    residual = np.abs(first.predict(X) - y)
    e = residual / residual.max()
    if loss == "square":
        e = e**2
    elif loss == "exponential":
        e = 1 - np.exp(-e)
    err = e[~source].mean()
    assert 0 < err < 0.5
    beta_t = err / (1 - err)
    beta = 1 / (1 + np.sqrt(2 * np.log(50) / 2))
    expected = np.where(source, beta**e, beta_t ** (-e))
    expected *= len(y) / expected.sum()
    assert_allclose(second.seen_sample_weight_, expected, rtol=1e-10)
    assert reg.target_errors_[0] == pytest.approx(err)
    assert reg.estimator_weights_[0] == pytest.approx(np.log(1 / beta_t))


@pytest.mark.parametrize("n_estimators", [1, 4, 7])
def test_regressor_prediction_is_second_half_weighted_median(n_estimators):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(80, 2))
    y = np.sin(3 * X[:, 0]) + 0.2 * rng.normal(size=80)
    reg = TrAdaBoostRegressor(
        DecisionTreeRegressor(max_depth=2),
        n_estimators=n_estimators,
        random_state=0,
    ).fit(X, y, sample_domain=_domains(60, 20))
    start = _voting_start(n_estimators)
    ests = reg.estimators_[start:]
    a = reg.estimator_weights_[start:]
    grid = rng.uniform(-1, 1, size=(50, 2))
    expected = []
    for x in grid:
        preds = np.array([est.predict(x[None])[0] for est in ests])
        # Smallest prediction at which the cumulated weight reaches half.
        for value in np.sort(np.unique(preds)):
            if a[preds <= value].sum() >= 0.5 * a.sum():
                expected.append(value)
                break
    assert_allclose(reg.predict(grid), expected)


# --------------------------------------------------------------------------- #
# Transfer actually helps (synthetic, robust margins over seeds)
# --------------------------------------------------------------------------- #


def test_classifier_beats_source_only_and_target_only():
    scores = []
    for seed in range(4):
        Xs, ys, Xl, yl, Xte, yte = _shifted_classification(seed)
        X = np.vstack([Xs, Xl])
        y = np.r_[ys, yl]
        sd = _domains(len(ys), len(yl))
        src = LogisticRegression().fit(Xs, ys).score(Xte, yte)
        tgt = LogisticRegression().fit(Xl, yl).score(Xte, yte)
        pooled = LogisticRegression().fit(X, y).score(Xte, yte)
        tra = (
            TrAdaBoostClassifier(LogisticRegression(), random_state=0)
            .fit(X, y, sample_domain=sd)
            .score(Xte, yte)
        )
        scores.append((src, tgt, pooled, tra))
    scores = np.array(scores)
    best_baseline = scores[:, :3].max(axis=1)
    # Measured: TrAdaBoost ~0.89 against ~0.80 for every baseline.
    assert np.all(scores[:, 3] > best_baseline + 0.02), scores
    assert scores[:, 3].mean() > best_baseline.mean() + 0.05, scores


def test_regressor_beats_source_only_and_target_only():
    scores = []
    for seed in range(4):
        Xs, ys, Xl, yl, Xte, yte = _shifted_regression(seed)
        X = np.vstack([Xs, Xl])
        y = np.r_[ys, yl]
        sd = _domains(len(ys), len(yl))
        src = Ridge().fit(Xs, ys).score(Xte, yte)
        tgt = Ridge().fit(Xl, yl).score(Xte, yte)
        pooled = Ridge().fit(X, y).score(Xte, yte)
        tra = (
            TrAdaBoostRegressor(Ridge(), random_state=0)
            .fit(X, y, sample_domain=sd)
            .score(Xte, yte)
        )
        scores.append((src, tgt, pooled, tra))
    scores = np.array(scores)
    best_baseline = scores[:, :3].max(axis=1)
    assert np.all(scores[:, 3] > best_baseline + 0.02), scores
    assert scores[:, 3].mean() > best_baseline.mean() + 0.05, scores


# --------------------------------------------------------------------------- #
# Domain contract
# --------------------------------------------------------------------------- #


def test_unlabelled_target_rows_are_ignored():
    X, y, sd = _small_transfer()
    rng = np.random.RandomState(0)
    X_more = np.vstack([X, rng.uniform(-1, 1, size=(30, 2))])
    y_more = np.r_[y, -np.ones(30, dtype=int)]
    sd_more = np.r_[sd, -np.ones(30, dtype=int)]
    a = TrAdaBoostClassifier(random_state=0).fit(X, y, sample_domain=sd)
    b = TrAdaBoostClassifier(random_state=0).fit(X_more, y_more, sample_domain=sd_more)
    assert_allclose(a.predict_proba(X_more), b.predict_proba(X_more))
    assert_array_equal(b.classes_, [0, 1])


def test_regressor_nan_rows_are_unlabelled():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] + 0.1 * rng.normal(size=60)
    sd = _domains(40, 20)
    y_nan = y.copy()
    y_nan[50:] = np.nan
    a = TrAdaBoostRegressor(random_state=0).fit(X[:50], y[:50], sample_domain=sd[:50])
    b = TrAdaBoostRegressor(random_state=0).fit(X, y_nan, sample_domain=sd)
    assert_allclose(a.predict(X), b.predict(X))
    lab = ~np.isnan(y_nan)
    assert b.score(X, y_nan) == pytest.approx(b.score(X[lab], y[lab]))


@pytest.mark.parametrize("Est", [TrAdaBoostClassifier, TrAdaBoostRegressor])
def test_no_labelled_target_rows_warns_and_boosts_all_rows(Est):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int) if Est is TrAdaBoostClassifier else X[:, 0]
    with pytest.warns(NoLabelledTargetWarning, match="no labelled target rows"):
        implicit = Est(random_state=0).fit(X, y)
    # Every labelled row is reweighted as a same-distribution row: the same
    # as declaring every row a labelled target row (no source rows).
    with pytest.warns(OneDomainWarning, match="no source rows"):
        all_target = Est(random_state=0).fit(
            X, y, sample_domain=-np.ones(60, dtype=int)
        )
    assert_allclose(implicit.predict(X), all_target.predict(X))
    assert_allclose(implicit.estimator_weights_, all_target.estimator_weights_)


def test_with_labelled_target_rows_no_warning():
    X, y, sd = _small_transfer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TrAdaBoostClassifier(random_state=0).fit(X, y, sample_domain=sd)


def test_string_labels_and_object_y_with_unlabelled_rows():
    X, y, sd = _small_transfer()
    names = np.array(["neg", "pos"], dtype=object)[y]
    y_obj = np.r_[names, np.array([-1, -1], dtype=object)]
    X_obj = np.vstack([X, X[:2]])
    sd_obj = np.r_[sd, [-1, -1]]
    clf = TrAdaBoostClassifier(random_state=0).fit(X_obj, y_obj, sample_domain=sd_obj)
    assert_array_equal(clf.classes_, ["neg", "pos"])
    ref = TrAdaBoostClassifier(random_state=0).fit(X, y, sample_domain=sd)
    assert_array_equal(clf.predict(X), np.array(["neg", "pos"])[ref.predict(X)])
    assert clf.score(X_obj, y_obj, sample_domain=sd_obj) == pytest.approx(
        ref.score(X, y)
    )


def test_score_ignores_unlabelled_rows():
    X, y, sd = _small_transfer()
    clf = TrAdaBoostClassifier(random_state=0).fit(X, y, sample_domain=sd)
    y_part = y.copy()
    y_part[::3] = -1
    lab = y_part != -1
    assert clf.score(X, y_part) == pytest.approx(np.mean(clf.predict(X[lab]) == y[lab]))
    w = np.linspace(0.1, 1, len(y))
    assert clf.score(X, y_part, sample_weight=w) == pytest.approx(
        np.average(clf.predict(X[lab]) == y[lab], weights=w[lab])
    )


def test_caller_y_and_sample_domain_not_modified():
    X, y, sd = _small_transfer()
    y_obj = y.astype(object)
    y_obj[-2:] = -1
    before_y, before_sd = y_obj.copy(), sd.copy()
    TrAdaBoostClassifier(random_state=0).fit(X, y_obj, sample_domain=sd)
    assert_array_equal(y_obj, before_y)
    assert_array_equal(sd, before_sd)


def test_sample_weight_zero_rows_are_left_out():
    X, y, sd = _small_transfer()
    w = np.ones(len(y))
    w[:10] = 0
    a = TrAdaBoostClassifier(random_state=0).fit(
        X, y, sample_domain=sd, sample_weight=w
    )
    b = TrAdaBoostClassifier(random_state=0).fit(X[10:], y[10:], sample_domain=sd[10:])
    assert_allclose(a.predict_proba(X), b.predict_proba(X))


# --------------------------------------------------------------------------- #
# Estimator API
# --------------------------------------------------------------------------- #


def test_predict_proba_rows_sum_to_one_and_match_predict():
    X, y, sd = _small_transfer()
    for use_proba in (False, True):
        clf = TrAdaBoostClassifier(use_proba=use_proba, random_state=0)
        clf.fit(X, y, sample_domain=sd)
        proba = clf.predict_proba(X)
        assert proba.shape == (len(y), 2)
        assert np.all((proba >= 0) & (proba <= 1))
        assert_allclose(proba.sum(axis=1), 1.0)
        assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_fitted_attributes():
    X, y, sd = _small_transfer()
    clf = TrAdaBoostClassifier(n_estimators=6, random_state=0)
    clf.fit(X, y, sample_domain=sd)
    assert len(clf.estimators_) == 6
    assert clf.estimator_weights_.shape == (6,)
    assert clf.target_errors_.shape == (6,)
    assert np.all(clf.estimator_weights_ > 0)
    assert np.all((clf.target_errors_ >= 0) & (clf.target_errors_ <= 1))
    assert clf.n_features_in_ == 2


def test_random_state_seeds_base_estimators():
    X, y, sd = _small_transfer()
    est = DecisionTreeClassifier(max_depth=2, max_features=1)
    a = TrAdaBoostClassifier(est, random_state=3).fit(X, y, sample_domain=sd)
    b = TrAdaBoostClassifier(est, random_state=3).fit(X, y, sample_domain=sd)
    seeds = [e.random_state for e in a.estimators_]
    assert all(isinstance(s, int | np.integer) for s in seeds)
    assert len(set(seeds)) == len(seeds)
    assert seeds == [e.random_state for e in b.estimators_]
    assert_allclose(a.predict_proba(X), b.predict_proba(X))
    assert est.random_state is None  # the parameter is not touched


@pytest.mark.parametrize("Est", [TrAdaBoostClassifier, TrAdaBoostRegressor])
def test_pickle_and_clone(Est):
    X, y, sd = _small_transfer()
    est = Est(n_estimators=4, random_state=0).fit(X, y, sample_domain=sd)
    restored = pickle.loads(pickle.dumps(est))
    assert_allclose(restored.predict(X), est.predict(X))
    cloned = clone(est)
    assert not hasattr(cloned, "estimators_")
    assert cloned.get_params() == est.get_params()


def test_sparse_input_matches_dense():
    X, y, sd = _small_transfer()
    dense = TrAdaBoostClassifier(random_state=0).fit(X, y, sample_domain=sd)
    sp = TrAdaBoostClassifier(random_state=0).fit(
        sparse.csr_matrix(X), y, sample_domain=sd
    )
    assert_allclose(sp.predict_proba(sparse.csr_matrix(X)), dense.predict_proba(X))


def test_hard_votes_without_predict_proba_estimator():
    X, y, sd = _small_transfer()
    clf = TrAdaBoostClassifier(LinearSVC(), use_proba=False, random_state=0)
    clf.fit(X, y, sample_domain=sd)
    assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


# --------------------------------------------------------------------------- #
# Pipeline, GridSearchCV, metadata routing
# --------------------------------------------------------------------------- #


def test_grid_search_with_metadata_routing():
    Xs, ys, Xl, yl, _, _ = _shifted_classification(0, n_source=200, n_target=40)
    X = np.vstack([Xs, Xl])
    y = np.r_[ys, yl]
    sd = _domains(len(ys), len(yl))
    pipe = make_pipeline(
        StandardScaler(), TrAdaBoostClassifier(LogisticRegression(), random_state=0)
    )
    with config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            pipe, {"tradaboostclassifier__n_estimators": [2, 4]}, cv=3
        )
        with warnings.catch_warnings():
            # A fold may hold no labelled target row: that fold warns.
            warnings.simplefilter("ignore", UserWarning)
            search.fit(X, y, sample_domain=sd)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        routed = search.best_estimator_
    # The routed fit used sample_domain: same model as a direct fit.
    best_n = search.best_params_["tradaboostclassifier__n_estimators"]
    direct = make_pipeline(
        StandardScaler(),
        TrAdaBoostClassifier(LogisticRegression(), n_estimators=best_n, random_state=0),
    ).fit(X, y, tradaboostclassifier__sample_domain=sd)
    assert_allclose(routed.predict_proba(X), direct.predict_proba(X))


def test_pipeline_without_routing_uses_step_param():
    X, y, sd = _small_transfer()
    pipe = make_pipeline(StandardScaler(), TrAdaBoostClassifier(random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # labelled target rows: no fallback
        pipe.fit(X, y, tradaboostclassifier__sample_domain=sd)
    ref = TrAdaBoostClassifier(random_state=0).fit(
        StandardScaler().fit_transform(X), y, sample_domain=sd
    )
    assert_allclose(pipe[-1].estimator_weights_, ref.estimator_weights_)


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("Est", [TrAdaBoostClassifier, TrAdaBoostRegressor])
def test_wrong_sample_domain_length(Est):
    X, y, sd = _small_transfer()
    with pytest.raises(ValueError, match="sample_domain has 5 entries"):
        Est().fit(X, y, sample_domain=sd[:5])


def test_minus_one_labels_are_a_documented_error():
    # {-1, +1} labels: -1 marks an unlabelled row (the reason
    # check_classifiers_classes is an expected failure). Both errors point to
    # relabelling.
    X, y, sd = _small_transfer()
    y_pm = np.where(y == 1, 1, -1)
    with pytest.raises(ValueError, match="single class.*Relabel"):
        TrAdaBoostClassifier().fit(X, y_pm)
    with pytest.raises(ValueError, match="cannot tell labelled.*Relabel"):
        TrAdaBoostClassifier().fit(X, y_pm, sample_domain=sd)
    # Source rows alone may use -1 as a class when sample_domain is given.
    source = sd >= 0
    clf = TrAdaBoostClassifier(random_state=0)
    with pytest.warns(NoLabelledTargetWarning, match="no labelled target rows"):
        clf.fit(X[source], y_pm[source], sample_domain=sd[source])
    assert_array_equal(clf.classes_, [-1, 1])


def test_one_class():
    X, y, sd = _small_transfer()
    with pytest.raises(ValueError, match="one class"):
        TrAdaBoostClassifier().fit(X, np.ones_like(y), sample_domain=sd)


def test_continuous_y_for_classifier():
    X, y, sd = _small_transfer()
    with pytest.raises(ValueError, match="Unknown label type"):
        TrAdaBoostClassifier().fit(X, y + 0.5, sample_domain=sd)


@pytest.mark.parametrize("Est", [TrAdaBoostClassifier, TrAdaBoostRegressor])
def test_nan_in_X(Est):
    X, y, sd = _small_transfer()
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est().fit(X, y, sample_domain=sd)


def test_infinite_regression_target():
    X, y, sd = _small_transfer()
    y = y.astype(float)
    y[0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        TrAdaBoostRegressor().fit(X, y, sample_domain=sd)


@pytest.mark.parametrize(
    "Est, base",
    [
        (TrAdaBoostClassifier, KNeighborsClassifier()),
        (TrAdaBoostRegressor, KNeighborsRegressor()),
    ],
)
def test_estimator_without_sample_weight(Est, base):
    X, y, sd = _small_transfer()
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        Est(base).fit(X, y, sample_domain=sd)


def test_use_proba_needs_predict_proba():
    X, y, sd = _small_transfer()
    with pytest.raises(TypeError, match="LinearSVC has no predict_proba"):
        TrAdaBoostClassifier(LinearSVC()).fit(X, y, sample_domain=sd)


def test_all_zero_sample_weight():
    X, y, sd = _small_transfer()
    # Zero everywhere: scikit-learn >= 1.7 says so itself.
    with pytest.raises(ValueError, match="non-zero|sample_weight is zero"):
        TrAdaBoostClassifier().fit(
            X, y, sample_domain=sd, sample_weight=np.zeros(len(y))
        )
    # Zero on every labelled row, positive on the unlabelled ones: ours.
    y = y.copy()
    y[-5:] = -1
    with pytest.raises(ValueError, match="sample_weight is zero"):
        TrAdaBoostClassifier().fit(
            X, y, sample_domain=sd, sample_weight=(y == -1).astype(float)
        )


@pytest.mark.parametrize(
    "Est, params, match",
    [
        (TrAdaBoostClassifier, {"n_estimators": 0}, "n_estimators"),
        (TrAdaBoostClassifier, {"learning_rate": 0.0}, "learning_rate"),
        (TrAdaBoostClassifier, {"use_proba": "yes"}, "use_proba"),
        (TrAdaBoostClassifier, {"estimator": "tree"}, "estimator"),
        (TrAdaBoostRegressor, {"loss": "huber"}, "loss"),
        (TrAdaBoostRegressor, {"n_estimators": 2.5}, "n_estimators"),
    ],
)
def test_invalid_params(Est, params, match):
    X, y, sd = _small_transfer()
    with pytest.raises(InvalidParameterError, match=match):
        Est(**params).fit(X, y, sample_domain=sd)


def test_predict_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TrAdaBoostClassifier().predict([[0.0, 0.0]])
    with pytest.raises(NotFittedError):
        TrAdaBoostRegressor().predict([[0.0, 0.0]])


# --------------------------------------------------------------------------- #
# Real data: the bundled sentiment domains
# --------------------------------------------------------------------------- #


@pytest.mark.slow
def test_sentiment_domains_transfer():
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sktransfer.datasets import load_sentiment_domains

    bunch = load_sentiment_domains()
    data = np.asarray(bunch.data, dtype=object)
    target = np.asarray(bunch.target)
    domain = np.asarray(bunch.domain)
    results = []
    for seed in range(3):
        rng = np.random.RandomState(seed)
        src = rng.permutation(np.flatnonzero(domain == "movie_reviews"))[:2000]
        tgt = rng.permutation(np.flatnonzero(domain == "tweets"))
        lab, test = tgt[:200], tgt[200:1700]
        docs = np.concatenate([data[src], data[tgt[:1700]]])
        vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs)
        svd = TruncatedSVD(100, random_state=0).fit(vec.transform(docs))

        def features(idx, vec=vec, svd=svd):
            return svd.transform(vec.transform(data[idx]))

        Xs, Xl, Xte = features(src), features(lab), features(test)
        ys, yl, yte = target[src], target[lab], target[test]
        X = np.vstack([Xs, Xl])
        y = np.r_[ys, yl]
        sd = _domains(len(ys), len(yl))
        lr = LogisticRegression(max_iter=1000)
        src_only = clone(lr).fit(Xs, ys).score(Xte, yte)
        tgt_only = clone(lr).fit(Xl, yl).score(Xte, yte)
        tra = (
            TrAdaBoostClassifier(clone(lr), random_state=seed)
            .fit(X, y, sample_domain=sd)
            .score(Xte, yte)
        )
        results.append((src_only, tgt_only, tra))
    results = np.array(results)
    # Only the robust part is asserted (see the report for all numbers).
    assert np.all(results[:, 2] > results[:, 0] + 0.1), results
    assert results[:, 2].mean() > results[:, 1].mean(), results
