"""The deep CORAL loss (``sktransfer/neural/_coral.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numpy.testing import assert_allclose  # noqa: E402

from sktransfer.neural._coral import coral_loss, covariance  # noqa: E402


def test_covariance_is_numpys_unbiased_covariance():
    rng = np.random.RandomState(0)
    X = rng.randn(9, 4)
    got = covariance(torch.as_tensor(X)).numpy()
    assert_allclose(got, np.cov(X, rowvar=False), rtol=1e-10)


def test_loss_is_the_papers_formula():
    rng = np.random.RandomState(1)
    S, T = rng.randn(12, 5), 2.0 * rng.randn(7, 5) + 1.0
    d = S.shape[1]
    expected = ((np.cov(S, rowvar=False) - np.cov(T, rowvar=False)) ** 2).sum() / (
        4 * d * d
    )
    got = coral_loss(torch.as_tensor(S), torch.as_tensor(T))
    assert got.shape == ()
    assert float(got) == pytest.approx(expected, rel=1e-10)
    assert float(got) > 0


def test_loss_is_zero_for_equal_covariances():
    rng = np.random.RandomState(2)
    S = torch.as_tensor(rng.randn(10, 3))
    # A shifted copy (the mean does not count), and the rows reversed.
    assert float(coral_loss(S, S + 5.0)) == pytest.approx(0.0, abs=1e-12)
    assert float(coral_loss(S, S.flip(0))) == pytest.approx(0.0, abs=1e-12)
    # The sign of the features does not change their covariance.
    assert float(coral_loss(S, -S)) == pytest.approx(0.0, abs=1e-12)


def test_gradient_pulls_the_covariances_together():
    rng = np.random.RandomState(3)
    S = torch.as_tensor(rng.randn(20, 3), dtype=torch.float32)
    T = torch.tensor(3 * rng.randn(20, 3), dtype=torch.float32, requires_grad=True)
    loss = coral_loss(S, T)
    loss.backward()
    before = float(loss.detach())
    assert torch.isfinite(T.grad).all()
    with torch.no_grad():
        after = float(coral_loss(S, T - 0.5 * T.grad / T.grad.norm()))
    assert after < before


def test_needs_two_rows_per_side():
    x = torch.zeros(1, 3)
    with pytest.raises(ValueError, match="at least 2 source and 2 target"):
        coral_loss(x, torch.zeros(4, 3))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_split_coral_loss_is_coral_loss_of_the_two_row_sets(dtype):
    from sktransfer.neural._coral import split_coral_loss

    gen = torch.Generator().manual_seed(0)
    features = (torch.randn(30, 5, generator=gen) * 3 + 1).to(dtype)
    target = np.random.default_rng(0).random(30) < 0.4
    features.requires_grad_(True)
    got = split_coral_loss(features, target)
    (grad,) = torch.autograd.grad(got, features)
    mask = torch.from_numpy(target)
    expected = coral_loss(features[~mask], features[mask])
    (expected_grad,) = torch.autograd.grad(expected, features)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    assert float(got.detach()) == pytest.approx(float(expected.detach()), rel=tol)
    assert torch.allclose(grad, expected_grad, rtol=tol * 10, atol=tol)
    with pytest.raises(ValueError, match="at least 2 source and 2 target"):
        split_coral_loss(features, np.arange(30) == 0)
