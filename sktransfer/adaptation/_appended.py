"""Append learned features to the input: shared by the mSDA and SCL transformers."""

import numpy as np
from scipy import sparse

__all__ = ["append_features", "relative_scale"]


def _mean_row_norm(X):
    if sparse.issparse(X):
        return float(np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()).mean())
    return float(np.linalg.norm(X, axis=1).mean())


def relative_scale(X, Z, scale):
    """Factor that gives the rows of ``Z`` ``scale`` times the norm of those of X.

    Both norms are Euclidean row norms averaged over the rows. Returns
    ``scale`` itself when either mean norm is zero (nothing to compare).
    """
    x_norm = _mean_row_norm(X)
    z_norm = _mean_row_norm(Z)
    if not (np.isfinite(x_norm) and np.isfinite(z_norm) and x_norm > 0 and z_norm > 0):
        return float(scale)
    return float(scale * x_norm / z_norm)


def append_features(X, Z, include_input):
    """``[X, Z]`` (CSR when ``X`` is sparse), or ``Z`` alone, in the dtype of X."""
    Z = np.asarray(Z).astype(X.dtype, copy=False)
    if not include_input:
        return Z
    if sparse.issparse(X):
        return sparse.hstack([X, sparse.csr_matrix(Z)], format="csr")
    return np.hstack([X, Z])
