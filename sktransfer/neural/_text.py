"""Neural text classifiers and regressors over pretrained word vectors (skorch)."""

import copy
import json
import os
import tempfile
from collections import Counter
from contextlib import contextmanager
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import _fit_context, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    Freezer,
    ProgressBar,
    Unfreezer,
)
from skorch.dataset import Dataset, ValidSplit
from skorch.utils import is_dataset
from torch.utils.data import DataLoader, default_collate

from sktransfer.embeddings._io import load_vectors
from sktransfer.embeddings._tokenize import (
    DEFAULT_TOKEN_PATTERN,
    Tokenizer,
    check_documents,
    token_ids,
)
from sktransfer.neural._module import ENCODERS, PADDING_IDX, TextModule
from sktransfer.utils._atomic import atomic_path
from sktransfer.utils._domains import labelled_rows, score_labelled

__all__ = ["TextClassifier", "TextRegressor"]

#: Glob of the embedding parameters (skorch ``Freezer`` / param groups).
EMBEDDING_PARAMS = "embedding.*"
#: Glob of the encoder parameters (``freeze_encoder``).
ENCODER_PARAMS = "encoder.*"
#: Word-vector dimension when neither ``embedding_dim`` nor ``embeddings`` says.
DEFAULT_EMBEDDING_DIM = 100
#: Format tag written in the metadata of :meth:`save_weights` files.
WEIGHTS_FORMAT = "sktransfer.neural/1"

# skorch's NeuralNet.__init__ sets this state; we keep it on the class until
# fit, so that an unfitted net (and any clone) carries no fitted attribute.
_SKORCH_STATE = {
    "history_": None,
    "initialized_": False,
    "virtual_params_": MappingProxyType({}),
}


class _BestWeights(Callback):
    """Restore the weights of the epoch with the best validation loss.

    The weights of each new best epoch are written to a private temporary
    directory created per fit (parallel fits never share a file, and the
    copy does not take device memory); they are loaded at the end of
    training and the directory is removed. Should training fail, the
    directory goes when the callback is garbage collected.
    """

    def __init__(self, monitor="valid_loss_best"):
        self.monitor = monitor

    def initialize(self):
        self._dir = None
        self.best_epoch_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        self._dir = tempfile.TemporaryDirectory(prefix="sktransfer-")
        self.best_epoch_ = None

    def _path(self):
        return os.path.join(self._dir.name, "best_weights.pt")

    def on_epoch_end(self, net, **kwargs):
        if self._dir is not None and net.history[-1].get(self.monitor):
            torch.save(net.module_.state_dict(), self._path())
            self.best_epoch_ = len(net.history)

    def on_train_end(self, net, **kwargs):
        if self._dir is None:
            return
        try:
            if self.best_epoch_ is not None:
                state = torch.load(
                    self._path(), map_location=net.device, weights_only=True
                )
                net.module_.load_state_dict(state)
        finally:
            self._dir.cleanup()
            self._dir = None

    def __getstate__(self):
        state = dict(vars(self))
        state["_dir"] = None
        return state


def resolve_device(device):
    """Return the torch device a ``device`` parameter stands for.

    ``'auto'`` is ``'cuda'`` when PyTorch sees a GPU and ``'cpu'`` otherwise;
    every other value is returned as it is.
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _is_true(value):
    return isinstance(value, bool | np.bool_) and bool(value)


def _is_keyed_vectors(obj):
    return hasattr(obj, "key_to_index") and hasattr(obj, "vectors")


def _shares_embeddings(obj):
    """Whether ``clone`` should pass ``embeddings`` on by reference.

    Fitted vectorizers would be un-fitted by ``clone`` and KeyedVectors
    deep-copied; both are only read, so clones share them.
    """
    return _is_keyed_vectors(obj) or (
        not isinstance(obj, str | os.PathLike | type) and hasattr(obj, "wv_")
    )


def _load_embeddings(embeddings, owner):
    """Return the KeyedVectors ``embeddings`` stands for (or None)."""
    if embeddings is None:
        return None
    if _is_keyed_vectors(embeddings):
        return embeddings
    if isinstance(embeddings, str | os.PathLike):
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


def _architecture(state):
    """Return (encoder, embedding_dim, hidden_size) of a TextModule state dict."""
    if "embedding.weight" not in state:
        return None
    dim = int(state["embedding.weight"].shape[1])
    if "encoder.hidden.weight" in state:
        return "mean", dim, int(state["encoder.hidden.weight"].shape[0])
    if "encoder.convs.0.weight" in state:
        return "cnn", dim, int(state["encoder.convs.0.weight"].shape[0])
    if "encoder.lstm.weight_hh_l0" in state:
        return "lstm", dim, int(state["encoder.lstm.weight_hh_l0"].shape[1])
    return None


def _transfer_source(init_from, owner):
    """Vocabulary, state dict, task and classes of ``init_from``."""
    model = init_from
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    if isinstance(model, str | os.PathLike):
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise ValueError(f"{owner}: init_from file {path!r} does not exist.")
        st = _safetensors()
        try:
            with st.safe_open(path, framework="pt", device="cpu") as fh:
                metadata = fh.metadata() or {}
                state = {k: fh.get_tensor(k) for k in fh.keys()}
        except Exception as exc:
            raise ValueError(
                f"{owner}: init_from file {path!r} is not a weights file written "
                f"by save_weights: {exc}"
            ) from exc
        if "vocabulary" not in metadata:
            raise ValueError(
                f"{owner}: init_from file {path!r} holds no vocabulary; write it "
                "with TextClassifier/TextRegressor.save_weights."
            )
        words = json.loads(metadata["vocabulary"])
        vocabulary = {w: i for i, w in enumerate(words, start=PADDING_IDX + 1)}
        source_name = metadata.get("estimator", "")
        task = "classification" if source_name == "TextClassifier" else None
        task = "regression" if source_name == "TextRegressor" else task
        classes = metadata.get("classes")
        classes = None if classes is None else json.loads(classes)
    elif isinstance(model, _TextNetMixin):
        if not model.__sklearn_is_fitted__():
            raise ValueError(
                f"{owner}: init_from is an unfitted {type(model).__name__}; fit it "
                "first. Inside a parameter grid, scikit-learn's clone() un-fits "
                "estimators given as grid values: pass "
                "sklearn.frozen.FrozenEstimator(model) or a save_weights file."
            )
        state = {k: v.detach().to("cpu") for k, v in model.module_.state_dict().items()}
        vocabulary = model.vocabulary_
        task = model._task
        classes = model.classes_.tolist() if task == "classification" else None
    else:
        raise TypeError(
            f"{owner}: init_from must be None, a fitted TextClassifier or "
            "TextRegressor (possibly wrapped in FrozenEstimator) or the path of a "
            f"file written by save_weights, got {type(init_from).__name__}."
        )
    arch = _architecture(state)
    if arch is None:
        raise ValueError(
            f"{owner}: the module of init_from is not a TextModule (it needs "
            "parameters embedding.*, encoder.* and head.*)."
        )
    return vocabulary, state, task, classes, arch


def _fused_adam_supported(device):
    """Whether torch's fused Adam/AdamW runs on ``device`` (CPU: torch >= 2.4)."""
    kind = torch.device(device if device is not None else "cpu").type
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    return kind == "cuda" or (kind == "cpu" and version >= (2, 4))


