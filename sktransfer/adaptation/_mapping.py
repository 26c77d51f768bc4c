"""Correlation alignment (CORAL): match second-order statistics across domains."""

import numbers

import numpy as np
from scipy import linalg, sparse
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import Interval, StrOptions

from sktransfer.adaptation._base import (
    BaseAdapter,
    _as_slice,
    _divide,
    _substitute_docs,
    _take_rows,
    _times_power,
    power_of_two_scale,
)

__all__ = ["CORALAdapter"]

#: Largest number of features of a *sparse* input for which the adapters that
#: need a dense ``(n_features, n_features)`` covariance (CORAL, subspace
#: alignment) accept it: 5000 features is a 200 MB float64 matrix and a few
#: seconds of ``eigh``. Beyond it they raise and suggest ``TruncatedSVD``.
MAX_SPARSE_FEATURES = 5000


def _mean_and_scatter(X, *, assume_centered=False, row_norms=False):
    """Mean and scatter matrix of the rows of ``X``, in float64.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Rows of one domain.
    assume_centered : bool, default=False
        If True, the mean is taken as zero.
    row_norms : bool, default=False
        Also return the squared norms of the centred rows (for Ledoit-Wolf).

    Returns
    -------
    mean : ndarray of shape (n_features,)
        Mean of the rows (zeros if ``assume_centered``).
    scatter : ndarray of shape (n_features, n_features)
        ``(X - mean).T @ (X - mean)``, computed with one BLAS ``syrk`` for
        dense input and a sparse product for sparse input.
    sq_norms : ndarray of shape (n_samples,)
        Squared norms of the centred rows; only when ``row_norms=True``.
    """
    n, d = X.shape
    if sparse.issparse(X):
        X = X.astype(np.float64)
        mean = np.zeros(d) if assume_centered else np.asarray(X.mean(axis=0)).ravel()
        scatter = np.asarray((X.T @ X).toarray())
        scatter -= n * np.outer(mean, mean)
        if row_norms:
            sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
            sq += mean @ mean - 2.0 * (X @ mean)
    else:
        if assume_centered:
            mean = np.zeros(d)
            Xc = np.asarray(X, dtype=np.float64)
        else:
            mean = X.mean(axis=0, dtype=np.float64)
            Xc = X - mean  # a float64 copy
        scatter = Xc.T @ Xc  # numpy calls syrk for a matrix times its transpose
        if row_norms:
            sq = np.einsum("ij,ij->i", Xc, Xc)
    if row_norms:
        return mean, scatter, sq
    return mean, scatter


def _ledoit_wolf(scatter, sq_norms):
    """Ledoit-Wolf shrunk covariance from a scatter matrix, in O(d^2 + n).

    The same estimate as :class:`sklearn.covariance.LedoitWolf`
    (``(1 - a) S + a * trace(S) / d * I`` with ``S`` the biased empirical
    covariance), but its ``sum((X**2).T @ X**2)`` term is computed as
    ``sum(||x_i||^4)``, so no second ``(n_features, n_features)`` product is
    needed.
    """
    n = sq_norms.shape[0]
    d = scatter.shape[0]
    emp = scatter / n
    trace = np.trace(emp)
    mu = trace / d
    delta_ = np.sum(emp**2)  # ||S||_F^2
    beta_ = np.sum(sq_norms**2)  # sum_i ||x_i||^4
    beta = (beta_ / n - delta_) / (d * n)
    delta = (delta_ - trace**2 / d) / d  # ||S - mu I||_F^2 / d
    beta = min(beta, delta)
    shrinkage = 0.0 if (d == 1 or beta <= 0 or delta <= 0) else beta / delta
    cov = (1.0 - shrinkage) * emp
    cov.flat[:: d + 1] += shrinkage * mu
    return cov, float(shrinkage)


def _sym_power(C, power):
    """``C ** power`` of a symmetric PSD matrix through ``scipy.linalg.eigh``.

    Eigenvalues at or below ``d * eps * max(eigenvalue)`` count as zero: a
    negative power gives zero in those directions (a pseudo-inverse), so a
    singular covariance (``reg=0`` with fewer rows than features, or a
    constant feature) never produces infinities.
    """
    w, V = linalg.eigh(C, check_finite=False)
    tol = max(w[-1], 0.0) * C.shape[0] * np.finfo(np.float64).eps
    keep = w > tol
    wp = np.zeros_like(w)
    wp[keep] = w[keep] ** power
    return (V * wp) @ V.T


