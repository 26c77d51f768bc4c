"""Bad input through the domain contract, for every adaptation estimator and
every model-selection splitter and scorer.

Each case must end, within a time limit, in a ``ValueError`` or ``TypeError``
whose message names the problem and which is raised by sktransfer or by
scikit-learn's own validation (never from inside numpy or scipy), or in a
finite result. Extreme scales are in ``test_scale.py``.
"""

import threading
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sktransfer.adaptation import (
    ClassBalancedSelfTrainingClassifier,
    CORALAdapter,
    DiscriminativeWeighting,
    DomainAwareClassifier,
    FeatureAugmentationAdapter,
    KLIEPWeighting,
    KMMWeighting,
    MSDATransformer,
    NearestNeighborWeighting,
    SCLAdapter,
    SubspaceAlignmentAdapter,
    TCAAdapter,
    TrAdaBoostClassifier,
    make_text_adaptation_pipeline,
    select_pivots,
)
from sktransfer.model_selection import (
    DomainShuffleSplit,
    DomainStratifiedKFold,
    LeaveOneDomainOut,
    importance_weighted_scorer,
    prediction_entropy_scorer,
    reverse_validation_scorer,
)

TIME_LIMIT = 20  # seconds; every case takes well under one


def _within(func, *args, **kwargs):
    """Run ``func`` in a thread and fail if it has not returned in time."""
    outcome = {}

    def run():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome["value"] = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(TIME_LIMIT)
    assert not thread.is_alive(), f"no result in {TIME_LIMIT}s: a hang"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _raised_by_validation(excinfo):
    """The last frame is in sktransfer or in scikit-learn's validation."""
    path = str(excinfo.traceback[-1].path).replace("\\", "/")
    return "sktransfer/" in path or "sklearn/utils/" in path


def _estimators():
    return [
        CORALAdapter(),
        SubspaceAlignmentAdapter(n_components=1),
        TCAAdapter(n_components=1),
        TCAAdapter(n_components=1, kernel="rbf"),
        FeatureAugmentationAdapter(),
        KMMWeighting(),
        KLIEPWeighting(random_state=0),
        DiscriminativeWeighting(),
        NearestNeighborWeighting(),
        DomainAwareClassifier(LogisticRegression()),
        DomainAwareClassifier(LogisticRegression(), weighting=KMMWeighting()),
        TrAdaBoostClassifier(n_estimators=3, random_state=0),
        # The methods made for text.
        MSDATransformer(),
        SCLAdapter(n_pivots=2, n_components=1, min_df=1),
        ClassBalancedSelfTrainingClassifier(LogisticRegression()),
        DomainAwareClassifier(LogisticRegression(), prior_shift="em"),
    ]


_rng = np.random.RandomState(0)
X = _rng.normal(size=(20, 3))
Y = np.r_[np.tile([0, 1], 5), -np.ones(10, dtype=int)]


def _with(row, value):
    out = X.copy()
    out[row, 1] = value
    return out


# (X, y, sample_domain, words the message must hold)
CASES = {
    "empty X": (np.empty((0, 3)), np.empty(0, int), None, "0 (rows|sample)"),
    "NaN in a labelled row": (_with(0, np.nan), Y, None, "NaN"),
    "NaN in an unlabelled row": (_with(15, np.nan), Y, None, "NaN"),
    "inf in a labelled row": (_with(1, np.inf), Y, None, "infinity"),
    "strings": (np.array([["a", "b", "c"]] * 20), Y, None, "string|numeric"),
    "1-D X": (X[:, 0], Y, None, "2D array"),
    "3-D X": (X.reshape(20, 3, 1), Y, None, "dim 3"),
    "ragged y": (X, [[0, 1]] * 10 + [[1]] * 10, None, "ragged|sequence"),
    "y too short": (X, Y[:-1], None, "19 entries"),
    "2-D y": (X, np.c_[Y, Y], None, "shape"),
    "unsigned sample_domain above int64": (
        X,
        Y,
        np.r_[np.zeros(10, np.uint64), np.full(10, 2**64 - 1, np.uint64)],
        "int64 range",
    ),
    "boolean sample_domain": (X, Y, np.arange(20) < 10, "booleans"),
    "float sample_domain": (X, Y, np.r_[np.zeros(10), np.full(10, -0.5)], "integ"),
    "NaN sample_domain": (X, Y, np.r_[np.zeros(10), np.full(10, np.nan)], "finite"),
    "sample_domain too long": (X, Y, np.zeros(21, int), "21 entries"),
}


