"""The domain contract shared by every sktransfer estimator.

``X`` holds source and target rows together. Which rows are labelled, and which
belong to which domain, is read from ``y`` and an optional ``sample_domain``:

* ``y == -1`` (classification) or ``y`` NaN (regression) marks an unlabelled row,
  as in scikit-learn's semi-supervised estimators.
* Without ``sample_domain`` (implicit domains), labelled rows are the source
  domain (``0``) and unlabelled rows the target domain (``-1``).
* With ``sample_domain`` (explicit domains), non-negative values are source
  domains and negative values target domains, the encoding skada uses. Every
  source row is labelled (so ``-1`` can be a real class there); a target row is
  labelled unless its ``y`` is the unlabelled marker.

Everything here is implemented once and used by every family of estimators:
:func:`check_domains` reads the rules, :func:`labelled_rows` gives a fit the
labelled rows (with their weights) and :func:`score_labelled` scores on them.
:func:`~sktransfer.utils.pack_domains` and
:func:`~sktransfer.utils.split_domains`, which build and take apart the
``X, y, sample_domain`` triple, live in :mod:`sktransfer.utils._packing`.
"""

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_sample_weight, _num_samples, column_or_1d

__all__ = [
    "DomainMasks",
    "LabelledRows",
    "check_domains",
    "labelled_rows",
    "score_labelled",
    "unlabelled_mask",
]

#: The label that marks an unlabelled row in classification targets.
UNLABELLED = -1

_TASKS = ("auto", "classification", "regression")


@dataclass(frozen=True, eq=False)
class DomainMasks:
    """Validated domain information of a set of rows.

    Returned by :func:`check_domains`; never built by hand.

    Attributes
    ----------
    y : ndarray of shape (n_samples,) or None
        The targets as a 1-D array (a copy of the caller's ``y`` is never
        modified), or None when no ``y`` was given.
    sample_domain : ndarray of shape (n_samples,), dtype int64
        Domain of each row: non-negative for source domains, negative for
        target domains. Inferred as ``0`` / ``-1`` in implicit mode.
    source : ndarray of shape (n_samples,), dtype bool
        Rows of a source domain.
    target : ndarray of shape (n_samples,), dtype bool
        Rows of a target domain (``~source``).
    labelled : ndarray of shape (n_samples,), dtype bool
        Rows whose label can be used for supervised fitting.
    task : {'classification', 'regression'}
        How the unlabelled marker was read: ``-1`` or NaN.
    explicit : bool
        Whether ``sample_domain`` was given by the caller.
    """

    y: np.ndarray | None
    sample_domain: np.ndarray
    source: np.ndarray
    target: np.ndarray
    labelled: np.ndarray
    task: str
    explicit: bool

    @property
    def n_samples(self):
        """Number of rows."""
        return self.sample_domain.shape[0]

    @property
    def has_source(self):
        """Whether at least one row belongs to a source domain."""
        return bool(self.source.any())

    @property
    def has_target(self):
        """Whether at least one row belongs to a target domain."""
        return bool(self.target.any())

    @property
    def labelled_indices(self):
        """Indices of the labelled rows, for :func:`sklearn.utils._safe_indexing`."""
        return np.flatnonzero(self.labelled)


def _is_float_like(y):
    return y.dtype.kind == "f"


def _infer_task(y):
    """Return 'regression' for float targets that are not class labels."""
    if not _is_float_like(y):
        return "classification"
    finite = y[np.isfinite(y)]
    if np.isnan(y).any() or np.any(finite != np.round(finite)):
        return "regression"
    return "classification"


def unlabelled_mask(y, task):
    """Rows of ``y`` that carry the unlabelled marker for ``task``.

    ``-1`` marks an unlabelled row of a classification target (the string
    ``'-1'`` in an array of strings; a real ``-1`` in an object array), NaN
    one of a regression target.
    """
    y = np.asarray(y)
    if task == "regression":
        return np.isnan(y.astype(np.float64, copy=False))
    if y.dtype.kind == "O":
        return np.fromiter(
            (
                isinstance(v, numbers.Real)
                and not isinstance(v, bool)
                and v == UNLABELLED
                for v in y
            ),
            dtype=bool,
            count=y.shape[0],
        )
    if y.dtype.kind in "US":
        return y == str(UNLABELLED)
    if y.dtype.kind in "iuf":
        return y == UNLABELLED
    return np.zeros(y.shape[0], dtype=bool)


def _has_nan(y):
    if _is_float_like(y):
        return bool(np.isnan(y).any())
    if y.dtype.kind == "O":
        return any(isinstance(v, float) and v != v for v in y)
    return False


