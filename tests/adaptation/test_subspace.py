import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.decomposition import PCA
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.utils._param_validation import InvalidParameterError

import sktransfer.adaptation._subspace as subspace
from sktransfer.adaptation._base import OneDomainWarning
from sktransfer.adaptation._mapping import MAX_SPARSE_FEATURES
from sktransfer.adaptation._subspace import SubspaceAlignmentAdapter, TCAAdapter


def _domains(n_s=60, n_t=50, d=5, shift=1.0, random_state=0):
    rng = np.random.RandomState(random_state)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) + shift
    X = np.vstack([Xs, Xt])
    y = np.r_[np.arange(n_s) % 2, -np.ones(n_t, dtype=int)]
    return X, y, Xs, Xt


def _assert_equal_up_to_column_sign(A, B, **kwargs):
    signs = np.sign(np.sum(A * B, axis=0))
    assert np.all(signs != 0)
    assert_allclose(A * signs, B, **kwargs)


# ---------------------------------------------------------------------------
# Subspace alignment
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n_s, d", [(60, 5), (8, 12)])  # eigh and SVD paths
def test_sa_matches_the_definition(n_s, d):
    X, y, Xs, Xt = _domains(n_s=n_s, n_t=10, d=d)
    k = 3
    # Independent reference: PCA bases, M = Ps^T Pt, source Xs Ps M, target Xt Pt.
    Ps = PCA(k).fit(Xs).components_.T
    Pt = PCA(k).fit(Xt).components_.T
    M = Ps.T @ Pt
    ref_s = (Xs - Xs.mean(axis=0)) @ Ps @ M
    ref_t = (Xt - Xt.mean(axis=0)) @ Pt
    sa = SubspaceAlignmentAdapter(n_components=k)
    Z = sa.fit_transform(X, y)
    # The sign of each target axis is arbitrary: the same flip for both domains.
    signs = np.sign(np.sum(Z[n_s:] * ref_t, axis=0))
    assert_allclose(Z[:n_s] * signs, ref_s, atol=1e-8)
    assert_allclose(Z[n_s:] * signs, ref_t, atol=1e-8)
    assert_allclose(sa.transform(Xt), Z[n_s:])
    assert sa.n_components_ == k
    assert sa.alignment_.shape == (k, k)
    assert_allclose(
        sa.components_source_ @ sa.components_source_.T, np.eye(k), atol=1e-12
    )


def test_sa_default_keeps_every_component():
    X, y, _, _ = _domains()
    sa = SubspaceAlignmentAdapter()
    assert sa.fit_transform(X, y).shape == (110, 5)
    assert sa.n_components_ == 5
    assert_array_equal(
        sa.get_feature_names_out(),
        [f"subspacealignmentadapter{i}" for i in range(5)],
    )


def test_sa_n_components_too_large():
    X, y, _, _ = _domains(n_s=60, n_t=4, d=5)
    with pytest.raises(ValueError, match=r"n_components=5 must be at most .* = 4"):
        SubspaceAlignmentAdapter(n_components=5).fit(X, y)
    with pytest.raises(ValueError, match="n_components=6"):
        SubspaceAlignmentAdapter(n_components=6).fit(*_domains()[:2])
    with pytest.raises(InvalidParameterError, match="n_components"):
        SubspaceAlignmentAdapter(n_components=0).fit(X, y)


def test_sa_sparse_matches_dense_and_rejects_wide_sparse():
    X, y, _, Xt = _domains(d=6)
    X[np.abs(X) < 0.5] = 0.0
    dense = SubspaceAlignmentAdapter(n_components=3)
    sp = SubspaceAlignmentAdapter(n_components=3)
    assert_allclose(
        sp.fit_transform(sparse.csr_matrix(X), y), dense.fit_transform(X, y)
    )
    assert_allclose(sp.transform(sparse.csr_matrix(X[60:])), dense.transform(X[60:]))
    wide = sparse.random(20, MAX_SPARSE_FEATURES + 1, density=0.01, random_state=0)
    y_wide = np.r_[np.arange(10) % 2, -np.ones(10, int)]
    with pytest.raises(ValueError, match="TruncatedSVD"):
        SubspaceAlignmentAdapter(n_components=2).fit(wide.tocsr(), y_wide)


def test_sa_float32_is_preserved():
    X, y, _, _ = _domains()
    Z = SubspaceAlignmentAdapter(n_components=2).fit_transform(X.astype(np.float32), y)
    assert Z.dtype == np.float32
    ref = SubspaceAlignmentAdapter(n_components=2).fit_transform(X, y)
    assert_allclose(Z, ref, rtol=1e-4, atol=1e-4)


