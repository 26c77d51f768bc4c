"""Unsupervised model-selection scorers for domain adaptation.

Each factory returns a scorer: a callable ``scorer(estimator, X, y=None, *,
sample_domain=None)`` that scikit-learn's ``GridSearchCV(scoring=...)``,
``cross_validate(scoring=...)`` and friends accept. The scorers estimate how
well a fitted model does on the *target* domain without target labels, from a
validation fold that holds labelled source rows and unlabelled target rows
(what :class:`~sktransfer.model_selection.DomainShuffleSplit` and
:class:`~sktransfer.model_selection.DomainStratifiedKFold` produce).

Domains are read with :func:`sktransfer.utils.check_domains`: from ``y`` when
metadata routing is disabled (labelled rows are source, ``y == -1`` or NaN rows
target), or from ``sample_domain`` when routing is enabled (each scorer requests
it for ``score`` by default, so no ``set_score_request`` call is needed).

The scorers are stateless: they store nothing when called, so calling one twice
on the same fitted model and fold gives the same number. Their ``metric`` is a
scikit-learn scorer (:func:`sklearn.metrics.get_scorer` resolves a name), and
the importance weights come from
:class:`~sktransfer.adaptation.DiscriminativeWeighting`.
"""

import difflib
import numbers
import re

import numpy as np
from scipy.special import entr
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing
from sklearn.utils.metadata_routing import MetadataRequest, get_routing_for_object
from sklearn.utils.validation import has_fit_parameter

from sktransfer.utils._domains import UNLABELLED, check_domains, unlabelled_mask
from sktransfer.utils._random import seed_random_states
from sktransfer.utils._validation import num_rows

__all__ = [
    "importance_weighted_scorer",
    "prediction_entropy_scorer",
    "reverse_validation_scorer",
]


# --------------------------------------------------------------------------- #
# Metrics: scikit-learn scorers (greater is better)
# --------------------------------------------------------------------------- #

# The methods a scikit-learn scorer may ask a model for.
_RESPONSE_METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
)


def _is_scorer(metric):
    """Whether ``metric`` is a scikit-learn scorer object.

    Scorer objects (what :func:`~sklearn.metrics.make_scorer` and
    :func:`~sklearn.metrics.get_scorer` return) are called as
    ``scorer(estimator, X, y, sample_weight=None)`` and, like every
    scikit-learn scorer since 1.3, have ``set_score_request``. Other callables
    are metric functions ``metric(y_true, y_pred, sample_weight=None)``.
    """
    return callable(metric) and callable(getattr(metric, "set_score_request", None))