# The cases whose X is valid: only y or sample_domain is wrong.
_LABEL_CASES = {
    "ragged y",
    "y too short",
    "2-D y",
    "unsigned sample_domain above int64",
    "boolean sample_domain",
    "float sample_domain",
    "NaN sample_domain",
    "sample_domain too long",
}


def _fit(estimator, X, y, sample_domain):
    kwargs = {} if sample_domain is None else {"sample_domain": sample_domain}
    return estimator.fit(X, y, **kwargs)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("estimator", _estimators(), ids=repr)
def test_bad_input_is_a_clear_error(estimator, case):
    X_bad, y_bad, sd, words = CASES[case]
    if (
        isinstance(estimator, DomainAwareClassifier)
        and getattr(estimator, "weighting", None) is None
        and not isinstance(estimator, ClassBalancedSelfTrainingClassifier)
        and estimator.prior_shift is None
        and case == "NaN in an unlabelled row"
    ):
        # The wrapped estimator never sees unlabelled rows: nothing to reject.
        _within(_fit, estimator, X_bad, y_bad, sd)
        return
    if isinstance(estimator, MSDATransformer) and case in _LABEL_CASES:
        # mSDA learns from X alone: it ignores y, as scikit-learn's
        # unsupervised transformers do, and takes no sample_domain.
        out = _within(_fit, estimator, X_bad, y_bad, None).transform(X_bad)
        assert np.all(np.isfinite(out))
        return
    with pytest.raises((ValueError, TypeError), match=words) as excinfo:
        _within(_fit, estimator, X_bad, y_bad, sd)
    assert _raised_by_validation(excinfo), excinfo.traceback[-1].path


@pytest.mark.parametrize("estimator", _estimators(), ids=repr)
def test_single_row_is_an_error_or_a_finite_result(estimator):
    try:
        fitted = _within(_fit, estimator, X[:1], np.array([0]), None)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    for attr in ("weights_", "A_"):
        if hasattr(fitted, attr):
            assert np.all(np.isfinite(getattr(fitted, attr)))


@pytest.mark.parametrize(
    "estimator",
    [
        CORALAdapter(reg=-1.0),
        SubspaceAlignmentAdapter(n_components=0),
        TCAAdapter(n_components=10**9),
        TCAAdapter(mu=0.0),
        FeatureAugmentationAdapter(source_blocks="both"),
        KMMWeighting(B=0.0),
        KMMWeighting(max_iter=10**9),
        KLIEPWeighting(gamma=[]),
        KLIEPWeighting(max_iter=10**9),
        NearestNeighborWeighting(n_neighbors=10**9),
        DiscriminativeWeighting(clip=-1.0),
        TrAdaBoostClassifier(n_estimators=10**9),
        TrAdaBoostClassifier(learning_rate=np.nan),
        DomainAwareClassifier("not an estimator"),
        # The methods made for text.
        MSDATransformer(noise=1.0),
        MSDATransformer(n_layers=10**9),
        SCLAdapter(n_pivots=0),
        SCLAdapter(alpha=0.0),
        ClassBalancedSelfTrainingClassifier(LogisticRegression(), n_rounds=10**9),
        ClassBalancedSelfTrainingClassifier(LogisticRegression(), max_fraction=0.0),
        ClassBalancedSelfTrainingClassifier(
            LogisticRegression(), target_prior=["a", "b"]
        ),
        ClassBalancedSelfTrainingClassifier(
            LogisticRegression(), target_prior=[[0.5, 0.5]]
        ),
        ClassBalancedSelfTrainingClassifier(LogisticRegression(), target_prior=[1.0]),
        DomainAwareClassifier(LogisticRegression(), prior_shift="mle"),
    ],
    ids=repr,
)
def test_bad_params_are_a_clear_error(estimator):
    # Huge counts are rejected by _parameter_constraints (or by the data),
    # not run until memory or patience runs out.
    with pytest.raises((ValueError, TypeError)) as excinfo:
        _within(_fit, estimator, X, Y, None)
    assert _raised_by_validation(excinfo)
    name = str(excinfo.value)
    assert any(
        p in name
        for p in (
            "n_components",
            "mu",
            "reg",
            "source_blocks",
            "B",
            "max_iter",
            "gamma",
            "n_neighbors",
            "clip",
            "n_estimators",
            "learning_rate",
            "estimator",
            "noise",
            "n_layers",
            "n_pivots",
            "alpha",
            "n_rounds",
            "max_fraction",
            "target_prior",
            "prior_shift",
        )
    )