def _check_sample_domain(sample_domain, n_samples):
    """Validate ``sample_domain`` and return it as an int64 array."""
    if isinstance(sample_domain, str | bytes) or np.isscalar(sample_domain):
        raise ValueError(
            "sample_domain must be an array of integers of shape "
            f"(n_samples,) = ({n_samples},), got the scalar {sample_domain!r}."
        )
    try:
        sd = np.asarray(sample_domain)
    except Exception as exc:  # ragged nested sequences and the like
        raise ValueError(
            "sample_domain must be an array of integers of shape "
            f"(n_samples,) = ({n_samples},); it could not be read as an array: "
            f"{exc}"
        ) from exc
    if sd.ndim == 2 and sd.shape[1] == 1:
        sd = sd.ravel()
    if sd.ndim != 1:
        raise ValueError(
            "sample_domain must be a 1-D array of shape (n_samples,) = "
            f"({n_samples},), got an array of shape {sd.shape}."
        )
    if sd.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sd.shape[0]} entries but X has {n_samples} rows: "
            "give one domain per row."
        )
    if sd.dtype.kind in "iu":
        return sd.astype(np.int64, copy=False)
    if sd.dtype.kind == "f":
        if not np.all(np.isfinite(sd)) or np.any(sd != np.round(sd)):
            raise ValueError(
                "sample_domain must hold integers (non-negative for source "
                "domains, negative for target domains); got non-integral or "
                "non-finite floats."
            )
        return sd.astype(np.int64)
    if (
        sd.dtype.kind == "O"
        and n_samples
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in sd)
    ):
        return sd.astype(np.int64)
    raise ValueError(
        "sample_domain must hold integers (non-negative for source domains, "
        f"negative for target domains), got an array of dtype {sd.dtype}."
    )


def _as_1d_y(y, n_samples):
    if isinstance(y, str | bytes):
        raise ValueError(f"y must be an array-like of shape (n_samples,), got {y!r}.")
    # A copy: estimators may keep or edit the result, never the caller's y.
    y = np.array(y, copy=True)
    if y.ndim == 0:
        raise ValueError(
            f"y must be an array-like of shape (n_samples,), got the scalar {y!r}."
        )
    y = column_or_1d(y, warn=True)
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError(
            f"y has {y.shape[0]} entries but X has {n_samples} rows: "
            "give one label per row (-1 or NaN for unlabelled rows)."
        )
    return y


