"""The shared machinery of adaptation/_base.py: validation, domains, mixins."""

import numpy as np
import pytest
from scipy import sparse

from sktransfer.adaptation import (
    CORALAdapter,
    DiscriminativeWeighting,
    DomainAwareClassifier,
    DomainAwareRegressor,
    FeatureAugmentationAdapter,
    KLIEPWeighting,
    KMMWeighting,
    NearestNeighborWeighting,
    SubspaceAlignmentAdapter,
    TCAAdapter,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)
from sktransfer.adaptation._base import _source_and_target_rows
from sktransfer.utils import check_domains

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

# How each estimator validates X: dtype of float32 and of int input, and the
# format of CSC input (the settings each class had before _validate_X).
VALIDATION = [
    (CORALAdapter(), F32, F64, "csr"),
    (SubspaceAlignmentAdapter(), F32, F64, "csr"),
    (TCAAdapter(), F64, F64, "csr"),
    (FeatureAugmentationAdapter(), F32, F64, "csc"),
    (KMMWeighting(), F64, F64, "csr"),
    (KLIEPWeighting(), F64, F64, "csr"),
    (DiscriminativeWeighting(), F32, np.dtype(int), "csr"),
    (NearestNeighborWeighting(), F32, np.dtype(int), "csr"),
    (TrAdaBoostClassifier(), F32, F64, "csc"),
    (TrAdaBoostRegressor(), F32, F64, "csc"),
]


@pytest.mark.parametrize(
    "estimator, float32_to, int_to, csc_to",
    VALIDATION,
    ids=[type(v[0]).__name__ for v in VALIDATION],
)
def test_validate_X_follows_the_class_attributes(estimator, float32_to, int_to, csc_to):
    X = np.arange(12.0).reshape(4, 3)
    assert estimator._validate_X(X.astype(np.float32), reset=True).dtype == float32_to
    assert estimator._validate_X(X.astype(int), reset=True).dtype == int_to
    out = estimator._validate_X(sparse.csc_matrix(X), reset=True)
    assert out.format == csc_to
    assert estimator.n_features_in_ == 3
    # After fit (reset=False) the number of features is checked.
    with pytest.raises(ValueError, match="3 features"):
        estimator._validate_X(X[:, :2], reset=False)
    with pytest.raises(ValueError, match="NaN"):
        estimator._validate_X(np.full((2, 3), np.nan), reset=False)


@pytest.mark.parametrize("adapter", [CORALAdapter(), SubspaceAlignmentAdapter()])
def test_wide_sparse_input_is_refused_in_fit_only(adapter):
    limit = type(adapter)._max_sparse_features
    assert limit == 5000
    wide = sparse.random(4, limit + 1, density=0.01, format="csr", random_state=0)
    with pytest.raises(ValueError, match=f"limit is {limit}.*TruncatedSVD"):
        adapter._validate_X(wide, reset=True)
    narrow = sparse.random(4, limit, density=0.01, format="csr", random_state=0)
    assert adapter._validate_X(narrow, reset=True).shape == (4, limit)
    # Other estimators take sparse input of any width.
    assert TCAAdapter()._validate_X(wide, reset=True).shape == (4, limit + 1)


def test_source_and_target_rows_are_copies():
    X = np.arange(10.0).reshape(5, 2)
    masks = check_domains(np.array([0, 1, -1, 1, -1]), None, n_samples=5)
    Xs, Xt = _source_and_target_rows(X, masks)
    np.testing.assert_array_equal(Xs, X[[0, 1, 3]])
    np.testing.assert_array_equal(Xt, X[[2, 4]])
    assert not np.shares_memory(Xs, X) and not np.shares_memory(Xt, X)


@pytest.mark.parametrize(
    "estimator",
    [
        CORALAdapter(),
        KMMWeighting(),
        DiscriminativeWeighting(),
        DomainAwareClassifier(None),
        DomainAwareRegressor(None),
        TrAdaBoostClassifier(),
        TrAdaBoostRegressor(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_sample_domain_is_requested_by_default(estimator):
    requests = estimator.get_metadata_routing()
    assert requests.fit.requests["sample_domain"] is True
    if hasattr(estimator, "score"):
        assert requests.score.requests["sample_domain"] is True
