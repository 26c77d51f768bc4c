import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import linalg, sparse
from sklearn.base import clone
from sklearn.covariance import LedoitWolf
from sklearn.utils._param_validation import InvalidParameterError

import sktransfer.adaptation._mapping as mapping
from sktransfer.adaptation._base import OneDomainWarning
from sktransfer.adaptation._mapping import MAX_SPARSE_FEATURES, CORALAdapter


def _domains(n_s=300, n_t=200, d=4, random_state=0):
    """Source N(0, I); target a linear mix of it, shifted."""
    rng = np.random.RandomState(random_state)
    Xs = rng.normal(size=(n_s, d))
    mix = rng.normal(size=(d, d)) + 2 * np.eye(d)
    Xt = rng.normal(size=(n_t, d)) @ mix + np.arange(1, d + 1)
    X = np.vstack([Xs, Xt])
    y = np.r_[rng.randint(0, 2, n_s), -np.ones(n_t, dtype=int)]
    return X, y, Xs, Xt


def _psd_sqrt(C):
    # An independent matrix square root (Schur based), not eigh.
    return np.real(linalg.sqrtm(C))


def test_source_gets_target_mean_and_covariance():
    X, y, Xs, Xt = _domains()
    coral = CORALAdapter(reg=0.0)
    Z = coral.fit_transform(X, y)
    Zs, Zt = Z[:300], Z[300:]
    assert_allclose(np.cov(Zs, rowvar=False), np.cov(Xt, rowvar=False), atol=1e-10)
    assert_allclose(Zs.mean(axis=0), Xt.mean(axis=0), atol=1e-10)
    # Target rows are unchanged, in fit_transform and transform.
    assert_array_equal(Zt, Xt)
    assert_array_equal(coral.transform(Xt), Xt)
    assert not coral.identity_


def test_map_matches_paper_definition_with_float_reg():
    X, y, Xs, Xt = _domains(d=5)
    reg = 0.5
    coral = CORALAdapter(reg=reg).fit(X, y)
    Cs = np.cov(Xs, rowvar=False) + reg * np.eye(5)
    Ct = np.cov(Xt, rowvar=False) + reg * np.eye(5)
    A = np.linalg.inv(_psd_sqrt(Cs)) @ _psd_sqrt(Ct)
    assert_allclose(coral.A_, A, rtol=1e-8, atol=1e-10)
    expected = (Xs - Xs.mean(axis=0)) @ A + Xt.mean(axis=0)
    assert_allclose(CORALAdapter(reg=reg).fit_transform(X, y)[:300], expected)
    assert coral.shrinkage_source_ == coral.shrinkage_target_ == 0.0


def test_reg_auto_is_ledoit_wolf():
    X, y, Xs, Xt = _domains(n_s=40, n_t=30, d=8)
    Xs = Xs @ np.random.RandomState(2).normal(size=(8, 8))  # correlated source
    X[:40] = Xs
    coral = CORALAdapter().fit(X, y)
    lw_s, lw_t = LedoitWolf().fit(Xs), LedoitWolf().fit(Xt)
    assert coral.shrinkage_source_ == pytest.approx(lw_s.shrinkage_, rel=1e-10)
    assert coral.shrinkage_target_ == pytest.approx(lw_t.shrinkage_, rel=1e-10)
    assert 0 < coral.shrinkage_source_ < 1
    A = np.linalg.inv(_psd_sqrt(lw_s.covariance_)) @ _psd_sqrt(lw_t.covariance_)
    assert_allclose(coral.A_, A, rtol=1e-8, atol=1e-10)


def test_ledoit_wolf_on_sparse_matches_dense():
    X, y, _, _ = _domains(n_s=40, n_t=30, d=8)
    X[X < 0.3] = 0.0
    dense = CORALAdapter().fit(X, y)
    sp = CORALAdapter().fit(sparse.csr_matrix(X), y)
    assert sp.shrinkage_source_ == pytest.approx(dense.shrinkage_source_)
    assert_allclose(sp.A_, dense.A_, atol=1e-10)


def test_assume_centered_uses_second_moments_and_no_shift():
    X, y, Xs, Xt = _domains()
    Z = CORALAdapter(reg=0.0, assume_centered=True).fit_transform(X, y)
    Ms = Xs.T @ Xs / Xs.shape[0]
    Mt = Xt.T @ Xt / Xt.shape[0]
    A = np.linalg.inv(_psd_sqrt(Ms)) @ _psd_sqrt(Mt)
    assert_allclose(Z[:300], Xs @ A, atol=1e-10)
    assert_allclose(Z[:300].T @ Z[:300] / 300, Mt, atol=1e-10)


def test_interleaved_rows_keep_their_order():
    X, y, _, _ = _domains()
    perm = np.random.RandomState(1).permutation(X.shape[0])
    Z = CORALAdapter().fit_transform(X, y)
    Z_perm = CORALAdapter().fit_transform(X[perm], y[perm])
    assert_allclose(Z_perm, Z[perm])


def test_explicit_domains_pool_sources_and_use_labelled_target_rows():
    X, y, _, _ = _domains()
    sd = np.r_[np.zeros(150, int), np.ones(150, int), -np.ones(200, int)]
    y_lab = y.copy()
    y_lab[300:310] = 1  # a few labelled target rows stay target rows
    Z = CORALAdapter().fit_transform(X, y_lab, sample_domain=sd)
    assert_allclose(Z, CORALAdapter().fit_transform(X, y))


