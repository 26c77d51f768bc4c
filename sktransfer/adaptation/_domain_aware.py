"""Final pipeline steps that fit a scikit-learn estimator on labelled rows only."""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from sktransfer.adaptation._base import _DOCS, _LabelledRowsMixin
from sktransfer.adaptation._label_shift import adjust_proba, fit_target_prior
from sktransfer.utils._docstring import Substitution
from sktransfer.utils._domains import check_domains
from sktransfer.utils._validation import as_indexable

__all__ = ["DomainAwareClassifier", "DomainAwareRegressor"]


def _estimator_has(attr):
    """Check ``attr`` on the fitted ``estimator_`` if any, else on ``estimator``."""

    def check(self):
        if hasattr(self, "estimator_"):
            getattr(self.estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


def _first_step(estimator):
    """Return the first real step of a Pipeline-like ``estimator``, else None."""
    steps = getattr(estimator, "steps", None)
    if not isinstance(steps, list):
        return None
    for step in steps:
        est = step[-1] if isinstance(step, tuple) else None
        if est is not None and est not in ("passthrough", "drop"):
            return est
    return None


# Paragraphs of the classifier's and the regressor's docstrings.
_docs = Substitution(
    **_DOCS,
    weighting="""\
weighting : weighting object, default=None
    An importance weighting (a :class:`~sktransfer.adaptation.BaseWeighting`
    such as :class:`~sktransfer.adaptation.KMMWeighting`). A clone is
    fitted on all rows of ``X`` in ``fit``; its ``weights_`` of the
    labelled rows reach ``estimator.fit`` as ``sample_weight`` (an
    estimator that cannot take them is an error, never a silent
    resample). None fits without weights.
""",
    fitted_estimator="""\
estimator_ : estimator object
    The clone of ``estimator`` fitted on the labelled rows.
weighting_ : weighting object
    The fitted clone of ``weighting``; only when ``weighting`` is set.
""",
    estimator_features="""\
n_features_in_ : int
    Number of features seen by ``estimator_`` during fit, when it has one.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of those features, when ``X`` had string column names.
""",
)


class _BaseDomainAware(_LabelledRowsMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared logic of :class:`DomainAwareClassifier` and the regressor."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "weighting": [None, HasMethods(["fit"])],
    }

    def __init__(self, estimator, *, weighting=None):
        self.estimator = estimator
        self.weighting = weighting

    def _labelled(self, X, y, sample_domain, sample_weight, weighting=None):
        """Validate the domain contract and return the labelled rows.

        Returns the labelled rows of ``X`` and ``y`` and their weights: the
        product of ``sample_weight`` and the weights of ``weighting``, which
        is fitted here on all rows once the domains are valid (None when
        neither is given).
        """
        X = as_indexable(X)
        rows = self._labelled_rows(X, y, sample_domain, sample_weight)
        sw = rows.sample_weight
        if weighting is not None:
            weighting.fit(X, y, sample_domain=sample_domain)
            w = weighting.weights_[rows.indices]
            sw = w if sw is None else sw * w
        return rows.take(X), rows.y, sw

    @_fit_context(
        # The wrapped estimator is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    @_docs
    def fit(self, X, y, *, sample_domain=None, sample_weight=None):
        """Fit a clone of ``estimator`` on the labelled rows.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents of n_samples rows
            Source and target rows together, in whatever form ``estimator``
            accepts.
        {y_labels}
        {sample_domain}
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, passed to ``estimator.fit`` for the labelled
            rows (multiplied by the importance weights of ``weighting``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        weighting = None if self.weighting is None else clone(self.weighting)
        X_l, y_l, sw_l = self._labelled(X, y, sample_domain, sample_weight, weighting)
        estimator = clone(self.estimator)
        fit_params = {}
        if sw_l is not None:
            if not has_fit_parameter(estimator, "sample_weight"):
                source = "weighting" if weighting is not None else "sample_weight"
                raise TypeError(
                    f"{source} gives sample weights, but "
                    f"{type(estimator).__name__}.fit does not accept "
                    "sample_weight."
                )
            fit_params["sample_weight"] = sw_l
        estimator.fit(X_l, y_l, **fit_params)
        self.estimator_ = estimator
        if weighting is not None:
            self.weighting_ = weighting
        self._fit_prior_shift(X, y, sample_domain, X_l, y_l, sw_l)
        return self

    def _fit_prior_shift(self, X, y, sample_domain, X_l, y_l, sw_l):
        """Estimate class priors after the fit (the classifier's prior_shift)."""

    def predict(self, X):
        """Predict with the fitted estimator; every row is treated as target.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to predict, in the form ``fit`` takes.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions of ``estimator_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def _score_rows(self, X_l, y_l, sw_l):
        """``estimator_.score`` of the labelled rows (see ``score``)."""
        if sw_l is None:
            return self.estimator_.score(X_l, y_l)
        return self.estimator_.score(X_l, y_l, sample_weight=sw_l)

    def _fitted_attr(self, name):
        try:
            check_is_fitted(self)
        except NotFittedError as exc:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r} before fit."
            ) from exc
        return getattr(self.estimator_, name)

    @property
    def n_features_in_(self):
        """Number of features seen by ``estimator_`` during fit."""
        return self._fitted_attr("n_features_in_")

    @property
    def feature_names_in_(self):
        """Names of the features seen by ``estimator_`` during fit."""
        return self._fitted_attr("feature_names_in_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags = inner.input_tags
        first = _first_step(self.estimator)
        if first is not None:
            # Pipeline does not pass on the kind of input its first step takes
            # (raw text for a vectorizer); read it from that step.
            first_tags = get_tags(first).input_tags
            tags.input_tags.string = first_tags.string
            tags.input_tags.two_d_array = first_tags.two_d_array
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.non_deterministic = inner.non_deterministic
        return tags


@_docs
class DomainAwareClassifier(ClassifierMixin, _BaseDomainAware):
    """Classifier that fits ``estimator`` on labelled rows only.

    The final step of a transfer pipeline. Source and target rows travel
    together through every step (so that vectorizers and adapters see both
    domains); this step drops the unlabelled rows (``y == -1``) and fits a
    clone of ``estimator`` on the rest. ``predict``, ``predict_proba``,
    ``decision_function`` and ``classes_`` delegate to that clone; ``score``
    ignores unlabelled rows, so a stock ``GridSearchCV`` with the default
    cross-validation and scoring works on ``y`` with ``-1`` rows.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn classifier (or pipeline ending with one). Cloned in
        ``fit``; never modified.
    {weighting}
    prior_shift : {'em', 'bbse'} or None, default=None
        Correct for *label shift*, a target class balance unlike the source
        one. In ``fit``, the target class prior is estimated from the target
        rows of ``X`` without their labels: ``'em'`` by the EM of Saerens et
        al. (2002) on ``estimator_.predict_proba`` of the target rows
        (:func:`~sktransfer.adaptation.em_target_prior`), ``'bbse'`` by
        black-box shift estimation (Lipton et al., 2018;
        :func:`~sktransfer.adaptation.bbse_target_prior`, with held-out
        predictions from 5-fold cross-validation of clones of ``estimator`` on
        the labelled rows). ``predict_proba`` then returns the posteriors
        moved from ``source_prior_`` to ``target_prior_``
        (:func:`~sktransfer.adaptation.adjust_proba`), and ``predict``,
        ``predict_log_proba``, ``decision_function`` and ``score`` follow
        them. Needs ``estimator.predict_proba`` and target rows in ``fit``.
        The correction assumes that only the class balance changed; across
        genres of text, where the words change too, the estimates can be far
        off (see the user guide). None does no correction.

    Attributes
    ----------
    {fitted_estimator}
    classes_ : ndarray of shape (n_classes,)
        Class labels (without the unlabelled marker).
    source_prior_ : ndarray of shape (n_classes,)
        Class frequencies of the labelled rows (weighted by
        ``sample_weight`` and the ``weighting``); only with ``prior_shift``.
    target_prior_ : ndarray of shape (n_classes,)
        The estimated class prior of the target rows; only with
        ``prior_shift``.
    {estimator_features}

    See Also
    --------
    DomainAwareRegressor : The same for regression targets (NaN unlabelled).
    sktransfer.utils.pack_domains : Build ``X, y, sample_domain``.

    Notes
    -----
    Domains are read with :func:`sktransfer.utils.check_domains`. Without
    ``sample_domain``, labels such as ``{-1, +1}`` are ambiguous (``-1`` marks
    unlabelled rows) and ``fit`` raises a ``ValueError`` when the labelled rows
    then hold a single class; pass ``sample_domain`` or relabel the classes.

    ``fit`` and ``score`` request ``sample_domain`` for metadata routing by
    default: with ``sklearn.set_config(enable_metadata_routing=True)``, a
    stock ``Pipeline``, ``GridSearchCV`` or ``cross_validate`` routes it here
    with no ``set_fit_request`` call.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktransfer.adaptation import DomainAwareClassifier
    >>> X = ["a good film", "a bad film", "good fun", "bad acting",
    ...      "a good phone", "a bad phone"]
    >>> y = [1, 0, 1, 0, -1, -1]  # the two phone reviews are unlabelled
    >>> pipe = make_pipeline(TfidfVectorizer(),
    ...                      DomainAwareClassifier(LogisticRegression()))
    >>> pipe.fit(X, y).predict(["a good phone", "a bad phone"])
    array([1, 0])
    >>> pipe[-1].classes_
    array([0, 1])
    """

    _task = "classification"
    # ClassifierMixin.score comes first in the MRO; use the labelled-rows score.
    score = _BaseDomainAware.score

    _parameter_constraints: dict = {
        **_BaseDomainAware._parameter_constraints,
        "prior_shift": [None, StrOptions({"em", "bbse"})],
    }

    def __init__(self, estimator, *, weighting=None, prior_shift=None):
        super().__init__(estimator, weighting=weighting)
        self.prior_shift = prior_shift

    @property
    def classes_(self):
        """Class labels of ``estimator_`` (the unlabelled marker excluded)."""
        return self._fitted_attr("classes_")

    def _fit_prior_shift(self, X, y, sample_domain, X_l, y_l, sw_l):
        for name in ("source_prior_", "target_prior_"):
            self.__dict__.pop(name, None)
        if self.prior_shift is None:
            return
        if not hasattr(self.estimator_, "predict_proba"):
            raise ValueError(
                f"prior_shift={self.prior_shift!r} moves the posteriors of "
                f"estimator to the target class prior, but "
                f"{type(self.estimator_).__name__} has no predict_proba. Use a "
                "probabilistic classifier or prior_shift=None."
            )
        X = as_indexable(X)
        target = np.flatnonzero(check_domains(y, sample_domain).target)
        if target.shape[0] == 0:
            raise ValueError(
                f"prior_shift={self.prior_shift!r} estimates the class prior of "
                "the target rows, but fit found no target rows (no y == -1 rows "
                "and no negative sample_domain). Pass the unlabelled target rows "
                "with y == -1, or use prior_shift=None."
            )
        self.source_prior_, self.target_prior_ = fit_target_prior(
            self.prior_shift,
            self.estimator_,
            X_l,
            y_l,
            _safe_indexing(X, target),
            classes=self.estimator_.classes_,
            sample_weight=sw_l,
        )

    def _shifted_proba(self, X):
        """Posteriors of ``estimator_`` moved to ``target_prior_`` (or None)."""
        if not hasattr(self, "target_prior_"):
            return None
        return adjust_proba(
            self.estimator_.predict_proba(X), self.source_prior_, self.target_prior_
        )

    def predict(self, X):
        """Predict with the fitted estimator; every row is treated as target.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to predict, in the form ``fit`` takes.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions of ``estimator_``; with ``prior_shift``, the most
            probable class under ``target_prior_``.
        """
        check_is_fitted(self)
        proba = self._shifted_proba(X)
        if proba is None:
            return self.estimator_.predict(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _score_rows(self, X_l, y_l, sw_l):
        """``estimator_.score``, or with ``prior_shift`` the accuracy of predict."""
        if not hasattr(self, "target_prior_"):
            return super()._score_rows(X_l, y_l, sw_l)
        return float(np.average(self.predict(X_l) == y_l, weights=sw_l))

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of ``estimator_``.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to predict, in the form ``fit`` takes.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as ``classes_``; with
            ``prior_shift``, moved to ``target_prior_``.
        """
        check_is_fitted(self)
        proba = self._shifted_proba(X)
        return self.estimator_.predict_proba(X) if proba is None else proba

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of ``estimator_``.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to predict, in the form ``fit`` takes.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns ordered as ``classes_``; with
            ``prior_shift``, those of the shifted posteriors.
        """
        check_is_fitted(self)
        proba = self._shifted_proba(X)
        if proba is None:
            return self.estimator_.predict_log_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of ``estimator_``.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to predict, in the form ``fit`` takes.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Confidence scores, as returned by ``estimator_``. With
            ``prior_shift``, those of the shifted posteriors: the log-odds
            ``log(p_1 / p_0)`` for two classes, the log-probabilities
            otherwise.
        """
        check_is_fitted(self)
        proba = self._shifted_proba(X)
        if proba is None:
            return self.estimator_.decision_function(X)
        with np.errstate(divide="ignore"):
            log_proba = np.log(proba)
        if log_proba.shape[1] == 2:
            return log_proba[:, 1] - log_proba[:, 0]
        return log_proba

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        if inner.classifier_tags is not None:
            tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        return tags


@_docs
class DomainAwareRegressor(RegressorMixin, _BaseDomainAware):
    """Regressor that fits ``estimator`` on labelled rows only.

    The regression counterpart of :class:`DomainAwareClassifier`: unlabelled
    rows are marked by a NaN target. ``predict`` delegates to the fitted
    clone; ``score`` ignores unlabelled rows.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn regressor (or pipeline ending with one). Cloned in
        ``fit``; never modified.
    {weighting}

    Attributes
    ----------
    {fitted_estimator}
    {estimator_features}

    See Also
    --------
    DomainAwareClassifier : The same for class labels (``-1`` unlabelled).

    Notes
    -----
    With ``sample_domain``, source rows (non-negative domains) must be
    labelled; NaN marks unlabelled target rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sktransfer.adaptation import DomainAwareRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0.0, 2.0, 4.0, np.nan])  # the last row is unlabelled
    >>> reg = DomainAwareRegressor(LinearRegression()).fit(X, y)
    >>> reg.predict([[3.0]])
    array([6.])
    >>> reg.score(X, y)
    1.0
    """

    _task = "regression"
    # RegressorMixin.score comes first in the MRO; use the labelled-rows score.
    score = _BaseDomainAware.score
