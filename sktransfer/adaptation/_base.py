"""Base classes of domain adaptation transformers and importance weightings.

Both read domains with :func:`sktransfer.utils.check_domains`, so they follow
the project's domain contract: ``y == -1`` / NaN marks unlabelled rows, and
without ``sample_domain`` labelled rows are the source and unlabelled rows the
target. The estimators that learn from the labelled rows (DomainAware*,
TrAdaBoost*) share :class:`_LabelledRowsMixin`, built on
:func:`~sktransfer.utils._domains.labelled_rows`.
"""

import math
import warnings
from abc import ABCMeta, abstractmethod

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from sktransfer.utils._docstring import DOMAIN_DOCS, Substitution
from sktransfer.utils._domains import check_domains, labelled_rows, score_labelled
from sktransfer.utils._validation import as_indexable

__all__ = [
    "BaseAdapter",
    "BaseWeighting",
    "NoLabelledTargetWarning",
    "OneDomainWarning",
]


#: Docstring paragraphs that the adapters and weightings share, for
#: :class:`~sktransfer.utils._docstring.Substitution`: the domain contract of
#: ``fit`` and the fitted attributes that the base classes set.
_FEATURES_IN_DOC = """\
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when ``X`` has string column names.
"""
_DOCS = {
    **DOMAIN_DOCS,
    "adapter_fitted": """\
identity_ : bool
    True when ``fit`` saw a single domain; the adapter is then the
    identity (and keeps all ``n_features_in_`` columns).
"""
    + _FEATURES_IN_DOC,
    "weighting_fitted": """\
identity_ : bool
    True when ``fit`` saw a single domain: every weight is 1.
"""
    + _FEATURES_IN_DOC,
    "features_in": _FEATURES_IN_DOC,
    "sample_weight_score": """\
sample_weight : array-like of shape (n_samples,), default=None
    Weights of the rows.
""",
}
_substitute_docs = Substitution(**_DOCS)


def scale_gamma(X, *, squared=True, zero_variance=1.0):
    """``1 / (n_features * X.var())``, the 'scale' heuristic of ``SVC``.

    With ``squared=False`` (distances that are not squared), the standard
    deviation replaces the variance. ``zero_variance`` is returned for a
    constant ``X``.
    """
    n, d = X.shape
    if sparse.issparse(X):
        size = n * d
        mean = X.sum() / size
        var = X.multiply(X).sum() / size - mean**2
    else:
        var = X.var()
    spread = float(var) if squared else math.sqrt(max(float(var), 0.0))
    return 1.0 / (d * spread) if spread > 0.0 else zero_variance


#: Largest absolute value of X, as a power of two, below which (and above
#: whose inverse) the estimators compute on X as it is: squares, fourth
#: powers (Ledoit-Wolf) and kernel exponents of such values stay far inside
#: the float64 range. Outside it, see :func:`power_of_two_scale`.
_SAFE_EXPONENT = 64


def power_of_two_scale(X):
    """Return a power of two ``s`` that brings ``max|X| / s`` into ``[1, 2)``.

    The scale-equivariant and scale-invariant estimators (CORAL, subspace
    alignment, the kernel methods with a 'scale' width, nearest neighbours,
    trees) compute on ``X / s`` and undo the scale afterwards, so that data
    whose squares overflow or underflow float64 (features of 1e200 or
    1e-200) give the result of the same data at unit scale. Dividing by a
    power of two is exact, so nothing is lost; ``s`` is 1 (no copy needed)
    when ``max|X|`` lies in ``[2**-64, 2**64]``, where nothing can overflow,
    so results on ordinary data are unchanged.

    Parameters
    ----------
    X : ndarray or sparse matrix
        Finite values.

    Returns
    -------
    s : float
        The scale: 1.0 for ordinary, empty or all-zero data.
    """
    values = X.data if sparse.issparse(X) else X
    if values.size == 0:
        return 1.0
    largest = max(float(values.max()), -float(values.min()))
    if largest == 0.0 or not math.isfinite(largest):
        return 1.0
    if 2.0**-_SAFE_EXPONENT <= largest <= 2.0**_SAFE_EXPONENT:
        return 1.0
    return math.ldexp(1.0, math.frexp(largest)[1] - 1)