def _resolve_metric(metric, factory):
    """Return the scikit-learn scorer that computes ``metric``.

    Parameters
    ----------
    metric : str, scorer object or callable
        A name of :func:`sklearn.metrics.get_scorer_names`, a scorer object,
        or a metric function ``metric(y_true, y_pred, sample_weight=None)``
        computed on ``predict`` where greater is better.
    factory : str
        Name of the public factory, for error messages.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None)``, greater is better.

    Raises
    ------
    ValueError
        If ``metric`` is neither a scorer name nor a callable.
    """
    if isinstance(metric, str):
        try:
            return get_scorer(metric)
        except ValueError:
            close = difflib.get_close_matches(metric, get_scorer_names(), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(_metric_message(metric, factory) + hint) from None
    if _is_scorer(metric):
        return metric
    if callable(metric):
        return make_scorer(metric)
    raise ValueError(_metric_message(metric, factory))


def _metric_message(metric, factory):
    return (
        f"{factory}: metric must be one of the scikit-learn scorer names "
        "(sklearn.metrics.get_scorer_names(), such as 'accuracy', "
        "'balanced_accuracy', 'f1_macro', 'neg_log_loss', 'r2' or "
        "'neg_mean_absolute_error'), a scorer object such as "
        "sklearn.metrics.make_scorer returns, or a callable "
        "metric(y_true, y_pred, sample_weight=None) computed on predict where "
        f"greater is better; got {metric!r}."
    )


def _show(value):
    """Return the repr of a parameter value, a function by its name."""
    if callable(value) and not hasattr(value, "get_params"):
        return getattr(value, "__name__", repr(value))
    return repr(value)


# --------------------------------------------------------------------------- #
# Base scorers
# --------------------------------------------------------------------------- #


def _routing_enabled():
    return bool(get_config().get("enable_metadata_routing", False))


class _DomainScorer:
    """Callable scorer that reads domains from ``y`` or a routed ``sample_domain``.

    The keyword arguments of the constructor are the public factory's
    parameters: they become attributes and make the repr. Subclasses set
    ``_factory`` and implement ``_score(estimator, X, masks)``. They keep no
    state between calls.
    """

    _factory = None  # name of the public factory, for messages and repr

    def __init__(self, **params):
        for name, value in params.items():
            setattr(self, name, value)
        self._param_names = tuple(sorted(params))
        self._sample_domain_request = True

    def get_metadata_routing(self):
        """Get the metadata routing of this scorer.

        The scorer requests ``sample_domain`` for ``score`` by default, so
        that with metadata routing enabled, ``GridSearchCV`` and
        ``cross_validate`` route it here.

        Returns
        -------
        routing : MetadataRequest
            The request of this scorer.
        """
        request = MetadataRequest(owner=self)
        request.score.add_request(
            param="sample_domain", alias=self._sample_domain_request
        )
        return request

    def set_score_request(self, *, sample_domain=True):
        """Set whether ``sample_domain`` is requested for scoring.

        Only relevant with metadata routing enabled.

        Parameters
        ----------
        sample_domain : bool, str or None, default=True
            ``True`` requests it (the default of every sktransfer scorer),
            ``False`` does not, ``None`` raises if it is passed, a str routes
            the metadata of that name instead.

        Returns
        -------
        self : object
            The scorer.
        """
        if not (sample_domain is None or isinstance(sample_domain, bool | str)):
            raise TypeError(
                "sample_domain must be True, False, None or a str alias, got "
                f"{sample_domain!r}."
            )
        self._sample_domain_request = sample_domain
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={_show(getattr(self, k))}" for k in self._param_names)
        return f"{self._factory}({args})"

    def _masks(self, X, y, sample_domain):
        return check_domains(
            y, sample_domain, n_samples=num_rows(X), estimator_name=self._factory
        )

    def _require_target(self, masks):
        if not masks.has_target:
            raise ValueError(
                f"{self._factory} found no target rows in this fold (no y == -1 "
                "/ NaN rows and no negative sample_domain); it scores a model "
                "on target rows. Use a splitter that keeps target rows in every "
                "fold, such as sktransfer.model_selection.DomainShuffleSplit or "
                "DomainStratifiedKFold."
            )

    def _require_source(self, masks):
        if not (masks.source & masks.labelled).any():
            raise ValueError(
                f"{self._factory} found no labelled source rows in this fold; it "
                "scores a model against source labels. Use a splitter that "
                "keeps source rows in every fold, such as "
                "sktransfer.model_selection.DomainShuffleSplit."
            )

    def __call__(self, estimator, X, y=None, *, sample_domain=None):
        """Score a fitted ``estimator`` on a validation fold.

        Parameters
        ----------
        estimator : estimator object
            A fitted estimator (or pipeline) that follows the domain contract.
        X : array-like, sparse matrix or list of documents of n_samples rows
            Source and target rows of the validation fold.
        y : array-like of shape (n_samples,), default=None
            Labels; ``-1`` (NaN for regression) marks unlabelled rows, which
            form the target domain unless ``sample_domain`` is given.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: non-negative for source, negative for target.

        Returns
        -------
        score : float
            The score; greater is better.
        """
        masks = self._masks(X, y, sample_domain)
        return float(self._score(estimator, X, masks))


class _MetricScorer(_DomainScorer):
    """A domain scorer that scores a model on labelled source rows with ``metric``.

    ``metric`` is resolved once, with scikit-learn's
    :func:`~sklearn.metrics.get_scorer` for a name.
    """

    def __init__(self, *, metric, **params):
        super().__init__(metric=metric, **params)
        self._scorer = _resolve_metric(metric, self._factory)

    def _source_score(self, model, X, y_true, sample_weight=None):
        """Return ``metric`` of ``model`` on rows ``X`` against ``y_true``."""
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        try:
            return self._scorer(model, X, y_true, **kwargs)
        except AttributeError as exc:
            # scikit-learn names the response methods it looked for.
            words = set(re.findall(r"\w+", str(exc)))
            needed = [
                m for m in _RESPONSE_METHODS if m in words and not hasattr(model, m)
            ]
            if not needed:
                raise
            raise TypeError(
                f"{self._factory}: metric={_show(self.metric)} needs "
                f"{' or '.join(needed)}, which {type(model).__name__} does not "
                "have; use a metric computed on predict, such as 'accuracy'."
            ) from exc


# --------------------------------------------------------------------------- #
# Importance-weighted validation
# --------------------------------------------------------------------------- #


def _features(estimator, X):
    """Return (features, final estimator) to estimate weights and predict."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1].transform(X), estimator[-1]
    return X, estimator


class _ImportanceWeightedScorer(_MetricScorer):
    _factory = "importance_weighted_scorer"

    def _weighting(self):
        """Return the unfitted weighting to fit on the fold's features."""
        # Imported here: importing sktransfer.model_selection does not import
        # sktransfer.adaptation (which never imports model_selection).
        from sktransfer.adaptation import DiscriminativeWeighting

        if self.weighting is None:
            # The raw ratio, as IWCV's unbiasedness needs: no clipping.
            return DiscriminativeWeighting(LogisticRegression(max_iter=1000), clip=None)
        if hasattr(self.weighting, "predict_proba"):
            return DiscriminativeWeighting(self.weighting, clip=None)
        return clone(self.weighting)

    def _weights(self, Z, masks):
        """Return the importance weight of every row of the fold."""
        weighting = self._weighting().fit(
            Z, masks.y, sample_domain=masks.sample_domain if masks.explicit else None
        )
        weights = np.asarray(weighting.weights_, dtype=np.float64)
        if weights.shape != (masks.n_samples,):
            raise ValueError(
                f"{self._factory}: weighting.weights_ must hold one weight "
                f"per row ({masks.n_samples}), got shape {weights.shape}."
            )
        return weights

    def _score(self, estimator, X, masks):
        self._require_source(masks)
        self._require_target(masks)
        Z, final = _features(estimator, X)
        if isinstance(Z, list | tuple) or (
            isinstance(Z, np.ndarray) and Z.dtype.kind in "OUS"
        ):
            raise TypeError(
                f"{self._factory} estimates importance weights from numeric "
                "features, but got raw documents: score a Pipeline whose first "
                "steps turn documents into features (the weights are estimated "
                "on estimator[:-1].transform(X))."
            )
        src = np.flatnonzero(masks.source & masks.labelled)
        weights = self._weights(Z, masks)[src]
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError(
                f"{self._factory}: the weighting gave non-finite or negative weights."
            )
        if weights.sum() <= 0:
            raise ValueError(
                f"{self._factory}: every source row got weight 0; the weighted "
                "score is undefined."
            )
        return self._source_score(
            final, _safe_indexing(Z, src), masks.y[src], sample_weight=weights
        )


def importance_weighted_scorer(weighting=None, metric="accuracy"):
    """Importance-weighted validation scorer (IWCV).

    Scores a model on the labelled source rows of a validation fold, each row
    weighted by an estimate of the density ratio ``w(x) = p_t(x) / p_s(x)``
    between the target and the source rows of that fold. Under covariate
    shift the weighted source score is an unbiased estimate of the score on
    the target domain (Sugiyama et al., 2007), so it can rank models where
    plain source accuracy would favour "no adaptation".

    Parameters
    ----------
    weighting : classifier, weighting object or None, default=None
        How the density ratio is estimated on the fold's features:

        * None: :class:`~sktransfer.adaptation.DiscriminativeWeighting` with
          a ``LogisticRegression(max_iter=1000)`` domain classifier and
          ``clip=None``, ``w(x) = (n_s / n_t) P(target | x) / P(source | x)``;
        * a classifier with ``predict_proba``: the same with that classifier
          (e.g. ``LogisticRegression(C=0.1)`` for smoother weights);
        * any other object with ``fit(X, y, sample_domain=None)`` that sets
          ``weights_`` (one weight per row), such as the weightings of
          :mod:`sktransfer.adaptation`; the source rows' weights are used.

        Cloned and fitted anew at every call.
    metric : str or callable, default='accuracy'
        How the source rows are scored, their weights passed as
        ``sample_weight``: the name of any scikit-learn scorer
        (:func:`sklearn.metrics.get_scorer_names`, such as ``'accuracy'``,
        ``'balanced_accuracy'``, ``'f1_macro'``, ``'neg_log_loss'``,
        ``'roc_auc'``, ``'r2'`` or ``'neg_mean_absolute_error'``), a scorer
        object (:func:`sklearn.metrics.make_scorer`), called as
        ``scorer(estimator, X, y, sample_weight=w)``, or a callable
        ``metric(y_true, y_pred, sample_weight=None)`` computed on
        ``predict`` where greater is better.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None, *, sample_domain=None)`` returning the
        weighted score (greater is better). It requests ``sample_domain`` for
        metadata routing.

    See Also
    --------
    prediction_entropy_scorer : Confidence of the target predictions.
    reverse_validation_scorer : Score of a model refitted on pseudo-labels.

    Notes
    -----
    Features: when ``estimator`` is a :class:`~sklearn.pipeline.Pipeline` of
    several steps, the weights are estimated on ``estimator[:-1].transform(X)``
    (the features the final step sees, so raw text works) and the final step
    predicts from them; otherwise on ``X`` itself, which must then be numeric.
    The weights therefore depend on the candidate's feature steps: after an
    adapter that aligns the domains well, the domain classifier finds little
    shift and the score approaches plain source accuracy in the adapted space.

    The density ratio is estimated on the rows of the fold being scored (source
    and target together), in sample. Labelled target rows, if any, are not
    scored. A fold without target or labelled source rows raises a
    ``ValueError``.

    With the default and with a classifier as ``weighting``, the weights are
    ``DiscriminativeWeighting(classifier, clip=None).fit(...).weights_``: the
    raw ratio, which the unbiasedness of IWCV needs (``P(source | x)`` is
    floored at machine epsilon, so weights stay finite). For clipped weights,
    pass ``weighting=DiscriminativeWeighting()`` (``clip=10``).

    References
    ----------
    .. [1] M. Sugiyama, M. Krauledat and K.-R. Müller, "Covariate shift
       adaptation by importance weighted cross validation", JMLR 8, 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.adaptation import DomainAwareClassifier
    >>> from sktransfer.model_selection import importance_weighted_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(0, 1, (100, 1)), rng.normal(1.5, 1, (100, 1))]
    >>> labels = (np.abs(X[:, 0]) > 1).astype(int)
    >>> y = np.r_[labels[:100], np.full(100, -1)]  # the target is unlabelled
    >>> clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    >>> scorer = importance_weighted_scorer()
    >>> scorer
    importance_weighted_scorer(metric='accuracy', weighting=None)
    >>> print(round(scorer(clf, X, y), 2))  # estimate of the target accuracy
    0.32
    >>> print(clf.score(X[:100], labels[:100]), clf.score(X[100:], labels[100:]))
    0.67 0.34
    """
    scorer = _ImportanceWeightedScorer(weighting=weighting, metric=metric)
    if weighting is not None and not hasattr(weighting, "fit"):
        raise TypeError(
            "importance_weighted_scorer: weighting must be None, a classifier "
            "with predict_proba, or an object with fit(X, y, sample_domain) "
            f"that sets weights_; got {type(weighting).__name__}."
        )
    return scorer


# --------------------------------------------------------------------------- #
# Prediction entropy
# --------------------------------------------------------------------------- #


class _PredictionEntropyScorer(_DomainScorer):
    _factory = "prediction_entropy_scorer"

    def _score(self, estimator, X, masks):
        self._require_target(masks)
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"{self._factory} needs an estimator with predict_proba; "
                f"{type(estimator).__name__} has none."
            )
        tgt = np.flatnonzero(masks.target)
        proba = np.asarray(estimator.predict_proba(_safe_indexing(X, tgt)))
        return -float(np.mean(entr(proba).sum(axis=1)))


