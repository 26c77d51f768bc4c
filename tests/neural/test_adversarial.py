"""Gradient reversal, the domain head and Ganin's schedule (``_adversarial.py``)."""

import math

import pytest

torch = pytest.importorskip("torch")

from sktransfer.neural._adversarial import (  # noqa: E402
    DomainClassifier,
    domain_loss,
    ganin_schedule,
    reverse_gradient,
)
from sktransfer.neural._module import TextModule  # noqa: E402


@pytest.mark.parametrize("coefficient", [0.0, 0.3, 1.0, 2.5])
def test_reversal_is_identity_forward_and_negated_scaled_backward(coefficient):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, 3, generator=gen, requires_grad=True)
    w = torch.randn(5, 3, generator=gen)
    out = reverse_gradient(x, coefficient)
    assert torch.equal(out, x)
    (out * w).sum().backward()
    assert torch.allclose(x.grad, -coefficient * w)


def test_reversal_flips_the_encoders_gradient():
    # The domain head's loss sends the encoder the negated gradient (times
    # the coefficient) through the reversal layer, and the head its own
    # gradient unchanged.
    torch.manual_seed(0)
    module = TextModule(vocab_size=20, n_outputs=2, embedding_dim=6, hidden_size=5)
    head = DomainClassifier(module.feature_size, 4)
    ids = torch.randint(1, 20, (8, 7))
    is_target = torch.tensor([0, 1] * 4)

    def gradients(reverse, coefficient=0.7):
        module.zero_grad()
        head.zero_grad()
        _, features = module(ids, return_features=True)
        if reverse:
            features = reverse_gradient(features, coefficient)
        domain_loss(head(features), is_target).backward()
        enc = [p.grad.clone() for p in module.encoder.parameters()]
        own = [p.grad.clone() for p in head.parameters()]
        return enc, own

    module.eval()  # no dropout: both passes see the same network
    plain_enc, plain_head = gradients(reverse=False)
    rev_enc, rev_head = gradients(reverse=True)
    assert any(float(g.abs().sum()) > 0 for g in plain_enc)
    for plain, rev in zip(plain_enc, rev_enc):
        assert torch.allclose(rev, -0.7 * plain, atol=1e-7)
    for plain, rev in zip(plain_head, rev_head):
        assert torch.allclose(rev, plain)


def test_ganin_schedule():
    assert ganin_schedule(0.0) == 0.0
    assert ganin_schedule(1.0) == pytest.approx(2 / (1 + math.exp(-10)) - 1)
    values = [ganin_schedule(p / 10) for p in range(11)]
    assert values == sorted(values)
    assert 0.99 < values[-1] < 1.0


def test_domain_head_and_loss():
    head = DomainClassifier(6, 4)
    logits = head(torch.zeros(3, 6))
    assert logits.shape == (3,)
    is_target = torch.tensor([1.0, 0.0, 1.0])
    manual = -(
        is_target * torch.log(torch.sigmoid(logits))
        + (1 - is_target) * torch.log(1 - torch.sigmoid(logits))
    ).mean()
    assert torch.allclose(domain_loss(logits, is_target), manual)
