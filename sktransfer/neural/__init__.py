"""Neural fine-tuners for text (skorch and PyTorch).

:class:`TextClassifier` and :class:`TextRegressor` are skorch nets over raw
documents: they learn a vocabulary in ``fit``, start their embedding layer from
pretrained word vectors (a fitted
:class:`~sktransfer.embeddings.Word2VecVectorizer`, gensim KeyedVectors or a
vector file) and train a mean, CNN or LSTM encoder, with freezing, gradual
unfreezing and a separate learning rate for the word vectors as ordinary,
searchable parameters. :class:`TextModule` is their PyTorch network.

Importing this module imports torch and skorch (``pip install
sktransfer[torch]``).
"""

from sktransfer.neural._classifier import TextClassifier
from sktransfer.neural._module import TextModule
from sktransfer.neural._regressor import TextRegressor

__all__ = ["TextClassifier", "TextModule", "TextRegressor"]
