"""Instance transfer by boosting: TrAdaBoost and TrAdaBoost.R2.

Both estimators fit a sequence of copies of a base estimator on source rows
and a few labelled target rows together. After each round, source rows that
the new estimator gets wrong lose weight (they look unlike the target
distribution) while target rows it gets wrong gain weight, as in AdaBoost.

* :class:`TrAdaBoostClassifier`: Dai, Yang, Xue and Yu (2007).
* :class:`TrAdaBoostRegressor`: TrAdaBoost.R2 of Pardoe and Stone (2010).
"""

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted, has_fit_parameter

from sktransfer.adaptation._base import (
    _DOCS,
    NoLabelledTargetWarning,
    OneDomainWarning,
    _divide,
    _LabelledRowsMixin,
    _ValidateXMixin,
    power_of_two_scale,
)
from sktransfer.utils._docstring import Substitution
from sktransfer.utils._random import seed_random_states
from sktransfer.utils._validation import as_indexable

__all__ = ["TrAdaBoostClassifier", "TrAdaBoostRegressor"]

_logger = logging.getLogger(__name__)

# Errors are clipped to [_EPS, chance - _EPS]: an error of 0 would give an
# infinite vote, and the paper requires an error below chance (1/2 in the
# binary case).
_EPS = 1e-10

# Most boosting rounds: a larger n_estimators is a typo that would run for
# hours, not a model.
_MAX_ROUNDS = 10_000

# Depth of the default trees (AdaBoostRegressor's default; a stump is too
# weak when only half of the rounds vote).
_DEFAULT_MAX_DEPTH = 3


# Paragraphs of the classifier's and the regressor's docstrings.
_docs = Substitution(
    **_DOCS,
    n_estimators="""\
n_estimators : int, default=10
    Number of boosting rounds ``N``, at most 10,000 (every round fits one
    estimator). Also enters the source factor ``beta``.
""",
    random_state="""\
random_state : int, RandomState instance or None, default=None
    Seeds the ``random_state`` parameters of the base estimators (each
    round gets its own seed). Pass an int for reproducible results.
""",
    X_predict="""\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Rows to predict (target rows).
""",
)


def _source_beta(n_source, n_estimators):
    """Source weight factor of Dai et al.: 1 / (1 + sqrt(2 ln n_s / N))."""
    if n_source <= 1:
        return 1.0
    return 1.0 / (1.0 + np.sqrt(2.0 * np.log(n_source) / n_estimators))


