"""Multi-task heads of TextClassifier: one head per labelled domain.

With ``heads='per_domain'`` every domain (``sample_domain`` value) with
labelled rows is a task with its own label set (for TextRegressor, its own
output). The heads are slices of the
module's one output layer (so the module, its weights files and
``init_from`` stay those of :class:`~sktransfer.neural.TextModule`): task
``t`` owns the columns ``offsets[t]`` to ``offsets[t] + len(classes[t])``,
and a row's target is encoded as the column of its label. A row's loss is
the cross-entropy over its task's columns only (the other columns masked
out; for a regressor, whose tasks own one column each, the squared error of
its task's column), so each head learns from its task's rows alone, and the loss of a
batch is ``sum_t task_weights[t] * mean(losses of the rows of task t)``.

Each task's mean loss is recorded per training batch and averaged per epoch
(over the task's rows, with their ``sample_weight``) into ``history`` as
``train_loss_task_<domain>`` (:func:`task_loss_key`), e.g.
``history[:, 'train_loss_task_-1']``.
"""

from numbers import Real
from typing import NamedTuple

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.nn import functional as F

__all__ = [
    "TaskHeads",
    "TaskLosses",
    "fit_task_heads",
    "multitask_loss",
    "predict_head",
    "record_task_losses",
    "task_loss_key",
]


class TaskHeads(NamedTuple):
    """The tasks of a fit: their domains, label sets and output columns."""

    domains: tuple
    classes: tuple
    offsets: tuple
    weights: tuple

    @property
    def regression(self):
        """Whether the heads are a regressor's (one output each, no classes)."""
        return self.classes[0] is None

    def _size(self, task):
        return 1 if self.regression else len(self.classes[task])

    @property
    def n_outputs(self):
        """Number of columns of all the heads together."""
        return self.offsets[-1] + self._size(len(self.domains) - 1)

    def columns(self, task):
        """Return the output columns of ``task`` (its index), as a slice."""
        return slice(self.offsets[task], self.offsets[task] + self._size(task))

    def tasks_of(self, domains, owner):
        """Return the task index of each row of the given ``domains``."""
        tasks = np.empty(len(domains), dtype=np.int64)
        for i, domain in enumerate(domains.tolist()):
            task = self.task_of(domain)
            if task is None:
                raise ValueError(
                    f"{owner}: a labelled row of domain {domain} has no head (the "
                    f"heads are those of the domains {list(self.domains)} of the "
                    "first fit)."
                )
            tasks[i] = task
        return tasks

    def task_of(self, domain):
        """Return the index of the task of ``domain``, or None."""
        return self.domains.index(domain) if domain in self.domains else None

    def encode(self, y, domains, owner):
        """Return the task index and output column of each row of ``y``."""
        tasks = self.tasks_of(domains, owner)
        columns = np.empty(len(y), dtype=np.int64)
        for i, (label, domain, task) in enumerate(
            zip(y.tolist(), domains.tolist(), tasks.tolist())
        ):
            index = {c: j for j, c in enumerate(self.classes[task].tolist())}
            if label not in index:
                raise ValueError(
                    f"{owner}: y holds the label {label!r} in domain {domain}, "
                    f"whose head knows {self.classes[task].tolist()!r}."
                )
            columns[i] = self.offsets[task] + index[label]
        return tasks, columns


def fit_task_heads(y, domains, task_weights, owner, regression=False):
    """Build the heads of the labelled rows ``y`` of the given ``domains``.

    Parameters
    ----------
    y : ndarray of shape (n_labelled,)
        Labels.
    domains : ndarray of shape (n_labelled,)
        ``sample_domain`` of each labelled row.
    task_weights : dict of int to float or None
        Weight of each domain's loss; None weighs every task 1.
    owner : str
        Name of the estimator, for error messages.
    regression : bool, default=False
        Whether the heads are a regressor's: one output each, no classes.

    Returns
    -------
    heads : TaskHeads
        One task per domain, in increasing order of domain.
    """
    found = sorted(set(domains.tolist()))
    if len(found) < 2:
        raise ValueError(
            f"{owner}: heads='per_domain' trains one head per domain with "
            f"labelled rows, but the labelled rows are all of domain {found}; "
            "give sample_domain with labelled rows of at least 2 domains, or use "
            "heads='shared'."
        )
    weights = dict.fromkeys(found, 1.0)
    if task_weights is not None:
        unknown = sorted(set(task_weights) - set(found), key=repr)
        if unknown:
            raise ValueError(
                f"{owner}: task_weights names domains {unknown} without labelled "
                f"rows; the tasks are the domains {found}."
            )
        for domain, weight in task_weights.items():
            number = isinstance(weight, Real) and not isinstance(weight, bool)
            if not (number and np.isfinite(weight) and weight >= 0):
                raise ValueError(
                    f"{owner}: task_weights[{domain!r}] must be a finite "
                    f"non-negative number, got {weight!r}."
                )
            weights[domain] = float(weight)
    classes, offsets, offset = [], [], 0
    for domain in found:
        if regression:
            classes.append(None)
            offsets.append(offset)
            offset += 1
            continue
        labels = np.unique(y[domains == domain])
        if len(labels) < 2:
            raise ValueError(
                f"{owner}: the head of domain {domain} needs at least 2 classes "
                f"among its labelled rows, got {labels.tolist()!r}."
            )
        # Each head's own dtype (an object y may mix int and str label sets).
        classes.append(np.asarray(labels.tolist()))
        offsets.append(offset)
        offset += len(labels)
    return TaskHeads(
        tuple(found), tuple(classes), tuple(offsets), tuple(weights[d] for d in found)
    )


