"""Layer groups of a sequence-classification transformer and their callbacks.

Fine-tuning treats a ``transformers`` model as a stack of parameter groups,
bottom to top: the embeddings, each encoder layer, then the head (the
pooler and the classifier, with any other weight above the last layer).
:func:`layer_groups` finds them from the parameter names, for every
architecture whose layers are numbered ``<...>.layer.<i>.`` (BERT, RoBERTa,
MiniLM, ELECTRA), ``layers.<i>`` or ``h.<i>`` / ``block.<i>``.

Three training parameters act on these groups:

* ``layer_lr_decay`` (discriminative learning rates): the head trains with
  ``lr`` and each group below it with the rate of the group above times the
  decay (:func:`layer_learning_rates`);
* ``freeze_encoder`` and ``unfreeze_at_epoch`` (gradual unfreezing, top
  first): :class:`GradualUnfreezing`;
* ``lr_schedule`` / ``warmup_fraction``: :class:`WarmupLinearDecay`, a
  per-batch schedule whose length is computed from the real training set of
  each fit (so cross-validation folds get their own).
"""

import math
import re

from skorch.callbacks import Callback

__all__ = [
    "GradualUnfreezing",
    "WarmupLinearDecay",
    "layer_groups",
    "layer_learning_rates",
    "schedule_factor",
]

_LAYER = re.compile(r"^(.*?\.(?:layer|layers|h|block)\.(\d+))\.")


def layer_groups(module):
    """Return the parameter names of ``module`` grouped by layer, bottom first.

    Parameters
    ----------
    module : torch.nn.Module
        A module holding a ``transformers`` model; the names are those of
        ``module.named_parameters()``.

    Returns
    -------
    groups : list of list of str
        ``[embeddings, layer 0, ..., layer n-1, head]``. The embeddings group
        holds every parameter below the first layer, the head every one above
        the last (pooler, classifier).
    """
    names = [name for name, _ in module.named_parameters()]
    layers = {}
    first = None
    for position, name in enumerate(names):
        match = _LAYER.match(name)
        if match:
            layers.setdefault(int(match.group(2)), []).append(name)
            if first is None:
                first = position
    if not layers:
        return [[], names]
    last = max(i for i, name in enumerate(names) if _LAYER.match(name))
    bottom = [n for i, n in enumerate(names) if i < first and not _LAYER.match(n)]
    top = [n for i, n in enumerate(names) if i > last and not _LAYER.match(n)]
    middle = [n for i, n in enumerate(names) if first <= i <= last]
    stray = [n for n in middle if not _LAYER.match(n)]
    return [bottom] + [layers[i] for i in sorted(layers)] + [top + stray]


def layer_learning_rates(n_groups, lr, decay):
    """Learning rates of ``n_groups`` groups (bottom first), the top one ``lr``.

    Parameters
    ----------
    n_groups : int
        Number of groups (embeddings, layers, head).
    lr : float
        Learning rate of the head.
    decay : float or None
        Factor between a group and the one below it; None gives every group
        ``lr``.

    Returns
    -------
    lrs : list of float
        ``lr * decay ** depth``, depth 0 for the head.
    """
    decay = 1.0 if decay is None else float(decay)
    return [lr * decay ** (n_groups - 1 - i) for i in range(n_groups)]


def schedule_factor(step, total, warmup, schedule):
    """Multiplier of the learning rate at training step ``step`` (0-based).

    Linear warm-up over the first ``warmup`` steps (``(step + 1) / warmup``),
    then a constant rate (``schedule='constant'``) or a linear decay that
    reaches ``1 / (total - warmup)`` on the last step (``'linear'``): no step
    is wasted with a zero learning rate.
    """
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant" or total <= warmup:
        return 1.0
    return max(total - step, 1) / (total - warmup)


class WarmupLinearDecay(Callback):
    """Set every parameter group's learning rate before each training batch.

    The number of steps is ``max_epochs`` times the number of batches of the
    training set of the fit (after the validation split), known when the
    first epoch begins; the initial rates of the groups (discriminative
    rates included) are scaled by :func:`schedule_factor`. The rate of the
    top group is recorded in the history of each batch as ``'lr'``.

    Parameters
    ----------
    schedule : {'linear', 'constant'}, default='linear'
        What follows the warm-up.
    warmup_fraction : float, default=0.1
        Share of the steps spent warming up.
    """

    def __init__(self, schedule="linear", warmup_fraction=0.1):
        self.schedule = schedule
        self.warmup_fraction = warmup_fraction

    def initialize(self):
        self.step_ = 0
        self.total_ = None
        self.warmup_ = 0
        self._base = None
        return self

    def on_train_begin(self, net, **kwargs):
        self.initialize()

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_ is not None:
            return
        n_rows = len(dataset_train) if dataset_train is not None else 1
        size = n_rows if net.batch_size == -1 else net.batch_size
        per_epoch = max(1, math.ceil(n_rows / size))
        self.total_ = per_epoch * max(1, int(net.max_epochs))
        self.warmup_ = int(round(self.warmup_fraction * self.total_))
        self._base = [group["lr"] for group in net.optimizer_.param_groups]

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training or self._base is None:
            return
        factor = schedule_factor(self.step_, self.total_, self.warmup_, self.schedule)
        for group, base in zip(net.optimizer_.param_groups, self._base):
            group["lr"] = base * factor
        net.history.record_batch("lr", net.optimizer_.param_groups[-1]["lr"])

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.step_ += 1

    def on_train_end(self, net, **kwargs):
        if self._base is not None:
            # Leave the optimizer with its initial rates (a later partial_fit
            # starts a new schedule from them).
            for group, base in zip(net.optimizer_.param_groups, self._base):
                group["lr"] = base


class GradualUnfreezing(Callback):
    """Freeze the encoder, then unfreeze it a layer group per epoch, top first.

    Before epoch ``unfreeze_at_epoch`` (1-based) only the head trains; at
    that epoch the top encoder layer joins it, at the next one the layer
    below, down to the embeddings. ``unfreeze_at_epoch=None`` keeps the
    encoder frozen for the whole fit (``freeze_encoder=True``). The number
    of trainable encoder groups is recorded in the history of each epoch as
    ``'unfrozen_layers'``.

    Parameters
    ----------
    unfreeze_at_epoch : int or None, default=None
        First epoch that trains an encoder layer.
    """

    def __init__(self, unfreeze_at_epoch=None):
        self.unfreeze_at_epoch = unfreeze_at_epoch

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)
        groups = layer_groups(net.module_)
        encoder = groups[:-1]
        at = self.unfreeze_at_epoch
        n_open = 0 if at is None or epoch < at else epoch - at + 1
        n_open = min(n_open, len(encoder))
        trainable = {n for g in encoder[len(encoder) - n_open :] for n in g}
        trainable.update(groups[-1])
        for name, param in net.module_.named_parameters():
            param.requires_grad_(name in trainable)
        net.history.record("unfrozen_layers", n_open)

    def on_train_end(self, net, **kwargs):
        # The fitted model is whole again (init_from, set_params, a later
        # partial_fit start from trainable weights).
        for param in net.module_.parameters():
            param.requires_grad_(True)
