"""Subspace methods: subspace alignment (SA) and transfer component analysis (TCA)."""

import logging
import numbers

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from sktransfer.adaptation._base import (
    BaseAdapter,
    _divide,
    _rescaled_gamma,
    _substitute_docs,
    _take_rows,
    _times_power,
    power_of_two_scale,
    scale_gamma,
)
from sktransfer.adaptation._mapping import (
    MAX_SPARSE_FEATURES,
    _mean_and_scatter,
    _sym_power,
)

__all__ = ["SubspaceAlignmentAdapter", "TCAAdapter"]

_logger = logging.getLogger(__name__)


def _flip_signs(components):
    """Make the largest-magnitude entry of each row of ``components`` positive."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), idx])
    signs[signs == 0] = 1.0
    return components * signs[:, None]


def _pca(X, n_components):
    """Mean and leading principal axes of the rows of ``X``.

    Exact: an ``eigh`` of the covariance when ``n_samples >= n_features`` or
    ``X`` is sparse, a thin SVD of the centred rows otherwise.

    Returns
    -------
    mean : ndarray of shape (n_features,)
    components : ndarray of shape (n_components, n_features)
        Orthonormal rows, largest variance first, signs made deterministic.
    """
    n, d = X.shape
    if sparse.issparse(X) or n >= d:
        mean, scatter = _mean_and_scatter(X)
        _, V = linalg.eigh(
            scatter, subset_by_index=[d - n_components, d - 1], check_finite=False
        )
        components = V[:, ::-1].T
    else:
        mean = X.mean(axis=0, dtype=np.float64)
        _, _, Vt = linalg.svd(X - mean, full_matrices=False, check_finite=False)
        components = Vt[:n_components]
    return mean, _flip_signs(components)


def _centred_projection(X, mean, basis):
    """``(X - mean) @ basis`` without densifying a sparse ``X``."""
    basis = basis.astype(X.dtype, copy=False)
    out = np.asarray(X @ basis)
    out -= (mean @ basis).astype(out.dtype, copy=False)
    return out


@_substitute_docs
class SubspaceAlignmentAdapter(BaseAdapter):
    """Subspace alignment (SA): align the principal subspaces of the domains.

    Subspace alignment (Fernando et al., 2013) describes each domain by its
    ``n_components`` leading principal axes, ``P_s`` and ``P_t`` (orthonormal
    columns of shape ``(n_features, n_components)``), and learns the linear
    map ``M = P_s^T P_t`` that moves the source basis onto the target one.
    Rows are then expressed in ``n_components`` coordinates:

    * source rows (training only): ``x -> (x - mean_source_) @ P_s @ M``;
    * target rows, in ``fit_transform`` and ``transform``:
      ``x -> (x - mean_target_) @ P_t``.

    Each domain is centred by its own mean (as PCA does), which also removes
    a shift of the means. The output has ``n_components`` columns, named
    ``subspacealignmentadapter0, ...`` by ``get_feature_names_out``.

    Parameters
    ----------
    n_components : int, default=None
        Dimension of the subspaces. None keeps ``min(n_features,
        n_source_samples, n_target_samples)`` components (all of them when
        there are enough rows), which makes SA a rotation of the full space;
        a smaller value discards the directions of little variance, which is
        where SA helps. Must not exceed that minimum.

    Attributes
    ----------
    n_components_ : int
        The number of components used.
    components_source_ : ndarray of shape (`n_components_`, n_features)
        Principal axes of the source rows (``P_s^T``).
    components_target_ : ndarray of shape (`n_components_`, n_features)
        Principal axes of the target rows (``P_t^T``).
    alignment_ : ndarray of shape (`n_components_`, `n_components_`)
        The alignment matrix ``M = P_s^T P_t``.
    mean_source_ : ndarray of shape (n_features,)
        Mean of the source rows.
    mean_target_ : ndarray of shape (n_features,)
        Mean of the target rows.
    {adapter_fitted}

    See Also
    --------
    CORALAdapter : Align the full covariances instead of subspaces.
    TCAAdapter : Kernel embedding that minimises the domain discrepancy.

    Notes
    -----
    The principal axes are computed exactly: a symmetric eigendecomposition
    of the ``(n_features, n_features)`` covariance (``O(n_samples *
    n_features^2 + n_features^3)``), or a thin SVD of the centred rows when a
    domain has fewer rows than features. Source domains are pooled, as are
    target domains. Sparse input (CSR) is accepted up to 5000 features, like
    :class:`CORALAdapter`; the output is dense, float32 for float32 input and
    float64 otherwise. Principal axes have a deterministic sign (largest
    entry positive), so the output does not depend on the LAPACK build; the
    solvers are exact and deterministic, so there is no ``random_state``.

    References
    ----------
    .. [1] B. Fernando, A. Habrard, M. Sebban and T. Tuytelaars,
       "Unsupervised visual domain adaptation using subspace alignment",
       ICCV 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import SubspaceAlignmentAdapter
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(size=(50, 4)), rng.normal(size=(50, 4)) + 2])
    >>> y = np.r_[rng.randint(0, 2, 50), -np.ones(50, dtype=int)]
    >>> sa = SubspaceAlignmentAdapter(n_components=2)
    >>> sa.fit_transform(X, y).shape
    (100, 2)
    >>> sa.alignment_.shape
    (2, 2)
    >>> sa.get_feature_names_out()
    array(['subspacealignmentadapter0', 'subspacealignmentadapter1'],
          dtype=object)
    """

    _parameter_constraints: dict = {
        "n_components": [None, Interval(numbers.Integral, 1, None, closed="left")],
    }

    _max_sparse_features = MAX_SPARSE_FEATURES

    def __init__(self, n_components=None):
        self.n_components = n_components

    def _fit_domains(self, X, masks):
        n_s, n_t, d = int(masks.source.sum()), int(masks.target.sum()), X.shape[1]
        limit = min(d, n_s, n_t)
        k = limit if self.n_components is None else self.n_components
        if k > limit:
            raise ValueError(
                f"n_components={k} must be at most min(n_features, "
                f"n_source_samples, n_target_samples) = min({d}, {n_s}, {n_t}) "
                f"= {limit}."
            )
        # Scale-equivariant: the principal axes of X / s are those of X, the
        # means scale with s (a power of two, 1 for ordinary data).
        s = power_of_two_scale(X)
        X = _divide(X, s)
        mean_s, self.components_source_ = _pca(
            _take_rows(X, np.flatnonzero(masks.source)), k
        )
        mean_t, self.components_target_ = _pca(
            _take_rows(X, np.flatnonzero(masks.target)), k
        )
        self.mean_source_, self.mean_target_ = mean_s * s, mean_t * s
        self.alignment_ = self.components_source_ @ self.components_target_.T
        self.n_components_ = k
        self._n_features_out = k
        self._source_basis = self.components_source_.T @ self.alignment_

    def _transform_source(self, X):
        return _centred_projection(X, self.mean_source_, self._source_basis)

    def _transform_target(self, X):
        return _centred_projection(X, self.mean_target_, self.components_target_.T)

    def _transform_identity(self, X):
        return X.toarray() if sparse.issparse(X) else X.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# ---------------------------------------------------------------------------
# Transfer component analysis
# ---------------------------------------------------------------------------

_KERNELS = {"linear", "rbf", "poly", "sigmoid", "cosine", "laplacian"}

# Below this many rows, the eigenproblem is solved with a dense ``eigh``;
# above it, with ARPACK (``eigsh``) on a matrix-free operator.
_DENSE_EIGH_MAX_ROWS = 1000


def _mmd_vector(masks_source):
    """``e`` with ``L = e e^T``: 1/n_s on source rows and -1/n_t on target rows."""
    n_s = masks_source.sum()
    n_t = masks_source.shape[0] - n_s
    return np.where(masks_source, 1.0 / n_s, -1.0 / n_t)


def _inv_sqrt_rank_one(v, mu):
    """``(c, s)`` with ``(mu I + v v^T)^{-1/2} = s (I + c v v^T)``."""
    vv = float(v @ v)
    c = 0.0 if vv == 0 else ((1.0 + vv / mu) ** -0.5 - 1.0) / vv
    return c, mu**-0.5


def _top_eigenvectors(apply_G, apply_Gt, G_dense, n, k, random_state):
    """Leading ``k`` eigenpairs of ``S = G^T G`` (``G`` is ``n x n``).

    Dense ``eigh`` for small ``n``; ARPACK ``eigsh`` with a seeded start
    vector and a matrix-free ``S @ x = G^T (G x)`` otherwise.
    """
    if n <= _DENSE_EIGH_MAX_ROWS or k >= n // 2:
        S = G_dense.T @ G_dense
        w, U = linalg.eigh(S, subset_by_index=[n - k, n - 1], check_finite=False)
    else:
        op = LinearOperator(
            (n, n), matvec=lambda x: apply_Gt(apply_G(x)), dtype=np.float64
        )
        v0 = random_state.uniform(-1, 1, n)
        w, U = eigsh(op, k=k, which="LA", v0=v0)
    order = np.argsort(w)[::-1]
    return np.clip(w[order], 0.0, None), U[:, order]


@_substitute_docs
class TCAAdapter(BaseAdapter):
    """Transfer component analysis (TCA): a kernel embedding shared by the domains.

    TCA (Pan, Tsang, Kwok & Yang, 2011) learns ``n_components`` directions
    in a reproducing kernel Hilbert space along which source and target rows
    have close means (a small maximum mean discrepancy, MMD) while keeping
    their variance. With ``K`` the kernel matrix of the fitting rows, ``L``
    the MMD matrix (``1/n_s^2`` within the source, ``1/n_t^2`` within the
    target, ``-1/(n_s n_t)`` across) and ``H = I - 11^T/n`` the centring
    matrix, the coefficients ``W`` are the leading eigenvectors of
    ``(K L K + mu I)^{-1} K H K``. A row ``x`` (source or target: TCA has a
    single map) is embedded as ``k(x, X_fit) @ W``.

    Parameters
    ----------
    n_components : int, default=10
        Dimension of the embedding. At most the number of fitting rows (and,
        for the linear kernel, at most ``n_features``).
    kernel : {'linear', 'rbf', 'poly', 'sigmoid', 'cosine', 'laplacian'}, \
            default='linear'
        Kernel, computed with :func:`sklearn.metrics.pairwise.pairwise_kernels`.
    gamma : float, default=None
        Kernel coefficient of 'rbf', 'poly', 'sigmoid' and 'laplacian'. None
        means ``1 / (n_features * X.var())`` over the fitting rows (SVC's
        ``gamma='scale'``).
    degree : int, default=3
        Degree of the 'poly' kernel.
    coef0 : float, default=1.0
        Independent term of the 'poly' and 'sigmoid' kernels.
    mu : float, default=1.0
        Regularisation (``> 0``) traded against the MMD term: TCA minimises
        ``tr(W^T K L K W) + mu tr(W^T W)`` at fixed variance. Small values
        align the domain means harder; large values tend to kernel PCA.
    max_samples : int or None, default=2000
        Most rows used to solve the eigenproblem with a non-linear kernel
        (or a linear one on sparse or wide data), which costs ``O(n^2)``
        memory and ``O(n^2 k)`` to ``O(n^3)`` time in the number of rows
        ``n``. With more training rows, ``max_samples`` landmark rows are
        drawn at random (half from each domain when both are large enough),
        TCA is solved on them, and every row is embedded through its kernel
        with the landmarks. None always uses every row. Ignored by the exact
        linear solver (dense input with fewer features than rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the landmark draw and the ARPACK start vector.

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (n_components,)
        Leading eigenvalues of ``(K L K + mu I)^{-1} K H K``, decreasing.
    projection_ : ndarray of shape (n_features, n_components)
        Linear kernel only: the embedding is ``X @ projection_``
        (``X_fit.T @ W``), so no fitting row is stored.
    X_fit_ : ndarray or sparse matrix of shape (n_landmarks, n_features)
        Non-linear kernels only: the rows the kernel of new rows is computed
        with (every training row, or the landmarks).
    dual_coef_ : ndarray of shape (n_landmarks, n_components)
        Non-linear kernels only: the coefficients ``W``.
    landmark_indices_ : ndarray of shape (n_landmarks,) or None
        Indices of the training rows used as landmarks, or None when every
        row was used.
    gamma_ : float or None
        The kernel coefficient used (None for 'linear' and 'cosine').
    {adapter_fitted}

    See Also
    --------
    SubspaceAlignmentAdapter : A linear alignment of principal subspaces.
    CORALAdapter : Align covariances in the input space.

    Notes
    -----
    Solver. ``L = e e^T`` has rank one, so ``B = K L K + mu I = mu I + v
    v^T`` (``v = K e``) has a closed-form inverse square root, and the
    eigenproblem becomes the symmetric one of ``S = G^T G`` with ``G = H K
    B^{-1/2}``; ``W = B^{-1/2} U``. ``S`` is solved with ``scipy.linalg.eigh``
    for up to 1000 rows and with ARPACK (``eigsh``, matrix-free, two
    ``n x n`` products per iteration) above. For the linear kernel on dense
    input with fewer features than rows, ``G = (H X)(B^{-1/2} X)^T`` has rank
    at most ``n_features`` and the same eigenvectors come from two thin QR
    decompositions and an SVD of size ``n_features``: exact TCA in
    ``O(n_samples * n_features^2)`` time and ``O(n_samples * n_features)``
    memory for any number of rows.

    Scale. Each column of ``W`` is scaled so that the embedded fitting rows
    have unit variance in every component (the paper's constraint ``W^T K H K
    W = I``, times ``n``), and signs are fixed (largest entry of the
    embedded fitting rows positive). Components with a zero eigenvalue (past
    the rank of ``K H K``) are set to zero.

    Memory. The kernel solvers hold about three ``n x n`` float64 matrices,
    ``n = min(n_samples, max_samples)``: about 100 MB at the default
    ``max_samples=2000`` (and ``O(n^3)`` time for ``n <= 1000``, ``O(n^2
    k)`` per ARPACK iteration above); each row embedded later costs one
    kernel row of length ``n``. The exact linear solver needs ``O(n_samples
    * n_features)``.

    Output is float64 and dense; sparse input is accepted (kernels of sparse
    rows). Source domains are pooled, as are target domains.

    Scale of ``X``. With ``gamma=None``, the 'rbf', 'poly' and 'sigmoid'
    kernels (and 'cosine') are the same for ``X`` and ``c * X``, so the
    embedding is too, also for ``X`` of 1e-200 or 1e300 (the kernel is
    computed on ``X`` divided by a power of two). The linear kernel is not
    scale-free: ``mu`` is compared with ``K L K``, which grows as ``X**4``;
    on ``X`` of an extreme scale, where ``mu`` would be lost in float64,
    ``fit`` raises a ``ValueError`` suggesting to standardise the features.
    Neither is the 'laplacian' kernel with ``gamma=None`` (its width follows
    the variance, its distance the scale); a kernel constant on the fitting
    rows is a ``ValueError``.

    References
    ----------
    .. [1] S. J. Pan, I. W. Tsang, J. T. Kwok and Q. Yang, "Domain adaptation
       via transfer component analysis", IEEE Transactions on Neural
       Networks 22(2), 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import TCAAdapter
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(size=(60, 5)), rng.normal(size=(60, 5)) + 1])
    >>> y = np.r_[rng.randint(0, 2, 60), -np.ones(60, dtype=int)]
    >>> tca = TCAAdapter(n_components=2, kernel="rbf", random_state=0)
    >>> Z = tca.fit_transform(X, y)
    >>> Z.shape
    (120, 2)
    >>> Z.std(axis=0).round(3)
    array([1., 1.])
    >>> tca.transform(X[60:]).shape
    (60, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "kernel": [StrOptions(_KERNELS)],
        "gamma": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "degree": [Interval(numbers.Integral, 0, None, closed="left")],
        "coef0": [Interval(numbers.Real, None, None, closed="neither")],
        "mu": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_samples": [None, Interval(numbers.Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    _dtype = np.float64

    def __init__(
        self,
        n_components=10,
        *,
        kernel="linear",
        gamma=None,
        degree=3,
        coef0=1.0,
        mu=1.0,
        max_samples=2000,
        random_state=None,
    ):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.mu = mu
        self.max_samples = max_samples
        self.random_state = random_state

    def _kernel(self, X, Y):
        """Kernel of rows ``X`` and ``Y`` already divided by ``self._scale``."""
        params = {}
        if self.kernel in ("rbf", "laplacian", "poly", "sigmoid"):
            params["gamma"] = self._kernel_gamma
        if self.kernel == "poly":
            params["degree"] = self.degree
        if self.kernel in ("poly", "sigmoid"):
            params["coef0"] = self.coef0
        return pairwise_kernels(X, Y, metric=self.kernel, **params)

    def _resolve_gamma(self, X, s):
        """``gamma_`` and the width to use on the rows ``X`` (divided by ``s``)."""
        if self.kernel in ("linear", "cosine"):
            return None, None
        # gamma multiplies a squared distance or a dot product, or (for
        # 'laplacian') an L1 distance: the power of the scale it absorbs.
        power = 1 if self.kernel == "laplacian" else 2
        if self.gamma is not None:
            gamma = float(self.gamma)
            return gamma, _rescaled_gamma(gamma, s, power, type(self).__name__)
        scaled = scale_gamma(X, zero_variance=1.0 / X.shape[1])
        if power == 1:  # 'scale' is 1 / (d var(X)), which absorbs s**2
            scaled = _rescaled_gamma(scaled, s, -1, type(self).__name__)
        return _times_power(scaled, s, -power), scaled

    def _scaled_mu(self, s):
        """``mu`` for the rows divided by ``s``.

        Only the linear kernel's ``mu`` depends on the scale of ``X``: it is
        compared with ``K L K``, which grows as ``X**4``.
        """
        if self.kernel != "linear" or s == 1.0:
            return float(self.mu)
        mu = _times_power(float(self.mu), s, -4)
        if not 1e-100 <= mu <= 1e100:
            raise ValueError(
                f"TCAAdapter with kernel='linear' is not scale-invariant: mu is "
                "compared with the squared kernel matrix, which grows as the "
                f"fourth power of X, and on X of this scale (largest absolute "
                f"value about {s:.3g}) mu={self.mu!r} is beyond float64 "
                "precision. Standardise the features first (e.g. "
                "sklearn.preprocessing.StandardScaler), or use a kernel with "
                "gamma=None ('rbf'), which adapts to the scale of X."
            )
        return mu

    def _landmarks(self, masks, random_state):
        """Draw the rows the eigenproblem is solved on (None: every row)."""
        n = masks.n_samples
        m = self.max_samples
        if m is None or n <= m:
            return None
        src = np.flatnonzero(masks.source)
        tgt = np.flatnonzero(masks.target)
        # Half from each domain; the smaller domain gives all it has.
        n_src = min(src.shape[0], max(m // 2, m - tgt.shape[0]))
        n_tgt = min(tgt.shape[0], m - n_src)
        idx = np.concatenate(
            [
                random_state.choice(src, n_src, replace=False),
                random_state.choice(tgt, n_tgt, replace=False),
            ]
        )
        return np.sort(idx)

    def _fit_domains(self, X, masks):
        random_state = check_random_state(self.random_state)
        n, d = X.shape
        k = self.n_components
        # Computed on X / s (s a power of two, 1 for ordinary data), so that
        # kernels of data of an extreme scale neither overflow nor underflow.
        s = power_of_two_scale(X)
        X_orig, X = X, _divide(X, s)
        self._scale = s
        self.gamma_, self._kernel_gamma = self._resolve_gamma(X, s)
        mu = self._scaled_mu(s)
        primal = self.kernel == "linear" and not sparse.issparse(X) and d < n
        idx = None if primal else self._landmarks(masks, random_state)
        self.landmark_indices_ = idx
        X_fit = X if idx is None else X[idx]
        is_source = masks.source if idx is None else masks.source[idx]
        n_fit = X_fit.shape[0]
        limit = min(n_fit, d) if self.kernel == "linear" else n_fit
        if k > limit:
            what = (
                f"min(n_fit_samples, n_features) = min({n_fit}, {d})"
                if self.kernel == "linear"
                else f"the number of rows the eigenproblem is solved on ({n_fit})"
            )
            raise ValueError(
                f"n_components={k} must be at most {what} with kernel={self.kernel!r}."
            )
        e = _mmd_vector(is_source)
        if primal:
            W_rows, w = self._solve_linear_primal(X_fit, e, k, mu)
            Z = X_fit @ W_rows  # embedded fitting rows, W_rows = X^T W
        else:
            K = self._kernel(X_fit, X_fit)
            W, w = self._solve_dual(K, e, k, random_state, mu)
            Z = K @ W
        _logger.debug(
            "TCAAdapter: %d components from %d rows (%s solver, kernel=%r), "
            "leading eigenvalue %.6g",
            k,
            n_fit,
            "linear primal" if primal else "dual",
            self.kernel,
            w[0],
        )
        if not w[0] > 0.0:
            raise ValueError(
                f"TCAAdapter found no transfer component: the kernel matrix of "
                f"the fitting rows is constant (kernel={self.kernel!r}, "
                f"gamma_={self.gamma_!r}), so every row would be embedded at 0. "
                "Check the scale of X or choose another gamma."
            )
        # Unit variance per component; zero eigenvalues give zero components.
        tol = max(w[0], 0.0) * n_fit * np.finfo(np.float64).eps
        scale = np.zeros_like(w)
        scale[w > tol] = np.sqrt(n_fit / w[w > tol])
        signs = np.sign(Z[np.argmax(np.abs(Z), axis=0), np.arange(k)])
        signs[signs == 0] = 1.0
        scale *= signs
        self.eigenvalues_ = w
        # The maps of X are those of X / s: (X / s) @ P = X @ (P / s).
        if primal:
            self.projection_ = W_rows * (scale / s)
        elif self.kernel == "linear":
            self.projection_ = np.asarray(X_fit.T @ (W * (scale / s)))
        else:
            self.X_fit_ = X_orig if idx is None else X_orig[idx]
            self.dual_coef_ = W * scale
        self._n_features_out = k

    def _solve_dual(self, K, e, k, random_state, mu):
        """Leading eigenvectors of (K L K + mu I)^-1 K H K, as ``W`` and values."""
        n = K.shape[0]
        v = K @ e
        c, s = _inv_sqrt_rank_one(v, mu)
        # G = H K B^{-1/2} = s (Kc + c (Kc v) v^T), with Kc = H K, built in place.
        G = K - K.mean(axis=0)
        Gv = G @ v
        G += c * np.outer(Gv, v)
        G *= s
        w, U = _top_eigenvectors(
            lambda x: G @ x, lambda x: G.T @ x, G, n, k, random_state
        )
        W = s * (U + c * np.outer(v, v @ U))
        return W, w

    def _solve_linear_primal(self, X, e, k, mu):
        """Exact linear TCA in O(n d^2): returns ``X^T W`` and the eigenvalues.

        With ``K = X X^T``, ``S = G^T G = Y C Y^T`` where ``Y = B^{-1/2} X``
        and ``C = Xc^T Xc`` (``Xc = H X``). Its eigenvectors lie in the span
        of ``Y``: ``u = Y P^{-1/2} b`` with ``P = Y^T Y`` and ``b`` an
        eigenvector of the ``d x d`` matrix ``P^{1/2} C P^{1/2}``.
        """
        v = X @ (X.T @ e)  # K e
        c, s = _inv_sqrt_rank_one(v, mu)
        Y = s * (X + c * np.outer(v, v @ X))  # B^{-1/2} X
        Xc = X - X.mean(axis=0)
        C = Xc.T @ Xc
        P = Y.T @ Y
        P_sqrt = _sym_power(P, 0.5)
        d = C.shape[0]
        w, b = linalg.eigh(
            P_sqrt @ C @ P_sqrt, subset_by_index=[d - k, d - 1], check_finite=False
        )
        w, b = w[::-1], b[:, ::-1]
        U = Y @ (_sym_power(P, -0.5) @ b)  # leading eigenvectors of S
        W = s * (U + c * np.outer(v, v @ U))
        return X.T @ W, np.clip(w, 0.0, None)

    def _embed(self, X):
        if self.kernel == "linear":
            return np.asarray(X @ self.projection_)
        s = self._scale
        return self._kernel(_divide(X, s), _divide(self.X_fit_, s)) @ self.dual_coef_

    _transform_source = _embed
    _transform_target = _embed

    def _transform_identity(self, X):
        return X.toarray() if sparse.issparse(X) else X.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
