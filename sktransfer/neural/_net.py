"""The skorch side that every net of :mod:`sktransfer.neural` shares.

:class:`_NetMixin` sits before skorch's ``NeuralNetClassifier`` /
``NeuralNetRegressor`` and holds what does not depend on the input: the
parameter plumbing (``_params``), the seeds of a fit (``_seeding``), the
domain contract (``y == -1`` / NaN unlabelled rows, routed
``sample_domain``), the sample-weighted loss (``_losses``), the transfer
objectives (``_objectives``: domain-adversarial training, deep CORAL,
distillation), the heads per domain (``_multitask``), the state that pickle
and skops save (``_persist``), the loaders and the score. A subclass says
what its input is through a few hooks:

- ``_check_fit_inputs(X, first_fit)``: validate the rows given to ``fit``;
  return ``(rows, extra)``, the rows as the domain contract and a teacher
  read them and whatever else the other hooks need (token lists);
- ``_learn_inputs(rows, extra)`` / ``_keep_learned(learned)``: what a first
  fit learns from every row, unlabelled ones included (a vocabulary), and
  setting it once the targets are known to be valid;
- ``_module_inputs(rows, extra, indices, batched)``: the module's input of
  some rows (token ids, or dense float32 rows);
- ``_encode_inputs(X)`` and ``_score_rows(X)``: the same at prediction;
- ``_after_initialize(extra, seeds)``: training of a new module before the
  task (the text nets' language-model pretraining);
- ``_parameter_callbacks()``: the callbacks its parameters stand for;
- ``initialize_module()`` and ``_FITTED_ATTRIBUTE``.

:class:`~sktransfer.neural._base._TextNetMixin` implements them for raw
documents, :class:`~sktransfer.neural._dense._DenseNetMixin` for dense
numeric rows.

Seeds (``_seeding``). A fit draws its seeds once from ``random_state``: one
for torch (weights, dropout), one for the random rows of an embedding
matrix, one for the order of the batches and one for the validation split.
skorch calls the hooks that use the last three (``initialize_module``,
``get_iterator``, ``get_split_datasets``) itself, with signatures that carry
no seed: ``_fit`` hands them the seeds of the fit in progress for the
duration of the fit (``_seeded``), and that is all they read.
"""

import copy
from contextlib import contextmanager
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import torch
from sklearn.utils import _safe_indexing
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
from skorch.callbacks import Callback
from skorch.dataset import ValidSplit

from sktransfer.neural._data import _TokenIdDataset, batched_loading, loader_kwargs
from sktransfer.neural._losses import per_row_losses, weighted_mean
from sktransfer.neural._multitask import (
    multitask_loss,
    predict_head,
    record_task_losses,
)
from sktransfer.neural._objectives import (
    MAX_UNLABELLED_BATCH_RATIO,
    objective_callbacks,
    objectives,
    plan_objectives,
)
from sktransfer.neural._params import (
    _fused_adam_supported,
    _NetParamsMixin,
    clone_sharing,
    resolve_device,
)
from sktransfer.neural._persist import restore_state, saved_state
from sktransfer.neural._seeding import fit_seeds, seeded_torch
from sktransfer.utils._domains import labelled_rows, score_labelled

__all__ = ["MAX_EPOCHS", "MAX_HIDDEN_SIZE", "_NetMixin"]

# skorch's NeuralNet.__init__ sets this state; we keep it on the class until
# fit, so that an unfitted net (and any clone) carries no fitted attribute.
_SKORCH_STATE = {
    "history_": None,
    "initialized_": False,
    "virtual_params_": MappingProxyType({}),
}

# The arguments of the nets' __init__ that go to skorch's (which sets them in
# its own order); the others are the text nets' own.
_SKORCH_ARGUMENTS = (
    "optimizer",
    "lr",
    "max_epochs",
    "batch_size",
    "train_split",
    "callbacks",
    "classes",
    "warm_start",
    "verbose",
    "device",
)