def test_sa_one_domain_is_identity():
    X, y, _, _ = _domains()
    sa = SubspaceAlignmentAdapter(n_components=2)
    with pytest.warns(OneDomainWarning):
        Z = sa.fit_transform(X[:60], y[:60])
    assert_array_equal(Z, X[:60])
    assert_array_equal(sa.get_feature_names_out(), [f"x{i}" for i in range(5)])


def test_sa_pandas_output_names():
    pd = pytest.importorskip("pandas")
    X, y, _, _ = _domains()
    sa = SubspaceAlignmentAdapter(n_components=2).set_output(transform="pandas")
    Z = sa.fit_transform(pd.DataFrame(X, columns=list("abcde")), y)
    assert list(Z.columns) == ["subspacealignmentadapter0", "subspacealignmentadapter1"]


# ---------------------------------------------------------------------------
# Transfer component analysis
# ---------------------------------------------------------------------------


def _tca_reference(K, n_s, mu, k):
    """Leading eigenpairs of (K L K + mu I)^-1 K H K, with plain numpy."""
    n = K.shape[0]
    n_t = n - n_s
    L = np.empty((n, n))
    L[:n_s, :n_s] = 1.0 / n_s**2
    L[n_s:, n_s:] = 1.0 / n_t**2
    L[:n_s, n_s:] = L[n_s:, :n_s] = -1.0 / (n_s * n_t)
    H = np.eye(n) - np.ones((n, n)) / n
    w, V = np.linalg.eig(np.linalg.solve(K @ L @ K + mu * np.eye(n), K @ H @ K))
    order = np.argsort(-w.real)[:k]
    return w.real[order], V.real[:, order]


def _unit_columns(Z):
    Z = Z - Z.mean(axis=0)
    return Z / np.linalg.norm(Z, axis=0)


@pytest.mark.parametrize(
    "kernel, d",
    [("rbf", 3), ("linear", 3), ("linear", 30)],  # dual, exact primal, dual
)
def test_tca_solves_the_paper_eigenproblem(kernel, d):
    n_s, n_t, mu, k = 9, 7, 0.7, 2
    X, y, _, _ = _domains(n_s=n_s, n_t=n_t, d=d)
    K = rbf_kernel(X, gamma=0.3) if kernel == "rbf" else X @ X.T
    w_ref, V_ref = _tca_reference(K, n_s, mu, k)
    tca = TCAAdapter(n_components=k, kernel=kernel, gamma=0.3, mu=mu).fit(X, y)
    assert_allclose(tca.eigenvalues_, w_ref, rtol=1e-8)
    # Embeddings agree up to the scale and sign of each component.
    Z = tca.transform(X)
    _assert_equal_up_to_column_sign(
        _unit_columns(Z), _unit_columns(K @ V_ref), atol=1e-7
    )
    # Each component has unit variance over the fitting rows.
    assert_allclose(Z.std(axis=0), 1.0)


def test_tca_reduces_the_domain_discrepancy():
    rng = np.random.RandomState(0)
    n = 150
    Xs = rng.normal(size=(n, 6))
    Xt = rng.normal(size=(n, 6))
    Xt[:, :3] += 3.0  # a mean shift on half of the features
    X = np.vstack([Xs, Xt])
    y = np.r_[np.arange(n) % 2, -np.ones(n, int)]

    def normalised_linear_mmd(Z):
        gap = Z[:n].mean(axis=0) - Z[n:].mean(axis=0)
        return gap @ gap / np.trace(np.cov(Z, rowvar=False))

    for kernel in ("linear", "rbf"):
        Z = TCAAdapter(n_components=3, kernel=kernel, mu=0.1).fit_transform(X, y)
        assert normalised_linear_mmd(Z) < 0.05 * normalised_linear_mmd(X)


def test_tca_arpack_path_matches_dense_eigh(monkeypatch):
    X, y, _, _ = _domains(n_s=70, n_t=60, d=4)
    dense = TCAAdapter(n_components=3, kernel="rbf", random_state=0).fit(X, y)
    monkeypatch.setattr(subspace, "_DENSE_EIGH_MAX_ROWS", 10)
    calls = []
    real_eigsh = subspace.eigsh
    monkeypatch.setattr(
        subspace, "eigsh", lambda *a, **kw: calls.append(1) or real_eigsh(*a, **kw)
    )
    arpack = TCAAdapter(n_components=3, kernel="rbf", random_state=0).fit(X, y)
    assert calls
    assert_allclose(arpack.eigenvalues_, dense.eigenvalues_, rtol=1e-8)
    assert_allclose(arpack.transform(X), dense.transform(X), atol=1e-6)


def test_tca_sparse_linear_matches_dense_primal():
    X, y, _, _ = _domains(n_s=40, n_t=30, d=6)
    X[np.abs(X) < 0.3] = 0.0
    dense = TCAAdapter(n_components=3).fit(X, y)  # exact primal solver
    sp = TCAAdapter(n_components=3).fit(sparse.csr_matrix(X), y)  # dual solver
    assert_allclose(sp.eigenvalues_, dense.eigenvalues_, rtol=1e-8)
    assert_allclose(sp.transform(sparse.csr_matrix(X)), dense.transform(X), atol=1e-7)
    assert sp.projection_.shape == (6, 3)


