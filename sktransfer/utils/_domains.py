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
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_sample_weight, _num_samples, column_or_1d

__all__ = [
    "DomainMasks",
    "LabelledRows",
    "MinusOneClassWarning",
    "check_domains",
    "labelled_rows",
    "score_labelled",
    "unlabelled_mask",
]

#: The label that marks an unlabelled row in classification targets.
UNLABELLED = -1

_TASKS = ("auto", "classification", "regression")


class MinusOneClassWarning(UserWarning):
    """Warning raised when ``-1`` in ``y`` looks like a class, not a marker.

    Without ``sample_domain``, ``-1`` marks an unlabelled (target) row. When
    ``y`` holds ``-1`` next to two or more other classes and the labels look
    like a multi-class problem in which ``-1`` is a class (``{-1, 0, 1}``
    sentiment, signed ratings), those rows would silently be dropped as
    unlabelled. See :func:`check_domains` for when it is raised and how to
    silence it.

    Examples
    --------
    >>> import warnings
    >>> from sktransfer.utils import MinusOneClassWarning, check_domains
    >>> y = [-1, 0, 1, -1, 0, 1]  # -1 scattered among the classes
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     masks = check_domains(y)
    >>> [w.category.__name__ for w in caught]
    ['MinusOneClassWarning']
    >>> check_domains(y, sample_domain=[0, 0, 0, 0, 0, 0]).labelled.all()
    np.True_
    """


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

    Examples
    --------
    >>> from sktransfer.utils import check_domains
    >>> masks = check_domains([1, 0, -1, -1])
    >>> masks.source
    array([ True,  True, False, False])
    >>> masks.sample_domain
    array([ 0,  0, -1, -1])
    >>> masks.n_samples, masks.has_target, masks.explicit
    (4, True, False)
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


def _is_marker(value):
    """Whether one label of an object array is the unlabelled marker."""
    if isinstance(value, str):
        return value == str(UNLABELLED)
    if isinstance(value, bytes):
        return value == str(UNLABELLED).encode()
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and value == UNLABELLED
    )


def unlabelled_mask(y, task):
    """Rows of ``y`` that carry the unlabelled marker for ``task``.

    ``-1`` marks an unlabelled row of a classification target, NaN one of a
    regression target. In labels of every dtype, ``-1`` is the marker in
    its own type: the number ``-1`` (not ``True``), the string ``'-1'`` in
    an array of strings (numpy ``<U``, an object array of ``str``, a pandas
    string or categorical column) and ``b'-1'`` in an array of bytes.
    """
    y = np.asarray(y)
    if task == "regression":
        return np.isnan(y.astype(np.float64, copy=False))
    if y.dtype.kind == "O":
        return np.fromiter((_is_marker(v) for v in y), dtype=bool, count=y.shape[0])
    if y.dtype.kind == "U":
        return y == str(UNLABELLED)
    if y.dtype.kind == "S":
        return y == str(UNLABELLED).encode()
    if y.dtype.kind in "iuf":
        return y == UNLABELLED
    return np.zeros(y.shape[0], dtype=bool)


def _is_missing(value):
    """NaN, None or pandas' NA in an object array."""
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or type(value).__name__ == "NAType"
    )


def _has_nan(y):
    if _is_float_like(y):
        return bool(np.isnan(y).any())
    if y.dtype.kind == "O":
        return any(_is_missing(v) for v in y)
    return False


#: The integers that ``sample_domain`` can hold (int64, the dtype it is read as).
_INT64 = np.iinfo(np.int64)


def _integers_as_int64(sd):
    """``sd`` (integer dtype or object array of ints) as int64, or a ValueError."""
    if sd.dtype.kind == "i":
        return sd.astype(np.int64, copy=False)
    if sd.dtype.kind == "u":
        big = sd > _INT64.max
    else:  # object: Python or numpy integers of any size
        big = np.fromiter(
            (not _INT64.min <= int(v) <= _INT64.max for v in sd),
            dtype=bool,
            count=sd.shape[0],
        )
    if np.any(big):
        raise ValueError(
            "sample_domain holds values outside the int64 range (e.g. "
            f"{sd[np.flatnonzero(big)[0]]!r}); domains are small integers: "
            "non-negative for source domains, negative for target domains. "
            "An unsigned array cannot hold target domains."
        )
    return sd.astype(np.int64)


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
        return _integers_as_int64(sd)
    if sd.dtype.kind == "f":
        if not np.all(np.isfinite(sd)) or np.any(sd != np.round(sd)):
            raise ValueError(
                "sample_domain must hold integers (non-negative for source "
                "domains, negative for target domains); got non-integral or "
                "non-finite floats."
            )
        # Floats from -2**63 up to (not including) 2**63 convert exactly.
        if np.any((sd < -(2.0**63)) | (sd >= 2.0**63)):
            raise ValueError(
                "sample_domain holds values outside the int64 range; domains "
                "are small integers: non-negative for source domains, "
                "negative for target domains."
            )
        return sd.astype(np.int64)
    if (
        sd.dtype.kind == "O"
        and n_samples
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in sd)
    ):
        return _integers_as_int64(sd)
    what = "booleans" if sd.dtype.kind == "b" else f"an array of dtype {sd.dtype}"
    raise ValueError(
        "sample_domain must hold integers (non-negative for source domains, "
        f"negative for target domains), got {what}."
    )


