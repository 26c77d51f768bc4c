"""Persistence of the text nets: weight files and the pickle-free directory.

:class:`_PersistenceMixin` gives :class:`TextClassifier` and
:class:`TextRegressor` ``save_weights`` / ``load_weights`` (a safetensors file
of the module's weights, see :mod:`sktransfer.neural._transfer`) and
``save_pretrained`` / ``from_pretrained``: a directory of ``config.json``,
``vocabulary.json`` and ``arrays.safetensors`` written and read with the
shared machinery of :mod:`sktransfer.utils._persist`, which
:func:`save_text_net` and :func:`load_text_net` map a net to and back.

:func:`saved_state` and :func:`restore_state` are the nets' ``__getstate__``
and ``__setstate__``, shared by pickle and skops (``skops.io.dump``): the
state is plain data (parameters, fitted values, the history, the module's
weights as numpy arrays) and the estimator's classes. What the net rebuilds
from it (the callbacks, the optimizer, the criterion, the token-id index) is
left out and built again on load, so that a skops file of a net names no
type but the estimator's (and those of non-default parameters).
"""

import inspect
import os

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from skorch.history import History
from skorch.utils import get_map_location

from sktransfer.neural import _transfer
from sktransfer.neural._module import PADDING_IDX
from sktransfer.neural._seeding import FitSeeds
from sktransfer.neural._vocabulary import (
    VocabularyIndex,
    vocabulary_from_words,
    vocabulary_words,
)
from sktransfer.utils._persist import (
    DIRECTORY_FORMAT,
    check_json_params,
    estimator_from_config,
    pack_words,
    positive_int,
    read_directory,
    unpack_words,
    write_directory,
)

__all__ = [
    "load_dense_net",
    "load_text_net",
    "restore_state",
    "save_dense_net",
    "save_text_net",
    "saved_state",
]

# What a saved net leaves out and builds again on load: skorch's training
# machinery (the initialised callbacks, with PrintLog's ``print`` sink, the
# optimizer and its state, the criterion, the setters of virtual
# parameters), the token-id index of the vocabulary and the seeds of a fit
# in progress.
_REBUILT_ON_LOAD = (
    "callbacks_",
    "criterion_",
    "optimizer_",
    "virtual_params_",
    "_token_index",
    # The seeds and the objectives' plan of a fit in progress (a callback may
    # pickle the net) stay with that fit.
    "_fit_seeds",
    "_objective_plan",
)

# Keys of the saved state that are not attributes.
_WEIGHTS = "_module_weights"
_CRITERION_WEIGHTS = "_criterion_weights"
_DOMAIN_HEAD_WEIGHTS = "_domain_classifier_weights"
# Prefix of the domain head's weights in a save_pretrained directory.
_DOMAIN_HEAD_PREFIX = "domain_classifier."
_EMBEDDING_DIM = "_module_embedding_dim"
_DEFAULTS = "_default_params"
_WORDS = "_vocabulary_words"
# The pickled torch objects of skorch's own __getstate__, never read: reading
# them runs pickle, which a skops file must not.
_SKORCH_BLOB = "__cuda_dependent_attributes__"

