"""mSDA (Chen et al., ICML 2012) against its definition, computed independently."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

from sktransfer.adaptation import MSDATransformer, marginalized_denoising_weights


def _expected_loss_solution(X, T, noise, reg):
    """Minimise the corruption-averaged loss by enumerating every corruption.

    Each of the ``2**d`` masks (which input features survive) gets its
    probability; the expected loss is then an ordinary weighted least-squares
    problem over ``n * 2**d`` rows, with ridge rows for the penalty. Solved
    with ``numpy.linalg.lstsq``: no closed form involved.
    """
    n, d = X.shape
    rows, targets = [], []
    for mask in itertools.product([0, 1], repeat=d):
        mask = np.array(mask)
        p = np.prod(np.where(mask == 1, 1 - noise, noise))
        if p == 0:
            continue
        A = np.hstack([X * mask, np.ones((n, 1))])
        rows.append(np.sqrt(p) * A)
        targets.append(np.sqrt(p) * T)
    ridge = np.hstack([np.sqrt(reg) * np.eye(d), np.zeros((d, 1))])
    A = np.vstack([*rows, ridge])
    B = np.vstack([*targets, np.zeros((d, T.shape[1]))])
    return np.linalg.lstsq(A, B, rcond=None)[0]


@pytest.mark.parametrize("noise", [0.0, 0.3, 0.7])
@pytest.mark.parametrize("reg", [1e-5, 0.5])
def test_closed_form_layer_matches_a_direct_solve(noise, reg):
    rng = np.random.RandomState(0)
    X = rng.binomial(1, 0.5, size=(7, 4)) * rng.uniform(0.5, 2.0, size=(7, 4))
    expected = _expected_loss_solution(X, X, noise, reg)
    W = marginalized_denoising_weights(X, X, noise, reg=reg)
    assert W.shape == (5, 4)
    assert_allclose(W, expected, rtol=1e-6, atol=1e-9)
    # Sparse input gives the same weights.
    W_sparse = marginalized_denoising_weights(sparse.csr_matrix(X), X, noise, reg=reg)
    assert_allclose(W_sparse, W, rtol=1e-10, atol=1e-12)


def test_closed_form_layer_with_other_targets():
    # The high-dimensional trick: reconstruct a few features from a subset.
    rng = np.random.RandomState(1)
    X = rng.binomial(1, 0.4, size=(9, 5)).astype(float)
    T = X[:, [0, 3]]
    W = marginalized_denoising_weights(X[:, 1:4], T, 0.4, reg=1e-3)
    assert_allclose(W, _expected_loss_solution(X[:, 1:4], T, 0.4, 1e-3), atol=1e-9)


def test_no_noise_is_ordinary_least_squares():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(20, 3))
    W = marginalized_denoising_weights(X, X, 0.0, reg=0.0)
    assert_allclose(np.hstack([X, np.ones((20, 1))]) @ W, X, atol=1e-10)


def _counts(seed=0, n=40, d=9):
    rng = np.random.RandomState(seed)
    X = rng.poisson(rng.uniform(0.05, 1.5, size=d), size=(n, d)).astype(float)
    return sparse.csr_matrix(X)


def test_first_layer_is_the_mean_of_the_subset_maps():
    X = _counts()
    msda = MSDATransformer(
        noise=0.4,
        n_layers=1,
        max_features=3,
        include_input=False,
        scale=2.0,
        random_state=0,
    )
    H = msda.fit_transform(X)
    d = X.shape[1]
    # The 3 most frequent features (most non-zero rows) are the targets.
    df = (X.toarray() != 0).sum(axis=0)
    assert_allclose(np.sort(df[msda.top_features_]), np.sort(df)[-3:])
    assert sorted(np.bincount(msda.subsets_)) == [3, 3, 3]  # 9 features, 3 subsets
    T = X.toarray()[:, msda.top_features_]
    coef, intercept = np.zeros((d, 3)), np.zeros(3)
    for k in range(3):
        cols = np.flatnonzero(msda.subsets_ == k)
        W = marginalized_denoising_weights(X[:, cols], T, 0.4)
        assert_allclose(W, _expected_loss_solution(X.toarray()[:, cols], T, 0.4, 1e-5))
        coef[cols] = W[:-1] / 3
        intercept += W[-1] / 3
    assert_allclose(msda.coefs_[0], coef)
    assert_allclose(msda.intercepts_[0], intercept)
    hidden = np.tanh(X.toarray() @ coef + intercept)
    assert_allclose(H, msda.scale_ * hidden)
    # scale_: the hidden rows have `scale` times the mean norm of the input rows.
    x_norm = np.linalg.norm(X.toarray(), axis=1).mean()
    assert_allclose(np.linalg.norm(H, axis=1).mean(), 2.0 * x_norm)


def test_stacked_layers_and_output():
    X = _counts(seed=1)
    msda = MSDATransformer(noise=0.5, n_layers=3, max_features=4, random_state=0)
    Z = msda.fit_transform(X)
    assert sparse.issparse(Z) and Z.format == "csr"
    assert Z.shape == (40, 9 + 3 * 4)
    assert_allclose(Z[:, :9].toarray(), X.toarray())  # the input comes first
    h1 = np.tanh(X.toarray() @ msda.coefs_[0] + msda.intercepts_[0])
    h2_weights = marginalized_denoising_weights(h1, h1, 0.5)
    assert_allclose(msda.coefs_[1], h2_weights[:-1])
    assert_allclose(msda.intercepts_[1], h2_weights[-1])
    h2 = np.tanh(h1 @ h2_weights[:-1] + h2_weights[-1])
    h3_weights = marginalized_denoising_weights(h2, h2, 0.5)
    h3 = np.tanh(h2 @ h3_weights[:-1] + h3_weights[-1])
    expected = msda.scale_ * np.hstack([h1, h2, h3])
    assert_allclose(Z[:, 9:].toarray(), expected, atol=1e-12)
    # transform is the same map, dense input gives dense output.
    assert_allclose(msda.transform(X).toarray(), Z.toarray())
    assert_allclose(msda.transform(X.toarray()), Z.toarray())
    names = msda.get_feature_names_out()
    assert names.shape == (21,) and names[9] == "msda0_0" and names[-1] == "msda2_3"


def test_small_input_is_one_basic_mda():
    # At most max_features input features: one subset, the basic mDA.
    X = _counts(seed=2, d=4).toarray()
    msda = MSDATransformer(
        noise=0.2, n_layers=1, activation="identity", include_input=False, scale=1.0
    ).fit(X)
    W = marginalized_denoising_weights(X, X[:, msda.top_features_], 0.2)
    assert_allclose(msda.coefs_[0], W[:-1])
    H = msda.transform(X)
    assert_allclose(H, msda.scale_ * (X @ W[:-1] + W[-1]))


def test_float32_and_feature_names():
    X = _counts(seed=3).toarray().astype(np.float32)
    Z = MSDATransformer(max_features=3, n_layers=2, random_state=0).fit_transform(X)
    assert Z.dtype == np.float32 and np.all(np.isfinite(Z))


def test_random_state_controls_the_subsets():
    X = _counts(seed=4)
    a = MSDATransformer(max_features=3, random_state=0).fit(X)
    b = MSDATransformer(max_features=3, random_state=0).fit(X)
    assert np.array_equal(a.subsets_, b.subsets_)
    assert_allclose(a.transform(X).toarray(), b.transform(X).toarray())


@pytest.mark.parametrize("noise", [1.0, -0.1, 1.5])
def test_noise_outside_zero_one_is_an_error(noise):
    with pytest.raises(ValueError, match="'noise' parameter"):
        MSDATransformer(noise=noise).fit(_counts())
    with pytest.raises(ValueError, match=r"noise must be in \[0, 1\)"):
        marginalized_denoising_weights(np.eye(2), np.eye(2), noise)
