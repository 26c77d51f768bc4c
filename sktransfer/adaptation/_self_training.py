"""Class-balanced self-training on the target domain (CBST, Zou et al. 2018)."""

import math
import numbers
import warnings

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import has_fit_parameter

from sktransfer.adaptation._base import OneDomainWarning
from sktransfer.adaptation._domain_aware import DomainAwareClassifier
from sktransfer.adaptation._label_shift import class_prior, em_target_prior
from sktransfer.utils._domains import _item, labelled_rows
from sktransfer.utils._validation import as_indexable

__all__ = ["ClassBalancedSelfTrainingClassifier"]

#: Largest ``n_rounds``: every round refits the estimator and keeps a row of
#: labels per sample (the paper uses a handful).
MAX_ROUNDS = 100


def round_budget(max_fraction, round_, n_rounds, n_unlabelled):
    """``floor(max_fraction * round_ / n_rounds * n_unlabelled)``: rows of a round.

    A tolerance of 1e-9 keeps products such as ``0.6 * 10`` from rounding
    down to 5.
    """
    return math.floor(max_fraction * round_ / n_rounds * n_unlabelled + 1e-9)


def class_quotas(budget, prior, n_predicted, n_labelled):
    """Rows to pseudo-label per class in one round of class-balanced self-training.

    ``quota_c = min(floor(budget * prior_c), n_predicted_c, n_labelled_c)``:
    the round's budget shared by the class prior, never more rows than the
    model assigns to the class, and never more than the class has labelled
    rows (so that pseudo-labels never outnumber the real labels of a class).

    Parameters
    ----------
    budget : int
        Rows to pseudo-label in the round, all classes together.
    prior : ndarray of shape (n_classes,)
        Class prior the budget is shared by (sums to one).
    n_predicted : ndarray of shape (n_classes,)
        Unlabelled rows whose most probable class is each class.
    n_labelled : ndarray of shape (n_classes,)
        Labelled rows of each class.

    Returns
    -------
    quotas : ndarray of shape (n_classes,), dtype int
    """
    share = np.floor(budget * np.asarray(prior, dtype=np.float64) + 1e-9)
    return np.minimum(np.minimum(share, n_predicted), n_labelled).astype(np.intp)


def _fit_estimator(estimator, X, y, sample_weight):
    if sample_weight is None:
        return estimator.fit(X, y)
    return estimator.fit(X, y, sample_weight=sample_weight)


