"""TextModule and its architecture (``sktransfer/neural/_module.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sktransfer.neural import TextModule  # noqa: E402
from sktransfer.neural._module import (  # noqa: E402
    ENCODERS,
    Architecture,
    architecture,
)


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


# --------------------------------------------------------------------------- #
# The architecture a module's parameters describe
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "params",
    [
        {"encoder": "mean"},
        {"encoder": "cnn"},
        {"encoder": "cnn", "kernel_sizes": (2,)},
        {"encoder": "lstm"},
        {"encoder": "lstm", "lstm_pooling": "last"},
    ],
)
def test_architecture_of_each_encoder(params):
    module = TextModule(9, 3, embedding_dim=6, hidden_size=5, **params)
    arch = architecture(module.state_dict())
    assert arch == Architecture(params["encoder"], 6, 5)
    assert (arch.encoder, arch.embedding_dim, arch.hidden_size) == (
        params["encoder"],
        6,
        5,
    )
    # Sizes that differ are told apart (the LSTM's weights are 4 x hidden).
    other = TextModule(9, 3, embedding_dim=7, hidden_size=4, **params)
    assert architecture(other.state_dict()) == Architecture(params["encoder"], 7, 4)


def test_every_encoder_is_described():
    described = {
        architecture(TextModule(5, 2, encoder=e).state_dict()).encoder for e in ENCODERS
    }
    assert described == set(ENCODERS)


def test_architecture_of_other_modules_is_none():
    assert architecture({}) is None
    assert architecture(torch.nn.Linear(3, 2).state_dict()) is None
    # An embedding but no encoder of TextModule's.
    state = TextModule(5, 2).state_dict()
    no_encoder = {k: v for k, v in state.items() if not k.startswith("encoder.")}
    assert architecture(no_encoder) is None


def test_architecture_differences():
    ours = Architecture("cnn", 8, 16)
    assert ours.differences(Architecture("cnn", 8, 16)) == []
    assert ours.differences(Architecture("lstm", 8, 4)) == [
        ("encoder", "cnn", "lstm"),
        ("hidden_size", 16, 4),
    ]
