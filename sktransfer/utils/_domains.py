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

Everything here is implemented once and used by every family of estimators.
"""

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples, column_or_1d

__all__ = ["DomainMasks", "check_domains", "pack_domains", "split_domains"]

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


def _unlabelled_mask(y, task):
    """Rows of ``y`` that carry the unlabelled marker for ``task``."""
    if task == "regression":
        return np.isnan(y)
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

    unlabelled = _unlabelled_mask(y, resolved)

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
# pack_domains / split_domains
# --------------------------------------------------------------------------- #


def check_sample_weight(sample_weight, n_samples):
    """Validate ``sample_weight``: a scalar or one finite, non-negative weight a row."""
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) to match X, got {sw.shape}."
        )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative.")
    return sw


def _kind_of_rows(X):
    """Classify a container of rows for concatenation."""
    if sparse.issparse(X):
        return "sparse"
    if hasattr(X, "iloc"):  # pandas DataFrame or Series
        return "pandas"
    if isinstance(X, np.ndarray):
        return "ndarray"
    if isinstance(X, list | tuple):
        return "list"
    if isinstance(X, str | bytes):
        raise ValueError(
            "Iterable over raw text documents expected, string object received."
        )
    raise TypeError(
        "rows must be a list, tuple, ndarray, scipy sparse matrix or pandas "
        f"object, got {type(X).__name__}."
    )


def _concat_rows(parts):
    kinds = {_kind_of_rows(p) for p in parts}
    if len(kinds) > 1:
        raise TypeError(
            "all domains must hold rows of the same kind to be packed together, "
            f"got {sorted(kinds)}."
        )
    (kind,) = kinds
    if kind == "sparse":
        return sparse.vstack(parts, format="csr")
    if kind == "pandas":
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
    if kind == "ndarray":
        try:
            return np.concatenate(parts, axis=0)
        except ValueError as exc:
            raise ValueError(
                f"domains could not be stacked: their rows differ in shape ({exc})."
            ) from exc
    return [row for part in parts for row in part]


def _split_pair(item, what, index, labelled_required):
    # A tuple (X, y) is a labelled domain; a tuple of two documents is not.
    if (
        isinstance(item, tuple)
        and len(item) == 2
        and not isinstance(item[0], str | bytes)
    ):
        X, y = item
        if y is None and labelled_required:
            raise ValueError(f"{what}[{index}] must be a pair (X, y) with labels.")
        return X, y
    if labelled_required:
        raise ValueError(
            f"{what}[{index}] must be a pair (X, y): source domains are labelled."
        )
    return item, None


def pack_domains(
    source=None, target=None, *, sources=(), targets=(), unlabelled="auto"
):
    """Pack rows of several domains into ``X, y, sample_domain``.

    The helper for sktransfer's domain contract: give each source domain as a
    labelled pair ``(X, y)`` and each target domain as ``X`` (unlabelled) or
    ``(X, y)`` (a few labelled target rows, or labels that use ``-1``/NaN for the
    unlabelled ones). Rows are stacked in order: sources first, then targets.

    Parameters
    ----------
    source : tuple (X, y), default=None
        A single labelled source domain; it gets domain ``0``.
    target : array-like or tuple (X, y), default=None
        A single target domain; it gets domain ``-1``.
    sources : sequence of tuple (X, y), default=()
        Further source domains, numbered ``1, 2, ...`` after ``source`` (or
        from ``0`` when ``source`` is None).
    targets : sequence of array-like or tuple (X, y), default=()
        Further target domains, numbered ``-2, -3, ...`` after ``target`` (or
        from ``-1`` when ``target`` is None).
    unlabelled : {'auto', -1, nan}, default='auto'
        Value given to the rows of unlabelled target domains: ``-1`` for class
        labels and NaN for float (regression) targets under ``'auto'``.

    Returns
    -------
    X : list, ndarray, sparse matrix or pandas object
        Rows of all domains, of the same kind as the inputs (documents stay a
        list of documents, sparse stays CSR).
    y : ndarray of shape (n_samples,)
        Labels of source rows and labelled target rows, the unlabelled marker
        elsewhere.
    sample_domain : ndarray of shape (n_samples,), dtype int64
        Non-negative for source rows, negative for target rows.

    See Also
    --------
    split_domains : The inverse operation.
    check_domains : How estimators read the result.

    Examples
    --------
    >>> from sktransfer.utils import pack_domains
    >>> X, y, sample_domain = pack_domains(
    ...     source=(["good film", "bad film"], [1, 0]),
    ...     target=["great phone", "broken phone", "fine phone"],
    ... )
    >>> X
    ['good film', 'bad film', 'great phone', 'broken phone', 'fine phone']
    >>> y
    array([ 1,  0, -1, -1, -1])
    >>> sample_domain
    array([ 0,  0, -1, -1, -1])
    """
    all_sources = ([source] if source is not None else []) + list(sources)
    all_targets = ([target] if target is not None else []) + list(targets)
    if not all_sources and not all_targets:
        raise ValueError("pack_domains needs at least one source or target domain.")

    X_parts, y_parts, d_parts = [], [], []
    for i, item in enumerate(all_sources):
        X, y = _split_pair(item, "sources", i, labelled_required=True)
        n = _num_samples(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(
                f"source domain {i}: y must have shape ({n},) to match X, "
                f"got {y.shape}."
            )
        X_parts.append(X)
        y_parts.append(y)
        d_parts.append(np.full(n, i, dtype=np.int64))

    labelled_y = list(y_parts)
    target_items = []
    for j, item in enumerate(all_targets):
        X, y = _split_pair(item, "targets", j, labelled_required=False)
        n = _num_samples(X)
        if y is not None:
            y = np.asarray(y)
            if y.ndim != 1 or y.shape[0] != n:
                raise ValueError(
                    f"target domain {j}: y must have shape ({n},) to match X, "
                    f"got {y.shape}."
                )
            labelled_y.append(y)
        target_items.append((X, y, n))

    marker = _resolve_marker(unlabelled, labelled_y)
    for j, (X, y, n) in enumerate(target_items):
        if y is None:
            if marker is None:
                raise ValueError(
                    "pack_domains needs labels from at least one domain to know "
                    "how to mark unlabelled target rows; pass unlabelled=-1 or "
                    "unlabelled=np.nan."
                )
            y = np.full(n, marker, dtype=np.int64 if marker == UNLABELLED else float)
        X_parts.append(X)
        y_parts.append(y)
        d_parts.append(np.full(n, -(j + 1), dtype=np.int64))

    X = _concat_rows(X_parts)
    y = _concat_labels(y_parts)
    return X, y, np.concatenate(d_parts)


def _resolve_marker(unlabelled, labelled_y):
    if isinstance(unlabelled, str):
        if unlabelled != "auto":
            raise ValueError(
                f"unlabelled must be 'auto', -1 or nan, got {unlabelled!r}."
            )
        if not labelled_y:
            return None
        y = np.concatenate([np.asarray(v) for v in labelled_y])
        return np.nan if _infer_task(y) == "regression" else UNLABELLED
    if isinstance(unlabelled, numbers.Real) and (
        unlabelled == UNLABELLED or unlabelled != unlabelled
    ):
        return UNLABELLED if unlabelled == UNLABELLED else np.nan
    raise ValueError(f"unlabelled must be 'auto', -1 or nan, got {unlabelled!r}.")


def _concat_labels(parts):
    """Concatenate label arrays, keeping -1 markers next to string labels."""
    kinds = {p.dtype.kind for p in parts if p.size}
    if kinds & {"U", "S", "O"}:
        out = np.empty(sum(p.shape[0] for p in parts), dtype=object)
        start = 0
        for p in parts:
            out[start : start + p.shape[0]] = p.tolist()
            start += p.shape[0]
        if all(isinstance(v, str) for v in out):
            return out.astype(str)
        return out
    return np.concatenate([p.astype(np.result_type(*parts)) for p in parts])


def as_indexable(X):
    """Return ``X`` in a container whose rows can be indexed.

    Parameters
    ----------
    X : array-like, sparse matrix, list of documents or iterable
        Rows.

    Returns
    -------
    X : list, tuple, ndarray, pandas object or CSR/CSC matrix
        The same rows.
    """
    if sparse.issparse(X):
        return X if X.format in ("csr", "csc") else X.tocsr()
    if isinstance(X, list | tuple | np.ndarray) or hasattr(X, "iloc"):
        return X
    if isinstance(X, str | bytes):
        raise ValueError(
            "Iterable over raw text documents expected, string object received."
        )
    if hasattr(X, "__array__"):
        return np.asarray(X)
    if hasattr(X, "__getitem__") and hasattr(X, "__len__"):
        return X
    if hasattr(X, "__iter__"):
        return list(X)
    raise TypeError(
        f"Expected a sequence of rows or an array-like, got {type(X).__name__}."
    )


def split_domains(X, y=None, sample_domain=None):
    """Split ``X, y, sample_domain`` into one ``(X, y)`` pair per domain.

    The inverse of :func:`pack_domains`; domains are read with the same rules
    as every estimator (:func:`check_domains`).

    Parameters
    ----------
    X : list, ndarray, sparse matrix or pandas object of n_samples rows
        Rows of all domains.
    y : array-like of shape (n_samples,), default=None
        Labels; ``-1`` or NaN mark unlabelled rows.
    sample_domain : array-like of int of shape (n_samples,), default=None
        Domain of each row. When None, labelled rows are domain ``0`` and
        unlabelled rows domain ``-1``.

    Returns
    -------
    sources : dict of int to tuple (X, y)
        Source domains (non-negative keys, in increasing order).
    targets : dict of int to tuple (X, y)
        Target domains (negative keys, ``-1`` first). ``y`` keeps the
        unlabelled markers, and is None when ``y`` was None.

    See Also
    --------
    pack_domains : The inverse operation.

    Examples
    --------
    >>> from sktransfer.utils import pack_domains, split_domains
    >>> X, y, sd = pack_domains(source=([[0.0], [1.0]], [0, 1]), target=[[5.0]])
    >>> sources, targets = split_domains(X, y, sd)
    >>> sources[0]
    ([[0.0], [1.0]], array([0, 1]))
    >>> targets[-1]
    ([[5.0]], array([-1]))
    """
    X = as_indexable(X)
    masks = check_domains(y, sample_domain, n_samples=_num_samples(X))
    sources, targets = {}, {}
    domains = np.unique(masks.sample_domain)
    for d in sorted(domains[domains >= 0]) + sorted(domains[domains < 0], reverse=True):
        idx = np.flatnonzero(masks.sample_domain == d)
        X_d = _safe_indexing(X, idx)
        y_d = None if masks.y is None else masks.y[idx]
        (sources if d >= 0 else targets)[int(d)] = (X_d, y_d)
    return sources, targets
