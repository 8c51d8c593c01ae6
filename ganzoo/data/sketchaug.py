"""Training augmentation that makes a sketch → image model survive mouse drawings.

Designer line art is clean; people draw with a mouse: thin or thick, wobbly, shifted a little,
with gaps. Each sketch in a batch gets its own random stroke width, smooth wobble, small offset
and missing segments; the pair as a whole gets a flip and a small zoom/shift, so both stay aligned.
All of it runs on the training device from a seeded generator (resume-exact).

Tensors are N×C×H×W in [-1, 1] with white = +1 (ink is dark).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _rand(gen, *shape, device):
    return torch.rand(*shape, generator=gen, device=device)


def _warp(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    # white outside the picture: sample (x - 1) with zero padding, then add 1 back
    return F.grid_sample(x - 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 1


def joint_affine(a: torch.Tensor, b: torch.Tensor, gen, scale=(0.8, 1.05), shift_px=8.0, flip=True):
    """The same random flip, zoom and shift for the input and the target of each pair."""
    n, _, h, w = a.shape
    dev = a.device
    s = scale[0] + (scale[1] - scale[0]) * _rand(gen, n, device=dev)
    sx = torch.where(_rand(gen, n, device=dev) < 0.5, -1.0, 1.0) if flip else torch.ones(n, device=dev)
    t = (2 * _rand(gen, n, 2, device=dev) - 1) * (2 * shift_px / w)
    theta = torch.zeros(n, 2, 3, device=dev)
    theta[:, 0, 0] = sx / s
    theta[:, 1, 1] = 1 / s
    theta[:, :, 2] = t
    grid = F.affine_grid(theta, list(a.shape), align_corners=False)
    return _warp(a, grid), _warp(b, F.affine_grid(theta, list(b.shape), align_corners=False))


def _dilate(ink: torch.Tensor, r: int) -> torch.Tensor:
    return F.max_pool2d(ink, 2 * r + 1, stride=1, padding=r) if r > 0 else ink


def _erode(ink: torch.Tensor, r: int) -> torch.Tensor:
    return -F.max_pool2d(-ink, 2 * r + 1, stride=1, padding=r) if r > 0 else ink


def degrade_sketch(x: torch.Tensor, gen, wobble_px: float = 1.5, offset_px: float = 2.0,
                   p_gaps: float = 0.5, max_gaps: int = 5, p_binary: float = 0.5) -> torch.Tensor:
    """Make clean line art look hand-drawn (see the module docstring). x: N×1×H×W sketches."""
    n, _, h, w = x.shape
    dev = x.device
    ink = ((1 - x) / 2).clamp(0, 1)

    # stroke width: thinner (erode), as drawn, or 1–2 px fatter on each side
    widths = [_erode(ink, 1), ink, _dilate(ink, 1), _dilate(ink, 2)]
    pick = torch.multinomial(torch.tensor([0.25, 0.3, 0.35, 0.1], device=dev), n, True, generator=gen)
    ink = torch.stack(widths, 0)[pick, torch.arange(n, device=dev)]
    # a thin stroke that erosion wiped out entirely is no sketch: keep the original there
    empty = ink.flatten(1).amax(1) < 0.5
    ink = torch.where(empty[:, None, None, None], widths[1], ink)

    # hand wobble: a smooth random displacement field (4×4 control points), plus a small offset
    amp = wobble_px * _rand(gen, n, 1, 1, 1, device=dev) * 2 / w
    field = (2 * _rand(gen, n, 2, 4, 4, device=dev) - 1) * amp
    field = F.interpolate(field, size=(h, w), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    offset = (2 * _rand(gen, n, 1, 1, 2, device=dev) - 1) * (2 * offset_px / w)
    base = F.affine_grid(torch.eye(2, 3, device=dev).expand(n, 2, 3), [n, 1, h, w], align_corners=False)
    ink = F.grid_sample(ink, base + field + offset, mode="bilinear", padding_mode="zeros", align_corners=False)

    # gaps: erase a few short pieces of stroke (incomplete drawings)
    yy = torch.arange(h, device=dev).view(1, h, 1)
    xx = torch.arange(w, device=dev).view(1, 1, w)
    keep = torch.ones(n, h, w, device=dev)
    on = (_rand(gen, n, device=dev) < p_gaps).float()
    for _ in range(max_gaps):
        c = _rand(gen, n, 2, device=dev) * torch.tensor([h, w], device=dev)
        half = (3 + 7 * _rand(gen, n, 2, device=dev)) * (h / 128)
        box = ((yy - c[:, 0, None, None]).abs() < half[:, 0, None, None]) & \
              ((xx - c[:, 1, None, None]).abs() < half[:, 1, None, None])
        use = on * (_rand(gen, n, device=dev) < 0.6).float()
        keep = keep * (1 - box.float() * use[:, None, None])
    ink = ink * keep[:, None]

    # a mouse stroke is solid black with hard edges, not anti-aliased
    hard = (_rand(gen, n, 1, 1, 1, device=dev) < p_binary).float()
    ink = hard * (ink > 0.35).float() + (1 - hard) * ink
    return 1 - 2 * ink
