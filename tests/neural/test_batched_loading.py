"""The batched data loading of the text nets changes no result."""

import numpy as np
import torch
from torch.utils.data import default_collate

from sktransfer.neural import TextClassifier, TextRegressor

WORDS = "a good film|a great film|a bad film|an awful film|good fun|great fun"
X = (WORDS + "|bad acting|awful acting|fine film|poor film").split("|") * 6
Y = np.array([1, 1, 0, 0, 1, 1, 0, 0, 1, 0] * 6)


def _fit(cls, y, **params):
    defaults = {"embedding_dim": 8, "hidden_size": 8, "max_epochs": 3}
    params = {**defaults, "batch_size": 7, "device": "cpu", "random_state": 0, **params}
    return cls(**params).fit(X, y)


def _losses(net):
    # Training and validation batches: losses and sizes.
    return [epoch["batches"] for epoch in net.history_]


def test_same_batches_as_row_by_row_loading():
    # A collate_fn of the user's switches back to skorch's row-by-row dataset:
    # the batches, hence the losses and the weights, must be the same.
    for cls, y in [(TextClassifier, Y), (TextRegressor, Y.astype(float))]:
        for extra in [{}, {"early_stopping": True}]:
            fast = _fit(cls, y, **extra)
            slow = _fit(cls, y, iterator_train__collate_fn=default_collate, **extra)
            assert _losses(fast) == _losses(slow)
            for a, b in zip(fast.module_.parameters(), slow.module_.parameters()):
                assert torch.equal(a, b)
            if extra:
                assert [h["valid_loss"] for h in fast.history_] == [
                    h["valid_loss"] for h in slow.history_
                ]


def test_batches_hold_whole_tensors():
    net = _fit(TextClassifier, Y, max_epochs=1)
    dataset = net.get_dataset(np.zeros((10, 4), dtype=np.int64), np.arange(10))
    Xb, yb = next(iter(net.get_iterator(dataset)))
    assert Xb.shape == (7, 4) and Xb.dtype == torch.int64
    assert yb.tolist() == list(range(7))
    weighted = net.get_dataset(
        {"X": np.zeros((10, 4), dtype=np.int64), "sample_weight": np.ones(10)}
    )
    Xb, _ = next(iter(net.get_iterator(weighted)))
    assert set(Xb) == {"X", "sample_weight"} and Xb["X"].shape == (7, 4)
