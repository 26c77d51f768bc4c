"""Parameter transfer (``init_from``) and the weights files of the text nets.

A weights file (:func:`write_weights`, read by :func:`read_weights`) is a
safetensors file, which runs no code when read: the tensors of the module
and, as metadata, the format tag, the estimator's class name, the
vocabulary (a JSON list of the words in id order) and, for a classifier
whose labels JSON can hold, the classes.

``init_from`` starts a net from a fitted one or from such a file
(:func:`transfer_source`): the rows of the words both vocabularies share
(:func:`shared_rows`, placed into the initial embedding matrix by
:func:`~sktransfer.neural._embeddings.initial_embeddings`), the encoder when
the architectures agree (:func:`check_architecture`) and the head when the
outputs are the same (:func:`copy_layers`).
"""

import json
import os
from typing import NamedTuple

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator

from sktransfer.neural._module import architecture
from sktransfer.neural._vocabulary import vocabulary_from_words, vocabulary_words
from sktransfer.utils._atomic import atomic_path
from sktransfer.utils._persist import import_safetensors

__all__ = [
    "WEIGHTS_FORMAT",
    "TransferSource",
    "check_architecture",
    "copy_layers",
    "load_weights",
    "read_weights",
    "same_outputs",
    "shared_rows",
    "transfer_source",
    "write_weights",
]

#: Format tag written in the metadata of the weights files.
WEIGHTS_FORMAT = "sktransfer.neural/1"


def _safetensors():
    st = import_safetensors("safetensors.torch", "save_weights and load_weights")
    st.safe_open = import_safetensors("safetensors", "load_weights").safe_open
    return st


def _read(st, path):
    try:
        with st.safe_open(path, framework="pt", device="cpu") as fh:
            metadata = fh.metadata() or {}
            state = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as exc:  # SafetensorError, OSError, ... : not our file
        raise ValueError(
            f"{os.fspath(path)!r} is not a weights file written by save_weights "
            f"(a safetensors file; this one is truncated or another format): {exc}"
        ) from exc
    return metadata, state


def read_weights(path):
    """Return the metadata and the tensors of a weights file.

    Parameters
    ----------
    path : str
        A file written by :func:`write_weights`.

    Returns
    -------
    metadata : dict of str to str
        The file's metadata.
    state : dict of str to torch.Tensor
        The tensors, on the CPU.
    """
    return _read(_safetensors(), path)


def write_weights(path, module, vocabulary, estimator_name, classes=None):
    """Write the tensors of ``module`` and the vocabulary to a weights file.

    Parameters
    ----------
    path : str or path-like
        Destination (written atomically).
    module : torch.nn.Module
        The module whose ``state_dict`` is written.
    vocabulary : dict of str to int
        Word to id.
    estimator_name : str
        The estimator's class name (``init_from`` reads the task from it).
    classes : ndarray, default=None
        A classifier's labels; left out when JSON cannot hold them.

    Returns
    -------
    path : str
        The written file.
    """
    save_file = _safetensors().save_file
    state = {
        k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()
    }
    metadata = {
        "format": WEIGHTS_FORMAT,
        "estimator": estimator_name,
        "vocabulary": json.dumps(vocabulary_words(vocabulary)),
    }
    if classes is not None:
        try:
            metadata["classes"] = json.dumps(classes.tolist())
        except TypeError:
            pass  # labels JSON cannot hold: init_from keeps a fresh head
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        save_file(state, tmp, metadata=metadata)
    return path


def load_weights(module, path, vocabulary):
    """Load a weights file into ``module``, which has the same vocabulary.

    Parameters
    ----------
    module : torch.nn.Module
        The fitted module, whose weights are replaced.
    path : str or path-like
        A file written by :func:`write_weights`.
    vocabulary : dict of str to int
        The module's vocabulary; the file's must be the same.
    """
    st = _safetensors()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"weights file {path!r} does not exist.")
    metadata, state = _read(st, path)
    if metadata.get("format", WEIGHTS_FORMAT) != WEIGHTS_FORMAT:
        raise ValueError(
            f"weights file {path!r} has format {metadata['format']!r}, expected "
            f"{WEIGHTS_FORMAT!r} (a file written by save_weights)."
        )
    if "vocabulary" in metadata:
        words = _json_list(metadata["vocabulary"], path, "vocabulary")
        if words != vocabulary_words(vocabulary):
            raise ValueError(
                f"the weights in {path!r} were saved for a different vocabulary "
                f"({len(words)} words, this estimator has {len(vocabulary)}); fit "
                "on the same documents first."
            )
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"the weights in {path!r} do not fit this module (different "
            f"architecture or sizes): {exc}"
        ) from exc


