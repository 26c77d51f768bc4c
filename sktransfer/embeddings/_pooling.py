"""Vectorised pooling of word vectors into document vectors.

Every pooling is computed without a Python loop over documents: mean, tf-idf
and SIF are one sparse (documents x vocabulary) weight matrix times the
embedding matrix; max is a segment reduction over chunks of documents.
Documents without any in-vocabulary token get a zero vector.
"""

import numpy as np
from scipy import sparse

__all__ = ["POOLINGS", "max_pool", "weight_matrix"]

POOLINGS = ("mean", "tfidf", "sif", "max")


def count_matrix(indptr, ids, n_words, *, sum_duplicates=True):
    """Sparse (documents x vocabulary) token counts from CSR token ids.

    With ``sum_duplicates=False`` a repeated token stays a repeated entry of
    weight one: the same matrix for products, built without sorting.
    """
    n_docs = len(indptr) - 1
    data = np.ones(len(ids), dtype=np.float32)
    counts = sparse.csr_matrix((data, ids, indptr), shape=(n_docs, n_words))
    if sum_duplicates:
        counts.sum_duplicates()
    return counts


def weight_matrix(indptr, ids, n_words, pooling, *, idf=None, sif_weights=None):
    """Row weights such that ``W @ E`` is the pooled document matrix.

    Parameters
    ----------
    indptr, ids : ndarray
        In-vocabulary token ids of each document (see ``token_ids``).
    n_words : int
        Vocabulary size (rows of the embedding matrix).
    pooling : {'mean', 'tfidf', 'sif'}
        ``'mean'``: mean of the token vectors (repeated tokens count again).
        ``'tfidf'``: tf-idf weighted mean (weights sum to one per document).
        ``'sif'``: mean of ``a / (a + p(w))``-weighted token vectors.
    idf : ndarray of shape (n_words,), default=None
        Inverse document frequencies, for ``'tfidf'``.
    sif_weights : ndarray of shape (n_words,), default=None
        ``a / (a + p(w))`` per word, for ``'sif'``.

    Returns
    -------
    W : sparse matrix of shape (n_docs, n_words), CSR, float32
        Empty documents have an empty row.
    """
    W = count_matrix(indptr, ids, n_words, sum_duplicates=False)
    n_tokens = np.diff(indptr).astype(np.float64)
    if pooling == "tfidf":
        W.data *= idf.astype(np.float32)[W.indices]
        norm = np.asarray(W.sum(axis=1), dtype=np.float64).ravel()
    elif pooling == "sif":
        W.data *= sif_weights.astype(np.float32)[W.indices]
        norm = n_tokens
    elif pooling == "mean":
        norm = n_tokens
    else:  # pragma: no cover - guarded by parameter validation
        raise ValueError(f"no weight matrix for pooling={pooling!r}")
    scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    W.data *= np.repeat(scale.astype(np.float32), np.diff(W.indptr))
    return W


def max_pool(indptr, ids, vectors, *, max_chunk_bytes=16 * 2**20):
    """Element-wise maximum of the token vectors of each document.

    Parameters
    ----------
    indptr, ids : ndarray
        In-vocabulary token ids of each document (see ``token_ids``).
    vectors : ndarray of shape (n_words, n_dims)
        Embedding matrix.
    max_chunk_bytes : int, default=16 MiB
        Upper bound on the memory of the token vectors gathered at once (a
        chunk small enough to stay in cache is also the fastest).

    Returns
    -------
    X : ndarray of shape (n_docs, n_dims)
        Empty documents are zero rows.
    """
    n_docs = len(indptr) - 1
    out = np.zeros((n_docs, vectors.shape[1]), dtype=vectors.dtype)
    lengths = np.diff(indptr)
    nonempty = np.flatnonzero(lengths > 0)
    if nonempty.size == 0:
        return out
    # Chunks of consecutive non-empty documents, each under max_chunk_bytes.
    max_chunk_tokens = max(1, max_chunk_bytes // (vectors.shape[1] * vectors.itemsize))
    start = 0
    while start < nonempty.size:
        first = nonempty[start]
        limit = indptr[first] + max(max_chunk_tokens, lengths[first])
        stop = start + int(
            np.searchsorted(indptr[nonempty[start:] + 1], limit, side="right")
        )
        stop = max(stop, start + 1)
        docs = nonempty[start:stop]
        lo, hi = indptr[docs[0]], indptr[docs[-1] + 1]
        gathered = vectors[ids[lo:hi]]
        out[docs] = np.maximum.reduceat(gathered, indptr[docs] - lo, axis=0)
        start = stop
    return out
