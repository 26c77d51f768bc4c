"""Persistence of the text nets: weight files and the pickle-free directory.

:class:`_PersistenceMixin` gives :class:`TextClassifier` and
:class:`TextRegressor` ``save_weights`` / ``load_weights`` (a safetensors file
of the module's weights, see :mod:`sktransfer.neural._transfer`) and
``save_pretrained`` / ``from_pretrained``: a directory of ``config.json``,
``vocabulary.json`` and ``arrays.safetensors`` written and read with the
shared machinery of :mod:`sktransfer.utils._persist`, which
:func:`save_text_net` and :func:`load_text_net` map a net to and back.
Pickle (trusted files only) keeps what these leave out: the optimizer state
and the history.
"""

import os

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from sktransfer.neural import _transfer
from sktransfer.neural._vocabulary import (
    VocabularyIndex,
    vocabulary_from_words,
    vocabulary_words,
)
from sktransfer.utils._persist import (
    DIRECTORY_FORMAT,
    check_json_params,
    estimator_from_config,
    positive_int,
    read_directory,
    write_directory,
)

__all__ = ["load_text_net", "save_text_net"]


class _PersistenceMixin:
    """``save_weights``, ``load_weights``, ``save_pretrained``, ``from_pretrained``."""

    # ------------------------------------------------------------------ #
    # persistence of the weights
    # ------------------------------------------------------------------ #
    def save_weights(self, path):
        """Save the module's weights to a safetensors file.

        The file holds the tensors of ``module_`` and, as metadata, the
        vocabulary (so that :meth:`load_weights` can check that it matches).
        Use pickle to save the whole estimator.

        Parameters
        ----------
        path : str or path-like
            Destination file (written atomically).

        Returns
        -------
        path : str
            The written file.
        """
        check_is_fitted(self)
        classes = self.classes_ if self._task == "classification" else None
        return _transfer.write_weights(
            path, self.module_, self.vocabulary_, type(self).__name__, classes
        )

    def load_weights(self, path):
        """Load module weights written by :meth:`save_weights`.

        The estimator must be fitted with the same vocabulary and
        architecture; the weights replace those of ``module_``.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save_weights`.

        Returns
        -------
        self : object
            The estimator.
        """
        check_is_fitted(self)
        _transfer.load_weights(self.module_, path, self.vocabulary_)
        return self

    # ------------------------------------------------------------------ #
    # pickle-free persistence of the whole estimator
    # ------------------------------------------------------------------ #
    def save_pretrained(self, directory):
        """Save the fitted estimator to a directory, without pickle.

        The directory holds ``config.json`` (the parameters, which must be
        plain JSON values or their defaults, and the labels),
        ``vocabulary.json`` (the words) and ``arrays.safetensors`` (the
        module's weights). :meth:`from_pretrained` reads it back without
        running any code, so it is safe to share. It is written under a
        temporary name and renamed at the end: a failed save leaves an
        existing directory as it was. The optimizer state and the history
        are not saved (pickle the estimator to resume training).

        Parameters
        ----------
        directory : str or path-like
            Destination directory (replaced if it exists).

        Returns
        -------
        directory : pathlib.Path
            The written directory.

        Raises
        ------
        ValueError
            If a parameter is neither a plain JSON value nor its default (a
            custom ``module`` class, ``tokenizer`` function, callbacks,
            ``embeddings`` or ``init_from`` objects), or if the labels are not
            strings, numbers or booleans.

        Examples
        --------
        >>> import tempfile, os
        >>> from sktransfer.neural import TextClassifier
        >>> X = ["good film", "great plot", "bad film", "awful plot"] * 4
        >>> y = [1, 1, 0, 0] * 4
        >>> clf = TextClassifier(max_epochs=2, random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = clf.save_pretrained(os.path.join(tmp, "model"))
        ...     again = TextClassifier.from_pretrained(path)
        >>> (again.predict_proba(X) == clf.predict_proba(X)).all()
        np.True_
        """
        check_is_fitted(self)
        return save_text_net(self, directory)

    @classmethod
    def from_pretrained(cls, directory):
        """Load an estimator written by :meth:`save_pretrained` (no pickle).

        Everything is checked before use: the JSON types, the weights'
        names and shapes against the configuration and vocabulary, finite
        values.

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.

        Returns
        -------
        estimator : object
            The fitted estimator; it predicts exactly as the saved one.

        Raises
        ------
        ValueError
            If the directory is missing, incomplete or inconsistent.
        """
        return load_text_net(cls, directory)


