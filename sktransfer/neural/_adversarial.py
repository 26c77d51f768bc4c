"""Domain-adversarial training (DANN): gradient reversal and the domain head.

Ganin et al. (2016) train a domain classifier on the encoder's features
through a gradient reversal layer: the forward pass is the identity, the
backward pass multiplies the gradient by ``-coefficient``. The domain head
learns to tell source from target rows while the encoder learns features
that it cannot tell apart. :func:`reverse_gradient` is that layer,
:class:`DomainClassifier` the head, :func:`domain_loss` its loss and
:func:`ganin_schedule` the paper's ramp of the coefficient.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["DomainClassifier", "domain_loss", "ganin_schedule", "reverse_gradient"]


class _GradientReversal(torch.autograd.Function):
    """Identity forward; the gradient times ``-coefficient`` backward."""

    @staticmethod
    def forward(ctx, x, coefficient):
        ctx.coefficient = coefficient
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.coefficient * grad, None


def reverse_gradient(x, coefficient=1.0):
    """Return ``x`` unchanged, with its gradient reversed and scaled backward.

    Parameters
    ----------
    x : torch.Tensor
        Features.
    coefficient : float, default=1.0
        What the gradient flowing back through the layer is multiplied by,
        negated (Ganin et al.'s lambda).

    Returns
    -------
    y : torch.Tensor
        ``x``, as a new tensor in the graph.
    """
    return _GradientReversal.apply(x, float(coefficient))


def ganin_schedule(progress, gamma=10.0):
    """Return the reversal coefficient at ``progress`` of training (Ganin 2016).

    ``2 / (1 + exp(-gamma * progress)) - 1``: 0 at the start, close to 1 at
    the end, so that the noisy signal of an untrained domain head does not
    disturb the first epochs.

    Parameters
    ----------
    progress : float
        Share of the training steps done, in [0, 1].
    gamma : float, default=10.0
        Steepness (the paper's value).

    Returns
    -------
    coefficient : float
        In [0, 1).
    """
    return 2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0


class DomainClassifier(nn.Module):
    """Domain head: one ReLU layer, then one logit (target vs source).

    Parameters
    ----------
    in_features : int
        Size of the features it reads (the encoder's output).
    hidden_size : int
        Units of its hidden layer.
    """

    def __init__(self, in_features, hidden_size):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden_size)
        self.output = nn.Linear(hidden_size, 1)

    def forward(self, features):
        """Map features of shape (n, in_features) to logits of shape (n,)."""
        # The layers' functions rather than their modules' calls: the head
        # runs at every training step, where a module call's overhead counts.
        hidden = torch.relu(F.linear(features, self.hidden.weight, self.hidden.bias))
        return F.linear(hidden, self.output.weight, self.output.bias).view(-1)


def domain_loss(logits, is_target, weight=None):
    """Binary cross-entropy of the domain head (1 = target row).

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows,)
        Outputs of :class:`DomainClassifier`.
    is_target : torch.Tensor of shape (n_rows,)
        Whether each row belongs to a target domain.
    weight : torch.Tensor of shape (n_rows,), default=None
        Weight of each row's loss, summing to 1 (e.g. ``1 / (2 n_source)``
        on source rows and ``1 / (2 n_target)`` on target rows, which weighs
        both domains equally whatever their rows in the batch). None: the
        mean over the rows.

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    is_target = is_target.to(logits.dtype)
    if weight is None:
        return F.binary_cross_entropy_with_logits(logits, is_target)
    return F.binary_cross_entropy_with_logits(
        logits, is_target, weight=weight.to(logits.dtype), reduction="sum"
    )
