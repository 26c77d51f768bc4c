import math

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import fbeta_score, get_scorer, make_scorer
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.metadata_routing import get_routing_for_object

from sktransfer.adaptation import (
    DiscriminativeWeighting,
    DomainAwareClassifier,
    DomainAwareRegressor,
)
from sktransfer.model_selection import (
    DomainShuffleSplit,
    DomainStratifiedKFold,
    importance_weighted_scorer,
    prediction_entropy_scorer,
    reverse_validation_scorer,
)

SCORERS = [
    importance_weighted_scorer(),
    prediction_entropy_scorer(),
    reverse_validation_scorer(),
]


def _ids(scorer):
    return repr(scorer).split("(")[0]


def _shifted_data(n_source=60, n_target=40, seed=0):
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(0, 1, (n_source, 2)), rng.normal(0.7, 1, (n_target, 2))]
    labels = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=X.shape[0]) > 0).astype(int)
    y = np.r_[labels[:n_source], np.full(n_target, -1)]
    return X, y, labels


def _pipe(C=1.0):
    return make_pipeline(
        StandardScaler(), DomainAwareClassifier(LogisticRegression(C=C))
    )


# --------------------------------------------------------------------------- #
# Stubs with known outputs (BaseEstimator so that the scorers can clone them)
# --------------------------------------------------------------------------- #


class ProbaInColumns(ClassifierMixin, BaseEstimator):
    """'Predicts' the probabilities stored in X itself."""

    def fit(self, X, y=None):
        self.classes_ = np.arange(np.asarray(X).shape[1])
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class PredictColumn0(ClassifierMixin, BaseEstimator):
    """Predicts the label stored in column 0 of X."""

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0].astype(int)


class Proba1InColumn0(ClassifierMixin, BaseEstimator):
    """P(class 1) is column 0 of X."""

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = np.asarray(X, dtype=float)[:, 0]
        return np.c_[1 - p, p]

    def predict(self, X):
        return (np.asarray(X, dtype=float)[:, 0] > 0.5).astype(int)


