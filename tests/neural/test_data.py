"""Token ids, datasets and loaders (``sktransfer/neural/_data.py``).

The batched data loading of the text nets changes no result.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader, default_collate  # noqa: E402

from sktransfer.neural import TextClassifier, TextRegressor  # noqa: E402
from sktransfer.neural._data import (  # noqa: E402
    _collate,
    _pad,
    _RaggedIds,
    _TokenIdDataset,
    batched_loading,
    id_storage,
    loader_kwargs,
)

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


def _naive_pad(indptr, ids, max_length):
    rows = [list(ids[a:b])[:max_length] for a, b in zip(indptr[:-1], indptr[1:])]
    width = max([1] + [len(r) for r in rows])
    return np.array([r + [0] * (width - len(r)) for r in rows], dtype=np.int64)


def test_ragged_ids_pad_like_the_full_matrix():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 9, size=30)
    lengths[[4, 7]] = 0
    indptr = np.r_[0, np.cumsum(lengths)]
    ids = rng.integers(1, 50, size=indptr[-1])
    for max_length in [None, 3, 1]:
        full = _naive_pad(indptr, ids, max_length)
        np.testing.assert_array_equal(_pad(indptr, ids, max_length), full)
        ragged = _RaggedIds(indptr, ids, max_length)
        assert len(ragged) == 30 and ragged.shape == full.shape
        np.testing.assert_array_equal(ragged.padded(), full)
        for index in [slice(2, 9), [5, 0, 4], np.arange(30) % 3 == 0, 7]:
            rows = np.atleast_1d(np.arange(30)[index])
            width = max(1, int((full[rows] != 0).sum(axis=1).max()))
            np.testing.assert_array_equal(ragged.padded(index), full[rows, :width])
            # Indexing (skorch's multi_indexing) keeps the rows' ids.
            np.testing.assert_array_equal(ragged[index].padded(), full[rows, :width])
        # Stored by token, not by documents x longest document.
        assert ragged.ids.size == np.minimum(lengths, max_length or 99).sum()


def test_one_long_document_does_not_widen_the_storage():
    net = _fit(TextClassifier, Y, max_epochs=1, max_length=None)
    docs = X + [" ".join(["good"] * 5000)]
    stored = net._encode_documents(docs)
    tokenize = net._tokenizer()
    n_known = sum(w in net.vocabulary_ for d in docs for w in tokenize(d))
    assert stored.ids.size == n_known  # not 61 documents x 5000
    proba = net.predict_proba(docs)
    # The same as the row-by-row path (the full padded matrix).
    row_by_row = _fit(
        TextClassifier,
        Y,
        max_epochs=1,
        max_length=None,
        iterator_valid__collate_fn=default_collate,
    )
    np.testing.assert_allclose(row_by_row.predict_proba(docs), proba, rtol=1e-6)


def test_rows_fetched_one_by_one_are_padded_together():
    ragged = _RaggedIds(np.array([0, 2, 2, 5]), np.array([3, 4, 5, 6, 7]))
    batch = _collate([(ragged[i], torch.tensor(i)) for i in range(3)])
    assert batch[0].tolist() == [[3, 4, 0], [0, 0, 0], [5, 6, 7]]
    assert batch[1].tolist() == [0, 1, 2]


def test_id_storage_ragged_for_batched_loading_else_padded():
    indptr, ids = np.array([0, 3, 3, 4]), np.array([5, 6, 7, 8])
    ragged = id_storage(indptr, ids, 2, batched=True)
    assert isinstance(ragged, _RaggedIds)
    assert ragged.padded().tolist() == [[5, 6], [0, 0], [8, 0]]
    padded = id_storage(indptr, ids, 2, batched=False)
    assert isinstance(padded, np.ndarray)
    assert padded.tolist() == [[5, 6], [0, 0], [8, 0]]
    assert _TokenIdDataset.holds(ragged) and _TokenIdDataset.holds(padded)
    assert _TokenIdDataset.holds({"X": ragged, "sample_weight": np.ones(3)})
    assert not _TokenIdDataset.holds(torch.zeros(3, 2))


def test_batched_loading_only_with_default_datasets_and_loaders():
    net = TextClassifier()
    assert batched_loading(net)
    assert not batched_loading(TextClassifier(iterator_train__collate_fn=_collate))
    assert not batched_loading(TextClassifier(iterator_valid__collate_fn=_collate))
    assert not batched_loading(TextClassifier(dataset__length=3))
    assert not batched_loading(TextClassifier(iterator_train=list))


def test_loader_kwargs():
    kwargs = loader_kwargs(DataLoader, {}, batch_size=-1, n_rows=9, seed=42)
    assert kwargs["batch_size"] == 9 and kwargs["collate_fn"] is _collate
    assert kwargs["generator"].initial_seed() == 42
    mine = torch.Generator()
    kwargs = loader_kwargs(
        DataLoader,
        {"generator": mine, "collate_fn": default_collate, "batch_size": 2},
        batch_size=5,
        n_rows=9,
        seed=42,
    )
    assert kwargs["generator"] is mine and kwargs["collate_fn"] is default_collate
    assert kwargs["batch_size"] == 2
    # Another loader class gets neither a generator nor the batch collate.
    assert loader_kwargs(list, {}, batch_size=5, n_rows=9, seed=42) == {"batch_size": 5}
