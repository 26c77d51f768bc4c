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


#: First bytes of the compressed files :func:`load_vectors` decompresses.
_MAGIC = {".gz": b"\x1f\x8b", ".bz2": b"BZh"}
#: The most a compressed vector file is trusted to expand (gzip's own limit
#: is about 1:1032), used to check a word2vec header before allocating.
_MAX_RATIO = 1100


def _open_head(path, n=4096):
    from gensim import utils

    with utils.open(str(path), "rb") as fh:
        return fh.read(n)


def _check_compression(path):
    suffix = path.suffix.lower()
    if suffix in _MAGIC:
        with open(path, "rb") as fh:
            magic = fh.read(len(_MAGIC[suffix]))
        if magic != _MAGIC[suffix]:
            raise ValueError(
                f"pretrained file {str(path)!r} is named {suffix} but is not "
                f"{suffix[1:]}-compressed; rename it without {suffix!r}."
            )


def _sniff_format(path):
    """Guess the format of a vector file from its first bytes.

    Never answers ``'gensim'``: a pickle runs code when read, so the gensim
    format must be asked for explicitly.
    """
    try:
        head = _open_head(path)
    except (EOFError, OSError) as exc:
        raise ValueError(
            f"could not read pretrained file {str(path)!r} (truncated or "
            f"malformed compressed file): {exc!r}"
        ) from exc
    if not head:
        raise ValueError(f"pretrained file {str(path)!r} is empty.")
    if head[:1] == b"\x80":
        raise ValueError(
            f"pretrained file {str(path)!r} looks like a pickle (gensim's native "
            "format). format='auto' never unpickles, because reading a pickle "
            "runs code: if you trust this file, pass format='gensim' "
            "(pretrained_format='gensim'); otherwise ask for the vectors in "
            "word2vec or GloVe format."
        )
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
        "nor a GloVe row ('word v1 v2 ...'). format='auto' reads word2vec and "
        "GloVe files only (gensim's pickle format needs format='gensim')."
    )


def _read_header(path, fmt):
    """Read and check a word2vec header against the size of the file."""
    from gensim import utils

    with utils.open(str(path), "rb") as fh:
        line = fh.readline(256)
    fields = line.split()
    try:
        if len(fields) != 2:
            raise ValueError
        n_words, n_dims = int(fields[0]), int(fields[1])
    except ValueError:
        raise ValueError(
            f"line 1 {line[:80]!r} is not a word2vec header 'n_words n_dims'."
        ) from None
    if n_words <= 0 or n_dims <= 0:
        raise ValueError(
            f"the header on line 1 gives "
            f"{n_words} words of {n_dims} dimensions; both must be positive."
        )
    size = path.stat().st_size
    if path.suffix.lower() in _MAGIC:
        size *= _MAX_RATIO
    # Each row holds at least a 1-byte word, a separator and the values:
    # 4 bytes each in binary, 2 ('0 ') in text.
    row = 2 + n_dims * (4 if fmt == "word2vec_binary" else 2)
    if n_words * row > size:
        raise ValueError(
            f"the header on line 1 announces "
            f"{n_words} words of {n_dims} dimensions, more than a file of "
            f"{path.stat().st_size} bytes can hold (truncated or malformed "
            "file, or a wrong header)."
        )
    return n_words, n_dims


def _read_text(path, fmt, kv_type):
    """Parse a word2vec text or GloVe file, checking every row."""
    from gensim import utils

    words, rows = [], []
    seen = {}
    n_words = n_dims = None
    first = 1
    with utils.open(str(path), "rb") as fh:
        if fmt == "word2vec_text":
            n_words, n_dims = _read_header(path, fmt)
            fh.readline()
            first = 2
        for lineno, raw in enumerate(fh, start=first):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"line {lineno}: not UTF-8 text.") from None
            parts = line.rstrip().split(" ")
            if parts == [""]:
                continue  # blank line
            word, values = parts[0], [v for v in parts[1:] if v]
            if n_dims is None:
                n_dims = len(values)
                if n_dims == 0:
                    raise ValueError(
                        f"line {lineno}: the word "
                        f"{word[:40]!r} has no values (0-dimensional vectors)."
                    )
            if len(values) != n_dims:
                raise ValueError(
                    f"line {lineno}: the word "
                    f"{word[:40]!r} has {len(values)} values, expected {n_dims} "
                    "(truncated or malformed row)."
                )
            try:
                rows.append(np.array(values, dtype=np.float32))
            except ValueError:
                raise ValueError(
                    f"line {lineno}: the values of {word[:40]!r} are not all numbers."
                ) from None
            if word in seen:
                raise ValueError(
                    f"line {lineno}: the word "
                    f"{word[:40]!r} is duplicated (first on line {seen[word]})."
                )
            seen[word] = lineno
            words.append(word)
    if n_words is not None and len(words) != n_words:
        raise ValueError(
            f"the header announces {n_words} "
            f"words but the file holds {len(words)} (truncated or malformed "
            "file, or a wrong header)."
        )
    if not words:
        raise ValueError("the file holds no vectors.")
    wv = kv_type(n_dims, dtype=np.float32)
    wv.add_vectors(words, np.vstack(rows))
    return wv