def check_domains(
    y=None,
    sample_domain=None,
    *,
    n_samples=None,
    task="auto",
    require_labels=False,
    estimator_name=None,
):
    """Validate ``y`` and ``sample_domain`` and split rows into domains.

    This is the single implementation of sktransfer's domain contract: every
    estimator calls it in ``fit``, so every estimator reads ``y == -1``,
    NaN targets and ``sample_domain`` the same way and raises the same errors.

    Parameters
    ----------
    y : array-like of shape (n_samples,), default=None
        Targets. ``-1`` (classification) or NaN (regression) marks an
        unlabelled row. Object arrays may mix string labels with ``-1``; in an
        array of strings, ``'-1'`` marks an unlabelled row. ``y`` is never
        modified. None means that no row is labelled.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain of each row: non-negative for a source domain, negative for a
        target domain. When None, labelled rows form the source domain ``0``
        and unlabelled rows the target domain ``-1``.
    n_samples : int, default=None
        Number of rows of ``X``. Lengths of ``y`` and ``sample_domain`` are
        checked against it. Required when both ``y`` and ``sample_domain`` are
        None.
    task : {'auto', 'classification', 'regression'}, default='auto'
        How to read the unlabelled marker: ``-1`` for classification, NaN for
        regression. ``'auto'`` picks regression for float targets that hold
        NaN or non-integral values and classification otherwise.
    require_labels : bool, default=False
        Raise a ``ValueError`` when no row is labelled (what a classifier or
        regressor needs).
    estimator_name : str, default=None
        Name used in error messages.

    Returns
    -------
    masks : DomainMasks
        The validated targets, the resolved ``sample_domain`` and boolean
        masks of source, target and labelled rows.

    Raises
    ------
    ValueError
        If ``y`` or ``sample_domain`` has the wrong length, shape or dtype; if
        a classification ``y`` holds NaN; if no row is labelled while
        ``require_labels=True``; if the labelled rows hold a single class while
        ``-1`` rows are present (labels in ``{-1, +1}`` read as one class plus
        unlabelled rows); if a source row of a regression target is NaN.

    See Also
    --------
    pack_domains : Build ``X, y, sample_domain`` from separate domains.
    split_domains : Split ``X, y, sample_domain`` back into domains.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.utils import check_domains
    >>> masks = check_domains(np.array([0, 1, -1, -1]))
    >>> masks.labelled
    array([ True,  True, False, False])
    >>> masks.sample_domain
    array([ 0,  0, -1, -1])

    With explicit domains, ``-1`` is a real class on source rows:

    >>> masks = check_domains(np.array([-1, 1, -1]), sample_domain=[0, 0, -1])
    >>> masks.labelled
    array([ True,  True, False])
    """
    who = f"{estimator_name} " if estimator_name else ""
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS}, got {task!r}.")
    if y is None and sample_domain is None and n_samples is None:
        raise ValueError("n_samples is required when y and sample_domain are None.")

    if y is not None:
        y = _as_1d_y(y, n_samples)
        n_samples = y.shape[0]
    explicit = sample_domain is not None
    if explicit:
        if n_samples is None:
            n_samples = _num_samples(sample_domain)
        sample_domain = _check_sample_domain(sample_domain, n_samples)

    if y is None:
        if require_labels:
            raise ValueError(f"{who}requires y to be passed, but the target y is None.")
        if explicit:
            source = sample_domain >= 0
        else:
            # No labels: by the inference rule, every row is target.
            source = np.zeros(n_samples, dtype=bool)
            sample_domain = np.full(n_samples, -1, dtype=np.int64)
        resolved = "regression" if task == "regression" else "classification"
        return DomainMasks(
            None,
            sample_domain,
            source,
            ~source,
            np.zeros(n_samples, bool),
            resolved,
            explicit,
        )

    resolved = _infer_task(y) if task == "auto" else task
    if resolved == "regression":
        if y.dtype.kind not in "iufb":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{who}expects numeric regression targets; y could not be "
                    f"converted to float: {exc}"
                ) from exc
        elif y.dtype.kind != "f":
            y = y.astype(np.float64)
    elif _has_nan(y):
        raise ValueError(
            f"Input y contains NaN. {who}reads -1 as the mark of an unlabelled "
            "row of a classification target; NaN marks unlabelled rows only for "
            "regression."
        )

    unlabelled = unlabelled_mask(y, resolved)

    if explicit:
        source = sample_domain >= 0
        if resolved == "regression" and np.any(unlabelled & source):
            raise ValueError(
                f"{who}found NaN targets on {int(np.sum(unlabelled & source))} "
                "source rows (sample_domain >= 0). Source rows must be labelled: "
                "mark unlabelled rows as a target domain (a negative "
                "sample_domain)."
            )
        labelled = source | ~unlabelled
    else:
        labelled = ~unlabelled
        source = labelled.copy()
        sample_domain = np.where(source, 0, -1).astype(np.int64)

    if require_labels and not labelled.any():
        marker = "NaN" if resolved == "regression" else "-1"
        if resolved == "regression":
            raise ValueError(
                f"Input y contains NaN in every row: {who}needs labelled rows, "
                "and NaN marks an unlabelled row."
            )
        raise ValueError(
            f"{who}found no labelled rows: every y is {marker}, which marks an "
            "unlabelled row. Give labelled source rows (or labelled target rows "
            "with sample_domain)."
        )

    if resolved == "classification" and labelled.any():
        _check_minus_one_collision(y, labelled, unlabelled, source, explicit, who)

    return DomainMasks(y, sample_domain, source, ~source, labelled, resolved, explicit)


def _n_distinct(values):
    """Count distinct values, also in object arrays of mixed types."""
    if values.dtype.kind == "O":
        return len(set(values.tolist()))
    return np.unique(values).shape[0]


def _item(value):
    """Return the Python value a numpy scalar holds, for error messages."""
    return value.item() if isinstance(value, np.generic) else value


def _check_minus_one_collision(y, labelled, unlabelled, source, explicit, who):
    """Detect labels such as {-1, +1} where -1 would be read as unlabelled."""
    if not explicit:
        if unlabelled.any() and _n_distinct(y[labelled]) == 1:
            raise ValueError(
                f"{who}found a single class ({_item(y[labelled][0])!r}) among the "
                "labelled "
                f"rows and {int(unlabelled.sum())} rows labelled -1. -1 marks an "
                "unlabelled row, so labels such as {-1, +1} read as one class plus "
                "unlabelled rows. Relabel the classes (e.g. to {0, 1}) or pass "
                "sample_domain, with which every source row is labelled."
            )
        return
    # Explicit domains: -1 is a real class when a source row carries it. A
    # target domain mixing -1 with other labels is then ambiguous.
    minus_one_is_class = np.any(unlabelled & source)
    target = ~source
    if minus_one_is_class and np.any(unlabelled & target) and np.any(labelled & target):
        raise ValueError(
            f"{who}cannot tell labelled from unlabelled target rows: -1 is a class "
            "of the source rows, and the target rows hold both -1 (read as "
            "unlabelled) and other labels. Relabel the classes (e.g. {-1, +1} "
            "to {0, 1}) so that -1 only marks unlabelled rows."
        )


