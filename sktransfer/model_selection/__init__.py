"""Domain-aware cross-validation splitters and model-selection scorers.

Splitters keep source and target rows in every fold
(:class:`DomainShuffleSplit`, :class:`DomainStratifiedKFold`) or hold out one
source domain at a time (:class:`LeaveOneDomainOut`). Scorers estimate how well
a model does on the unlabelled target domain without target labels
(:func:`importance_weighted_scorer`, :func:`prediction_entropy_scorer`,
:func:`reverse_validation_scorer`); they are stateless and can be passed to
``GridSearchCV(scoring=...)``.

Everything reads domains with :func:`sktransfer.utils.check_domains`: from
``y`` (``-1`` or NaN marks unlabelled target rows) with metadata routing
disabled, or from a routed ``sample_domain`` with routing enabled. This
subpackage imports only numpy, scipy, scikit-learn and :mod:`sktransfer.utils`;
:func:`importance_weighted_scorer` imports :mod:`sktransfer.adaptation`, whose
:class:`~sktransfer.adaptation.DiscriminativeWeighting` gives its weights, when
it first scores.
"""

from sktransfer.model_selection._scorers import (
    importance_weighted_scorer,
    prediction_entropy_scorer,
    reverse_validation_scorer,
)
from sktransfer.model_selection._split import (
    DomainShuffleSplit,
    DomainStratifiedKFold,
    LeaveOneDomainOut,
)

__all__ = [
    "DomainShuffleSplit",
    "DomainStratifiedKFold",
    "LeaveOneDomainOut",
    "importance_weighted_scorer",
    "prediction_entropy_scorer",
    "reverse_validation_scorer",
]