def prediction_entropy_scorer():
    """Prediction entropy scorer: how confident the target predictions are.

    Returns minus the mean Shannon entropy (natural log) of ``predict_proba``
    over the target rows of a validation fold,
    ``-mean_i sum_k -p_ik log p_ik``, so that greater is better (0 for
    one-hot predictions, ``-log(n_classes)`` for uniform ones). Morerio et al.
    (2018) use it to pick the hyper-parameters of an adaptation method without
    target labels: a model adapted well to the target makes confident target
    predictions.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None, *, sample_domain=None)`` returning minus
        the mean target entropy. It requests ``sample_domain`` for metadata
        routing.

    See Also
    --------
    importance_weighted_scorer : Source score weighted toward the target.
    reverse_validation_scorer : Score of a model refitted on pseudo-labels.

    Notes
    -----
    Target rows are the unlabelled rows (``y == -1`` / NaN) without
    ``sample_domain``, the rows of negative ``sample_domain`` with it. A fold
    without target rows raises a ``ValueError``; an estimator without
    ``predict_proba`` a ``TypeError``.

    Entropy ignores the labels entirely: it rewards confidence, right or
    wrong. It ranks a model that is barely trained (near-uniform
    probabilities) below a fitted one, but it also prefers weaker
    regularisation and overconfident models; compare candidates of similar
    capacity, as Morerio et al. do for the adaptation strength.

    References
    ----------
    .. [1] P. Morerio, J. Cavazza and V. Murino, "Minimal-entropy correlation
       alignment for unsupervised deep domain adaptation", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.adaptation import DomainAwareClassifier
    >>> from sktransfer.model_selection import prediction_entropy_scorer
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0], [-3.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1, -1, -1])
    >>> clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    >>> scorer = prediction_entropy_scorer()
    >>> scorer
    prediction_entropy_scorer()
    >>> print(round(scorer(clf, X, y), 3))
    -0.188
    """
    return _PredictionEntropyScorer()


