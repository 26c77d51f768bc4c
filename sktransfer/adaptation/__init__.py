"""Domain adaptation with numpy and scipy.

* Adapters (transformers) map features so that source and target rows look
  alike: :class:`CORALAdapter`, :class:`SubspaceAlignmentAdapter`,
  :class:`TCAAdapter`, :class:`FeatureAugmentationAdapter`.
* :class:`DomainAwareClassifier` and :class:`DomainAwareRegressor` are the
  final steps of a transfer pipeline: they fit a scikit-learn estimator on the
  labelled rows of ``X`` while source and target rows travel together through
  the earlier steps, optionally with importance weights from a weighting:
  :class:`KMMWeighting`, :class:`KLIEPWeighting`,
  :class:`DiscriminativeWeighting`, :class:`NearestNeighborWeighting`.
* :class:`TrAdaBoostClassifier` and :class:`TrAdaBoostRegressor` transfer
  instances from source rows using a few labelled target rows.

This subpackage imports neither torch nor gensim.
"""

from sktransfer.adaptation._augmentation import FeatureAugmentationAdapter
from sktransfer.adaptation._base import (
    BaseAdapter,
    BaseWeighting,
    NoLabelledTargetWarning,
    OneDomainWarning,
)
from sktransfer.adaptation._discriminative import DiscriminativeWeighting
from sktransfer.adaptation._domain_aware import (
    DomainAwareClassifier,
    DomainAwareRegressor,
)
from sktransfer.adaptation._kliep import KLIEPWeighting
from sktransfer.adaptation._kmm import KMMWeighting
from sktransfer.adaptation._mapping import CORALAdapter
from sktransfer.adaptation._nearest_neighbor import NearestNeighborWeighting
from sktransfer.adaptation._subspace import SubspaceAlignmentAdapter, TCAAdapter
from sktransfer.adaptation._tradaboost import (
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)

__all__ = [
    "BaseAdapter",
    "BaseWeighting",
    "CORALAdapter",
    "DiscriminativeWeighting",
    "DomainAwareClassifier",
    "DomainAwareRegressor",
    "FeatureAugmentationAdapter",
    "KLIEPWeighting",
    "KMMWeighting",
    "NearestNeighborWeighting",
    "NoLabelledTargetWarning",
    "OneDomainWarning",
    "SubspaceAlignmentAdapter",
    "TCAAdapter",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
]
