"""Small covariate-shift problems and references shared by the weighting tests."""

import numpy as np
from scipy.optimize import minimize


def _shifted(n_s=60, n_t=40, d=3, shift=0.8, seed=0):
    """Source N(0, I) with labels, target N(shift, 0.6^2 I) without."""
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(loc=shift, scale=0.6, size=(n_t, d))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + 0.3 * rng.normal(size=n_s) > 0).astype(int), -np.ones(n_t)]
    return X, y.astype(int)


def _rbf(A, B, gamma):
    sq = (A**2).sum(1)[:, None] + (B**2).sum(1)[None, :] - 2 * A @ B.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def _kmm_reference(K, kappa, B, lo, hi):
    """KMM's QP solved independently by SLSQP."""
    n = K.shape[0]
    scale = np.abs(kappa).max()  # SLSQP is more reliable on a scaled objective
    res = minimize(
        lambda b: (0.5 * b @ K @ b - kappa @ b) / scale,
        np.full(n, np.clip((lo + hi) / (2 * n), 0, B)),
        jac=lambda b: (K @ b - kappa) / scale,
        bounds=[(0.0, B)] * n,
        constraints=[
            {
                "type": "ineq",
                "fun": lambda b: hi - b.sum(),
                "jac": lambda b: -np.ones(n),
            },
            {
                "type": "ineq",
                "fun": lambda b: b.sum() - lo,
                "jac": lambda b: np.ones(n),
            },
        ],
        method="SLSQP",
        options={"ftol": 1e-13, "maxiter": 2000},
    )
    assert res.success, res.message
    return res.x, res.fun * scale
