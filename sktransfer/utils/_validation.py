"""Validation helpers shared by every family: rows of any container."""

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
