"""Seeds for the estimators a meta-estimator or scorer clones and fits."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["seed_random_states"]


def seed_random_states(estimator, random_state):
    """Give every ``random_state`` parameter of ``estimator`` its own seed.

    Seeds are drawn from ``random_state`` in the sorted order of the parameter
    names (``random_state``, ``step__random_state``, ...), so the same
    ``random_state`` seeds the same parameters the same way.

    Parameters
    ----------
    estimator : estimator
        Changed in place with ``set_params``.
    random_state : int, RandomState instance or None
        Where the seeds come from; a RandomState instance is drawn from (and
        advanced).

    Returns
    -------
    estimator : estimator
        The same estimator.
    """
    rng = check_random_state(random_state)
    keys = sorted(
        key
        for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    )
    seeds = {key: int(rng.randint(np.iinfo(np.int32).max)) for key in keys}
    if seeds:
        estimator.set_params(**seeds)
    return estimator
