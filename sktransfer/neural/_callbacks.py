"""The skorch callbacks that the text nets' transfer parameters stand for.

``freeze_embeddings``, ``freeze_encoder`` and ``unfreeze_at_epoch`` are
skorch's ``Freezer`` / ``Unfreezer`` on the parameter globs of
:class:`~sktransfer.neural.TextModule`; ``early_stopping`` is skorch's
``EarlyStopping`` with :class:`_BestWeights`, which restores the best epoch
from a private checkpoint; ``verbose=2`` adds a progress bar.
"""

import os
import tempfile
from numbers import Integral

import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping, Freezer, ProgressBar, Unfreezer

from sktransfer.neural._module import EMBEDDING_PARAMS, ENCODER_PARAMS

__all__ = [
    "_BestWeights",
    "dense_parameter_callbacks",
    "parameter_callbacks",
    "training_callbacks",
]


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


def _is_true(value):
    return isinstance(value, bool | np.bool_) and bool(value)


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def parameter_callbacks(net):
    """Return the ``(name, callback)`` pairs the parameters of ``net`` ask for.

    ``freeze_embeddings`` / ``freeze_encoder`` freeze ``embedding.*`` /
    ``encoder.*`` for the whole training; ``unfreeze_at_epoch`` is ULMFiT's
    gradual unfreezing: both are frozen at the start, ``encoder.*`` trains
    from that epoch (1-based) and ``embedding.*`` from the next one (from
    that epoch with ``freeze_encoder``, which keeps the encoder frozen),
    whatever ``freeze_embeddings`` says; ``early_stopping`` stops after
    ``n_iter_no_change`` epochs without a better validation loss and
    restores the best epoch's weights; ``verbose >= 2`` shows a progress bar
    over the batches. skorch's ``get_params(deep=True)`` reads the default
    callbacks before ``fit`` validates the parameters: odd values give no
    callback here rather than an error (``fit`` reports them).

    Parameters
    ----------
    net : TextClassifier or TextRegressor
        The net whose parameters are read.

    Returns
    -------
    callbacks : list of (str, skorch.callbacks.Callback)
        In the order they run after skorch's own.
    """
    callbacks = []
    unfreeze_at = net.unfreeze_at_epoch
    unfreeze = _is_int(unfreeze_at)
    frozen_encoder = _is_true(net.freeze_encoder)
    if _is_true(net.freeze_embeddings) or unfreeze:
        callbacks.append(("freeze_embeddings", Freezer(EMBEDDING_PARAMS)))
    if frozen_encoder or unfreeze:
        callbacks.append(("freeze_encoder", Freezer(ENCODER_PARAMS)))
    if unfreeze:
        # One layer group per epoch, from the top (the head always trains).
        at = int(unfreeze_at)
        if not frozen_encoder:
            callbacks.append(("unfreeze_encoder", Unfreezer(ENCODER_PARAMS, at=at)))
            at += 1
        callbacks.append(("unfreeze_embeddings", Unfreezer(EMBEDDING_PARAMS, at=at)))
    return callbacks + training_callbacks(net)


def training_callbacks(net):
    """Return the progress bar and early stopping pairs the parameters ask for.

    ``verbose >= 2`` shows a progress bar over the batches;
    ``early_stopping`` stops after ``n_iter_no_change`` epochs without a
    better validation loss and restores the best epoch's weights. Shared by
    every net, whatever its module.

    Parameters
    ----------
    net : skorch NeuralNet
        The net whose parameters are read.

    Returns
    -------
    callbacks : list of (str, skorch.callbacks.Callback)
        In the order they run.
    """
    callbacks = []
    if _is_int(net.verbose) and net.verbose >= 2:
        callbacks.append(("progress_bar", ProgressBar()))
    if _is_true(net.early_stopping):
        stop = EarlyStopping(
            monitor="valid_loss", patience=net.n_iter_no_change, load_best=False
        )
        callbacks.append(("early_stopping", stop))
        callbacks.append(("best_weights", _BestWeights()))
    return callbacks


def dense_parameter_callbacks(net):
    """Return the ``(name, callback)`` pairs of a dense net's parameters.

    ``freeze_encoder`` freezes ``encoder.*`` (the hidden layers of
    :class:`~sktransfer.neural.MLPModule`) for the whole training;
    ``unfreeze_at_epoch`` freezes them until that epoch (1-based), whatever
    ``freeze_encoder`` says; then :func:`training_callbacks`.

    Parameters
    ----------
    net : NeuralClassifier or NeuralRegressor
        The net whose parameters are read.

    Returns
    -------
    callbacks : list of (str, skorch.callbacks.Callback)
        In the order they run after skorch's own.
    """
    callbacks = []
    unfreeze_at = net.unfreeze_at_epoch
    unfreeze = _is_int(unfreeze_at)
    if _is_true(net.freeze_encoder) or unfreeze:
        callbacks.append(("freeze_encoder", Freezer(ENCODER_PARAMS)))
    if unfreeze:
        callbacks.append(
            ("unfreeze_encoder", Unfreezer(ENCODER_PARAMS, at=int(unfreeze_at)))
        )
    return callbacks + training_callbacks(net)
