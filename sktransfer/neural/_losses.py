"""The sample-weighted loss of the text nets.

How a batch's loss is made from the criterion when ``fit`` gets a
``sample_weight``: the weighted mean of the criterion's per-row losses
(:func:`per_row_losses`, :func:`weighted_mean`).

The transfer objectives each live in a module of their own and are tested
there: gradient reversal and the domain head of domain-adversarial training
(``_adversarial``), deep CORAL (``_coral``), distillation from a fitted
teacher (``_distillation``); ``_objectives`` adds them to the criterion's
loss during a fit.
"""

from contextlib import contextmanager

__all__ = ["per_row_losses", "weighted_mean"]


@contextmanager
def per_row_losses(criterion, owner):
    """Make ``criterion`` return one loss per row inside the block.

    Parameters
    ----------
    criterion : torch.nn.Module
        A loss with ``reduction='mean'``; it is set to ``'none'`` inside the
        block and back afterwards.
    owner : str
        Name of the estimator, for the error message.
    """
    reduction = getattr(criterion, "reduction", None)
    if reduction != "mean":
        raise ValueError(
            f"{owner}: sample_weight needs a criterion with reduction='mean' (it "
            f"weights the per-row losses), got {type(criterion).__name__} with "
            f"reduction={reduction!r}."
        )
    criterion.reduction = "none"
    try:
        yield criterion
    finally:
        criterion.reduction = reduction


def weighted_mean(row_losses, weight):
    """Return the ``weight``-weighted mean of the rows' losses.

    Parameters
    ----------
    row_losses : torch.Tensor of shape (n_rows,) or (n_rows, ...)
        Unreduced losses; a row's several values are averaged first.
    weight : torch.Tensor of shape (n_rows,)
        Non-negative weights of the rows.

    Returns
    -------
    loss : torch.Tensor
        A scalar; 0 (and no NaN) for a batch whose rows all weigh 0.
    """
    loss = row_losses.reshape(len(row_losses), -1).mean(dim=1)
    weight = weight.to(loss)
    total = weight.sum()
    weighted = (loss * weight).sum()
    return weighted / total if total > 0 else weighted
