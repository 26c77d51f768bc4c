"""Deep CORAL: the distance between source and target feature covariances.

Sun and Saenko (2016) align the second-order statistics of a network's
features on the two domains with ``||C_S - C_T||_F^2 / (4 d^2)``, where
``C_S`` and ``C_T`` are the (unbiased) covariances of the ``d`` features of
a batch's source and target rows.
"""

__all__ = ["coral_loss", "covariance"]


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