# --------------------------------------------------------------------------- #
# Reverse validation
# --------------------------------------------------------------------------- #


class _ConstantModel(ClassifierMixin, BaseEstimator):
    """Stands in for a classifier fitted on a single pseudo-class.

    A classifier (by its tags) with ``classes_``, so that scikit-learn's
    scorers read its ``predict_proba`` as they read a fitted classifier's.
    """

    def __init__(self, label, classes):
        self.label = label
        self.classes = classes

    @property
    def classes_(self):
        return np.asarray(self.classes)

    def predict(self, X):
        out = np.empty(num_rows(X), dtype=np.asarray(self.classes_).dtype)
        out[:] = self.label
        return out

    def predict_proba(self, X):
        proba = np.zeros((num_rows(X), len(self.classes_)))
        proba[:, list(self.classes_).index(self.label)] = 1.0
        return proba


def _accepts_sample_domain(estimator):
    """Whether ``estimator.fit`` can be given ``sample_domain``."""
    if _routing_enabled():
        return bool(
            get_routing_for_object(estimator).consumes("fit", ["sample_domain"])
        )
    return has_fit_parameter(estimator, "sample_domain")


def _reversed_targets(pseudo, tgt, n_samples, task):
    """Labels of the reversed problem: pseudo-labels on old target rows only."""
    pseudo = np.asarray(pseudo)
    if task == "regression":
        y_rev = np.full(n_samples, np.nan)
    elif pseudo.dtype.kind in "iu":
        y_rev = np.full(n_samples, UNLABELLED, dtype=np.int64)
    elif pseudo.dtype.kind == "f":
        y_rev = np.full(n_samples, float(UNLABELLED))
    else:
        y_rev = np.empty(n_samples, dtype=object)
        y_rev[:] = UNLABELLED
    y_rev[tgt] = pseudo
    return y_rev


