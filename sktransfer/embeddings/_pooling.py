"""Vectorised pooling of word vectors into document vectors.

Every pooling is computed without a Python loop over documents: mean, tf-idf
and SIF are one sparse (documents x vocabulary) weight matrix times the
embedding matrix; max folds in one token position of many documents at a
time.
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


def max_pool(indptr, ids, vectors, *, max_chunk_bytes=16 * 2**20, long_document=512):
    """Element-wise maximum of the token vectors of each document.

    Documents are sorted by length and taken in groups whose running maxima
    fit in ``max_chunk_bytes``; within a group, position ``k`` of every
    document still that long is gathered and folded in at once, so each
    numpy call handles one token of hundreds of documents. Documents longer
    than ``long_document`` tokens are reduced one by one instead, in slices
    of at most ``max_chunk_bytes``.

    Parameters
    ----------
    indptr, ids : ndarray
        In-vocabulary token ids of each document (see ``token_ids``).
    vectors : ndarray of shape (n_words, n_dims)
        Embedding matrix.
    max_chunk_bytes : int, default=16 MiB
        Upper bound on the memory of the vectors handled at once (small
        enough to stay in cache is also the fastest).
    long_document : int, default=512
        Documents with more tokens are reduced one by one.

    Returns
    -------
    X : ndarray of shape (n_docs, n_dims)
        Empty documents are zero rows.
    """
    n_docs = len(indptr) - 1
    n_dims = vectors.shape[1]
    out = np.zeros((n_docs, n_dims), dtype=vectors.dtype)
    lengths = np.diff(indptr)
    max_rows = max(1, max_chunk_bytes // (max(n_dims, 1) * vectors.itemsize))

    for doc in np.flatnonzero(lengths > long_document):
        lo, hi = int(indptr[doc]), int(indptr[doc + 1])
        for start in range(lo, hi, max_rows):
            block = vectors[ids[start : min(start + max_rows, hi)]].max(axis=0)
            out[doc] = block if start == lo else np.maximum(out[doc], block)

    short = (lengths > 0) & (lengths <= long_document)
    # Longest first: the documents still active at position k are a prefix.
    order = np.flatnonzero(short)[np.argsort(-lengths[short], kind="stable")]
    group = max(1, max_rows // 2)  # the maxima and one gathered position
    for g in range(0, len(order), group):
        docs = order[g : g + group]
        starts = indptr[docs]
        n_long = lengths[docs]  # sorted in decreasing order
        acc = vectors[ids[starts]]
        # active[k] = how many documents of the group have more than k tokens.
        active = np.searchsorted(-n_long, -np.arange(int(n_long[0])), side="left")
        for k in range(1, int(n_long[0])):
            m = int(active[k])
            np.maximum(acc[:m], vectors[ids[starts[:m] + k]], out=acc[:m])
        out[docs] = acc
    return out
