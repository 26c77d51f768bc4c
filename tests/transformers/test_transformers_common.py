"""The project's text checks on the transformer estimators, with a tiny BERT.

``tests/test_common.py`` runs the same suite over every other text estimator;
these need a model directory, which the ``tiny_bert_dir`` fixture builds, so
the checks are parametrized by name and the estimator is built in the test.
"""

import pytest

from sktransfer.transformers import (
    SentenceEncoder,
    TransformerClassifier,
    TransformerRegressor,
    ZeroShotClassifier,
)
from sktransfer.utils._testing import yield_text_checks
from sktransfer.utils.discovery import all_estimators


def _make(name, model_dir):
    encoder = SentenceEncoder(model_dir, max_length=32, batch_size=8)
    if name == "SentenceEncoder":
        return encoder
    if name == "ZeroShotClassifier":
        # The classes of the checks' corpus (sktransfer.utils._testing).
        labels = {1: "a good film, great fun", 0: "a bad film, poor acting"}
        return ZeroShotClassifier(labels, encoder=encoder)
    if name in ("TransformerClassifier", "TransformerRegressor"):
        cls = TransformerClassifier if name == "TransformerClassifier" else None
        cls = cls or TransformerRegressor
        return cls(model_dir, max_epochs=1, lr=1e-3, batch_size=8, device="cpu")
    raise AssertionError(f"no test instance for {name}")


#: Every estimator of the family, so that a new one cannot be forgotten.
NAMES = sorted(
    name
    for name, cls in all_estimators()
    if cls.__module__.startswith("sktransfer.transformers")
)
CHECK_NAMES = [check.__name__ for check in yield_text_checks(SentenceEncoder("x"))]

#: Checks that cannot pass for an estimator, with the reason.
EXPECTED_FAILED = {
    "ZeroShotClassifier": {
        "check_classifier_output": (
            "refits on labels renamed to 'yes'/'no' and expects classes_ to "
            "follow y. A zero-shot classifier's classes are those of its labels "
            "parameter (they need descriptions), so a y with other labels is a "
            "ValueError (tested in test_zero_shot.py::test_bad_y); -1 rows are "
            "never a class (test_labelled_rows_make_prototypes)."
        ),
    },
}


def test_family_is_discovered():
    assert NAMES == [
        "SentenceEncoder",
        "TransformerClassifier",
        "TransformerRegressor",
        "ZeroShotClassifier",
    ]


@pytest.mark.parametrize("check_name", CHECK_NAMES)
@pytest.mark.parametrize("name", NAMES)
def test_text_checks(name, check_name, tiny_bert_dir, no_network, request):
    reason = EXPECTED_FAILED.get(name, {}).get(check_name)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    estimator = _make(name, str(tiny_bert_dir))
    (check,) = [c for c in yield_text_checks(estimator) if c.__name__ == check_name]
    check(estimator)