def predict_head(heads, predict_domain, target_domains, owner):
    """Return the index of the task whose head predicts.

    Parameters
    ----------
    heads : TaskHeads
        The heads.
    predict_domain : int or None
        The estimator's ``predict_domain``; None means the single target
        domain (negative ``sample_domain``) that has a head.
    target_domains : tuple of int
        The target domains of the fit.
    owner : str
        Name of the estimator, for error messages.

    Returns
    -------
    task : int
        Index into ``heads``.
    """
    if predict_domain is None:
        candidates = [d for d in heads.domains if d in target_domains]
        if len(candidates) != 1:
            raise ValueError(
                f"{owner}: with heads='per_domain', set predict_domain to the "
                f"domain whose head predicts, one of {list(heads.domains)} (the "
                "default, the single target domain with labelled rows, "
                f"{'is ambiguous' if candidates else 'does not exist'})."
            )
        predict_domain = candidates[0]
    task = heads.task_of(predict_domain)
    if task is None:
        raise ValueError(
            f"{owner}: predict_domain={predict_domain!r} has no head; the heads "
            f"are those of the domains {list(heads.domains)}."
        )
    return task


def task_loss_key(domain):
    """Return the ``history`` key of the loss of the head of ``domain``."""
    return f"train_loss_task_{domain}"


def _weight_key(domain):
    # The batch's total weight of the domain's rows, for the epoch mean.
    return f"train_weight_task_{domain}"


def multitask_loss(logits, columns, tasks, heads, sample_weight=None, per_task=None):
    """Weighted sum over the tasks of the mean loss of their rows.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_outputs)
        Outputs of every head.
    columns : torch.Tensor of shape (n_rows,) or (n_rows, 1)
        Output column of each row's label (for a regressor's heads, the
        rows' targets).
    tasks : torch.Tensor of shape (n_rows,)
        Task of each row.
    heads : TaskHeads
        The heads.
    sample_weight : torch.Tensor of shape (n_rows,), default=None
        Weights of the rows within their task.
    per_task : dict, default=None
        Filled, when given, with ``{domain: (mean loss, total weight)}`` of
        the tasks present in the batch (tensors).

    Returns
    -------
    loss : torch.Tensor
        A scalar; the tasks absent from the batch add nothing.
    """
    tasks = tasks.to(logits.device).long()
    if heads.regression:
        pred = logits.gather(1, tasks[:, None])[:, 0]
        rows = (pred - columns.to(logits).reshape(-1)) ** 2
        return _per_task_mean(rows, tasks, heads, sample_weight, per_task)
    owned = torch.zeros(len(heads.domains), heads.n_outputs, dtype=torch.bool)
    for task in range(len(heads.domains)):
        owned[task, heads.columns(task)] = True
    mask = owned.to(logits.device)[tasks]
    masked = logits.masked_fill(~mask, float("-inf"))
    rows = F.cross_entropy(masked, columns.to(logits.device).long(), reduction="none")
    return _per_task_mean(rows, tasks, heads, sample_weight, per_task)


def _per_task_mean(rows, tasks, heads, sample_weight, per_task=None):
    if sample_weight is None:
        sample_weight = torch.ones_like(rows)
    sample_weight = sample_weight.to(rows)
    loss = rows.sum() * 0.0
    for task, weight in enumerate(heads.weights):
        mine = tasks == task
        total = sample_weight[mine].sum()
        if bool(mine.any()) and total > 0:
            mean = (rows[mine] * sample_weight[mine]).sum() / total
            loss = loss + weight * mean
            if per_task is not None:
                per_task[heads.domains[task]] = (mean, total)
    return loss


def record_task_losses(history, per_task):
    """Record each task's loss of a training batch (see :func:`multitask_loss`)."""
    if not per_task:
        return
    # One read of every value (a sync on a GPU), not one per task.
    with torch.no_grad():
        values = torch.stack([v for pair in per_task.values() for v in pair]).tolist()
    for domain, mean, total in zip(per_task, values[::2], values[1::2]):
        history.record_batch(task_loss_key(domain), mean)
        history.record_batch(_weight_key(domain), total)


class TaskLosses(Callback):
    """Average each head's training loss of an epoch into ``history``.

    The mean over the epoch's batches of ``train_loss_task_<domain>``,
    weighted by the total ``sample_weight`` (row count without) of the
    domain's rows in each batch: the loss of the head over its rows.
    """

    def on_epoch_end(self, net, **kwargs):
        heads = vars(net).get("_task_heads")
        if heads is None:
            return
        batches = net.history[-1]["batches"]
        for domain in heads.domains:
            key, weight_key = task_loss_key(domain), _weight_key(domain)
            seen = [(b[key], b[weight_key]) for b in batches if key in b]
            total = sum(w for _, w in seen)
            if total > 0:
                net.history.record(key, sum(v * w for v, w in seen) / total)
