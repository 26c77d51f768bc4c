"""The transfer objectives in a fit of the text nets: which, on which rows, how.

``domain_adversarial`` (DANN, :mod:`~sktransfer.neural._adversarial`),
``coral_loss`` (deep CORAL, :mod:`~sktransfer.neural._coral`) and ``teacher``
(distillation, :mod:`~sktransfer.neural._distillation`) add terms to the
task's loss. Each needs rows besides the labelled ones skorch iterates over:
the unlabelled rows of the fit form a *pool*, and every training batch of
``n`` labelled rows is joined by ``ceil(unlabelled_batch_ratio * n)`` pool
rows (drawn in a shuffled cycle, so that every pool row is seen about as
often; ratio 1 balances source and target rows when the pool holds the
target domain; ``'auto'`` is 0.5 with an alignment term, 1 to distil alone).
The module runs once on the joined batch; the terms are

- task: the criterion on the labelled rows (with their ``sample_weight``);
- distillation: Hinton's loss (for a regressor, the squared error to the
  teacher's predictions) on all the rows of the joined batch, mixed
  with the task's as ``(1 - distillation_weight) * task +
  distillation_weight * distillation``;
- coral: the CORAL loss between the features of the source and of the
  target rows of the joined batch, times ``coral_loss``;
- domain: the domain head's cross-entropy on the joined batch, the source
  and the target rows weighing half each (so the ratio changes the noise,
  not the balance, of the term), whose gradient reaches the encoder
  reversed and times ``domain_adversarial`` (times Ganin's ramp with
  ``domain_adversarial_schedule='ganin'``).

Cost. At small network sizes a step's time goes to the number of tensor
operations more than to the rows: the objectives' terms are written with
few of them (one product for both CORAL covariances, the domain head's
layers called as functions, the batch joined in numpy, the terms read back
in one transfer).

The loss minimised (skorch's ``train_loss``) is their sum; each term is also
recorded per batch and averaged per epoch into ``history`` as
``train_loss_<term>``. With every objective off (the defaults) none of this
runs: skorch's own training step does.
"""

import inspect
import math
from typing import NamedTuple

import numpy as np
import torch
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch.nn import functional as F

from sktransfer.neural._adversarial import (
    DomainClassifier,
    domain_loss,
    ganin_schedule,
    reverse_gradient,
)
from sktransfer.neural._coral import split_coral_loss
from sktransfer.neural._data import _RaggedIds
from sktransfer.neural._distillation import (
    distillation_loss,
    teacher_predictions,
    teacher_probabilities,
)
from sktransfer.neural._multitask import TaskLosses

__all__ = [
    "MAX_UNLABELLED_BATCH_RATIO",
    "TERMS",
    "Objectives",
    "domain_classifier",
    "objective_callbacks",
    "objectives",
    "plan_objectives",
]

#: Upper bound of ``unlabelled_batch_ratio`` (a batch of 64 labelled rows
#: joined by 1,024 unlabelled ones).
MAX_UNLABELLED_BATCH_RATIO = 16.0

#: ``unlabelled_batch_ratio='auto'`` with ``domain_adversarial`` or
#: ``coral_loss``: as accurate as balanced batches on the bundled domains, and
#: cheaper (benchmarks/bench_neural_transfer.py).
AUTO_ALIGNMENT_RATIO = 0.5

#: The loss terms, in the order they are recorded.
TERMS = ("task", "distillation", "coral", "domain")


class Objectives(NamedTuple):
    """The objectives a net's parameters ask for."""

    domain_adversarial: float
    schedule: str
    coral: float
    teacher: object
    distillation_weight: float
    temperature: float
    #: Unlabelled rows joined to a batch, as a multiple of its labelled rows.
    unlabelled_batch_ratio: float = 1.0

    @property
    def aligns(self):
        """Whether a term needs target rows (DANN or CORAL)."""
        return self.domain_adversarial > 0 or self.coral > 0

    @property
    def distills(self):
        """Whether a teacher is distilled."""
        return self.teacher is not None

    def terms(self):
        """Return the terms of the loss, as recorded in ``history``."""
        on = {
            "task": True,
            "distillation": self.distills,
            "coral": self.coral > 0,
            "domain": self.domain_adversarial > 0,
        }
        return [term for term in TERMS if on[term]]


def objectives(net):
    """Return the :class:`Objectives` of ``net``, or None when all are off.

    Values fit would reject (skorch reads the default callbacks before fit
    validates the parameters) count as off.
    """
    try:
        found = Objectives(
            float(net.domain_adversarial),
            net.domain_adversarial_schedule,
            float(net.coral_loss),
            getattr(net, "teacher", None),
            float(getattr(net, "distillation_weight", 0.0)),
            float(getattr(net, "temperature", 1.0)),
            _ratio(getattr(net, "unlabelled_batch_ratio", 1.0)),
        )
    except (TypeError, ValueError):
        return None
    if not (found.domain_adversarial > 0 or found.coral > 0 or found.distills):
        return None
    if found.unlabelled_batch_ratio is None:
        # 'auto': 1 to distil alone (every unlabelled row brings the
        # teacher's outputs), AUTO_ALIGNMENT_RATIO with an alignment term
        # (which reads only the batch's target statistics).
        ratio = AUTO_ALIGNMENT_RATIO if found.aligns else 1.0
        found = found._replace(unlabelled_batch_ratio=ratio)
    return found


