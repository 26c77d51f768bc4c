"""Knowledge distillation from a fitted teacher (Hinton et al., 2015).

The student matches the teacher's class probabilities softened by a
temperature ``T``: the loss is ``T^2 KL(p_teacher^T || p_student^T)``,
where ``p^T`` is ``softmax(log p / T)`` (the teacher's logits are taken as
the log of its probabilities, since any scikit-learn classifier gives those)
and the ``T^2`` factor keeps the gradients' scale independent of ``T``.
:func:`teacher_probabilities` asks the teacher once per fit, for every row.
"""

import numpy as np
from sklearn.exceptions import NotFittedError
from torch.nn import functional as F

__all__ = ["distillation_loss", "teacher_predictions", "teacher_probabilities"]

# The smallest probability whose log is taken (a teacher may give exact 0).
_TINY = 1e-12


def distillation_loss(student_logits, teacher_proba, temperature=1.0):
    """Hinton's distillation loss, averaged over the rows.

    Parameters
    ----------
    student_logits : torch.Tensor of shape (n_rows, n_classes)
        The student's logits.
    teacher_proba : torch.Tensor of shape (n_rows, n_classes)
        The teacher's probabilities (rows summing to 1).
    temperature : float, default=1.0
        Softens both distributions; 1 compares the probabilities as they
        are.

    Returns
    -------
    loss : torch.Tensor
        ``T^2 * mean_rows KL(teacher^T || student^T)``, a scalar; 0 when
        the student's probabilities equal the teacher's.
    """
    teacher_proba = teacher_proba.to(student_logits)
    teacher_log = F.log_softmax(teacher_proba.clamp_min(_TINY).log() / temperature, 1)
    student_log = F.log_softmax(student_logits / temperature, dim=1)
    kl = F.kl_div(student_log, teacher_log, reduction="batchmean", log_target=True)
    return kl * temperature**2


def _ask_teacher(teacher, method, X, owner):
    """Return ``teacher.<method>(X)`` as float64, or raise a clear ValueError.

    An unfitted teacher, or one that cannot predict on the fit's rows, gets
    an error that says what to do.
    """
    try:
        return np.asarray(getattr(teacher, method)(X), dtype=np.float64)
    except NotFittedError as exc:
        raise ValueError(
            f"{owner}: teacher must be fitted before it is used for distillation "
            f"({exc})."
        ) from exc
    except (TypeError, ValueError, AttributeError, IndexError, KeyError) as exc:
        raise ValueError(
            f"{owner}: teacher.{method} failed on the rows given to fit "
            f"({type(exc).__name__}: {exc}). The teacher is asked for exactly the "
            f"X that {owner} receives (inside a pipeline, the output of the steps "
            "before it), so it must accept that X: a teacher fitted on raw "
            "documents cannot predict on numeric features. Fit the teacher on the "
            "same input, or distil it into a net that gets the same input."
        ) from exc


def teacher_probabilities(teacher, X, classes, owner):
    """Ask the teacher for the probabilities of every row, columns as ``classes``.

    Parameters
    ----------
    teacher : classifier
        A fitted classifier with ``predict_proba`` and ``classes_`` (or a
        :class:`~sklearn.frozen.FrozenEstimator` of one).
    X : sequence
        All the rows of the fit (labelled and unlabelled).
    classes : ndarray of shape (n_classes,)
        The student's ``classes_``.
    owner : str
        Name of the student, for error messages.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), dtype float32
        Column ``j`` is the teacher's probability of ``classes[j]``.
    """
    theirs = getattr(teacher, "classes_", None)
    if theirs is None:
        raise ValueError(
            f"{owner}: teacher={type(teacher).__name__} is not a fitted classifier "
            "(it has no classes_); pass a fitted one, e.g. "
            "FrozenEstimator(fitted_classifier)."
        )
    theirs = np.asarray(theirs).tolist()
    ours = np.asarray(classes).tolist()
    if set(theirs) != set(ours) or len(theirs) != len(ours):
        raise ValueError(
            f"{owner}: the classes of teacher ({theirs!r}) differ from those of y "
            f"({ours!r}); distillation needs a teacher trained on the same labels."
        )
    proba = _ask_teacher(teacher, "predict_proba", X, owner)
    if proba.shape != (len(X), len(theirs)) or not np.isfinite(proba).all():
        raise ValueError(
            f"{owner}: teacher.predict_proba returned an array of shape "
            f"{proba.shape} (or non-finite values); expected finite probabilities "
            f"of shape {(len(X), len(theirs))}."
        )
    column = {label: j for j, label in enumerate(theirs)}
    return proba[:, [column[label] for label in ours]].astype(np.float32)


def teacher_predictions(teacher, X, owner):
    """Ask a regressor teacher for its predictions of every row.

    Parameters
    ----------
    teacher : regressor
        A fitted regressor (or a :class:`~sklearn.frozen.FrozenEstimator` of
        one).
    X : sequence
        All the rows of the fit (labelled and unlabelled).
    owner : str
        Name of the student, for error messages.

    Returns
    -------
    pred : ndarray of shape (n_samples, 1), dtype float32
        The teacher's predictions, the targets of the distillation term.
    """
    pred = _ask_teacher(teacher, "predict", X, owner)
    if pred.shape not in ((len(X),), (len(X), 1)) or not np.isfinite(pred).all():
        raise ValueError(
            f"{owner}: teacher.predict returned an array of shape {pred.shape} (or "
            f"non-finite values); expected finite predictions of shape "
            f"{(len(X),)}."
        )
    return pred.reshape(-1, 1).astype(np.float32)
