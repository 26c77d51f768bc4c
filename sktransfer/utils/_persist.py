"""The pickle-free directory format of fitted estimators (``save_pretrained``).

A saved estimator is a directory of

* ``config.json``: the format tag, the estimator's class name, its
  parameters (plain JSON values only) and small fitted attributes;
* ``vocabulary.json``: its words, in index order;
* ``arrays.safetensors``: its fitted arrays (vectors, weights).

Reading it runs no code: JSON and safetensors only hold data, and every
value is checked (types, shapes, finiteness) before it reaches the
estimator. The directory is written next to its destination under a
temporary name and renamed over it at the end, so a failed save leaves an
existing directory as it was.
"""

import json
import math
import os
from pathlib import Path

import numpy as np

from sktransfer.utils._atomic import _umask, atomic_directory

__all__ = [
    "DIRECTORY_FORMAT",
    "check_array",
    "check_json_params",
    "import_safetensors",
    "pack_words",
    "read_directory",
    "unpack_words",
    "write_directory",
]

#: Tag written in every ``config.json``.
DIRECTORY_FORMAT = "sktransfer.pretrained/1"
_CONFIG, _VOCABULARY, _ARRAYS = "config.json", "vocabulary.json", "arrays.safetensors"


def import_safetensors(module, users):
    """Import ``module`` of the safetensors package, or say how to install it.

    Parameters
    ----------
    module : str
        ``'safetensors.numpy'`` or ``'safetensors.torch'``.
    users : str
        The functions that need it (named in the error).

    Returns
    -------
    module : module
        The imported module.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f"{users} need the safetensors package: pip install safetensors"
        ) from exc


def _safetensors_numpy():
    return import_safetensors(
        "safetensors.numpy", "save_pretrained and from_pretrained"
    )


def _is_plain_json(value):
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_is_plain_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_json(v) for k, v in value.items())
    return False


def check_json_params(estimator, params, advice=None):
    """Return ``params`` if every value is plain JSON, else raise.

    Parameters
    ----------
    estimator : object
        The estimator being saved (named in the error).
    params : dict
        Its parameters.
    advice : dict of str to str, default=None
        What to do about a given parameter that is not JSON.

    Returns
    -------
    params : dict
        The parameters, tuples turned into lists.
    """
    advice = advice or {}
    name = type(estimator).__name__
    for key, value in params.items():
        if not _is_plain_json(value):
            raise ValueError(
                f"{name}.save_pretrained: the parameter {key}={value!r} is not a "
                "plain JSON value (str, number, bool, None or lists of them), so "
                "the pickle-free format cannot hold it. "
                + advice.get(
                    key,
                    "Set it to a plain value before saving, or save with pickle "
                    "(trusted files only).",
                )
            )
    return json.loads(json.dumps(params))


def write_directory(path, config, words, arrays):
    """Write a saved estimator's directory atomically.

    Parameters
    ----------
    path : str or path-like
        Destination directory (replaced if it exists).
    config : dict
        Plain JSON: ``format`` and ``estimator`` are added by the caller.
    words : list of str
        The vocabulary, in index order.
    arrays : dict of str to ndarray
        The fitted arrays.

    Returns
    -------
    path : pathlib.Path
        The written directory.
    """
    stn = _safetensors_numpy()
    path = Path(path)
    with atomic_directory(path) as tmp:
        _write_json(tmp / _CONFIG, config)
        _write_json(tmp / _VOCABULARY, list(words))
        arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        stn.save_file(arrays, str(tmp / _ARRAYS))
        os.chmod(tmp / _ARRAYS, 0o666 & ~_umask())
    return path


def _write_json(file, value):
    with open(file, "w", encoding="utf-8") as fh:
        json.dump(value, fh, ensure_ascii=False, allow_nan=False)


def _read_json(file, what):
    try:
        with open(file, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ValueError(f"{str(file)!r} is missing: {what}.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{str(file)!r} is not valid JSON ({what}): {exc}") from exc


def read_directory(path, cls):
    """Read and check a directory written by :func:`write_directory`.

    Parameters
    ----------
    path : str or path-like
        The directory.
    cls : type
        The estimator class expected in its ``config.json``.

    Returns
    -------
    config : dict
        The configuration.
    words : list of str
        The vocabulary.
    arrays : dict of str to ndarray
        The arrays, all finite.
    """
    stn = _safetensors_numpy()
    path = Path(path)
    expected = f"a directory written by {cls.__name__}.save_pretrained"
    if not path.is_dir():
        raise ValueError(f"{str(path)!r} is not {expected}: no such directory.")
    config = _read_json(path / _CONFIG, expected)
    if not isinstance(config, dict) or config.get("format") != DIRECTORY_FORMAT:
        raise ValueError(
            f"{str(path / _CONFIG)!r} is not the configuration of {expected} "
            f"(its 'format' should be {DIRECTORY_FORMAT!r})."
        )
    if config.get("estimator") != cls.__name__:
        raise ValueError(
            f"{str(path)!r} holds a saved {config.get('estimator')!r}, not a "
            f"{cls.__name__}; load it with that class's from_pretrained."
        )
    if not isinstance(config.get("params"), dict):
        raise ValueError(f"{str(path / _CONFIG)!r}: 'params' must be a JSON object.")
    words = _read_json(path / _VOCABULARY, expected)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(
            f"{str(path / _VOCABULARY)!r} must be a JSON list of strings (the words)."
        )
    if len(set(words)) != len(words):
        raise ValueError(f"{str(path / _VOCABULARY)!r} holds duplicated words.")
    file = path / _ARRAYS
    if not file.is_file():
        raise ValueError(f"{str(file)!r} is missing: {expected}.")
    try:
        arrays = stn.load_file(str(file))
    except Exception as exc:  # SafetensorError: truncated or another format
        raise ValueError(
            f"{str(file)!r} is not a safetensors file (truncated or another "
            f"format): {exc}"
        ) from exc
    for key, value in arrays.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ValueError(f"{str(file)!r}: the array {key!r} holds NaN or inf.")
    return config, words, arrays


def check_array(arrays, key, shape, path, dtype_kind="f"):
    """Return ``arrays[key]``, checking that it exists and has ``shape``.

    Parameters
    ----------
    arrays : dict of str to ndarray
        The arrays read by :func:`read_directory`.
    key : str
        The array wanted.
    shape : tuple of int
        Its expected shape.
    path : str or path-like
        The directory (named in the error).
    dtype_kind : str, default='f'
        The expected ``dtype.kind``.

    Returns
    -------
    array : ndarray
        The array.
    """
    value = arrays.get(key)
    if value is None:
        raise ValueError(f"{str(path)!r}: the array {key!r} is missing.")
    if value.shape != tuple(shape) or value.dtype.kind != dtype_kind:
        raise ValueError(
            f"{str(path)!r}: the array {key!r} has shape {value.shape} and dtype "
            f"{value.dtype}, expected shape {tuple(shape)} (dtype kind "
            f"{dtype_kind!r}) from config.json and vocabulary.json."
        )
    return value


def estimator_from_config(cls, config, path):
    """Build ``cls(**config['params'])`` and validate its parameters."""
    try:
        est = cls(**config["params"])
        est._validate_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r}: config.json holds invalid parameters: {exc}"
        ) from exc
    return est


def positive_int(config, key, path):
    """Return ``config[key]``, which must be a positive integer."""
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"{str(path)!r}: config.json {key!r} must be a positive integer, "
            f"got {value!r}."
        )
    return value


def pack_words(words):
    """Return ``words`` as one string and their lengths, for a compact state.

    A list of words is one object per word in a skops file (about 100 bytes
    each); the string and an int64 array of lengths are two, of about the
    size of the text.
    """
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return "".join(words), lengths


def unpack_words(packed, owner):
    """Return the words of ``pack_words``; ``ValueError`` if malformed."""
    try:
        text, lengths = packed
        lengths = np.asarray(lengths)
        ok = (
            isinstance(text, str)
            and lengths.ndim == 1
            and lengths.dtype.kind in "iu"
            and (lengths >= 0).all()
            and int(lengths.sum()) == len(text)
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"The saved vocabulary of this {owner} is malformed.")
    ends = np.cumsum(lengths).tolist()
    starts = [0, *ends[:-1]] if ends else []
    return [text[a:b] for a, b in zip(starts, ends, strict=True)]
