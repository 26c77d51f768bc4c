"""Adapters, weightings and TrAdaBoost on data of an extreme scale.

Features of 1e-200 or 1e200 have squares that underflow or overflow float64.
The methods that are scale-equivariant or scale-invariant by definition (at
their default settings) must give the result of the same data at unit scale;
the others raise a clear error. Never a NaN, an empty output or constant
weights.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression

from sktransfer.adaptation import (
    ClassBalancedSelfTrainingClassifier,
    CORALAdapter,
    DiscriminativeWeighting,
    DomainAwareClassifier,
    FeatureAugmentationAdapter,
    KLIEPWeighting,
    KMMWeighting,
    MSDATransformer,
    NearestNeighborWeighting,
    SCLAdapter,
    SubspaceAlignmentAdapter,
    TCAAdapter,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)
from sktransfer.adaptation._base import power_of_two_scale

SCALES = [1e-200, 1e200, 1e300]


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(30, 3)), rng.normal(size=(30, 3)) * [2, 1, 0.5] + 1]
    y = np.r_[rng.randint(0, 2, 30), -np.ones(30, dtype=int)]
    return X, y


def _assert_scaled(out, ref, c):
    """``out == c * ref`` up to float64 rounding of the computation."""
    assert np.all(np.isfinite(out))
    assert_allclose(out / c, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize(
    "adapter",
    [
        CORALAdapter(),
        CORALAdapter(reg=0.0),
        CORALAdapter(reg=1e-3),
        CORALAdapter(assume_centered=True),
        SubspaceAlignmentAdapter(n_components=2),
        FeatureAugmentationAdapter(),
    ],
    ids=repr,
)
def test_equivariant_adapters(data, adapter, c):
    X, y = data
    sd = np.r_[np.zeros(30, int), -np.ones(30, int)]
    ref = adapter.fit_transform(X, y, sample_domain=sd)
    ref_t = adapter.transform(X[30:])
    if isinstance(adapter, CORALAdapter) and adapter.reg not in ("auto", 0.0):
        # A float reg is added to the covariance: not scale-free. With X of
        # 1e-200, reg swamps both covariances and A_ is the identity; with X
        # of 1e200, reg is negligible, as reg=0.
        ref_adapter = CORALAdapter(reg=0.0) if c > 1 else None
        if ref_adapter is None:
            adapter.fit(X * c, y, sample_domain=sd)
            assert_allclose(adapter.A_, np.eye(3), atol=1e-12)
            return
        ref = ref_adapter.fit_transform(X, y, sample_domain=sd)
        ref_t = ref_adapter.transform(X[30:])
    out = adapter.fit_transform(X * c, y, sample_domain=sd)
    assert out.shape == ref.shape
    _assert_scaled(out, ref, c)
    _assert_scaled(adapter.transform(X[30:] * c), ref_t, c)


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("kernel", ["rbf", "poly", "sigmoid", "cosine"])
def test_tca_scale_invariant_kernels(data, kernel, c):
    # With gamma=None ('scale'), these kernels of c * X are those of X.
    X, y = data
    tca = TCAAdapter(n_components=2, kernel=kernel, random_state=0)
    ref, ref_t = tca.fit_transform(X, y), tca.transform(X[30:])
    out = tca.fit_transform(X * c, y)
    assert np.all(np.isfinite(out))
    assert_allclose(out, ref, rtol=1e-6, atol=1e-9)
    assert_allclose(tca.transform(X[30:] * c), ref_t, rtol=1e-6, atol=1e-9)


def test_tca_laplacian_is_not_scale_invariant_and_never_embeds_at_zero(data):
    # 'scale' gives the laplacian kernel 1 / (n_features * X.var()), which
    # does not follow the L1 distance's scale: on X of 1e200 every kernel
    # value is 1. That is an error, not an embedding of every row at 0.
    X, y = data
    with pytest.raises(ValueError, match="kernel matrix of the fitting rows is"):
        TCAAdapter(n_components=2, kernel="laplacian").fit(X * 1e200, y)
    out = TCAAdapter(n_components=2, kernel="laplacian").fit_transform(X * 1e-200, y)
    assert np.all(np.isfinite(out)) and np.all(out.std(axis=0) > 0.5)


def test_tca_linear_mu_is_relative_to_x_to_the_fourth(data):
    # TCA(mu) on c * X is TCA(mu / c**4) on X: the internal rescaling of
    # extreme data solves exactly that problem.
    X, y = data
    ref = TCAAdapter(n_components=2, mu=1.0).fit_transform(X, y)
    c = 2.0**70  # beyond the safe range: X is divided by a power of two
    out = TCAAdapter(n_components=2, mu=1.0 * c**4).fit_transform(X * c, y)
    assert_allclose(out, ref, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("c", SCALES)
def test_tca_linear_extreme_scale_is_a_clear_error(data, c):
    X, y = data
    with pytest.raises(ValueError, match="not scale-invariant.*StandardScaler"):
        TCAAdapter(n_components=2).fit(X * c, y)


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize(
    "weighting",
    [
        KMMWeighting(),
        KMMWeighting(kernel="laplacian"),
        KLIEPWeighting(random_state=0),
        NearestNeighborWeighting(),
        NearestNeighborWeighting(n_neighbors=3, metric="manhattan"),
    ],
    ids=repr,
)
def test_scale_invariant_weightings(data, weighting, c):
    X, y = data
    ref = weighting.fit(X, y).weights_
    ref_new = (
        weighting.compute_weights(X[:5] * 0.5)
        if hasattr(weighting, "compute_weights")
        else None
    )
    w = weighting.fit(X * c, y).weights_
    assert np.all(np.isfinite(w))
    assert not np.all(w == 1.0)
    assert_allclose(w, ref, rtol=1e-6, atol=1e-9)
    if ref_new is not None:
        assert_allclose(weighting.compute_weights(X[:5] * 0.5 * c), ref_new, rtol=1e-6)


@pytest.mark.parametrize("c", SCALES)
def test_kmm_explicit_gamma_of_the_wrong_scale_is_a_clear_error(data, c):
    X, y = data
    with pytest.raises(ValueError, match="gamma=1 cannot be used on X of this scale"):
        KMMWeighting(gamma=1.0).fit(X * c, y)


@pytest.mark.parametrize("c", SCALES)
def test_discriminative_default_classifier_sees_a_sane_scale(data, c):
    # Logistic regression is not scale-invariant (C), but the default one
    # must not be regularised to a constant (every weight 1) or overflow.
    X, y = data
    ref = DiscriminativeWeighting().fit(X, y).weights_[:30]
    dw = DiscriminativeWeighting().fit(X * c, y)
    w = dw.weights_[:30]
    assert np.all(np.isfinite(w)) and np.ptp(w) > 1.0
    assert np.corrcoef(w, ref)[0, 1] > 0.8
    assert_allclose(dw.compute_weights(X[:30] * c), w)


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("Est", [TrAdaBoostClassifier, TrAdaBoostRegressor])
def test_tradaboost_default_trees_are_scale_invariant(data, Est, c):
    X, y = data
    rng = np.random.RandomState(1)
    if Est is TrAdaBoostClassifier:
        y = np.r_[y[:30], rng.randint(0, 2, 10), -np.ones(20, dtype=int)]
    else:
        y = np.r_[X[:40, 0] + rng.normal(size=40), np.full(20, np.nan)]
    sd = np.r_[np.zeros(30, int), -np.ones(30, int)]
    ref = Est(random_state=0).fit(X, y, sample_domain=sd).predict(X)
    est = Est(random_state=0).fit(X * c, y, sample_domain=sd)
    assert_allclose(est.predict(X * c), ref)


@pytest.mark.parametrize(
    "value, expected",
    [
        (1.0, 1.0),
        (2.0**64, 1.0),
        (2.0**-64, 1.0),
        (3.0 * 2.0**100, 2.0**101),
        (-3.0 * 2.0**-100, 2.0**-99),
        (1.7e308, 2.0**1023),
        (5e-324, 5e-324),
        (0.0, 1.0),
    ],
)
def test_power_of_two_scale(value, expected):
    X = np.array([[value, 0.0], [0.0, value / 4]])
    s = power_of_two_scale(X)
    assert s == expected
    if value:
        assert 1.0 <= abs(value) / s < 2.0 or s == 1.0


@pytest.mark.parametrize(
    "adapter",
    [MSDATransformer(random_state=0), SCLAdapter(2, 1, min_df=1)],
    ids=repr,
)
@pytest.mark.parametrize("c", SCALES)
def test_feature_learners_give_finite_features_or_a_clear_error(data, adapter, c):
    # mSDA and SCL solve least squares on X.T @ X: tanh layers and ridge
    # penalties are not scale-free, so huge values are an error, never NaN.
    X, y = data
    X = (np.abs(X) > 0.5) * c  # non-negative, sparse-like, as text features
    if c > 1:
        with pytest.raises(ValueError, match="too large"):
            adapter.fit(X, y)
        return
    out = adapter.fit(X, y).transform(X)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize(
    "clf",
    [
        ClassBalancedSelfTrainingClassifier(LogisticRegression()),
        DomainAwareClassifier(LogisticRegression(), prior_shift="em"),
        DomainAwareClassifier(LogisticRegression(), prior_shift="bbse"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("c", SCALES)
def test_self_training_and_prior_shift_give_finite_probabilities(data, clf, c):
    X, y = data
    proba = clf.fit(X * c, y).predict_proba(X * c)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