def test_transform_never_recomputes_the_map(monkeypatch):
    X, y, _, Xt = _domains()
    coral = CORALAdapter().fit(X, y)

    def boom(*args, **kwargs):
        raise AssertionError("eigh called after fit")

    monkeypatch.setattr(mapping, "_sym_power", boom)
    monkeypatch.setattr(mapping.linalg, "eigh", boom)
    assert_array_equal(coral.transform(Xt), Xt)


def test_singular_covariance_with_reg_zero_stays_finite():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 50))  # 10 source rows in 50 dimensions
    X[:, 0] = 1.0  # a constant feature
    y = np.r_[np.zeros(10, int), np.ones(10, int), -np.ones(10, int)]
    Z = CORALAdapter(reg=0.0).fit_transform(X, y)
    assert np.all(np.isfinite(Z))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    X, y, _, Xt = _domains()
    coral = CORALAdapter()
    Z = coral.fit_transform(X.astype(dtype), y)
    assert Z.dtype == dtype
    assert coral.transform(Xt.astype(dtype)).dtype == dtype
    ref = CORALAdapter().fit_transform(X, y)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    assert_allclose(Z, ref, rtol=tol, atol=tol)


def test_integer_input_gives_float64():
    X, y, _, _ = _domains()
    Z = CORALAdapter().fit_transform(np.round(X * 10).astype(int), y)
    assert Z.dtype == np.float64


def test_sparse_input_gives_the_dense_result():
    X, y, _, Xt = _domains(d=6)
    X[np.abs(X) < 0.5] = 0.0
    Z_dense = CORALAdapter().fit_transform(X, y)
    coral = CORALAdapter()
    Z_sparse = coral.fit_transform(sparse.csr_matrix(X), y)
    assert isinstance(Z_sparse, np.ndarray)
    assert_allclose(Z_sparse, Z_dense, atol=1e-10)
    out = coral.transform(sparse.csr_matrix(X[300:]))
    assert isinstance(out, np.ndarray)
    assert_allclose(out, X[300:])


def test_too_wide_sparse_input_suggests_truncated_svd():
    X = sparse.random(20, MAX_SPARSE_FEATURES + 1, density=0.01, random_state=0)
    y = np.r_[np.zeros(5, int), np.ones(5, int), -np.ones(10, int)]
    with pytest.raises(ValueError, match="TruncatedSVD"):
        CORALAdapter().fit(X.tocsr(), y)


def test_one_domain_is_identity_and_warns():
    X, y, _, _ = _domains()
    labelled = y != -1
    coral = CORALAdapter()
    with pytest.warns(OneDomainWarning, match="no target rows"):
        Z = coral.fit_transform(X[labelled], y[labelled])
    assert coral.identity_
    assert_array_equal(Z, X[labelled])
    assert not hasattr(coral, "A_")
    with pytest.warns(OneDomainWarning, match="no source rows"):
        CORALAdapter().fit(X)  # y=None: every row is a target row


def test_bad_input_errors():
    X, y, _, _ = _domains()
    with pytest.raises(ValueError, match="sample_domain has 3 entries"):
        CORALAdapter().fit(X, y, sample_domain=[0, 0, -1])
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CORALAdapter().fit(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        CORALAdapter().fit(X_inf, y)
    with pytest.raises(InvalidParameterError, match="reg"):
        CORALAdapter(reg=-1.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="reg"):
        CORALAdapter(reg="ledoit").fit(X, y)
    coral = CORALAdapter().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        coral.transform(X[:, :2])


def test_feature_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    X, y, _, Xt = _domains()
    cols = ["a", "b", "c", "d"]
    coral = CORALAdapter().set_output(transform="pandas")
    Z = coral.fit_transform(pd.DataFrame(X, columns=cols), y)
    assert list(Z.columns) == cols
    assert_array_equal(coral.get_feature_names_out(), cols)
    assert list(coral.transform(pd.DataFrame(Xt, columns=cols)).columns) == cols


def test_clone_and_pickle_of_a_fitted_adapter():
    X, y, _, Xt = _domains()
    coral = CORALAdapter(reg=0.1).fit(X, y)
    restored = pickle.loads(pickle.dumps(coral))
    assert_allclose(restored.A_, coral.A_)
    assert_allclose(restored.fit_transform(X, y), coral.fit_transform(X, y))
    assert not hasattr(clone(coral), "A_")


def test_source_only_vs_coral_on_scaled_and_shifted_target():
    # Classes split along x0 at 0 in the source; the target stretches and
    # shifts the features, so a source-only threshold misses the target
    # split. CORAL gives the source rows the target mean and covariance.
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    n = 400
    ys = rng.randint(0, 2, n)
    yt = rng.randint(0, 2, n)
    shift = np.c_[2.0 * ys - 1, np.zeros(n)]
    Xs = rng.normal(size=(n, 2)) * 0.7 + shift
    Xt = (rng.normal(size=(n, 2)) * 0.7 + np.c_[2.0 * yt - 1, np.zeros(n)]) * [
        3.0,
        0.5,
    ] + [6.0, -2.0]
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(n, int)]
    source_only = LogisticRegression().fit(Xs, ys).score(Xt, yt)
    coral = CORALAdapter()
    Z = coral.fit_transform(X, y)
    adapted = LogisticRegression().fit(Z[:n], ys).score(coral.transform(Xt), yt)
    assert source_only < 0.6
    assert adapted > 0.9


def test_refit_discards_the_previous_fit():
    X, y, _, _ = _domains()
    coral = CORALAdapter().fit(X, y)
    assert hasattr(coral, "A_")
    with pytest.warns(OneDomainWarning):
        coral.fit(X[:300], y[:300])
    assert coral.identity_ and not hasattr(coral, "A_")