# Any seeds do to build a module whose weights are then loaded; fixed ones
# leave the caller's random generators untouched.
_LOAD_SEEDS = FitSeeds(0, 0, 0, 0)


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
        plain JSON values or their defaults, and the labels: with
        ``heads='per_domain'``, each head's domain, labels and weight),
        ``vocabulary.json`` (the words) and ``arrays.safetensors`` (the
        module's weights, and the domain head's with
        ``domain_adversarial``). :meth:`from_pretrained` reads it back without
        running any code, so it is safe to share. It is written under a
        temporary name and renamed at the end: a failed save leaves an
        existing directory as it was. The optimizer state and the history
        are not saved (neither does pickle keep the optimizer state: to
        resume training exactly, use skorch's ``save_params(f_optimizer=...)``).

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
    fit_only = (
        "Its vectors are in the saved weights anyway: set_params({0}=None) "
        "before saving (predictions do not change)."
    )
    params = _json_params(
        est,
        {
            "module": "The pickle-free format rebuilds the default TextModule "
            "only: use its parameters (encoder, hidden_size, ...) or "
            "module__<name>=value, or pickle the estimator (trusted files "
            "only).",
            "tokenizer": "Use token_pattern (a regular expression) instead "
            "of a tokenizer function, or pickle the estimator (trusted files "
            "only).",
            "embeddings": fit_only.format("embeddings"),
            "init_from": fit_only.format("init_from"),
        },
    )
    config = {
        "format": DIRECTORY_FORMAT,
        "estimator": type(est).__name__,
        "params": params,
        "embedding_dim": int(est.module_.embedding.weight.shape[1]),
        "embedding_coverage_": float(est.embedding_coverage_),
        "transferred_": est.transferred_,
        "lm_losses_": [float(v) for v in getattr(est, "lm_losses_", [])],
        **_targets_config(est),
    }
    words = vocabulary_words(est.vocabulary_)
    return write_directory(directory, config, words, _module_arrays(est))


def load_text_net(cls, directory):
    """Read a net of class ``cls`` from ``directory`` (see ``from_pretrained``)."""
    config, words, arrays = read_directory(directory, cls)
    where = repr(str(directory))
    est = estimator_from_config(cls, _config_params(config, where), directory)
    dim = positive_int(config, "embedding_dim", directory)
    if not words:
        raise ValueError(f"{where}: vocabulary.json is empty.")
    _restore_targets(est, config, where)
    est.vocabulary_ = vocabulary_from_words(words)
    est._token_index = VocabularyIndex(est.vocabulary_)
    # Build the module (fit-time sources set aside), then its weights.
    _initialize_for_loading(est, embedding_dim=dim, embeddings=None)
    _load_module_arrays(est, arrays, where)
    coverage = config.get("embedding_coverage_")
    est.embedding_coverage_ = float(coverage) if coverage is not None else 0.0
    est.transferred_ = config.get("transferred_")
    losses = config.get("lm_losses_") or []
    if not (
        isinstance(losses, list)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in losses)
    ):
        raise ValueError(
            f"{where}: config.json 'lm_losses_' must be a list of numbers."
        )
    est.lm_losses_ = [float(v) for v in losses]
    return est


def _json_params(est, advice):
    """Return the parameters of ``est`` that differ from their defaults, as JSON.

    ``advice`` maps a parameter to what to do when its value is not JSON (on
    top of the advice every net shares).
    """
    defaults = type(est)().get_params(deep=False)
    params = {}
    for key, value in est.get_params(deep=False).items():
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if key in defaults and value is defaults[key]:
            continue  # the default: from_pretrained gets it back
        params[key] = value
    task_weights = params.pop("task_weights", None)
    params = check_json_params(
        est,
        params,
        {
            "callbacks": "Set callbacks=None before saving (they are only "
            "used while training).",
            "init_from": "Its weights are in the saved ones anyway: "
            "set_params(init_from=None) before saving (predictions do not "
            "change).",
            "teacher": "The teacher is only used while training: "
            "set_params(teacher=None) before saving (predictions do not "
            "change).",
            **advice,
        },
    )
    if task_weights is not None:
        # A dict of int keys: JSON keys are strings, so [domain, weight] pairs.
        pairs = [[d, w] for d, w in dict(task_weights).items()]
        params["task_weights"] = check_json_params(est, {"task_weights": pairs})[
            "task_weights"
        ]
    return params


def _config_params(config, where):
    """Return ``config`` with its ``task_weights`` pairs back as a dict."""
    params = config.get("params")
    pairs = params.get("task_weights") if isinstance(params, dict) else None
    if pairs is None:
        return config
    if not (
        isinstance(pairs, list)
        and all(isinstance(p, list) and len(p) == 2 for p in pairs)
    ):
        raise ValueError(
            f"{where}: config.json 'task_weights' must list [domain, weight] pairs."
        )
    return {**config, "params": {**params, "task_weights": dict(pairs)}}


def _targets_config(est):
    """Return what ``config.json`` says of the targets: heads or classes."""
    heads = vars(est).get("_task_heads")
    if heads is not None:
        return {"task_heads": _heads_config(est, heads)}
    if est._task != "classification":
        return {}
    classes = est.classes_
    return {
        "classes_dtype": classes.dtype.str,
        "classes_": check_json_params(est, {"classes_": classes.tolist()})["classes_"],
    }


def _restore_targets(est, config, where):
    """Set the heads or the classes that ``config.json`` gives."""
    heads = config.get("task_heads")
    if heads is not None:
        _restore_heads(est, heads, where)
        return
    if type(est)._task != "classification":
        return
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