def test_tca_landmarks_above_max_samples():
    X, y, _, _ = _domains(n_s=80, n_t=30, d=4)
    tca = TCAAdapter(n_components=2, kernel="rbf", max_samples=40, random_state=0)
    Z = tca.fit_transform(X, y)
    idx = tca.landmark_indices_
    assert idx.shape == (40,)
    # Half from each domain (the target has 30 rows, enough for 20).
    assert np.sum(idx < 80) == 20 and np.sum(idx >= 80) == 20
    assert_allclose(tca.X_fit_, X[idx])
    # Every row, landmark or not, goes through the kernel with the landmarks.
    K = rbf_kernel(X, X[idx], gamma=tca.gamma_)
    assert_allclose(Z, K @ tca.dual_coef_)
    assert_allclose(tca.transform(X[80:]), Z[80:])
    # Seeded: same landmarks again.
    again = TCAAdapter(n_components=2, kernel="rbf", max_samples=40, random_state=0)
    assert_array_equal(again.fit(X, y).landmark_indices_, idx)
    # The smaller domain gives all its rows when it has fewer than half.
    small = TCAAdapter(n_components=2, kernel="rbf", max_samples=70).fit(X, y)
    assert np.sum(small.landmark_indices_ >= 80) == 30


def test_tca_linear_dense_ignores_max_samples():
    X, y, _, _ = _domains(n_s=80, n_t=30, d=4)
    tca = TCAAdapter(n_components=2, max_samples=10).fit(X, y)
    assert tca.landmark_indices_ is None
    assert tca.projection_.shape == (4, 2)
    assert_allclose(tca.transform(X), X @ tca.projection_)


def test_tca_gamma_defaults_to_scale():
    X, y, _, _ = _domains()
    tca = TCAAdapter(n_components=2, kernel="rbf").fit(X, y)
    assert tca.gamma_ == pytest.approx(1.0 / (X.shape[1] * X.var()))
    assert TCAAdapter(n_components=2, kernel="rbf", gamma=0.5).fit(X, y).gamma_ == 0.5
    assert TCAAdapter(n_components=2).fit(X, y).gamma_ is None


@pytest.mark.parametrize("kernel", ["poly", "sigmoid", "cosine", "laplacian"])
def test_tca_other_kernels(kernel):
    X, y, _, Xt = _domains()
    tca = TCAAdapter(n_components=2, kernel=kernel)
    Z = tca.fit_transform(X, y)
    assert Z.shape == (110, 2) and np.all(np.isfinite(Z))
    assert_allclose(tca.transform(Xt), Z[60:], atol=1e-10)


def test_tca_n_components_too_large():
    X, y, _, _ = _domains(n_s=9, n_t=7, d=3)
    with pytest.raises(
        ValueError, match=r"n_components=4 must be at most .*n_features"
    ):
        TCAAdapter(n_components=4).fit(X, y)
    with pytest.raises(ValueError, match=r"n_components=17 must be at most .*\(16\)"):
        TCAAdapter(n_components=17, kernel="rbf").fit(X, y)


def test_tca_bad_params():
    X, y, _, _ = _domains()
    with pytest.raises(InvalidParameterError, match="mu"):
        TCAAdapter(mu=0.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="kernel"):
        TCAAdapter(kernel="chi2").fit(X, y)
    with pytest.raises(InvalidParameterError, match="max_samples"):
        TCAAdapter(max_samples=1).fit(X, y)


def test_tca_output_is_float64_and_pickles():
    X, y, _, Xt = _domains()
    tca = TCAAdapter(n_components=2, kernel="rbf").fit(X.astype(np.float32), y)
    assert tca.transform(Xt).dtype == np.float64
    restored = pickle.loads(pickle.dumps(tca))
    assert_allclose(restored.transform(Xt), tca.transform(Xt))


@pytest.mark.parametrize(
    "adapter",
    [SubspaceAlignmentAdapter(n_components=2), TCAAdapter(n_components=2)],
    ids=lambda a: type(a).__name__,
)
def test_bad_input(adapter):
    X, y, _, _ = _domains()
    with pytest.raises(ValueError, match="sample_domain has 2 entries"):
        adapter.fit(X, y, sample_domain=[0, -1])
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        adapter.fit(X_nan, y)
    with pytest.raises(ValueError, match="infinity"):
        adapter.fit(np.where(np.isnan(X_nan), np.inf, X_nan), y)
    with pytest.warns(OneDomainWarning):
        assert_array_equal(adapter.fit_transform(X[:60], y[:60]), X[:60])
