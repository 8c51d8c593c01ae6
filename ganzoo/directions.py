"""Closed-form factorisation of latent semantics (SeFa, Shen & Zhou 2021).

The directions n that change the first layer's output most are the top eigenvectors of WᵀW,
W being the first layer's weight restricted to z. They are computed once, at export.
"""
from __future__ import annotations

import torch


def sefa(weight: torch.Tensor, k: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (k × z_dim orthonormal directions, their eigenvalues), strongest first."""
    w = weight.detach().double()
    w = w / w.norm(dim=0, keepdim=True).clamp_min(1e-12)  # the paper normalises each column
    evals, evecs = torch.linalg.eigh(w.T @ w)
    order = torch.argsort(evals, descending=True)[:k]
    dirs = evecs[:, order].T.contiguous()
    # a fixed sign convention so recomputation gives the same sliders
    signs = torch.sign(dirs[torch.arange(dirs.shape[0]), dirs.abs().argmax(1)])
    return (dirs * signs[:, None]).float(), evals[order].float()
