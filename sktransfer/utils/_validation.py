"""Validation helpers shared by every family: rows of any container."""

import sys

import numpy as np
from scipy import sparse

__all__ = ["as_indexable", "num_rows"]

_STRING_GIVEN = "Iterable over raw text documents expected, string object received."


def num_rows(X):
    """Return the number of rows of ``X`` (None when ``X`` is None).

    Parameters
    ----------
    X : array-like, sparse matrix, sequence of documents or None
        Rows.

    Returns
    -------
    n_rows : int or None
        ``X.shape[0]`` for arrays, ``len(X)`` for sequences.

    Raises
    ------
    ValueError
        If ``X`` is a single string rather than a sequence of documents.
    TypeError
        If ``X`` has no length.
    """
    if X is None:
        return None
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if isinstance(X, str | bytes):
        raise ValueError(_STRING_GIVEN)
    try:
        return len(X)
    except TypeError as exc:
        raise TypeError(
            f"X must be a sequence of rows or an array-like, got {type(X).__name__}."
        ) from exc


def _is_dataframe(X):
    """Whether ``X`` is a dataframe that scikit-learn reads and indexes.

    pandas, and the dataframes scikit-learn supports through narwhals
    (polars, pyarrow, ...): scikit-learn's ``validate_data`` reads their
    column names (``feature_names_in_``) and ``_safe_indexing`` takes their
    rows, so they are kept as they are rather than turned into arrays.
    """
    if hasattr(X, "iloc"):
        return True
    try:
        from narwhals.dependencies import is_into_dataframe
    except ImportError:  # scikit-learn < 1.8 reads pandas and polars itself
        polars = sys.modules.get("polars")
        return polars is not None and isinstance(X, polars.DataFrame)
    return bool(is_into_dataframe(X))


def as_indexable(X):
    """Return ``X`` in a container whose rows can be indexed.

    Dataframes (pandas, polars, and the others scikit-learn supports) are
    returned as they are, so the estimator that validates them keeps their
    column names in ``feature_names_in_``, as scikit-learn's own estimators
    do.

    Parameters
    ----------
    X : array-like, sparse matrix, dataframe, list of documents or iterable
        Rows.

    Returns
    -------
    X : list, tuple, ndarray, dataframe, pandas object or CSR/CSC matrix
        The same rows.
    """
    if sparse.issparse(X):
        return X if X.format in ("csr", "csc") else X.tocsr()
    if isinstance(X, list | tuple | np.ndarray) or _is_dataframe(X):
        return X
    if isinstance(X, str | bytes):
        raise ValueError(_STRING_GIVEN)
    if hasattr(X, "__array__"):
        return np.asarray(X)
    if hasattr(X, "__getitem__") and hasattr(X, "__len__"):
        return X
    if hasattr(X, "__iter__"):
        return list(X)
    raise TypeError(
        f"Expected a sequence of rows or an array-like, got {type(X).__name__}."
    )
