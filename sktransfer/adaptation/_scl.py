"""Structural correspondence learning (SCL, SCL-MI; Blitzer et al. 2006, 2007)."""

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_consistent_length,
    column_or_1d,
)

from sktransfer.adaptation._appended import append_features, relative_scale
from sktransfer.adaptation._base import BaseAdapter, _take_rows
from sktransfer.utils._domains import _item

__all__ = ["SCLAdapter", "select_pivots"]


def _document_frequency(X):
    """Rows with a non-zero value, per column."""
    if sparse.issparse(X):
        return np.bincount(X.indices[X.data != 0], minlength=X.shape[1])
    return np.count_nonzero(X, axis=0)


def _presence_mutual_information(X, y):
    """Mutual information between ``X[:, j] != 0`` and ``y``, per column (nats)."""
    n = X.shape[0]
    classes, codes = np.unique(y, return_inverse=True)
    present = (X != 0).astype(np.float64)
    p_f = _document_frequency(X) / n  # P(f = 1)
    mi = np.zeros(X.shape[1])
    for c in range(classes.shape[0]):
        in_c = codes == c
        p_c = in_c.mean()
        p_f1_c = np.asarray(present[in_c].sum(axis=0)).ravel() / n  # P(f=1, y=c)
        for joint, marginal in ((p_f1_c, p_f), (p_c - p_f1_c, 1.0 - p_f)):
            with np.errstate(divide="ignore", invalid="ignore"):
                term = joint * np.log(joint / (marginal * p_c))
            mi += np.where(joint > 0, term, 0.0)
    return mi


