"""Free-form inpainting masks (1 = hole), as DeepFill v2 trains with: random brush strokes of
varying width — a chain of segments at random angles, with round joints — plus a few rectangles.

Drawn with tensor arithmetic (distance of every pixel to every segment), so a batch is made on
the training device from the loop's seeded generator, with no per-image Python drawing. Masks
whose hole covers less or more than the asked range are redrawn, so every mask's coverage lies
in the asked range; by default the three hole sizes below are equally likely (10–60% in all).

    free_form_masks(16, 128, torch.Generator().manual_seed(0))            # 16×1×128×128 float
    free_form_masks(100, 128, gen, coverage=(0.4, 0.6))                   # large holes only
"""
from __future__ import annotations

import math

import torch

# the three hole sizes the inpainting benchmark reports
DRAW_PX = 64
HOLE_SIZES = {"small": (0.10, 0.25), "medium": (0.25, 0.40), "large": (0.40, 0.60)}


def _strokes(n: int, size: int, gen: torch.Generator, device) -> torch.Tensor:
    """n masks, each 1–4 strokes of 4–12 segments; width 4–20% of the side, per stroke."""
    S, V = 4, 12  # strokes per mask, vertices per stroke (upper bounds; the rest are switched off)
    u = lambda *shape: torch.rand(*shape, generator=gen, device=device)  # noqa: E731
    n_strokes = (u(n, 1) * S).floor() + 1                                  # 1..S
    n_verts = (u(n, S, 1) * (V - 4)).floor() + 4                           # 4..V-1 segments
    start = u(n, S, 1, 2) * size
    angle0 = u(n, S, 1) * 2 * math.pi
    # each segment turns by a random angle from the last: strokes wander rather than zigzag
    turn = (u(n, S, V) - 0.5) * (2 * math.pi / 3)
    angle = angle0 + torch.cumsum(turn, -1)
    length = (0.05 + 0.15 * u(n, S, V)) * size
    step = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * length[..., None]
    pts = torch.cat([start, start + torch.cumsum(step, 2)], 2).clamp(0, size - 1)   # n×S×(V+1)×2
    width = (0.04 + 0.16 * u(n, S, 1)) * size
    on = (torch.arange(S, device=device)[None] < n_strokes).float()[..., None] \
        * (torch.arange(V, device=device)[None, None] < n_verts).float()                 # n×S×V

    yx = torch.stack(torch.meshgrid(torch.arange(size, device=device, dtype=torch.float32),
                                    torch.arange(size, device=device, dtype=torch.float32), indexing="ij"), -1)
    p = yx.view(1, 1, size * size, 2)
    r2 = (width / 2) ** 2                                                              # n×S×1
    hit = torch.zeros(n, S, size * size, dtype=torch.bool, device=device)
    for v in range(V):  # one segment of every stroke at a time: n×S×HW, not n×S×V×HW, in memory
        a, b = pts[:, :, v, None, :], pts[:, :, v + 1, None, :]
        ab = b - a
        t = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-6)).clamp(0, 1)
        d2 = (p - (a + t[..., None] * ab)).square().sum(-1)
        hit |= (d2 <= r2) & (on[:, :, v, None] > 0)
    return hit.any(1).float().view(n, 1, size, size)


def _rectangles(n: int, size: int, gen: torch.Generator, device) -> torch.Tensor:
    """0–2 axis-aligned boxes per mask, sides 10–40% of the image."""
    R = 2
    u = lambda *shape: torch.rand(*shape, generator=gen, device=device)  # noqa: E731
    count = (u(n, 1) * (R + 1)).floor()
    hw = (0.10 + 0.30 * u(n, R, 2)) * size
    y0x0 = u(n, R, 2) * (size - hw)
    r = torch.arange(size, device=device, dtype=torch.float32)
    iny = (r[None, None] >= y0x0[..., 0:1]) & (r[None, None] < y0x0[..., 0:1] + hw[..., 0:1])
    inx = (r[None, None] >= y0x0[..., 1:2]) & (r[None, None] < y0x0[..., 1:2] + hw[..., 1:2])
    box = (iny[..., :, None] & inx[..., None, :]).float()                            # n×R×H×W
    box = box * (torch.arange(R, device=device)[None] < count).float()[..., None, None]
    return box.amax(1, keepdim=True)


def free_form_masks(n: int, size: int, gen: torch.Generator, coverage: tuple[float, float] | None = None,
                    device=None, max_rounds: int = 50) -> torch.Tensor:
    """n×1×size×size float masks (1 = hole) from `gen` (its device unless `device` is given); the
    same generator state gives the same masks. With `coverage=(lo, hi)` every hole covers [lo, hi]
    of the image; by default each mask takes one of the three HOLE_SIZES at random, so coverage
    spreads evenly over 10–60% (unconstrained strokes would mostly make small holes)."""
    device = device or gen.device
    if coverage is not None:
        return _in_range(n, size, gen, coverage, device, max_rounds)
    buckets = list(HOLE_SIZES.values())
    which = torch.randint(len(buckets), (n,), generator=gen, device=device)
    out = torch.empty(n, 1, size, size, device=device)
    for i, rng in enumerate(buckets):
        idx = (which == i).nonzero().flatten()
        if len(idx):
            out[idx] = _in_range(len(idx), size, gen, rng, device, max_rounds)
    return out


def _in_range(n, size, gen, coverage, device, max_rounds):
    lo, hi = coverage
    if not 0 <= lo < hi <= 1:
        raise ValueError(f"coverage must be 0 ≤ lo < hi ≤ 1, not {coverage}")
    out = torch.zeros(n, 1, size, size, device=device)
    # strokes are drawn at ≤ DRAW_PX and upsampled: the distance test costs per pixel, and a brush
    # stroke has no detail finer than that
    draw = min(size, DRAW_PX)
    todo = torch.arange(n, device=device)
    for _ in range(max_rounds):
        k = len(todo)
        # draw more candidates than missing: most land in range, so one or two rounds suffice
        m = torch.maximum(_strokes(2 * k, draw, gen, device), _rectangles(2 * k, draw, gen, device))
        if lo >= 0.3:  # widen large-hole candidates, or big coverages are rarely reached
            grow = int(draw * 0.04) * 2 + 1
            m = torch.nn.functional.max_pool2d(m, grow, 1, grow // 2)
        if draw != size:  # smooth upsampling, then a hard edge again
            m = (torch.nn.functional.interpolate(m, size=(size, size), mode="bilinear", align_corners=False) > 0.5).float()
        cov = m.mean((1, 2, 3))
        ok = ((cov >= lo) & (cov <= hi)).nonzero().flatten()[:k]
        out[todo[:len(ok)]] = m[ok]
        todo = todo[len(ok):]
        if len(todo) == 0:
            return out
    raise RuntimeError(f"could not draw masks with coverage in {coverage} (tried {max_rounds} rounds)")
