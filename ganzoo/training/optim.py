"""Optimiser and learning-rate schedule shared by the training tasks."""
from __future__ import annotations

import torch


def adam(params, lr: float, beta1: float, beta2: float, device: torch.device) -> torch.optim.Adam:
    """Adam, fused on CUDA (one kernel for all parameters)."""
    return torch.optim.Adam(params, lr, betas=(beta1, beta2), fused=device.type == "cuda")


def constant_then_linear(step: int, total_steps: int | None, lr: float, decay_from: float) -> float:
    """lr until decay_from·total_steps, then linearly down to 0 at total_steps (lr when no total)."""
    if not total_steps:
        return lr
    start = int(decay_from * total_steps)
    if step < start:
        return lr
    return lr * max(0.0, 1 - (step - start) / max(1, total_steps - start))


def set_lr(optimizers, lr: float) -> None:
    for opt in optimizers:
        for group in opt.param_groups:
            group["lr"] = lr