def save_text_net(est, directory):
    """Write the fitted net ``est`` to ``directory`` (see ``save_pretrained``)."""
    if vars(est).get("_task_heads") is not None:
        raise ValueError(
            f"{type(est).__name__}.save_pretrained: a model with "
            "heads='per_domain' cannot be saved in the pickle-free format yet; "
            "pickle it (trusted files only)."
        )
    defaults = type(est)().get_params(deep=False)
    params = {}
    for key, value in est.get_params(deep=False).items():
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if key in defaults and value is defaults[key]:
            continue  # the default: from_pretrained gets it back
        params[key] = value
    fit_only = (
        "Its vectors are in the saved weights anyway: set_params({0}=None) "
        "before saving (predictions do not change)."
    )
    params = check_json_params(
        est,
        params,
        {
            "module": "The pickle-free format rebuilds the default TextModule "
            "only: use its parameters (encoder, hidden_size, ...) or "
            "module__<name>=value, or pickle the estimator (trusted files "
            "only).",
            "tokenizer": "Use token_pattern (a regular expression) instead "
            "of a tokenizer function, or pickle the estimator (trusted files "
            "only).",
            "callbacks": "Set callbacks=None before saving (they are only "
            "used while training).",
            "embeddings": fit_only.format("embeddings"),
            "init_from": fit_only.format("init_from"),
            "teacher": "The teacher is only used while training: "
            "set_params(teacher=None) before saving (predictions do not "
            "change).",
        },
    )
    config = {
        "format": DIRECTORY_FORMAT,
        "estimator": type(est).__name__,
        "params": params,
        "embedding_dim": int(est.module_.embedding.weight.shape[1]),
        "embedding_coverage_": float(est.embedding_coverage_),
        "transferred_": est.transferred_,
    }
    if est._task == "classification":
        classes = est.classes_
        config["classes_dtype"] = classes.dtype.str
        config["classes_"] = check_json_params(est, {"classes_": classes.tolist()})[
            "classes_"
        ]
    state = {
        k: v.detach().to("cpu").contiguous().numpy()
        for k, v in est.module_.state_dict().items()
    }
    words = vocabulary_words(est.vocabulary_)
    return write_directory(directory, config, words, state)


def load_text_net(cls, directory):
    """Read a net of class ``cls`` from ``directory`` (see ``from_pretrained``)."""
    config, words, arrays = read_directory(directory, cls)
    where = repr(str(directory))
    est = estimator_from_config(cls, config, directory)
    dim = positive_int(config, "embedding_dim", directory)
    if not words:
        raise ValueError(f"{where}: vocabulary.json is empty.")
    if cls._task == "classification":
        labels = config.get("classes_")
        if not isinstance(labels, list) or len(labels) < 2:
            raise ValueError(
                f"{where}: config.json 'classes_' must list at least 2 labels."
            )
        try:
            est.classes_ = np.asarray(labels, dtype=config.get("classes_dtype"))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{where}: config.json 'classes_dtype' does not fit the labels: {exc}"
            ) from exc
    est.vocabulary_ = vocabulary_from_words(words)
    est._token_index = VocabularyIndex(est.vocabulary_)
    # Build the module (fit-time sources set aside), then its weights.
    given = {k: vars(est)[k] for k in ("embedding_dim", "embeddings", "init_from")}
    vars(est).update(embedding_dim=dim, embeddings=None, init_from=None)
    try:
        est.initialize()
    finally:
        vars(est).update(given)
    state = {k: torch.from_numpy(v) for k, v in arrays.items()}
    try:
        est.module_.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"{where}: the weights in arrays.safetensors do not fit the "
            f"module config.json describes: {exc}"
        ) from exc
    coverage = config.get("embedding_coverage_")
    est.embedding_coverage_ = float(coverage) if coverage is not None else 0.0
    est.transferred_ = config.get("transferred_")
    return est