class _ReverseValidationScorer(_MetricScorer):
    _factory = "reverse_validation_scorer"

    def _score(self, estimator, X, masks):
        self._require_source(masks)
        self._require_target(masks)
        src = np.flatnonzero(masks.source & masks.labelled)
        tgt = np.flatnonzero(masks.target)
        pseudo = np.asarray(estimator.predict(_safe_indexing(X, tgt)))
        if masks.task == "classification" and np.unique(pseudo).shape[0] == 1:
            # A classifier fitted on one class predicts it everywhere; fitting
            # would fail (or hit the -1 collision check), so score that model.
            classes = getattr(estimator, "classes_", np.unique(pseudo))
            reverse = _ConstantModel(pseudo[0], np.asarray(classes))
        else:
            reverse = self._fit_reversed(estimator, X, masks, pseudo, tgt)
        return self._source_score(reverse, _safe_indexing(X, src), masks.y[src])

    def _fit_reversed(self, estimator, X, masks, pseudo, tgt):
        """Fit a clone of ``estimator`` with ``pseudo`` on the target rows."""
        y_rev = _reversed_targets(pseudo, tgt, masks.n_samples, masks.task)
        reverse = clone(estimator)
        if self.random_state is not None:
            seed_random_states(reverse, self.random_state)
        fit_params = {}
        if masks.explicit and _accepts_sample_domain(reverse):
            # Swap the roles: source d -> target -(d + 1) and back.
            fit_params["sample_domain"] = -masks.sample_domain - 1
        elif unlabelled_mask(pseudo, masks.task).any():
            raise ValueError(
                f"{self._factory}: the model predicts the class -1 on target "
                "rows, which would read as unlabelled in the reversed problem, "
                f"and {type(estimator).__name__}.fit does not take "
                "sample_domain. Enable metadata routing (sample_domain is then "
                "passed) or relabel the classes."
            )
        return reverse.fit(X, y_rev, **fit_params)


