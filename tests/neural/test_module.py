"""TextModule and its architecture (``sktransfer/neural/_module.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")


from sktransfer.neural import TextModule  # noqa: E402
from sktransfer.utils._testing import (  # noqa: E402
    TEXT_CORPUS,
    TEXT_LABELS,
)

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_module_output_does_not_depend_on_batch_padding(encoder):
    torch.manual_seed(0)
    module = TextModule(12, 3, encoder=encoder, embedding_dim=6, hidden_size=5).eval()
    ids = torch.tensor([[3, 4, 5, 6, 7, 8, 0], [2, 0, 0, 0, 0, 0, 0], [0] * 7])
    alone = torch.cat([module(ids[i : i + 1]) for i in range(3)])
    together = module(ids)
    padded = module(torch.nn.functional.pad(ids, (0, 9)))
    assert torch.allclose(alone, together, atol=1e-6)
    assert torch.allclose(padded, together, atol=1e-6)
    assert torch.isfinite(together).all()


def test_mean_encoder_is_the_masked_mean():
    torch.manual_seed(0)
    module = TextModule(6, 2, embedding_dim=4, hidden_size=3, dropout=0.0).eval()
    ids = torch.tensor([[1, 2, 2, 0], [5, 0, 0, 0]])
    E = module.embedding.weight.detach()
    means = torch.stack([E[[1, 2, 2]].mean(0), E[[5]].mean(0)])
    hidden = module.encoder.hidden
    expected = module.head(torch.relu(hidden(means)))
    assert torch.allclose(module(ids), expected, atol=1e-6)


def test_module_errors():
    with pytest.raises(ValueError, match="encoder must be one of"):
        TextModule(5, 2, encoder="gru")
    with pytest.raises(ValueError, match="embeddings has shape"):
        TextModule(5, 2, embedding_dim=4, embeddings=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="lstm_pooling"):
        TextModule(5, 2, lstm_pooling="max")
    m = TextModule(5, 2, encoder="lstm", embedding_dim=4, lstm_pooling="last")
    assert m(torch.tensor([[1, 2, 0], [0, 0, 0]])).shape == (2, 2)
