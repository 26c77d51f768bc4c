"""Importance weights from a source-vs-target domain classifier."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval

from sktransfer.adaptation._base import (
    BaseWeighting,
    _divide,
    _RatioModelWeighting,
    _substitute_docs,
    power_of_two_scale,
)

__all__ = ["DiscriminativeWeighting"]

# Smallest source probability used in a ratio p(target|x) / p(source|x).
_PROBA_FLOOR = np.finfo(np.float64).eps


@_substitute_docs
class DiscriminativeWeighting(_RatioModelWeighting):
    r"""Importance weights from a source-vs-target domain classifier.

    A probabilistic classifier learns to tell target rows (class 1) from
    source rows (class 0). By Bayes' rule the density ratio is

    .. math::

        w(x) = \frac{p_{target}(x)}{p_{source}(x)}
             = \frac{n_s}{n_t} \, \frac{P(\text{target} \mid x)}
                                       {P(\text{source} \mid x)},

    where :math:`n_s / n_t` corrects for the proportions of the two domains
    in the training rows (Bickel et al., 2009). Weights above ``clip`` are
    set to ``clip``.

    Parameters
    ----------
    estimator : classifier object, default=None
        Any scikit-learn classifier with ``predict_proba`` (a pipeline ending
        with one works). None uses
        ``LogisticRegression()``. Cloned in ``fit``. Sparse input works
        when the classifier accepts it.
    clip : float or None, default=10.0
        Largest weight: a row that the classifier places far inside the
        target domain gets ``clip`` rather than a weight that would dominate
        the fit. None keeps the raw ratio (``P(source | x)`` is still floored
        at machine epsilon, so weights stay finite).
    cv : int, cross-validation generator, iterable or None, default=None
        Cross-fitting of the source weights. None weights the source rows
        with the classifier fitted on all rows. Otherwise each source row is
        weighted by a classifier that did not see it, from
        :func:`~sklearn.model_selection.cross_val_predict` (an int means that
        many unshuffled stratified folds), which avoids weights that reflect
        the classifier's memory of the row rather than the two densities.

    Attributes
    ----------
    weights_ : ndarray of shape (n_samples,)
        Weight of every training row: ``w(x)`` for source rows, 1 for target
        rows.
    estimator_ : classifier object
        The domain classifier fitted on all training rows, used by
        :meth:`compute_weights`.
    prior_ratio_ : float
        ``n_s / n_t`` of the training rows.
    {weighting_fitted}

    See Also
    --------
    KLIEPWeighting : Density-ratio model fitted by maximum likelihood.
    NearestNeighborWeighting : Counts of target rows in Voronoi cells.

    Notes
    -----
    The weights are only as good as the classifier's probabilities; a
    well-calibrated classifier (logistic regression, or any classifier in
    :class:`~sklearn.calibration.CalibratedClassifierCV`) suits best.

    The default ``LogisticRegression`` is fitted on ``X`` divided by a power
    of two when the largest absolute value of ``X`` lies outside ``[2**-64,
    2**64]`` (``compute_weights`` divides new rows the same way): on features
    of 1e-200 its regularisation would make it a constant (every weight 1),
    and on features of 1e200 its solver would overflow. A classifier given
    as ``estimator`` sees ``X`` as it is.

    References
    ----------
    .. [1] S. Bickel, M. Brueckner and T. Scheffer, "Discriminative learning
       under covariate shift", JMLR 10, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import DiscriminativeWeighting
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 1)), rng.normal(1, 1, (50, 1))]
    >>> y = np.r_[(X[:50, 0] > 0).astype(int), -np.ones(50, dtype=int)]
    >>> dw = DiscriminativeWeighting().fit(X, y)
    >>> w = dw.compute_weights([[-1.0], [0.0], [1.0]])
    >>> bool(w[0] < w[1] < w[2])
    True
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "clip": [None, Interval(Real, 0, None, closed="neither")],
        "cv": ["cv_object"],
    }

    def __init__(self, estimator=None, *, clip=10.0, cv=None):
        self.estimator = estimator
        self.clip = clip
        self.cv = cv

    # BaseWeighting.fit, with nested validation: the domain classifier is
    # validated by its own fit.
    fit = _fit_context(prefer_skip_nested_validation=False)(
        BaseWeighting.fit.__wrapped__
    )

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _ratio(self, proba, classes):
        target_col = int(np.flatnonzero(classes == 1)[0])
        p_target = proba[:, target_col]
        p_source = proba[:, 1 - target_col]
        w = self.prior_ratio_ * p_target / np.maximum(p_source, _PROBA_FLOOR)
        if self.clip is not None:
            w = np.minimum(w, self.clip)
        return w

    def _fit_weights(self, X, masks):
        domain = masks.target.astype(np.int64)  # 1 = target, 0 = source
        n_t = int(domain.sum())
        n_s = domain.size - n_t
        src = np.flatnonzero(masks.source)
        if isinstance(self.cv, Integral) and min(n_s, n_t) < self.cv:
            raise ValueError(
                f"cv={self.cv} stratified folds need at least {self.cv} source "
                f"and {self.cv} target rows, got {n_s} source and {n_t} target "
                "rows. Lower cv or set cv=None."
            )
        # The default logistic regression sees X divided by a power of two
        # when X is of an extreme scale (1 for ordinary data): on features of
        # 1e-200 it would be regularised to a constant (every weight 1), on
        # features of 1e200 its solver would overflow.
        self._scale = power_of_two_scale(X) if self.estimator is None else 1.0
        X = _divide(X, self._scale)
        estimator = clone(self._base_estimator()).fit(X, domain)
        self.estimator_ = estimator
        self.prior_ratio_ = n_s / n_t
        if self.cv is None:
            proba = estimator.predict_proba(X[src])
            classes = estimator.classes_
        else:
            cv = check_cv(self.cv, domain, classifier=True)
            proba = cross_val_predict(
                clone(self._base_estimator()),
                X,
                domain,
                cv=cv,
                method="predict_proba",
            )[src]
            classes = np.array([0, 1])
        return self._ratio(proba, classes)

    def _compute_weights(self, X):
        proba = self.estimator_.predict_proba(_divide(X, self._scale))
        return self._ratio(proba, self.estimator_.classes_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = get_tags(self._base_estimator()).input_tags.sparse
        return tags
