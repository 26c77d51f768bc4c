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


def count_matrix(indptr, ids, n_words):
    """Sparse (documents x vocabulary) token counts from CSR token ids."""
    n_docs = len(indptr) - 1
    data = np.ones(len(ids), dtype=np.float32)
    counts = sparse.csr_matrix((data, ids, indptr), shape=(n_docs, n_words))
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
    W = count_matrix(indptr, ids, n_words)
    n_tokens = np.asarray(W.sum(axis=1)).ravel()
    if pooling == "tfidf":
        W = W.multiply(idf.astype(np.float32)[np.newaxis, :]).tocsr()
        norm = np.asarray(W.sum(axis=1)).ravel()
    elif pooling == "sif":
        W = W.multiply(sif_weights.astype(np.float32)[np.newaxis, :]).tocsr()
        norm = n_tokens
    elif pooling == "mean":
        norm = n_tokens
    else:  # pragma: no cover - guarded by parameter validation
        raise ValueError(f"no weight matrix for pooling={pooling!r}")
    scale = np.divide(
        1.0, norm, out=np.zeros_like(norm, dtype=np.float64), where=norm > 0
    )
    return sparse.diags(scale.astype(np.float32)) @ W


def max_pool(indptr, ids, vectors, *, max_chunk_tokens=1_000_000):
    """Element-wise maximum of the token vectors of each document.

    Parameters
    ----------
    indptr, ids : ndarray
        In-vocabulary token ids of each document (see ``token_ids``).
    vectors : ndarray of shape (n_words, n_dims)
        Embedding matrix.
    max_chunk_tokens : int, default=1_000_000
        Upper bound on the tokens gathered at once, which bounds the extra
        memory to ``max_chunk_tokens * n_dims`` floats.

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
    # Chunks of consecutive non-empty documents, each under max_chunk_tokens.
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
