import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import DomainAwareClassifier, DomainAwareRegressor
from sktransfer.adaptation._base import BaseWeighting, OneDomainWarning


@pytest.fixture
def enable_routing():
    with config_context(enable_metadata_routing=True):
        yield


def _semi_labelled(n=120, n_unlabelled=40, random_state=0):
    X, y = make_classification(n_samples=n, n_features=6, random_state=random_state)
    y = y.copy()
    y[n - n_unlabelled :] = -1
    return X, y


def test_fits_estimator_on_labelled_rows_only():
    X, y = _semi_labelled()
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    ref = LogisticRegression().fit(X[y != -1], y[y != -1])
    assert_allclose(clf.estimator_.coef_, ref.coef_)
    assert_array_equal(clf.classes_, [0, 1])
    assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    assert_allclose(clf.decision_function(X), ref.decision_function(X))
    assert_allclose(clf.predict_log_proba(X), ref.predict_log_proba(X))
    assert_array_equal(clf.predict(X), ref.predict(X))
    assert clf.n_features_in_ == 6


def test_estimator_param_is_not_fitted_or_modified():
    X, y = _semi_labelled()
    lr = LogisticRegression(C=0.5)
    clf = DomainAwareClassifier(lr).fit(X, y)
    assert not hasattr(lr, "coef_")
    assert clf.estimator_ is not lr


def test_caller_y_not_modified():
    X, y = _semi_labelled()
    y_before = y.copy()
    DomainAwareClassifier(LogisticRegression()).fit(X, y)
    assert_array_equal(y, y_before)


def test_score_ignores_unlabelled_rows():
    X, y = _semi_labelled()
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    lab = y != -1
    expected = np.mean(clf.predict(X[lab]) == y[lab])
    assert clf.score(X, y) == pytest.approx(expected)
    # Unlabelled rows would otherwise count as errors.
    assert clf.score(X, y) > np.mean(clf.predict(X) == y)


def test_score_with_sample_weight():
    X, y = _semi_labelled()
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    w = np.linspace(0.1, 1, len(y))
    lab = y != -1
    expected = np.average(clf.predict(X[lab]) == y[lab], weights=w[lab])
    assert clf.score(X, y, sample_weight=w) == pytest.approx(expected)


def test_string_labels_with_minus_one():
    X, y = _semi_labelled()
    y_str = np.where(y == 1, "pos", "neg").astype(object)
    y_str[y == -1] = -1
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y_str)
    assert_array_equal(clf.classes_, ["neg", "pos"])
    assert set(clf.predict(X)) <= {"neg", "pos"}
    assert 0.5 < clf.score(X, y_str) <= 1


def test_plus_minus_one_labels_need_sample_domain():
    X, y = make_classification(n_samples=60, random_state=0)
    y = np.where(y == 1, 1, -1)
    clf = DomainAwareClassifier(LogisticRegression())
    with pytest.raises(ValueError, match="single class"):
        clf.fit(X, y)
    sd = np.zeros(len(y), dtype=int)
    clf.fit(X, y, sample_domain=sd)
    assert_array_equal(clf.classes_, [-1, 1])
    assert clf.score(X, y, sample_domain=sd) > 0.8


def test_labelled_target_rows_are_used_with_sample_domain():
    X, y = _semi_labelled()
    sd = np.where(y == -1, -1, 0)
    y2 = y.copy()
    y2[-40:-30] = 1  # ten labelled target rows
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y2, sample_domain=sd)
    lab = y2 != -1
    ref = LogisticRegression().fit(X[lab], y2[lab])
    assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_sample_weight_reaches_estimator_for_labelled_rows():
    X, y = _semi_labelled()
    w = np.random.RandomState(0).rand(len(y))
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y, sample_weight=w)
    lab = y != -1
    ref = LogisticRegression().fit(X[lab], y[lab], sample_weight=w[lab])
    assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_sample_weight_unsupported_is_an_error_not_a_resample():
    X, y = _semi_labelled()
    with pytest.raises(TypeError, match="KNeighborsClassifier.fit does not accept"):
        DomainAwareClassifier(KNeighborsClassifier()).fit(
            X, y, sample_weight=np.ones(len(y))
        )


@pytest.mark.parametrize(
    "sw, match",
    [
        (np.ones(3), r"sample_weight.shape == \(3,\), expected \(120,\)"),
        (-np.ones(120), "Negative values in data passed to `sample_weight`"),
        (np.full(120, np.nan), "NaN"),
    ],
)
def test_bad_sample_weight(sw, match):
    X, y = _semi_labelled()
    with pytest.raises(ValueError, match=match):
        DomainAwareClassifier(LogisticRegression()).fit(X, y, sample_weight=sw)


