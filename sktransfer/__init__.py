"""sktransfer: transfer learning for text as scikit-learn estimators.

Four families of estimators share one domain contract (see
:func:`sktransfer.utils.check_domains`):

* :mod:`sktransfer.embeddings` -- word2vec pretraining and document pooling
  (gensim);
* :mod:`sktransfer.neural` -- text classifiers fine-tuned from pretrained
  vectors or source models (skorch and PyTorch);
* :mod:`sktransfer.adaptation` -- domain adaptation transformers and
  meta-estimators (numpy and scipy);
* :mod:`sktransfer.transformers` -- pretrained transformer encoders, loaded
  offline (Hugging Face ``transformers`` and PyTorch).

Importing :mod:`sktransfer` is cheap: the public classes are re-exported
lazily, so neither gensim, torch nor transformers is imported until a class
that needs it is used.

The library reports through the ``sktransfer`` logger (and its children such
as ``sktransfer.embeddings`` and ``sktransfer.adaptation``) and never
configures logging itself: it only adds a :class:`logging.NullHandler`, as
libraries should. ``logging.basicConfig(level=logging.INFO)`` shows the
messages.
"""

import importlib
import logging

from sktransfer._version import __version__

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> subpackage that defines it. Resolved on first access (PEP 562).
_LAZY = {
    "CORALAdapter": "sktransfer.adaptation",
    "ClassBalancedSelfTrainingClassifier": "sktransfer.adaptation",
    "DomainAwareClassifier": "sktransfer.adaptation",
    "DomainAwareRegressor": "sktransfer.adaptation",
    "FeatureAugmentationAdapter": "sktransfer.adaptation",
    "MSDATransformer": "sktransfer.adaptation",
    "SCLAdapter": "sktransfer.adaptation",
    "SubspaceAlignmentAdapter": "sktransfer.adaptation",
    "TCAAdapter": "sktransfer.adaptation",
    "TrAdaBoostClassifier": "sktransfer.adaptation",
    "TrAdaBoostRegressor": "sktransfer.adaptation",
    "make_text_adaptation_pipeline": "sktransfer.adaptation",
    "Word2VecVectorizer": "sktransfer.embeddings",
    "NeuralClassifier": "sktransfer.neural",
    "NeuralRegressor": "sktransfer.neural",
    "TextClassifier": "sktransfer.neural",
    "TextLanguageModel": "sktransfer.neural",
    "TextRegressor": "sktransfer.neural",
    "SentenceEncoder": "sktransfer.transformers",
    "TransformerClassifier": "sktransfer.transformers",
    "TransformerRegressor": "sktransfer.transformers",
    "ZeroShotClassifier": "sktransfer.transformers",
    "load_sentiment_domains": "sktransfer.datasets",
    "check_domains": "sktransfer.utils",
    "pack_domains": "sktransfer.utils",
    "split_domains": "sktransfer.utils",
}

_SUBPACKAGES = {
    "adaptation",
    "datasets",
    "embeddings",
    "model_selection",
    "neural",
    "transformers",
    "utils",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"sktransfer.{name}")
    raise AttributeError(f"module 'sktransfer' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
