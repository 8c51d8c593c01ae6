"""Metrics for translations that have a ground truth partner: pixel distances and retrieval.

Retrieval asks whether G(x) is closer to x's true partner than to every other candidate target
(the CycleGAN emoji test: the same code point drawn in the other style is the partner)."""
from __future__ import annotations

import torch


def _flat01(x: torch.Tensor) -> torch.Tensor:
    return ((x.float().clamp(-1, 1) + 1) / 2).flatten(1)


def pairwise_distance(queries: torch.Tensor, candidates: torch.Tensor, p: int = 1, chunk: int = 64) -> torch.Tensor:
    """Q×C distances of images in [-1, 1], on the [0, 1] scale: p=1 the mean absolute difference,
    p=2 the root mean squared difference."""
    q, c = _flat01(queries), _flat01(candidates)
    n = q.shape[1] ** (1.0 / p)
    return torch.cat([torch.cdist(q[i:i + chunk], c, p=p) / n for i in range(0, len(q), chunk)])


def pairwise_l1(queries: torch.Tensor, candidates: torch.Tensor, chunk: int = 64) -> torch.Tensor:
    return pairwise_distance(queries, candidates, 1, chunk)


def retrieval_ranks(queries: torch.Tensor, candidates: torch.Tensor, partner: torch.Tensor, p: int = 1) -> torch.Tensor:
    """1-based rank of each query's true partner (index into candidates) among all candidates by
    L1 (p=1) or L2 (p=2) distance; ties count against the partner."""
    d = pairwise_distance(queries, candidates, p)
    own = d.gather(1, partner.view(-1, 1))
    return (d <= own).sum(1)


def retrieval_report(ranks: torch.Tensor) -> dict[str, float]:
    r = ranks.float()
    return {"top1": float((r <= 1).float().mean()), "top10": float((r <= 10).float().mean()),
            "median_rank": float(r.median()), "n": int(len(r))}
