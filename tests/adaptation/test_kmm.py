import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import KMMWeighting, _qp
from sktransfer.adaptation._qp import interior_point_qp
from tests.adaptation._weighting_problems import _kmm_reference, _rbf, _shifted


@pytest.mark.parametrize(
    "B, eps, d, shift",
    [
        (1000.0, None, 3, 0.8),  # the usual case: many weights at 0
        (2.0, 0.05, 3, 1.5),  # weights at B and the sum at its lower end
        (1000.0, 0.0, 3, 0.5),  # sum fixed to n_s
        (1000.0, 0.001, 3, 0.0),  # the sum at its upper end
    ],
)
def test_kmm_matches_reference_qp(B, eps, d, shift):
    X, y = _shifted(n_s=50, n_t=40, d=d, shift=shift, seed=1)
    Xs, Xt = X[y != -1], X[y == -1]
    n_s, n_t = len(Xs), len(Xt)
    gamma = 0.5
    kmm = KMMWeighting(gamma=gamma, B=B, eps=eps).fit(X, y)
    b = kmm.weights_[y != -1]
    # The definition, computed independently.
    K = _rbf(Xs, Xs, gamma)
    kappa = n_s / n_t * _rbf(Xs, Xt, gamma).sum(axis=1)
    e = (np.sqrt(n_s) - 1) / np.sqrt(n_s) if eps is None else eps
    lo, hi = max(0.0, n_s * (1 - e)), n_s * (1 + e)
    _, ref = _kmm_reference(K, kappa, B, lo, hi)
    obj = 0.5 * b @ K @ b - kappa @ b
    assert kmm.objective_ == pytest.approx(obj, rel=1e-10)
    assert abs(obj - ref) <= 1e-6 * abs(ref)
    assert obj <= ref + 1e-9 * abs(ref)  # never worse than the reference
    # Constraints hold exactly (to rounding).
    assert b.min() >= 0.0 and b.max() <= B
    assert lo - 1e-8 <= b.sum() <= hi + 1e-8
    assert kmm.n_iter_ >= 1


def test_kmm_weights_favour_source_rows_near_target():
    X, y = _shifted(n_s=200, n_t=100, d=2, shift=1.0, seed=3)
    w = KMMWeighting().fit(X, y).weights_
    Xs = X[y != -1]
    near = np.linalg.norm(Xs - 1.0, axis=1) < 1.0
    assert w[y != -1][near].mean() > 3 * w[y != -1][~near].mean()


def test_kmm_chunks_are_announced():
    X, y = _shifted(n_s=30, n_t=20)
    with pytest.warns(UserWarning, match="max_samples=10"):
        kmm = KMMWeighting(max_samples=10, random_state=0).fit(X, y)
    w = kmm.weights_[y != -1]
    assert np.all(np.isfinite(w)) and np.all(w >= 0)
    # Three chunks of ten rows, each with its own sum band around 10.
    eps = (np.sqrt(10) - 1) / np.sqrt(10)
    assert 30 * (1 - eps) - 1e-8 <= w.sum() <= 30 * (1 + eps) + 1e-8
    again = KMMWeighting(max_samples=10, random_state=0)
    with pytest.warns(UserWarning):
        assert_array_equal(again.fit(X, y).weights_, kmm.weights_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMMWeighting(max_samples=None).fit(X, y)


def test_kmm_infeasible_bound_is_an_error():
    X, y = _shifted()
    with pytest.raises(ValueError, match="no feasible weights.*Raise B or eps"):
        KMMWeighting(B=0.5, eps=0.1).fit(X, y)


def _one_d(seed=0):
    """1-D domains: the kernel matrix is numerically singular."""
    rng = np.random.RandomState(seed)
    X = np.r_[rng.normal(0, 1, (40, 1)), rng.normal(1, 0.5, (20, 1))]
    y = np.r_[(X[:40, 0] > 0).astype(int), -np.ones(20, dtype=int)]
    return X, y


def test_kmm_ill_conditioned_uses_interior_point(monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        out = interior_point_qp(*args, **kwargs)
        calls.append(out)
        return out

    monkeypatch.setattr(_qp, "interior_point_qp", spy)
    X, y = _one_d()
    kmm = KMMWeighting(B=10.0).fit(X, y)
    assert len(calls) == 1 and calls[0][2]  # used, and converged
    Xs, Xt = X[y != -1], X[y == -1]
    K = _rbf(Xs, Xs, kmm.gamma_)
    kappa = 2.0 * _rbf(Xs, Xt, kmm.gamma_).sum(axis=1)
    eps = (np.sqrt(40) - 1) / np.sqrt(40)
    _, ref = _kmm_reference(K, kappa, 10.0, 40 * (1 - eps), 40 * (1 + eps))
    assert kmm.objective_ <= ref + 1e-8 * abs(ref)
    assert kmm.objective_ == pytest.approx(ref, rel=1e-6)
    with pytest.warns(ConvergenceWarning, match="max_iter=1 interior-point"):
        KMMWeighting(B=10.0, max_iter=1).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kernel": "poly"}, "kernel"),
        ({"gamma": -1.0}, "gamma"),
        ({"B": 0.0}, "B"),
        ({"eps": -0.1}, "eps"),
        ({"max_samples": 0}, "max_samples"),
        ({"tol": 0.0}, "tol"),
    ],
)
def test_kmm_invalid_params(params, match):
    X, y = _shifted()
    with pytest.raises(InvalidParameterError, match=match):
        KMMWeighting(**params).fit(X, y)


def test_kmm_laplacian_kernel():
    X, y = _shifted()
    kmm = KMMWeighting(kernel="laplacian").fit(X, y)
    Xs = X[y != -1]
    assert kmm.gamma_ == pytest.approx(1 / (X.shape[1] * X.std()))
    b = kmm.weights_[y != -1]
    K = np.exp(-kmm.gamma_ * np.abs(Xs[:, None, :] - Xs[None, :, :]).sum(-1))
    assert kmm.objective_ == pytest.approx(0.5 * b @ K @ b - b @ _lap_kappa(X, y, kmm))


def _lap_kappa(X, y, kmm):
    Xs, Xt = X[y != -1], X[y == -1]
    Kst = np.exp(-kmm.gamma_ * np.abs(Xs[:, None, :] - Xt[None, :, :]).sum(-1))
    return len(Xs) / len(Xt) * Kst.sum(1)
