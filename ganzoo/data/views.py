"""How an inpainter sees a picture, the same way in training and in the app.

The inpainter works on a square canvas of its training size S (e.g. 128 px). Pictures reach it at
many scales: a 32-px emoji, a 256-px one with a small hole (seen through a crop), a photo shrunk
around a brush stroke. Two rules make every one of them a view the model was trained on, without
ever letting a hidden pixel into what the model sees:

- **Known pixels only are resampled.** Shrinking uses a normalised (masked) filter: the picture
  times the known-mask and the known-mask itself are filtered alike and divided, so a hole pixel
  contributes exactly nothing; a canvas cell that any hole pixel touches is a hole. Nothing is ever
  enlarged: a picture smaller than S is not upsampled, it sits at its own scale in the middle of
  the canvas.
- **The canvas around a small picture is one plain colour**, the mean of the picture's known
  border pixels: an emoji sits on its own white, a picture on its average edge colour. (Repeating
  the edge pixels instead drew long coloured crosses from emoji that touch their border.)
  A model trained on whole pictures only (zoom 1) gets the picture enlarged from its known
  pixels instead.

Training draws the same views (`zoom_views`): each batch at one zoom z, log-uniform in ZOOM, where
z = 1 shows the whole training picture on the canvas, z < 1 shrinks it into the middle of the
canvas (at a random place), z > 1 shows a random crop of the picture enlarged z times (sharp from
a source of at least z times the canvas, else upsampled). The app's views lie in that range:
a P-px picture shrunk to fit S shows z = P / region side, a small picture z = P / S.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

ZOOM = (0.25, 2.0)     # training zooms; the pipeline keeps its views inside this range


def known_resize(x: torch.Tensor, hole: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Shrink N×C×H×W `x` to `size` (h, w) from its known pixels only (hole N×1×H×W, 1 = hole).

    Returns (picture, hole) at `size`: a cell is a hole when any hole pixel lies under its filter
    (conservative: the hole grows by about one cell), and a known cell's value is the filtered
    mean of the known pixels alone. Hole cells are 0. The values under the hole never matter.
    Enlarging works the same way (for models that only saw pictures filling the canvas).
    """
    is_hole = hole > 0.5
    known = x.masked_fill(is_hole, 0.0)            # exactly 0 under the hole, whatever was there
    if tuple(x.shape[-2:]) == tuple(size):
        return known, is_hole.to(x.dtype)
    # (antialiased) bilinear is a tent filter: non-negative weights, so the division is stable;
    # the picture times the known-mask and the known-mask itself go through one resize together
    both = F.interpolate(torch.cat([known, (~is_hole).to(x.dtype)], 1), size=size, mode="bilinear",
                         antialias=size[0] < x.shape[-2], align_corners=False)
    num, den = both[:, :-1], both[:, -1:]
    small_hole = den < 1.0 - 1e-4
    return (num / den.clamp(min=1e-6)).masked_fill(small_hole, 0.0), small_hole.to(x.dtype)


