"""Domain adaptation with numpy and scipy.

:class:`DomainAwareClassifier` and :class:`DomainAwareRegressor` are the final
steps of a transfer pipeline: they fit a scikit-learn estimator on the
labelled rows of ``X`` while source and target rows travel together through
the earlier steps.
"""

from sktransfer.adaptation._base import BaseAdapter, BaseWeighting, OneDomainWarning
from sktransfer.adaptation._domain_aware import (
    DomainAwareClassifier,
    DomainAwareRegressor,
)

__all__ = [
    "BaseAdapter",
    "BaseWeighting",
    "DomainAwareClassifier",
    "DomainAwareRegressor",
    "OneDomainWarning",
]
