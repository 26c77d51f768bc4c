"""Token ids as skorch reads them: ragged storage, datasets, batches, loaders.

The token ids of a call are held per document (:class:`_RaggedIds`, CSR) and
padded one batch at a time; :class:`_TokenIdDataset` hands a DataLoader whole
batches (``__getitems__``) and :func:`_collate` passes them through. When a
user's dataset or ``collate_fn`` expects rows, the ids are a padded matrix
instead (:func:`_pad`) and skorch's own row-by-row loading runs.
"""

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, default_collate

from sktransfer.neural._module import PADDING_IDX

__all__ = [
    "_Batch",
    "_RaggedIds",
    "_TokenIdDataset",
    "_collate",
    "_pad",
    "batched_loading",
    "id_storage",
    "loader_kwargs",
]


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

    def padded(self, index=slice(None), min_width=1):
        """Return the padded int64 matrix of the rows, as wide as the longest.

        ``min_width`` pads it at least that wide.
        """
        rows = self._rows(index)
        lengths, ids, position = self._gather(rows)
        width = max(min_width, int(lengths.max()) if rows.size else 0)
        out = np.full((rows.shape[0], width), PADDING_IDX, dtype=np.int64)
        out[np.repeat(np.arange(rows.shape[0]), lengths), position] = ids
        return out


def _pad(indptr, ids, max_length):
    """Left-aligned padded matrix of token ids, truncated to ``max_length``."""
    return _RaggedIds(indptr, ids, max_length).padded()


def id_storage(indptr, ids, max_length, batched):
    """Token ids as the loaders read them: ragged when ``batched``, else padded.

    Batched loading pads each batch; skorch's row-by-row loading (a user's
    dataset or collate_fn) needs the padded matrix.
    """
    if batched:
        return _RaggedIds(indptr, ids, max_length)
    return _pad(indptr, ids, max_length)


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

    @classmethod
    def holds(cls, X):
        """Whether ``X`` (ids, or a dict of them and weights) suits this class."""
        arrays = X.values() if isinstance(X, dict) else [X]
        return all(isinstance(a, np.ndarray | _RaggedIds) for a in arrays)


def batched_loading(net):
    """Whether the loaders of ``net`` can fetch whole batches (``_TokenIdDataset``).

    Only with skorch's default dataset, torch DataLoaders and no
    ``collate_fn`` of the user's: those expect lists of rows.
    """
    return (
        net.dataset is Dataset
        and not net.get_params_for("dataset")
        and net.iterator_train is DataLoader
        and net.iterator_valid is DataLoader
        and "collate_fn" not in net.get_params_for("iterator_train")
        and "collate_fn" not in net.get_params_for("iterator_valid")
    )


def loader_kwargs(iterator, kwargs, *, batch_size, n_rows, seed):
    """Complete the keyword arguments of a loader of the text nets.

    Parameters
    ----------
    iterator : class
        The loader class (``iterator_train`` or ``iterator_valid``).
    kwargs : dict
        The user's ``iterator_*__`` parameters (a copy, completed in place).
    batch_size : int
        The net's ``batch_size``; -1 is every row in one batch.
    n_rows : int
        Rows of the dataset.
    seed : int
        Seed of the loader's own generator.

    Returns
    -------
    kwargs : dict
        ``kwargs``, with a seeded generator and the collate of whole batches
        for torch's DataLoader, and the batch size.
    """
    if "generator" not in kwargs and iterator is DataLoader:
        # A DataLoader draws a seed from its generator, or else from the
        # global torch generator, each time it is iterated.
        kwargs["generator"] = torch.Generator().manual_seed(seed)
    if iterator is DataLoader and "collate_fn" not in kwargs:
        kwargs["collate_fn"] = _collate
    kwargs.setdefault("batch_size", batch_size)
    if kwargs["batch_size"] == -1:
        kwargs["batch_size"] = n_rows
    return kwargs
