"""Pretrained transformer encoders (Hugging Face ``transformers`` and PyTorch).

Estimators over raw documents built around a BERT-style encoder that is
loaded in ``fit`` from a local model directory or from an installed model
package, never downloaded: sktransfer makes no network call.

Importing this module imports torch, skorch and ``transformers``; without them
it raises an :class:`ImportError` that says how to install them (``pip install
"sktransfer[transformers]"``).
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401
except ImportError as exc:
    raise ImportError(
        f"sktransfer.transformers needs PyTorch, skorch and Hugging Face "
        f"transformers ({exc}); install them with "
        'pip install "sktransfer[transformers]" (from a clone: pip install '
        '".[transformers]").',
        name=exc.name,
    ) from exc

from sktransfer.transformers._fine_tuned import (  # noqa: E402
    TransformerClassifier,
    TransformerRegressor,
)
from sktransfer.transformers._sentence import SentenceEncoder  # noqa: E402
from sktransfer.transformers._zero_shot import ZeroShotClassifier  # noqa: E402

__all__ = [
    "SentenceEncoder",
    "TransformerClassifier",
    "TransformerRegressor",
    "ZeroShotClassifier",
]
