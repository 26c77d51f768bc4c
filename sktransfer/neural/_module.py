"""PyTorch modules of the neural estimators: embeddings, encoder, head.

:class:`TextModule` and its encoders, and :func:`architecture`, what a
TextModule's parameters say of its architecture (read by ``init_from``, from a
fitted model or from a weights file alike).
:class:`MLPModule` is the multi-layer perceptron of the dense nets
(``NeuralClassifier``, ``NeuralRegressor``), with the same ``encoder`` /
``head`` parameter names.
"""

from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = [
    "EMBEDDING_PARAMS",
    "MLPModule",
    "ENCODERS",
    "ENCODER_PARAMS",
    "PADDING_IDX",
    "Architecture",
    "TextModule",
    "architecture",
]

#: Token id of padding: row 0 of the embedding matrix, always zero.
PADDING_IDX = 0

#: Glob of the embedding parameters (skorch ``Freezer`` / param groups).
EMBEDDING_PARAMS = "embedding.*"
#: Glob of the encoder parameters (``freeze_encoder``).
ENCODER_PARAMS = "encoder.*"


class _MeanEncoder(nn.Module):
    """Masked mean of the word vectors, then one ReLU layer (Iyyer et al., 2015)."""

    #: The parameter whose shape gives ``hidden_size``, and its axis.
    _hidden_size_at = ("hidden.weight", 0)

    def __init__(self, embedding_dim, hidden_size):
        super().__init__()
        self.hidden = nn.Linear(embedding_dim, hidden_size)
        self.output_size = hidden_size

    def forward(self, X, lengths, embedding):
        # embedding_bag leaves padding out of the mean; empty rows give zeros.
        pooled = F.embedding_bag(
            X, embedding.weight, mode="mean", padding_idx=PADDING_IDX
        )
        return torch.relu(self.hidden(pooled))


class _CNNEncoder(nn.Module):
    """Convolutions of several widths with max-over-time pooling (Kim, 2014)."""

    _hidden_size_at = ("convs.0.weight", 0)

    def __init__(self, embedding_dim, hidden_size, kernel_sizes):
        super().__init__()
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.convs = nn.ModuleList(
            nn.Conv1d(embedding_dim, hidden_size, k) for k in self.kernel_sizes
        )
        self.output_size = hidden_size * len(self.kernel_sizes)

    def forward(self, X, lengths, embedding):
        widest = max(self.kernel_sizes)
        if X.shape[1] < widest:
            X = F.pad(X, (0, widest - X.shape[1]), value=PADDING_IDX)
        E = embedding(X).transpose(1, 2)  # (batch, dim, time)
        features = []
        for conv, k in zip(self.convs, self.kernel_sizes):
            h = torch.relu(conv(E))  # (batch, hidden, time - k + 1)
            # Windows that start after the document's last full window only
            # see batch padding: mask them, so that a document's output does
            # not depend on the other documents of its batch. A document
            # shorter than k keeps its first window (padded with zeros).
            n_windows = (lengths - k + 1).clamp(min=1)
            position = torch.arange(h.shape[2], device=h.device)
            outside = position[None, :] >= n_windows[:, None]
            # ReLU outputs are >= 0, so 0 never wins over a real window.
            h = h.masked_fill(outside[:, None, :], 0.0)
            features.append(h.max(dim=2).values)
        return torch.cat(features, dim=1)


