"""SCL / SCL-MI (Blitzer et al. 2006, 2007) against their definition, by hand."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.metrics import mutual_info_score

from sktransfer.adaptation import OneDomainWarning, SCLAdapter, select_pivots

# 6 source rows, 5 target rows, 6 features (counts).
X_S = np.array(
    [
        [2, 1, 0, 1, 0, 1],
        [1, 0, 1, 0, 1, 0],
        [1, 1, 0, 0, 0, 1],
        [0, 0, 1, 1, 1, 0],
        [1, 1, 0, 0, 1, 1],
        [0, 0, 1, 1, 0, 0],
    ],
    dtype=float,
)
Y_S = np.array([1, 0, 1, 0, 1, 0])
X_T = np.array(
    [
        [1, 0, 1, 0, 0, 2],
        [0, 1, 1, 0, 1, 1],
        [1, 0, 0, 1, 0, 1],
        [0, 1, 1, 0, 0, 0],
        [1, 0, 0, 0, 1, 1],
    ],
    dtype=float,
)


def _packed():
    X = np.vstack([X_S, X_T])
    y = np.r_[Y_S, -np.ones(5, dtype=int)]
    return X, y


def test_pivot_selection_by_hand():
    df_s = (X_S != 0).sum(axis=0)  # [4, 3, 3, 3, 3, 3]
    df_t = (X_T != 0).sum(axis=0)  # [3, 2, 3, 1, 2, 4]
    assert df_s.tolist() == [4, 3, 3, 3, 3, 3]
    assert df_t.tolist() == [3, 2, 3, 1, 2, 4]
    # Candidates with min_df=2: in >= 2 rows of each domain -> all but 3.
    # SCL: by min(df_s, df_t) = [3, 2, 3, -, 2, 3], ties to the lower index.
    assert select_pivots(X_S, X_T, n_pivots=4, min_df=2).tolist() == [0, 2, 5, 1]
    assert select_pivots(X_S, X_T, n_pivots=3, min_df=3).tolist() == [0, 2, 5]
    # SCL-MI: mutual information of presence with the source label, computed
    # with scikit-learn's contingency-table implementation.
    mi = np.array([mutual_info_score(Y_S, X_S[:, j] != 0) for j in range(6)])
    candidates = np.array([0, 1, 2, 4, 5])
    expected = candidates[np.argsort(-mi[candidates], kind="stable")]
    got = select_pivots(X_S, X_T, Y_S, n_pivots=5, min_df=2)
    assert got.tolist() == expected.tolist()
    # Features 1 and 5 are present exactly in the positive rows, feature 2 in
    # the negative rows: each determines the label (top MI, ties by index).
    assert got[:3].tolist() == [1, 2, 5]
    # Sparse input selects the same pivots.
    got_sparse = select_pivots(
        sparse.csr_matrix(X_S), sparse.csr_matrix(X_T), Y_S, n_pivots=5, min_df=2
    )
    assert got_sparse.tolist() == got.tolist()


def _projection_by_hand(X, pivots, alpha, k):
    """Ridge pivot predictors with an intercept, then a thin SVD, with numpy."""
    nonpivots = np.setdiff1d(np.arange(X.shape[1]), pivots)
    A = X[:, nonpivots]
    P = (X[:, pivots] != 0).astype(float)
    Ac, Pc = A - A.mean(axis=0), P - P.mean(axis=0)
    W = np.linalg.solve(Ac.T @ Ac + alpha * np.eye(A.shape[1]), Ac.T @ Pc)
    U, s, _ = np.linalg.svd(W, full_matrices=False)
    return nonpivots, U[:, :k], s[:k]


@pytest.mark.parametrize("selection", ["mi", "frequency"])
def test_projection_by_hand(selection):
    X, y = _packed()
    scl = SCLAdapter(
        n_pivots=2, n_components=2, pivot_selection=selection, min_df=2, alpha=0.5
    )
    Z = scl.fit_transform(X, y)
    pivots = select_pivots(
        X_S, X_T, Y_S if selection == "mi" else None, n_pivots=2, min_df=2
    )
    assert scl.pivots_.tolist() == pivots.tolist()
    nonpivots, U, s = _projection_by_hand(X, pivots, 0.5, 2)
    assert scl.nonpivots_.tolist() == nonpivots.tolist()
    assert_allclose(scl.singular_values_, s, rtol=1e-6)
    # Singular vectors are defined up to sign.
    signs = np.sign(np.sum(scl.projection_ * U, axis=0))
    assert_allclose(scl.projection_, U * signs, atol=1e-6)
    proj = X[:, nonpivots] @ scl.projection_
    assert_allclose(Z, np.hstack([X, scl.scale_ * proj]))
    # scale_: projected rows have on average the norm of the input rows.
    assert_allclose(
        np.linalg.norm(scl.scale_ * proj, axis=1).mean(),
        np.linalg.norm(X, axis=1).mean(),
    )
    # One map for every row: transform gives the training output.
    assert_allclose(scl.transform(X), Z)
    assert scl.get_feature_names_out().tolist() == [
        "x0",
        "x1",
        "x2",
        "x3",
        "x4",
        "x5",
        "scl0",
        "scl1",
    ]


def test_sparse_input_gives_sparse_output():
    X, y = _packed()
    scl = SCLAdapter(n_pivots=2, n_components=1, min_df=2)
    Z = scl.fit_transform(sparse.csr_matrix(X), y)
    assert sparse.issparse(Z) and Z.shape == (11, 7)
    dense = SCLAdapter(n_pivots=2, n_components=1, min_df=2).fit_transform(X, y)
    assert_allclose(Z.toarray(), dense, atol=1e-5)
    only = SCLAdapter(n_pivots=2, n_components=1, min_df=2, include_input=False)
    assert only.fit_transform(X, y).shape == (11, 1)


def test_components_are_capped_by_the_pivots():
    X, y = _packed()
    scl = SCLAdapter(n_pivots=2, n_components=50, min_df=2).fit(X, y)
    assert scl.n_components_ == 2 and scl.projection_.shape == (4, 2)


def test_more_pivots_than_features_is_an_error():
    X, y = _packed()
    with pytest.raises(ValueError, match="n_pivots=7 is larger than the number"):
        SCLAdapter(n_pivots=7, min_df=1).fit(X, y)
    with pytest.raises(ValueError, match="n_pivots=6 uses every feature"):
        SCLAdapter(n_pivots=6, min_df=1, pivot_selection="frequency").fit(X, y)


def test_single_source_class_is_an_error_for_scl_mi():
    X, y = _packed()
    y[:6] = 1
    with pytest.raises(ValueError, match="pivot_selection='frequency'"):
        SCLAdapter(n_pivots=2, min_df=2).fit(X, y, sample_domain=[0] * 6 + [-1] * 5)
    # Frequency pivots need no labels.
    SCLAdapter(n_pivots=2, min_df=2, pivot_selection="frequency").fit(
        X, y, sample_domain=[0] * 6 + [-1] * 5
    )


def test_few_or_no_candidates():
    X, y = _packed()
    with pytest.warns(UserWarning, match="found 3 candidate pivots"):
        scl = SCLAdapter(n_pivots=5, min_df=3).fit(X, y)
    assert scl.pivots_.shape == (3,)
    with pytest.raises(ValueError, match="no candidate pivot.*Lower min_df"):
        SCLAdapter(n_pivots=2, min_df=5).fit(X, y)


def test_one_domain_is_the_identity():
    with pytest.warns(OneDomainWarning):
        scl = SCLAdapter(n_pivots=2, min_df=1).fit(X_S, Y_S)
    assert scl.identity_
    assert_allclose(scl.transform(X_T), X_T)


@pytest.mark.parametrize(
    "params, match",
    [({"n_pivots": 0}, "'n_pivots' parameter"), ({"alpha": 0.0}, "'alpha'")],
)
def test_bad_parameters(params, match):
    X, y = _packed()
    with pytest.raises(ValueError, match=match):
        SCLAdapter(**params).fit(X, y)
