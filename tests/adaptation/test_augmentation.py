import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation._augmentation import (
    FeatureAugmentationAdapter,
    NoLabelledTargetWarning,
)
from sktransfer.adaptation._base import OneDomainWarning

X3 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])


def test_source_and_target_rows_follow_the_paper():
    y = np.array([0, 1, 1, -1])
    sd = np.array([0, -1, 0, -1])  # interleaved; row 1 is a labelled target row
    fa = FeatureAugmentationAdapter()
    Z = fa.fit_transform(X3, y, sample_domain=sd)
    zero = np.zeros(2)
    for i, x in enumerate(X3):
        expected = np.r_[x, x, zero] if sd[i] >= 0 else np.r_[x, zero, x]
        assert_array_equal(Z[i], expected)
    assert_array_equal(fa.transform(X3), np.c_[X3, np.zeros((4, 2)), X3])
    assert fa.n_features_out_ == 6
    assert_array_equal(fa.source_domains_, [0])


def test_sparse_in_sparse_out():
    y = np.array([0, 1, 1, -1])
    sd = np.array([0, 0, -1, -1])
    X = X3.copy()
    X[0, 1] = 0.0
    dense = FeatureAugmentationAdapter().fit_transform(X, y, sample_domain=sd)
    fa = FeatureAugmentationAdapter()
    Z = fa.fit_transform(sparse.csr_matrix(X), y, sample_domain=sd)
    assert sparse.issparse(Z) and Z.format == "csr"
    assert Z.nnz == 2 * np.count_nonzero(X)
    assert_array_equal(Z.toarray(), dense)
    out = fa.transform(sparse.csc_matrix(X))
    assert sparse.issparse(out) and out.format == "csr"
    assert_array_equal(out.toarray(), np.c_[X, np.zeros((4, 2)), X])
    # A sparse array stays a sparse array.
    Z_arr = FeatureAugmentationAdapter().fit_transform(
        sparse.csr_array(X), y, sample_domain=sd
    )
    assert isinstance(Z_arr, sparse.sparray)


def test_warns_without_labelled_target_rows():
    y = np.array([0, 1, -1, -1])  # implicit domains: target rows are unlabelled
    with pytest.warns(NoLabelledTargetWarning, match="no labelled target rows"):
        Z = FeatureAugmentationAdapter().fit_transform(X3, y)
    assert_array_equal(Z[2], np.r_[X3[2], 0, 0, X3[2]])


def test_no_warning_with_labelled_target_rows():
    y = np.array([0, 1, 1, -1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FeatureAugmentationAdapter().fit(X3, y, sample_domain=[0, 0, -1, -1])


def test_several_source_domains():
    X = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, -1])
    sd = np.array([0, 0, 2, 2, -1, -1])
    fa = FeatureAugmentationAdapter()
    Z = fa.fit_transform(X, y, sample_domain=sd)
    assert_array_equal(fa.source_domains_, [0, 2])
    assert Z.shape == (6, 8)  # shared, source0, source2, target
    assert_array_equal(Z[0], np.r_[X[0], X[0], 0, 0, 0, 0])
    assert_array_equal(Z[2], np.r_[X[2], 0, 0, X[2], 0, 0])
    assert_array_equal(Z[4], np.r_[X[4], 0, 0, 0, 0, X[4]])
    assert list(fa.get_feature_names_out()) == [
        "shared__x0",
        "shared__x1",
        "source0__x0",
        "source0__x1",
        "source2__x0",
        "source2__x1",
        "target__x0",
        "target__x1",
    ]
    Z_sparse = FeatureAugmentationAdapter().fit_transform(
        sparse.csr_matrix(X), y, sample_domain=sd
    )
    assert_array_equal(Z_sparse.toarray(), Z)

    pooled = FeatureAugmentationAdapter(source_blocks="pooled")
    Zp = pooled.fit_transform(X, y, sample_domain=sd)
    assert Zp.shape == (6, 6)
    assert_array_equal(Zp[2], np.r_[X[2], X[2], 0, 0])
    assert list(pooled.get_feature_names_out())[2:4] == ["source__x0", "source__x1"]