@validate_params(
    {
        "X_source": ["array-like", "sparse matrix"],
        "X_target": ["array-like", "sparse matrix"],
        "y_source": ["array-like", None],
        "n_pivots": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_df": [Interval(numbers.Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def select_pivots(X_source, X_target, y_source=None, *, n_pivots=100, min_df=5):
    """Pivot features of structural correspondence learning.

    A pivot is a feature that behaves alike in both domains. Candidates are
    the features present (non-zero) in at least ``min_df`` source rows *and*
    ``min_df`` target rows. Among them, SCL (Blitzer et al., 2006) keeps the
    most frequent in both domains (ranked by the smaller of the two
    document frequencies) and SCL-MI (Blitzer et al., 2007) the most
    informative about the source label (ranked by the mutual information
    between the feature's presence and ``y_source``). Ties go to the lower
    feature index.

    Parameters
    ----------
    X_source : {ndarray, sparse matrix} of shape (n_source, n_features)
        Source rows.
    X_target : {ndarray, sparse matrix} of shape (n_target, n_features)
        Target rows.
    y_source : array-like of shape (n_source,), default=None
        Source labels: rank by mutual information (SCL-MI). None ranks by
        frequency (SCL).
    n_pivots : int, default=100
        Largest number of pivots.
    min_df : int, default=5
        Rows of each domain a candidate must appear in.

    Returns
    -------
    pivots : ndarray of shape (n_selected,)
        Column indices of the pivots, best first; ``n_selected`` is at most
        ``n_pivots`` and can be smaller when fewer features are candidates.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import select_pivots
    >>> X_s = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]])
    >>> X_t = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    >>> select_pivots(X_s, X_t, n_pivots=2, min_df=1)  # by frequency
    array([0, 1])
    >>> select_pivots(X_s, X_t, [1, 0, 1], n_pivots=2, min_df=1)  # by MI
    array([1, 0])
    """
    sparse_formats = ["csr", "csc"]
    X_source = check_array(
        X_source, accept_sparse=sparse_formats, input_name="X_source"
    )
    X_target = check_array(
        X_target, accept_sparse=sparse_formats, input_name="X_target"
    )
    if X_source.shape[1] != X_target.shape[1]:
        raise ValueError(
            f"select_pivots: X_source has {X_source.shape[1]} features but "
            f"X_target has {X_target.shape[1]}; the domains must share their "
            "features."
        )
    if y_source is not None:
        y_source = column_or_1d(y_source)
        check_consistent_length(X_source, y_source)
        if y_source.dtype.kind == "f" and not np.isfinite(y_source).all():
            raise ValueError(
                "select_pivots: y_source holds NaN or infinity; give the labels "
                "of the source rows only."
            )
    df_s = _document_frequency(X_source)
    df_t = _document_frequency(X_target)
    candidates = np.flatnonzero((df_s >= min_df) & (df_t >= min_df))
    if y_source is None:
        score = np.minimum(df_s, df_t)[candidates].astype(np.float64)
    else:
        score = _presence_mutual_information(X_source[:, candidates], y_source)
    order = np.argsort(-score, kind="stable")
    return candidates[order[:n_pivots]]


class SCLAdapter(BaseAdapter):
    """Structural correspondence learning (SCL / SCL-MI) features.

    SCL (Blitzer, McDonald & Pereira, 2006; Blitzer, Dredze & Pereira, 2007)
    learns which words of one domain correspond to which words of the other
    through *pivots*, features that behave alike in both domains ("great",
    "waste"). For each pivot, a linear predictor learns, on source and
    target rows, to predict the pivot's presence from the non-pivot
    features; non-pivot features of either domain that predict the same
    pivots get similar weights. The top left singular vectors of the matrix
    of all predictor weights span those shared directions, and the
    projection of a row's non-pivot features on them is appended to its
    features.

    Steps of ``fit`` (source and target rows together, target labels never
    used):

    1. pivots (:func:`select_pivots`): up to ``n_pivots`` features present
       in at least ``min_df`` rows of each domain, ranked by mutual
       information with the source label (``pivot_selection='mi'``,
       SCL-MI) or by frequency (``'frequency'``, SCL);
    2. pivot predictors: one ridge regression (``alpha``) per pivot from the
       non-pivot features to the pivot's presence (0/1) on all rows, solved
       together (least squares, where the paper uses a modified Huber loss);
    3. ``W`` (n_nonpivot, n_pivots), the predictors' weights, and its
       singular value decomposition ``W = U S V^T``; ``projection_ = U[:,
       :n_components]``;
    4. output ``[x, scale_ * x[nonpivots_] @ projection_]`` (the input if
       ``include_input``, then the projection).

    Source and target rows go through the same map.

    Parameters
    ----------
    n_pivots : int, default=100
        Largest number of pivot features.
    n_components : int, default=50
        Dimension of the projection (at most the number of pivots found).
    pivot_selection : {'mi', 'frequency'}, default='mi'
        Rank candidate pivots by mutual information with the source label
        (SCL-MI) or by frequency in both domains (SCL).
    min_df : int, default=5
        Rows of *each* domain a candidate pivot must appear in.
    alpha : float, default=1.0
        Ridge penalty of the pivot predictors.
    include_input : bool, default=True
        Output the input features before the projection. Sparse input then
        gives a sparse (CSR) output; otherwise the output is dense.
    scale : float, default=1.0
        Size of the projection relative to the input: the projected rows
        are multiplied by ``scale_``, chosen in ``fit`` so that their
        Euclidean norm is, on average over the training rows, ``scale``
        times that of the input rows.

    Attributes
    ----------
    pivots_ : ndarray of shape (n_selected,)
        Column indices of the pivot features, best first (``n_selected`` is
        ``n_pivots``, or fewer when fewer features are candidates).
    nonpivots_ : ndarray of shape (n_nonpivots,)
        Column indices of the other features (``n_nonpivots =
        n_features_in_ - n_selected``).
    projection_ : ndarray of shape (n_nonpivots, `n_components_`)
        The top left singular vectors of the pivot predictors' weights.
    singular_values_ : ndarray of shape (`n_components_`,)
        The matching singular values.
    n_components_ : int
        Number of appended features.
    scale_ : float
        Factor applied to the projection.
    identity_ : bool
        True when ``fit`` saw a single domain; the adapter is then the
        identity.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    MSDATransformer : Marginalized stacked denoising autoencoder features
        (no labels, no pivots).
    select_pivots : The pivot selection step.

    Notes
    -----
    Put it right after the vectorizer: pivots are read from which features
    are non-zero, so it expects bag-of-words input (TF-IDF or counts).

    Cost: one ridge regression with ``n_selected`` targets on the non-pivot
    features of all rows (conjugate gradient for sparse input) and a thin
    SVD of an ``(n_nonpivots, n_selected)`` matrix; memory ``O(n_features
    n_pivots)`` besides the output.

    Errors: ``n_pivots`` larger than the number of features, no candidate
    pivot (lower ``min_df``), or SCL-MI with a single source class raise a
    ``ValueError``; fewer candidates than ``n_pivots`` warn and use them all.

    References
    ----------
    .. [1] J. Blitzer, R. McDonald and F. Pereira, "Domain adaptation with
       structural correspondence learning", EMNLP 2006.
    .. [2] J. Blitzer, M. Dredze and F. Pereira, "Biographies, Bollywood,
       boom-boxes and blenders: domain adaptation for sentiment
       classification", ACL 2007.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> from sktransfer.adaptation import SCLAdapter
    >>> docs = ["good film", "bad film", "good plot", "bad plot",
    ...         "good phone", "bad phone", "good screen", "bad screen"]
    >>> y = [1, 0, 1, 0, -1, -1, -1, -1]  # the phone reviews are the target
    >>> X = CountVectorizer().fit_transform(docs)
    >>> scl = SCLAdapter(n_pivots=2, n_components=1, min_df=1)
    >>> Z = scl.fit_transform(X, y)
    >>> scl.pivots_  # 'bad' and 'good', the columns 0 and 2
    array([0, 2])
    >>> X.shape, Z.shape
    ((8, 6), (8, 7))
    """

    _parameter_constraints: dict = {
        "n_pivots": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "pivot_selection": [StrOptions({"mi", "frequency"})],
        "min_df": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "include_input": ["boolean"],
        "scale": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_pivots=100,
        n_components=50,
        *,
        pivot_selection="mi",
        min_df=5,
        alpha=1.0,
        include_input=True,
        scale=1.0,
    ):
        self.n_pivots = n_pivots
        self.n_components = n_components
        self.pivot_selection = pivot_selection
        self.min_df = min_df
        self.alpha = alpha
        self.include_input = include_input
        self.scale = scale

    def _fit_domains(self, X, masks):
        n_features = X.shape[1]
        if self.n_pivots > n_features:
            raise ValueError(
                f"n_pivots={self.n_pivots} is larger than the number of features "
                f"({n_features}): there cannot be more pivots than features. "
                "Lower n_pivots."
            )
        source = masks.source & masks.labelled
        X_s = _take_rows(X, np.flatnonzero(source))
        X_t = _take_rows(X, np.flatnonzero(masks.target))
        y_source = None
        if self.pivot_selection == "mi":
            y_source = masks.y[source]
            if np.unique(y_source).shape[0] < 2:
                raise ValueError(
                    "SCLAdapter with pivot_selection='mi' ranks pivots by their "
                    "mutual information with the source label, but the labelled "
                    "source rows hold 1 class "
                    f"({_item(y_source[0])!r}). Give source rows of two classes or use "
                    "pivot_selection='frequency'."
                )
        pivots = select_pivots(
            X_s, X_t, y_source, n_pivots=self.n_pivots, min_df=self.min_df
        )
        if pivots.shape[0] == 0:
            raise ValueError(
                f"SCLAdapter found no candidate pivot: no feature is non-zero in "
                f"at least min_df={self.min_df} rows of both the source and the "
                "target domain. Lower min_df."
            )
        if pivots.shape[0] < self.n_pivots:
            warnings.warn(
                f"SCLAdapter found {pivots.shape[0]} candidate pivots (features "
                f"non-zero in at least min_df={self.min_df} rows of each domain), "
                f"fewer than n_pivots={self.n_pivots}; using them all.",
                UserWarning,
                stacklevel=4,
            )
        nonpivots = np.setdiff1d(np.arange(n_features), pivots)
        if nonpivots.shape[0] == 0:
            raise ValueError(
                f"n_pivots={self.n_pivots} uses every feature as a pivot, which "
                "leaves no feature to predict them from. Lower n_pivots."
            )
        values = X.data if sparse.issparse(X) else X
        largest = float(np.abs(values).max()) if values.size else 0.0
        # The ridge solves hold sums of squares of X.
        overflow = largest > np.sqrt(np.finfo(np.float64).max / max(X.shape))
        weights = None if overflow else self._pivot_predictors(X, pivots, nonpivots)
        if weights is None or not np.isfinite(weights).all():
            raise ValueError(
                f"SCLAdapter: the values of X are too large (up to {largest:.3g}): "
                "the pivot predictors overflow float64. Rescale X (e.g. TF-IDF "
                "rows, or StandardScaler)."
            )
        U, s, _ = np.linalg.svd(weights, full_matrices=False)
        k = min(self.n_components, s.shape[0])
        # Deterministic signs: the largest entry of each vector is positive.
        U = U[:, :k]
        signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(k)])
        signs[signs == 0] = 1.0
        self.pivots_ = pivots
        self.nonpivots_ = nonpivots
        self.projection_ = U * signs
        self.singular_values_ = s[:k]
        self.n_components_ = k
        self.scale_ = relative_scale(X, self._project(X), self.scale)
        self._n_features_out = (n_features if self.include_input else 0) + k

    def _pivot_predictors(self, X, pivots, nonpivots):
        """Ridge weights (n_nonpivot, n_pivots) of every pivot predictor."""
        presence = X[:, pivots] != 0
        presence = presence.toarray() if sparse.issparse(presence) else presence
        ridge = Ridge(alpha=self.alpha, fit_intercept=True, tol=1e-6)
        ridge.fit(X[:, nonpivots], presence.astype(np.float64))
        return np.atleast_2d(ridge.coef_).T

    def _project(self, X):
        Z = X[:, self.nonpivots_] @ self.projection_
        return np.asarray(Z, dtype=np.float64)

    def _transform_target(self, X):
        Z = self._project(X) * self.scale_
        return append_features(X, Z, self.include_input)

    def _transform_training(self, X, masks):
        # Source and target rows go through the same map.
        return self._transform_target(X)

    def _get_feature_names_out(self, input_features):
        names = _check_feature_names_in(self, input_features)
        out = list(names) if self.include_input else []
        out += [f"scl{i}" for i in range(self.n_components_)]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