def reverse_validation_scorer(metric="accuracy", random_state=0):
    """Reverse validation scorer (Zhong et al., 2010).

    Scores a fitted model by swapping the roles of the domains: the model's
    predictions on the target rows of the validation fold become their
    pseudo-labels, a clone of the model is fitted on the reversed problem
    (target rows labelled with the pseudo-labels act as the source, source
    rows without their labels act as the target), and this reversed model
    predicts the source rows, whose true labels give the score. A model whose
    target predictions are right transfers back to the source; a model that
    mislabels the target does not.

    Parameters
    ----------
    metric : str or callable, default='accuracy'
        How the reversed model is scored on the source rows: the name of any
        scikit-learn scorer (:func:`sklearn.metrics.get_scorer_names`, such
        as ``'accuracy'``, ``'balanced_accuracy'``, ``'f1_macro'``,
        ``'neg_log_loss'`` or ``'r2'``), a scorer object
        (:func:`sklearn.metrics.make_scorer`), or a callable
        ``metric(y_true, y_pred)`` computed on ``predict`` where greater is
        better.
    random_state : int, RandomState instance or None, default=0
        Seeds the reversed fit: every ``random_state`` parameter of the clone
        (including nested ones, ``step__random_state``) is set to a seed drawn
        from it, afresh at every call. With an int, the score is a function of
        the model and the fold only. None keeps the clone's own
        ``random_state`` parameters.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None, *, sample_domain=None)`` returning the
        reversed model's score on the source rows (greater is better). It
        requests ``sample_domain`` for metadata routing.

    See Also
    --------
    importance_weighted_scorer : Source score weighted toward the target.
    prediction_entropy_scorer : Confidence of the target predictions.

    Notes
    -----
    Cost: one extra fit of a clone of the whole estimator (pipeline included)
    on the validation fold per call, so a grid search with this scorer fits
    every candidate twice per split (three times with
    ``return_train_score=True``).

    The estimator must follow the domain contract (e.g. end with
    :class:`~sktransfer.adaptation.DomainAwareClassifier`): the reversed fit
    gets ``y`` with the pseudo-labels on the old target rows and ``-1`` (NaN
    for regression) on the old source rows. With explicit domains, the
    reversed fit is also given ``sample_domain`` with the roles swapped
    (source ``d`` becomes target ``-(d + 1)`` and back) when the estimator
    accepts it (it requests it under metadata routing, or ``fit`` has a
    ``sample_domain`` parameter). All target rows are pseudo-labelled, also
    labelled ones. When every target row gets the same predicted class, the
    reversed model is taken to predict that class everywhere (what a
    classifier fitted on one class does) rather than fitted.

    Only the fold being scored is used: the reversed model is fitted on the
    fold's target rows and scored on the fold's source rows, whereas Ganin et
    al. (2016) fit it on the training target rows, which a scorer does not
    see. Small folds make the reversed model weak, and when it predicts a
    single class the score is the source share of that class whatever the
    candidate; prefer larger test sets (e.g.
    ``DomainShuffleSplit(test_size=0.5)``). A fold without target or labelled
    source rows raises a ``ValueError``.

    References
    ----------
    .. [1] E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren, "Cross
       validation framework to choose amongst models and datasets for
       transfer learning", ECML PKDD 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.adaptation import DomainAwareClassifier
    >>> from sktransfer.model_selection import reverse_validation_scorer
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0], [-3.0], [-2.5], [2.5], [3.0]])
    >>> y = np.array([0, 0, 1, 1, -1, -1, -1, -1])
    >>> clf = DomainAwareClassifier(LogisticRegression()).fit(X, y)
    >>> scorer = reverse_validation_scorer()
    >>> scorer
    reverse_validation_scorer(metric='accuracy', random_state=0)
    >>> scorer(clf, X, y)
    1.0
    """
    scorer = _ReverseValidationScorer(metric=metric, random_state=random_state)
    if not (
        random_state is None
        or isinstance(random_state, np.random.RandomState)
        or (
            isinstance(random_state, numbers.Integral)
            and not isinstance(random_state, bool)
        )
    ):
        raise TypeError(
            "reverse_validation_scorer: random_state must be an int, a "
            f"RandomState instance or None, got {random_state!r}."
        )
    return scorer