def _initialize_for_loading(est, **set_aside):
    """Build the module of a loaded net, its fit-time sources set aside.

    ``set_aside`` gives parameters to use while building (on top of
    ``init_from=None`` and ``teacher=None``); they are put back after.
    """
    set_aside = {"init_from": None, "teacher": None, **set_aside}
    given = {k: vars(est)[k] for k in set_aside}
    vars(est).update(set_aside)
    try:
        # Fixed seeds: building the module draws no number from the
        # caller's generators.
        with est._seeded(_LOAD_SEEDS):
            est.initialize()
    finally:
        vars(est).update(given)


def _module_arrays(est):
    """Return the module's weights (and the domain head's) as numpy arrays."""
    state = {
        k: v.detach().to("cpu").contiguous().numpy()
        for k, v in est.module_.state_dict().items()
    }
    head = getattr(est, "domain_classifier_", None)
    if isinstance(head, torch.nn.Module):
        # The domain head of domain-adversarial training, so that training
        # can go on with it after loading.
        state.update(
            {
                _DOMAIN_HEAD_PREFIX + k: v.detach().to("cpu").contiguous().numpy()
                for k, v in head.state_dict().items()
            }
        )
    return state


def _load_module_arrays(est, arrays, where):
    """Load the weights ``_module_arrays`` saved into the built module."""
    state = {k: torch.from_numpy(v) for k, v in arrays.items()}
    head_state = {
        k[len(_DOMAIN_HEAD_PREFIX) :]: state.pop(k)
        for k in list(state)
        if k.startswith(_DOMAIN_HEAD_PREFIX)
    }
    try:
        est.module_.load_state_dict(state)
        head = getattr(est, "domain_classifier_", None)
        if head_state and head is None:
            raise RuntimeError(
                "arrays.safetensors holds a domain head, but the estimator "
                "has no domain_adversarial to use it"
            )
        if head is not None:
            if not head_state:
                raise RuntimeError("the domain head of domain_adversarial is missing")
            head.load_state_dict(head_state)
    except RuntimeError as exc:
        raise ValueError(
            f"{where}: the weights in arrays.safetensors do not fit the "
            f"module config.json describes: {exc}"
        ) from exc


def save_dense_net(est, directory):
    """Write the fitted dense net ``est`` to ``directory`` (``save_pretrained``).

    The layout of the text nets' directory: ``config.json``,
    ``vocabulary.json`` (here the feature names, an empty list without them)
    and ``arrays.safetensors``.
    """
    params = _json_params(
        est,
        {
            "module": "The pickle-free format rebuilds the default MLPModule "
            "only: use its parameters (hidden_layer_sizes, dropout) or "
            "module__<name>=value, or pickle the estimator (trusted files "
            "only).",
        },
    )
    config = {
        "format": DIRECTORY_FORMAT,
        "estimator": type(est).__name__,
        "params": params,
        "n_features_in_": int(est.n_features_in_),
        "transferred_": est.transferred_,
        **_targets_config(est),
    }
    names = getattr(est, "feature_names_in_", None)
    names = [] if names is None else [str(n) for n in names]
    return write_directory(directory, config, names, _module_arrays(est))


def load_dense_net(cls, directory):
    """Read a dense net of class ``cls`` from ``directory`` (``from_pretrained``)."""
    config, names, arrays = read_directory(directory, cls)
    where = repr(str(directory))
    config = _config_params(config, where)
    params = dict(config["params"])
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    est = estimator_from_config(cls, dict(config, params=params), directory)
    n_features = positive_int(config, "n_features_in_", directory)
    if names and len(names) != n_features:
        raise ValueError(
            f"{where}: vocabulary.json lists {len(names)} feature names, "
            f"config.json 'n_features_in_' is {n_features}."
        )
    _restore_targets(est, config, where)
    est.n_features_in_ = n_features
    if names:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    _initialize_for_loading(est)
    _load_module_arrays(est, arrays, where)
    est.transferred_ = config.get("transferred_")
    return est


def _heads_config(est, heads):
    """Return the multi-task heads of ``est`` as JSON values (config.json)."""
    config = {
        "domains": [int(d) for d in heads.domains],
        "offsets": [int(o) for o in heads.offsets],
        "weights": [float(w) for w in heads.weights],
        "target_domains": [int(d) for d in est._target_domains],
    }
    if not heads.regression:
        config["classes"] = check_json_params(
            est, {"classes_": [c.tolist() for c in heads.classes]}
        )["classes_"]
        config["classes_dtypes"] = [c.dtype.str for c in heads.classes]
    return config


