"""Training objectives (``sktransfer/neural/_losses.py``): ``sample_weight``."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from sktransfer.neural import TextClassifier, TextRegressor  # noqa: E402
from sktransfer.neural._losses import per_row_losses, weighted_mean  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

X = list(TEXT_CORPUS)
Y = np.asarray(TEXT_LABELS)


def small(cls=TextClassifier, **params):
    base = {
        "embedding_dim": 8,
        "hidden_size": 8,
        "max_epochs": 3,
        "batch_size": 4,
        "device": "cpu",
        "random_state": 0,
    }
    return cls(**{**base, **params})


def test_unit_weights_change_nothing():
    ref = small().fit(X, Y)
    weighted = small().fit(X, Y, sample_weight=np.ones(len(X)))
    assert_allclose(weighted.predict_proba(X), ref.predict_proba(X), rtol=1e-5)
    assert_allclose(
        weighted.history[:, "train_loss"], ref.history[:, "train_loss"], rtol=1e-5
    )


def test_batch_loss_is_the_weighted_mean_of_row_losses():
    clf = small(max_epochs=1).fit(X, Y)
    logits = torch.randn(4, 2)
    target = torch.tensor([0, 1, 1, 0])
    weight = torch.tensor([0.5, 2.0, 0.0, 1.5])
    got = clf.get_loss(logits, target, X={"X": None, "sample_weight": weight})
    rows = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    assert torch.allclose(got, (rows * weight).sum() / weight.sum())
    # A batch whose rows all weigh zero: no NaN, no gradient.
    zero = clf.get_loss(logits, target, X={"X": None, "sample_weight": weight * 0})
    assert float(zero) == 0.0
    # The criterion keeps its reduction.
    assert clf.criterion_.reduction == "mean"


@pytest.mark.parametrize("cls", [TextClassifier, TextRegressor])
def test_weights_decide_between_contradicting_copies(cls):
    # Every document twice, with opposite targets: the weights say which
    # copy counts.
    docs = X * 2
    flipped = (1 - Y) if cls is TextClassifier else -(2.0 * Y - 1)
    y = (
        np.concatenate([Y, flipped])
        if cls is TextClassifier
        else np.concatenate([2.0 * Y - 1, flipped])
    )
    first = np.r_[np.ones(len(X)), np.zeros(len(X))]
    params = {"max_epochs": 40, "lr": 0.1 if cls is TextClassifier else 0.02}
    a = small(cls, **params).fit(docs, y, sample_weight=first)
    b = small(cls, **params).fit(docs, y, sample_weight=first[::-1])
    if cls is TextClassifier:
        assert_array_equal(a.predict(X), Y)
        assert_array_equal(b.predict(X), 1 - Y)
    else:
        assert np.all(np.sign(a.predict(X)) == 2 * Y - 1)
        assert np.all(np.sign(b.predict(X)) == -(2 * Y - 1))


def test_weights_of_unlabelled_rows_are_ignored_and_partial_fit_takes_them():
    y = Y.copy()
    y[:2] = -1
    w = np.arange(1.0, len(X) + 1)
    a = small().fit(X, y, sample_weight=w)
    w2 = w.copy()
    w2[:2] = 1e6  # the unlabelled rows' weights do not matter
    b = small().fit(X, y, sample_weight=w2)
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-5)
    c = small(max_epochs=1).partial_fit(X, y, classes=[0, 1], sample_weight=w)
    c.partial_fit(X, y, sample_weight=w)
    assert len(c.history) == 2


def test_with_early_stopping_and_in_a_pipeline():
    docs, y = X * 4, np.tile(Y, 4)
    w = np.linspace(0.5, 2.0, len(docs))
    clf = small(early_stopping=True, validation_fraction=0.25, max_epochs=4)
    clf.fit(docs, y, sample_weight=w)
    assert np.isfinite(clf.history[:, "valid_loss"]).all()
    pipe = Pipeline([("identity", FunctionTransformer()), ("clf", small())])
    pipe.fit(docs, y, clf__sample_weight=w)
    with config_context(enable_metadata_routing=True):
        routed = Pipeline(
            [("clf", small().set_fit_request(sample_weight=True, sample_domain=False))]
        )
        routed.fit(docs, y, sample_weight=w)
    assert_allclose(
        routed[-1].predict_proba(docs), pipe[-1].predict_proba(docs), rtol=1e-5
    )


def test_bad_sample_weight():
    # scikit-learn's own _check_sample_weight validates the weights.
    with pytest.raises(
        ValueError, match=rf"sample_weight.shape == \(3,\), expected \({len(X)},\)"
    ):
        small().fit(X, Y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Negative values.*sample_weight"):
        small().fit(X, Y, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="NaN"):
        small().fit(X, Y, sample_weight=np.full(len(X), np.nan))
    # Zero everywhere: scikit-learn >= 1.7 says so itself; ours says it of
    # the labelled rows, which is also what weights on unlabelled rows hit.
    with pytest.raises(ValueError, match="non-zero|zero on every labelled row"):
        small().fit(X, Y, sample_weight=np.zeros(len(X)))
    Y_half = np.where(np.arange(len(X)) % 4 < 2, Y, -1)
    w_half = (Y_half == -1).astype(float)
    with pytest.raises(ValueError, match="zero on every labelled row"):
        small().fit(X, Y_half, sample_weight=w_half)
    clf = small(criterion__reduction="sum")
    with pytest.raises(ValueError, match="reduction='mean'"):
        clf.fit(X, Y, sample_weight=np.ones(len(X)))


def test_weighted_mean_of_row_losses():
    rows = torch.tensor([1.0, 2.0, 4.0])
    weight = torch.tensor([1.0, 0.0, 3.0], dtype=torch.float64)
    assert float(weighted_mean(rows, weight)) == pytest.approx((1 + 12) / 4)
    assert weighted_mean(rows, weight).dtype == torch.float32
    # Several values per row (e.g. a multi-output loss) are averaged first.
    rows = torch.tensor([[1.0, 3.0], [10.0, 30.0]])
    assert float(weighted_mean(rows, torch.tensor([1.0, 1.0]))) == 11.0
    # All-zero weights: 0, not NaN.
    assert float(weighted_mean(rows, torch.zeros(2))) == 0.0


def test_per_row_losses_switch_the_reduction_and_back():
    criterion = torch.nn.MSELoss()
    with per_row_losses(criterion, "Net") as loss:
        assert loss is criterion and criterion.reduction == "none"
        assert loss(torch.zeros(3), torch.ones(3)).shape == (3,)
    assert criterion.reduction == "mean"
    with pytest.raises(KeyError), per_row_losses(criterion, "Net"):
        raise KeyError("inside")
    assert criterion.reduction == "mean"
    msg = r"Net: sample_weight needs a criterion with reduction='mean'.*'sum'"
    with pytest.raises(ValueError, match=msg):
        with per_row_losses(torch.nn.MSELoss(reduction="sum"), "Net"):
            pass
