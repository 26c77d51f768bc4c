"""Reading and writing word vectors: word2vec C text/binary, GloVe, gensim."""

import os
import pickle
from pathlib import Path

import numpy as np

from sktransfer.utils._atomic import atomic_path

__all__ = ["VECTOR_FORMATS", "load_vectors", "save_vectors"]

#: Formats understood by :func:`load_vectors` and :func:`save_vectors`.
VECTOR_FORMATS = ("auto", "word2vec_text", "word2vec_binary", "glove", "gensim")


def _keyed_vectors_type():
    from gensim.models import KeyedVectors

    return KeyedVectors


def _open_head(path, n=4096):
    from gensim import utils

    with utils.open(str(path), "rb") as fh:
        return fh.read(n)


def _sniff_format(path):
    """Guess the format of a vector file from its first bytes."""
    head = _open_head(path)
    if not head:
        raise ValueError(f"pretrained file {str(path)!r} is empty.")
    if head[:1] == b"\x80":  # a pickle: gensim's native format
        return "gensim"
    first_line, _, rest = head.partition(b"\n")
    fields = first_line.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        # word2vec header "n_words n_dims": binary rows hold raw float32s.
        try:
            rest.decode("utf-8")
        except UnicodeDecodeError:
            return "word2vec_binary"
        n_dims = int(fields[1])
        line = rest.split(b"\n", 1)[0].split()
        if len(line) == n_dims + 1:
            return "word2vec_text"
        return "word2vec_binary"
    if len(fields) >= 2:
        try:
            [float(f) for f in fields[1:]]
        except ValueError:
            pass
        else:
            return "glove"
    raise ValueError(
        f"could not recognise the format of pretrained file {str(path)!r}: its first "
        f"line {first_line[:80]!r} is neither a word2vec header ('n_words n_dims') "
        "nor a GloVe row ('word v1 v2 ...'), and it is not a gensim file."
    )


def load_vectors(pretrained, *, format="auto"):
    """Load pretrained word vectors as gensim ``KeyedVectors``.

    Reads the formats word vectors are usually shipped in, and checks them, so
    that a missing or malformed file gives a clear error rather than a crash
    inside gensim.

    Parameters
    ----------
    pretrained : str, path-like or gensim KeyedVectors
        A file of vectors, or vectors already in memory (returned as they
        are).
    format : {'auto', 'word2vec_text', 'word2vec_binary', 'glove', 'gensim'}, \
            default='auto'
        ``'word2vec_text'`` and ``'word2vec_binary'``: the word2vec C formats
        (a header line ``n_words n_dims``); ``'glove'``: GloVe text, one
        ``word v1 ... vd`` row per line and no header; ``'gensim'``: a file
        written by ``KeyedVectors.save`` or ``Word2Vec.save``. ``'auto'``
        detects the format from the first bytes. Files ending in ``.gz`` or
        ``.bz2`` are decompressed on the fly.

    Returns
    -------
    wv : gensim.models.KeyedVectors
        The vectors, float32.

    Raises
    ------
    ValueError
        If the file does not exist, is empty, or cannot be parsed in the
        given format (inconsistent dimensions, truncated rows, ...).
    TypeError
        If ``pretrained`` is neither a path nor KeyedVectors.

    Examples
    --------
    >>> from gensim.test.utils import datapath
    >>> from sktransfer.embeddings import load_vectors
    >>> wv = load_vectors(datapath("toy-model.vec"))
    >>> len(wv), wv.vector_size
    (22, 5)
    """
    KeyedVectors = _keyed_vectors_type()
    if isinstance(pretrained, KeyedVectors):
        return pretrained
    if not isinstance(pretrained, str | os.PathLike):
        raise TypeError(
            "pretrained must be a path to a vector file or gensim KeyedVectors, "
            f"got {type(pretrained).__name__}."
        )
    if format not in VECTOR_FORMATS:
        raise ValueError(f"format must be one of {VECTOR_FORMATS}, got {format!r}.")
    path = Path(pretrained)
    if not path.is_file():
        raise ValueError(f"pretrained file {str(path)!r} does not exist.")
    if format == "auto":
        format = _sniff_format(path)
    try:
        if format == "gensim":
            from gensim.utils import SaveLoad

            obj = SaveLoad.load(str(path))
            wv = getattr(obj, "wv", obj)
            if not isinstance(wv, KeyedVectors):
                raise ValueError(
                    f"the gensim file holds a {type(obj).__name__}, not word vectors"
                )
        else:
            wv = KeyedVectors.load_word2vec_format(
                str(path),
                binary=format == "word2vec_binary",
                no_header=format == "glove",
            )
    except ValueError as exc:
        raise ValueError(
            f"could not read pretrained file {str(path)!r} as {format}: {exc}"
        ) from exc
    except (EOFError, UnicodeDecodeError, IndexError, pickle.UnpicklingError) as exc:
        raise ValueError(
            f"could not read pretrained file {str(path)!r} as {format} (truncated or "
            f"malformed): {exc!r}"
        ) from exc
    if len(wv) == 0:
        raise ValueError(f"pretrained file {str(path)!r} holds no vectors.")
    if not np.all(np.isfinite(wv.vectors)):
        raise ValueError(f"pretrained file {str(path)!r} holds NaN or infinite values.")
    return wv


def save_vectors(wv, path, *, format="word2vec_binary"):
    """Write word vectors atomically: a failed save leaves ``path`` untouched.

    Parameters
    ----------
    wv : gensim.models.KeyedVectors
        Vectors to write.
    path : str or path-like
        Destination file.
    format : {'word2vec_binary', 'word2vec_text', 'glove', 'gensim'}, \
            default='word2vec_binary'
        Output format (see :func:`load_vectors`). The word2vec formats keep
        vectors and words only; ``'gensim'`` keeps everything gensim stores.

    Returns
    -------
    path : pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, os
    >>> from gensim.test.utils import datapath
    >>> from sktransfer.embeddings import load_vectors, save_vectors
    >>> wv = load_vectors(datapath("toy-model.vec"))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save_vectors(wv, os.path.join(tmp, "vectors.txt"),
    ...                        format="word2vec_text")
    ...     len(load_vectors(out)) == len(wv)
    True
    """
    if format not in VECTOR_FORMATS or format == "auto":
        raise ValueError(f"format must be one of {VECTOR_FORMATS[1:]}, got {format!r}.")
    path = Path(path)
    with atomic_path(path) as tmp:
        if format == "gensim":
            # Keep everything in one pickle (no .npy side files to go stale).
            wv.save(tmp, sep_limit=np.inf)
        else:
            wv.save_word2vec_format(
                tmp,
                binary=format == "word2vec_binary",
                write_header=format != "glove",
            )
    return path
