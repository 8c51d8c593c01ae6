import math

import pytest
import torch

from ganzoo.losses import LOSSES, d_loss, g_loss, gradient_penalty, r1_penalty


def test_values_on_a_tiny_case():
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert d_loss("ns", real, fake).item() == pytest.approx((sp(-2) + sp(0)) / 2 + (sp(-1) + sp(1)) / 2)
    assert g_loss("ns", fake).item() == pytest.approx((sp(1) + sp(-1)) / 2)
    assert d_loss("lsgan", real, fake).item() == pytest.approx(0.5 * (1 + 1) / 2 + 0.5 * (1 + 1) / 2)
    assert g_loss("lsgan", fake).item() == pytest.approx(0.5 * (4 + 0) / 2)
    assert d_loss("wgan", real, fake).item() == pytest.approx(0.0 - 1.0)
    assert d_loss("hinge", real, fake).item() == pytest.approx((0 + 1) / 2 + (0 + 2) / 2)
    assert g_loss("hinge", fake).item() == pytest.approx(0.0)


@pytest.mark.parametrize("kind", LOSSES)
def test_d_loss_prefers_correct_discriminator(kind):
    good = d_loss(kind, torch.full((8,), 3.0), torch.full((8,), -3.0))
    bad = d_loss(kind, torch.full((8,), -3.0), torch.full((8,), 3.0))
    assert good < bad
    assert g_loss(kind, torch.full((8,), 3.0)) < g_loss(kind, torch.full((8,), -3.0))


def test_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss"):
        d_loss("nope", torch.zeros(1), torch.zeros(1))


def test_gradient_penalty_zero_for_1_lipschitz_linear_critic():
    w = torch.randn(3 * 8 * 8)
    w = w / w.norm()  # ‖∇‖ = 1 everywhere
    critic = lambda x: x.flatten(1) @ w  # noqa: E731
    real, fake = torch.randn(16, 3, 8, 8), torch.randn(16, 3, 8, 8)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(0.0, abs=1e-10)
    critic2 = lambda x: 3 * x.flatten(1) @ w  # noqa: E731
    assert gradient_penalty(critic2, real, fake).item() == pytest.approx(4.0, rel=1e-5)


def test_r1_penalty_of_quadratic():
    x = torch.randn(4, 5, requires_grad=True)
    out = (x ** 2).sum(1)  # ∇ = 2x
    assert r1_penalty(out, x).item() == pytest.approx(0.5 * (4 * x.detach() ** 2).sum(1).mean().item(), rel=1e-5)
