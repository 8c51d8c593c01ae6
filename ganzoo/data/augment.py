"""DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training",
NeurIPS 2020): cheap augmentations that are differentiable with respect to the images, applied
identically (in distribution) to the real and the generated batch before the discriminator.

Written for ganzoo: tensors N×C×H×W in [-1, 1]; every sample draws its own parameters.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _uniform(x: torch.Tensor) -> torch.Tensor:
    """One U(0, 1) value per sample, shaped to broadcast over C×H×W."""
    return torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype)


def brightness(x: torch.Tensor) -> torch.Tensor:
    return x + (_uniform(x) - 0.5)  # shift by U(-0.5, 0.5)


def saturation(x: torch.Tensor) -> torch.Tensor:
    grey = x.mean(dim=1, keepdim=True)
    return grey + (x - grey) * (2.0 * _uniform(x))  # scale chroma by U(0, 2)


def contrast(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * (_uniform(x) + 0.5)  # scale around the mean by U(0.5, 1.5)


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each sample by up to ±ratio of its height/width (integer pixels), zero-filled."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    if sh == 0 and sw == 0:
        return x
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    padded = F.pad(x, [sw, sw, sh, sh])  # zeros around
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy + sh  # source row in padded
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx + sw
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols]  # N×H×W×C, gradients flow through
    return out.permute(0, 3, 1, 2).contiguous(memory_format=_format_of(x))


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one (ratio·H)×(ratio·W) rectangle per sample, centred anywhere in the image (it may
    hang over the border)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h, (n, 1, 1), device=x.device)
    cx = torch.randint(0, w, (n, 1, 1), device=x.device)
    y0, x0 = cy - ch // 2, cx - cw // 2
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (ys >= y0) & (ys < y0 + ch) & (xs >= x0) & (xs < x0 + cw)  # N×H×W
    return x * (~inside).unsqueeze(1).to(x.dtype)


def _format_of(x: torch.Tensor):
    return torch.channels_last if (x.dim() == 4 and not x.is_contiguous()
                                   and x.is_contiguous(memory_format=torch.channels_last)) \
        else torch.contiguous_format


POLICIES = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def diff_augment(x: torch.Tensor, policy: str = "color,translation,cutout") -> torch.Tensor:
    """Apply the comma-separated DiffAugment policy ("color", "translation", "cutout") to a batch
    N×C×H×W in [-1, 1]. Differentiable; "" returns x unchanged. Use the same policy on the real
    and the fake batch (each call draws fresh random parameters per sample)."""
    if x.dim() != 4:
        raise ValueError(f"diff_augment expects N×C×H×W, got shape {tuple(x.shape)}")
    for name in (p.strip() for p in policy.split(",")):
        if not name:
            continue
        if name not in POLICIES:
            raise ValueError(f"unknown DiffAugment policy {name!r}: use a comma-separated subset "
                             f"of {', '.join(POLICIES)}")
        for fn in POLICIES[name]:
            x = fn(x)
    return x