def _divide(X, s):
    """``X / s`` (``X`` itself when ``s`` is 1), dense or sparse."""
    return X if s == 1.0 else X / s


def _times_power(value, s, power):
    """``value * s ** power`` for a power of two ``s``, inf on overflow."""
    try:
        return math.ldexp(value, (math.frexp(s)[1] - 1) * power)
    except OverflowError:
        return math.inf


def _rescaled_gamma(gamma, s, power, owner):
    """Return the kernel width for rows divided by ``s``, ``gamma * s**power``.

    Raises a ``ValueError`` naming ``owner`` when it is not a positive
    finite float (a width given for data of an extreme scale).
    """
    scaled = _times_power(gamma, s, power)
    if not (math.isfinite(scaled) and scaled > 0.0):
        raise ValueError(
            f"{owner}: gamma={gamma:.6g} cannot be used on X of this scale "
            f"(largest absolute value about {s:.3g}): the kernel exponents "
            "overflow or underflow float64. Use gamma=None (the 'scale' "
            "heuristic, which adapts to the data) or rescale X."
        )
    return scaled


class OneDomainWarning(UserWarning):
    """Warning raised when an adapter or weighting sees a single domain.

    With no target rows (every row labelled and no ``sample_domain``), or no
    source rows (``y=None``), there is nothing to align: adapters behave as the
    identity and weightings give every row weight 1.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sktransfer.adaptation import CORALAdapter, OneDomainWarning
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     adapter = CORALAdapter().fit(X, [0, 1, 0])  # no row marked -1
    >>> [w.category.__name__ for w in caught]
    ['OneDomainWarning']
    >>> adapter.identity_
    True
    """


class NoLabelledTargetWarning(UserWarning):
    """Warning raised when a method that needs labelled target rows has none.

    :class:`FeatureAugmentationAdapter` trains its target-specific block only
    through labelled target rows, and :class:`TrAdaBoostClassifier` /
    :class:`TrAdaBoostRegressor` transfer only when a few target rows are
    labelled (marked with a negative ``sample_domain``); without them the
    adapter cannot beat a source-only model and TrAdaBoost falls back to plain
    boosting.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sktransfer.adaptation import (
    ...     FeatureAugmentationAdapter,
    ...     NoLabelledTargetWarning,
    ... )
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 2.0]])
    >>> y = [0, 1, -1, -1]  # no labelled target row
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Z = FeatureAugmentationAdapter().fit_transform(X, y)
    >>> [w.category.__name__ for w in caught]
    ['NoLabelledTargetWarning']
    """


class _ValidateXMixin:
    """One validation of ``X`` for adapters, weightings and TrAdaBoost.

    :meth:`_validate_X` calls :func:`~sklearn.utils.validation.validate_data`
    with the settings that the class declares as attributes:

    * ``_accept_sparse``: the sparse formats accepted (``accept_sparse``);
    * ``_dtype``: the dtype(s) of the validated ``X`` (``dtype``);
    * ``_max_sparse_features``: widest sparse ``X`` accepted in ``fit``, for
      estimators that build a dense ``(n_features, n_features)`` matrix
      (None: no limit).
    """

    _accept_sparse = "csr"
    _dtype = [np.float64, np.float32]
    _max_sparse_features = None

    def _validate_X(self, X, *, reset):
        """Validate ``X``: in ``fit`` with ``reset=True``, after it with False."""
        try:
            X = validate_data(
                self,
                X,
                reset=reset,
                accept_sparse=self._accept_sparse,
                dtype=self._dtype,
            )
        except ValueError as exc:
            if "string" not in str(exc):
                raise
            raise ValueError(
                f"{type(self).__name__} needs numeric features, but X holds "
                f"strings ({exc}). Turn documents into features first, e.g. "
                "with a TfidfVectorizer or Word2VecVectorizer earlier in the "
                "pipeline."
            ) from exc
        limit = self._max_sparse_features
        if reset and limit is not None and sparse.issparse(X) and X.shape[1] > limit:
            name = type(self).__name__
            raise ValueError(
                f"{name} needs a dense (n_features, n_features) covariance matrix, "
                f"which is too large for sparse X with {X.shape[1]} features (the "
                f"limit is {limit}). Reduce the dimension first, e.g. "
                "with sklearn.decomposition.TruncatedSVD(n_components=100) in the "
                f"pipeline before {name}."
            )
        return X