# Upper bounds of the parameters that would otherwise exhaust memory or hang
# a fit before any error (stated in the docstrings).
MAX_HIDDEN_SIZE = 4_096
MAX_EPOCHS = 10_000


class _NetMixin(_NetParamsMixin):
    """Parameters, seeding, domains, objectives and persistence of the nets."""

    _task = None  # 'classification' or 'regression'

    # skorch's state on an unfitted net (see _SKORCH_STATE).
    history_ = None
    initialized_ = False
    virtual_params_ = _SKORCH_STATE["virtual_params_"]

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__partial_fit = {"classes": UNUSED, "sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    #: Attribute that a fit sets (with skorch's module): fitted or not.
    _FITTED_ATTRIBUTE = None

    #: The name of the default ``module`` class, for the error messages.
    _DEFAULT_MODULE = "TextModule"

    #: What a row of ``X`` is, for the error messages.
    _ROW_NOUN = "row"

    #: The constraints of the parameters every net has.
    _parameter_constraints: dict = {
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "init_from": [None, HasMethods(["predict"])],
        "freeze_encoder": ["boolean"],
        "unfreeze_at_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "domain_adversarial": [Interval(Real, 0, None, closed="left")],
        "domain_adversarial_schedule": [StrOptions({"constant", "ganin"})],
        "coral_loss": [Interval(Real, 0, None, closed="left")],
        "unlabelled_batch_ratio": [
            Interval(Real, 0, MAX_UNLABELLED_BATCH_RATIO, closed="right"),
            StrOptions({"auto"}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, MAX_EPOCHS, closed="both")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "verbose": ["verbose"],
        "callbacks": [list, None, StrOptions({"disable"})],
    }

    def _init_net(self, arguments):
        """Set the arguments of a net's ``__init__`` (its ``locals()``)."""
        params = {k: v for k, v in arguments.items() if k not in ("self", "kwargs")}
        module, criterion = params.pop("module"), params.pop("criterion")
        skorch_params = {k: params.pop(k) for k in _SKORCH_ARGUMENTS if k in params}
        # Placeholders for module and criterion: skorch refuses torch module
        # instances set as attributes, and an instance must reach fit to be
        # rejected there with a clear message.
        super().__init__(None, criterion=None, **skorch_params, **arguments["kwargs"])
        vars(self).update(module=module, criterion=criterion)
        for name, value in params.items():
            setattr(self, name, value)
        # Keep skorch's unfitted state on the class (see _SKORCH_STATE).
        for name, default in _SKORCH_STATE.items():
            if name in vars(self) and vars(self)[name] in (default, {}):
                del vars(self)[name]

    # ------------------------------------------------------------------ #
    # parameters, device, cloning
    # ------------------------------------------------------------------ #
    def __sklearn_clone__(self):
        shared = {"init_from"} if self.init_from is not None else set()
        if getattr(self, "teacher", None) is not None:
            shared.add("teacher")
        shared |= self._shared_params()
        if not shared:
            return super().__sklearn_clone__()
        # The fitted model of init_from or the teacher (only read, never
        # trained), which clone would un-fit, is shared.
        return clone_sharing(self, shared)

    def _shared_params(self):
        """Return further parameters that ``clone`` shares (fitted sources)."""
        return set()

    def __getstate__(self):
        # Plain data, for pickle and skops alike (see _persist.saved_state).
        return saved_state(self)

    def __setstate__(self, state):
        device = state.get("device")
        auto = isinstance(device, str) and device == "auto"
        if auto:
            # Build the module on the device 'auto' stands for on this
            # machine, and keep 'auto'.
            state = dict(state, device=resolve_device(device))
        restore_state(self, state)
        if auto:
            vars(self)["device"] = "auto"

    def __deepcopy__(self, memo):
        # A copy in memory keeps everything, the optimizer state and the
        # callbacks included (pickle and skops leave them out); the seeds of
        # a fit in progress stay with that fit.
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for name, value in vars(self).items():
            if name != "_fit_seeds":
                vars(new)[name] = copy.deepcopy(value, memo)
        return new

    def _check_module(self):
        if isinstance(self.module, torch.nn.Module):
            raise TypeError(
                f"{type(self).__name__}: module must be a torch.nn.Module class "
                f"(such as {self._DEFAULT_MODULE}), not an instance "
                f"({type(self.module).__name__}"
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
    # skorch hooks
    # ------------------------------------------------------------------ #
    @contextmanager
    def _seeded(self, seeds):
        """Train with ``seeds``: torch seeded, and the hooks given the seeds."""
        vars(self)["_fit_seeds"] = seeds
        try:
            with seeded_torch(seeds.torch, self.device):
                yield
        finally:
            del vars(self)["_fit_seeds"]

    def _n_outputs(self):
        raise NotImplementedError

    def _predict_task(self):
        """Index of the head that predicts (``predict_domain``)."""
        return predict_head(
            self._task_heads,
            self.predict_domain,
            self._target_domains,
            type(self).__name__,
        )

    def get_params_for(self, prefix):
        """Collect init parameters of a component (fused Adam when it runs).

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
        return kwargs

    def _parameter_callbacks(self):
        """Return the ``(name, callback)`` pairs the parameters stand for."""
        return []

    @property
    def _default_callbacks(self):
        return (
            list(super()._default_callbacks)
            + self._parameter_callbacks()
            + objective_callbacks(self)
        )

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

    def get_dataset(self, X, y=None):
        """Wrap the module's inputs (and targets) in a dataset read a batch at a time.

        Parameters
        ----------
        X : ndarray, token-id storage, dict or torch Dataset
            The module's inputs (token ids, or dense float32 rows), or a
            dict of them (``"X"``) and the rows' ``"sample_weight"``;
            datasets pass through.
        y : ndarray of shape (n_samples,) or (n_samples, 1), default=None
            Encoded targets.

        Returns
        -------
        dataset : torch Dataset
            The dataset.
        """
        if batched_loading(self) and _TokenIdDataset.holds(X):
            return _TokenIdDataset(X, y)
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split the training set (only with ``early_stopping`` by default).

        Parameters
        ----------
        X : ndarray, token-id storage or dict
            The module's inputs.
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
            seeds = vars(self).get("_fit_seeds") or fit_seeds(self.random_state)
            split = ValidSplit(
                self.validation_fraction,
                stratified=self._task == "classification",
                random_state=seeds.split,
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
        # Outside a fit (predictions), a fixed seed: the order is not shuffled.
        seeds = vars(self).get("_fit_seeds")
        kwargs = loader_kwargs(
            iterator,
            kwargs,
            batch_size=self.batch_size,
            n_rows=len(dataset),
            seed=0 if seeds is None else seeds.batches,
        )
        return iterator(dataset, **kwargs)

    def __sklearn_is_fitted__(self):
        return self._FITTED_ATTRIBUTE in vars(self) and super().__sklearn_is_fitted__()

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
    def _encode_targets(self, y, first_fit, classes=None, masks=None):
        """Encode the labelled rows' targets; also return arrays for their batches."""
        raise NotImplementedError

    def _check_fit_inputs(self, X, first_fit):
        """Validate the rows of a fit: return ``(rows, extra)``."""
        raise NotImplementedError

    def _learn_inputs(self, rows, extra):
        """Return what a first fit learns from every row (None: nothing)."""
        return None

    def _keep_learned(self, learned):
        """Set what ``_learn_inputs`` learned, once the targets are valid."""

    def _module_inputs(self, rows, extra, indices, batched):
        """Return the module's input of the rows at ``indices``."""
        raise NotImplementedError

    def _encode_inputs(self, X):
        """Return the module's input of the rows given to predict."""
        raise NotImplementedError

    def _score_rows(self, X):
        """Return the rows given to score, indexable."""
        raise NotImplementedError

    def _after_initialize(self, extra, seeds):
        """Train the new module before the task (nothing by default).

        Parameters
        ----------
        extra : object
            What ``_check_fit_inputs`` returned besides the rows.
        seeds : FitSeeds
            The seeds of the fit in progress.
        """

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
        fitted = self.__sklearn_is_fitted__()
        keep = method == "partial_fit" or (self.warm_start and self.initialized_)
        first_fit = not (keep and fitted)
        rows_X, extra = self._check_fit_inputs(X, first_fit)
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None: give "
                f"the target of each {self._ROW_NOUN} (-1 or NaN for unlabelled "
                "ones)."
            )
        rows = labelled_rows(
            rows_X,
            y,
            sample_domain,
            sample_weight,
            task=self._task,
            estimator_name=name,
        )
        sample_weight = rows.sample_weight
        if sample_weight is not None and not sample_weight.sum() > 0:
            raise ValueError(
                f"{name}: sample_weight is zero on every labelled row; nothing to "
                "learn from."
            )
        learned = self._learn_inputs(rows_X, extra) if first_fit else None
        idx = rows.masks.labelled_indices
        y_enc, task_extras = self._encode_targets(
            rows.masks.y[idx], first_fit, classes, masks=rows.masks
        )
        if first_fit:
            self._keep_learned(learned)
        inputs = self._module_inputs(rows_X, extra, idx, batched_loading(self))
        offset = 0 if first_fit else len(self.history_ or ())
        seeds = fit_seeds(self.random_state, offset)
        found, extras, plan = objectives(self), {}, None
        if found is not None:
            extras, plan = plan_objectives(
                self,
                found,
                rows.masks,
                rows_X,
                lambda pool: self._module_inputs(rows_X, extra, pool, True),
                seeds.batches,
            )
        extras.update(task_extras)
        if sample_weight is not None:
            extras["sample_weight"] = sample_weight.astype(np.float32)
        if extras:
            # Batches carry their rows' weights (and what the objectives read)
            # to get_loss; infer drops them.
            inputs = {"X": inputs, **extras}
        with self._seeded(seeds), self._objective_plan(plan):
            if first_fit or not self.initialized_:
                self.initialize()
                self._after_initialize(extra, seeds)
            super().partial_fit(inputs, y_enc, _routing_method=method, **fit_params)
        self._check_finite_weights()
        return self

    @contextmanager
    def _objective_plan(self, plan):
        """Train with the objectives' ``plan`` (None: skorch's training step)."""
        if plan is None:
            yield
            return
        if type(self).train_step_single is not _NetMixin.train_step_single:
            # A mixin placed before the net (skorch's AccelerateMixin) takes
            # the training step over: the objectives would be left out.
            raise ValueError(
                f"{type(self).__name__} overrides train_step_single (e.g. "
                "skorch's AccelerateMixin), so the transfer objectives "
                "domain_adversarial, coral_loss and teacher cannot run in its "
                "training step; set them to their defaults (0 and None) or "
                "train the net without that mixin."
            )
        vars(self)["_objective_plan"] = plan
        try:
            yield
        finally:
            del vars(self)["_objective_plan"]

    def train_step_single(self, batch, **fit_params):
        """Compute the loss of a training batch and its gradients.

        skorch's step, or with ``domain_adversarial``, ``coral_loss`` or a
        ``teacher``, the step of the transfer objectives (batches joined by
        unlabelled rows; each loss term recorded in ``history``).

        Parameters
        ----------
        batch : tuple
            A batch of the training loader.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        step : dict
            ``{'loss': loss, 'y_pred': outputs of the labelled rows}``.
        """
        plan = vars(self).get("_objective_plan")
        if plan is None:
            return super().train_step_single(batch, **fit_params)
        return plan.train_step_single(self, batch, **fit_params)

    def infer(self, x, **fit_params):
        """Run the module on a batch (its sample weights left out).

        Parameters
        ----------
        x : torch.Tensor or dict
            The module's input of a batch, or a dict of it (key ``"X"``) and
            of the rows' ``"sample_weight"``.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        y_infer : torch.Tensor
            The module's output.
        """
        if isinstance(x, dict) and "X" in x:
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
        tasks = X.get("task") if isinstance(X, dict) else None
        if tasks is not None:
            # One head per domain (heads="per_domain"); each head's loss of a
            # training batch goes to history (train_loss_task_<domain>).
            columns = torch.as_tensor(y_true)
            per_task = {} if training else None
            loss = multitask_loss(
                y_pred, columns, tasks, self._task_heads, weight, per_task
            )
            record_task_losses(self.history, per_task)
        elif weight is None:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        else:
            with per_row_losses(self.criterion_, type(self).__name__):
                loss = super().get_loss(y_pred, y_true, X=X, training=training)
            loss = weighted_mean(loss, weight)
        if training and not bool(torch.isfinite(loss).all()):
            self._raise_diverged("the training loss")
        return loss

    def _raise_diverged(self, what):
        """Raise the error of a training that diverged (NaN or inf)."""
        epoch = len(self.history_ or ()) or 1
        raise ValueError(
            f"{type(self).__name__}: {what} became NaN or infinite at epoch "
            f"{epoch}; training diverged. Use a smaller lr (now {self.lr!r}), "
            "or check the targets' scale."
        )

    def _check_finite_weights(self):
        """Raise when training left NaN or inf in the module's weights."""
        for param in self.module_.parameters():
            if not bool(torch.isfinite(param).all()):
                self._raise_diverged("the network's weights")

    def _forward(self, X):
        """Return the module outputs (after the prediction nonlinearity)."""
        check_is_fitted(self)
        encoded = self._encode_inputs(X)
        if len(encoded) == 0:
            # No batch to run: an empty result of the right shape.
            return np.zeros((0, self._n_outputs()), dtype=np.float32)
        return NeuralNet.predict_proba(self, encoded)

    def score(self, X, y, sample_weight=None, *, sample_domain=None):
        """Score the predictions on the labelled rows of ``X``.

        Unlabelled rows (``y == -1`` for classification, NaN for regression)
        are ignored, so a cross-validation fold holding unlabelled target rows
        still gets a finite score. With ``heads='per_domain'`` and
        ``sample_domain``, only the rows of the domain whose head predicts
        (``predict_domain``) are scored: the other domains' targets belong
        to other heads.

        Parameters
        ----------
        X : iterable of str or array-like of shape (n_samples, n_features)
            The rows, as ``fit`` takes them: documents for the text nets,
            numeric features for the dense nets.
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
        heads = vars(self).get("_task_heads")
        if heads is not None and sample_domain is not None:
            domain = np.asarray(sample_domain)
            docs = self._score_rows(X)
            if domain.shape != (len(docs),):
                raise ValueError(
                    f"{type(self).__name__}: sample_domain has shape "
                    f"{domain.shape}, expected ({len(docs)},)."
                )
            predicting = heads.domains[self._predict_task()]
            keep = np.flatnonzero(domain == predicting)
            if not keep.size:
                raise ValueError(
                    f"{type(self).__name__}.score: no row of domain {predicting} "
                    "(the predict_domain, whose head predicts) among the rows "
                    "given; there is nothing to score."
                )
            docs = _safe_indexing(docs, keep)
            # The head's rows, in their own dtype (an object y may mix the
            # label sets of several heads).
            y = np.asarray(np.asarray(y, dtype=object)[keep].tolist())
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[keep]
            sample_domain = domain[keep]
            X = docs
        docs = self._score_rows(X)
        return score_labelled(
            self, docs, y, sample_weight, sample_domain, task=self._task
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.non_deterministic = False
        return tags
