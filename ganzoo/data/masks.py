"""Free-form inpainting masks (1 = hole), as DeepFill v2 trains with: random brush strokes of
varying width — a chain of segments at random angles, with round joints — plus a few rectangles.

Drawn with tensor arithmetic (distance of every pixel to every segment), so a batch is made on
the training device from the loop's seeded generator, with no per-image Python drawing. Each
mask's hole covers one of the HOLE_SIZES ranges of the picture (equally often by default): small
holes are a brush stroke or two over a few percent of the picture (what a visitor of the app
paints most), large ones take out more than a third.

    free_form_masks(16, 128, torch.Generator().manual_seed(0))            # 16×1×128×128 float
    free_form_masks(100, 128, gen, coverage=(0.3, 0.6))                   # large holes only

Two ways to land in the range: `exact=True` redraws until every mask is in it (held-out masks,
benchmarks); `exact=False` draws a fixed surplus of candidates in one go and keeps the first ones
in range, without a device→host copy (a GPU training step must not wait for the host); a mask in
the rare batch short of candidates may then lie a little outside its range.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# the hole sizes the inpainting benchmark reports, as fractions of the picture
DRAW_PX = 256
HOLE_SIZES = {"small": (0.02, 0.10), "medium": (0.10, 0.30), "large": (0.30, 0.60)}
SURPLUS = 4   # candidates per mask in one sync-free draw


def _brush(lo: float, hi: float) -> dict:
    """Stroke settings that make a hole of lo–hi coverage likely: thin and short for small holes."""
    if hi <= 0.12:
        return dict(strokes=2, verts=6, width=(0.03, 0.09), boxes=0)
    return dict(strokes=4, verts=12, width=(0.04, 0.20), boxes=2)


def _strokes(n: int, size: int, gen: torch.Generator, device, strokes: int, verts: int,
             width: tuple[float, float]) -> torch.Tensor:
    """n masks, each 1–`strokes` strokes of 3 to verts-1 segments; width in `width` × the side."""
    S, V = strokes, verts
    u = lambda *shape: torch.rand(*shape, generator=gen, device=device)  # noqa: E731
    n_strokes = (u(n, 1) * S).floor() + 1                                  # 1..S
    n_verts = (u(n, S, 1) * (V - 3)).floor() + 3                           # 3..V-1 segments
    start = u(n, S, 1, 2) * size
    angle0 = u(n, S, 1) * 2 * math.pi
    # each segment turns by a random angle from the last: strokes wander rather than zigzag
    turn = (u(n, S, V) - 0.5) * (2 * math.pi / 3)
    angle = angle0 + torch.cumsum(turn, -1)
    length = (0.05 + 0.15 * u(n, S, V)) * size
    step = torch.stack([torch.cos(angle), torch.sin(angle)], -1) * length[..., None]
    pts = torch.cat([start, start + torch.cumsum(step, 2)], 2).clamp(0, size - 1)   # n×S×(V+1)×2
    w = (width[0] + (width[1] - width[0]) * u(n, S, 1)) * size
    on = (torch.arange(S, device=device)[None] < n_strokes).float()[..., None] \
        * (torch.arange(V, device=device)[None, None] < n_verts).float()                 # n×S×V

    yx = torch.stack(torch.meshgrid(torch.arange(size, device=device, dtype=torch.float32),
                                    torch.arange(size, device=device, dtype=torch.float32), indexing="ij"), -1)
    p = yx.view(1, 1, size * size, 2)
    r2 = (w / 2) ** 2                                                                  # n×S×1
    hit = torch.zeros(n, S, size * size, dtype=torch.bool, device=device)
    for v in range(V):  # one segment of every stroke at a time: n×S×HW, not n×S×V×HW, in memory
        a, b = pts[:, :, v, None, :], pts[:, :, v + 1, None, :]
        ab = b - a
        t = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp(min=1e-6)).clamp(0, 1)
        d2 = (p - (a + t[..., None] * ab)).square().sum(-1)
        hit |= (d2 <= r2) & (on[:, :, v, None] > 0)
    return hit.any(1).float().view(n, 1, size, size)


def _rectangles(n: int, size: int, gen: torch.Generator, device, boxes: int) -> torch.Tensor:
    """0–`boxes` axis-aligned boxes per mask, sides 10–40% of the image."""
    R = max(boxes, 1)
    u = lambda *shape: torch.rand(*shape, generator=gen, device=device)  # noqa: E731
    count = (u(n, 1) * (boxes + 1)).floor()
    hw = (0.10 + 0.30 * u(n, R, 2)) * size
    y0x0 = u(n, R, 2) * (size - hw)
    r = torch.arange(size, device=device, dtype=torch.float32)
    iny = (r[None, None] >= y0x0[..., 0:1]) & (r[None, None] < y0x0[..., 0:1] + hw[..., 0:1])
    inx = (r[None, None] >= y0x0[..., 1:2]) & (r[None, None] < y0x0[..., 1:2] + hw[..., 1:2])
    box = (iny[..., :, None] & inx[..., None, :]).float()                            # n×R×H×W
    box = box * (torch.arange(R, device=device)[None] < count).float()[..., None, None]
    return box.amax(1, keepdim=True)


def _candidates(k: int, size: int, gen, lo: float, hi: float, device) -> torch.Tensor:
    """k masks drawn with the brush of the lo–hi range, at `size` px (not yet checked for range)."""
    b = _brush(lo, hi)
    # strokes are drawn at ≤ DRAW_PX and upsampled: the distance test costs per pixel, and a brush
    # stroke has no detail finer than that
    draw = min(size, DRAW_PX)
    m = _strokes(k, draw, gen, device, b["strokes"], b["verts"], b["width"])
    if b["boxes"]:
        m = torch.maximum(m, _rectangles(k, draw, gen, device, b["boxes"]))
    if lo >= 0.3:  # widen large-hole candidates, or big coverages are rarely reached
        grow = int(draw * 0.04) * 2 + 1
        m = F.max_pool2d(m, grow, 1, grow // 2)
    if draw != size:  # smooth upsampling, then a hard edge again
        m = (F.interpolate(m, size=(size, size), mode="bilinear", align_corners=False) > 0.5).float()
    return m


def free_form_masks(n: int, size: int, gen: torch.Generator, coverage: tuple[float, float] | None = None,
                    device=None, max_rounds: int = 50, exact: bool = True) -> torch.Tensor:
    """n×1×size×size float masks (1 = hole) from `gen` (its device unless `device` is given); the
    same generator state gives the same masks. With `coverage=(lo, hi)` every hole covers [lo, hi]
    of the image; by default each mask takes one of the HOLE_SIZES at random (unconstrained
    strokes would mostly make one size). exact=False: one sync-free draw (see the module doc)."""
    device = device or gen.device
    if coverage is not None:
        return _in_range(n, size, gen, coverage, device, max_rounds, exact)
    buckets = list(HOLE_SIZES.values())
    which = torch.randint(len(buckets), (n,), generator=gen, device=device)
    if not exact:  # every bucket for every slot, then pick: more arithmetic, no host round trip
        out = torch.zeros(n, 1, size, size, device=device)
        for i, rng in enumerate(buckets):
            out = torch.where((which == i).view(n, 1, 1, 1), _in_range(n, size, gen, rng, device, 1, False), out)
        return out
    out = torch.empty(n, 1, size, size, device=device)
    for i, rng in enumerate(buckets):
        idx = (which == i).nonzero().flatten()
        if len(idx):
            out[idx] = _in_range(len(idx), size, gen, rng, device, max_rounds, True)
    return out


def _in_range(n, size, gen, coverage, device, max_rounds, exact):
    lo, hi = coverage
    if not 0 <= lo < hi <= 1:
        raise ValueError(f"coverage must be 0 ≤ lo < hi ≤ 1, not {coverage}")
    if not exact:
        m = _candidates(SURPLUS * n, size, gen, lo, hi, device)
        cov = m.mean((1, 2, 3))
        miss = ((cov - lo).clamp(max=0).abs() + (cov - hi).clamp(min=0))    # 0 inside the range
        order = torch.argsort(miss, stable=True)[:n]                        # in range first, then nearest
        return m[order]
    out = torch.zeros(n, 1, size, size, device=device)
    todo = torch.arange(n, device=device)
    for _ in range(max_rounds):
        k = len(todo)
        # draw more candidates than missing: most land in range, so one or two rounds suffice
        m = _candidates(2 * k, size, gen, lo, hi, device)
        cov = m.mean((1, 2, 3))
        ok = ((cov >= lo) & (cov <= hi)).nonzero().flatten()[:k]
        out[todo[:len(ok)]] = m[ok]
        todo = todo[len(ok):]
        if len(todo) == 0:
            return out
    raise RuntimeError(f"could not draw masks with coverage in {coverage} (tried {max_rounds} rounds)")
