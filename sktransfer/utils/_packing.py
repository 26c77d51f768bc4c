"""Build and take apart the ``X, y, sample_domain`` triple of several domains."""

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from sktransfer.utils._domains import UNLABELLED, _infer_task, check_domains
from sktransfer.utils._validation import as_indexable

__all__ = ["pack_domains", "split_domains"]


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


def _domain_labels(y, n, what):
    """Return the labels of one domain of ``n`` rows as a 1-D array."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{what}: y must have shape ({n},) to match X, got {y.shape}.")
    return y


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
        y = _domain_labels(y, n, f"source domain {i}")
        X_parts.append(X)
        y_parts.append(y)
        d_parts.append(np.full(n, i, dtype=np.int64))

    labelled_y = list(y_parts)
    target_items = []
    for j, item in enumerate(all_targets):
        X, y = _split_pair(item, "targets", j, labelled_required=False)
        n = _num_samples(X)
        if y is not None:
            y = _domain_labels(y, n, f"target domain {j}")
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
