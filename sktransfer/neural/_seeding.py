"""The seeds of a fit of the text nets.

A fit draws one number from ``random_state`` and derives every seed it uses
from it (:func:`fit_seeds`): torch's (weight initialisation, dropout; set by
:func:`seeded_torch` without touching the caller's generators), the random
rows of the embedding matrix, the order of the batches and the validation
split of early stopping. The same ``random_state`` gives the same fit, bit
for bit; an int leaves the caller's random states as they were.
"""

from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["FitSeeds", "fit_seeds", "seeded_torch"]


class FitSeeds(NamedTuple):
    """The seeds of one fit (see :func:`fit_seeds`)."""

    torch: int
    embedding: int
    batches: int
    split: int


def fit_seeds(random_state, offset=None):
    """Draw the seeds of a fit from ``random_state``.

    One number is drawn from ``random_state`` (so a ``RandomState`` instance
    gives each fit new seeds); with ``offset``, four seeds derive from that
    number and ``offset``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.
    offset : int, default=None
        Epochs trained before this call (0 for a fit from scratch), so that
        continued training (``partial_fit``, ``warm_start``) draws new
        batches and dropout masks. None for a module built outside a fit
        (skorch's ``initialize()``, or ``set_params(module__*=...)`` on a
        fitted net).

    Returns
    -------
    seeds : FitSeeds
        The seeds of torch, of the random embedding rows, of the batch order
        and of the validation split.
    """
    base = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    entropy = (base,) if offset is None else (base, offset)
    return FitSeeds(
        *(int(s) for s in np.random.SeedSequence(entropy).generate_state(4))
    )


@contextmanager
def seeded_torch(seed, device):
    """Seed torch's generator (and ``device``'s, on a GPU) inside the block.

    The caller's generator states are restored afterwards.
    """
    device = torch.device(device if device is not None else "cpu")
    devices = []
    if device.type == "cuda":
        index = device.index
        devices = [torch.cuda.current_device() if index is None else index]
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if devices:
            with torch.cuda.device(devices[0]):
                torch.cuda.manual_seed(seed)
        yield