def _restore_heads(est, config, where):
    """Set the multi-task heads of ``est`` from their ``config.json`` entry."""
    from sktransfer.neural._multitask import TaskHeads

    def ints(key):
        values = config.get(key) if isinstance(config, dict) else None
        if not (
            isinstance(values, list)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        ):
            raise ValueError(f"{where}: config.json 'task_heads.{key}' must list ints.")
        return tuple(values)

    domains, offsets, targets = ints("domains"), ints("offsets"), ints("target_domains")
    weights = config.get("weights")
    if (
        len(domains) < 2
        or len(offsets) != len(domains)
        or not isinstance(weights, list)
        or len(weights) != len(domains)
        or not all(isinstance(w, int | float) and w >= 0 for w in weights)
    ):
        raise ValueError(
            f"{where}: config.json 'task_heads' must give at least 2 domains, "
            "and as many offsets and non-negative weights."
        )
    if est._task == "classification":
        labels, dtypes = config.get("classes"), config.get("classes_dtypes")
        if not (
            isinstance(labels, list)
            and isinstance(dtypes, list)
            and len(labels) == len(dtypes) == len(domains)
            and all(isinstance(c, list) and len(c) >= 2 for c in labels)
        ):
            raise ValueError(
                f"{where}: config.json 'task_heads.classes' must list at least 2 "
                "labels per domain, with their dtypes."
            )
        try:
            classes = tuple(np.asarray(c, dtype=t) for c, t in zip(labels, dtypes))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{where}: config.json 'task_heads.classes_dtypes' does not fit "
                f"the labels: {exc}"
            ) from exc
        sizes = [len(c) for c in classes]
    else:
        classes = (None,) * len(domains)
        sizes = [1] * len(domains)
    if list(offsets) != [sum(sizes[:i]) for i in range(len(sizes))]:
        raise ValueError(
            f"{where}: config.json 'task_heads.offsets' do not fit the heads' sizes."
        )
    heads = TaskHeads(domains, classes, offsets, tuple(float(w) for w in weights))
    vars(est)["_task_heads"] = heads
    vars(est)["_target_domains"] = targets
    if est._task == "classification":
        est.domain_classes_ = dict(zip(heads.domains, heads.classes))


def _init_defaults(cls):
    """Return the defaults of the ``__init__`` arguments of ``cls`` and its bases."""
    defaults = {}
    for klass in reversed(cls.__mro__):
        init = vars(klass).get("__init__")
        if init is None:
            continue
        for name, param in inspect.signature(init).parameters.items():
            if param.default is not inspect.Parameter.empty:
                defaults[name] = param.default
    return defaults


def _numpy(tensor):
    """Return ``tensor`` as a numpy array (bfloat16 and the like as float32)."""
    tensor = tensor.detach().to("cpu")
    try:
        return tensor.numpy().copy()
    except TypeError:
        return tensor.float().numpy()


def _tensors(arrays):
    return {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}


def saved_state(net):
    """Return the state of ``net`` to pickle or save with skops (``__getstate__``).

    The attributes of the net, except those built again on load (see
    ``_REBUILT_ON_LOAD``); the module's weights as numpy arrays; the history
    as a list of dicts; and, instead of the parameters left at a default
    that is a class or a function (``module=TextModule``,
    ``criterion=CrossEntropyLoss``, ``optimizer=AdamW``, skorch's
    ``dataset`` and ``iterator_*``), their names.
    """
    state = dict(vars(net))
    for key in _REBUILT_ON_LOAD:
        state.pop(key, None)
    # Extra torch modules of a subclass stay as they are (pickle saves them;
    # skops lists their types as untrusted).
    module = state.pop("module_", None)
    if module is not None:
        state[_WEIGHTS] = {k: _numpy(v) for k, v in module.state_dict().items()}
        embedding = getattr(module, "embedding", None)
        if isinstance(embedding, torch.nn.Embedding):
            state[_EMBEDDING_DIM] = int(embedding.embedding_dim)
        head = state.pop("domain_classifier_", None)
        if isinstance(head, torch.nn.Module):
            # The domain head of domain-adversarial training, kept so that
            # partial_fit after loading goes on with it.
            state[_DOMAIN_HEAD_WEIGHTS] = {
                k: _numpy(v) for k, v in head.state_dict().items()
            }
        criterion = getattr(net, "criterion_", None)
        if isinstance(criterion, torch.nn.Module) and criterion.state_dict():
            state[_CRITERION_WEIGHTS] = {
                k: _numpy(v) for k, v in criterion.state_dict().items()
            }
    vocabulary = state.get("vocabulary_")
    if isinstance(vocabulary, dict) and list(vocabulary.values()) == list(
        range(PADDING_IDX + 1, len(vocabulary) + PADDING_IDX + 1)
    ):
        # The words in id order, packed (vocabulary_from_words rebuilds it).
        del state["vocabulary_"]
        state[_WORDS] = pack_words(list(vocabulary))
    if isinstance(state.get("history_"), History):
        state["history_"] = list(state["history_"])
    defaults = _init_defaults(type(net))
    omitted = [
        name
        for name, value in state.items()
        if name in defaults
        and value is defaults[name]
        and (isinstance(value, type) or callable(value))
    ]
    for name in omitted:
        del state[name]
    state[_DEFAULTS] = omitted
    return state