class _BaseTrAdaBoost(
    _LabelledRowsMixin, _ValidateXMixin, MetaEstimatorMixin, BaseEstimator
):
    """Shared fitting loop of :class:`TrAdaBoostClassifier` and the regressor.

    Subclasses set ``_task`` and implement ``_prepare_y`` (validated labels of
    the training rows), ``_round_loss`` (loss in [0, 1] of each training row
    for a fitted estimator) and ``_chance_error`` (the error of a guess, that
    an estimator must beat).
    """

    _accept_sparse = ["csr", "csc"]

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, _MAX_ROUNDS, closed="both")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def _default_estimator(self):
        tree = (
            DecisionTreeClassifier
            if self._task == "classification"
            else DecisionTreeRegressor
        )
        return tree(max_depth=_DEFAULT_MAX_DEPTH)

    def _template(self):
        """Return an unfitted clone of ``estimator`` (or of the default tree)."""
        estimator = (
            self._default_estimator() if self.estimator is None else self.estimator
        )
        estimator = clone(estimator)
        if not has_fit_parameter(estimator, "sample_weight"):
            raise TypeError(
                f"{type(self).__name__} passes its boosting weights to "
                "estimator.fit as sample_weight, but "
                f"{type(estimator).__name__}.fit does not accept sample_weight. "
                "Use an estimator that does (e.g. a decision tree or "
                "LogisticRegression)."
            )
        return estimator

    def _check_estimator_extra(self, estimator):
        """Check the base estimator further (e.g. for predict_proba)."""

    def _labelled(self, X, y, sample_domain, sample_weight):
        """Read the domains and return the labelled rows and their weights.

        Returns ``y_l`` (labels of the labelled rows), ``idx`` (their
        positions in ``X``), ``target`` (bool, labelled target rows) and
        ``weights`` (``sample_weight`` of those rows, ones when None).
        """
        rows = self._labelled_rows(X, y, sample_domain, sample_weight)
        weights = rows.sample_weight
        if weights is None:
            weights = np.ones(rows.indices.shape[0], dtype=np.float64)
        return rows.y, rows.indices, rows.target, weights

    @_fit_context(
        # The base estimator is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    @_docs
    def fit(self, X, y, *, sample_domain=None, sample_weight=None):
        """Fit the boosted ensemble on source and labelled target rows.

        Labelled target rows are rows with a negative ``sample_domain`` and a
        label. Without them there is nothing to transfer: ``fit`` warns and
        boosts the labelled rows as AdaBoost (AdaBoost.R2 for regression)
        would.

        Parameters
        ----------
        {X_domains}
        {y_labels}
        {sample_domain}
        sample_weight : array-like of shape (n_samples,), default=None
            Initial weights of the rows (uniform when None). Rows of weight 0
            are left out.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_domain, sample_weight)

    def _fit(self, X, y, sample_domain, sample_weight):
        template = self._template()
        self._check_estimator_extra(template)
        X = self._validate_X(as_indexable(X), reset=True)
        # The default trees are invariant to the scale of X, but convert it
        # to float32, where 1e-200 is 0 and 1e200 infinite: they see X
        # divided by a power of two (1 for ordinary data), as predict does.
        self._scale = power_of_two_scale(X) if self.estimator is None else 1.0
        X = _divide(X, self._scale)
        y_l, idx, target, w0 = self._labelled(X, y, sample_domain, sample_weight)
        # Rows of zero weight take no part in the fit (as if removed).
        keep = w0 > 0
        if not keep.any():
            raise ValueError(
                "sample_weight is zero on every labelled row: "
                f"{type(self).__name__} needs labelled rows of positive weight."
            )
        idx, y_l, target, w0 = idx[keep], y_l[keep], target[keep], w0[keep]
        X_l = X[idx]
        y_fit = self._prepare_y(y_l)

        n_target = int(target.sum())
        n_source = target.shape[0] - n_target
        if n_target == 0 or n_source == 0:
            why = (
                "no labelled target rows (a negative sample_domain with a label)"
                if n_target == 0
                else "no source rows (a non-negative sample_domain)"
            )
            warnings.warn(
                f"{type(self).__name__} found {why}: there is nothing to "
                "transfer, so it boosts the "
                f"{target.shape[0]} labelled rows as plain AdaBoost"
                f"{'' if self._task == 'classification' else '.R2'} would. "
                "Pass sample_domain with a few labelled target rows to "
                "transfer from the source rows.",
                NoLabelledTargetWarning if n_target == 0 else OneDomainWarning,
                stacklevel=3,
            )
            # Every row is then "same-distribution" data, reweighted as in
            # AdaBoost.
            target = np.ones_like(target)
            n_source = 0

        rng = check_random_state(self.random_state)
        beta = _source_beta(n_source, self.n_estimators)
        chance = self._chance_error()
        lr = self.learning_rate
        source = ~target
        total = w0.sum()
        # The weights are w0 * exp(log_factor): kept in log space, the
        # multiplicative updates cannot overflow, and the first round gets
        # exactly sample_weight (so weights and repeated rows agree).
        log_factor = np.zeros_like(w0)

        estimators, weights, errors = [], [], []
        for round_ in range(1, self.n_estimators + 1):
            w = w0 * np.exp(log_factor - log_factor.max())
            # Weights sum to the total sample_weight (n rows by default), so
            # estimators whose regularisation depends on the scale of the
            # weights (LogisticRegression, SVC) see the usual scale.
            w *= total / w.sum()
            estimator = seed_random_states(clone(template), rng)
            estimator.fit(X_l, y_fit, sample_weight=w)
            loss = self._round_loss(estimator, X_l, y_fit)

            w_target = w[target]
            error = float(np.dot(w_target, loss[target]) / w_target.sum())
            clipped = min(max(error, _EPS), chance - _EPS)
            alpha = np.log((1.0 - clipped) / clipped) + self._alpha_offset()

            # Dai et al., step 5: misclassified source rows are multiplied by
            # beta ** loss, target rows by beta_t ** -loss = exp(alpha * loss).
            log_factor[source] += lr * loss[source] * np.log(beta)
            log_factor[target] += lr * alpha * loss[target]

            estimators.append(estimator)
            weights.append(lr * alpha)
            errors.append(error)
            _logger.debug(
                "%s: round %d/%d, weighted target error %.4g, estimator weight %.4g",
                type(self).__name__,
                round_,
                self.n_estimators,
                error,
                lr * alpha,
            )

        self.estimators_ = estimators
        self.estimator_weights_ = np.asarray(weights, dtype=np.float64)
        self.target_errors_ = np.asarray(errors, dtype=np.float64)
        return self

    def _alpha_offset(self):
        return 0.0

    def _voting(self):
        """Estimators t = ceil(N/2), ..., N (1-based) and their weights."""
        start = (len(self.estimators_) + 1) // 2 - 1
        return self.estimators_[start:], self.estimator_weights_[start:]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator = (
            self._default_estimator() if self.estimator is None else self.estimator
        )
        if hasattr(estimator, "fit"):  # not yet validated when tags are read
            tags.input_tags.sparse = get_tags(estimator).input_tags.sparse
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


@_docs
class TrAdaBoostClassifier(ClassifierMixin, _BaseTrAdaBoost):
    """TrAdaBoost: boosting for transfer learning (Dai et al., 2007).

    Fits ``n_estimators`` copies of ``estimator`` on the source rows and the
    labelled target rows together, each with new sample weights:

    * a source row ("diff-distribution" data) that the last estimator
      misclassifies is multiplied by
      ``beta = 1 / (1 + sqrt(2 ln n_source / n_estimators))``, so source rows
      that disagree with the target concept fade away;
    * a labelled target row ("same-distribution" data) that it misclassifies
      is multiplied by ``1 / beta_t``, with ``beta_t = err_t / (1 - err_t)``
      and ``err_t`` the weighted error on the target rows only, as in
      AdaBoost.

    The prediction is the weighted vote, with weights ``log(1 / beta_t)``, of
    the estimators of the second half of the rounds, as in the paper.

    Labelled target rows are given with ``sample_domain``: rows with a
    negative domain and a label (``y != -1``). Unlabelled rows (``y == -1``)
    are ignored. Without labelled target rows there is nothing to transfer:
    ``fit`` warns and boosts the labelled rows as plain AdaBoost would.

    Parameters
    ----------
    estimator : estimator object, default=None
        The base classifier, cloned for every round. Its ``fit`` must accept
        ``sample_weight``; ``use_proba=True`` also needs ``predict_proba``.
        None means ``DecisionTreeClassifier(max_depth=3)``.
    {n_estimators}
    learning_rate : float, default=1.0
        Step size of the weight updates: every exponent (``beta ** loss`` for
        source rows, ``beta_t ** -loss`` for target rows) and every vote
        weight is multiplied by it. 1.0 is the paper's algorithm.
    use_proba : bool, default=True
        How each estimator ``h_t`` is read. False: its predicted labels, with
        a 0/1 loss per row (the experiments of the paper). True: its predicted
        probabilities, with the loss ``1 - p_t(y_i | x_i)`` in [0, 1] and the
        vote ``sum_t log(1/beta_t) p_t(k | x)``: the real-valued hypotheses
        ``h_t : X -> [0, 1]`` that the AdaBoost of Freund and Schapire (1997),
        on which TrAdaBoost is built, allows. With few target rows, an
        estimator often makes no error on them; probabilities still give a
        positive error, so target rows keep being reweighted (ADAPT issue
        #40 found the paper's results reproduce this way).
    {random_state}

    Attributes
    ----------
    estimators_ : list of estimator objects
        The ``n_estimators`` fitted estimators, in boosting order. They are
        fitted on class indices: ``estimators_[t].predict`` returns
        positions in ``classes_``. Only the second half votes (see Notes).
    estimator_weights_ : ndarray of shape (n_estimators,)
        ``learning_rate * log(1 / beta_t)`` of every round.
    target_errors_ : ndarray of shape (n_estimators,)
        Weighted error ``err_t`` of every round on the labelled target rows
        (on every labelled row when there is none), before clipping.
    classes_ : ndarray of shape (n_classes,)
        Class labels of the labelled rows (without the unlabelled marker).
    {features_in}

    See Also
    --------
    TrAdaBoostRegressor : TrAdaBoost.R2, the regression counterpart.
    DomainAwareClassifier : Fit an estimator on labelled rows, with optional
        importance weights (no labelled target rows needed).
    sklearn.ensemble.AdaBoostClassifier : Boosting without transfer.

    Notes
    -----
    **Rounds.** With weights ``w`` (``sample_weight``, or ones), round ``t``
    fits a clone of ``estimator`` on every labelled row with
    ``sample_weight = w / sum(w) * sum(w_1)`` (scaled to the total initial
    weight, so that regularised estimators keep their usual scale), then

    * ``err_t = sum_{i in target} w_i l_i / sum_{i in target} w_i``, with
      ``l_i`` the 0/1 loss (or ``1 - p_t(y_i | x_i)`` with ``use_proba``),
      clipped to ``[1e-10, (1 - 1/K) - 1e-10]``: an estimator without error
      would get an infinite vote, and one no better than chance gets
      (almost) no vote and leaves the target weights unchanged;
    * ``beta_t = err_t / ((1 - err_t) (K - 1))`` for ``K`` classes;
    * source rows: ``w_i <- w_i beta ** (learning_rate l_i)``; target rows:
      ``w_i <- w_i beta_t ** (-learning_rate l_i)``.

    **Prediction.** The rounds ``t = ceil(N/2), ..., N`` (1-based, so
    ``estimators_[(N + 1) // 2 - 1:]``) vote, as in the paper: earlier
    estimators were fitted while the source rows that disagree with the
    target still weighed much. ``predict_proba(x)[k]`` is
    ``sum_t a_t h_t(k | x) / sum_t a_t`` with ``a_t = estimator_weights_[t]``
    and ``h_t(k | x)`` the 0/1 vote (or the probability with ``use_proba``)
    of estimator ``t`` for class ``k``; ``predict`` is its argmax. For two
    classes this is the paper's rule ``sum_t a_t h_t(x) >= 1/2 sum_t a_t``,
    except that an exact tie goes to ``classes_[0]`` (scikit-learn's
    convention) instead of the positive class.

    **Several classes.** The paper is binary. With ``K > 2`` classes,
    ``beta_t`` includes the factor ``1 / (K - 1)`` of SAMME (Zhu et al.,
    2009), so that an estimator counts as long as it beats chance
    (``err_t < 1 - 1/K``); for ``K = 2`` this is exactly the paper.

    **Domains.** Every source domain (``sample_domain >= 0``) counts as
    diff-distribution data and every labelled row of a target domain
    (``sample_domain < 0``) as same-distribution data; ``n_source`` is the
    number of source rows with a positive ``sample_weight``. Without labelled
    target rows (for instance without ``sample_domain``, since then labelled
    rows are the source), or without source rows, ``fit`` warns with a
    ``UserWarning`` and every labelled row is reweighted as a target row:
    this is AdaBoost (SAMME) with the second-half vote.

    ``sample_weight`` gives the initial weights. Since ``n_source`` counts
    rows (the "experts" of the Hedge analysis behind ``beta``), a weight of 2
    is not the same as a repeated row when there are source rows.

    **Tuning.** Source rows that keep being misclassified lose weight
    geometrically; with many rounds the source can all but vanish and the
    ensemble then fits the few target rows alone. Choose ``n_estimators``
    (and ``learning_rate``) by cross-validation on target rows. On text
    features (TF-IDF + TruncatedSVD), ``LogisticRegression`` is a much
    better base estimator than the default tree.

    ``fit`` and ``score`` request ``sample_domain`` for metadata routing by
    default: with ``sklearn.set_config(enable_metadata_routing=True)``, a
    stock ``Pipeline``, ``GridSearchCV`` or ``cross_validate`` routes it here.

    References
    ----------
    .. [1] W. Dai, Q. Yang, G.-R. Xue and Y. Yu, "Boosting for transfer
       learning", ICML 2007.
    .. [2] Y. Freund and R. E. Schapire, "A decision-theoretic generalization
       of on-line learning and an application to boosting", Journal of
       Computer and System Sciences, 1997.
    .. [3] J. Zhu, H. Zou, S. Rosset and T. Hastie, "Multi-class AdaBoost",
       Statistics and Its Interface, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import TrAdaBoostClassifier
    >>> rng = np.random.RandomState(0)
    >>> X_src = rng.uniform(-1, 1, size=(200, 2))
    >>> y_src = (X_src[:, 0] > 0.3).astype(int)   # the source boundary
    >>> X_tgt = rng.uniform(-1, 1, size=(20, 2))
    >>> y_tgt = (X_tgt[:, 0] > 0.0).astype(int)   # the target boundary
    >>> X = np.vstack([X_src, X_tgt])
    >>> y = np.concatenate([y_src, y_tgt])
    >>> sample_domain = np.r_[np.zeros(200, int), -np.ones(20, int)]
    >>> clf = TrAdaBoostClassifier(random_state=0)
    >>> clf.fit(X, y, sample_domain=sample_domain)
    TrAdaBoostClassifier(random_state=0)
    >>> clf.predict([[-0.5, 0.0], [0.2, 0.0], [0.8, 0.0]])
    array([0, 1, 1])
    >>> clf.predict_proba([[-0.5, 0.0]]).round(2)
    array([[1., 0.]])

    The middle point is on the source side of the source boundary; a tree
    fitted on the source rows alone gets it wrong:

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> DecisionTreeClassifier(max_depth=3).fit(X_src, y_src).predict([[0.2, 0.0]])
    array([0])
    """

    _task = "classification"
    # ClassifierMixin.score comes first in the MRO; use the labelled-rows score.
    score = _BaseTrAdaBoost.score

    _parameter_constraints: dict = {
        **_BaseTrAdaBoost._parameter_constraints,
        "use_proba": ["boolean"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_estimators=10,
        learning_rate=1.0,
        use_proba=True,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.use_proba = use_proba
        self.random_state = random_state

    def _check_estimator_extra(self, estimator):
        if self.use_proba and not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"use_proba=True reads the probabilities of the base estimator, "
                f"but {type(estimator).__name__} has no predict_proba. Use "
                "use_proba=False or an estimator with predict_proba."
            )

    def _prepare_y(self, y):
        if y.dtype.kind == "O":
            # Object labels (as when -1 marks unlabelled rows next to other
            # labels): numbers become a numeric array, strings stay objects.
            as_array = np.asarray(y.tolist())
            if as_array.dtype.kind in "biuf":
                y = as_array
        check_classification_targets(y)
        try:
            classes, y_enc = np.unique(y, return_inverse=True)
        except TypeError as exc:
            raise ValueError(
                f"{type(self).__name__} could not sort the class labels; use "
                f"labels of a single type: {exc}"
            ) from exc
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes, but the "
                "labelled rows with a positive sample_weight hold one class "
                f"only: {classes[0]!r}."
            )
        self.classes_ = classes
        return y_enc

    def _chance_error(self):
        return 1.0 - 1.0 / self.classes_.shape[0]

    def _alpha_offset(self):
        return np.log(self.classes_.shape[0] - 1.0)

    def _hypothesis(self, estimator, X):
        """Per-class output of one estimator: 0/1 votes or probabilities."""
        n_classes = self.classes_.shape[0]
        out = np.zeros((_num_samples(X), n_classes), dtype=np.float64)
        if self.use_proba:
            cols = np.asarray(estimator.classes_, dtype=np.intp)
            out[:, cols] = estimator.predict_proba(X)
        else:
            pred = np.asarray(estimator.predict(X), dtype=np.intp)
            out[np.arange(out.shape[0]), pred] = 1.0
        return out

    def _round_loss(self, estimator, X, y_enc):
        h = self._hypothesis(estimator, X)
        # |h_t(x_i) - c(x_i)| of the paper: 1 - (vote or probability for the
        # true class), in [0, 1].
        return np.clip(1.0 - h[np.arange(y_enc.shape[0]), y_enc], 0.0, 1.0)

    @_docs
    def predict_proba(self, X):
        """Weighted vote of the second-half estimators, per class.

        Parameters
        ----------
        {X_predict}

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``sum_t a_t h_t(k | x) / sum_t a_t`` over the voting rounds, with
            ``h_t`` the 0/1 vote of estimator ``t`` (its probabilities with
            ``use_proba=True``). Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        X = _divide(self._validate_X(X, reset=False), self._scale)
        estimators, weights = self._voting()
        total = np.zeros((X.shape[0], self.classes_.shape[0]), dtype=np.float64)
        for estimator, weight in zip(estimators, weights):
            total += weight * self._hypothesis(estimator, X)
        return total / weights.sum()

    @_docs
    def decision_function(self, X):
        """Weighted vote margin of the second-half estimators.

        Parameters
        ----------
        {X_predict}

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, ``proba[:, 1] - proba[:, 0]`` in [-1, 1]
            (positive means ``classes_[1]``); otherwise the per-class votes
            of :meth:`predict_proba`.
        """
        check_is_fitted(self)
        proba = self.predict_proba(X)
        if proba.shape[1] == 2:
            return proba[:, 1] - proba[:, 0]
        return proba

    @_docs
    def predict(self, X):
        """Predict the class with the largest weighted vote.

        Parameters
        ----------
        {X_predict}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels, taken from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


@_docs
class TrAdaBoostRegressor(RegressorMixin, _BaseTrAdaBoost):
    """TrAdaBoost.R2: boosting for regression transfer (Pardoe and Stone, 2010).

    The regression counterpart of :class:`TrAdaBoostClassifier`. Each round
    fits a copy of ``estimator`` on the source rows and the labelled target
    rows, and computes for every row the AdaBoost.R2 loss ``e_i`` in [0, 1]:
    its absolute error divided by the largest absolute error of the round
    (``loss='linear'``; squared or ``1 - exp(-.)`` with the other losses).

    * source rows are multiplied by ``beta ** e_i`` with
      ``beta = 1 / (1 + sqrt(2 ln n_source / n_estimators))``;
    * labelled target rows are multiplied by ``beta_t ** -e_i``, with
      ``beta_t = err_t / (1 - err_t)`` and ``err_t`` the weighted mean loss
      on the target rows, as in AdaBoost.R2.

    The prediction is the weighted median, with weights ``log(1 / beta_t)``,
    of the predictions of the second half of the rounds.

    Labelled target rows are given with ``sample_domain``: rows with a
    negative domain and a finite ``y``. Unlabelled rows (``y`` NaN) are
    ignored. Without labelled target rows ``fit`` warns and boosts the
    labelled rows as plain AdaBoost.R2 would.

    Parameters
    ----------
    estimator : estimator object, default=None
        The base regressor, cloned for every round. Its ``fit`` must accept
        ``sample_weight``. None means ``DecisionTreeRegressor(max_depth=3)``.
    {n_estimators}
    learning_rate : float, default=1.0
        Step size of the weight updates: every exponent and every vote
        weight is multiplied by it. 1.0 is the paper's algorithm.
    loss : {'linear', 'square', 'exponential'}, default='linear'
        How the absolute error ``|r_i|`` of a row becomes a loss in [0, 1],
        with ``D`` the largest absolute error of the round:
        ``|r_i| / D``, ``(r_i / D) ** 2`` or ``1 - exp(-|r_i| / D)``.
    {random_state}

    Attributes
    ----------
    estimators_ : list of estimator objects
        The ``n_estimators`` fitted estimators, in boosting order. Only the
        second half votes (see Notes).
    estimator_weights_ : ndarray of shape (n_estimators,)
        ``learning_rate * log(1 / beta_t)`` of every round.
    target_errors_ : ndarray of shape (n_estimators,)
        Weighted mean loss ``err_t`` of every round on the labelled target
        rows (on every labelled row when there is none), before clipping.
    {features_in}

    See Also
    --------
    TrAdaBoostClassifier : TrAdaBoost for class labels.
    DomainAwareRegressor : Fit a regressor on labelled rows, with optional
        importance weights.
    sklearn.ensemble.AdaBoostRegressor : AdaBoost.R2 without transfer.

    Notes
    -----
    This is TrAdaBoost.R2 (Algorithm 3 of [1]_), not the two-stage variant.
    Each estimator is fitted with the boosting weights as ``sample_weight``
    (scaled to sum to the total initial weight), not on a weighted
    resample. ``D`` is the largest absolute error over all labelled rows of
    the round. ``err_t`` is clipped to ``[1e-10, 0.5 - 1e-10]``: a round
    without error would get an infinite vote, and the paper stops when
    ``err_t >= 0.5``; here such a round instead gets (almost) no vote and
    leaves the target weights unchanged, while the source weights keep
    adapting.

    The rounds ``t = ceil(N/2), ..., N`` (1-based, so
    ``estimators_[(N + 1) // 2 - 1:]``) vote: the prediction is their
    weighted median, the smallest of their predictions at which the
    cumulated weight reaches half of the total.

    Every source domain (``sample_domain >= 0``) counts as source data and
    every labelled row of a target domain as target data. Without labelled
    target rows, or without source rows, ``fit`` warns with a
    ``UserWarning`` and every labelled row is reweighted as a target row:
    this is AdaBoost.R2 with the second-half median.

    Source rows with large losses lose weight geometrically; with many
    rounds the source can all but vanish and the ensemble then overfits the
    few target rows (Pardoe and Stone introduced a two-stage variant, not
    implemented here, for this reason). Choose ``n_estimators`` by
    cross-validation on target rows.

    ``fit`` and ``score`` request ``sample_domain`` for metadata routing by
    default.

    References
    ----------
    .. [1] D. Pardoe and P. Stone, "Boosting for regression transfer",
       ICML 2010.
    .. [2] H. Drucker, "Improving regressors using boosting techniques",
       ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import TrAdaBoostRegressor
    >>> rng = np.random.RandomState(0)
    >>> X_src = rng.uniform(-1, 1, size=(200, 1))
    >>> y_src = 2.0 * X_src[:, 0] + 1.0    # the source relation
    >>> X_tgt = rng.uniform(-1, 1, size=(20, 1))
    >>> y_tgt = 2.0 * X_tgt[:, 0]          # the target is shifted by -1
    >>> X = np.vstack([X_src, X_tgt])
    >>> y = np.concatenate([y_src, y_tgt])
    >>> sample_domain = np.r_[np.zeros(200, int), -np.ones(20, int)]
    >>> reg = TrAdaBoostRegressor(n_estimators=20, random_state=0)
    >>> reg.fit(X, y, sample_domain=sample_domain)
    TrAdaBoostRegressor(n_estimators=20, random_state=0)
    >>> reg.predict([[-0.5], [0.5]]).round(1)   # the target truth is [-1, 1]
    array([-0.7,  1. ])
    """

    _task = "regression"
    # RegressorMixin.score comes first in the MRO; use the labelled-rows score.
    score = _BaseTrAdaBoost.score

    _parameter_constraints: dict = {
        **_BaseTrAdaBoost._parameter_constraints,
        "loss": [StrOptions({"linear", "square", "exponential"})],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_estimators=10,
        learning_rate=1.0,
        loss="linear",
        random_state=None,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.loss = loss
        self.random_state = random_state

    def _prepare_y(self, y):
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError(
                f"Input y contains infinity: {type(self).__name__} needs finite "
                "targets on labelled rows (NaN marks an unlabelled row)."
            )
        return y

    def _chance_error(self):
        return 0.5

    def _round_loss(self, estimator, X, y):
        residual = np.abs(np.asarray(estimator.predict(X), dtype=np.float64) - y)
        largest = residual.max()
        if largest <= 0:
            return np.zeros_like(residual)
        loss = residual / largest
        if self.loss == "square":
            loss **= 2
        elif self.loss == "exponential":
            loss = 1.0 - np.exp(-loss)
        return loss

    @_docs
    def predict(self, X):
        """Weighted median of the predictions of the second-half estimators.

        Parameters
        ----------
        {X_predict}

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The weighted median, with weights ``estimator_weights_``, of the
            voting estimators' predictions.
        """
        check_is_fitted(self)
        X = _divide(self._validate_X(X, reset=False), self._scale)
        estimators, weights = self._voting()
        predictions = np.column_stack(
            [np.asarray(est.predict(X), dtype=np.float64) for est in estimators]
        )
        order = np.argsort(predictions, axis=1, kind="stable")
        cumulated = np.cumsum(weights[order], axis=1)
        median_pos = np.argmax(cumulated >= 0.5 * cumulated[:, -1:], axis=1)
        rows = np.arange(predictions.shape[0])
        return predictions[rows, order[rows, median_pos]]
