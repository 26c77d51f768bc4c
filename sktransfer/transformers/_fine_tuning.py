"""Fine-tuning a pretrained transformer: the skorch net both estimators share.

:class:`_TransformerNet` is a skorch :class:`~skorch.NeuralNet` over raw
documents. ``fit`` validates the domain contract (unlabelled rows are left
out), loads the tokenizer and an ``AutoModelForSequenceClassification`` with
one output per class (one for regression) from ``pretrained`` (offline, see
:mod:`sktransfer.transformers._pretrained`) and trains it; each batch is
tokenised when it is drawn and padded to its own longest document.

What is reused from :mod:`sktransfer.neural`: the seeds of a fit
(``_seeding``), the device choice, the sample-weighted loss (``_losses``)
and the best-epoch restore of early stopping (``_callbacks``). The layer
groups, gradual unfreezing and the learning-rate schedule are in
:mod:`sktransfer.transformers._layers`.

Why ``AutoModelForSequenceClassification`` rather than a head of our own:
the fitted model is then a standard ``transformers`` model, so the
directory ``save_pretrained`` writes loads in ``transformers`` as it is
(``config.json``, ``model.safetensors``, the tokenizer files), and each
architecture keeps the head its authors designed (BERT's pooler, RoBERTa's
two-layer head).
"""

import logging
import os
from contextlib import contextmanager, nullcontext
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metadata_routing import UNUSED
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit
from torch.utils.data import Dataset

from sktransfer.neural._base import _SKORCH_STATE
from sktransfer.neural._callbacks import _BestWeights
from sktransfer.neural._losses import per_row_losses, weighted_mean
from sktransfer.neural._params import (
    _fused_adam_supported,
    _NetParamsMixin,
    clone_sharing,
    resolve_device,
)
from sktransfer.neural._seeding import fit_seeds, seeded_torch
from sktransfer.transformers._layers import (
    GradualUnfreezing,
    WarmupLinearDecay,
    layer_groups,
    layer_learning_rates,
)
from sktransfer.transformers._masked_lm import pretrain_masked_lm
from sktransfer.transformers._pretrained import (
    SAVED_CONFIG,
    SAVED_FORMAT,
    check_texts,
    check_tokenizer_fits_model,
    encode_batch,
    import_transformers,
    load_model,
    load_tokenizer,
    max_sequence_length,
    read_saved_config,
    resolve_pretrained,
    saved_estimator,
    write_model_directory,
)
from sktransfer.utils._domains import labelled_rows, score_labelled
from sktransfer.utils._persist import check_json_params

__all__ = ["SAVED_CONFIG", "read_saved_config"]

logger = logging.getLogger("sktransfer.transformers")

_FORMAT = SAVED_FORMAT
MAX_EPOCHS = 10_000

# The arguments of the estimators' __init__ that go to skorch's.
_SKORCH_ARGUMENTS = (
    "criterion",
    "optimizer",
    "lr",
    "max_epochs",
    "batch_size",
    "train_split",
    "callbacks",
    "verbose",
    "device",
)


# --------------------------------------------------------------------------- #
# data
# --------------------------------------------------------------------------- #
class _TextRows(Dataset):
    """Documents (with targets and weights) read one row at a time."""

    def __init__(self, texts, y=None, sample_weight=None):
        self.texts = texts
        self.y = y
        self.sample_weight = sample_weight

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, i):
        weight = None if self.sample_weight is None else self.sample_weight[i]
        target = 0 if self.y is None else self.y[i]
        return (self.texts[i], weight), target


def _collate(items, tokenizer, max_length):
    """Tokenise a batch, padded to its longest document (dynamic padding)."""
    texts = [x[0] for x, _ in items]
    batch = dict(encode_batch(tokenizer, texts, max_length))
    if items[0][0][1] is not None:
        batch["sample_weight"] = torch.as_tensor(
            np.asarray([x[1] for x, _ in items], dtype=np.float32)
        )
    y = torch.as_tensor(np.asarray([t for _, t in items]))
    return batch, y