class _RaggedIds:
    """Token ids of documents in CSR form, padded one batch at a time.

    Holding the ids of a call as one padded matrix costs documents x longest
    document; this costs the number of tokens. Indexing with an int, a
    slice, a mask or an index array gives the rows as another ``_RaggedIds``
    (as skorch's ``multi_indexing`` expects); :meth:`padded` gives the
    matrix of some rows, as wide as their longest document.
    """

    def __init__(self, indptr, ids, max_length=None):
        lengths = np.diff(indptr)
        if max_length is not None and lengths.size and lengths.max() > max_length:
            # Keep the first max_length ids of each document.
            position = np.arange(ids.shape[0]) - np.repeat(indptr[:-1], lengths)
            ids = ids[position < max_length]
            lengths = np.minimum(lengths, max_length)
            indptr = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
            np.cumsum(lengths, out=indptr[1:])
        self.indptr, self.ids, self.lengths = indptr, ids, lengths

    def __len__(self):
        return self.lengths.shape[0]

    @property
    def shape(self):
        return (len(self), max(1, int(self.lengths.max()) if len(self) else 0))

    def _rows(self, index):
        return np.atleast_1d(np.arange(len(self))[index])

    def _gather(self, rows):
        """Lengths, ids and in-document positions of the tokens of ``rows``."""
        lengths = self.lengths[rows]
        position = np.arange(int(lengths.sum())) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        ids = self.ids[np.repeat(self.indptr[rows], lengths) + position]
        return lengths, ids, position

    def __getitem__(self, index):
        lengths, ids, _ = self._gather(self._rows(index))
        indptr = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return _RaggedIds(indptr, ids)

    def padded(self, index=slice(None)):
        """Return the padded int64 matrix of the rows, as wide as the longest."""
        rows = self._rows(index)
        lengths, ids, position = self._gather(rows)
        width = max(1, int(lengths.max()) if rows.size else 0)
        out = np.full((rows.shape[0], width), PADDING_IDX, dtype=np.int64)
        out[np.repeat(np.arange(rows.shape[0]), lengths), position] = ids
        return out


class _Batch(tuple):
    """``(X, y)`` of a whole batch, fetched at once by ``_TokenIdDataset``."""


def _collate(data):
    """Collate of the text nets' loaders: whole batches pass through."""
    if isinstance(data, _Batch):
        return list(data)
    if data and isinstance(data[0][0], _RaggedIds):
        # Rows fetched one by one (a loader without batched fetching).
        rows = [x for x, _ in data]
        indptr = np.cumsum([0] + [int(r.lengths[0]) for r in rows])
        ragged = _RaggedIds(indptr, np.concatenate([r.ids for r in rows]))
        return [
            torch.from_numpy(ragged.padded()),
            default_collate([y for _, y in data]),
        ]
    return default_collate(data)


class _TokenIdDataset(Dataset):
    """skorch ``Dataset`` of token ids that a DataLoader reads a batch at a time.

    skorch's ``Dataset`` indexes the arrays one row at a time and the default
    collate converts and stacks the rows (a few microseconds per document);
    ``__getitems__`` (used by the DataLoader's fetcher, also through a
    ``Subset``) gathers the whole batch with one tensor index instead. ``X``
    (an array, or a dict of arrays with the sample weights) and ``y`` stay
    numpy arrays for skorch's scoring callbacks; the tensors share their
    memory.
    """

    def __init__(self, X, y=None):
        super().__init__(X, y)
        if isinstance(X, dict):
            self._X = {k: self._as_tensor(v) for k, v in X.items()}
        else:
            self._X = self._as_tensor(X)
        self._y = None if y is None else torch.as_tensor(np.asarray(y))

    @staticmethod
    def _as_tensor(values):
        return values if isinstance(values, _RaggedIds) else torch.as_tensor(values)

    @staticmethod
    def _take(values, indices, idx):
        if isinstance(values, _RaggedIds):
            return torch.from_numpy(values.padded(np.asarray(indices)))
        return values[idx]

    def __getitems__(self, indices):
        idx = torch.as_tensor(indices, dtype=torch.long)
        if isinstance(self._X, dict):
            X = {k: self._take(v, indices, idx) for k, v in self._X.items()}
        else:
            X = self._take(self._X, indices, idx)
        # skorch's placeholder target when there is none (prediction).
        y = torch.zeros(len(idx)) if self._y is None else self._y[idx]
        return _Batch((X, y))


def _pad(indptr, ids, max_length):
    """Left-aligned padded matrix of token ids, truncated to ``max_length``."""
    return _RaggedIds(indptr, ids, max_length).padded()


def _doc_params(doc):
    """Fill the parameter text shared by the classifier and the regressor."""
    doc = doc.replace("%(shared_parameters)s", _SHARED_PARAMETERS.strip())
    return doc.replace("%(kwargs)s", _KWARGS.strip())


