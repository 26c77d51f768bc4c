"""Neural fine-tuners for text (skorch and PyTorch).

:class:`TextClassifier` and :class:`TextRegressor` are skorch nets over raw
documents: they learn a vocabulary in ``fit``, start their embedding layer from
pretrained word vectors (a fitted
:class:`~sktransfer.embeddings.Word2VecVectorizer`, gensim KeyedVectors or a
vector file) and train a mean, CNN or LSTM encoder, with freezing, gradual
unfreezing and a separate learning rate for the word vectors as ordinary,
searchable parameters. :class:`TextModule` is their PyTorch network.
:class:`TextLanguageModel` pretrains its LSTM encoder as a language model on
unlabelled text, to start them from (``init_from``).

:class:`NeuralClassifier` and :class:`NeuralRegressor` are the same nets on
dense numeric rows (the output of any scikit-learn step: averaged word
vectors, TruncatedSVD, sentence embeddings), with a multi-layer perceptron
(:class:`MLPModule`) and the same transfer knobs.

Importing this module imports torch and skorch; without them it raises an
:class:`ImportError` that says how to install them (``pip install
"sktransfer[torch]"``).
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:
    raise ImportError(
        f"sktransfer.neural needs PyTorch and skorch ({exc}); install them with "
        'pip install "sktransfer[torch]" (from a clone: pip install ".[torch]").',
        name=exc.name,
    ) from exc

from sktransfer.neural._classifier import TextClassifier  # noqa: E402
from sktransfer.neural._dense import NeuralClassifier, NeuralRegressor  # noqa: E402
from sktransfer.neural._module import MLPModule, TextModule  # noqa: E402
from sktransfer.neural._regressor import TextRegressor  # noqa: E402
from sktransfer.neural._text_language_model import TextLanguageModel  # noqa: E402

__all__ = [
    "MLPModule",
    "NeuralClassifier",
    "NeuralRegressor",
    "TextClassifier",
    "TextLanguageModel",
    "TextModule",
    "TextRegressor",
]
