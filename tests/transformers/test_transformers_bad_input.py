"""The broad bad-input cases of tests/test_bad_input_text.py, for the transformers.

Every case ends in a ValueError/TypeError raised by sktransfer (or
scikit-learn's validation) whose message names the problem, or in finite
output; never in an error from inside torch, transformers or tokenizers.
"""

import numpy as np
import pandas as pd
import pytest

from tests.test_bad_input_text import BAD_X, BAD_Y, DOCS, Y, assert_raised_by_us, fit

pytest.importorskip("transformers")

from sktransfer.transformers import (  # noqa: E402
    SentenceEncoder,
    TransformerClassifier,
    TransformerRegressor,
    ZeroShotClassifier,
)

NAMES = ["SentenceEncoder", "ZeroShotClassifier", "TransformerClassifier"]
NETS = ["TransformerClassifier", "TransformerRegressor"]


@pytest.fixture
def make(tiny_bert_dir):
    def make(name):
        encoder = SentenceEncoder(pretrained=str(tiny_bert_dir), max_length=64)
        if name == "SentenceEncoder":
            return encoder
        if name == "ZeroShotClassifier":
            return ZeroShotClassifier(
                {0: "a bad film", 1: "a good movie"}, encoder=encoder
            )
        cls = {"TransformerClassifier": TransformerClassifier}.get(
            name, TransformerRegressor
        )
        return cls(
            pretrained=str(tiny_bert_dir),
            max_length=64,
            max_epochs=1,
            batch_size=4,
            device="cpu",
            random_state=0,
        )

    return make


def output(est, X):
    return est.transform(X) if hasattr(est, "transform") else est.predict(X)


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("name", NAMES + ["TransformerRegressor"])
def test_bad_documents_are_rejected_with_a_message(make, name, case):
    X, error, match = BAD_X[case]
    # (The message names the parameter: "document 3 of X is a ...".)
    match = match.replace("document 3 is", r"document 3 (of \w+ )?is")
    if case == "non-str token":
        # Token lists are not documents here: every document must be a string.
        error, match = TypeError, "str"
    y = None if name in ("SentenceEncoder", "ZeroShotClassifier") else Y
    with pytest.raises(error) as excinfo:
        fit(make(name), X, y)
    assert_raised_by_us(excinfo, match)


@pytest.mark.parametrize("name", NAMES)
def test_one_text_column_is_the_corpus(make, name):
    y = None if name in ("SentenceEncoder", "ZeroShotClassifier") else Y
    expected = output(fit(make(name), DOCS, y), DOCS)
    frame = pd.DataFrame({"text": DOCS})
    for X in (frame, np.array(DOCS)[:, None], frame["text"]):
        got = output(fit(make(name), X, y), X)
        if name == "ZeroShotClassifier" or name == "TransformerClassifier":
            np.testing.assert_array_equal(got, expected)
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES + ["TransformerRegressor"])
def test_odd_but_valid_documents_give_finite_output(make, name):
    y = None if name in ("SentenceEncoder", "ZeroShotClassifier") else Y
    est = fit(make(name), DOCS, y)
    # Unknown words only, an empty string, a document far over max_length.
    X = ["zzz qqq", "", "good " * 5000]
    out = output(est, X)
    assert out.shape[0] == 3
    if name != "ZeroShotClassifier" and name != "TransformerClassifier":
        assert np.isfinite(np.asarray(out, dtype=float)).all()
    if hasattr(est, "predict_proba"):
        assert np.isfinite(est.predict_proba(X)).all()
    assert output(est, []).shape[0] == 0


@pytest.mark.parametrize("case", list(BAD_Y))
@pytest.mark.parametrize("name", NETS)
def test_bad_targets_are_rejected_with_a_message(make, name, case):
    y, match = BAD_Y[case]
    with pytest.raises(ValueError) as excinfo:
        fit(make(name), DOCS, y)
    assert_raised_by_us(excinfo, match)


@pytest.mark.parametrize("name", NETS)
def test_unlabelled_rows_and_output_stays_finite(make, name):
    unlabelled = -1 if name == "TransformerClassifier" else np.nan
    est = fit(make(name), DOCS, [0, 1, unlabelled, 1])
    assert np.isfinite(np.asarray(output(est, DOCS), dtype=float)).all()