# --------------------------------------------------------------------------- #
# select_pivots and make_text_adaptation_pipeline
# --------------------------------------------------------------------------- #

_B = (_rng.rand(10, 6) > 0.4).astype(float)
_Y_B = np.tile([0, 1], 5)

# (X_source, X_target, y_source, params, words the message must hold)
PIVOT_CASES = {
    "empty source": (_B[:0], _B, None, {}, "0 sample"),
    "empty target": (_B, _B[:0], None, {}, "0 sample"),
    "features differ": (_B, _B[:, :4], None, {}, "6 features but X_target has 4"),
    "NaN": (np.where(_B > 0, np.nan, 0.0), _B, None, {}, "NaN"),
    "inf": (_B, np.where(_B > 0, np.inf, 0.0), None, {}, "infinity"),
    "strings": (_B.astype(str), _B, None, {}, "string"),
    "1-D": (_B[0], _B, None, {}, "2D array"),
    "3-D": (_B[:, :, None], _B, None, {}, "dim 3"),
    "None": (None, _B, None, {}, "X_source"),
    "y too short": (_B, _B, _Y_B[:-1], {}, "inconsistent numbers"),
    "2-D y": (_B, _B, np.c_[_Y_B, _Y_B], {}, "1d array"),
    "NaN in y": (_B, _B, np.r_[_Y_B[:-1], np.nan], {}, "NaN"),
    "n_pivots=0": (_B, _B, None, {"n_pivots": 0}, "n_pivots"),
    "n_pivots=2.5": (_B, _B, None, {"n_pivots": 2.5}, "n_pivots"),
    "min_df=0": (_B, _B, None, {"min_df": 0}, "min_df"),
}


@pytest.mark.parametrize("case", list(PIVOT_CASES))
def test_select_pivots_bad_input_is_a_clear_error(case):
    X_s, X_t, y_s, params, words = PIVOT_CASES[case]
    with pytest.raises((ValueError, TypeError), match=words) as excinfo:
        _within(select_pivots, X_s, X_t, y_s, **{"min_df": 1, **params})
    assert _raised_by_validation(excinfo), excinfo.traceback[-1].path


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_select_pivots_on_extreme_scales_and_single_rows(scale):
    # Pivots depend on which values are non-zero, never on their size.
    expected = select_pivots(_B, _B[::-1], _Y_B, n_pivots=3, min_df=1)
    got = select_pivots(_B * scale, _B[::-1] * scale, _Y_B, n_pivots=3, min_df=1)
    np.testing.assert_array_equal(got, expected)
    single = select_pivots(_B[:1], _B[1:2], None, n_pivots=3, min_df=1)
    assert set(single) <= set(np.flatnonzero(_B[0] * _B[1]))


_DOCS = ["a good film", "a bad film", "good fun", "bad acting"] * 2
_Y_DOCS = [1, 0, 1, 0, -1, -1, -1, -1]


class _NoProba:
    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(X.shape[0], dtype=int)


