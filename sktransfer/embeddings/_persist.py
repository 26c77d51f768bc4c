"""The pickle-free directory format of :class:`Word2VecVectorizer`.

``save_pretrained`` / ``from_pretrained`` write and read a directory of
``config.json``, ``vocabulary.json`` and ``arrays.safetensors`` (the vectors
and the pooling statistics) with the shared machinery of
:mod:`sktransfer.utils._persist`; this module maps a vectorizer to that
directory and back.
"""

import os

from gensim.models import KeyedVectors

from sktransfer.embeddings._tokenize import VocabularyIndex
from sktransfer.utils._persist import (
    DIRECTORY_FORMAT,
    check_array,
    check_json_params,
    estimator_from_config,
    positive_int,
    read_directory,
    write_directory,
)

__all__ = ["load_vectorizer", "save_vectorizer"]


def save_vectorizer(vec, directory):
    """Write the fitted vectorizer ``vec`` to ``directory``."""
    params = vec.get_params()
    if isinstance(params["pretrained"], os.PathLike):
        params["pretrained"] = os.fspath(params["pretrained"])
    params = check_json_params(
        vec,
        params,
        {
            "tokenizer": "Use token_pattern (a regular expression) instead "
            "of a tokenizer function, or save with save() (pickle; trusted "
            "files only).",
            "pretrained": "The fitted vectors are saved anyway: "
            "set_params(pretrained=None) first (transform does not change).",
        },
    )
    arrays = {"vectors": vec.wv_.vectors, "training_loss": vec.training_loss_}
    for attr in ("idf_", "sif_weights_", "sif_component_"):
        if attr in vars(vec):
            arrays[attr] = getattr(vec, attr)
    config = {
        "format": DIRECTORY_FORMAT,
        "estimator": type(vec).__name__,
        "params": params,
        "vector_size": int(vec.wv_.vector_size),
        "oov_rate_": float(vec.oov_rate_),
    }
    return write_directory(directory, config, vec.wv_.index_to_key, arrays)


def load_vectorizer(cls, directory):
    """Read a vectorizer of class ``cls`` from ``directory``."""
    config, words, arrays = read_directory(directory, cls)
    vec = estimator_from_config(cls, config, directory)
    dim = positive_int(config, "vector_size", directory)
    oov = config.get("oov_rate_")
    if not isinstance(oov, float | int) or not 0 <= oov <= 1:
        raise ValueError(
            f"{str(directory)!r}: config.json 'oov_rate_' must be a number "
            f"in [0, 1], got {oov!r}."
        )
    if not words:
        raise ValueError(f"{str(directory)!r}: vocabulary.json is empty.")
    n = len(words)
    vectors = check_array(arrays, "vectors", (n, dim), directory)
    wv = KeyedVectors(dim, dtype=vectors.dtype)
    wv.add_vectors(words, vectors)
    losses = arrays.get("training_loss")
    if losses is None or losses.ndim != 1:
        raise ValueError(f"{str(directory)!r}: the array 'training_loss' is bad.")
    vec.wv_ = wv
    vec.vocabulary_ = dict(wv.key_to_index)
    vec._token_index = VocabularyIndex(vec.vocabulary_)
    vec.training_loss_ = losses
    vec._n_features_out = dim
    vec.oov_rate_ = float(oov)
    if vec.pooling == "tfidf":
        vec.idf_ = check_array(arrays, "idf_", (n,), directory)
    elif vec.pooling == "sif":
        vec.sif_weights_ = check_array(arrays, "sif_weights_", (n,), directory)
        vec.sif_component_ = check_array(arrays, "sif_component_", (dim,), directory)
    return vec