def _json_list(text, path, what):
    """Decode the JSON list ``what`` of a weights file's metadata."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, list):
        raise ValueError(
            f"weights file {path!r}: its {what} metadata is not a JSON list."
        )
    return value


class TransferSource(NamedTuple):
    """What ``init_from`` gives: a fitted model's or a weights file's."""

    vocabulary: dict
    state: dict
    task: str | None
    classes: list | None
    architecture: object


def _file_source(path, owner):
    if not os.path.isfile(path):
        raise ValueError(f"{owner}: init_from file {path!r} does not exist.")
    st = _safetensors()
    try:
        metadata, state = _read(st, path)
    except ValueError as exc:
        raise ValueError(f"{owner}: init_from: {exc}") from exc
    if "vocabulary" not in metadata:
        raise ValueError(
            f"{owner}: init_from file {path!r} holds no vocabulary; write it "
            "with TextClassifier/TextRegressor.save_weights."
        )
    words = _json_list(metadata["vocabulary"], path, "vocabulary")
    vocabulary = vocabulary_from_words(words)
    source_name = metadata.get("estimator", "")
    task = "classification" if source_name == "TextClassifier" else None
    task = "regression" if source_name == "TextRegressor" else task
    classes = metadata.get("classes")
    classes = None if classes is None else _json_list(classes, path, "classes")
    return vocabulary, state, task, classes


def _model_source(model, owner):
    if not model.__sklearn_is_fitted__():
        raise ValueError(
            f"{owner}: init_from is an unfitted {type(model).__name__}; fit it "
            "first. Inside a parameter grid, scikit-learn's clone() un-fits "
            "estimators given as grid values: pass "
            "sklearn.frozen.FrozenEstimator(model) or a save_weights file."
        )
    state = {k: v.detach().to("cpu") for k, v in model.module_.state_dict().items()}
    task = model._task
    classes = model.classes_.tolist() if task == "classification" else None
    return model.vocabulary_, state, task, classes


def transfer_source(init_from, owner, text_net):
    """Return the :class:`TransferSource` that ``init_from`` stands for.

    Parameters
    ----------
    init_from : estimator, FrozenEstimator or path
        A fitted text net (possibly frozen) or a weights file.
    owner : str
        Name of the estimator, for the error messages.
    text_net : class
        The base class of the text nets (the fitted models accepted).

    Returns
    -------
    source : TransferSource
        Its vocabulary, tensors, task, classes and architecture.
    """
    model = init_from
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    if isinstance(model, str | os.PathLike):
        parts = _file_source(os.fspath(model), owner)
    elif isinstance(model, text_net):
        parts = _model_source(model, owner)
    else:
        raise TypeError(
            f"{owner}: init_from must be None, a fitted TextClassifier, "
            "TextRegressor or TextLanguageModel (possibly wrapped in "
            "FrozenEstimator) or the path of a file written by save_weights, got "
            f"{type(init_from).__name__}."
        )
    arch = architecture(parts[1])
    if arch is None:
        raise ValueError(
            f"{owner}: the module of init_from is not a TextModule (it needs "
            "parameters embedding.*, encoder.* and head.*)."
        )
    return TransferSource(*parts, arch)


def check_architecture(source, ours, owner):
    """Raise a ValueError naming what differs between two architectures.

    Parameters
    ----------
    source : Architecture
        That of ``init_from``.
    ours : Architecture
        That of the estimator's parameters.
    owner : str
        Name of the estimator.
    """
    differ = [
        f"{what}: init_from has {theirs!r}, this estimator {mine!r}"
        for what, theirs, mine in source.differences(ours)
    ]
    if differ:
        raise ValueError(
            f"{owner}: the architecture of init_from differs ("
            + "; ".join(differ)
            + "). Set the same encoder, embedding_dim and hidden_size."
        )


def shared_rows(vocabulary, source):
    """Return the rows of ``init_from`` for the words both vocabularies share.

    Parameters
    ----------
    vocabulary : dict of str to int
        This estimator's vocabulary.
    source : TransferSource
        The source.

    Returns
    -------
    copied : tuple of (ndarray of int, torch.Tensor) or None
        The ids of the shared words here and their float32 rows in the
        source, or None when no word is shared.
    share : float
        Share of ``vocabulary`` with a copied row.
    """
    shared = [w for w in vocabulary if w in source.vocabulary]
    if not shared:
        return None, 0.0
    rows = np.asarray([vocabulary[w] for w in shared])
    src = torch.as_tensor([source.vocabulary[w] for w in shared])
    copied = source.state["embedding.weight"][src].to(torch.float32)
    return (rows, copied), len(shared) / len(vocabulary)


def same_outputs(source, task, classes):
    """Whether a head trained on ``source`` gives this estimator's outputs.

    The same classes in the same order for a classifier; any regressor for
    a regressor.
    """
    if task == "classification":
        return source.classes is not None and source.classes == classes.tolist()
    return source.task == "regression"


def _part(state, prefix):
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def copy_layers(module, source, copy_head, owner):
    """Copy the encoder of ``source`` into ``module``, and its head if it fits.

    Parameters
    ----------
    module : torch.nn.Module
        The new module, with ``embedding``, ``encoder`` and ``head`` parts.
    source : TransferSource
        The source, of the same architecture.
    copy_head : bool
        Whether the outputs are the same (:func:`same_outputs`); the head is
        then copied if its tensors have the same shapes.
    owner : str
        Name of the estimator.

    Returns
    -------
    head_copied : bool
        Whether the head was copied.
    """
    if not all(hasattr(module, part) for part in ("embedding", "encoder", "head")):
        raise ValueError(
            f"{owner}: init_from needs a module with embedding, encoder and "
            f"head parts (such as TextModule), got {type(module).__name__}."
        )
    try:
        module.encoder.load_state_dict(_part(source.state, "encoder."))
    except RuntimeError as exc:
        raise ValueError(
            f"{owner}: the encoder of init_from does not fit this encoder "
            f"(different module__ parameters, e.g. kernel_sizes?): {exc}"
        ) from exc
    head = _part(source.state, "head.")
    copy_head = copy_head and all(
        k in head and tuple(head[k].shape) == tuple(v.shape)
        for k, v in module.head.state_dict().items()
    )
    if copy_head:
        module.head.load_state_dict(head)
    return bool(copy_head)
