"""The labelled rows of a fit and the score on them: one helper for every family."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression

from sktransfer.utils._domains import labelled_rows, score_labelled
from sktransfer.utils._random import seed_random_states
from sktransfer.utils._validation import as_indexable, num_rows


def test_labelled_rows_implicit():
    X = np.arange(10.0).reshape(5, 2)
    rows = labelled_rows(X, [0, 1, 1, -1, -1])
    assert_array_equal(rows.indices, [0, 1, 2])
    assert_array_equal(rows.y, [0, 1, 1])
    assert rows.sample_weight is None
    assert_array_equal(rows.target, [False, False, False])
    assert_array_equal(rows.take(X), X[[0, 1, 2]])


def test_labelled_rows_explicit_target_labels_and_weights():
    X = sparse.csr_matrix(np.eye(4))
    rows = labelled_rows(
        X, [1, 0, 1, -1], sample_domain=[0, 0, -1, -1], sample_weight=[1, 2, 3, 4]
    )
    assert_array_equal(rows.indices, [0, 1, 2])
    assert_array_equal(rows.target, [False, False, True])
    assert_allclose(rows.sample_weight, [1.0, 2.0, 3.0])
    assert rows.sample_weight.dtype == np.float64
    assert_array_equal(rows.take(X).toarray(), np.eye(4)[:3])


def test_labelled_rows_all_labelled_takes_x_itself():
    X = [[0.0], [1.0]]
    rows = labelled_rows(X, [0, 1], sample_weight=2.0)
    assert rows.take(X) is X
    assert_allclose(rows.sample_weight, [2.0, 2.0])


def test_labelled_rows_regression_and_documents():
    docs = ["a b", "c d", "e f"]
    rows = labelled_rows(docs, [0.5, np.nan, 1.5], task="regression")
    assert_array_equal(rows.indices, [0, 2])
    assert rows.take(docs) == ["a b", "e f"]


@pytest.mark.parametrize(
    "sw, match",
    [
        ([1.0, 1.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
        ([1.0, -1.0, 1.0], "Negative values"),
        ([1.0, np.nan, 1.0], "NaN"),
        ([1.0, np.inf, 1.0], "infinity"),
    ],
)
def test_labelled_rows_bad_weights(sw, match):
    with pytest.raises(ValueError, match=match):
        labelled_rows([[0], [1], [2]], [0, 1, -1], sample_weight=sw)


def test_labelled_rows_needs_labels():
    with pytest.raises(ValueError, match="Est found no labelled rows"):
        labelled_rows([[0], [1]], [-1, -1], estimator_name="Est")


def test_score_labelled_ignores_unlabelled_rows():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    clf = DummyClassifier(strategy="constant", constant=1).fit(X, [1, 0, 1, 0])
    # Rows 0 and 1 are labelled: one right, one wrong.
    assert score_labelled(clf, X, [1, 0, -1, -1], task="classification") == 0.5
    # Weights of the labelled rows only.
    assert_allclose(
        score_labelled(
            clf, X, [1, 0, -1, -1], [3.0, 1.0, 100.0, 100.0], task="classification"
        ),
        0.75,
    )
    reg = DummyRegressor().fit(X, [1.0, 2.0, 3.0, 4.0])
    # R^2 of a constant prediction 2.5 on labelled rows [1, 4] is 0.
    assert_allclose(
        score_labelled(reg, X, [1.0, np.nan, np.nan, 4.0], task="regression"), 0.0
    )


def test_score_labelled_custom_score_gets_labelled_rows():
    seen = {}

    def score(X_l, y_l, sw):
        seen.update(X=X_l, y=y_l, sw=sw)
        return 42.0

    X = np.arange(6.0).reshape(3, 2)
    clf = LogisticRegression().fit(X, [0, 1, 0])
    out = score_labelled(
        clf, X, [0, -1, 1], [1.0, 2.0, 3.0], task="classification", score=score
    )
    assert out == 42.0
    assert_array_equal(seen["X"], X[[0, 2]])
    assert_array_equal(seen["y"], [0, 1])
    assert_allclose(seen["sw"], [1.0, 3.0])


def test_num_rows():
    assert num_rows(None) is None
    assert num_rows(np.zeros((4, 2))) == 4
    assert num_rows(["a", "b"]) == 2
    assert num_rows(sparse.csr_matrix((3, 5))) == 3
    with pytest.raises(ValueError, match="string object received"):
        num_rows("a document")
    with pytest.raises(TypeError, match="sequence of rows"):
        num_rows(5)


def test_as_indexable():
    assert as_indexable(x for x in ["a", "b"]) == ["a", "b"]
    assert as_indexable(sparse.coo_matrix(np.eye(2))).format == "csr"
    with pytest.raises(ValueError, match="string object received"):
        as_indexable("a document")


def test_seed_random_states_same_seed_same_params():
    from sklearn.decomposition import TruncatedSVD
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline

    def pipe():
        return make_pipeline(TruncatedSVD(), RandomForestClassifier())

    a = seed_random_states(pipe(), 0).get_params()
    b = seed_random_states(pipe(), 0).get_params()
    c = seed_random_states(pipe(), 1).get_params()
    keys = ["truncatedsvd__random_state", "randomforestclassifier__random_state"]
    assert [a[k] for k in keys] == [b[k] for k in keys]
    assert [a[k] for k in keys] != [c[k] for k in keys]
    assert all(isinstance(a[k], int) for k in keys)
    # A RandomState instance is drawn from: two calls give two seeds.
    rng = np.random.RandomState(0)
    d = seed_random_states(pipe(), rng).get_params()
    e = seed_random_states(pipe(), rng).get_params()
    assert [d[k] for k in keys] == [a[k] for k in keys]
    assert [d[k] for k in keys] != [e[k] for k in keys]