_SHARED_PARAMETERS = r"""
    module : torch.nn.Module class, default=TextModule
        The network, as a class (never an instance: an instance would be
        shared by every fit and clone). It is built in ``fit`` with the
        keyword arguments ``vocab_size``, ``n_outputs``, ``encoder``,
        ``embedding_dim``, ``hidden_size``, ``dropout`` and ``embeddings``
        (the initial word vectors), plus any ``module__<name>`` parameter
        (e.g. ``module__kernel_sizes=(2, 3)``). A custom module must name its
        embedding layer ``embedding`` for freezing and ``embedding_lr``.
    encoder : {'mean', 'cnn', 'lstm'}, default='mean'
        Document encoder of :class:`TextModule`: the mean of the word vectors
        followed by a ReLU layer; convolutions of widths 3, 4 and 5 with
        max-over-time pooling (Kim, 2014); or a bidirectional LSTM.
    embedding_dim : int, default=None
        Dimension of the word vectors. None means the dimension of
        ``embeddings`` (which must match when both are given), else 100.
    hidden_size : int, default=100
        Units of the mean encoder's hidden layer, filters per width of the CNN,
        or LSTM units per direction.
    dropout : float, default=0.2
        Dropout rate on the document vector.
    max_length : int, default=256
        Keep at most this many (in-vocabulary) tokens of each document. None
        keeps every token. Token ids are held per document (memory grows with
        the number of tokens, not documents x longest document) and each
        batch is padded to its own longest document.
    lowercase : bool, default=True
        Lowercase string documents before tokenising.
    token_pattern : str or None, default=r"(?u)\b\w\w+\b"
        Regular expression of a token (scikit-learn's default); None splits on
        whitespace. Ignored when ``tokenizer`` is given. Use the settings the
        ``embeddings`` were trained with, so that words match.
    tokenizer : callable, default=None
        Function from a (lowercased) string to a list of tokens; must be
        picklable for the estimator to be. Pre-tokenised documents (lists of
        str) are used as they are.
    min_count : int, default=1
        Keep words seen at least this many times in the documents given to
        ``fit`` (labelled and unlabelled alike).
    max_vocab_size : int, default=None
        Keep at most this many words, the most frequent ones. None keeps all.
    embeddings : Word2VecVectorizer, KeyedVectors or path, default=None
        Pretrained word vectors that initialise the embedding layer: a fitted
        :class:`~sktransfer.embeddings.Word2VecVectorizer` (also wrapped in
        :class:`~sklearn.frozen.FrozenEstimator`), gensim ``KeyedVectors``, or
        the path of a word2vec, GloVe or gensim vector file (read in ``fit``
        with :func:`~sktransfer.embeddings.load_vectors`). Words of the
        vocabulary without a vector get random rows of the same scale.
        ``clone`` shares vectorizers and KeyedVectors instead of copying them;
        as values of a parameter grid (which scikit-learn clones), use
        ``FrozenEstimator(vectorizer)`` or a path. The estimator pickles with
        what is given here: a path keeps pickles small. None starts from
        random vectors.
    freeze_embeddings : bool, default=False
        Keep the word vectors fixed during training.
    init_from : TextClassifier, TextRegressor or path, default=None
        A fitted model whose parameters initialise this one (parameter
        transfer): a fitted :class:`TextClassifier` or :class:`TextRegressor`,
        the same wrapped in :class:`~sklearn.frozen.FrozenEstimator`, or the
        path of a file written by :meth:`save_weights`. After the module is
        built in ``fit``, the embedding rows of the words both vocabularies
        share are copied (the other rows keep their initialisation from
        ``embeddings``; without ``embeddings`` they are random rows at the
        scale of the copied ones, and all the documents given to ``fit``,
        unlabelled ones included, extend the vocabulary that can be copied);
        the encoder is copied, which requires the same
        ``encoder``, embedding dimension and ``hidden_size`` (a ValueError
        says what differs); the head is copied only when the outputs are the
        same: the same ``classes_`` in the same order for a classifier, any
        regressor source for a regressor. ``transferred_`` records what was
        copied. When ``embedding_dim`` and ``embeddings`` are None, the
        embedding dimension of ``init_from`` is used. ``clone`` shares the
        model instead of un-fitting it; ``warm_start`` and ``partial_fit``
        transfer only when they initialise the module. The estimator pickles
        with what is given here: a path keeps pickles small.
    freeze_encoder : bool, default=False
        Keep the encoder's weights fixed during training (typically the
        encoder copied from ``init_from``); the embeddings and the head still
        train unless ``freeze_embeddings`` is set.
    unfreeze_at_epoch : int, default=None
        Gradual unfreezing: the word vectors are frozen at the start and
        trained from this epoch on (1-based), whatever ``freeze_embeddings``
        says. None keeps ``freeze_embeddings`` for the whole training.
    embedding_lr : float, default=None
        Learning rate of the word vectors (a parameter group of its own),
        typically smaller than ``lr`` for pretrained vectors. None uses
        ``lr``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labelled rows (stratified for
        classification), stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the weights of the epoch with
        the lowest validation loss (checkpointed in a private temporary
        directory per fit, removed afterwards: safe in parallel searches).
    validation_fraction : float, default=0.1
        Share of the labelled rows held out by ``early_stopping``.
    n_iter_no_change : int, default=5
        Patience of ``early_stopping``, in epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the random rows of words without a
        pretrained vector, dropout, the shuffling of the batches and the
        validation split. The caller's global torch and numpy random states
        are left unchanged when an int is given. None draws a seed from
        numpy's global random state.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimizer; its parameters are set with ``optimizer__<name>``. Adam
        and AdamW run fused (``optimizer__fused=True``, one kernel for all
        parameters) where PyTorch supports it (CUDA; CPU from torch 2.4),
        unless ``optimizer__fused`` or ``optimizer__foreach`` is set.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Number of passes over the labelled rows.
    batch_size : int, default=64
        Documents per batch.
    train_split : callable, default=None
        skorch's internal validation split. None (no split) unless
        ``early_stopping`` is on; a value given here overrides it.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, added to the built-in ones (loss logging,
        freezing, early stopping).
    warm_start : bool, default=False
        Whether ``fit`` continues training the fitted module (keeping its
        vocabulary and classes) instead of starting anew.
    verbose : int, default=0
        1 prints skorch's per-epoch table of losses (and the share of words
        with a pretrained vector); 2 also shows a progress bar over batches.
    device : str, torch.device or None, default='auto'
        Where to train and predict: 'auto', 'cpu', 'cuda' or any torch
        device. ``'auto'`` is ``'cuda'`` when PyTorch sees a GPU, else
        ``'cpu'``; it is resolved whenever the net uses the device, so
        ``get_params`` and ``clone`` keep ``'auto'`` and a model trained on a
        GPU predicts on a CPU-only machine once unpickled.
"""

_KWARGS = """
    **kwargs : dict
        Other skorch parameters (``iterator_train``, ``dataset``,
        ``predict_nonlinearity``, ``compile``, ...) and double-underscore
        parameters: ``module__*``, ``optimizer__*``, ``criterion__*``,
        ``iterator_train__*``, ``iterator_valid__*``, ``callbacks__*``.
"""

_SHARED_ATTRIBUTES = """
    vocabulary_ : dict of str to int
        Word to row of the embedding matrix (row 0 is padding).
    embedding_coverage_ : float
        Share of the vocabulary initialised from ``embeddings`` (0.0 without
        embeddings).
    transferred_ : dict
        What ``init_from`` initialised: ``'embedding'``, the share of the
        vocabulary whose rows were copied (0.0 without ``init_from``), and
        ``'encoder'`` and ``'head'``, whether they were copied.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Per-epoch (and per-batch) losses and timings; also ``history``.
"""