class _FitOnDomainsMixin(_ValidateXMixin):
    """Adapters and weightings: ``fit(X, y=None, *, sample_domain=None)``.

    ``fit`` validates the parameters and calls ``_fit``, which reads the
    domains with :meth:`_read_domains`. ``sample_domain`` is requested by
    default for metadata routing (a ``Pipeline`` calls ``fit_transform``,
    whose request includes ``fit``'s).
    """

    __metadata_request__fit = {"sample_domain": True}
    _parameter_constraints: dict = {}

    @_fit_context(prefer_skip_nested_validation=True)
    @_substitute_docs
    def fit(self, X, y=None, *, sample_domain=None):
        """Fit on the source and target rows of ``X``.

        Parameters
        ----------
        {X_domains}
        {y_unlabelled}
        {sample_domain}

        Returns
        -------
        self : object
            The fitted estimator: an adapter with its maps, a weighting with
            ``weights_``.
        """
        self._fit(X, y, sample_domain)
        return self

    def _read_domains(self, X, y, sample_domain):
        """Return ``X`` made indexable and the domain masks of its rows."""
        X = as_indexable(X)
        masks = check_domains(
            y,
            sample_domain,
            n_samples=_num_samples(X),
            estimator_name=type(self).__name__,
        )
        return X, masks


def _one_domain_message(owner, masks):
    if not masks.has_target:
        why = "no target rows (no y == -1 / NaN rows and no negative sample_domain)"
    else:
        why = "no source rows (y is None or every row unlabelled)"
    return (
        f"{owner} found {why}: there is nothing to align, so it behaves as "
        "the identity. Mark target rows with y == -1 (NaN for regression) or "
        "pass sample_domain."
    )


