"""Nearest-neighbour importance weights (Loog, 2012)."""

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import VALID_METRICS, NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions

from sktransfer.adaptation._base import (
    _divide,
    _RatioModelWeighting,
    _source_and_target_rows,
    _substitute_docs,
    power_of_two_scale,
)

__all__ = ["NearestNeighborWeighting"]

_NN_METRICS = sorted(
    set(VALID_METRICS["brute"])
    - {"precomputed", "nan_euclidean", "mahalanobis", "seuclidean", "haversine"}
)


@_substitute_docs
class NearestNeighborWeighting(_RatioModelWeighting):
    r"""Nearest-neighbour importance weights (Loog, 2012).

    Every target row votes for its nearest source row: the weight of a
    source row grows with the number of target rows in its Voronoi cell,
    a direct nearest-neighbour estimate of the density ratio. With ``c_i``
    the votes of source row ``i`` and ``s`` the ``smoothing``,

    .. math::

        w_i = \frac{n_s}{n_t + s\, n_s} \, (c_i + s),

    so the source weights average to 1. With ``n_neighbors=k > 1``, every
    target row spreads one vote evenly over its ``k`` nearest source rows
    (``c_i`` counts ``1/k`` per such target row).

    Parameters
    ----------
    n_neighbors : int, default=1
        Number of source rows each target row votes for; 1 is Loog's
        estimator.
    metric : str or callable, default='euclidean'
        Distance used by :class:`~sklearn.neighbors.NearestNeighbors`
        (``'cosine'`` suits TF-IDF rows). Sparse input works with the metrics
        that :class:`~sklearn.neighbors.NearestNeighbors` supports on it.
    smoothing : float, default=1.0
        Count added to every source row before normalising (the Laplace
        smoothing of Loog, 2012), so that source rows without target
        neighbours keep a positive weight. 0 gives the raw vote counts.

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: ``w_i`` for source rows, 1 for target
        rows.
    counts_ : ndarray of shape (n_source_rows,)
        Votes ``c_i`` of the source rows, in the order of the source rows of
        ``X``.
    neighbors_ : NearestNeighbors
        The index of the source rows (divided by a power of two when their
        scale is extreme, see Notes).
    {weighting_fitted}

    See Also
    --------
    KLIEPWeighting : Smooth density-ratio model.
    DiscriminativeWeighting : Ratio from a source-vs-target classifier.

    Notes
    -----
    Ties between equidistant source rows are broken by the neighbour search
    (the lower index for the brute-force search). The estimate is constant on
    the Voronoi cell of every source row, which is how
    :meth:`compute_weights` extends it to new rows: a new row gets the weight
    of its nearest source training row (for any ``n_neighbors``).

    The weights do not depend on the scale of ``X``: with a named
    ``metric``, rows whose largest absolute value lies outside ``[2**-64,
    2**64]`` are divided by a power of two before the search (exactly), so
    squared distances of data of 1e200 or 1e-200 neither overflow nor
    underflow.

    References
    ----------
    .. [1] M. Loog, "Nearest neighbor-based importance weighting", IEEE
       International Workshop on Machine Learning for Signal Processing
       (MLSP), 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import NearestNeighborWeighting
    >>> X = np.array([[0.0], [1.0], [2.0], [1.1], [1.9], [2.2]])
    >>> y = np.array([0, 1, 1, -1, -1, -1])
    >>> nnw = NearestNeighborWeighting().fit(X, y)
    >>> nnw.counts_
    array([0., 1., 2.])
    >>> nnw.weights_
    array([0.5, 1. , 1.5, 1. , 1. , 1. ])
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions(set(_NN_METRICS)), callable],
        "smoothing": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_neighbors=1, *, metric="euclidean", smoothing=1.0):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.smoothing = smoothing

    def _fit_weights(self, X, masks):
        # Every named metric keeps the order of distances when X is divided
        # by s (a power of two, 1 for ordinary data), and the division spares
        # squared distances of an extreme scale from overflow or underflow;
        # a callable metric gets X as it is.
        scale = 1.0 if callable(self.metric) else power_of_two_scale(X)
        Xs, Xt = _source_and_target_rows(_divide(X, scale), masks)
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        if self.n_neighbors > n_s:
            raise ValueError(
                f"n_neighbors={self.n_neighbors} is larger than the number of "
                f"source rows ({n_s}). Lower n_neighbors."
            )
        nn = NearestNeighbors(n_neighbors=self.n_neighbors, metric=self.metric)
        nn.fit(Xs)
        idx = nn.kneighbors(Xt, return_distance=False)
        counts = np.bincount(idx.ravel(), minlength=n_s) / self.n_neighbors
        s = float(self.smoothing)
        weights = (counts + s) * (n_s / (n_t + s * n_s))
        self.counts_ = counts
        self.neighbors_ = nn
        self._source_weights = weights
        self._scale = scale
        return weights

    def _compute_weights(self, X):
        idx = self.neighbors_.kneighbors(
            _divide(X, self._scale), n_neighbors=1, return_distance=False
        )
        return self._source_weights[idx[:, 0]]