@_substitute_docs
class CORALAdapter(BaseAdapter):
    """Correlation alignment (CORAL): re-colour source rows with target statistics.

    CORAL (Sun, Feng & Saenko, 2016) aligns the second-order statistics of
    the source domain to those of the target domain: source rows are
    whitened with the inverse square root of the source covariance and
    re-coloured with the square root of the target covariance, so that the
    mapped source rows have the target covariance (and, unless
    ``assume_centered``, the target mean). A classifier fitted on the mapped
    source rows then applies to target rows as they are.

    The maps, with ``C_s`` and ``C_t`` the regularised source and target
    covariances and ``A = C_s^{-1/2} C_t^{1/2}`` (a cached
    ``(n_features, n_features)`` matrix ``A_``):

    * source rows (training only): ``x -> (x - mean_source_) @ A_ +
      mean_target_`` (``x -> x @ A_`` if ``assume_centered``);
    * target rows, in ``fit_transform`` and ``transform``: the identity.

    So after ``fit_transform`` both domains have the target mean and
    covariance, inference rows stay in their own feature space, and
    ``transform`` costs one copy.

    Parameters
    ----------
    reg : 'auto' or float, default='auto'
        Regularisation of both covariance matrices. ``'auto'`` uses the
        Ledoit-Wolf shrunk covariance of each domain, ``(1 - a) S + a
        trace(S) / n_features I`` with the shrinkage ``a`` estimated from the
        data (as :class:`sklearn.covariance.LedoitWolf`, ``S`` the biased
        empirical covariance); it adapts to the scale of the features. A
        float adds ``reg * I`` to the unbiased covariance (``numpy.cov``), as
        in the paper, where ``reg=1`` suits standardised features; ``reg=0``
        uses the raw covariances (directions of zero variance are dropped by
        a pseudo-inverse).
    assume_centered : bool, default=False
        If True, the data are not centred: covariances are second moments
        ``X.T @ X / n_samples`` and the source map is ``x -> x @ A_`` (means
        are not aligned).

    Attributes
    ----------
    A_ : ndarray of shape (n_features, n_features)
        The source map ``C_s^{-1/2} C_t^{1/2}``, computed once in ``fit``.
        Not set when ``identity_`` is True.
    mean_source_ : ndarray of shape (n_features,)
        Mean of the source rows (zeros if ``assume_centered``).
    mean_target_ : ndarray of shape (n_features,)
        Mean of the target rows (zeros if ``assume_centered``).
    shrinkage_source_ : float
        Ledoit-Wolf shrinkage of the source covariance when ``reg='auto'``,
        else 0.0.
    shrinkage_target_ : float
        Ledoit-Wolf shrinkage of the target covariance when ``reg='auto'``,
        else 0.0.
    {adapter_fitted}

    See Also
    --------
    SubspaceAlignmentAdapter : Align principal subspaces instead of
        covariances.
    TCAAdapter : Kernel embedding that minimises the domain discrepancy.
    DomainAwareClassifier : Final step fitted on the labelled rows.

    Notes
    -----
    Source domains are pooled into one set of source statistics, and target
    domains into one set of target statistics.

    Cost: ``O(n_samples * n_features^2)`` for the covariances (one BLAS
    product per domain) and ``O(n_features^3)`` for two symmetric
    eigendecompositions (``scipy.linalg.eigh``, never ``sqrtm``); memory
    ``O(n_features^2)``. Dense input of any width is accepted. Sparse input
    (CSR) is accepted up to 5000 features (``MAX_SPARSE_FEATURES``): the
    covariance is computed with sparse products and the output is dense.
    Wider sparse input (raw TF-IDF) raises a ``ValueError``; put a
    :class:`~sklearn.decomposition.TruncatedSVD` before the adapter. The
    output is always dense, float32 for float32 input and float64 otherwise.

    The paper's ``reg=1`` is scale-dependent: on features with small variance
    (e.g. TF-IDF followed by ``TruncatedSVD``, where variances are about
    1e-3) it swamps both covariances, ``A_`` is close to the identity and
    CORAL reduces to moving the source mean onto the target mean.
    ``'auto'`` is scale-free, hence the default: ``fit_transform(c * X)`` is
    ``c`` times ``fit_transform(X)``, also for ``X`` of 1e-200 or 1e300, whose
    squares would overflow float64 (the statistics are computed on ``X``
    divided by a power of two when ``max|X|`` lies outside ``[2**-64,
    2**64]``, and the means scaled back).

    References
    ----------
    .. [1] B. Sun, J. Feng and K. Saenko, "Return of frustratingly easy domain
       adaptation", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import CORALAdapter
    >>> rng = np.random.RandomState(0)
    >>> X_source = rng.normal(size=(200, 2))
    >>> X_target = rng.normal(size=(200, 2)) * [3.0, 0.5] + 1.0
    >>> X = np.vstack([X_source, X_target])
    >>> y = np.r_[rng.randint(0, 2, 200), -np.ones(200, dtype=int)]
    >>> coral = CORALAdapter(reg=0.0)
    >>> X_new = coral.fit_transform(X, y)
    >>> X_new[:200].mean(axis=0).round(2), X_target.mean(axis=0).round(2)
    (array([0.68, 0.94]), array([0.68, 0.94]))
    >>> np.allclose(np.cov(X_new[:200].T), np.cov(X_target.T))
    True
    >>> np.array_equal(coral.transform(X_target), X_target)  # target: identity
    True
    """

    _parameter_constraints: dict = {
        "reg": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="left")],
        "assume_centered": ["boolean"],
    }

    _max_sparse_features = MAX_SPARSE_FEATURES

    def __init__(self, reg="auto", *, assume_centered=False):
        self.reg = reg
        self.assume_centered = assume_centered

    def _covariance(self, X, reg):
        """Mean, regularised covariance and Ledoit-Wolf shrinkage of rows X."""
        n = X.shape[0]
        if reg == "auto":
            mean, scatter, sq = _mean_and_scatter(
                X, assume_centered=self.assume_centered, row_norms=True
            )
            cov, shrinkage = _ledoit_wolf(scatter, sq)
            return mean, cov, shrinkage
        mean, scatter = _mean_and_scatter(X, assume_centered=self.assume_centered)
        denom = n if self.assume_centered else max(n - 1, 1)
        cov = scatter / denom
        cov.flat[:: cov.shape[0] + 1] += reg
        return mean, cov, 0.0

    def _fit_domains(self, X, masks):
        # CORAL is scale-equivariant: A_ is the same for X and c * X, the
        # means scale with c. Statistics are computed on X / s (s a power of
        # two, 1 for ordinary data), so squares cannot overflow or underflow.
        s = power_of_two_scale(X)
        X = _divide(X, s)
        reg = self.reg
        if reg != "auto":
            # reg * I added to the covariance of X is reg / s**2 for X / s;
            # beyond 1e100 it swamps any covariance of X / s (entries below 4
            # in absolute value) and A_ is the identity to float64 precision.
            reg = min(_times_power(reg, s, -2), 1e100)
        mean_s, cov_s, self.shrinkage_source_ = self._covariance(
            _take_rows(X, np.flatnonzero(masks.source)), reg
        )
        mean_t, cov_t, self.shrinkage_target_ = self._covariance(
            _take_rows(X, np.flatnonzero(masks.target)), reg
        )
        self.A_ = _sym_power(cov_s, -0.5) @ _sym_power(cov_t, 0.5)
        self.mean_source_, self.mean_target_ = mean_s * s, mean_t * s
        self._n_features_out = X.shape[1]
        # Source map x @ A + offset, with offset = mean_t - mean_s @ A.
        self._offset = (mean_t - mean_s @ self.A_) * s

    def _transform_source(self, X):
        out = X @ self.A_.astype(X.dtype, copy=False)
        out += self._offset.astype(X.dtype, copy=False)
        return out

    def _transform_training(self, X, masks):
        if sparse.issparse(X):
            return super()._transform_training(X, masks)
        # Target rows are the identity: copy X once and overwrite source rows.
        out = np.array(X, order="C", copy=True)
        src = _as_slice(np.flatnonzero(masks.source))
        A = self.A_.astype(X.dtype, copy=False)
        if isinstance(src, slice):
            np.matmul(X[src], A, out=out[src])
            out[src] += self._offset.astype(X.dtype, copy=False)
        else:
            out[src] = self._transform_source(X[src])
        return out

    def _transform_target(self, X):
        return X.toarray() if sparse.issparse(X) else X.copy()

    _transform_identity = _transform_target

    def _get_feature_names_out(self, input_features):
        # One output feature per input feature (the source map mixes them,
        # but keeps their meaning in the target space).
        return OneToOneFeatureMixin.get_feature_names_out(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