class RegressColumn0(RegressorMixin, BaseEstimator):
    """Predicts the value stored in column 0 of X."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


class WeightsInColumn1(BaseEstimator):
    """A weighting whose weights are column 1 of the features it is fitted on."""

    def fit(self, X, y=None, *, sample_domain=None):
        self.weights_ = np.asarray(X, dtype=float)[:, 1].copy()
        return self


# --------------------------------------------------------------------------- #
# Prediction entropy
# --------------------------------------------------------------------------- #


def test_prediction_entropy_hand_computed():
    proba = np.array(
        [[0.9, 0.1], [0.5, 0.5], [1.0, 0.0], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]]
    )
    y = np.array([0, 1, 1, -1, -1, -1])  # rows 3, 4, 5 are target
    est = ProbaInColumns().fit(proba)

    def entropy(p):
        return -sum(v * math.log(v) for v in p if v > 0)

    expected = -(entropy([0.2, 0.8]) + entropy([0.6, 0.4]) + entropy([0.7, 0.3])) / 3
    scorer = prediction_entropy_scorer()
    assert scorer(est, proba, y) == pytest.approx(expected, rel=1e-12)
    assert scorer(est, proba, y) == scorer(est, proba, y)  # stateless
    # With explicit domains, the target rows are those of negative domains,
    # labelled or not.
    sd = np.array([0, 0, -1, -1, -1, 0])
    expected_sd = -(entropy([1.0, 0.0]) + entropy([0.2, 0.8]) + entropy([0.6, 0.4])) / 3
    y_sd = np.array([0, 1, 1, -1, -1, 0])
    assert scorer(est, proba, y_sd, sample_domain=sd) == pytest.approx(expected_sd)
    # Bounds: 0 for one-hot predictions, -log(K) for uniform ones.
    uniform = np.full((4, 3), 1 / 3)
    assert scorer(
        ProbaInColumns().fit(uniform), uniform, np.array([0, 1, -1, -1])
    ) == pytest.approx(-math.log(3))


def test_prediction_entropy_errors():
    X, y, _ = _shifted_data()
    model = _pipe().fit(X, y)
    scorer = prediction_entropy_scorer()
    with pytest.raises(ValueError, match="found no target rows in this fold"):
        scorer(model, X[:60], y[:60])
    svc = make_pipeline(StandardScaler(), DomainAwareClassifier(LinearSVC()))
    with pytest.raises(TypeError, match="needs an estimator with predict_proba"):
        scorer(svc.fit(X, y), X, y)
    with pytest.raises(ValueError, match="sample_domain has 3 entries"):
        scorer(model, X, y, sample_domain=[0, 0, -1])


# --------------------------------------------------------------------------- #
# Importance-weighted validation
# --------------------------------------------------------------------------- #


def test_importance_weighted_known_weights():
    # Column 0: the prediction of PredictColumn0; column 1: the row's weight.
    X = np.array(
        [
            [1, 2.0],  # source, y=1: right, weight 2
            [0, 1.0],  # source, y=1: wrong, weight 1
            [0, 3.0],  # source, y=0: right, weight 3
            [1, 4.0],  # source, y=0: wrong, weight 4
            [1, 9.0],  # target
            [0, 9.0],  # target
        ]
    )
    y = np.array([1, 1, 0, 0, -1, -1])
    est = PredictColumn0().fit(X)
    scorer = importance_weighted_scorer(weighting=WeightsInColumn1())
    expected = (2.0 + 3.0) / (2.0 + 1.0 + 3.0 + 4.0)
    assert scorer(est, X, y) == pytest.approx(expected)
    assert scorer(est, X, y) == scorer(est, X, y)
    # Weights are estimated on the pipeline's features: with a first step that
    # squares them, the weights become 4, 1, 9, 16.
    pipe = make_pipeline(FunctionTransformer(np.square), PredictColumn0()).fit(X)
    assert scorer(pipe, X, y) == pytest.approx((4 + 9) / (4 + 1 + 9 + 16))
    # A metric callable receives the weights.
    calls = []

    def metric(y_true, y_pred, sample_weight=None):
        calls.append(sample_weight)
        return float(np.sum(sample_weight))

    assert importance_weighted_scorer(WeightsInColumn1(), metric)(
        est, X, y
    ) == pytest.approx(10.0)
    np.testing.assert_allclose(calls[0], [2.0, 1.0, 3.0, 4.0])


def test_importance_weighted_default_is_domain_classifier_ratio():
    X, y, labels = _shifted_data()
    model = _pipe().fit(X, y)
    value = importance_weighted_scorer()(model, X, y)
    # Independent computation of the paper's estimator with a logistic
    # domain classifier on the pipeline's features (the scaler of the
    # pipeline was fitted on source and target rows together).
    Z = StandardScaler().fit(X).transform(X)
    clf = LogisticRegression(max_iter=1000).fit(Z, (y == -1).astype(int))
    p = clf.predict_proba(Z[y != -1])[:, 1]
    w = (60 / 40) * p / (1 - p)
    right = model.predict(X[y != -1]) == y[y != -1]
    assert value == pytest.approx(np.sum(w * right) / np.sum(w))
    # A classifier given as weighting is used as the domain classifier.
    smooth = importance_weighted_scorer(weighting=LogisticRegression(C=1e-8))
    # Near-constant probabilities: weights ~ 1, so plain source accuracy.
    assert smooth(model, X, y) == pytest.approx(np.mean(right), abs=1e-3)


def test_importance_weighted_without_shift_matches_source_accuracy():
    X, y, _ = _shifted_data()
    Xs = X[y != -1]
    X2 = np.r_[Xs, Xs]  # the target is a copy of the source
    y2 = np.r_[y[y != -1], np.full(Xs.shape[0], -1)]
    model = _pipe().fit(X2, y2)
    accuracy = np.mean(model.predict(Xs) == y[y != -1])
    value = importance_weighted_scorer()(model, X2, y2)
    assert value == pytest.approx(accuracy, abs=1e-6)


def test_importance_weighted_text_pipeline_and_regression():
    docs = ["good film", "bad film", "great plot", "awful plot"] * 3 + [
        "good phone",
        "bad phone",
        "great battery",
        "awful battery",
    ]
    y = np.array([1, 0, 1, 0] * 3 + [-1] * 4)
    pipe = make_pipeline(TfidfVectorizer(), DomainAwareClassifier(LogisticRegression()))
    pipe.fit(docs, y)
    value = importance_weighted_scorer()(pipe, docs, y)
    assert 0.0 <= value <= 1.0
    # Raw documents without a feature step: a clear error.
    clf_on_docs = DomainAwareClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression())
    ).fit(docs, y)
    with pytest.raises(TypeError, match="got raw documents"):
        importance_weighted_scorer()(clf_on_docs, docs, y)
    # Regression: NaN marks target rows, r2 is weighted.
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(1, 1, (20, 2))]
    y_reg = np.r_[X[:30, 0] * 2 + 0.1 * rng.normal(size=30), np.full(20, np.nan)]
    reg = DomainAwareRegressor(Ridge()).fit(X, y_reg)
    r2 = importance_weighted_scorer(metric="r2")(reg, X, y_reg)
    mse = importance_weighted_scorer(metric="neg_mean_squared_error")(reg, X, y_reg)
    assert 0.9 < r2 <= 1.0 and -0.1 < mse < 0


@pytest.mark.parametrize(
    "metric", ["balanced_accuracy", "f1_macro", "neg_log_loss", "roc_auc"]
)
def test_importance_weighted_metrics(metric):
    X, y, _ = _shifted_data()
    model = _pipe().fit(X, y)
    value = importance_weighted_scorer(metric=metric)(model, X, y)
    assert np.isfinite(value)
    if metric != "neg_log_loss":
        assert 0.0 <= value <= 1.0
    else:
        assert value < 0


def test_importance_weighted_errors():
    X, y, _ = _shifted_data()
    model = _pipe().fit(X, y)
    with pytest.raises(ValueError, match="found no target rows"):
        importance_weighted_scorer()(model, X[:60], y[:60])
    with pytest.raises(ValueError, match="found no labelled source rows"):
        importance_weighted_scorer()(model, X[60:], y[60:])
    with pytest.raises(ValueError, match="metric must be one of"):
        importance_weighted_scorer(metric="precision_at_k")
    with pytest.raises(TypeError, match="weighting must be None, a classifier"):
        importance_weighted_scorer(weighting="kmm")
    svc = make_pipeline(StandardScaler(), DomainAwareClassifier(LinearSVC()))
    with pytest.raises(TypeError, match="needs predict_proba"):
        importance_weighted_scorer(metric="neg_log_loss")(svc.fit(X, y), X, y)


# Column 0: the prediction of PredictColumn0; column 1: the row's weight.
KNOWN_X = np.array([[1, 2.0], [0, 1.0], [0, 3.0], [1, 4.0], [1, 9.0], [0, 9.0]])
KNOWN_Y = np.array([1, 1, 0, 0, -1, -1])


@pytest.mark.parametrize(
    "metric, expected",
    [
        # recall of class 1: 2 / (2 + 1); of class 0: 3 / (3 + 4).
        ("balanced_accuracy", (2 / 3 + 3 / 7) / 2),
        # class 1: precision 2 / (2 + 4), recall 2 / 3, F1 4 / 9; class 0:
        # precision 3 / (3 + 1), recall 3 / 7, F1 6 / 11.
        ("f1_macro", (4 / 9 + 6 / 11) / 2),
        ("precision_macro", (2 / 6 + 3 / 4) / 2),
        ("accuracy", 5 / 10),
    ],
)
def test_importance_weighted_scorer_names_hand_computed(metric, expected):
    est = PredictColumn0().fit(KNOWN_X)
    scorer = importance_weighted_scorer(weighting=WeightsInColumn1(), metric=metric)
    assert scorer(est, KNOWN_X, KNOWN_Y) == pytest.approx(expected, rel=1e-12)


def test_importance_weighted_log_loss_and_regression_hand_computed():
    # Column 0: P(class 1) (or the regression prediction); column 1: weight.
    X = np.array([[0.8, 1.0], [0.4, 2.0], [0.3, 3.0], [0.5, 7.0], [0.9, 5.0]])
    y = np.array([1, 1, 0, -1, -1])
    w, p, labels = X[:3, 1], X[:3, 0], y[:3]
    loss = -np.sum(w * np.log(np.where(labels == 1, p, 1 - p))) / np.sum(w)
    scorer = importance_weighted_scorer(WeightsInColumn1(), "neg_log_loss")
    assert scorer(Proba1InColumn0().fit(X), X, y) == pytest.approx(-loss, rel=1e-12)

    y_reg = np.array([1.0, 0.0, 0.5, np.nan, np.nan])
    err = y_reg[:3] - p
    mae = np.sum(w * np.abs(err)) / np.sum(w)
    mean = np.sum(w * y_reg[:3]) / np.sum(w)
    r2 = 1 - np.sum(w * err**2) / np.sum(w * (y_reg[:3] - mean) ** 2)
    reg = RegressColumn0().fit(X)
    for metric, expected in [
        ("neg_mean_absolute_error", -mae),
        ("neg_root_mean_squared_error", -np.sqrt(np.sum(w * err**2) / np.sum(w))),
        ("r2", r2),
    ]:
        scorer = importance_weighted_scorer(WeightsInColumn1(), metric)
        assert scorer(reg, X, y_reg) == pytest.approx(expected, rel=1e-12), metric


def test_importance_weighted_scorer_objects():
    est = PredictColumn0().fit(KNOWN_X)
    # A scorer object gets the weights as sample_weight, also with routing on.
    f2 = make_scorer(fbeta_score, beta=2)
    expected = fbeta_score(
        KNOWN_Y[:4], KNOWN_X[:4, 0].astype(int), beta=2, sample_weight=KNOWN_X[:4, 1]
    )
    scorer = importance_weighted_scorer(WeightsInColumn1(), f2)
    assert scorer(est, KNOWN_X, KNOWN_Y) == pytest.approx(expected, rel=1e-12)
    with sklearn.config_context(enable_metadata_routing=True):
        assert scorer(est, KNOWN_X, KNOWN_Y) == pytest.approx(expected, rel=1e-12)
    balanced = importance_weighted_scorer(WeightsInColumn1(), "balanced_accuracy")
    by_object = importance_weighted_scorer(
        WeightsInColumn1(), get_scorer("balanced_accuracy")
    )
    assert by_object(est, KNOWN_X, KNOWN_Y) == balanced(est, KNOWN_X, KNOWN_Y)


@pytest.mark.parametrize("weighting", [None, LogisticRegression(C=0.1)])
@pytest.mark.parametrize("explicit", [False, True])
def test_importance_weights_are_discriminative_weighting(weighting, explicit):
    X, y, _ = _shifted_data()
    sd = np.where(y == -1, -1, 0) if explicit else None
    model = _pipe().fit(X, y)
    seen = []

    def metric(y_true, y_pred, sample_weight=None):
        seen.append(sample_weight)
        return 0.0

    importance_weighted_scorer(weighting, metric)(model, X, y, sample_domain=sd)
    Z = model[:-1].transform(X)
    classifier = LogisticRegression(max_iter=1000) if weighting is None else weighting
    dw = DiscriminativeWeighting(classifier, clip=None).fit(Z, y, sample_domain=sd)
    np.testing.assert_allclose(seen[0], dw.weights_[y != -1], rtol=1e-12)


def test_importance_weights_are_not_clipped():
    # Three source rows deep in the target domain get weights far above
    # DiscriminativeWeighting's default clip=10.
    rng = np.random.RandomState(0)
    source = np.r_[rng.normal(0, 1, (57, 1)), [[4.0], [5.0], [6.0]]]
    X = np.r_[source, rng.normal(3, 1, (40, 1))]
    y = np.r_[(X[:60, 0] > 0).astype(int), np.full(40, -1)]
    model = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    seen = []

    def metric(y_true, y_pred, sample_weight=None):
        seen.append(sample_weight)
        return 0.0

    importance_weighted_scorer(metric=metric)(model, X, y)
    clf = LogisticRegression(max_iter=1000).fit(X, (y == -1).astype(int))
    p = clf.predict_proba(X[:60])[:, 1]
    np.testing.assert_allclose(seen[0], (60 / 40) * p / (1 - p), rtol=1e-10)
    assert np.sum(seen[0] > 10) == 3


def test_importance_weighted_with_a_weighting_object():
    X, y, _ = _shifted_data()
    model = _pipe().fit(X, y)
    clipped = DiscriminativeWeighting(clip=2.0)
    seen = []

    def metric(y_true, y_pred, sample_weight=None):
        seen.append(sample_weight)
        return 0.0

    importance_weighted_scorer(clipped, metric)(model, X, y)
    Z = model[:-1].transform(X)
    expected = DiscriminativeWeighting(clip=2.0).fit(Z, y).weights_[y != -1]
    np.testing.assert_allclose(seen[0], expected, rtol=1e-12)
    assert seen[0].max() == 2.0
    assert not hasattr(clipped, "weights_")  # cloned, not fitted in place


@pytest.mark.parametrize(
    "factory", [importance_weighted_scorer, reverse_validation_scorer]
)
def test_invalid_metric_is_a_clear_error(factory):
    name = factory.__name__
    with pytest.raises(ValueError, match=f"{name}: metric must be one of") as info:
        factory(metric="f1_marco")
    assert "get_scorer_names()" in str(info.value)
    assert "Did you mean 'f1_macro'?" in str(info.value)
    assert "'f1_marco'" in str(info.value)
    with pytest.raises(ValueError, match=f"{name}: metric must be one of"):
        factory(metric=3)
    with pytest.raises(ValueError, match=f"{name}: metric must be one of"):
        factory(metric=None)


# --------------------------------------------------------------------------- #
# Reverse validation
# --------------------------------------------------------------------------- #


def _one_nn(n_neighbors=1):
    return DomainAwareClassifier(KNeighborsClassifier(n_neighbors=n_neighbors))


REVERSE_X = np.array([[0.0], [1.0], [6.0], [10.0], [11.0], [0.4], [2.0], [10.6]])
REVERSE_Y = np.array([0, 0, 1, 1, 1, -1, -1, -1])


def test_reverse_validation_hand_computed():
    # 1-NN on the source labels the targets 0.4 -> 0, 2.0 -> 0 (nearest 1.0),
    # 10.6 -> 1. 1-NN fitted on those pseudo-labels labels the sources
    # 0 -> 0, 1 -> 0, 6 -> 0 (nearest 2.0: wrong), 10 -> 1, 11 -> 1: 4 / 5.
    model = _one_nn().fit(REVERSE_X, REVERSE_Y)
    scorer = reverse_validation_scorer()
    assert scorer(model, REVERSE_X, REVERSE_Y) == pytest.approx(0.8)
    assert scorer(model, REVERSE_X, REVERSE_Y) == pytest.approx(0.8)
    # balanced accuracy: class 0 2/2 right, class 1 2/3 right.
    balanced = reverse_validation_scorer(metric="balanced_accuracy")
    assert balanced(model, REVERSE_X, REVERSE_Y) == pytest.approx((1 + 2 / 3) / 2)


def test_reverse_validation_single_pseudo_class():
    # 5-NN on 5 source rows predicts the majority class 1 everywhere: the
    # reversed model then predicts 1 for every source row, 3 / 5 right.
    model = _one_nn(n_neighbors=5).fit(REVERSE_X, REVERSE_Y)
    assert np.all(model.predict(REVERSE_X[5:]) == 1)
    assert reverse_validation_scorer()(model, REVERSE_X, REVERSE_Y) == pytest.approx(
        0.6
    )
    auc = reverse_validation_scorer(metric="roc_auc")
    assert auc(model, REVERSE_X, REVERSE_Y) == pytest.approx(0.5)


def test_reverse_validation_explicit_domains_swap_roles():
    model = _one_nn().fit(REVERSE_X, REVERSE_Y)
    # Targets carry (hidden) labels; with sample_domain they stay target rows.
    y_labelled = np.array([0, 0, 1, 1, 1, 0, 1, 1])
    sd = np.array([0, 0, 0, 0, 0, -1, -1, -1])
    scorer = reverse_validation_scorer()
    assert scorer(model, REVERSE_X, y_labelled, sample_domain=sd) == pytest.approx(0.8)
    # -1 as a real class works with explicit domains (passed to the reversed
    # fit because DomainAwareClassifier.fit takes sample_domain).
    y_pm = np.r_[np.where(y_labelled[:5] == 0, -1, 1), [-1, -1, -1]]
    model_pm = _one_nn().fit(REVERSE_X, y_pm, sample_domain=sd)
    assert scorer(model_pm, REVERSE_X, y_pm, sample_domain=sd) == pytest.approx(0.8)


def test_reverse_validation_stateless_and_seeded():
    X, y, _ = _shifted_data()
    forest = DomainAwareClassifier(RandomForestClassifier(n_estimators=5))
    model = forest.fit(X, y)
    before = model.predict(X)
    params = model.get_params()
    scorer = reverse_validation_scorer(random_state=0)
    first = scorer(model, X, y)
    assert scorer(model, X, y) == first
    # The scored model is untouched.
    np.testing.assert_array_equal(model.predict(X), before)
    assert model.get_params() == params
    assert model.estimator.random_state is None


def test_reverse_validation_regression():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(0.5, 1, (20, 2))]
    y = np.r_[X[:30] @ [1.0, -2.0], np.full(20, np.nan)]
    reg = DomainAwareRegressor(Ridge(alpha=1e-3)).fit(X, y)
    # Exact linear pseudo-labels let the reversed Ridge recover the model.
    assert reverse_validation_scorer(metric="r2")(reg, X, y) == pytest.approx(
        1.0, abs=1e-4
    )


@pytest.mark.parametrize(
    "metric, expected",
    [
        # Reversed 1-NN labels the sources 0, 0, 0, 1, 1 (true 0, 0, 1, 1, 1):
        # class 0 precision 2 / 3, recall 1; class 1 precision 1, recall 2 / 3.
        ("f1_macro", 0.8),
        ("precision_macro", (2 / 3 + 1) / 2),
        ("recall_macro", (1 + 2 / 3) / 2),
        ("f1", 0.8),
        ("jaccard", 2 / 3),
        (make_scorer(fbeta_score, beta=2), 5 * (2 / 3) / (4 + 2 / 3)),
    ],
)
def test_reverse_validation_scorer_names_hand_computed(metric, expected):
    model = _one_nn().fit(REVERSE_X, REVERSE_Y)
    scorer = reverse_validation_scorer(metric=metric)
    assert scorer(model, REVERSE_X, REVERSE_Y) == pytest.approx(expected, rel=1e-12)


def test_reverse_validation_regression_scorer_names():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 1, (30, 2)), rng.normal(0.5, 1, (20, 2))]
    y = np.r_[X[:30] @ [1.0, -2.0] + 0.5 * rng.normal(size=30), np.full(20, np.nan)]
    reg = DomainAwareRegressor(Ridge(alpha=10.0)).fit(X, y)
    # The procedure, independently: fit on the target's predictions, score
    # on the source rows.
    y_rev = np.r_[np.full(30, np.nan), reg.predict(X[30:])]
    reverse = DomainAwareRegressor(Ridge(alpha=10.0)).fit(X, y_rev)
    err = y[:30] - reverse.predict(X[:30])
    for metric, expected in [
        ("neg_mean_absolute_error", -np.mean(np.abs(err))),
        ("neg_mean_squared_error", -np.mean(err**2)),
        ("r2", 1 - np.sum(err**2) / np.sum((y[:30] - y[:30].mean()) ** 2)),
    ]:
        value = reverse_validation_scorer(metric=metric)(reg, X, y)
        assert value == pytest.approx(expected, rel=1e-10), metric


def test_reverse_validation_proba_metric_needs_predict_proba():
    X, y, _ = _shifted_data()
    svc = make_pipeline(StandardScaler(), DomainAwareClassifier(LinearSVC()))
    with pytest.raises(TypeError, match="needs predict_proba, which Pipeline"):
        reverse_validation_scorer(metric="neg_log_loss")(svc.fit(X, y), X, y)
    # roc_auc takes decision_function when there is no predict_proba.
    auc = reverse_validation_scorer(metric="roc_auc")(svc, X, y)
    assert 0.5 < auc <= 1.0


class BrokenPredict(PredictColumn0):
    """A bug inside predict: its AttributeError is not a missing method."""

    def predict(self, X):
        return X.no_such_attribute


def test_attribute_error_inside_the_model_is_not_rewritten():
    est = BrokenPredict().fit(KNOWN_X)
    scorer = importance_weighted_scorer(WeightsInColumn1(), "accuracy")
    with pytest.raises(AttributeError, match="no_such_attribute"):
        scorer(est, KNOWN_X, KNOWN_Y)


def test_reverse_validation_errors():
    X, y, _ = _shifted_data()
    model = _pipe().fit(X, y)
    with pytest.raises(ValueError, match="found no target rows"):
        reverse_validation_scorer()(model, X[:60], y[:60])
    with pytest.raises(ValueError, match="found no labelled source rows"):
        reverse_validation_scorer()(model, X[60:], y[60:])
    with pytest.raises(TypeError, match="random_state must be an int"):
        reverse_validation_scorer(random_state="seed")
    with pytest.raises(ValueError, match="metric must be one of"):
        reverse_validation_scorer(metric="nope")


def test_reverse_validation_minus_one_class_without_sample_domain_support():
    # A plain classifier (no sample_domain in fit) predicting class -1 on the
    # target cannot be refitted with -1 meaning "unlabelled".
    X = np.array([[0.0], [1.0], [5.0], [6.0], [0.5], [5.5]])
    y = np.array([-1, -1, 1, 1, 0, 0])
    sd = np.array([0, 0, 0, 0, -1, -1])
    model = KNeighborsClassifier(n_neighbors=1).fit(X[:4], y[:4])
    with pytest.raises(ValueError, match="predicts the class -1 on target rows"):
        reverse_validation_scorer()(model, X, np.r_[y[:4], -1, -1], sample_domain=sd)


# --------------------------------------------------------------------------- #
# Use in GridSearchCV / cross_validate, routing on and off
# --------------------------------------------------------------------------- #


GRID = {"domainawareclassifier__estimator__C": [1e-6, 1.0]}


def test_scorers_request_sample_domain():
    for scorer in SCORERS:
        routing = get_routing_for_object(scorer)
        assert routing.consumes("score", ["sample_domain"]) == {"sample_domain"}
    off = prediction_entropy_scorer().set_score_request(sample_domain=False)
    assert get_routing_for_object(off).consumes("score", ["sample_domain"]) == set()
    with pytest.raises(TypeError, match="sample_domain must be True, False"):
        prediction_entropy_scorer().set_score_request(sample_domain=1)


@pytest.mark.parametrize("scorer", SCORERS, ids=_ids)
def test_scorers_in_grid_search_routing_off(scorer):
    X, y, _ = _shifted_data()
    search = GridSearchCV(
        _pipe(),
        GRID,
        cv=DomainShuffleSplit(n_splits=3, random_state=0),
        scoring=scorer,
        error_score="raise",
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # Every scorer ranks the barely-trained model (C=1e-6) below C=1 here.
    assert search.best_params_["domainawareclassifier__estimator__C"] == 1.0


@pytest.mark.parametrize("scorer", SCORERS, ids=_ids)
def test_scorers_in_grid_search_routing_on(scorer):
    X, y, _ = _shifted_data()
    sd = np.where(y == -1, -1, 0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            _pipe(),
            GRID,
            cv=DomainStratifiedKFold(n_splits=3),
            scoring=scorer,
            error_score="raise",
        ).fit(X, y, sample_domain=sd)
        on = search.cv_results_["mean_test_score"]
    off = GridSearchCV(
        _pipe(), GRID, cv=DomainStratifiedKFold(n_splits=3), scoring=scorer
    ).fit(X, y)
    np.testing.assert_allclose(on, off.cv_results_["mean_test_score"])
    assert np.all(np.isfinite(on))


def test_routing_delivers_sample_domain_to_scorer():
    # Target rows carry labels (supervised adaptation): only the routed
    # sample_domain tells the scorer which rows are target.
    X, _, labels = _shifted_data()
    sd = np.r_[np.zeros(60, int), np.full(40, -1)]
    scorer = prediction_entropy_scorer()
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(
            _pipe(),
            X,
            labels,
            cv=cv,
            scoring=scorer,
            params={"sample_domain": sd},
            error_score="raise",
        )
    assert np.all(np.isfinite(result["test_score"]))
    with pytest.raises(ValueError, match="found no target rows"):
        cross_validate(
            _pipe(), X, labels, cv=cv, groups=sd, scoring=scorer, error_score="raise"
        )


def test_multimetric_scoring_routing_on_and_off():
    X, y, _ = _shifted_data()
    sd = np.where(y == -1, -1, 0)
    scoring = {
        "entropy": prediction_entropy_scorer(),
        "reverse": reverse_validation_scorer(),
        "iw": importance_weighted_scorer(),
    }
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    off = cross_validate(_pipe(), X, y, cv=cv, scoring=scoring, error_score="raise")
    with sklearn.config_context(enable_metadata_routing=True):
        on = cross_validate(
            _pipe(),
            X,
            y,
            cv=cv,
            scoring=scoring,
            params={"sample_domain": sd},
            error_score="raise",
        )
    for name in scoring:
        key = f"test_{name}"
        assert np.all(np.isfinite(off[key]))
        np.testing.assert_allclose(on[key], off[key])


def test_no_import_cycle_with_adaptation():
    """adaptation never imports model_selection; the scorer imports adaptation."""
    import subprocess
    import sys

    code = (
        "import sys, sktransfer.adaptation; "
        "print('sktransfer.model_selection' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_reprs():
    assert repr(prediction_entropy_scorer()) == "prediction_entropy_scorer()"
    assert repr(importance_weighted_scorer(LogisticRegression(C=0.1), "r2")) == (
        "importance_weighted_scorer(metric='r2', weighting=LogisticRegression(C=0.1))"
    )

    def my_metric(y_true, y_pred):
        return 0.0

    assert repr(reverse_validation_scorer(my_metric, random_state=None)) == (
        "reverse_validation_scorer(metric=my_metric, random_state=None)"
    )


# --------------------------------------------------------------------------- #
# Usefulness on the bundled sentiment domains
# --------------------------------------------------------------------------- #


def test_scorers_prefer_a_fitted_model_on_sentiment_domains():
    """movie_reviews -> tweets: C=1 beats C=1e-6 (which predicts ~0.5 everywhere).

    Measured (800 source / 500 target rows, seeds 0 and 1): target accuracy
    0.33 / 0.29 at C=1e-6 and 0.44 / 0.54 at C=1; entropy score -0.693 vs
    -0.673 / -0.675; importance-weighted accuracy 0.57 / 0.50 vs 0.65 / 0.71.
    The movie reviews are balanced, so C=1e-6 gives probabilities of ~0.5 and
    the maximal entropy log(2). Reverse validation is not asserted: it ties
    the two models on this pair (both reversed models predict one class).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sktransfer.datasets import load_sentiment_domains
    from sktransfer.utils import pack_domains

    bunch = load_sentiment_domains()
    data = np.asarray(bunch.data, dtype=object)
    target = np.asarray(bunch.target)
    domain = np.asarray(bunch.domain)
    rng = np.random.RandomState(0)
    src = rng.choice(np.flatnonzero(domain == "movie_reviews"), 800, replace=False)
    tgt = rng.choice(np.flatnonzero(domain == "tweets"), 500, replace=False)
    X, y, _ = pack_domains(
        source=(list(data[src]), target[src]), target=list(data[tgt])
    )
    pipe = make_pipeline(
        TfidfVectorizer(min_df=2),
        DomainAwareClassifier(LogisticRegression(max_iter=1000)),
    )
    grid = {"domainawareclassifier__estimator__C": [1e-6, 1.0]}
    for scorer in [prediction_entropy_scorer(), importance_weighted_scorer()]:
        search = GridSearchCV(
            pipe,
            grid,
            cv=DomainShuffleSplit(n_splits=3, random_state=0),
            scoring=scorer,
            refit=False,
            error_score="raise",
        ).fit(X, y)
        low, high = search.cv_results_["mean_test_score"]
        assert high > low + 0.01, (scorer, low, high)