def test_several_target_domains_share_the_target_block():
    y = np.array([0, 1, 1, -1])
    Z = FeatureAugmentationAdapter().fit_transform(X3, y, sample_domain=[0, 0, -1, -2])
    assert_array_equal(Z[2:], np.c_[X3[2:], np.zeros((2, 2)), X3[2:]])


def test_feature_names_follow_input_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X3, columns=["good", "bad"])
    y = np.array([0, 1, 1, -1])
    fa = FeatureAugmentationAdapter().set_output(transform="pandas")
    Z = fa.fit_transform(df, y, sample_domain=[0, 0, -1, -1])
    assert list(Z.columns) == [
        "shared__good",
        "shared__bad",
        "source__good",
        "source__bad",
        "target__good",
        "target__bad",
    ]
    with pytest.raises(ValueError, match="input_features"):
        fa.get_feature_names_out(["a", "b"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    y = np.array([0, 1, 1, -1])
    sd = [0, 0, -1, -1]
    fa = FeatureAugmentationAdapter()
    assert fa.fit_transform(X3.astype(dtype), y, sample_domain=sd).dtype == dtype
    Z = fa.fit_transform(sparse.csr_matrix(X3.astype(dtype)), y, sample_domain=sd)
    assert Z.dtype == dtype


def test_one_domain_is_identity():
    fa = FeatureAugmentationAdapter()
    with pytest.warns(OneDomainWarning):
        Z = fa.fit_transform(X3, [0, 1, 0, 1])
    assert_array_equal(Z, X3)
    assert_array_equal(fa.transform(X3), X3)
    assert list(fa.get_feature_names_out()) == ["x0", "x1"]
    with pytest.warns(OneDomainWarning):
        Z = FeatureAugmentationAdapter().fit_transform(sparse.csr_matrix(X3), None)
    assert sparse.issparse(Z)


def test_bad_input():
    y = np.array([0, 1, 1, -1])
    with pytest.raises(ValueError, match="sample_domain has 2 entries"):
        FeatureAugmentationAdapter().fit(X3, y, sample_domain=[0, -1])
    X_nan = X3.copy()
    X_nan[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        FeatureAugmentationAdapter().fit(X_nan, y)
    with pytest.raises(InvalidParameterError, match="source_blocks"):
        FeatureAugmentationAdapter(source_blocks="each").fit(X3, y)
    fa = FeatureAugmentationAdapter().fit(X3, y, sample_domain=[0, 0, -1, -1])
    with pytest.raises(ValueError, match="features"):
        fa.transform(X3[:, :1])


def test_pickle_round_trip():
    y = np.array([0, 1, 1, -1])
    fa = FeatureAugmentationAdapter().fit(X3, y, sample_domain=[0, 0, -1, -1])
    restored = pickle.loads(pickle.dumps(fa))
    assert_array_equal(restored.transform(X3), fa.transform(X3))


def test_target_block_learns_what_differs_between_domains():
    # The label follows x0 in the source and x1 in the target. With a few
    # labelled target rows, feature augmentation learns the target rule
    # better than a model fitted on the pooled rows.
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(400, 2))
    ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.normal(size=(440, 2))
    yt = (Xt[:, 1] > 0).astype(int)
    lab = np.arange(40)  # 40 labelled target rows; the rest is the test set
    X = np.vstack([Xs, Xt[lab]])
    y = np.r_[ys, yt[lab]]
    sd = np.r_[np.zeros(400, int), -np.ones(40, int)]
    pooled = LogisticRegression().fit(X, y)
    fa = FeatureAugmentationAdapter()
    clf = LogisticRegression().fit(fa.fit_transform(X, y, sample_domain=sd), y)
    test = np.arange(40, 440)
    pooled_acc = pooled.score(Xt[test], yt[test])
    fa_acc = clf.score(fa.transform(Xt[test]), yt[test])
    assert fa_acc > pooled_acc + 0.15