def _ratio(value):
    """``unlabelled_batch_ratio`` as a float, None for 'auto' (1 if invalid)."""
    if isinstance(value, str) and value == "auto":
        return None
    value = float(value)
    return value if value > 0 else 1.0


def objective_callbacks(net):
    """Return the callbacks averaging each loss term per epoch into ``history``.

    Also, with ``heads='per_domain'``, the one averaging each head's loss.
    """
    callbacks = []
    heads = getattr(net, "heads", "shared")
    if isinstance(heads, str) and heads == "per_domain":
        callbacks.append(("train_loss_tasks", TaskLosses()))
    found = objectives(net)
    if found is None:
        return callbacks
    return callbacks + [
        (f"train_loss_{term}", PassthroughScoring(f"train_loss_{term}", on_train=True))
        for term in found.terms()
    ]


def _check_feature_module(module, owner):
    forward = inspect.signature(module.forward).parameters
    size = getattr(module, "feature_size", None)
    if "return_features" not in forward or size is None:
        raise TypeError(
            f"{owner}: domain_adversarial, coral_loss and teacher need a module "
            "whose forward accepts return_features=True (returning the outputs "
            "and the features the head reads) and that has a feature_size "
            f"attribute, as TextModule; {type(module).__name__} does not."
        )


def domain_classifier(net, owner):
    """Build the domain head of ``net`` (None without ``domain_adversarial``)."""
    found = objectives(net)
    if found is None:
        return None
    _check_feature_module(net.module_, owner)
    if found.domain_adversarial <= 0:
        return None
    # Its hidden layer is as wide as the net's (hidden_size), or as the
    # features it reads when the net has no single hidden size.
    size = getattr(net, "hidden_size", None) or net.module_.feature_size
    return DomainClassifier(net.module_.feature_size, size)


class _Pool:
    """Rows joined to every training batch, drawn in shuffled cycles.

    ``inputs`` holds the module's input of the pool rows: token ids
    (:class:`~sktransfer.neural._data._RaggedIds`, padded per draw) or a
    dense 2-D array.
    """

    def __init__(self, inputs, is_target, teacher, seed):
        self.inputs = inputs
        self.is_target = is_target
        self.teacher = teacher
        self._rng = np.random.default_rng(seed)
        self._order = np.zeros(0, dtype=np.int64)

    def draw(self, n):
        """Return the positions of the next ``n`` rows."""
        n = int(n)
        while self._order.shape[0] < n:
            self._order = np.concatenate(
                [self._order, self._rng.permutation(len(self.inputs))]
            )
        rows, self._order = self._order[:n], self._order[n:]
        return rows

    def take(self, rows, min_width=1):
        """Return the module's input of the pool rows at positions ``rows``.

        Token ids are padded at least ``min_width`` wide.
        """
        if isinstance(self.inputs, _RaggedIds):
            return self.inputs.padded(rows, min_width)
        return self.inputs[rows]


