"""The targets of the nets: class labels or values, one head or one per domain.

:class:`_ClassifierNetMixin` and :class:`_RegressorNetMixin` encode the
targets of the labelled rows (with ``heads='per_domain'``, per domain
through :mod:`~sktransfer.neural._multitask`) and turn the module's outputs
into predictions; the text nets and the dense nets share them, whatever
their input. :func:`encode_labels` is also used by the transformer
fine-tuners.
"""

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.utils import is_dataset

from sktransfer.neural._multitask import fit_task_heads

__all__ = ["_ClassifierNetMixin", "_RegressorNetMixin", "encode_labels"]


class _ClassifierNetMixin:
    """Class labels (``classes_``), their codes and the predicted classes."""

    _task = "classification"

    @property
    def classes_(self):
        """The class labels (set by ``fit``)."""
        heads = vars(self).get("_task_heads")
        if heads is not None:
            return heads.classes[self._predict_task()]
        try:
            return vars(self)["classes_"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    @classes_.setter
    def classes_(self, value):
        vars(self)["classes_"] = value

    def _n_outputs(self):
        heads = vars(self).get("_task_heads")
        return heads.n_outputs if heads is not None else len(self.classes_)

    def _encode_targets(self, y, first_fit, classes=None, masks=None):
        name = type(self).__name__
        per_domain = self.heads == "per_domain"
        if per_domain and self.teacher is not None:
            raise ValueError(
                f"{name}: teacher is not supported with heads='per_domain' (a "
                "teacher has one label set); use heads='shared' to distil."
            )
        if per_domain and (classes is not None or self.classes is not None):
            raise ValueError(
                f"{name}: classes applies to heads='shared'; with "
                "heads='per_domain' each head's classes are the labels of its "
                "domain's rows."
            )
        if first_fit:
            for key in ("_task_heads", "_target_domains", "domain_classes_"):
                vars(self).pop(key, None)
            if per_domain:
                labelled = masks.labelled_indices
                domains = masks.sample_domain[labelled]
                heads = fit_task_heads(y, domains, self.task_weights, name)
                vars(self)["_task_heads"] = heads
                vars(self)["_target_domains"] = tuple(
                    sorted(set(masks.sample_domain[masks.target].tolist()))
                )
                self.domain_classes_ = dict(zip(heads.domains, heads.classes))
                # A predict_domain without a head fails here, not at predict.
                self._predict_task()
        heads = vars(self).get("_task_heads")
        if heads is not None:
            domains = masks.sample_domain[masks.labelled_indices]
            tasks, columns = heads.encode(y, domains, name)
            return columns, {"task": tasks}
        return self._encode_labels(y, first_fit, classes), {}

    def _encode_labels(self, y, first_fit, classes=None):
        given = classes if classes is not None else self.classes
        return encode_labels(self, y, first_fit, given)

    def _predict_proba(self, X):
        heads = vars(self).get("_task_heads")
        if heads is None:
            return self._forward(X)
        check_is_fitted(self)
        columns = heads.columns(self._predict_task())
        encoded = self._encode_inputs(X)
        if len(encoded) == 0:
            return np.zeros((0, columns.stop - columns.start), dtype=np.float32)
        logits = NeuralNet.forward(self, encoded, training=False)
        return torch.softmax(logits[:, columns], dim=1).numpy()

    def _predict(self, X):
        index = self.predict_proba(X).argmax(axis=1)
        if is_dataset(X):
            # skorch's scoring callbacks compare with the encoded targets:
            # with heads='per_domain', the columns of all the heads.
            heads = vars(self).get("_task_heads")
            offset = 0 if heads is None else heads.offsets[self._predict_task()]
            return index + offset
        return self.classes_[index]


class _RegressorNetMixin:
    """Numeric targets (float32 column) and the predicted values."""

    _task = "regression"

    def _n_outputs(self):
        heads = vars(self).get("_task_heads")
        return 1 if heads is None else heads.n_outputs

    def _encode_targets(self, y, first_fit, classes=None, masks=None):
        name = type(self).__name__
        if first_fit:
            for key in ("_task_heads", "_target_domains"):
                vars(self).pop(key, None)
            if self.heads == "per_domain":
                domains = masks.sample_domain[masks.labelled_indices]
                heads = fit_task_heads(
                    y, domains, self.task_weights, name, regression=True
                )
                vars(self)["_task_heads"] = heads
                vars(self)["_target_domains"] = tuple(
                    sorted(set(masks.sample_domain[masks.target].tolist()))
                )
                # A predict_domain without a head fails here, not at predict.
                self._predict_task()
        y32 = self._encode_values(y)
        heads = vars(self).get("_task_heads")
        if heads is not None:
            domains = masks.sample_domain[masks.labelled_indices]
            return y32, {"task": heads.tasks_of(domains, name)}
        return y32, {}

    def _encode_values(self, y):
        y = np.asarray(y)
        y32 = y.astype(np.float32) if y.dtype.kind in "biuf" else None
        if y32 is None:
            raise ValueError(
                f"{type(self).__name__} needs numeric targets, got y of dtype "
                f"{y.dtype}."
            )
        if not np.isfinite(y32).all():
            bad = y[~np.isfinite(y32)][0].item()
            raise ValueError(
                f"{type(self).__name__}: y holds {bad!r}; targets must be finite "
                "(and within the float32 range, about 3.4e38). NaN marks an "
                "unlabelled row; inf is not a target."
            )
        return y32.reshape(-1, 1)

    def _predict(self, X):
        heads = vars(self).get("_task_heads")
        column = 0 if heads is None else heads.offsets[self._predict_task()]
        return self._forward(X)[:, column].astype(np.float64)


def encode_labels(estimator, y, first_fit, classes=None):
    """Codes 0..n_classes-1 of the labels ``y`` (labelled rows only).

    On the first fit, ``estimator.classes_`` is set from ``classes`` when given
    (checked for duplicates), else from the sorted labels of ``y``; at least
    two classes are required. Later fits encode against ``classes_`` and
    reject labels it does not hold. Shared by the text nets and the
    transformer fine-tuners.
    """
    name = type(estimator).__name__
    if y.dtype.kind == "f" and np.isinf(y).any():
        raise ValueError(
            f"{name}: y holds {y[np.isinf(y)][0].item()!r}, which is not a "
            "class label (NaN or -1 marks an unlabelled row)."
        )
    if first_fit:
        if classes is not None:
            labels = np.asarray(classes)
            if len(set(labels.tolist())) != len(labels):
                raise ValueError(f"{name}: classes holds duplicate labels.")
        else:
            try:
                labels = np.unique(y)
            except TypeError as exc:
                raise ValueError(
                    f"{name}: the labels of y cannot be sorted (mixed types?): {exc}"
                ) from exc
        if len(labels) < 2:
            raise ValueError(
                f"{name} needs at least 2 classes among the labelled rows, got "
                f"{len(labels)} class{'' if len(labels) == 1 else 'es'} "
                f"({labels.tolist()!r})."
            )
        estimator.classes_ = labels
    index = {label: i for i, label in enumerate(estimator.classes_.tolist())}
    try:
        codes = [index[label] for label in y.tolist()]
    except KeyError as exc:
        raise ValueError(
            f"{name}: y holds the label {exc.args[0]!r}, which is not among "
            f"classes_ {estimator.classes_.tolist()!r}."
        ) from None
    return np.asarray(codes, dtype=np.int64)