class _TextNetMixin:
    """Text handling, seeding and devices shared by the two estimators."""

    _task = None  # 'classification' or 'regression'

    # skorch's state on an unfitted net (see _SKORCH_STATE).
    history_ = None
    initialized_ = False
    virtual_params_ = _SKORCH_STATE["virtual_params_"]

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    _parameter_constraints: dict = {
        "encoder": [StrOptions(set(ENCODERS))],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
        "token_pattern": [str, None],
        "tokenizer": [callable, None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
        "freeze_embeddings": ["boolean"],
        "init_from": [None, str, os.PathLike, HasMethods(["predict"])],
        "freeze_encoder": ["boolean"],
        "unfreeze_at_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "embedding_lr": [Interval(Real, 0, None, closed="left"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "verbose": ["verbose"],
        "callbacks": [list, None, StrOptions({"disable"})],
    }

    def _init_text_params(self, **params):
        for name, value in params.items():
            setattr(self, name, value)
        # Keep skorch's unfitted state on the class (see _SKORCH_STATE).
        for name, default in _SKORCH_STATE.items():
            if name in vars(self) and vars(self)[name] in (default, {}):
                del vars(self)[name]

    # ------------------------------------------------------------------ #
    # parameters, device, cloning
    # ------------------------------------------------------------------ #
    @property
    def device(self):
        """The torch device in use (``'auto'`` resolved; see ``get_params``)."""
        return resolve_device(vars(self).get("device", "cpu"))

    @device.setter
    def device(self, value):
        vars(self)["device"] = value

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private ones are
        # implementation details, not parameters.
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def get_params(self, deep=True, **kwargs):
        """Get the parameters (``device`` as given, e.g. ``'auto'``).

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of sub-objects (callbacks).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep, **kwargs)
        if "device" in params:
            params["device"] = vars(self).get("device")
        return params

    def set_params(self, **params):
        """Set the parameters (skorch's ``set_params``).

        Parameters
        ----------
        **params : dict
            Parameter names (with skorch's ``module__*``, ``callbacks__*``,
            ... prefixes) mapped to their new values.

        Returns
        -------
        self : object
            The estimator.
        """
        if not self.initialized_:
            # skorch builds the callbacks eagerly in set_params, which fails on
            # values fit would reject with a clear message. Before fit, store
            # them; initialize_callbacks checks them.
            for key in [k for k in params if k.startswith("callbacks")]:
                vars(self)[key] = params.pop(key)
        return super().set_params(**params)

    def __sklearn_clone__(self):
        shared = {"init_from"} if self.init_from is not None else set()
        if _shares_embeddings(self.embeddings):
            shared.add("embeddings")
        if not shared:
            return super().__sklearn_clone__()
        # As sklearn.base.clone, but a fitted vectorizer (which clone would
        # un-fit) or KeyedVectors (which clone would deep-copy) is shared, and
        # so is the fitted model of init_from (only read, never trained).
        params = self.get_params(deep=False)
        for name, value in params.items():
            if name not in shared:
                params[name] = clone(value, safe=False)
        new = type(self)(**params)
        if hasattr(self, "_metadata_request"):
            new._metadata_request = copy.deepcopy(self._metadata_request)
        if hasattr(self, "_sklearn_output_config"):
            new._sklearn_output_config = copy.deepcopy(self._sklearn_output_config)
        return new

    def __setstate__(self, state):
        device = state.get("device")
        if isinstance(device, str) and device == "auto":
            # skorch maps tensors to state["device"]; map them to the device
            # 'auto' stands for on this machine, and keep 'auto'.
            state = dict(state, device=resolve_device(device))
            super().__setstate__(state)
            vars(self)["device"] = "auto"
        else:
            super().__setstate__(state)

    def _check_module(self):
        if isinstance(self.module, torch.nn.Module):
            raise TypeError(
                f"{type(self).__name__}: module must be a torch.nn.Module class "
                f"(such as TextModule), not an instance ({type(self.module).__name__}"
                "(...)). An instance would be shared by every fit and clone: a "
                "second fit or a GridSearchCV fold would continue from its trained "
                "weights, and skorch silently rebuilds it (dropping its weights) "
                "when module__* parameters are set. Pass the class, with its "
                "arguments as module__<name>=value."
            )
        if not callable(self.module):
            raise TypeError(
                f"{type(self).__name__}: module must be a torch.nn.Module class, "
                f"got {type(self.module).__name__}."
            )

    def _validate_params(self):
        self._check_module()
        params = self.get_params(deep=False)
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: params[k] for k in self._parameter_constraints if k in params},
            caller_name=type(self).__name__,
        )
        for item in self.callbacks if isinstance(self.callbacks, list) else ():
            cb = item[1] if isinstance(item, tuple) and len(item) == 2 else item
            if not (cb is None or isinstance(cb, Callback) or isinstance(cb, type)):
                raise TypeError(
                    f"{type(self).__name__}: callbacks must hold skorch callbacks "
                    f"(or (name, callback) pairs), got {item!r}."
                )
        device = vars(self).get("device")
        if device is not None and not (isinstance(device, str) and device == "auto"):
            try:
                torch.device(device)
            except (RuntimeError, TypeError) as exc:
                raise ValueError(
                    "device must be 'auto', 'cpu', 'cuda', 'cuda:<index>', a "
                    f"torch.device or None, got {device!r}."
                ) from exc
            if torch.device(device).type == "cuda" and not torch.cuda.is_available():
                raise ValueError(
                    f"device={device!r} but PyTorch sees no CUDA GPU; use "
                    "device='auto' (CUDA when present, else CPU) or 'cpu'."
                )
        if "module_" in vars(self):
            # skorch's check of unexpected keyword arguments knows the
            # module__/criterion__/optimizer__ prefixes once they are built.
            super()._validate_params()

    # ------------------------------------------------------------------ #
    # documents
    # ------------------------------------------------------------------ #
    def _tokenizer(self):
        return Tokenizer(self.lowercase, self.token_pattern, self.tokenizer)

    def _build_vocabulary(self, token_lists):
        counts = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        # Most frequent first; ties keep the order of first occurrence.
        words = sorted(
            (w for w, c in counts.items() if c >= self.min_count),
            key=lambda w: -counts[w],
        )
        if self.max_vocab_size is not None:
            words = words[: self.max_vocab_size]
        if not words:
            raise ValueError(
                f"{type(self).__name__}: the vocabulary is empty: no token appears "
                f"at least min_count={self.min_count} times in the documents. Lower "
                "min_count, check token_pattern, or give more documents."
            )
        return {w: i for i, w in enumerate(words, start=PADDING_IDX + 1)}

    def _ids(self, token_lists):
        indptr, ids = token_ids(token_lists, None, self.vocabulary_, owner=self)
        return self._id_storage(indptr, ids)

    def _id_storage(self, indptr, ids):
        # Batched loading pads each batch; skorch's row-by-row loading (a
        # user's dataset or collate_fn) needs the padded matrix.
        if self._batched_loading():
            return _RaggedIds(indptr, ids, self.max_length)
        return _pad(indptr, ids, self.max_length)

    def _encode_documents(self, X):
        """Token ids of documents (datasets and token ids pass through)."""
        if is_dataset(X) or isinstance(X, _RaggedIds):
            return X
        docs = check_documents(X, allow_empty=True, owner=type(self).__name__)
        indptr, ids = token_ids(docs, self._tokenizer(), self.vocabulary_, owner=self)
        return self._id_storage(indptr, ids)

    def _labelled(self, X, y, sample_domain, sample_weight):
        """Tokenised documents and their labelled rows."""
        docs = check_documents(X, owner=type(self).__name__)
        token_lists = self._tokenizer().tokenize_all(docs)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y: the target of each document "
                "(-1 or NaN for unlabelled ones)."
            )
        rows = labelled_rows(
            docs,
            y,
            sample_domain,
            sample_weight,
            task=self._task,
            estimator_name=type(self).__name__,
        )
        return token_lists, rows

    # ------------------------------------------------------------------ #
    # skorch hooks
    # ------------------------------------------------------------------ #
    def _seeds(self):
        """Seeds of (torch, embedding rows, batch order, validation split)."""
        base = getattr(self, "_fit_seed_", None)
        if base is None:
            base = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            base = (int(base),)
        return np.random.SeedSequence(base).generate_state(4)

    @contextmanager
    def _training(self, offset=0):
        """Seed torch for one fit without touching the caller's RNG state."""
        base = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        device = torch.device(self.device if self.device is not None else "cpu")
        devices = []
        if device.type == "cuda":
            index = device.index
            devices = [torch.cuda.current_device() if index is None else index]
        self._fit_seed_ = (base, offset)
        try:
            with torch.random.fork_rng(devices=devices):
                torch_seed = int(self._seeds()[0])
                torch.random.default_generator.manual_seed(torch_seed)
                if devices:
                    with torch.cuda.device(devices[0]):
                        torch.cuda.manual_seed(torch_seed)
                yield
        finally:
            vars(self).pop("_fit_seed_", None)

    def _n_outputs(self):
        raise NotImplementedError

    def _embedding_matrix(self, vocabulary, default_dim=DEFAULT_EMBEDDING_DIM):
        """Return the initial word vectors, their dimension and the coverage."""
        name = type(self).__name__
        wv = _load_embeddings(self.embeddings, name)
        if wv is not None and self.embedding_dim not in (None, wv.vector_size):
            raise ValueError(
                f"{name}: embedding_dim={self.embedding_dim} but the embeddings "
                f"have {wv.vector_size} dimensions; set embedding_dim=None or "
                f"{wv.vector_size}."
            )
        if wv is not None:
            dim = wv.vector_size
        elif self.embedding_dim is not None:
            dim = self.embedding_dim
        else:
            dim = default_dim
        rng = np.random.default_rng(int(self._seeds()[1]))
        n_rows = len(vocabulary) + 1
        if wv is None:
            # The scale of torch.nn.Embedding's default initialisation.
            weights = rng.standard_normal((n_rows, dim), dtype=np.float32)
            coverage = 0.0
        else:
            words = sorted(vocabulary, key=vocabulary.get)
            lookup = wv.key_to_index
            src = np.fromiter(
                (lookup.get(w, -1) for w in words), dtype=np.int64, count=len(words)
            )
            found = src >= 0
            pretrained = np.asarray(wv.vectors[src[found]], dtype=np.float32)
            scale = float(pretrained.std()) if found.any() else 0.1
            weights = rng.standard_normal((n_rows, dim), dtype=np.float32)
            weights *= np.float32(scale or 0.1)
            rows = np.asarray([vocabulary[w] for w in words])
            weights[rows[found]] = pretrained
            coverage = float(found.mean())
        weights[PADDING_IDX] = 0.0
        return weights, dim, coverage

    def initialize_module(self):
        """Build the module from the fitted vocabulary and the embeddings."""
        self._check_module()
        name = type(self).__name__
        vocabulary = vars(self).get("vocabulary_")
        if vocabulary is None:
            raise ValueError(
                f"{name} builds its module from the vocabulary of the documents "
                "given to fit; call fit or partial_fit rather than initialize."
            )
        source = None
        default_dim = DEFAULT_EMBEDDING_DIM
        if self.init_from is not None:
            source = _transfer_source(self.init_from, name)
            default_dim = source[4][1]
        weights, dim, coverage = self._embedding_matrix(vocabulary, default_dim)
        kwargs = {
            "vocab_size": len(vocabulary) + 1,
            "n_outputs": self._n_outputs(),
            "encoder": self.encoder,
            "embedding_dim": dim,
            "hidden_size": self.hidden_size,
            "dropout": self.dropout,
            "embeddings": weights,
        }
        user = self.get_params_for("module")
        clash = sorted(set(user) & set(kwargs))
        if clash:
            raise ValueError(
                f"{name}: module__{clash[0]} is set by the estimator; use its own "
                "parameters (encoder, embedding_dim, hidden_size, dropout, "
                "embeddings) instead of module__ ones."
            )
        self.module_ = self.module(**kwargs, **user)
        self.embedding_coverage_ = coverage
        self.transferred_ = {"embedding": 0.0, "encoder": False, "head": False}
        if source is not None:
            self.transferred_ = self._transfer(source, vocabulary)
        if self.verbose and self.embeddings is not None:
            print(
                f"[{name}] {coverage:.1%} of the {len(vocabulary)} words start from "
                "pretrained vectors.",
                flush=True,
            )
        return self

    def _transfer(self, source, vocabulary):
        """Copy the parameters of ``init_from`` into the new ``module_``."""
        name = type(self).__name__
        src_vocabulary, state, task, classes, arch = source
        module = self.module_
        if not all(hasattr(module, part) for part in ("embedding", "encoder", "head")):
            raise ValueError(
                f"{name}: init_from needs a module with embedding, encoder and "
                f"head parts (such as TextModule), got {type(module).__name__}."
            )
        encoder, src_dim, src_hidden = arch
        dim = int(module.embedding.weight.shape[1])
        differ = [
            f"{what}: init_from has {theirs!r}, this estimator {ours!r}"
            for what, theirs, ours in (
                ("encoder", encoder, self.encoder),
                ("embedding_dim", src_dim, dim),
                ("hidden_size", src_hidden, self.hidden_size),
            )
            if theirs != ours
        ]
        if differ:
            raise ValueError(
                f"{name}: the architecture of init_from differs ("
                + "; ".join(differ)
                + "). Set the same encoder, embedding_dim and hidden_size."
            )
        prefix = "encoder."
        encoder_state = {
            k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)
        }
        try:
            module.encoder.load_state_dict(encoder_state)
        except RuntimeError as exc:
            raise ValueError(
                f"{name}: the encoder of init_from does not fit this encoder "
                f"(different module__ parameters, e.g. kernel_sizes?): {exc}"
            ) from exc
        shared = [w for w in vocabulary if w in src_vocabulary]
        if shared:
            dst = torch.as_tensor([vocabulary[w] for w in shared])
            src = torch.as_tensor([src_vocabulary[w] for w in shared])
            weight = module.embedding.weight
            copied = state["embedding.weight"][src].to(weight)
            with torch.no_grad():
                if self.embeddings is None:
                    # The other rows are N(0, 1): bring them to the scale of
                    # the copied ones, or they would swamp them.
                    fresh = torch.ones(len(weight), dtype=torch.bool)
                    fresh[dst] = False
                    fresh[PADDING_IDX] = False
                    weight[fresh] *= float(copied.std()) if copied.numel() > 1 else 1.0
                weight[dst] = copied
        if self._task == "classification":
            same_outputs = classes is not None and (classes == self.classes_.tolist())
        else:
            same_outputs = task == "regression"
        head = {k[len("head.") :]: v for k, v in state.items() if k.startswith("head.")}
        copy_head = same_outputs and all(
            k in head and tuple(head[k].shape) == tuple(v.shape)
            for k, v in module.head.state_dict().items()
        )
        if copy_head:
            module.head.load_state_dict(head)
        return {
            "embedding": len(shared) / len(vocabulary),
            "encoder": True,
            "head": bool(copy_head),
        }

    def get_params_for(self, prefix):
        """Collect init parameters of a component, adding the embedding group.

        Parameters
        ----------
        prefix : str
            Component name, e.g. ``'module'`` or ``'optimizer'``.

        Returns
        -------
        kwargs : dict
            Keyword arguments of the component.
        """
        kwargs = super().get_params_for(prefix)
        if (
            prefix == "optimizer"
            and self.optimizer in (torch.optim.Adam, torch.optim.AdamW)
            and not {"fused", "foreach"} & set(kwargs)
            and _fused_adam_supported(self.device)
        ):
            # One kernel for all parameters: epochs over trainable embeddings
            # are ~2.4x faster on a CPU than with the per-tensor update.
            kwargs["fused"] = True
        if prefix == "optimizer" and self.embedding_lr is not None:
            groups = list(kwargs.get("param_groups", []))
            # skorch gives a parameter to the first matching group, so a group
            # of the user's own for the embeddings takes precedence.
            groups.append((EMBEDDING_PARAMS, {"lr": self.embedding_lr}))
            kwargs["param_groups"] = groups
        return kwargs

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        pattern = EMBEDDING_PARAMS
        # get_params(deep=True) reads this before fit validates the params:
        # read them without failing on odd values.
        unfreeze_at = self.unfreeze_at_epoch
        unfreeze = isinstance(unfreeze_at, Integral) and not isinstance(
            unfreeze_at, bool
        )
        if _is_true(self.freeze_embeddings) or unfreeze:
            callbacks.append(("freeze_embeddings", Freezer(pattern)))
        if _is_true(self.freeze_encoder):
            callbacks.append(("freeze_encoder", Freezer(ENCODER_PARAMS)))
        if unfreeze:
            callbacks.append(
                ("unfreeze_embeddings", Unfreezer(pattern, at=int(unfreeze_at)))
            )
        verbose = self.verbose
        if isinstance(verbose, Integral) and not isinstance(verbose, bool):
            if verbose >= 2:
                callbacks.append(("progress_bar", ProgressBar()))
        if _is_true(self.early_stopping):
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        load_best=False,
                    ),
                )
            )
            callbacks.append(("best_weights", _BestWeights()))
        return callbacks

    def initialize_callbacks(self):
        """Build the callbacks; reject parameters of callbacks that do not exist.

        Returns
        -------
        self : object
            The estimator.
        """
        super().initialize_callbacks()
        names = {name for name, _ in self._uniquely_named_callbacks()}
        for key in vars(self):
            if key.startswith("callbacks__"):
                name = key[len("callbacks__") :].split("__")[0]
                if name not in names:
                    raise ValueError(
                        f"{type(self).__name__}: {key} sets a callback that does not "
                        f"exist; the callbacks are {sorted(names)}."
                    )
        return self

    def _batched_loading(self):
        """Whether the loaders can fetch whole batches (``_TokenIdDataset``).

        Only with skorch's default dataset, torch DataLoaders and no
        ``collate_fn`` of the user's: those expect lists of rows.
        """
        return (
            self.dataset is Dataset
            and not self.get_params_for("dataset")
            and self.iterator_train is DataLoader
            and self.iterator_valid is DataLoader
            and "collate_fn" not in self.get_params_for("iterator_train")
            and "collate_fn" not in self.get_params_for("iterator_valid")
        )

    def get_dataset(self, X, y=None):
        """Wrap token ids (and targets) in a dataset read a batch at a time.

        Parameters
        ----------
        X : ndarray of shape (n_samples, length), dict or torch Dataset
            Token ids, or a dict of them (``"X"``) and the rows'
            ``"sample_weight"``; datasets pass through.
        y : ndarray of shape (n_samples,) or (n_samples, 1), default=None
            Encoded targets.

        Returns
        -------
        dataset : torch Dataset
            The dataset.
        """
        arrays = X.values() if isinstance(X, dict) else [X]
        if self._batched_loading() and all(
            isinstance(a, np.ndarray | _RaggedIds) for a in arrays
        ):
            return _TokenIdDataset(X, y)
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split the training set (only with ``early_stopping`` by default).

        Parameters
        ----------
        X : ndarray of shape (n_samples, length)
            Token ids.
        y : ndarray of shape (n_samples,) or (n_samples, 1)
            Encoded targets.
        **fit_params : dict
            Passed to the split.

        Returns
        -------
        dataset_train : torch Dataset
            The training rows.
        dataset_valid : torch Dataset or None
            The validation rows.
        """
        split = self.train_split
        if split is None and self.early_stopping:
            split = ValidSplit(
                self.validation_fraction,
                stratified=self._task == "classification",
                random_state=int(self._seeds()[3]),
            )
        dataset = self.get_dataset(X, y)
        if not split:
            return dataset, None
        if y is None:
            return split(dataset, **fit_params)
        return split(dataset, y, **fit_params)

    def get_iterator(self, dataset, training=False):
        """Build a data loader with its own generator (shuffled for training).

        Parameters
        ----------
        dataset : torch Dataset
            The rows.
        training : bool, default=False
            Whether the loader is for training.

        Returns
        -------
        iterator : torch DataLoader
            The loader.
        """
        if training:
            kwargs = self.get_params_for("iterator_train")
            iterator = self.iterator_train
            kwargs.setdefault("shuffle", True)
        else:
            kwargs = self.get_params_for("iterator_valid")
            iterator = self.iterator_valid
        if "generator" not in kwargs and iterator is torch.utils.data.DataLoader:
            # A DataLoader draws a seed from its generator, or else from the
            # global torch generator, each time it is iterated.
            seed = int(self._seeds()[2]) if getattr(self, "_fit_seed_", None) else 0
            kwargs["generator"] = torch.Generator().manual_seed(seed)
        if iterator is DataLoader and "collate_fn" not in kwargs:
            kwargs["collate_fn"] = _collate
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        return iterator(dataset, **kwargs)

    def __sklearn_is_fitted__(self):
        return "vocabulary_" in vars(self) and super().__sklearn_is_fitted__()

    def load_params(self, *args, **kwargs):
        """Load module, optimizer or history files (skorch's ``load_params``).

        Parameters
        ----------
        *args, **kwargs
            See :meth:`skorch.NeuralNet.load_params`.
        """
        device = vars(self).get("device")
        try:
            return super().load_params(*args, **kwargs)
        finally:
            vars(self)["device"] = device  # skorch may overwrite 'auto'

    # ------------------------------------------------------------------ #
    # fitting
    # ------------------------------------------------------------------ #
    def _encode_targets(self, y, first_fit, classes=None):
        raise NotImplementedError

    def _fit(
        self,
        X,
        y,
        sample_domain,
        fit_params,
        *,
        method,
        classes=None,
        sample_weight=None,
    ):
        token_lists, rows = self._labelled(X, y, sample_domain, sample_weight)
        masks = rows.masks
        sample_weight = rows.sample_weight
        if sample_weight is not None:
            if not sample_weight.sum() > 0:
                raise ValueError(
                    f"{type(self).__name__}: sample_weight is zero on every "
                    "labelled row; nothing to learn from."
                )
        fitted = self.__sklearn_is_fitted__()
        keep = method == "partial_fit" or (self.warm_start and self.initialized_)
        first_fit = not (keep and fitted)
        if first_fit:
            # Every document (unlabelled ones too) brings its words.
            vocabulary = self._build_vocabulary(token_lists)
        idx = masks.labelled_indices
        y_enc = self._encode_targets(masks.y[idx], first_fit, classes)
        if first_fit:
            self.vocabulary_ = vocabulary
        ids = self._ids([token_lists[i] for i in idx])
        if sample_weight is not None:
            # Batches carry their rows' weights to get_loss (infer drops them).
            ids = {"X": ids, "sample_weight": sample_weight.astype(np.float32)}
        offset = 0 if first_fit else len(self.history_ or ())
        with self._training(offset):
            if first_fit or not self.initialized_:
                self.initialize()
            super().partial_fit(ids, y_enc, _routing_method=method, **fit_params)
        return self

    def infer(self, x, **fit_params):
        """Run the module on a batch (its sample weights left out).

        Parameters
        ----------
        x : torch.Tensor or dict
            Token ids of a batch, or a dict of them (key ``"X"``) and of the
            rows' ``"sample_weight"``.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        y_infer : torch.Tensor
            The module's output.
        """
        if isinstance(x, dict) and "sample_weight" in x:
            x = x["X"]
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Loss of a batch: the weighted mean over its rows with ``sample_weight``.

        Parameters
        ----------
        y_pred : torch.Tensor
            Module outputs.
        y_true : torch.Tensor
            Encoded targets.
        X : torch.Tensor or dict, default=None
            The batch, with the rows' ``"sample_weight"`` when ``fit`` got
            them.
        training : bool, default=False
            Whether the batch is a training one.

        Returns
        -------
        loss : torch.Tensor
            A scalar.
        """
        weight = X.get("sample_weight") if isinstance(X, dict) else None
        if weight is None:
            return super().get_loss(y_pred, y_true, X=X, training=training)
        criterion = self.criterion_
        reduction = getattr(criterion, "reduction", None)
        if reduction != "mean":
            raise ValueError(
                f"{type(self).__name__}: sample_weight needs a criterion with "
                f"reduction='mean' (it weights the per-row losses), got "
                f"{type(criterion).__name__} with reduction={reduction!r}."
            )
        criterion.reduction = "none"
        try:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        finally:
            criterion.reduction = reduction
        loss = loss.reshape(len(loss), -1).mean(dim=1)
        weight = weight.to(loss)
        total = weight.sum()
        weighted = (loss * weight).sum()
        # A batch of zero-weight rows contributes nothing (and no NaN).
        return weighted / total if total > 0 else weighted

    def _forward(self, X):
        """Return the module outputs (after the prediction nonlinearity)."""
        check_is_fitted(self)
        encoded = self._encode_documents(X)
        if len(encoded) == 0:
            # No batch to run: an empty result of the right shape.
            return np.zeros((0, self._n_outputs()), dtype=np.float32)
        return NeuralNet.predict_proba(self, encoded)

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
        save_file = _safetensors().save_file
        state = {
            k: v.detach().to("cpu").contiguous()
            for k, v in self.module_.state_dict().items()
        }
        words = sorted(self.vocabulary_, key=self.vocabulary_.get)
        metadata = {
            "format": WEIGHTS_FORMAT,
            "estimator": type(self).__name__,
            "vocabulary": json.dumps(words),
        }
        if self._task == "classification":
            try:
                metadata["classes"] = json.dumps(self.classes_.tolist())
            except TypeError:
                pass  # labels JSON cannot hold: init_from keeps a fresh head
        path = os.fspath(path)
        with atomic_path(path) as tmp:
            save_file(state, tmp, metadata=metadata)
        return path

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
        st = _safetensors()
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise ValueError(f"weights file {path!r} does not exist.")
        with st.safe_open(path, framework="pt", device="cpu") as fh:
            metadata = fh.metadata() or {}
            state = {k: fh.get_tensor(k) for k in fh.keys()}
        if "vocabulary" in metadata:
            words = json.loads(metadata["vocabulary"])
            if words != sorted(self.vocabulary_, key=self.vocabulary_.get):
                raise ValueError(
                    f"the weights in {path!r} were saved for a different vocabulary "
                    f"({len(words)} words, this estimator has "
                    f"{len(self.vocabulary_)}); fit on the same documents first."
                )
        try:
            self.module_.load_state_dict(state)
        except RuntimeError as exc:
            raise ValueError(
                f"the weights in {path!r} do not fit this module (different "
                f"architecture or sizes): {exc}"
            ) from exc
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.non_deterministic = False
        return tags


def _safetensors():
    try:
        import safetensors.torch as st
        from safetensors import safe_open
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "save_weights and load_weights need the safetensors package: "
            "pip install safetensors"
        ) from exc
    st.safe_open = safe_open
    return st


