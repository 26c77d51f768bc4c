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
* Methods made for text: :class:`ClassBalancedSelfTrainingClassifier`
  (self-training on the target rows), :class:`MSDATransformer` (marginalized
  stacked denoising autoencoder) and :class:`SCLAdapter` (structural
  correspondence learning); target class priors under label shift with
  :func:`em_target_prior` and :func:`bbse_target_prior`; and the recommended
  starting point, :func:`make_text_adaptation_pipeline`.

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
from sktransfer.adaptation._label_shift import (
    adjust_proba,
    bbse_target_prior,
    em_target_prior,
)
from sktransfer.adaptation._mapping import CORALAdapter
from sktransfer.adaptation._msda import MSDATransformer, marginalized_denoising_weights
from sktransfer.adaptation._nearest_neighbor import NearestNeighborWeighting
from sktransfer.adaptation._recipe import make_text_adaptation_pipeline
from sktransfer.adaptation._scl import SCLAdapter, select_pivots
from sktransfer.adaptation._self_training import ClassBalancedSelfTrainingClassifier
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
    "ClassBalancedSelfTrainingClassifier",
    "MSDATransformer",
    "SCLAdapter",
    "adjust_proba",
    "bbse_target_prior",
    "em_target_prior",
    "make_text_adaptation_pipeline",
    "marginalized_denoising_weights",
    "select_pivots",
]