class _Plan:
    """What a fit's training steps need besides the batch: the pool and a clock."""

    def __init__(self, found, pool, total_steps):
        self.objectives = found
        self.pool = pool
        self.total_steps = max(total_steps, 1)
        self.steps_done = 0

    def reversal_coefficient(self):
        found = self.objectives
        if found.schedule == "ganin":
            progress = min(self.steps_done / self.total_steps, 1.0)
            return found.domain_adversarial * ganin_schedule(progress)
        return found.domain_adversarial

    def n_drawn(self, n):
        """Return how many pool rows join a batch of ``n`` labelled rows."""
        if self.pool is None:
            return 0
        return max(1, math.ceil(self.objectives.unlabelled_batch_ratio * n - 1e-9))

    def train_step_single(self, net, batch, **fit_params):
        """Run skorch's ``train_step_single`` with the objectives' terms."""
        found = self.objectives
        net._set_training(True)
        Xi, yi = unpack_data(batch)
        ids = np.asarray(Xi["X"])
        n = ids.shape[0]
        is_target = [np.asarray(Xi["is_target"], dtype=bool)] if found.aligns else []
        teacher = [torch.as_tensor(Xi["teacher"])] if found.distills else []
        if self.pool is not None:
            rows = self.pool.draw(self.n_drawn(n))
            # Token ids padded at least as wide as the labelled rows, joined
            # in numpy (cheaper than torch for such small arrays).
            drawn = self.pool.take(rows, ids.shape[1])
            if ids.shape[1] < drawn.shape[1]:
                ids = np.pad(ids, ((0, 0), (0, drawn.shape[1] - ids.shape[1])))
            ids = np.concatenate([ids, drawn])
            if found.aligns:
                is_target.append(self.pool.is_target[rows].astype(bool))
            if found.distills:
                teacher.append(torch.from_numpy(self.pool.teacher[rows]))
        logits, features = net.module_(
            to_tensor(torch.from_numpy(ids), device=net.device),
            return_features=True,
            **fit_params,
        )
        task = net.get_loss(logits[:n], yi, X=Xi, training=True)
        terms = {"task": task}
        loss = task
        if found.distills:
            proba = to_tensor(torch.cat(teacher), device=net.device)
            if net._task == "classification":
                terms["distillation"] = distillation_loss(
                    logits, proba, found.temperature
                )
            else:
                terms["distillation"] = F.mse_loss(logits, proba.to(logits))
            w = found.distillation_weight
            loss = (1 - w) * task + w * terms["distillation"]
        if found.aligns:
            # Known on the CPU: no device sync to split the rows by domain.
            target = np.concatenate(is_target)
        if found.coral > 0:
            terms["coral"] = _coral_term(features, target)
            loss = loss + found.coral * terms["coral"]
        if found.domain_adversarial > 0:
            reversed_ = reverse_gradient(features, self.reversal_coefficient())
            terms["domain"] = domain_loss(
                net.domain_classifier_(reversed_),
                to_tensor(torch.from_numpy(target.astype(np.float32)), net.device),
                _balanced_weights(target, net.device),
            )
            loss = loss + terms["domain"]
        self.steps_done += 1
        # One read of every value (a sync on a GPU), not one per term.
        values = torch.stack([loss.detach(), *(v.detach() for v in terms.values())])
        values = values.tolist()
        if not math.isfinite(values[0]):
            net._raise_diverged("the training loss")
        for term, value in zip(terms, values[1:]):
            net.history.record_batch(f"train_loss_{term}", value)
        loss.backward()
        return {"loss": loss, "y_pred": logits[:n]}


def _balanced_weights(target, device):
    """Row weights giving the source and the target rows half the loss each."""
    n_target = int(target.sum())
    n_source = target.shape[0] - n_target
    if not (n_target and n_source):
        return None
    weight = np.where(target, 0.5 / n_target, 0.5 / n_source).astype(np.float32)
    return to_tensor(torch.from_numpy(weight), device)


def _coral_term(features, target):
    """CORAL loss between the source and target rows (0 with fewer than 2 of one)."""
    n_target = int(target.sum())
    if n_target < 2 or target.shape[0] - n_target < 2:
        return features.sum() * 0.0
    return split_coral_loss(features, target)


def plan_objectives(net, found, masks, X, pool_inputs, seed):
    """Prepare the objectives of a fit.

    Parameters
    ----------
    net : TextClassifier, TextRegressor, NeuralClassifier or NeuralRegressor
        The net, its vocabulary (and classes) fitted.
    found : Objectives
        Its objectives.
    masks : DomainMasks
        The domains and labels of every row.
    X : sequence or ndarray
        Every row of the fit as the net got it (given to the teacher).
    pool_inputs : callable
        ``pool_inputs(indices)`` returns the module's input of the rows at
        ``indices`` (the pool): token ids as ``_RaggedIds``, or a 2-D array.
    seed : int
        Seed of the pool's draws.

    Returns
    -------
    extras : dict of str to ndarray
        Arrays of the labelled rows that their batches carry
        (``'is_target'``, ``'teacher'``).
    plan : _Plan
        The pool and the clock of the fit's training steps.
    """
    owner = type(net).__name__
    if found.aligns and not masks.has_target:
        given = [
            f"{name}={value!r}"
            for name, value in (
                ("domain_adversarial", found.domain_adversarial),
                ("coral_loss", found.coral),
            )
            if value > 0
        ]
        raise ValueError(
            f"{owner}: {' and '.join(given)} aligns the source and target "
            "domains, but fit got no target rows: give unlabelled target rows "
            "(y == -1, or NaN for a regressor) or rows with a negative "
            "sample_domain, or set it to 0."
        )
    labelled = masks.labelled_indices
    pool_rows = np.flatnonzero(~masks.labelled)
    extras = {}
    if found.aligns:
        extras["is_target"] = masks.target[labelled].astype(np.float32)
    proba = None
    if found.distills:
        if net._task == "classification":
            proba = teacher_probabilities(found.teacher, X, net.classes_, owner)
        else:
            proba = teacher_predictions(found.teacher, X, owner)
        extras["teacher"] = proba[labelled]
    pool = None
    if pool_rows.shape[0]:
        pool = _Pool(
            pool_inputs(pool_rows),
            masks.target[pool_rows].astype(np.float32),
            None if proba is None else proba[pool_rows],
            seed,
        )
    batch_size = net.batch_size if net.batch_size > 0 else max(len(labelled), 1)
    steps = net.max_epochs * math.ceil(len(labelled) / batch_size)
    return extras, _Plan(found, pool, steps)