class ClassBalancedSelfTrainingClassifier(DomainAwareClassifier):
    """Self-training on unlabelled target rows with per-class quotas (CBST).

    A meta-estimator over any classifier with ``predict_proba``. It is fitted
    on the labelled rows, then for ``n_rounds`` rounds it pseudo-labels the
    most confident unlabelled (target) rows *of each class* and is refitted
    on the labelled rows plus those pseudo-labelled rows. Taking a quota of
    rows per class, rather than the most confident rows overall, keeps the
    easy majority class from taking over the pseudo-labels (class-balanced
    self-training, Zou et al. 2018).

    Round ``t`` (``t = 1, ..., n_rounds``), with ``n_u`` unlabelled rows:

    1. predict the class probabilities ``P`` of the unlabelled rows with the
       current model; each row's candidate class is its most probable one;
    2. the round's budget is ``floor(max_fraction * t / n_rounds * n_u)``
       rows (a schedule that grows to ``max_fraction`` of the unlabelled
       rows in the last round);
    3. class ``c`` gets the quota ``min(floor(budget * prior_c),
       n_predicted_c, n_labelled_c)``: the budget shared by the class prior
       ``prior`` (see ``target_prior``), never more rows than are predicted
       as ``c``, never more than ``c`` has labelled rows;
    4. the ``quota_c`` rows predicted as ``c`` with the highest ``P[:, c]``
       (ties: first row first) get the pseudo-label ``c``;
    5. a clone of ``estimator`` is fitted on the labelled rows and the rows
       pseudo-labelled in this round (pseudo-labels are chosen afresh each
       round, so a row may change label or drop out).

    It is a :class:`DomainAwareClassifier` whose ``fit`` adds the
    pseudo-labelled rows: ``predict``, ``predict_proba``,
    ``decision_function``, ``classes_`` and ``score`` (on labelled rows
    only) are those of the final ``estimator_``.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``predict_proba`` (or a pipeline ending with one).
        Cloned in every round; never modified.
    n_rounds : int, default=5
        Number of self-training rounds, at most 100.
    max_fraction : float, default=0.5
        Fraction of the unlabelled rows pseudo-labelled in the last round,
        in ``(0, 1]``.
    target_prior : {'uniform', 'predicted', 'source', 'em'} or array-like of \
            shape (n_classes,), default='uniform'
        The class prior that shares each round's budget between classes:

        - ``'uniform'``: the same share for every class (most class-balanced;
          the best of these on the bundled sentiment domains);
        - ``'predicted'``: the share of unlabelled rows predicted as each
          class in the round, which makes the quota the same fraction of
          every class's predictions (CBST's per-class confidence
          thresholds);
        - ``'source'``: the class frequencies of the labelled rows;
        - ``'em'``: the target prior estimated in the round by
          :func:`~sktransfer.adaptation.em_target_prior` from ``P``;
        - an array: a known target prior, in the order of ``classes_``.
    pseudo_label_weight : float, default=1.0
        ``sample_weight`` of the pseudo-labelled rows (the labelled rows have
        weight 1, or their ``sample_weight``). A value other than 1 needs an
        estimator whose ``fit`` takes ``sample_weight``.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted in the last round.
    classes_ : ndarray of shape (n_classes,)
        Class labels (without the unlabelled marker).
    n_iter_ : int
        Rounds run (``n_rounds``, or 0 without unlabelled rows).
    pseudo_labels_ : ndarray of shape (`n_iter_`, n_samples)
        For each round, the label of every row of ``X``: the given label of
        labelled rows, the model's most probable class for unlabelled rows.
    pseudo_labelled_ : ndarray of bool of shape (`n_iter_`, n_samples)
        For each round, the rows taken with their pseudo-label (so
        ``X[pseudo_labelled_[t]]`` with ``pseudo_labels_[t][pseudo_labelled_[t]]``
        are the rows and labels added in round ``t + 1``).
    n_pseudo_labelled_ : ndarray of shape (`n_iter_`, n_classes)
        Rows pseudo-labelled per class in each round (the quotas).
    class_prior_ : ndarray of shape (`n_iter_`, n_classes)
        The prior that shared each round's budget.
    n_features_in_ : int
        Number of features seen by ``estimator_`` during fit, when it has one.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of those features, when ``X`` had string column names.

    See Also
    --------
    DomainAwareClassifier : Fit on the labelled rows only.
    sklearn.semi_supervised.SelfTrainingClassifier : Self-training with a
        global confidence threshold or a fixed number of rows per round.

    Notes
    -----
    Domains are read with :func:`sktransfer.utils.check_domains`: without
    ``sample_domain`` the rows labelled ``-1`` are the unlabelled target
    rows; with it, the unlabelled rows of target domains are pseudo-labelled
    and labelled target rows are used as labelled rows. Without unlabelled
    rows there is nothing to pseudo-label: the estimator is fitted on the
    labelled rows and :class:`OneDomainWarning` is raised.

    Cost: ``n_rounds + 1`` fits of ``estimator`` on up to ``n_labelled +
    max_fraction * n_u`` rows and ``n_rounds`` calls of ``predict_proba``
    on the ``n_u`` unlabelled rows.

    References
    ----------
    .. [1] Y. Zou, Z. Yu, B. V. K. Vijaya Kumar and J. Wang, "Unsupervised
       domain adaptation for semantic segmentation via class-balanced
       self-training", ECCV 2018.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sktransfer.adaptation import ClassBalancedSelfTrainingClassifier
    >>> X = ["a good film", "a bad film", "good fun", "bad acting",
    ...      "a good phone", "a bad phone", "good battery", "bad screen"]
    >>> y = [1, 0, 1, 0, -1, -1, -1, -1]  # the phone reviews are unlabelled
    >>> clf = ClassBalancedSelfTrainingClassifier(
    ...     LogisticRegression(), n_rounds=2, max_fraction=1.0)
    >>> pipe = make_pipeline(TfidfVectorizer(), clf).fit(X, y)
    >>> pipe.predict(["a good phone", "a bad screen"])
    array([1, 0])
    >>> clf = pipe[-1]
    >>> clf.n_pseudo_labelled_  # per round, per class
    array([[1, 1],
           [2, 2]])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "n_rounds": [Interval(numbers.Integral, 1, MAX_ROUNDS, closed="both")],
        "max_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
        "target_prior": [
            StrOptions({"uniform", "predicted", "source", "em"}),
            "array-like",
        ],
        "pseudo_label_weight": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        estimator,
        *,
        n_rounds=5,
        max_fraction=0.5,
        target_prior="uniform",
        pseudo_label_weight=1.0,
    ):
        self.estimator = estimator
        self.n_rounds = n_rounds
        self.max_fraction = max_fraction
        self.target_prior = target_prior
        self.pseudo_label_weight = pseudo_label_weight

    def _round_prior(self, proba, predicted, source_prior):
        n_classes = proba.shape[1]
        prior = self.target_prior
        if isinstance(prior, str):
            if prior == "uniform":
                return np.full(n_classes, 1.0 / n_classes)
            if prior == "predicted":
                return np.bincount(predicted, minlength=n_classes) / predicted.shape[0]
            if prior == "source":
                return source_prior
            return em_target_prior(proba, source_prior)
        return self._fixed_prior

    def _check_fixed_prior(self, n_classes):
        if isinstance(self.target_prior, str):
            return
        try:
            prior = np.asarray(self.target_prior, dtype=np.float64)
        except (TypeError, ValueError):
            prior = np.full(0, np.nan)  # not numbers: the error below
        if (
            prior.ndim != 1
            or prior.shape[0] != n_classes
            or not np.all(np.isfinite(prior))
            or np.any(prior < 0)
            or prior.sum() <= 0
        ):
            raise ValueError(
                f"target_prior must be one of 'uniform', 'predicted', 'source', "
                f"'em' or {n_classes} non-negative class probabilities (one per "
                f"class of classes_), got {self.target_prior!r}."
            )
        self._fixed_prior = prior / prior.sum()

    @_fit_context(
        # The wrapped estimator is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, *, sample_domain=None, sample_weight=None):
        """Fit on the labelled rows, then self-train on the unlabelled rows.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents of n_samples rows
            Source and target rows together, in whatever form ``estimator``
            accepts.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` marks the unlabelled (target) rows. Never modified.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target).
            When None, labelled rows are the source domain and unlabelled rows
            the target domain.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the labelled rows, passed to ``estimator.fit``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        X = as_indexable(X)
        name = type(self).__name__
        rows = labelled_rows(
            X,
            y,
            sample_domain,
            sample_weight,
            task="classification",
            estimator_name=name,
        )
        classes, y_codes = np.unique(rows.y, return_inverse=True)
        n_classes = classes.shape[0]
        if n_classes < 2:
            raise ValueError(
                f"{name} needs at least 2 classes among the labelled rows of y, "
                f"got 1 class ({_item(classes[0])!r}): a single class has nothing "
                "to pseudo-label between."
            )
        self._check_fixed_prior(n_classes)
        if self.pseudo_label_weight != 1.0 and not has_fit_parameter(
            self.estimator, "sample_weight"
        ):
            raise TypeError(
                f"pseudo_label_weight={self.pseudo_label_weight} gives sample "
                f"weights, but {type(self.estimator).__name__}.fit does not "
                "accept sample_weight."
            )
        n_samples = rows.masks.n_samples
        unlabelled = np.flatnonzero(~rows.masks.labelled)
        n_u = unlabelled.shape[0]
        sw_l = rows.sample_weight
        n_labelled = np.bincount(y_codes, minlength=n_classes)
        source_prior = class_prior(y_codes, np.arange(n_classes), sw_l)

        estimator = _fit_estimator(clone(self.estimator), rows.take(X), rows.y, sw_l)
        n_iter = self.n_rounds if n_u else 0
        if not n_u:
            warnings.warn(
                f"{name} found no unlabelled rows (no y == -1 rows in a target "
                "domain): there is nothing to pseudo-label, so it fits estimator "
                "on the labelled rows only. Mark target rows with y == -1.",
                OneDomainWarning,
                stacklevel=2,
            )
        labels = np.empty((n_iter, n_samples), dtype=classes.dtype)
        taken = np.zeros((n_iter, n_samples), dtype=bool)
        counts = np.zeros((n_iter, n_classes), dtype=np.intp)
        priors = np.zeros((n_iter, n_classes))
        X_u = _safe_indexing(X, unlabelled) if n_u else None
        for t in range(n_iter):
            proba = estimator.predict_proba(X_u)
            self._check_columns(estimator, classes)
            predicted = np.argmax(proba, axis=1)
            prior = self._round_prior(proba, predicted, source_prior)
            budget = round_budget(self.max_fraction, t + 1, self.n_rounds, n_u)
            quotas = class_quotas(
                budget,
                prior,
                np.bincount(predicted, minlength=n_classes),
                n_labelled,
            )
            chosen = []
            for c in range(n_classes):
                candidates = np.flatnonzero(predicted == c)
                order = np.argsort(-proba[candidates, c], kind="stable")
                chosen.append(candidates[order[: quotas[c]]])
            chosen = np.concatenate(chosen)
            labels[t, rows.indices] = rows.y
            labels[t, unlabelled] = classes[predicted]
            taken[t, unlabelled[chosen]] = True
            counts[t] = quotas
            priors[t] = prior
            estimator = self._refit(
                X, rows, unlabelled[chosen], classes[predicted[chosen]], sw_l
            )
        self.estimator_ = estimator  # classes_ is estimator_.classes_
        self.n_iter_ = n_iter
        self.pseudo_labels_ = labels
        self.pseudo_labelled_ = taken
        self.n_pseudo_labelled_ = counts
        self.class_prior_ = priors
        return self

    @staticmethod
    def _check_columns(estimator, classes):
        est_classes = getattr(estimator, "classes_", None)
        if est_classes is not None and not np.array_equal(
            np.asarray(est_classes), classes
        ):
            raise RuntimeError(  # pragma: no cover - a misbehaving estimator
                f"{type(estimator).__name__} has classes_ {est_classes}, "
                f"expected {classes}."
            )

    def _refit(self, X, rows, pseudo_rows, pseudo_y, sw_l):
        idx = np.concatenate([rows.indices, pseudo_rows])
        y_fit = np.concatenate([rows.y, pseudo_y.astype(rows.y.dtype, copy=False)])
        sw = None
        if sw_l is not None or self.pseudo_label_weight != 1.0:
            w_l = np.ones(rows.indices.shape[0]) if sw_l is None else sw_l
            sw = np.concatenate(
                [w_l, np.full(pseudo_rows.shape[0], float(self.pseudo_label_weight))]
            )
        return _fit_estimator(clone(self.estimator), _safe_indexing(X, idx), y_fit, sw)