class _LSTMEncoder(nn.Module):
    """Bidirectional LSTM over the packed sequences."""

    _hidden_size_at = ("lstm.weight_hh_l0", 1)

    def __init__(self, embedding_dim, hidden_size, pooling):
        super().__init__()
        self.lstm = nn.LSTM(
            embedding_dim, hidden_size, batch_first=True, bidirectional=True
        )
        self.pooling = pooling
        self.output_size = 2 * hidden_size

    def forward(self, X, lengths, embedding):
        E = embedding(X)
        # An empty document is read as one padding token (a zero vector).
        steps = lengths.clamp(min=1).cpu()
        packed = pack_padded_sequence(E, steps, batch_first=True, enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        if self.pooling == "last":
            # Final state of the forward and of the backward direction.
            return torch.cat([h[-2], h[-1]], dim=1)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
        steps = steps.to(out.device)
        mask = torch.arange(X.shape[1], device=out.device)[None, :] < steps[:, None]
        summed = (out * mask[:, :, None].to(out.dtype)).sum(dim=1)
        return summed / steps[:, None].to(out.dtype)


_ENCODERS = {"mean": _MeanEncoder, "cnn": _CNNEncoder, "lstm": _LSTMEncoder}

#: Names of the encoders :class:`TextModule` builds.
ENCODERS = tuple(_ENCODERS)


class Architecture(NamedTuple):
    """What must agree for an encoder to be copied between two TextModules."""

    encoder: str
    embedding_dim: int
    hidden_size: int

    def differences(self, other):
        """Return ``(field, ours, theirs)`` for each field that differs."""
        return [
            (field, ours, theirs)
            for field, ours, theirs in zip(self._fields, self, other)
            if ours != theirs
        ]


def architecture(state):
    """Return the :class:`Architecture` of a :class:`TextModule` state dict.

    Parameters
    ----------
    state : mapping of str to torch.Tensor
        A ``state_dict()`` of the module, or the tensors of a weights file.

    Returns
    -------
    architecture : Architecture or None
        The encoder, embedding dimension and hidden size, or None when the
        parameters are not those of a TextModule.
    """
    embedding = state.get("embedding.weight")
    if embedding is None:
        return None
    for name, encoder in _ENCODERS.items():
        key, axis = encoder._hidden_size_at
        weight = state.get(f"encoder.{key}")
        if weight is not None:
            return Architecture(name, int(embedding.shape[1]), int(weight.shape[axis]))
    return None


class TextModule(nn.Module):
    """Embedding layer, document encoder and linear head over token ids.

    The network of :class:`~sktransfer.neural.TextClassifier` and
    :class:`~sktransfer.neural.TextRegressor`. Its input is a batch of token
    ids of shape ``(batch, length)``, padded on the right with id ``0``;
    each batch is trimmed to its longest document before encoding, so
    padding costs nothing. The output is ``(batch, n_outputs)`` logits (or
    values, for regression).

    Its parameters are named ``embedding.*`` (the word vectors),
    ``encoder.*`` and ``head.*``: the patterns the estimators use to freeze
    the embeddings or give them their own learning rate.

    Parameters
    ----------
    vocab_size : int
        Number of rows of the embedding matrix, padding row included.
    n_outputs : int
        Number of outputs (classes, or 1 for regression).
    encoder : {'mean', 'cnn', 'lstm'}, default='mean'
        ``'mean'``: the mean of the word vectors followed by one ReLU layer of
        ``hidden_size`` units (a deep averaging network); ``'cnn'``:
        convolutions of widths ``kernel_sizes`` with ``hidden_size`` filters
        each and max-over-time pooling (Kim, 2014); ``'lstm'``: a
        bidirectional LSTM with ``hidden_size`` units per direction.
    embedding_dim : int, default=100
        Dimension of the word vectors.
    hidden_size : int, default=100
        Width of the encoder (see ``encoder``).
    dropout : float, default=0.2
        Dropout rate applied to the document vector before the head.
    embeddings : array-like of shape (vocab_size, embedding_dim), default=None
        Initial word vectors (row ``0`` is padding and is set to zero). None
        keeps PyTorch's default initialisation.
    kernel_sizes : tuple of int, default=(3, 4, 5)
        Filter widths of the ``'cnn'`` encoder.
    lstm_pooling : {'mean', 'last'}, default='mean'
        How the ``'lstm'`` encoder turns its outputs into a document vector:
        the mean over the document's positions, or the final states of both
        directions.

    Attributes
    ----------
    embedding : torch.nn.Embedding
        The word vectors.
    encoder : torch.nn.Module
        The document encoder.
    head : torch.nn.Linear
        The output layer.
    feature_size : int
        Size of the document vector the head reads.

    References
    ----------
    .. [1] Y. Kim. "Convolutional Neural Networks for Sentence
       Classification". EMNLP, 2014.
    .. [2] M. Iyyer, V. Manjunatha, J. Boyd-Graber and H. Daumé III. "Deep
       Unordered Composition Rivals Syntactic Methods for Text
       Classification". ACL, 2015.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.neural import TextModule
    >>> module = TextModule(vocab_size=10, n_outputs=2, encoder="cnn",
    ...                     embedding_dim=8, hidden_size=4)
    >>> ids = torch.tensor([[3, 4, 5, 0], [7, 0, 0, 0]])
    >>> module(ids).shape
    torch.Size([2, 2])
    """

    def __init__(
        self,
        vocab_size,
        n_outputs,
        *,
        encoder="mean",
        embedding_dim=100,
        hidden_size=100,
        dropout=0.2,
        embeddings=None,
        kernel_sizes=(3, 4, 5),
        lstm_pooling="mean",
    ):
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}.")
        if lstm_pooling not in ("mean", "last"):
            raise ValueError(
                f"lstm_pooling must be 'mean' or 'last', got {lstm_pooling!r}."
            )
        self.embedding = nn.Embedding(
            vocab_size, embedding_dim, padding_idx=PADDING_IDX
        )
        if embeddings is not None:
            weights = torch.as_tensor(np.asarray(embeddings), dtype=torch.float32)
            if tuple(weights.shape) != (vocab_size, embedding_dim):
                raise ValueError(
                    f"embeddings has shape {tuple(weights.shape)}, expected "
                    f"(vocab_size, embedding_dim) = ({vocab_size}, {embedding_dim})."
                )
            with torch.no_grad():
                self.embedding.weight.copy_(weights)
                self.embedding.weight[PADDING_IDX].zero_()
        if encoder == "mean":
            self.encoder = _MeanEncoder(embedding_dim, hidden_size)
        elif encoder == "cnn":
            self.encoder = _CNNEncoder(embedding_dim, hidden_size, kernel_sizes)
        else:
            self.encoder = _LSTMEncoder(embedding_dim, hidden_size, lstm_pooling)
        self.dropout = nn.Dropout(dropout)
        self.feature_size = self.encoder.output_size
        self.head = nn.Linear(self.feature_size, n_outputs)

    def forward(self, X, return_features=False):
        """Map token ids of shape (batch, length) to (batch, n_outputs).

        With ``return_features=True``, also return the document vectors of
        shape (batch, feature_size) that the head reads (before dropout), as
        the domain-adaptation objectives need them.
        """
        X = X.long()
        lengths = (X != PADDING_IDX).sum(dim=1)
        width = max(int(lengths.max()) if X.shape[0] else 0, 1)
        X = X[:, :width]
        features = self.encoder(X, lengths, self.embedding)
        outputs = self.head(self.dropout(features))
        return (outputs, features) if return_features else outputs


