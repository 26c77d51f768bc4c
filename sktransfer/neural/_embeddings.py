"""The word vectors the text nets start from: the initial embedding matrix.

Where each row of the matrix starts (:func:`initial_embeddings`, the one
place that decides it):

- a word with a pretrained vector (``embeddings``) takes that vector;
- a word shared with the source of ``init_from`` takes the source's row
  (over its pretrained vector, if any);
- every other word gets a random row at the scale of the known rows:
  standard normal values times the spread of the pretrained vectors or,
  without pretrained vectors, of the rows copied from ``init_from`` (N(0, 1)
  rows would swamp them); with neither, N(0, 1), the scale of
  ``torch.nn.Embedding``'s own initialisation;
- row 0, padding, is zero.

The other helpers read what the ``embeddings`` parameter stands for.
"""

import os

import numpy as np

from sktransfer.embeddings._io import load_vectors
from sktransfer.neural._module import PADDING_IDX
from sktransfer.neural._vocabulary import vocabulary_words

__all__ = [
    "DEFAULT_EMBEDDING_DIM",
    "embedding_dim",
    "initial_embeddings",
    "load_embeddings",
    "shares_embeddings",
]

#: Word-vector dimension when neither ``embedding_dim`` nor ``embeddings`` says.
DEFAULT_EMBEDDING_DIM = 100


def _is_keyed_vectors(obj):
    return hasattr(obj, "key_to_index") and hasattr(obj, "vectors")


def shares_embeddings(obj):
    """Whether ``clone`` should pass ``embeddings`` on by reference.

    Fitted vectorizers would be un-fitted by ``clone`` and KeyedVectors
    deep-copied; both are only read, so clones share them.
    """
    return _is_keyed_vectors(obj) or (
        not isinstance(obj, str | os.PathLike | type) and hasattr(obj, "wv_")
    )


def load_embeddings(embeddings, owner):
    """Return the KeyedVectors ``embeddings`` stands for (or None)."""
    if embeddings is None:
        return None
    if _is_keyed_vectors(embeddings) or isinstance(embeddings, str | os.PathLike):
        return load_vectors(embeddings)  # checks them: finite, not 0-d, ...
        return load_vectors(embeddings)
    wv = getattr(embeddings, "wv_", None)  # Word2VecVectorizer, FrozenEstimator
    if wv is None and not hasattr(embeddings, "get_params"):
        wv = getattr(embeddings, "wv", None)  # gensim Word2Vec / FastText
    if wv is not None and _is_keyed_vectors(wv):
        return wv
    if hasattr(embeddings, "fit") and hasattr(embeddings, "get_params"):
        raise ValueError(
            f"{owner}: embeddings is an unfitted {type(embeddings).__name__}. Pass "
            "a fitted Word2VecVectorizer. Inside a parameter grid, scikit-learn's "
            "clone() un-fits estimators given as grid values: pass "
            "sklearn.frozen.FrozenEstimator(vectorizer), vectorizer.wv_ or a "
            "vector file path instead."
        )
    raise TypeError(
        f"{owner}: embeddings must be None, a fitted Word2VecVectorizer, gensim "
        f"KeyedVectors or the path of a vector file, got {type(embeddings).__name__}."
    )


def embedding_dim(wv, requested, default, owner):
    """Return the dimension of the word vectors.

    That of the pretrained vectors ``wv`` (``requested`` must then be None or
    the same), else ``requested`` (the ``embedding_dim`` parameter), else
    ``default``.
    """
    if wv is not None and requested not in (None, wv.vector_size):
        raise ValueError(
            f"{owner}: embedding_dim={requested} but the embeddings have "
            f"{wv.vector_size} dimensions; set embedding_dim=None or "
            f"{wv.vector_size}."
        )
    if wv is not None:
        return wv.vector_size
    return requested if requested is not None else default


def initial_embeddings(vocabulary, dim, seed, *, pretrained=None, copied=None):
    """Return the initial embedding matrix and the share of pretrained words.

    Parameters
    ----------
    vocabulary : dict of str to int
        Word to row (row 0 is padding).
    dim : int
        Dimension of the word vectors.
    seed : int
        Seed of the random rows.
    pretrained : KeyedVectors, default=None
        Pretrained word vectors of dimension ``dim``.
    copied : tuple of (ndarray of int, torch.Tensor), default=None
        Rows of ``init_from``: the rows of the shared words in this
        vocabulary and their float32 vectors, of shape (n_shared, dim).

    Returns
    -------
    weights : ndarray of shape (len(vocabulary) + 1, dim), dtype float32
        The matrix.
    coverage : float
        Share of the vocabulary with a pretrained vector.
    """
    rng = np.random.default_rng(seed)
    n_rows = len(vocabulary) + 1
    coverage = 0.0
    if pretrained is None:
        weights = rng.standard_normal((n_rows, dim), dtype=np.float32)
    else:
        words = vocabulary_words(vocabulary)
        lookup = pretrained.key_to_index
        src = np.fromiter(
            (lookup.get(w, -1) for w in words), dtype=np.int64, count=len(words)
        )
        found = src >= 0
        vectors = np.asarray(pretrained.vectors[src[found]], dtype=np.float32)
        scale = float(vectors.std()) if found.any() else 0.1
        weights = rng.standard_normal((n_rows, dim), dtype=np.float32)
        weights *= np.float32(scale or 0.1)
        rows = np.asarray([vocabulary[w] for w in words])
        weights[rows[found]] = vectors
        coverage = float(found.mean())
    if copied is not None:
        rows, vectors = copied
        if pretrained is None:
            # The sample standard deviation, computed by torch in float32.
            scale = float(vectors.std()) if vectors.numel() > 1 else 1.0
            fresh = np.ones(n_rows, dtype=bool)
            fresh[rows] = False
            fresh[PADDING_IDX] = False
            weights[fresh] *= np.float32(scale)
        weights[rows] = vectors.numpy()
    weights[PADDING_IDX] = 0.0
    return weights, coverage
