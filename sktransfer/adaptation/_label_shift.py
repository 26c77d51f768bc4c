"""Label shift: estimate the class prior of the target domain without its labels.

Under *label shift* the class-conditional distributions are the same in both
domains, ``p_t(x | y) = p_s(x | y)``, and only the class priors differ,
``p_t(y) != p_s(y)``. The posterior of a classifier trained on the source then
transfers after a reweighting of the classes,

``p_t(y | x)  ∝  p_t(y) / p_s(y) * p_s(y | x)``,

so the one unknown is the target prior ``p_t(y)``. Two classic estimators:

* :func:`em_target_prior`: the expectation-maximisation of Saerens, Latinne
  and Decaestecker (2002) on the source model's posteriors over the target
  rows (needs calibrated probabilities);
* :func:`bbse_target_prior`: black-box shift estimation (Lipton, Wang and
  Smola, 2018), which inverts the confusion matrix of the source model on
  held-out source rows (needs only hard predictions).

:func:`adjust_proba` applies an estimated prior to posteriors.
:class:`~sktransfer.adaptation.DomainAwareClassifier` uses all three through
its ``prior_shift`` parameter.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils.validation import check_array, column_or_1d

__all__ = ["adjust_proba", "bbse_target_prior", "em_target_prior"]

#: Methods accepted by ``prior_shift`` (and :func:`fit_target_prior`).
PRIOR_SHIFT_METHODS = ("em", "bbse")


def _check_prior(prior, n_classes, name):
    prior = column_or_1d(np.asarray(prior, dtype=np.float64))
    if prior.shape[0] != n_classes:
        raise ValueError(
            f"{name} must hold one probability per class ({n_classes}), got "
            f"{prior.shape[0]}."
        )
    if not np.all(np.isfinite(prior)) or np.any(prior < 0) or prior.sum() <= 0:
        raise ValueError(
            f"{name} must hold finite non-negative probabilities with a positive "
            f"sum, got {prior}."
        )
    return prior / prior.sum()


def _check_proba(proba):
    proba = check_array(proba, dtype=np.float64, input_name="proba")
    if proba.shape[1] < 2:
        raise ValueError(
            "proba must have one column per class and at least 2 classes (a "
            f"single class has no prior to estimate), got {proba.shape[1]}."
        )
    if np.any(proba < 0):
        raise ValueError("proba must hold probabilities (non-negative values).")
    return proba


def adjust_proba(proba, source_prior, target_prior):
    """Move posteriors from the source class prior to a target class prior.

    Computes ``p_t(y | x) ∝ p_t(y) / p_s(y) * p_s(y | x)``, row by row
    normalised to sum to one: the Bayes rule for a change of class prior
    with the class-conditional distributions unchanged (label shift).

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Posteriors ``p_s(y | x)`` of a classifier trained under
        ``source_prior``.
    source_prior : array-like of shape (n_classes,)
        The class prior the classifier was trained under.
    target_prior : array-like of shape (n_classes,)
        The class prior of the rows in ``proba``.

    Returns
    -------
    proba_adjusted : ndarray of shape (n_samples, n_classes)
        The posteriors under ``target_prior``. A row whose classes all get
        weight zero keeps its original posteriors.

    Examples
    --------
    >>> from sktransfer.adaptation import adjust_proba
    >>> adjust_proba([[0.5, 0.5], [0.8, 0.2]], [0.5, 0.5], [0.2, 0.8])
    array([[0.2, 0.8],
           [0.5, 0.5]])
    """
    proba = _check_proba(proba)
    n_classes = proba.shape[1]
    ps = _check_prior(source_prior, n_classes, "source_prior")
    pt = _check_prior(target_prior, n_classes, "target_prior")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ps > 0, pt / ps, 0.0)
    out = proba * ratio
    norm = out.sum(axis=1, keepdims=True)
    empty = norm[:, 0] <= 0
    out[empty] = proba[empty]
    norm[empty] = proba[empty].sum(axis=1, keepdims=True)
    norm[norm <= 0] = 1.0
    return out / norm


def em_target_prior(proba, source_prior, *, max_iter=1000, tol=1e-8):
    """Target class prior by expectation-maximisation (Saerens et al., 2002).

    Starting from ``p^(0) = source_prior``, iterate

    * E-step: ``p^(k)(y | x_i) ∝ p^(k)(y) / p_s(y) * p_s(y | x_i)``
      (:func:`adjust_proba`);
    * M-step: ``p^(k+1)(y) = mean_i p^(k)(y | x_i)``;

    until the largest change of the prior is below ``tol``. The fixed point
    maximises the likelihood of the target rows over the class prior, the
    class-conditional densities being those of the source.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Posteriors ``p_s(y | x)`` of a classifier trained on the source,
        evaluated on the unlabelled target rows. EM trusts them as
        probabilities: badly calibrated posteriors (an over-regularised or
        over-confident model, or a strong covariate shift) bias the estimate,
        often towards a degenerate prior.
    source_prior : array-like of shape (n_classes,)
        The class prior the classifier was trained under (the class
        frequencies of its training rows).
    max_iter : int, default=1000
        Largest number of EM iterations.
    tol : float, default=1e-8
        Stop when no class prior changes by more than ``tol``.

    Returns
    -------
    target_prior : ndarray of shape (n_classes,)
        The estimated target class prior (sums to one).

    See Also
    --------
    bbse_target_prior : Estimate from hard predictions and a confusion matrix.
    adjust_proba : Apply the estimated prior to posteriors.

    References
    ----------
    .. [1] M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs
       of a classifier to new a priori probabilities: a simple procedure",
       Neural Computation 14(1), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import em_target_prior
    >>> proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.9, 0.1], [0.2, 0.8]])
    >>> em_target_prior(proba, [0.5, 0.5]).round(3)
    array([0.953, 0.047])
    """
    proba = _check_proba(proba)
    n_samples, n_classes = proba.shape
    ps = _check_prior(source_prior, n_classes, "source_prior")
    if n_samples == 0:
        raise ValueError("em_target_prior needs at least one target row (proba).")
    prior = ps.copy()
    for _ in range(max_iter):
        new = adjust_proba(proba, ps, prior).mean(axis=0)
        change = np.max(np.abs(new - prior))
        prior = new
        if change <= tol:
            break
    return prior / prior.sum()


def bbse_target_prior(y_true, y_pred, y_pred_target, *, labels=None):
    """Target class prior by black-box shift estimation (Lipton et al., 2018).

    With ``C[i, j] = P_s(y_hat = i, y = j)``, the joint distribution of
    predictions and labels on held-out *source* rows, and ``mu[i] =
    P_t(y_hat = i)``, the distribution of predictions on the *target* rows,
    label shift gives ``mu = C w`` with ``w(y) = p_t(y) / p_s(y)``. BBSE
    solves that linear system (least squares when ``C`` is singular), clips
    negative weights to zero and returns ``p_t(y) = w(y) p_s(y)``,
    normalised, with ``p_s`` the label frequencies of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_heldout,)
        Labels of held-out source rows (never used to train the classifier
        that predicted them, e.g. from
        :func:`~sklearn.model_selection.cross_val_predict`).
    y_pred : array-like of shape (n_heldout,)
        Predictions of the classifier on those rows.
    y_pred_target : array-like of shape (n_target,)
        Predictions of the classifier on the target rows.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the returned prior. None uses the sorted
        labels found in ``y_true``.

    Returns
    -------
    target_prior : ndarray of shape (n_classes,)
        The estimated target class prior (sums to one).

    See Also
    --------
    em_target_prior : Estimate from posteriors by EM.

    References
    ----------
    .. [1] Z. C. Lipton, Y.-X. Wang and A. J. Smola, "Detecting and
       correcting for label shift with black box predictors", ICML 2018.

    Examples
    --------
    >>> from sktransfer.adaptation import bbse_target_prior
    >>> y_true = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> y_pred = [0, 0, 0, 1, 1, 1, 1, 0]  # 75% recall on each class
    >>> bbse_target_prior(y_true, y_pred, [1, 1, 1, 0, 0, 0, 1, 1, 1, 1]).round(3)
    array([0.1, 0.9])
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    y_pred_target = column_or_1d(y_pred_target)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {y_true.shape[0]} "
            f"and {y_pred.shape[0]}."
        )
    if y_true.shape[0] == 0 or y_pred_target.shape[0] == 0:
        raise ValueError(
            "bbse_target_prior needs held-out source rows (y_true) and target "
            "rows (y_pred_target); one of them is empty."
        )
    labels = np.unique(y_true) if labels is None else column_or_1d(labels)
    n_classes = labels.shape[0]
    if n_classes < 2:
        raise ValueError(
            "bbse_target_prior needs at least 2 classes in y_true; a single "
            "class has no prior to estimate."
        )
    index = {label: k for k, label in enumerate(labels.tolist())}

    def codes(y, name):
        try:
            return np.array([index[v] for v in y.tolist()], dtype=np.intp)
        except KeyError as exc:
            raise ValueError(
                f"{name} holds the label {exc.args[0]!r}, which is not in labels "
                f"{labels.tolist()}."
            ) from None

    t, p, pt = (
        codes(y_true, "y_true"),
        codes(y_pred, "y_pred"),
        codes(y_pred_target, "y_pred_target"),
    )
    n = t.shape[0]
    C = np.zeros((n_classes, n_classes))
    np.add.at(C, (p, t), 1.0 / n)
    mu = np.bincount(pt, minlength=n_classes) / pt.shape[0]
    source_prior = np.bincount(t, minlength=n_classes) / n
    w = np.linalg.lstsq(C, mu, rcond=None)[0]
    prior = np.clip(w, 0.0, None) * source_prior
    total = prior.sum()
    if total <= 0:  # every weight clipped: nothing to go on
        warnings.warn(
            "bbse_target_prior found no non-negative solution; returning the "
            "source prior.",
            UserWarning,
            stacklevel=2,
        )
        return source_prior
    return prior / total