class MLPModule(nn.Module):
    """Multi-layer perceptron over dense rows: ReLU hidden layers, linear head.

    The network of :class:`~sktransfer.neural.NeuralClassifier` and
    :class:`~sktransfer.neural.NeuralRegressor`. Its input is a float batch
    of shape ``(batch, n_features)``; the output is ``(batch, n_outputs)``
    logits (or values, for regression).

    Its parameters are named ``encoder.*`` (the hidden layers) and
    ``head.*`` (the output layer), as those of :class:`TextModule`: the
    patterns the estimators use to freeze the hidden layers and to copy
    them with ``init_from``.

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_outputs : int
        Number of outputs (classes, or 1 for regression).
    hidden_layer_sizes : tuple of int, default=(100,)
        Units of each hidden layer (ReLU), in order; ``()`` gives a linear
        model.
    dropout : float, default=0.2
        Dropout rate after each hidden layer (on the features the head
        reads, too).

    Attributes
    ----------
    encoder : torch.nn.Sequential
        The hidden layers.
    head : torch.nn.Linear
        The output layer.
    feature_size : int
        Size of the features the head reads (the last hidden layer's width,
        or ``n_features`` without hidden layers).

    Examples
    --------
    >>> import torch
    >>> from sktransfer.neural import MLPModule
    >>> module = MLPModule(n_features=5, n_outputs=3, hidden_layer_sizes=(8, 4))
    >>> module(torch.zeros(2, 5)).shape
    torch.Size([2, 3])
    >>> module.feature_size
    4
    """

    def __init__(
        self, n_features, n_outputs, *, hidden_layer_sizes=(100,), dropout=0.2
    ):
        super().__init__()
        layers = []
        size = int(n_features)
        for i, width in enumerate(hidden_layer_sizes):
            if i:
                layers.append(nn.Dropout(dropout))
            layers += [nn.Linear(size, int(width)), nn.ReLU()]
            size = int(width)
        self.encoder = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.feature_size = size
        self.head = nn.Linear(size, n_outputs)

    def forward(self, X, return_features=False):
        """Map rows of shape (batch, n_features) to (batch, n_outputs).

        With ``return_features=True``, also return the features of shape
        (batch, feature_size) that the head reads (before dropout), as the
        domain-adaptation objectives need them.
        """
        features = self.encoder(X.float())
        outputs = self.head(self.dropout(features))
        return (outputs, features) if return_features else outputs
