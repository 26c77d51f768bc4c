"""Deep CORAL: the distance between source and target feature covariances.

Sun and Saenko (2016) align the second-order statistics of a network's
features on the two domains with ``||C_S - C_T||_F^2 / (4 d^2)``, where
``C_S`` and ``C_T`` are the (unbiased) covariances of the ``d`` features of
a batch's source and target rows.
"""

import numpy as np
import torch

__all__ = ["coral_loss", "covariance", "split_coral_loss"]


def covariance(features):
    """Unbiased covariance of the columns of ``features``.

    Parameters
    ----------
    features : torch.Tensor of shape (n_rows, d)
        At least two rows.

    Returns
    -------
    cov : torch.Tensor of shape (d, d)
        ``(X - mean)^T (X - mean) / (n_rows - 1)``.
    """
    centered = features - features.mean(dim=0, keepdim=True)
    return centered.T @ centered / (features.shape[0] - 1)


def coral_loss(source, target):
    """CORAL loss between the features of source and of target rows.

    Parameters
    ----------
    source : torch.Tensor of shape (n_source, d)
        Features of source rows (at least two).
    target : torch.Tensor of shape (n_target, d)
        Features of target rows (at least two).

    Returns
    -------
    loss : torch.Tensor
        ``||C_S - C_T||_F^2 / (4 d^2)``, a scalar.
    """
    if source.shape[0] < 2 or target.shape[0] < 2:
        raise ValueError(
            "coral_loss needs at least 2 source and 2 target rows, got "
            f"{source.shape[0]} and {target.shape[0]}."
        )
    d = source.shape[1]
    diff = covariance(source) - covariance(target)
    return (diff * diff).sum() / (4 * d * d)


def split_coral_loss(features, is_target):
    """CORAL loss between the target rows of ``features`` and the others.

    The same value as ``coral_loss(features[~is_target], features[is_target])``
    in about half as many tensor operations (each domain's rows centred on
    their own mean through one gather, then both covariances in one
    product), which matters at every training step of a small network.

    Parameters
    ----------
    features : torch.Tensor of shape (n_rows, d)
        Features of a batch.
    is_target : ndarray of bool of shape (n_rows,)
        Which rows are target rows (at least two of each kind).

    Returns
    -------
    loss : torch.Tensor
        ``||C_S - C_T||_F^2 / (4 d^2)``, a scalar.
    """
    is_target = np.asarray(is_target, dtype=bool)
    n_target = int(is_target.sum())
    n_source = is_target.shape[0] - n_target
    if n_source < 2 or n_target < 2:
        raise ValueError(
            "coral_loss needs at least 2 source and 2 target rows, got "
            f"{n_source} and {n_target}."
        )
    domain = is_target.astype(np.int64)
    real = np.float32 if features.dtype == torch.float32 else np.float64
    # Row 0 averages the source rows, row 1 the target rows.
    average = np.zeros((2, domain.shape[0]), dtype=np.float64)
    average[domain, np.arange(domain.shape[0])] = 1.0
    average = (average / average.sum(axis=1, keepdims=True)).astype(real)
    # +1/(n_S - 1) on source rows, -1/(n_T - 1) on target rows: the
    # difference of the two unbiased covariances in one product.
    sign = np.where(is_target, -1.0 / (n_target - 1), 1.0 / (n_source - 1))
    sign = sign.astype(real)
    device, dtype = features.device, features.dtype
    average = torch.from_numpy(average).to(device=device, dtype=dtype)
    sign = torch.from_numpy(sign[:, None]).to(device=device, dtype=dtype)
    means = average @ features
    centered = features - means[torch.from_numpy(domain).to(device)]
    diff = (centered * sign).T @ centered
    d = features.shape[1]
    return (diff * diff).sum() / (4 * d * d)
