"""Adversarial losses, one name each, plus the gradient penalty (WGAN-GP) and R1.

Each loss maps raw discriminator outputs (logits / critic values) to scalars; the flag that picks
one is the only thing a variant changes.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("ns", "lsgan", "wgan", "wgan-gp", "hinge")


def d_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    if kind == "ns":
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if kind == "lsgan":
        return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()
    if kind in ("wgan", "wgan-gp"):
        return fake.mean() - real.mean()
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    raise ValueError(f"unknown loss {kind!r}; choose one of {LOSSES}")


def g_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    if kind == "ns":
        return F.softplus(-fake).mean()
    if kind == "lsgan":
        return 0.5 * ((fake - 1) ** 2).mean()
    if kind in ("wgan", "wgan-gp", "hinge"):
        return -fake.mean()
    raise ValueError(f"unknown loss {kind!r}; choose one of {LOSSES}")


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, *args) -> torch.Tensor:
    """(‖∇D(x̂)‖₂ − 1)² on random interpolates x̂ (Gulrajani et al. 2017)."""
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x, *args)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def r1_penalty(real_out: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """½·E‖∇D(x)‖² on real data (Mescheder et al. 2018); `real` must require grad."""
    (grad,) = torch.autograd.grad(real_out.sum(), real, create_graph=True)
    return 0.5 * grad.pow(2).flatten(1).sum(1).mean()