def restore_state(net, state):
    """Set the attributes of ``net`` from ``saved_state`` (``__setstate__``).

    The parameters saved by name get their defaults; a fitted net gets its
    module (built as ``initialize`` does, with the fit-only sources
    ``embeddings`` and ``init_from`` set aside, then given the saved
    weights), a new criterion, optimizer and callbacks, and its token-id
    index. Nothing in the state is unpickled.
    """
    state = dict(state)
    if _SKORCH_BLOB in state:
        raise ValueError(
            f"This {type(net).__name__} was saved by an earlier development "
            "version of sktransfer, whose state holds pickled torch objects; "
            "fit the estimator again and save it with this version."
        )
    weights = state.pop(_WEIGHTS, None)
    criterion_weights = state.pop(_CRITERION_WEIGHTS, None)
    head_weights = state.pop(_DOMAIN_HEAD_WEIGHTS, None)
    dim = state.pop(_EMBEDDING_DIM, None)
    defaults = _init_defaults(type(net))
    for name in state.pop(_DEFAULTS, ()):
        if isinstance(name, str) and name in defaults:
            state[name] = defaults[name]
    if _WORDS in state:
        words = unpack_words(state.pop(_WORDS), type(net).__name__)
        state["vocabulary_"] = vocabulary_from_words(words)
    history = state.get("history_")
    if isinstance(history, list) and not isinstance(history, History):
        state["history_"] = History(history)
    if state.get("device") is not None:
        # (device=None leaves placement to someone else, e.g. accelerate.)
        # As skorch's __setstate__: a CUDA net loads on the CPU when this
        # machine has no GPU (with skorch's DeviceWarning).
        device = net._check_device(state["device"], get_map_location(state["device"]))
        state["device"] = str(device) if isinstance(device, torch.device) else device
    vars(net).update(state)
    if "vocabulary_" in state:
        vars(net)["_token_index"] = VocabularyIndex(net.vocabulary_)
    if weights is not None:
        _rebuild(net, weights, criterion_weights, dim, head_weights)


def _rebuild(net, weights, criterion_weights, dim, head_weights=None):
    """Build the module, criterion, optimizer and callbacks; load the weights."""
    fitted = {
        k: vars(net)[k]
        for k in ("history_", "embedding_coverage_", "transferred_")
        if k in vars(net)
    }
    given = {
        k: vars(net)[k]
        for k in ("embedding_dim", "embeddings", "init_from")
        if k in vars(net)
    }
    # (initialize() clears the history in place: it gets none to clear.)
    vars(net).update({k: None for k in given if k != "embedding_dim"})
    vars(net).update(history_=None, initialized_=False)
    if dim is not None:
        vars(net)["embedding_dim"] = dim
    try:
        with net._seeded(_LOAD_SEEDS):
            net.initialize()
    finally:
        vars(net).update(given)
        vars(net).update(fitted)
    name = type(net).__name__
    try:
        net.module_.load_state_dict(_tensors(weights))
        if criterion_weights is not None:
            net.criterion_.load_state_dict(_tensors(criterion_weights))
        if head_weights is not None:
            head = getattr(net, "domain_classifier_", None)
            if head is None:
                raise RuntimeError("no domain head to load the saved one into")
            head.load_state_dict(_tensors(head_weights))
    except RuntimeError as exc:
        raise ValueError(
            f"The saved weights of this {name} do not fit its module: {exc}"
        ) from exc
