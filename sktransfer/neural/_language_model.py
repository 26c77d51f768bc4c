"""Next-word language-model pretraining of the LSTM encoder (ULMFiT-style).

Before the task's training, ``lm_pretraining_epochs`` trains the embedding
layer and the LSTM encoder of :class:`~sktransfer.neural.TextModule` as a
language model over every document given to ``fit`` (labelled and unlabelled
rows, source and target domains): the step of ULMFiT (Howard and Ruder, 2018)
that fine-tunes the language model on the target text.

The encoder is a bidirectional LSTM, so the objective is ELMo's (Peters et
al., 2018): the forward direction's output at position ``t`` (which has read
the tokens ``0..t``) predicts token ``t + 1``, the backward direction's
output at ``t`` (which has read ``t..n-1``) predicts token ``t - 1``; neither
sees the token it predicts. Both directions share one output layer over the
whole vocabulary. Above :data:`FULL_SOFTMAX_WORDS` words it is an adaptive
softmax (Grave et al., 2017; :class:`torch.nn.AdaptiveLogSoftmaxWithLoss`):
the most frequent words (the vocabulary's first ids) in a full softmax, the
rarer ones in clusters of smaller dimension, reached through the head. Its
likelihood is exact; its cost per token is that of a softmax over about
:data:`FULL_SOFTMAX_WORDS` words, whatever the vocabulary's size (on 4,000
movie reviews, 10,588 words: 13.5 CPU seconds per epoch, against 52 for a
softmax over the 10,000 most frequent words).

The loss of an epoch is the mean cross-entropy of its batches over both
directions' predictions; :func:`pretrain_language_model` returns it per epoch
(the estimators' ``lm_losses_``).
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sktransfer.neural._data import _RaggedIds
from sktransfer.neural._module import PADDING_IDX
from sktransfer.neural._vocabulary import token_list_ids

__all__ = [
    "FULL_SOFTMAX_WORDS",
    "NextWordHead",
    "TAIL_CUTOFF",
    "check_language_model",
    "directional_outputs",
    "language_model_loss",
    "mean_language_model_loss",
    "pretrain_language_model",
    "pretrain_net",
]

#: Vocabulary size up to which the output layer is a full softmax; the
#: adaptive softmax's clusters start here (and at :data:`TAIL_CUTOFF`).
FULL_SOFTMAX_WORDS = 2_000
#: Where the adaptive softmax's second (and last) cluster starts.
TAIL_CUTOFF = 10_000


class NextWordHead(nn.Module):
    """Output layer of the language model: a softmax over the vocabulary.

    Parameters
    ----------
    hidden_size : int
        Units of each LSTM direction (both share the layer).
    n_words : int
        Words of the vocabulary (ids ``1..n_words``, the most frequent
        first). Above :data:`FULL_SOFTMAX_WORDS`, an adaptive softmax.
    """

    def __init__(self, hidden_size, n_words):
        super().__init__()
        self.n_words = int(n_words)
        cutoffs = [c for c in (FULL_SOFTMAX_WORDS, TAIL_CUTOFF) if c < self.n_words]
        if cutoffs:
            # Each cluster's dimension is hidden_size // div ** k: keep it >= 1.
            div = 4.0
            while div > 1 and hidden_size // div ** len(cutoffs) < 1:
                div /= 2
            self.softmax = nn.AdaptiveLogSoftmaxWithLoss(
                hidden_size, self.n_words, cutoffs, div_value=max(div, 1.0)
            )
        else:
            self.softmax = nn.Linear(hidden_size, self.n_words)

    def forward(self, hidden, targets):
        """Return the mean negative log-likelihood of word ids ``targets``."""
        classes = targets - 1  # id 0 is padding, never a target
        if isinstance(self.softmax, nn.AdaptiveLogSoftmaxWithLoss):
            return self.softmax(hidden, classes).loss
        return F.cross_entropy(self.softmax(hidden), classes)


def check_language_model(net, owner):
    """Raise a ValueError when ``net`` cannot be pretrained as a language model."""
    if net.encoder != "lstm":
        raise ValueError(
            f"{owner}: lm_pretraining_epochs={net.lm_pretraining_epochs} needs "
            f"encoder='lstm' (a next-word language model reads the words in "
            f"order), got encoder={net.encoder!r}."
        )


def _lstm_parts(module, owner):
    encoder = getattr(module, "encoder", None)
    lstm = getattr(encoder, "lstm", None)
    embedding = getattr(module, "embedding", None)
    if not (
        isinstance(lstm, nn.LSTM)
        and lstm.bidirectional
        and lstm.batch_first
        and lstm.num_layers == 1
        and isinstance(embedding, nn.Embedding)
    ):
        raise ValueError(
            f"{owner}: lm_pretraining_epochs needs a TextModule with "
            "encoder='lstm' (parts embedding and encoder.lstm, a one-layer "
            f"bidirectional LSTM), got {type(module).__name__}."
        )
    return embedding, lstm


def directional_outputs(module, X):
    """Return the LSTM's outputs of each direction at every position.

    Parameters
    ----------
    module : TextModule
        A module with ``encoder='lstm'``.
    X : torch.Tensor of shape (batch, length)
        Token ids padded on the right with 0.

    Returns
    -------
    forward, backward : torch.Tensor of shape (batch, length, hidden_size)
        The forward direction's output at ``t`` has read the tokens ``0..t``
        of its document, the backward one's the tokens ``t..`` to its end
        (zeros at padding positions).
    """
    embedding, lstm = _lstm_parts(module, "language model")
    lengths = (X != PADDING_IDX).sum(dim=1).clamp(min=1)
    packed = pack_padded_sequence(
        embedding(X), lengths.cpu(), batch_first=True, enforce_sorted=False
    )
    out, _ = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=X.shape[1])
    size = lstm.hidden_size
    return out[..., :size], out[..., size:]


def language_model_loss(module, head, X, dropout=None):
    """Mean next-word (forward) and previous-word (backward) cross-entropy.

    Parameters
    ----------
    module : TextModule
        A module with ``encoder='lstm'``.
    head : NextWordHead
        The output layer.
    X : torch.Tensor of shape (batch, length)
        Token ids padded on the right with 0.
    dropout : torch.nn.Module, default=None
        Applied to the LSTM's outputs before the output layer.

    Returns
    -------
    loss : torch.Tensor
        A scalar: the mean over every prediction of both directions (the
        forward output at ``t`` predicts token ``t + 1``, the backward output
        at ``t`` token ``t - 1``).
    """
    forward, backward = directional_outputs(module, X)
    if dropout is not None:
        forward, backward = dropout(forward), dropout(backward)
    # Where both token t and token t + 1 are words: the forward output at t
    # predicts t + 1, the backward output at t + 1 predicts t.
    pairs = X[:, 1:] != PADDING_IDX
    hidden = torch.cat([forward[:, :-1][pairs], backward[:, 1:][pairs]], dim=0)
    targets = torch.cat([X[:, 1:][pairs], X[:, :-1][pairs]], dim=0)
    return head(hidden, targets)


def mean_language_model_loss(module, head, indptr, ids, max_length, batch_size):
    """Mean loss over every prediction of the documents (None: no prediction).

    The module and the head are evaluated (no dropout, no gradient).
    """
    device = next(module.parameters()).device
    docs, rows = _documents(indptr, ids, max_length)
    if not rows.size:
        return None
    size = len(rows) if batch_size == -1 else batch_size
    states = module.training, head.training
    module.eval()
    head.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():
            for start in range(0, len(rows), size):
                X = torch.as_tensor(
                    docs.padded(rows[start : start + size]), device=device
                )
                n = 2 * int((X[:, 1:] != PADDING_IDX).sum())
                total += float(language_model_loss(module, head, X)) * n
                count += n
    finally:
        module.train(states[0])
        head.train(states[1])
    return total / count


def _documents(indptr, ids, max_length):
    """Return the documents' ids truncated to ``max_length`` (ragged).

    Also the rows with at least two ids (a word to read and one to predict).
    """
    docs = _RaggedIds(np.asarray(indptr), np.asarray(ids), max_length)
    return docs, np.flatnonzero(docs.lengths >= 2)


def pretrain_net(net, token_lists, seed, owner):
    """``lm_pretraining_epochs`` of a text net whose module is built.

    Returns the mean loss of each epoch (an empty list without it).
    """
    if not net.lm_pretraining_epochs:
        return []
    check_language_model(net, owner)
    return pretrain_language_model(
        net.module_,
        token_lists,
        net.vocabulary_,
        net._token_index,
        epochs=net.lm_pretraining_epochs,
        lr=net.lr,
        embedding_lr=net.embedding_lr,
        freeze_embeddings=net.freeze_embeddings,
        batch_size=net.batch_size,
        max_length=net.max_length,
        dropout=net.dropout,
        seed=seed,
        owner=owner,
    )


def pretrain_language_model(
    module,
    token_lists,
    vocabulary,
    index,
    *,
    epochs,
    lr,
    embedding_lr,
    freeze_embeddings,
    batch_size,
    max_length,
    dropout,
    seed,
    owner,
    head=None,
):
    """Train the embeddings and the LSTM of ``module`` as a language model.

    Parameters
    ----------
    module : TextModule
        A module with ``encoder='lstm'``, on its device; trained in place.
    token_lists : list of list of str
        The tokens of every document.
    vocabulary : dict of str to int
        The module's vocabulary (ids by decreasing frequency).
    index : VocabularyIndex
        Its index.
    epochs : int
        Passes over the documents.
    lr : float
        AdamW's learning rate.
    embedding_lr : float or None
        That of the word vectors (None: ``lr``).
    freeze_embeddings : bool
        Keep the word vectors fixed.
    batch_size : int
        Documents per batch (-1: all).
    max_length : int or None
        Tokens kept per document.
    dropout : float
        Dropout rate on the LSTM's outputs.
    seed : int
        Seed of the order of the batches (torch's generator, seeded by the
        caller, draws the output layer's weights and the dropout masks).
    owner : str
        Name of the estimator, for the errors.
    head : NextWordHead, default=None
        The output layer, trained too; None builds one (then dropped).

    Returns
    -------
    losses : list of float
        The mean loss of each epoch.
    """
    embedding, lstm = _lstm_parts(module, owner)
    docs, rows = _documents(*token_list_ids(token_lists, vocabulary, index), max_length)
    if not rows.size:
        raise ValueError(
            f"{owner}: language-model training needs documents of at least "
            "two in-vocabulary tokens (a word to read and one to predict); none "
            "of the documents given to fit has two."
        )
    device = next(module.parameters()).device
    if head is None:
        head = NextWordHead(lstm.hidden_size, embedding.num_embeddings - 1)
        head.to(device)
    drop = nn.Dropout(dropout)
    groups = [{"params": [*lstm.parameters(), *head.parameters()]}]
    if not freeze_embeddings:
        group = {"params": [embedding.weight]}
        if embedding_lr is not None:
            group["lr"] = embedding_lr
        groups.append(group)
    optimizer = torch.optim.AdamW(groups, lr=lr)
    size = len(rows) if batch_size == -1 else batch_size
    rng = np.random.default_rng([seed, 1])
    was_training, trainable = module.training, embedding.weight.requires_grad
    module.train()
    embedding.weight.requires_grad_(not freeze_embeddings)
    losses = []
    try:
        for _ in range(epochs):
            order = rows[rng.permutation(len(rows))]
            total, n_batches = 0.0, 0
            for start in range(0, len(order), size):
                X = torch.as_tensor(
                    docs.padded(order[start : start + size]), device=device
                )
                loss = language_model_loss(module, head, X, drop)
                if not bool(torch.isfinite(loss)):
                    raise ValueError(
                        f"{owner}: the language-model loss became NaN or infinite; "
                        f"training diverged. Use a smaller lr (now {lr!r})."
                    )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += float(loss.detach())
                n_batches += 1
            losses.append(total / n_batches)
    finally:
        embedding.weight.requires_grad_(trainable)
        module.train(was_training)
    return losses