def test_no_labelled_rows():
    X, _ = _semi_labelled()
    with pytest.raises(
        ValueError, match="DomainAwareClassifier found no labelled rows"
    ):
        DomainAwareClassifier(LogisticRegression()).fit(X, -np.ones(len(X), dtype=int))


def test_wrong_sample_domain_length():
    X, y = _semi_labelled()
    with pytest.raises(ValueError, match="sample_domain has 3 entries but X has 120"):
        DomainAwareClassifier(LogisticRegression()).fit(X, y, sample_domain=[0, 0, -1])


def test_weighting_must_be_an_estimator():
    X, y = _semi_labelled()
    with pytest.raises(InvalidParameterError, match="weighting"):
        DomainAwareClassifier(LogisticRegression(), weighting="kmm").fit(X, y)


class _DistanceWeighting(BaseWeighting):
    """Weights source rows by closeness to the target mean (a test double)."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def _fit_weights(self, X, masks):
        mu = X[masks.target].mean(axis=0)
        d = np.linalg.norm(X[masks.source] - mu, axis=1)
        return np.exp(-self.scale * d / d.mean())


def test_weighting_weights_reach_the_estimator():
    X, y = _semi_labelled()
    weighting = _DistanceWeighting(scale=2.0)
    clf = DomainAwareClassifier(LogisticRegression(), weighting=weighting)
    clf.fit(X, y)
    assert not hasattr(weighting, "weights_")  # the param is cloned, not fitted
    w = clf.weighting_.weights_
    assert w.shape == (len(y),)
    assert np.all(w[y == -1] == 1.0)
    lab = y != -1
    ref = LogisticRegression().fit(X[lab], y[lab], sample_weight=w[lab])
    assert_allclose(clf.estimator_.coef_, ref.coef_)
    # Combined with sample_weight by product.
    sw = np.linspace(0.5, 1.5, len(y))
    clf.fit(X, y, sample_weight=sw)
    ref = LogisticRegression().fit(X[lab], y[lab], sample_weight=(w * sw)[lab])
    assert_allclose(clf.estimator_.coef_, ref.coef_)


def test_weighting_with_estimator_without_sample_weight():
    X, y = _semi_labelled()
    clf = DomainAwareClassifier(KNeighborsClassifier(), weighting=_DistanceWeighting())
    with pytest.raises(TypeError, match="weighting gives sample weights"):
        clf.fit(X, y)


def test_weighting_with_one_domain_warns_and_gives_unit_weights():
    X, y = _semi_labelled(n_unlabelled=0)
    clf = DomainAwareClassifier(LogisticRegression(), weighting=_DistanceWeighting())
    with pytest.warns(OneDomainWarning, match="no target rows"):
        clf.fit(X, y)
    assert_array_equal(clf.weighting_.weights_, np.ones(len(y)))


def test_bad_estimator_param():
    X, y = _semi_labelled()
    with pytest.raises(InvalidParameterError, match="estimator"):
        DomainAwareClassifier("logreg").fit(X, y)


def test_methods_follow_the_estimator():
    assert not hasattr(DomainAwareClassifier(LinearSVC()), "predict_proba")
    assert hasattr(DomainAwareClassifier(LinearSVC()), "decision_function")
    assert not hasattr(
        DomainAwareClassifier(KNeighborsClassifier()), "decision_function"
    )


def test_unfitted_attributes_raise():
    clf = DomainAwareClassifier(LogisticRegression())
    assert not hasattr(clf, "classes_")
    assert not hasattr(clf, "n_features_in_")


def test_raw_text_inside_the_estimator():
    docs = [
        "good film",
        "great film",
        "bad film",
        "awful film",
        "good phone",
        "bad phone",
    ]
    y = [1, 1, 0, 0, -1, -1]
    clf = DomainAwareClassifier(make_pipeline(TfidfVectorizer(), LogisticRegression()))
    clf.fit(docs, y)
    assert_array_equal(clf.predict(["good phone", "bad phone"]), [1, 0])


def test_clone_and_pickle_round_trip():
    X, y = _semi_labelled()
    clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    assert not hasattr(clone(clf), "estimator_")
    clf2 = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clf2.predict_proba(X), clf.predict_proba(X))


def _text_domains():
    from sktransfer.datasets import load_sentiment_domains

    data = load_sentiment_domains(["movie_reviews", "product_reviews"])
    docs = np.asarray(data.data, dtype=object)
    y = data.target.copy()
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(docs))[:1500]
    docs, y, domain = docs[idx].tolist(), y[idx], data.domain[idx]
    y[domain == "product_reviews"] = -1
    return docs, y, np.where(domain == "product_reviews", -1, 0)


def test_grid_search_on_pipeline_with_unlabelled_rows():
    # Done-when: last step of a stock Pipeline inside GridSearchCV(...).fit(X, y)
    # where y has -1 rows, default CV and scoring.
    docs, y, _ = _text_domains()
    pipe = make_pipeline(TfidfVectorizer(), DomainAwareClassifier(LogisticRegression()))
    search = GridSearchCV(pipe, {"domainawareclassifier__estimator__C": [0.1, 1.0]})
    search.fit(docs, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert np.all(scores > 0.55)  # well above chance on the labelled rows
    assert search.predict(docs[:5]).shape == (5,)


def test_grid_search_and_cross_validate_with_routed_sample_domain(enable_routing):
    # Labels in {-1, +1}: without sample_domain reaching fit, fit would raise.
    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    y = np.where(y == 1, 1, -1)
    sd = np.zeros(len(y), dtype=int)
    sd[150:] = -1
    y_masked = y.copy()
    y_masked[150:] = -1  # target rows unlabelled; -1 is also a class of sources
    pipe = make_pipeline(StandardScaler(), DomainAwareClassifier(LogisticRegression()))
    search = GridSearchCV(
        pipe, {"domainawareclassifier__estimator__C": [0.1, 1.0]}, cv=3
    )
    search.fit(X, y_masked, sample_domain=sd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert_array_equal(search.best_estimator_[-1].classes_, [-1, 1])

    res = cross_validate(pipe, X, y_masked, params={"sample_domain": sd}, cv=3)
    assert np.all(np.isfinite(res["test_score"]))
    assert np.all(res["test_score"] > 0.7)


def test_routing_is_not_enabled_globally_and_pipeline_params_work():
    import sklearn

    assert not sklearn.get_config()["enable_metadata_routing"]
    X, y = make_classification(n_samples=80, random_state=0)
    y = np.where(y == 1, 1, -1)
    pipe = make_pipeline(StandardScaler(), DomainAwareClassifier(LogisticRegression()))
    pipe.fit(X, y, domainawareclassifier__sample_domain=np.zeros(80, dtype=int))
    assert_array_equal(pipe.classes_, [-1, 1])


def test_requests_sample_domain_by_default():
    clf = DomainAwareClassifier(LogisticRegression())
    routing = clf.get_metadata_routing()
    assert routing.fit.requests["sample_domain"] is True
    assert routing.score.requests["sample_domain"] is True


# --------------------------------------------------------------------------- #
# Regressor
# --------------------------------------------------------------------------- #
def test_regressor_fits_labelled_rows_and_scores_them():
    X, y = make_regression(n_samples=100, n_features=4, noise=1.0, random_state=0)
    y = y.copy()
    y[80:] = np.nan
    reg = DomainAwareRegressor(Ridge()).fit(X, y)
    ref = Ridge().fit(X[:80], y[:80])
    assert_allclose(reg.estimator_.coef_, ref.coef_)
    assert reg.score(X, y) == pytest.approx(ref.score(X[:80], y[:80]))
    # -1 is a regular regression target.
    y2 = y.copy()
    y2[:5] = -1.0
    assert (
        DomainAwareRegressor(LinearRegression()).fit(X, y2).estimator_.n_features_in_
        == 4
    )


def test_regressor_grid_search_and_routing(enable_routing):
    X, y = make_regression(n_samples=120, n_features=4, noise=1.0, random_state=0)
    y = y.copy()
    y[90:] = np.nan
    sd = np.where(np.isnan(y), -1, 0)
    pipe = make_pipeline(StandardScaler(), DomainAwareRegressor(Ridge()))
    search = GridSearchCV(
        pipe, {"domainawareregressor__estimator__alpha": [0.1, 10]}, cv=3
    )
    search.fit(X, y, sample_domain=sd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    res = cross_validate(pipe, X, y, params={"sample_domain": sd}, cv=3)
    assert np.all(res["test_score"] > 0.9)


def test_regressor_source_rows_must_be_labelled():
    X = np.zeros((3, 1))
    with pytest.raises(ValueError, match="Source rows must be labelled"):
        DomainAwareRegressor(Ridge()).fit(
            X, [1.0, np.nan, 2.0], sample_domain=[0, 0, -1]
        )