class BaseAdapter(
    _FitOnDomainsMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class of domain adaptation transformers.

    An adapter is fitted on source and target rows together and maps features
    so that the two domains look alike to the estimator that follows.

    * ``fit_transform(X, y, sample_domain=None)`` adapts the *training* rows:
      source rows through the source map, target rows through the target map.
      This is what a ``Pipeline`` calls in ``fit``.
    * ``transform(X)`` maps inference rows, which are target rows by the
      domain contract.

    When ``fit`` sees a single domain, there is nothing to align: the adapter
    becomes the identity (``identity_`` is True, the output is a copy of the
    validated input and ``get_feature_names_out`` returns the input names)
    and warns with :class:`OneDomainWarning` (once per fit).

    Subclasses declare ``_parameter_constraints`` (validated by ``fit`` and
    ``fit_transform``) and how ``X`` is validated (the class attributes
    ``_accept_sparse``: ``'csr'`` by default, ``_dtype``: float64 or float32
    by default, and ``_max_sparse_features``), and implement
    :meth:`_fit_domains` and :meth:`_transform_target`, plus either
    :meth:`_transform_source` (a row-wise source map) or
    :meth:`_transform_training` (maps that depend on the domain of each row).
    Output feature names default to ``<classname><i>``
    (:class:`~sklearn.base.ClassNamePrefixFeaturesOutMixin` style, from
    ``_n_features_out``); override :meth:`_get_feature_names_out` to change
    them.

    Examples
    --------
    An adapter that centres each domain on its own mean:

    >>> import numpy as np
    >>> from sktransfer.adaptation import BaseAdapter
    >>> class MeanShiftAdapter(BaseAdapter):
    ...     def _fit_domains(self, X, masks):
    ...         self.source_mean_ = X[masks.source].mean(axis=0)
    ...         self.target_mean_ = X[masks.target].mean(axis=0)
    ...         self._n_features_out = X.shape[1]
    ...     def _transform_source(self, X):
    ...         return X - self.source_mean_
    ...     def _transform_target(self, X):
    ...         return X - self.target_mean_
    >>> X = np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 10.0], [12.0, 12.0]])
    >>> y = [0, 1, -1, -1]  # the last two rows are the unlabelled target
    >>> MeanShiftAdapter().fit_transform(X, y)
    array([[-1., -1.],
           [ 1.,  1.],
           [-1., -1.],
           [ 1.,  1.]])
    >>> MeanShiftAdapter().fit(X, y).get_feature_names_out()
    array(['meanshiftadapter0', 'meanshiftadapter1'], dtype=object)
    """

    def _reset(self):
        """Drop the fitted attributes of a previous fit."""
        params = self.get_params(deep=False)
        for key in list(vars(self)):
            if key.endswith("_") and not key.startswith("__") and key not in params:
                delattr(self, key)

    def _fit(self, X, y, sample_domain):
        """Read the domains, validate ``X`` and set ``weights_``."""
        X, masks = self._read_domains(X, y, sample_domain)
        self._reset()
        X = self._validate_X(X, reset=True)
        self.identity_ = not (masks.has_source and masks.has_target)
        if self.identity_:
            warnings.warn(
                _one_domain_message(type(self).__name__, masks),
                OneDomainWarning,
                stacklevel=4,
            )
            self._fit_identity(X, masks)
        else:
            self._fit_domains(X, masks)
        return X, masks

    @_fit_context(prefer_skip_nested_validation=True)
    @_substitute_docs
    def fit_transform(self, X, y=None, *, sample_domain=None):
        """Fit the adapter and adapt the training rows.

        Source rows go through the source map and target rows through the
        target map.

        Parameters
        ----------
        {X_domains}
        {y_unlabelled}
        {sample_domain}

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The adapted rows, in the order of ``X``.
        """
        X, masks = self._fit(X, y, sample_domain)
        if self.identity_:
            return self._transform_identity(X)
        return self._transform_training(X, masks)

    def transform(self, X):
        """Map inference rows, which are target rows by the domain contract.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Rows to map.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The mapped rows.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if self.identity_:
            return self._transform_identity(X)
        return self._transform_target(X)

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names, checked against ``feature_names_in_`` when it
            is defined. Used by adapters whose output features are built from
            the input ones (and by every adapter fitted as the identity).

        Returns
        -------
        feature_names_out : ndarray of str objects
            Names of the output features.
        """
        check_is_fitted(self)
        if self.identity_:
            return OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        return self._get_feature_names_out(input_features)

    def _get_feature_names_out(self, input_features):
        """Names of the output features of a fitted, non-identity adapter."""
        return ClassNamePrefixFeaturesOutMixin.get_feature_names_out(
            self, input_features
        )

    def _transform_training(self, X, masks):
        """Map source rows with the source map and target rows with the target map.

        Rows keep their order. Sparse outputs are stacked as CSR; when one
        part is sparse and the other dense, the output is dense. Override when
        the maps are not row-wise (e.g. feature augmentation that depends on
        the domain of each row).
        """
        src = np.flatnonzero(masks.source)
        tgt = np.flatnonzero(masks.target)
        Xs = self._transform_source(_take_rows(X, src))
        Xt = self._transform_target(_take_rows(X, tgt))
        n = X.shape[0]
        if sparse.issparse(Xs) and sparse.issparse(Xt):
            out = sparse.vstack([Xs, Xt], format="csr")
            if src[-1] == src.shape[0] - 1:  # sources already come first
                return out
            order = np.empty(n, dtype=np.intp)
            order[np.concatenate([src, tgt])] = np.arange(n)
            return out[order]
        Xs = Xs.toarray() if sparse.issparse(Xs) else Xs
        Xt = Xt.toarray() if sparse.issparse(Xt) else Xt
        out = np.empty((n, Xs.shape[1]), dtype=np.result_type(Xs, Xt))
        out[_as_slice(src)] = Xs
        out[_as_slice(tgt)] = Xt
        return out

    def _fit_identity(self, X, masks):
        """Set the fitted state of an identity adapter (one domain seen)."""
        self._n_features_out = X.shape[1]

    def _transform_identity(self, X):
        """Map rows when the adapter is the identity (a copy of ``X``)."""
        return X.copy()

    @abstractmethod
    def _fit_domains(self, X, masks):
        """Fit the maps from source rows ``X[masks.source]`` and target rows."""

    def _transform_source(self, X):
        """Map source rows (training time only).

        Required unless :meth:`_transform_training` is overridden.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement _transform_source or "
            "_transform_training."
        )

    @abstractmethod
    def _transform_target(self, X):
        """Map target rows (inference and training time)."""