def class_prior(y, classes, sample_weight=None):
    """Class frequencies of ``y`` (weighted), in the order of ``classes``."""
    y = np.asarray(y)
    w = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    prior = np.array([w[y == c].sum() for c in classes], dtype=np.float64)
    total = prior.sum()
    return prior / total if total > 0 else np.full(len(classes), 1 / len(classes))


def fit_target_prior(
    method,
    estimator,
    X_labelled,
    y_labelled,
    X_target,
    *,
    classes,
    sample_weight=None,
    fit_params=None,
    cv=5,
):
    """Estimate the source and target class priors for a fitted classifier.

    The helper behind ``DomainAwareClassifier(prior_shift=...)``.

    Parameters
    ----------
    method : {'em', 'bbse'}
        :func:`em_target_prior` on ``estimator.predict_proba(X_target)``, or
        :func:`bbse_target_prior` with held-out predictions of clones of
        ``estimator`` (``cv``-fold stratified cross-validation on the
        labelled rows).
    estimator : fitted classifier
        Fitted on ``X_labelled, y_labelled``; its unfitted parameters are
        cloned for BBSE's cross-validation.
    X_labelled, y_labelled : rows and labels the estimator was fitted on
    X_target : rows of the target domain (unlabelled)
    classes : ndarray of shape (n_classes,)
        ``estimator.classes_``.
    sample_weight : ndarray of shape (n_labelled,), default=None
        Weights of the labelled rows (for the source prior and BBSE's fits).
    fit_params : dict, default=None
        Other fit parameters of the estimator (BBSE's fits).
    cv : int, default=5
        Folds of BBSE's cross-validation (fewer when a class is rarer).

    Returns
    -------
    source_prior, target_prior : ndarray of shape (n_classes,)
    """
    source_prior = class_prior(y_labelled, classes, sample_weight)
    if method == "em":
        proba = estimator.predict_proba(X_target)
        return source_prior, em_target_prior(proba, source_prior)
    counts = np.array([np.sum(np.asarray(y_labelled) == c) for c in classes])
    n_splits = int(min(cv, counts.min()))
    if n_splits < 2:
        raise ValueError(
            "prior_shift='bbse' cross-validates the classifier on the labelled "
            "rows and needs at least 2 labelled rows of every class; got "
            f"{dict(zip(classes.tolist(), counts.tolist()))}."
        )
    params = dict(fit_params or {})
    if sample_weight is not None:
        params["sample_weight"] = sample_weight
    heldout = cross_val_predict(
        clone(estimator),
        X_labelled,
        y_labelled,
        cv=StratifiedKFold(n_splits=n_splits),
        params=params or None,
    )
    prior = bbse_target_prior(
        y_labelled, heldout, estimator.predict(X_target), labels=classes
    )
    return source_prior, prior