# --------------------------------------------------------------------------- #
# The labelled rows of a fit, and scores on them
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, eq=False)
class LabelledRows:
    """The rows of a fit whose labels an estimator learns from.

    Returned by :func:`labelled_rows`; never built by hand.

    Attributes
    ----------
    indices : ndarray of shape (n_labelled,), dtype int64
        Positions of the labelled rows in ``X``.
    y : ndarray of shape (n_labelled,)
        Their labels.
    sample_weight : ndarray of shape (n_labelled,) or None
        Their weights, or None when no ``sample_weight`` was given.
    masks : DomainMasks
        The domains of every row, as :func:`check_domains` read them.
    """

    indices: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray | None
    masks: DomainMasks

    @property
    def target(self):
        """Which labelled rows belong to a target domain."""
        return self.masks.target[self.indices]

    def take(self, X):
        """Return the labelled rows of ``X`` (``X`` itself if all are labelled)."""
        if self.indices.shape[0] == self.masks.n_samples:
            return X
        return _safe_indexing(X, self.indices)


def labelled_rows(
    X,
    y,
    sample_domain=None,
    sample_weight=None,
    *,
    task="auto",
    estimator_name=None,
):
    """Validate the domain contract for a fit and return its labelled rows.

    The one place where an estimator that learns from labels (a classifier or
    regressor, whatever its family) turns ``y``, ``sample_domain`` and
    ``sample_weight`` into the rows it fits on.

    Parameters
    ----------
    X : array-like, sparse matrix or sequence of documents of n_samples rows
        Rows, used for their number only.
    y : array-like of shape (n_samples,)
        Targets, ``-1`` (classification) or NaN (regression) on unlabelled
        rows.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain of each row, read by :func:`check_domains`.
    sample_weight : float or array-like of shape (n_samples,), default=None
        Weights of the rows: finite and non-negative (checked by
        scikit-learn's own ``_check_sample_weight``).
    task : {'auto', 'classification', 'regression'}, default='auto'
        How to read the unlabelled marker.
    estimator_name : str, default=None
        Name used in error messages.

    Returns
    -------
    rows : LabelledRows
        Indices, labels and weights of the labelled rows, and the domain
        masks of every row.

    Raises
    ------
    ValueError
        Everything :func:`check_domains` raises with ``require_labels=True``,
        and a ``sample_weight`` of the wrong shape, with NaN, infinite or
        negative values.

    Examples
    --------
    >>> from sktransfer.utils._domains import labelled_rows
    >>> rows = labelled_rows([[0.0], [1.0], [2.0]], [0, 1, -1])
    >>> rows.indices
    array([0, 1])
    >>> rows.take([[0.0], [1.0], [2.0]])
    [[0.0], [1.0]]
    """
    masks = check_domains(
        y,
        sample_domain,
        n_samples=_num_samples(X),
        task=task,
        require_labels=True,
        estimator_name=estimator_name,
    )
    idx = masks.labelled_indices
    sw = None
    if sample_weight is not None:
        sw = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )[idx]
    return LabelledRows(idx, masks.y[idx], sw, masks)


def score_labelled(
    estimator, X, y, sample_weight=None, sample_domain=None, *, task, score=None
):
    """Score ``estimator`` on the labelled rows of ``X`` only.

    Unlabelled rows (``-1`` or NaN) are ignored, so a cross-validation fold
    that holds target rows without labels still gets a finite score.

    Parameters
    ----------
    estimator : fitted estimator
        Gives the predictions (``estimator.predict``) unless ``score`` is given.
    X : array-like, sparse matrix or sequence of documents of n_samples rows
        Rows to score, indexable (see ``as_indexable``).
    y : array-like of shape (n_samples,)
        True targets, ``-1`` or NaN on unlabelled rows.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain of each row (needed when ``-1`` is a real class).
    task : {'classification', 'regression'}
        Accuracy for classification, R^2 for regression.
    score : callable, default=None
        ``score(X_labelled, y_labelled, sample_weight)`` to use instead of the
        metric of ``task`` (a wrapped estimator's own ``score``, say).

    Returns
    -------
    score : float
        The score on the labelled rows.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sktransfer.utils._domains import score_labelled
    >>> clf = DummyClassifier().fit([[0], [1], [2]], [1, 1, 0])
    >>> score_labelled(clf, [[0], [1], [2]], [1, 0, -1], task="classification")
    0.5
    """
    rows = labelled_rows(
        X,
        y,
        sample_domain,
        sample_weight,
        task=task,
        estimator_name=type(estimator).__name__,
    )
    X_l = rows.take(X)
    if score is not None:
        return score(X_l, rows.y, rows.sample_weight)
    metric = accuracy_score if task == "classification" else r2_score
    return float(
        metric(rows.y, estimator.predict(X_l), sample_weight=rows.sample_weight)
    )