class _SequenceModel(torch.nn.Module):
    """A ``transformers`` sequence-classification model that returns logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return self.model(**kwargs).logits


# --------------------------------------------------------------------------- #
# the saved directory
# --------------------------------------------------------------------------- #
def _saved_classes(config, path):
    labels = config.get("classes_")
    if labels is None:
        return None
    if not isinstance(labels, list) or len(labels) < 2:
        raise ValueError(f"{str(path)!r}: {SAVED_CONFIG} 'classes_' is not a list.")
    try:
        return np.asarray(labels, dtype=config.get("classes_dtype"))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r}: {SAVED_CONFIG} 'classes_dtype' does not fit the "
            f"labels: {exc}"
        ) from exc


# --------------------------------------------------------------------------- #
# the net
# --------------------------------------------------------------------------- #
class _TransformerNet(_NetParamsMixin, NeuralNet):
    """What :class:`TransformerClassifier` and :class:`TransformerRegressor` share."""

    _task = None  # 'classification' or 'regression'

    history_ = None
    initialized_ = False
    virtual_params_ = _SKORCH_STATE["virtual_params_"]

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__partial_fit = {"classes": UNUSED, "sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    _parameter_constraints: dict = {
        "pretrained": [str, os.PathLike, HasMethods(["get_model_path"])],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "freeze_encoder": ["boolean"],
        "unfreeze_at_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "layer_lr_decay": [Interval(Real, 0, 1, closed="right"), None],
        "lr_schedule": [StrOptions({"linear", "constant"})],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "autocast": ["boolean", StrOptions({"bfloat16"})],
        "init_from": [None, HasMethods(["predict"])],
        "lm_pretraining_epochs": [Interval(Integral, 0, MAX_EPOCHS, closed="both")],
        "lm_pretraining_lr": [Interval(Real, 0, None, closed="neither"), None],
        "reset_head": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 0, MAX_EPOCHS, closed="both")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "verbose": ["verbose"],
        "callbacks": [list, None, StrOptions({"disable"})],
    }

    def _init_net(self, arguments):
        """Set the arguments of an estimator's ``__init__`` (its ``locals()``)."""
        params = {k: v for k, v in arguments.items() if k not in ("self", "kwargs")}
        skorch_params = {k: params.pop(k) for k in _SKORCH_ARGUMENTS}
        super().__init__(_SequenceModel, **skorch_params, **arguments["kwargs"])
        del vars(self)["module"]  # fixed, not a parameter
        for name, value in params.items():
            setattr(self, name, value)
        for name, default in _SKORCH_STATE.items():
            if name in vars(self) and vars(self)[name] in (default, {}):
                del vars(self)[name]

    module = _SequenceModel

    # ------------------------------------------------------------------ #
    # parameters, device, cloning, pickling
    # ------------------------------------------------------------------ #
    def __sklearn_clone__(self):
        if self.init_from is None:
            return super().__sklearn_clone__()
        # The fitted model of init_from is only read: share it (clone would
        # un-fit it).
        return clone_sharing(self, {"init_from"})

    def __getstate__(self):
        # The optimizer state (twice the weights for AdamW) is for resuming
        # a fit only: a pickled estimator predicts, and its partial_fit
        # starts a new optimizer. skorch pickles the optimizer with the
        # torch objects, so it is set aside while they are pickled.
        optimizer = vars(self).pop("optimizer_", None)
        try:
            state = super().__getstate__()
        finally:
            if optimizer is not None:
                vars(self)["optimizer_"] = optimizer
        state.pop("_fit_seeds", None)
        return state

    def __setstate__(self, state):
        device = state.get("device")
        if isinstance(device, str) and device == "auto":
            state = dict(state, device=resolve_device(device))
            super().__setstate__(state)
            vars(self)["device"] = "auto"
        else:
            super().__setstate__(state)

    def _validate_params(self):
        params = self.get_params(deep=False)
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: params[k] for k in self._parameter_constraints if k in params},
            caller_name=type(self).__name__,
        )
        name = type(self).__name__
        if self.freeze_encoder and self.unfreeze_at_epoch is not None:
            raise ValueError(
                f"{name}: freeze_encoder=True keeps the encoder frozen for the "
                f"whole fit, but unfreeze_at_epoch={self.unfreeze_at_epoch} asks "
                "to unfreeze it; set only one of them."
            )
        if self.init_from is not None:
            source = self.init_from
            if isinstance(source, FrozenEstimator):
                source = source.estimator
            if not isinstance(source, _TransformerNet):
                raise TypeError(
                    f"{name}: init_from must be None or a fitted "
                    "TransformerClassifier or TransformerRegressor (possibly in "
                    f"FrozenEstimator), got {type(source).__name__}; to start "
                    "from a saved directory, pass it as pretrained."
                )
        device = vars(self).get("device")
        if device is not None and not (isinstance(device, str) and device == "auto"):
            try:
                kind = torch.device(device).type
            except (RuntimeError, TypeError) as exc:
                raise ValueError(
                    "device must be 'auto', 'cpu', 'cuda', 'cuda:<index>', a "
                    f"torch.device or None, got {device!r}."
                ) from exc
            if kind == "cuda" and not torch.cuda.is_available():
                raise ValueError(
                    f"device={device!r} but PyTorch sees no CUDA GPU; use "
                    "device='auto' (CUDA when present, else CPU) or 'cpu'."
                )
        if "module_" in vars(self):
            super()._validate_params()

    # ------------------------------------------------------------------ #
    # the model
    # ------------------------------------------------------------------ #
    def _n_outputs(self):
        raise NotImplementedError

    def _source(self):
        source = self.init_from
        if isinstance(source, FrozenEstimator):
            source = source.estimator
        if source is None:
            return None
        if not source.__sklearn_is_fitted__():
            raise ValueError(
                f"{type(self).__name__}: init_from is an unfitted "
                f"{type(source).__name__}; fit it first. Inside a parameter grid, "
                "scikit-learn's clone() un-fits estimators given as grid values: "
                "pass sklearn.frozen.FrozenEstimator(model)."
            )
        return source

    def _same_head(self, task, classes):
        """Whether a head trained for ``task`` / ``classes`` gives our outputs."""
        if task != self._task:
            return False
        if task == "regression":
            return True
        return classes is not None and np.array_equal(
            np.asarray(classes, dtype=object), np.asarray(self.classes_, dtype=object)
        )

    def _keep_saved_head(self, path, saved):
        """Whether the head saved in ``path`` is kept (or raise on a mismatch)."""
        if saved is None or self.reset_head:
            return False
        if saved.get("estimator") not in (
            "TransformerClassifier",
            "TransformerRegressor",
        ):
            return False  # a SentenceEncoder's directory: an encoder, no head
        task = (
            "classification"
            if saved.get("estimator") == "TransformerClassifier"
            else "regression"
        )
        classes = _saved_classes(saved, path) if task == "classification" else None
        if self._same_head(task, classes):
            return True
        theirs = "a regression output" if classes is None else classes.tolist()
        ours = (
            "a regression output"
            if self._task == "regression"
            else self.classes_.tolist()
        )
        raise ValueError(
            f"{type(self).__name__}: pretrained={str(self.pretrained)!r} holds a "
            f"head fine-tuned for {theirs}, but this fit has {ours}. Set "
            "reset_head=True to keep its encoder and start a new head."
        )

    def _load_model(self):
        """Load the tokenizer and the model of ``pretrained``, with our head."""
        name = type(self).__name__
        transformers = import_transformers()
        path = resolve_pretrained(self.pretrained, param="pretrained")
        saved = read_saved_config(path)
        keep_head = self._keep_saved_head(path, saved)
        tokenizer = load_tokenizer(path)
        n_outputs = self._n_outputs()
        model = load_model(
            path,
            transformers.AutoModelForSequenceClassification,
            num_labels=n_outputs,
            ignore_mismatched_sizes=True,
        )
        check_tokenizer_fits_model(tokenizer, model, path)
        limit = max_sequence_length(tokenizer, model)
        if limit is not None and self.max_length > limit:
            raise ValueError(
                f"{name}: max_length={self.max_length} exceeds the {limit} tokens "
                f"the model of pretrained={str(self.pretrained)!r} accepts; set "
                f"max_length <= {limit}."
            )
        prefix = model.base_model_prefix
        if not keep_head:
            # A new head, drawn from the fit's seed: the checkpoint's own
            # (another task's, or none) is replaced.
            for child_name, child in model.named_children():
                if child_name != prefix:
                    child.apply(model._init_weights)
        model.config.problem_type = (
            "regression"
            if self._task == "regression"
            else "single_label_classification"
        )
        if self._task == "classification":
            labels = [str(c) for c in self.classes_.tolist()]
            model.config.id2label = dict(enumerate(labels))
            model.config.label2id = {label: i for i, label in enumerate(labels)}
        source = self._source()
        self.transferred_ = {"encoder": False, "head": False}
        if source is not None:
            self._copy_from(model, source)
        return tokenizer, model

    def _copy_from(self, model, source):
        """Copy the encoder of the fitted ``source`` (and its head if it fits)."""
        name = type(self).__name__
        theirs = source.module_.model
        try:
            model.base_model.load_state_dict(theirs.base_model.state_dict())
        except RuntimeError as exc:
            raise ValueError(
                f"{name}: the encoder of init_from does not fit the model of "
                f"pretrained={str(self.pretrained)!r} (another architecture or "
                f"size): {exc}"
            ) from exc
        classes = getattr(source, "classes_", None)
        head = self._same_head(source._task, classes)
        if head:
            prefix = model.base_model_prefix
            state = {
                k: v
                for k, v in theirs.state_dict().items()
                if not k.startswith(prefix + ".")
            }
            model.load_state_dict(state, strict=False)
        self.transferred_ = {"encoder": True, "head": bool(head)}

    def initialize_module(self):
        """Load the pretrained model (offline) with the head of this fit."""
        tokenizer, model = self._load_model()
        self.tokenizer_ = tokenizer
        self.module_ = _SequenceModel(model)
        return self

    def get_params_for_optimizer(self, prefix, named_parameters):
        """Arguments of the optimizer: per-layer learning rates when asked.

        Parameters
        ----------
        prefix : str
            ``'optimizer'``.
        named_parameters : iterable of (str, torch.nn.Parameter)
            The learnable parameters.

        Returns
        -------
        args : tuple
            The parameter groups.
        kwargs : dict
            The optimizer's keyword arguments.
        """
        named_parameters = list(named_parameters)
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if (
            self.optimizer in (torch.optim.Adam, torch.optim.AdamW)
            and not {"fused", "foreach"} & set(kwargs)
            and _fused_adam_supported(self.device)
        ):
            kwargs["fused"] = True
        if self.layer_lr_decay is None:
            return args, kwargs
        if "param_groups" in self.get_params_for("optimizer"):
            raise ValueError(
                f"{type(self).__name__}: layer_lr_decay sets the parameter groups "
                "itself; do not also set optimizer__param_groups."
            )
        params = dict(named_parameters)
        groups = [g for g in layer_groups(self.module_) if g]
        lrs = layer_learning_rates(len(groups), self.lr, self.layer_lr_decay)
        param_groups = [
            {"params": [params[n] for n in group if n in params], "lr": lr}
            for group, lr in zip(groups, lrs)
        ]
        return (param_groups,), kwargs

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        if _is_true(self.freeze_encoder) or _is_int(self.unfreeze_at_epoch):
            at = self.unfreeze_at_epoch if _is_int(self.unfreeze_at_epoch) else None
            callbacks.append(("unfreezing", GradualUnfreezing(at)))
        if isinstance(self.lr_schedule, str) and self.lr_schedule in (
            "linear",
            "constant",
        ):
            warmup = self.warmup_fraction
            warmup = warmup if isinstance(warmup, Real) else 0.0
            callbacks.append(
                ("lr_schedule", WarmupLinearDecay(self.lr_schedule, warmup))
            )
        if _is_int(self.verbose) and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        if _is_true(self.early_stopping):
            patience = self.n_iter_no_change
            stop = EarlyStopping(monitor="valid_loss", patience=patience)
            callbacks.append(("early_stopping", stop))
            callbacks.append(("best_weights", _BestWeights()))
        return callbacks

    # ------------------------------------------------------------------ #
    # data and training hooks
    # ------------------------------------------------------------------ #
    @contextmanager
    def _seeded(self, seeds):
        vars(self)["_fit_seeds"] = seeds
        try:
            with seeded_torch(seeds.torch, self.device):
                yield
        finally:
            del vars(self)["_fit_seeds"]

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split the training rows (only with ``early_stopping`` by default).

        Parameters
        ----------
        X : torch Dataset
            The training rows.
        y : ndarray of shape (n_samples,) or (n_samples, 1)
            Their encoded targets (for a stratified split).
        **fit_params : dict
            Passed to the split.

        Returns
        -------
        dataset_train, dataset_valid : torch Dataset
            The rows to train on and to validate on (None without a split).
        """
        split = self.train_split
        if split is None and self.early_stopping:
            seeds = vars(self).get("_fit_seeds") or fit_seeds(self.random_state)
            split = ValidSplit(
                self.validation_fraction,
                stratified=self._task == "classification",
                random_state=seeds.split,
            )
        dataset = self.get_dataset(X, y)
        if not split:
            return dataset, None
        return split(dataset, y, **fit_params)

    def get_iterator(self, dataset, training=False):
        """Return a loader that tokenises each batch, padded to its longest row.

        Parameters
        ----------
        dataset : torch Dataset
            The rows.
        training : bool, default=False
            Whether the loader is for training (shuffled, with the fit's
            seed).

        Returns
        -------
        iterator : torch DataLoader
            The loader.
        """
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("shuffle", training)
        size = self.batch_size if self.batch_size != -1 else max(1, len(dataset))
        kwargs.setdefault("batch_size", size)
        kwargs.setdefault(
            "collate_fn",
            partial(_collate, tokenizer=self.tokenizer_, max_length=self.max_length),
        )
        if kwargs["shuffle"] and "generator" not in kwargs:
            seeds = vars(self).get("_fit_seeds")
            seed = 0 if seeds is None else seeds.batches
            kwargs["generator"] = torch.Generator().manual_seed(seed)
        iterator = getattr(self, prefix)
        return iterator(dataset, **kwargs)

    def _autocast(self):
        if not self.autocast:
            return nullcontext()
        kind = torch.device(self.device if self.device is not None else "cpu").type
        return torch.autocast(device_type=kind, dtype=torch.bfloat16)

    def infer(self, x, **fit_params):
        """Run the model on a batch (its sample weights left out).

        Parameters
        ----------
        x : dict
            The tokenised batch (``input_ids``, ``attention_mask``, ...) and,
            when ``fit`` got them, the rows' ``sample_weight``.
        **fit_params : dict
            Passed to the model's ``forward``.

        Returns
        -------
        logits : torch.Tensor of shape (batch_size, n_outputs), float32
            The model's outputs.
        """
        x = {k: v for k, v in x.items() if k != "sample_weight"}
        with self._autocast():
            out = super().infer(x, **fit_params)
        return out.float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Loss of a batch: the weighted mean over its rows with ``sample_weight``.

        Parameters
        ----------
        y_pred : torch.Tensor
            Logits (classification) or outputs (regression).
        y_true : torch.Tensor
            Encoded targets.
        X : dict, default=None
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
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        else:
            with per_row_losses(self.criterion_, type(self).__name__):
                loss = super().get_loss(y_pred, y_true, X=X, training=training)
            loss = weighted_mean(loss, weight)
        if training and not bool(torch.isfinite(loss).all()):
            epoch = len(self.history_ or ()) or 1
            raise ValueError(
                f"{type(self).__name__}: the training loss became NaN or infinite "
                f"at epoch {epoch}; training diverged. Use a smaller lr (now "
                f"{self.lr!r}), or check the targets' scale."
            )
        return loss

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
        name = type(self).__name__
        docs = check_texts(X, owner=name)
        if y is None:
            raise ValueError(
                f"{name} requires y: the target of each document (-1 or NaN for "
                "unlabelled ones)."
            )
        rows = labelled_rows(
            docs, y, sample_domain, sample_weight, task=self._task, estimator_name=name
        )
        weights = rows.sample_weight
        if weights is not None and not weights.sum() > 0:
            raise ValueError(
                f"{name}: sample_weight is zero on every labelled row; nothing to "
                "learn from."
            )
        first_fit = not (method == "partial_fit" and self.__sklearn_is_fitted__())
        y_enc = self._encode_targets(rows.y, first_fit, classes)
        texts = [docs[i] for i in rows.indices]
        if weights is not None:
            weights = weights.astype(np.float32)
        dataset = _TextRows(texts, y_enc, weights)
        offset = 0 if first_fit else len(self.history_ or ())
        with self._seeded(fit_seeds(self.random_state, offset)):
            if first_fit:
                self.initialize()
                self.lm_losses_ = self._pretrain_masked_lm(docs)
            elif "optimizer_" not in vars(self):
                self.initialize_optimizer()  # an unpickled estimator
            NeuralNet.partial_fit(
                self, dataset, y_enc, _routing_method=method, **fit_params
            )
        for param in self.module_.parameters():
            if not bool(torch.isfinite(param).all()):
                raise ValueError(
                    f"{name}: the network's weights became NaN or infinite; "
                    f"training diverged. Use a smaller lr (now {self.lr!r})."
                )
        return self

    def _pretrain_masked_lm(self, docs):
        """Continued masked-LM training of the encoder on every document."""
        if not self.lm_pretraining_epochs:
            return []
        return pretrain_masked_lm(
            self.module_.model,
            resolve_pretrained(self.pretrained, param="pretrained"),
            self.tokenizer_,
            docs,
            epochs=self.lm_pretraining_epochs,
            lr=self.lr / 10
            if self.lm_pretraining_lr is None
            else self.lm_pretraining_lr,
            batch_size=self.batch_size,
            max_length=self.max_length,
            device=self.device,
            seed=vars(self)["_fit_seeds"].embedding,
            owner=type(self).__name__,
        )

    def __sklearn_is_fitted__(self):
        return "tokenizer_" in vars(self) and "module_" in vars(self)

    def _forward(self, X):
        check_is_fitted(self)
        docs = check_texts(X, owner=type(self).__name__, allow_empty=True)
        if not docs:
            return np.zeros((0, self._n_outputs()), dtype=np.float32)
        return NeuralNet.predict_proba(self, _TextRows(docs))

    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Score the predictions on the labelled rows of ``X``.

        Unlabelled rows (``y == -1`` for classification, NaN for regression)
        are ignored.

        Parameters
        ----------
        X : iterable of str
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
            Accuracy (classifier) or R^2 (regressor) on the labelled rows.
        """
        check_is_fitted(self)
        docs = check_texts(X, owner=type(self).__name__)
        return score_labelled(
            self, docs, y, sample_weight, sample_domain, task=self._task
        )

    # ------------------------------------------------------------------ #
    # persistence
    # ------------------------------------------------------------------ #
    def save_pretrained(self, directory):
        """Save the fine-tuned model to a directory, without pickle.

        The directory is a ``transformers`` model directory
        (``config.json``, ``model.safetensors`` and the tokenizer files, so
        ``transformers`` loads it too) plus ``sktransfer_config.json``: the
        estimator's parameters (plain JSON values or their defaults) and its
        labels. ``from_pretrained`` reads it back, and so does ``fit`` with
        ``pretrained=directory`` (keeping the fine-tuned head when the labels
        are the same). Nothing in it runs code when read. The optimizer state
        and the history are not saved. It is written under a temporary name
        and renamed at the end.

        Parameters
        ----------
        directory : str or path-like
            Destination directory (replaced if it exists).

        Returns
        -------
        directory : pathlib.Path
            The written directory.
        """
        check_is_fitted(self)
        name = type(self).__name__
        defaults = type(self)(self.pretrained).get_params(deep=False)
        params = {}
        for key, value in self.get_params(deep=False).items():
            if key == "pretrained":
                continue  # the directory itself is the model
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            if key in defaults and (value is defaults[key] or value == defaults[key]):
                continue
            params[key] = value
        params = check_json_params(
            self,
            params,
            {
                "init_from": "Its encoder is in the saved weights anyway: "
                "set_params(init_from=None) before saving.",
                "callbacks": "Set callbacks=None before saving (they are only "
                "used while training).",
            },
        )
        config = {"format": _FORMAT, "estimator": name, "params": params}
        if self._task == "classification":
            config["classes_dtype"] = self.classes_.dtype.str
            config["classes_"] = check_json_params(
                self, {"classes_": self.classes_.tolist()}
            )["classes_"]
        return write_model_directory(
            directory, self.module_.model, self.tokenizer_, config
        )

    @classmethod
    def from_pretrained(cls, directory, **params):
        """Load a fine-tuned estimator written by :meth:`save_pretrained`.

        No pickle: the weights are safetensors, the rest JSON. The returned
        estimator is fitted (it predicts exactly as the saved one) and has
        ``pretrained=directory``, so fitting it again fine-tunes further
        from the saved weights.

        Parameters
        ----------
        directory : str or path-like
            A directory written by :meth:`save_pretrained`.
        **params : dict
            Parameters that replace the saved ones (``device``, ...).

        Returns
        -------
        estimator : object
            The fitted estimator.
        """
        est, config, path = saved_estimator(
            cls,
            directory,
            f"To fine-tune a pretrained model, use {cls.__name__}"
            "(pretrained=directory).fit.",
            **params,
        )
        if cls._task == "classification":
            est.classes_ = _saved_classes(config, path)
        with est._seeded(fit_seeds(0)):
            est.initialize()
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.non_deterministic = False
        return tags


def _is_true(value):
    return isinstance(value, bool | np.bool_) and bool(value)


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)