def _check_vectors(wv, where):
    """Reject empty, 0-dimensional, non-finite or duplicated vectors."""
    if len(wv) == 0:
        raise ValueError(f"{where} holds no vectors.")
    if wv.vectors.ndim != 2 or wv.vectors.shape[1] == 0:
        raise ValueError(
            f"{where} holds 0-dimensional vectors (shape {wv.vectors.shape})."
        )
    keys = wv.index_to_key
    if (
        len(keys) != wv.vectors.shape[0]
        or len(set(keys)) != len(keys)
        or (None in set(keys))
    ):
        raise ValueError(
            f"{where} holds {wv.vectors.shape[0]} vectors for {len(set(keys))} "
            "distinct words: duplicated or missing words."
        )
    finite = np.isfinite(wv.vectors).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f"{where} holds NaN or infinite values (first in the vector of "
            f"{str(keys[bad])[:40]!r}, row {bad})."
        )
    return wv


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
        detects the word2vec and GloVe formats from the first bytes, and
        never reads a gensim file. Files ending in ``.gz`` or ``.bz2`` are
        decompressed on the fly.

        .. warning::
            ``format='gensim'`` unpickles the file: only load files you
            trust, as reading a pickle can run any code. The word2vec and
            GloVe formats are safe for untrusted files.

    Returns
    -------
    wv : gensim.models.KeyedVectors
        The vectors, float32.

    Raises
    ------
    ValueError
        If the file does not exist, is empty, or cannot be parsed in the
        given format (a row with the wrong number of values, a truncated
        file, a header that does not match the file, duplicated words,
        NaN or infinite values, 0-dimensional vectors, ...), naming the file
        and the line; also if ``format='auto'`` meets a pickle, and if
        vectors given in memory are empty, 0-dimensional or not finite.
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
        return _check_vectors(pretrained, "the pretrained KeyedVectors")
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
    _check_compression(path)
    if format == "auto":
        format = _sniff_format(path)
    try:
        if format == "gensim":
            wv = _load_gensim(path, KeyedVectors)
        elif format == "word2vec_binary":
            _read_header(path, format)
            wv = KeyedVectors.load_word2vec_format(str(path), binary=True)
        else:
            wv = _read_text(path, format, KeyedVectors)
    except (EOFError, OSError, UnicodeDecodeError, IndexError) as exc:
        raise ValueError(
            f"could not read pretrained file {str(path)!r} as {format} (truncated or "
            f"malformed): {exc!r}"
        ) from exc
    except ValueError as exc:
        raise ValueError(
            f"could not read pretrained file {str(path)!r} as {format}: {exc}"
        ) from exc
    return _check_vectors(wv, f"pretrained file {str(path)!r}")


def _load_gensim(path, kv_type):
    """Unpickle a gensim file (trusted files only) and check what it holds."""
    from gensim.utils import SaveLoad

    try:
        obj = SaveLoad.load(str(path))
    except (pickle.UnpicklingError, AttributeError, TypeError, KeyError) as exc:
        raise ValueError(
            f"not a gensim file of KeyedVectors "
            f"(written by KeyedVectors.save or Word2Vec.save): {exc!r}"
        ) from exc
    wv = getattr(obj, "wv", obj)
    if not isinstance(wv, kv_type):
        raise ValueError(
            f"the file holds a {type(obj).__name__}, not "
            "gensim KeyedVectors (written by KeyedVectors.save or Word2Vec.save)."
        )
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
