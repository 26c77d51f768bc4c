"""Freezing, unfreezing and early stopping (``sktransfer/neural/_callbacks.py``)."""

import copy
import pickle
import tempfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_array_equal  # noqa: E402
from skorch.callbacks import (  # noqa: E402
    Callback,
    EarlyStopping,
    Freezer,
    ProgressBar,
    Unfreezer,
)

from sktransfer.neural import TextRegressor  # noqa: E402
from sktransfer.neural._callbacks import _BestWeights, parameter_callbacks  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def _batch_rows(net):
    """Training rows seen in the last epoch."""
    return sum(b.get("train_batch_size", 0) for b in net.history[-1, "batches"])


def test_early_stopping(small):
    Xl, yl = X * 4, np.tile(Y, 4)
    clf = small(
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        max_epochs=60,
        lr=0.05,
    ).fit(Xl, yl)
    assert len(clf.history) < 60
    valid = clf.history[:, "valid_loss"]
    assert np.isfinite(valid).all()
    assert _batch_rows(clf) == int(len(Xl) * 0.75)
    # Stratified hold-out: both classes in the validation rows.
    assert "valid_acc" in clf.history[-1]
    # Classification validation accuracy is computed on encoded labels.
    y_str = np.where(yl == 1, "b", "a")
    clf_s = small(
        early_stopping=True, validation_fraction=0.25, max_epochs=15, lr=0.05
    ).fit(Xl, y_str)
    assert max(clf_s.history[:, "valid_acc"]) > 0.9


class _RecordWeights(Callback):
    """Copy the weights and list the temporary directory at each epoch."""

    def __init__(self, tmp):
        self.tmp = tmp

    def initialize(self):
        self.weights, self.listed = [], []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights.append(copy.deepcopy(net.module_.state_dict()))
        self.listed.append(sorted(p.name for p in self.tmp.iterdir()))