@pytest.mark.parametrize(
    "params, words",
    [
        ({"estimator": "not an estimator"}, "'estimator' parameter"),
        ({"estimator": LogisticRegression}, "estimator must be an instance"),
        ({"estimator": _NoProba()}, "no predict_proba"),
        ({"vectorizer": "tfidf"}, "'vectorizer' parameter"),
        ({"features": "passthrough"}, "'features' parameter"),
        ({"features": MSDATransformer}, "features must be an instance"),
        ({"self_training": "yes"}, "'self_training' parameter"),
    ],
    ids=repr,
)
def test_text_pipeline_bad_params_are_a_clear_error(params, words):
    with pytest.raises((ValueError, TypeError), match=words) as excinfo:
        make_text_adaptation_pipeline(**params)
    assert _raised_by_validation(excinfo), excinfo.traceback[-1].path


@pytest.mark.parametrize(
    "y, words",
    [
        ([-1] * 8, "no labelled rows"),
        ([1, 1, 1, 1, -1, -1, -1, -1], "single class"),
        ([1, 0, np.nan, 0, -1, -1, -1, -1], "NaN"),
        (_Y_DOCS[:-1], "7 entries"),
    ],
    ids=repr,
)
def test_text_pipeline_bad_labels_are_a_clear_error(y, words):
    pipe = make_text_adaptation_pipeline().set_params(vectorizer__min_df=1)
    with pytest.raises(ValueError, match=words) as excinfo:
        _within(pipe.fit, _DOCS, y)
    assert _raised_by_validation(excinfo), excinfo.traceback[-1].path


@pytest.mark.parametrize(
    "features",
    [None, MSDATransformer(random_state=0), SCLAdapter(2, 1, min_df=1)],
    ids=repr,
)
def test_text_pipeline_small_input_gives_finite_probabilities(features):
    pipe = make_text_adaptation_pipeline(features=features)
    proba = _within(pipe.set_params(vectorizer__min_df=1).fit, _DOCS, _Y_DOCS)
    out = proba.predict_proba(_DOCS)
    assert out.shape == (8, 2) and np.all(np.isfinite(out))


# --------------------------------------------------------------------------- #
# Splitters and scorers
# --------------------------------------------------------------------------- #

SPLITTERS = [
    DomainShuffleSplit(n_splits=2, random_state=0),
    DomainStratifiedKFold(n_splits=2),
    LeaveOneDomainOut(),
]

SPLIT_CASES = {
    "empty": (np.empty((0, 3)), np.empty(0, int), None, "0 rows"),
    "ragged y": (X, [[0, 1]] * 10 + [[1]] * 10, None, "ragged"),
    "y too short": (X, Y[:-1], None, "19 entries"),
    "unsigned sample_domain": (
        X,
        Y,
        np.r_[np.zeros(10, np.uint64), np.full(10, 2**64 - 1, np.uint64)],
        "int64 range",
    ),
    "boolean sample_domain": (X, Y, np.arange(20) < 10, "booleans"),
}


@pytest.mark.parametrize("case", list(SPLIT_CASES))
@pytest.mark.parametrize("splitter", SPLITTERS, ids=repr)
def test_splitters_reject_bad_input(splitter, case):
    X_bad, y_bad, sd, words = SPLIT_CASES[case]
    if sd is None and isinstance(splitter, LeaveOneDomainOut):
        n = len(X_bad)  # it needs explicit domains: two sources and a target
        sd = np.r_[np.zeros(n // 4, int), np.ones(n // 4, int), -np.ones(n // 2, int)]
    with pytest.raises((ValueError, TypeError), match=words) as excinfo:
        _within(lambda: list(splitter.split(X_bad, y_bad, sample_domain=sd)))
    assert _raised_by_validation(excinfo)


@pytest.mark.parametrize("case", list(SPLIT_CASES))
@pytest.mark.parametrize(
    "scorer",
    [
        importance_weighted_scorer(),
        prediction_entropy_scorer(),
        reverse_validation_scorer(),
    ],
    ids=repr,
)
def test_scorers_reject_bad_input(scorer, case):
    model = DomainAwareClassifier(LogisticRegression()).fit(X, Y)
    X_bad, y_bad, sd, words = SPLIT_CASES[case]
    with pytest.raises((ValueError, TypeError), match=words) as excinfo:
        _within(scorer, model, X_bad, y_bad, sample_domain=sd)
    assert _raised_by_validation(excinfo)