def _as_1d_y(y, n_samples):
    if isinstance(y, str | bytes):
        raise ValueError(f"y must be an array-like of shape (n_samples,), got {y!r}.")
    # A copy: estimators may keep or edit the result, never the caller's y.
    try:
        y = np.array(y, copy=True)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(
            "y must be a 1-D array-like of shape (n_samples,) with one label "
            "per row; it holds sequences of different lengths (ragged "
            "labels, such as a list of lists). Multi-label targets are not "
            "supported."
        ) from exc
    if y.ndim == 0:
        raise ValueError(
            f"y must be an array-like of shape (n_samples,), got the scalar {y!r}."
        )
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        raise ValueError(
            "y must be a 1-D array-like of shape (n_samples,) with one label "
            f"per row, got an array of shape {y.shape}. Multi-output and "
            "multi-label targets are not supported."
        )
    if y.dtype.kind == "O" and any(
        isinstance(v, list | tuple | dict | set | np.ndarray) for v in y.ravel()
    ):
        raise ValueError(
            "y must hold one label per row, but some entries are sequences "
            "(ragged labels, such as a list of lists or an object array of "
            "arrays). Multi-label targets are not supported."
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
        unlabelled row. In labels of every dtype, the marker is ``-1`` in that
        dtype: the number ``-1`` in numeric arrays and in object arrays (where
        it may sit among string labels), the string ``'-1'`` in numpy string
        arrays, in object arrays of ``str`` and in pandas string or
        categorical columns (so ``['pos', 'neg', -1]``, which numpy turns into
        strings, reads the same as an object array), ``b'-1'`` in arrays of
        bytes. ``y`` is never modified. None means that no row is labelled.
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
        If there are no rows; if ``y`` or ``sample_domain`` has the wrong
        length, shape or dtype (ragged ``y``, a ``sample_domain`` of booleans,
        of non-integral floats or of integers outside the int64 range); if a
        classification ``y`` holds NaN or None; if no row is labelled while
        ``require_labels=True``; if the labelled rows hold a single class while
        ``-1`` rows are present (labels in ``{-1, +1}`` read as one class plus
        unlabelled rows); if a source row of a regression target is NaN.

    Warns
    -----
    MinusOneClassWarning
        Without ``sample_domain``, when ``y`` holds ``-1`` next to two or
        more integer classes that suggest ``-1`` is a class: a negative class
        besides ``-1`` (signed labels such as ``{-2, -1, 0, 1, 2}``), or
        classes from 0 (``{-1, 0, 1}``) with the ``-1`` rows scattered among
        the labelled rows instead of forming one block of target rows. To
        silence it, pass ``sample_domain`` (or, when ``-1`` does mark
        unlabelled rows, put them after the labelled rows); if ``-1`` is a
        class, relabel.

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

    if n_samples == 0:
        raise ValueError(
            f"{who}found 0 rows: X, y and sample_domain must hold at least one row."
        )

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
        if not explicit and unlabelled.any():
            _warn_minus_one_class(y, labelled, unlabelled, who)

    return DomainMasks(y, sample_domain, source, ~source, labelled, resolved, explicit)


def _n_distinct(values):
    """Count distinct values, also in object arrays of mixed types."""
    if values.dtype.kind == "O":
        return len(set(values.tolist()))
    return np.unique(values).shape[0]


def _item(value):
    """Return the Python value a numpy scalar holds, for error messages."""
    return value.item() if isinstance(value, np.generic) else value


def _as_integer(label):
    """Return the integer a class label stands for (``'2'`` too), else None."""
    if isinstance(label, bool | np.bool_):
        return None
    if isinstance(label, str | bytes):
        try:
            return int(label)
        except ValueError:
            return None
    if isinstance(label, numbers.Real) and float(label).is_integer():
        return int(label)
    return None


def _warn_minus_one_class(y, labelled, unlabelled, who):
    """Warn when the ``-1`` rows of implicit domains look like a class.

    ``y`` holds ``-1`` next to two or more integer classes, and either a
    class is negative (signed labels such as ratings ``{-2, ..., 2}``), or
    the classes start at 0 (``{-1, 0, 1}``) and the ``-1`` rows are
    scattered among the labelled rows rather than one block of target rows.
    """
    classes = set(y[labelled].tolist())
    if len(classes) < 2:
        return
    values = [_as_integer(c) for c in classes]
    if any(v is None for v in values):
        return
    idx = np.flatnonzero(unlabelled)
    scattered = idx[-1] - idx[0] + 1 != idx.shape[0]
    if not (min(values) < 0 or (min(values) == 0 and scattered)):
        return
    shown = sorted(classes, key=_as_integer)
    warnings.warn(
        f"{who}found y holding -1 next to the classes {shown} and no "
        f"sample_domain: -1 marks an unlabelled row, so its "
        f"{idx.shape[0]} rows are left out of training and read as the "
        "target domain. If -1 is a class (a problem such as {-1, 0, 1}), "
        "relabel the classes (e.g. y + 1, keeping -1 for unlabelled rows) or "
        "pass sample_domain, with which every source row is labelled. If -1 "
        "does mark unlabelled rows, pass sample_domain (or put the unlabelled "
        "rows after the labelled ones) to silence this warning.",
        MinusOneClassWarning,
        stacklevel=4,
    )


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