def border_colour(x: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """N×C×1×1: the mean of each picture's known pixels on its one-pixel border (of all its known
    pixels when the hole covers the border; 0 when nothing is known)."""
    known = 1 - hole
    edge = torch.zeros_like(hole)
    edge[..., 0, :] = edge[..., -1, :] = edge[..., :, 0] = edge[..., :, -1] = 1

    def mean(w):
        total = w.sum((2, 3), keepdim=True)
        return (x * w).sum((2, 3), keepdim=True) / total.clamp(min=1), total

    on_edge, n_edge = mean(edge * known)
    return torch.where(n_edge > 0, on_edge, mean(known)[0])


def place(x: torch.Tensor, hole: torch.Tensor, side: int, top: int, left: int,
          blank_hole: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """An h×w picture and its hole at (top, left) on a side×side canvas of its border colour
    (no hole outside the picture; the colour comes from the known pixels only). blank_hole: the
    hole's pixels are 0 (the app's input: they are unknown); False keeps them (a training target)."""
    n, c, h, w = x.shape
    canvas = border_colour(x, hole).expand(n, c, side, side).clone()
    canvas[..., top:top + h, left:left + w] = torch.where(hole > 0.5, torch.zeros_like(x), x) if blank_hole else x
    canvas_hole = torch.zeros(n, 1, side, side, dtype=hole.dtype, device=hole.device)
    canvas_hole[..., top:top + h, left:left + w] = hole
    return canvas, canvas_hole


def centre_on_canvas(x: torch.Tensor, hole: torch.Tensor, side: int) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    """Place an h×w (≤ side) picture and its hole in the middle of a side×side canvas (see
    `place`); returns (canvas, canvas hole, (top, left) of the picture)."""
    h, w = x.shape[-2:]
    if (h, w) == (side, side):
        return x, hole, (0, 0)
    top, left = (side - h) // 2, (side - w) // 2
    return (*place(x, hole, side, top, left), (top, left))


def zoom_of(step: int, seed: int, zoom: tuple[float, float] = ZOOM) -> float:
    """The zoom of training step `step`: log-uniform in `zoom`, a function of (seed, step) alone
    (drawn on the host, so a GPU step needs no device→host copy, and a resumed run repeats it)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + step)
    lo, hi = math.log(zoom[0]), math.log(zoom[1])
    return math.exp(lo + (hi - lo) * torch.rand((), generator=g).item())


def _crop(x: torch.Tensor, top: torch.Tensor, left: torch.Tensor, side: int) -> torch.Tensor:
    """Per-sample side×side crops at (top, left) offsets (device tensors), by indexing."""
    r = torch.arange(side, device=x.device)
    iy, ix = top[:, None] + r, left[:, None] + r                                    # N×side
    n = torch.arange(x.shape[0], device=x.device)[:, None, None]
    return x[n, :, iy[:, :, None], ix[:, None, :]].permute(0, 3, 1, 2)             # N×C×side×side


def zoom_views(images: torch.Tensor, side: int, z: float, uniform, make_holes) -> tuple[torch.Tensor, torch.Tensor]:
    """Training views at zoom z of N×C×R×R `images` → (N×C×side×side pictures, holes).

    `uniform(n)` gives n U(0, 1) values on the images' device (the placements), `make_holes(n, px)`
    n masks for a px×px picture; holes are drawn on the picture as it appears (the shrunk picture,
    or the crop), so their coverage is the picture's, as in the app.
    """
    n_img, src = images.shape[0], images.shape[-1]
    px = max(8, round(side * z))              # the whole picture's side at this zoom
    if px != src:  # antialiased when shrinking; enlarging (a source smaller than z × side) blurs a little
        images = F.interpolate(images, size=(px, px), mode="bilinear", antialias=px < src, align_corners=False)
    u = lambda: uniform(n_img)  # noqa: E731
    if px >= side:                            # a random crop of the enlarged picture
        span = px - side
        top, left = (u() * (span + 1)).long().clamp(max=span), (u() * (span + 1)).long().clamp(max=span)
        return _crop(images, top, left, side), make_holes(n_img, side)
    holes = make_holes(n_img, px)             # the shrunk picture somewhere on the canvas
    span = side - px
    # the view is the training *target* (L1, D's real picture): its hole keeps the true pixels (a
    # blanked hole taught every shrunk view to paint holes mid-grey: ~12 dB in the hole instead of
    # ~15). The generator blanks its own input.
    big, big_holes = place(images, holes, side + span, span, span, blank_hole=False)
    top, left = (u() * (span + 1)).long().clamp(max=span), (u() * (span + 1)).long().clamp(max=span)
    return _crop(big, top, left, side), _crop(big_holes, top, left, side)


def snap_to_grid(hole: torch.Tensor, grid: int) -> torch.Tensor:
    """The hole grown to whole grid×grid cells of the canvas (a cell with any hole pixel is hole)."""
    if grid <= 1:
        return hole
    side = hole.shape[-1]
    return F.interpolate(F.max_pool2d(hole, grid, grid, ceil_mode=True), scale_factor=grid)[..., :side, :side]