def _with_doc(cls):
    cls.__doc__ = _doc_params(cls.__doc__).replace(
        "%(shared_attributes)s", _SHARED_ATTRIBUTES.strip()
    )
    return cls


class _TextScoreMixin:
    """``score`` on the labelled rows only (accuracy or R^2)."""

    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Score the predictions on the labelled rows of ``X``.

        Unlabelled rows (``y == -1`` for classification, NaN for regression)
        are ignored, so a cross-validation fold holding unlabelled target rows
        still gets a finite score.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.
        y : array-like of shape (n_samples,)
            True targets; ``-1`` or NaN for unlabelled rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row, read as in :meth:`fit`.

        Returns
        -------
        score : float
            Accuracy (classifier) or coefficient of determination R^2
            (regressor) on the labelled rows.
        """
        check_is_fitted(self)
        docs = check_documents(X, owner=type(self).__name__)
        return score_labelled(
            self, docs, y, sample_weight, sample_domain, task=self._task
        )


@_with_doc
class TextClassifier(_TextScoreMixin, _TextNetMixin, NeuralNetClassifier):
    """Neural text classifier that starts from pretrained word vectors.

    A skorch :class:`~skorch.NeuralNetClassifier` over raw documents: ``fit``
    tokenises the documents (with the settings of
    :class:`~sktransfer.embeddings.Word2VecVectorizer`), learns a vocabulary
    from all of them (unlabelled rows included, so target-domain words get a
    vector), initialises the embedding layer from ``embeddings`` and trains a
    :class:`TextModule` (mean, CNN or LSTM encoder) on the labelled rows with
    the cross-entropy loss. The transfer knobs (freezing, gradual
    unfreezing, a separate learning rate for the word vectors) are plain
    parameters, so :class:`~sklearn.model_selection.GridSearchCV` searches
    them; skorch's callbacks, ``history_`` and ``module__*`` parameters work
    as usual.

    Parameters
    ----------
    %(shared_parameters)s
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the module's logits.
    classes : array-like of shape (n_classes,), default=None
        The labels, in the order of the outputs. None uses the sorted labels
        of the labelled rows of ``y``.
    %(kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y`` (strings stay strings).
    %(shared_attributes)s

    See Also
    --------
    TextRegressor : The same network for regression targets.
    sktransfer.embeddings.Word2VecVectorizer : Train the word vectors.

    Notes
    -----
    The domain contract of :func:`sktransfer.utils.check_domains` applies:
    rows with ``y == -1`` are unlabelled. They are left out of the loss but
    their words enter the vocabulary. ``fit`` and ``score`` accept
    ``sample_domain`` and request it for metadata routing by default.

    ``predict`` and ``predict_proba`` also accept a torch ``Dataset`` of token
    ids (as skorch's scoring callbacks pass); ``predict`` then returns class
    indices, which match the encoded targets such datasets hold.

    References
    ----------
    .. [1] Y. Kim. "Convolutional Neural Networks for Sentence
       Classification". EMNLP, 2014.
    .. [2] J. Howard and S. Ruder. "Universal Language Model Fine-tuning for
       Text Classification". ACL, 2018 (gradual unfreezing, discriminative
       learning rates).

    Examples
    --------
    >>> from sktransfer.neural import TextClassifier
    >>> X = ["a good film", "a great film", "a bad film", "an awful film",
    ...      "good fun", "great fun", "bad acting", "awful acting"]
    >>> y = ["pos", "pos", "neg", "neg", "pos", "pos", "neg", "neg"]
    >>> clf = TextClassifier(embedding_dim=16, hidden_size=16, max_epochs=30,
    ...                      lr=0.01, device="cpu", random_state=0)
    >>> clf.fit(X, y).classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict(["good film", "awful film"])
    array(['pos', 'neg'], dtype='<U3')
    >>> clf.predict_proba(["great acting"]).shape
    (1, 2)
    """

    _task = "classification"

    __metadata_request__partial_fit = {"classes": UNUSED, "sample_domain": True}

    def __init__(
        self,
        module=TextModule,
        *,
        encoder="mean",
        embedding_dim=None,
        hidden_size=100,
        dropout=0.2,
        max_length=256,
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        min_count=1,
        max_vocab_size=None,
        embeddings=None,
        freeze_embeddings=False,
        init_from=None,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        embedding_lr=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        classes=None,
        warm_start=False,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        # Placeholders for module and criterion: skorch refuses torch module
        # instances set as attributes, and an instance must reach fit to be
        # rejected there with a clear message.
        super().__init__(
            None,
            criterion=None,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            classes=classes,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        vars(self).update(module=module, criterion=criterion)
        self._init_text_params(
            encoder=encoder,
            embedding_dim=embedding_dim,
            hidden_size=hidden_size,
            dropout=dropout,
            max_length=max_length,
            lowercase=lowercase,
            token_pattern=token_pattern,
            tokenizer=tokenizer,
            min_count=min_count,
            max_vocab_size=max_vocab_size,
            embeddings=embeddings,
            freeze_embeddings=freeze_embeddings,
            init_from=init_from,
            freeze_encoder=freeze_encoder,
            unfreeze_at_epoch=unfreeze_at_epoch,
            embedding_lr=embedding_lr,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            random_state=random_state,
        )

    @property
    def classes_(self):
        """The class labels (set by ``fit``)."""
        try:
            return vars(self)["classes_"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    @classes_.setter
    def classes_(self, value):
        vars(self)["classes_"] = value

    def _n_outputs(self):
        return len(self.classes_)

    def _encode_targets(self, y, first_fit, classes=None):
        name = type(self).__name__
        if first_fit:
            given = classes if classes is not None else self.classes
            if given is not None:
                labels = np.asarray(given)
                if len(set(labels.tolist())) != len(labels):
                    raise ValueError(f"{name}: classes holds duplicate labels.")
            else:
                try:
                    labels = np.unique(y)
                except TypeError as exc:
                    raise ValueError(
                        f"{name}: the labels of y cannot be sorted (mixed types?): "
                        f"{exc}"
                    ) from exc
            if len(labels) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes among the labelled rows, got "
                    f"{len(labels)} ({labels.tolist()!r})."
                )
            self.classes_ = labels
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        try:
            codes = [index[label] for label in y.tolist()]
        except KeyError as exc:
            raise ValueError(
                f"{name}: y holds the label {exc.args[0]!r}, which is not among "
                f"classes_ {self.classes_.tolist()!r}."
            ) from None
        return np.asarray(codes, dtype=np.int64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Learn the vocabulary and train the network on the labelled rows.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents of all domains (strings, or lists of tokens).
        y : array-like of shape (n_samples,)
            Labels of any type; ``-1`` marks unlabelled rows (never modified).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its labelled rows' losses (unlabelled rows have none).
            None weighs every row the same.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target), as in
            :func:`sktransfer.utils.check_domains`.
        **fit_params : dict
            Passed to skorch (its train split and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X,
        y,
        classes=None,
        sample_weight=None,
        *,
        sample_domain=None,
        **fit_params,
    ):
        """Train for ``max_epochs`` more epochs without re-initialising.

        The first call learns the vocabulary and the classes (give every
        label in ``classes`` when a batch may lack some); later calls keep
        them.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` marks unlabelled rows.
        classes : array-like of shape (n_classes,), default=None
            All labels, on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its labelled rows' losses (unlabelled rows have none).
            None weighs every row the same.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The classifier.
        """
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            classes=classes,
            sample_weight=sample_weight,
        )

    def predict_proba(self, X):
        """Class probabilities of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float32
            Probabilities, columns ordered as ``classes_``.
        """
        return self._forward(X)

    def predict(self, X):
        """Predict the class of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        index = self.predict_proba(X).argmax(axis=1)
        return index if is_dataset(X) else self.classes_[index]


@_with_doc
class TextRegressor(_TextScoreMixin, _TextNetMixin, NeuralNetRegressor):
    """Neural text regressor that starts from pretrained word vectors.

    The regression counterpart of :class:`TextClassifier`: the same
    vocabulary, embeddings and encoders, one output and the mean squared
    error loss. Rows whose target is NaN are unlabelled.

    Parameters
    ----------
    %(shared_parameters)s
    criterion : torch loss class, default=torch.nn.MSELoss
        Loss between the output and the target.
    %(kwargs)s

    Attributes
    ----------
    %(shared_attributes)s

    See Also
    --------
    TextClassifier : The same network for class labels.

    Notes
    -----
    Targets are used on their own scale (they are not standardised); scale
    them (e.g. with :class:`~sklearn.compose.TransformedTargetRegressor`) when
    they are far from unit variance.

    Examples
    --------
    >>> from sktransfer.neural import TextRegressor
    >>> X = ["a good film", "a great film", "a bad film", "an awful film"]
    >>> y = [1.0, 2.0, -1.0, -2.0]
    >>> reg = TextRegressor(embedding_dim=8, hidden_size=8, max_epochs=5,
    ...                     device="cpu", random_state=0).fit(X, y)
    >>> reg.predict(["a good film"]).shape
    (1,)
    """

    _task = "regression"

    __metadata_request__partial_fit = {"classes": UNUSED, "sample_domain": True}

    def __init__(
        self,
        module=TextModule,
        *,
        encoder="mean",
        embedding_dim=None,
        hidden_size=100,
        dropout=0.2,
        max_length=256,
        lowercase=True,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        min_count=1,
        max_vocab_size=None,
        embeddings=None,
        freeze_embeddings=False,
        init_from=None,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        embedding_lr=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        super().__init__(
            None,
            criterion=None,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        vars(self).update(module=module, criterion=criterion)
        self._init_text_params(
            encoder=encoder,
            embedding_dim=embedding_dim,
            hidden_size=hidden_size,
            dropout=dropout,
            max_length=max_length,
            lowercase=lowercase,
            token_pattern=token_pattern,
            tokenizer=tokenizer,
            min_count=min_count,
            max_vocab_size=max_vocab_size,
            embeddings=embeddings,
            freeze_embeddings=freeze_embeddings,
            init_from=init_from,
            freeze_encoder=freeze_encoder,
            unfreeze_at_epoch=unfreeze_at_epoch,
            embedding_lr=embedding_lr,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            random_state=random_state,
        )

    def _n_outputs(self):
        return 1

    def _encode_targets(self, y, first_fit, classes=None):
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Learn the vocabulary and train the network on the labelled rows.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents of all domains (strings, or lists of tokens).
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows (never modified).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its labelled rows' losses (unlabelled rows have none).
            None weighs every row the same.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target).
        **fit_params : dict
            Passed to skorch (its train split and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X,
        y,
        classes=None,
        sample_weight=None,
        *,
        sample_domain=None,
        **fit_params,
    ):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents (the first call learns the vocabulary).
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows.
        classes : None
            Unused; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its labelled rows' losses (unlabelled rows have none).
            None weighs every row the same.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The regressor.
        """
        return self._fit(
            X,
            y,
            sample_domain,
            fit_params,
            method="partial_fit",
            sample_weight=sample_weight,
        )

    @available_if(lambda est: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities."""

    def predict(self, X):
        """Predict the target of documents.

        Parameters
        ----------
        X : iterable of str or of list of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype float64
            Predictions.
        """
        return self._forward(X)[:, 0].astype(np.float64)