def test_early_stopping_restores_best_epoch_from_a_private_checkpoint(
    tmp_path, monkeypatch, small
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    record = _RecordWeights(tmp_path)
    Xl, yl = X * 4, np.tile(Y, 4)
    clf = small(
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        max_epochs=40,
        lr=0.2,  # large: the validation loss goes up again after its best
        callbacks=[("record", record)],
    ).fit(Xl, yl)
    valid = clf.history[:, "valid_loss"]
    best = int(np.argmin(valid))
    assert best < len(valid) - 1  # the last epoch is not the best one
    final = clf.module_.state_dict()
    for key, value in record.weights[best].items():
        assert torch.equal(final[key], value), key
    # A private directory existed during training and is gone after it.
    assert all(len(names) == 1 for names in record.listed)
    assert record.listed[0][0].startswith("sktransfer-")
    assert list(tmp_path.iterdir()) == []
    # The fitted model pickles without the (removed) directory.
    again = pickle.loads(pickle.dumps(clf))
    assert_array_equal(again.predict(X), clf.predict(X))


def test_freeze_keeps_embeddings_fixed(vec, small, record_embeddings):
    rec = record_embeddings
    clf = small(
        embedding_dim=None,
        embeddings=vec,
        freeze_embeddings=True,
        max_epochs=4,
        lr=0.05,
        callbacks=[("rec", rec)],
    ).fit(X, Y)
    for W in rec.weights[1:]:
        assert torch.equal(W, rec.weights[0])
    assert not clf.module_.embedding.weight.requires_grad
    # The rest of the network did train.
    assert clf.history[-1, "train_loss"] < clf.history[0, "train_loss"]


class _RecordLayers(Callback):
    """Copies of the encoder's and the head's parameters after every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.states = [self._state(net)]

    def on_epoch_end(self, net, **kwargs):
        self.states.append(self._state(net))

    @staticmethod
    def _state(net):
        return {
            part: torch.cat(
                [
                    p.detach().flatten().clone()
                    for name, p in net.module_.named_parameters()
                    if name.startswith(part)
                ]
            )
            for part in ("embedding.", "encoder.", "head.")
        }


def test_unfreeze_at_epoch_unfreezes_one_layer_group_per_epoch(small):
    # ULMFiT's gradual unfreezing: the head alone, then the encoder, then
    # the word vectors.
    rec = _RecordLayers()
    small(unfreeze_at_epoch=3, max_epochs=5, lr=0.05, callbacks=[("rec", rec)]).fit(
        X, Y
    )
    S = rec.states  # S[e]: after epoch e (S[0]: before training)

    def moved(part, epoch):
        return not torch.equal(S[epoch][part], S[epoch - 1][part])

    assert [moved("head.", e) for e in range(1, 6)] == [True] * 5
    assert [moved("encoder.", e) for e in range(1, 6)] == [False, False] + [True] * 3
    assert [moved("embedding.", e) for e in range(1, 6)] == [False] * 3 + [True] * 2


def test_unfreeze_at_epoch_with_frozen_encoder(small, record_embeddings):
    # freeze_encoder keeps the encoder fixed: the word vectors join at once.
    rec = record_embeddings
    layers = _RecordLayers()
    small(
        unfreeze_at_epoch=3,
        freeze_encoder=True,
        max_epochs=4,
        lr=0.05,
        callbacks=[("rec", rec), ("layers", layers)],
    ).fit(X, Y)
    W = rec.weights  # W[e]: after epoch e (W[0]: before training)
    assert torch.equal(W[1], W[0]) and torch.equal(W[2], W[0])
    assert not torch.equal(W[3], W[2])
    assert torch.equal(layers.states[-1]["encoder."], layers.states[0]["encoder."])


def _described(net):
    return [(name, type(cb).__name__) for name, cb in parameter_callbacks(net)]


def test_parameter_callbacks():
    assert parameter_callbacks(TextRegressor()) == []
    net = TextRegressor(
        freeze_encoder=True,
        unfreeze_at_epoch=3,
        early_stopping=True,
        n_iter_no_change=7,
        verbose=2,
    )
    assert _described(net) == [
        ("freeze_embeddings", "Freezer"),
        ("freeze_encoder", "Freezer"),
        ("unfreeze_embeddings", "Unfreezer"),
        ("progress_bar", "ProgressBar"),
        ("early_stopping", "EarlyStopping"),
        ("best_weights", "_BestWeights"),
    ]
    callbacks = dict(parameter_callbacks(net))
    for name, pattern, at in [
        ("freeze_embeddings", "embedding.*", 1),
        ("freeze_encoder", "encoder.*", 1),
        ("unfreeze_embeddings", "embedding.*", 3),
    ]:
        assert (callbacks[name].patterns, callbacks[name].at) == (pattern, at)
    assert isinstance(callbacks["freeze_embeddings"], Freezer)
    assert isinstance(callbacks["unfreeze_embeddings"], Unfreezer)
    assert isinstance(callbacks["progress_bar"], ProgressBar)
    assert isinstance(callbacks["best_weights"], _BestWeights)
    stop = callbacks["early_stopping"]
    assert isinstance(stop, EarlyStopping)
    assert (stop.monitor, stop.patience, stop.load_best) == ("valid_loss", 7, False)
    # Without freeze_encoder, the encoder unfreezes first, the vectors next.
    callbacks = dict(parameter_callbacks(TextRegressor(unfreeze_at_epoch=3)))
    assert list(callbacks) == [
        "freeze_embeddings",
        "freeze_encoder",
        "unfreeze_encoder",
        "unfreeze_embeddings",
    ]
    assert callbacks["unfreeze_encoder"].at == 3
    assert callbacks["unfreeze_embeddings"].at == 4
    # freeze_embeddings alone; the nets' callbacks follow skorch's own.
    net = TextRegressor(freeze_embeddings=True)
    assert _described(net) == [("freeze_embeddings", "Freezer")]
    names = [name for name, _ in net.get_default_callbacks()]
    assert names[-1] == "freeze_embeddings" and "train_loss" in names[:-1]


def test_odd_parameter_values_give_no_callback():
    # Read by get_params(deep=True) before fit validates them (fit rejects).
    net = TextRegressor(
        freeze_embeddings="yes",
        freeze_encoder=1,
        unfreeze_at_epoch=True,
        early_stopping=np.float64(1),
        verbose=2.0,
    )
    assert parameter_callbacks(net) == []
    assert parameter_callbacks(TextRegressor(freeze_encoder=np.bool_(True)))
