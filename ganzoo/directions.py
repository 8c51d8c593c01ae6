"""Closed-form factorisation of latent semantics (SeFa, Shen & Zhou 2021).

The directions n that change the first layer's output most are the top eigenvectors of WᵀW,
W being the first layer's weight restricted to z. They are computed once, at export, and named
by what moving along them measurably does to the pictures (`python -m ganzoo.pipelines.sliders`
names those of an existing checkpoint).
"""
from __future__ import annotations

import torch

from .utils import seeded_normal


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


# ---- what each direction does, measured, and a name for its slider -----------------------------

ATTRIBUTES = ("size", "lightness", "colourfulness", "hue")
WORDS = {"size": ("smaller", "bigger"), "lightness": ("darker", "lighter"),
         "colourfulness": ("greyer", "more colourful"), "hue": ("warmer", "cooler")}
MIN_EFFECT = 0.5     # a change smaller than half the spread between pictures does not name a slider


def picture_attributes(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per picture (N×C×H×W in [-1, 1] on a plain background, white emoji or black MNIST): how much
    of it is drawn (size: pixels away from the background, read off the border), and the lightness,
    colourfulness and hue coolness of the drawn pixels (hue: 0 warm red-orange … 1 blue)."""
    rgb = (x.float().clamp(-1, 1).expand(-1, 3, -1, -1) + 1) / 2
    chroma = rgb.amax(1) - rgb.amin(1)
    light = rgb.mean(1)
    border = torch.cat([light[:, 0], light[:, -1], light[:, :, 0], light[:, :, -1]], 1).median(1).values
    ink = (((light - border[:, None, None]).abs() > 0.08) | (chroma > 0.08)).float()
    n = ink.sum((1, 2)).clamp(min=1)
    r, g, b = rgb.unbind(1)
    # hue as an angle, averaged as a vector weighted by chroma; "coolness" = how far from red-orange
    angle = torch.atan2(3 ** 0.5 * (g - b), 2 * r - g - b)
    w = chroma * ink
    mean = torch.atan2((w * angle.sin()).sum((1, 2)), (w * angle.cos()).sum((1, 2)))
    cool = (1 - torch.cos(mean - 0.5)) / 2                  # 0 at orange (≈ 0.5 rad), 1 at its opposite
    return {"size": ink.mean((1, 2)), "lightness": (light * ink).sum((1, 2)) / n,
            "colourfulness": (chroma * ink).sum((1, 2)) / n, "hue": cool}


@torch.no_grad()
def measure_directions(render, directions: torch.Tensor, z: torch.Tensor, shift: float = 3.0) -> list[dict]:
    """What moving along each direction changes: for pictures `render(z)` of the latents `z`, the
    change of each attribute from z − shift·d to z + shift·d, in units of the attribute's spread
    over the pictures (an effect size). One dict per direction: {attribute: effect}."""
    base = picture_attributes(render(z))
    spread = {k: v.std().clamp(min=1e-3) for k, v in base.items()}
    out = []
    for d in directions:
        lo, hi = picture_attributes(render(z - shift * d)), picture_attributes(render(z + shift * d))
        out.append({k: float((hi[k] - lo[k]).mean() / spread[k]) for k in ATTRIBUTES})
    return out


def direction_names(effects: list[dict]) -> list[str]:
    """A slider name per direction from its measured effects: "smaller ↔ bigger" (left ↔ right) for
    its strongest attribute, or "direction k" where no attribute moves clearly. Each attribute
    names one slider at most (the one it moves most)."""
    names = [f"direction {k + 1}" for k in range(len(effects))]
    taken = set()
    ranked = sorted(((abs(e[a]), k, a) for k, e in enumerate(effects) for a in ATTRIBUTES), reverse=True)
    for size, k, a in ranked:
        if size < MIN_EFFECT or a in taken or not names[k].startswith("direction "):
            continue
        lo, hi = WORDS[a] if effects[k][a] > 0 else WORDS[a][::-1]
        names[k] = f"{lo} ↔ {hi}"
        taken.add(a)
    return names


def name_directions(g, directions: torch.Tensor, z_dim: int, num_classes: int, n: int = 64) -> tuple[list[str], list[dict]]:
    """Measure a generator's slider directions on n fixed latents (classes cycling) and name them."""
    z = seeded_normal(2024, n, z_dim) * 0.8
    y = torch.arange(n) % num_classes if num_classes else None
    effects = measure_directions(lambda zz: g(zz, y), directions, z)
    return direction_names(effects), effects