def _as_slice(idx):
    """``idx`` (sorted indices) as a slice when contiguous, else unchanged."""
    if idx.shape[0] and idx[-1] - idx[0] == idx.shape[0] - 1:
        return slice(idx[0], idx[-1] + 1)
    return idx


def _take_rows(X, idx):
    """Rows ``idx`` (sorted) of an array or CSR matrix; a view when contiguous."""
    return X[_as_slice(idx)]


def _source_and_target_rows(X, masks):
    """Return copies of the source rows and of the target rows of ``X``.

    Copies, not views: a fitted weighting may keep them (as an index or as
    kernel centres), and must not share memory with the caller's ``X``.
    """
    return X[np.flatnonzero(masks.source)], X[np.flatnonzero(masks.target)]


class BaseWeighting(_FitOnDomainsMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of importance weightings for source rows.

    A weighting estimates, for every source row, how much more likely it is
    under the target distribution than under the source one,
    ``w(x) = p_target(x) / p_source(x)``, so that a model fitted on weighted
    source rows behaves as if fitted on target data (covariate shift).

    ``fit(X, y, sample_domain=None)`` reads domains like every estimator and
    stores ``weights_``, one weight per training row (source rows get their
    importance weight, target rows weight 1). Pass a weighting to
    :class:`~sktransfer.adaptation.DomainAwareClassifier` or
    :class:`~sktransfer.adaptation.DomainAwareRegressor` with ``weighting=``;
    the weights reach the final estimator as ``sample_weight``.

    With a single domain there is nothing to reweight: every weight is 1 and
    :class:`OneDomainWarning` is raised once per fit.

    Subclasses implement :meth:`_fit_weights`, returning the weights of the
    source rows; weightings that can weight new rows also implement
    ``compute_weights(X)``. ``X`` is validated as numeric, dense or CSR (the
    class attributes ``_accept_sparse`` and ``_dtype`` change that).

    Examples
    --------
    A weighting that gives source rows near the target mean more weight:

    >>> import numpy as np
    >>> from sktransfer.adaptation import BaseWeighting
    >>> class CloseToTargetWeighting(BaseWeighting):
    ...     def _fit_weights(self, X, masks):
    ...         centre = X[masks.target].mean(axis=0)
    ...         distance = np.linalg.norm(X[masks.source] - centre, axis=1)
    ...         weights = np.exp(-distance)
    ...         return weights / weights.mean()
    >>> X = np.array([[0.0], [1.0], [2.0], [2.0], [2.0]])
    >>> y = [0, 1, 0, -1, -1]  # the last two rows are the unlabelled target
    >>> CloseToTargetWeighting().fit(X, y).weights_.round(2)
    array([0.27, 0.73, 2.  , 1.  , 1.  ])
    """

    _dtype = "numeric"

    def _fit(self, X, y, sample_domain):
        """Read the domains, validate ``X`` and set ``weights_``."""
        X, masks = self._read_domains(X, y, sample_domain)
        X = self._validate_X(X, reset=True)
        weights = np.ones(masks.n_samples, dtype=np.float64)
        self.identity_ = not (masks.has_source and masks.has_target)
        if not self.identity_:
            src = np.flatnonzero(masks.source)
            w_src = np.asarray(self._fit_weights(X, masks), dtype=np.float64)
            if w_src.shape != src.shape or not np.all(np.isfinite(w_src)):
                raise RuntimeError(  # pragma: no cover - a bug in a subclass
                    f"{type(self).__name__} computed invalid weights."
                )
            weights[src] = w_src
        else:
            warnings.warn(
                _one_domain_message(type(self).__name__, masks).replace(
                    "behaves as the identity", "gives every row weight 1"
                ),
                OneDomainWarning,
                stacklevel=4,
            )
        self.weights_ = weights
        return self

    @abstractmethod
    def _fit_weights(self, X, masks):
        """Return the weights of the source rows ``X[masks.source]``."""


class _Weighting(BaseWeighting):
    """The weightings of this package, which take sparse input."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _RatioModelWeighting(_Weighting):
    """Weightings whose fitted density-ratio model also weights new rows.

    Subclasses implement :meth:`_compute_weights` (``X`` validated, ``fit``
    saw both domains).
    """

    def compute_weights(self, X):
        """Return the importance weights of new rows from the fitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to weight.

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            The density ratio ``w(x)`` of the fitted model at every row (as
            defined in the class description); ones when ``fit`` saw a
            single domain.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if self.identity_:
            return np.ones(X.shape[0])
        return self._compute_weights(X)

    @abstractmethod
    def _compute_weights(self, X):
        """Return the weights of the validated rows ``X`` (fit saw both domains)."""


class _LabelledRowsMixin:
    """Estimators that learn from the labelled rows: DomainAware*, TrAdaBoost*.

    Subclasses set ``_task`` (``'classification'`` or ``'regression'``).
    ``fit`` and ``score`` request ``sample_domain`` by default, so that with
    metadata routing enabled a stock ``Pipeline``, ``GridSearchCV`` or
    ``cross_validate`` routes it here.
    """

    _task = None
    # How score rates the labelled rows: None for the metric of ``_task``
    # (accuracy or R^2 of ``predict``), else a method
    # ``(X_labelled, y_labelled, sample_weight) -> float``.
    _score_rows = None

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    def _labelled_rows(self, X, y, sample_domain, sample_weight):
        """Validate the domain contract of a fit; return its labelled rows."""
        return labelled_rows(
            X,
            y,
            sample_domain,
            sample_weight,
            task=self._task,
            estimator_name=type(self).__name__,
        )

    @_substitute_docs
    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Score the fitted model on the labelled rows of ``X``.

        Unlabelled rows are ignored, so a cross-validation fold that holds
        unlabelled target rows still gets a finite score.

        Parameters
        ----------
        X : array-like, sparse matrix or list of documents
            Rows to score, in the form ``fit`` takes.
        {y_score}
        {sample_weight_score}
        {sample_domain_score}

        Returns
        -------
        score : float
            The score on the labelled rows: mean accuracy for a classifier
            and R^2 for a regressor (the wrapped estimator's own ``score``
            for :class:`~sktransfer.adaptation.DomainAwareClassifier` and
            :class:`~sktransfer.adaptation.DomainAwareRegressor`).
        """
        check_is_fitted(self)
        return score_labelled(
            self,
            as_indexable(X),
            y,
            sample_weight,
            sample_domain,
            task=self._task,
            score=self._score_rows,
        )
