"""Inpainting: a picture of any size and a mask (the hole) → the picture with the hole filled.

The model works on a square canvas of its training size S (e.g. 128 px) and sees every picture
the way it was trained to (ganzoo.data.views): the region around the hole — the hole's bounding
box with as much context again on every side, at least S, and large enough that the picture is
not enlarged more than the training zooms go — is shrunk to fit S from its known pixels only, or,
when it is smaller than S, put in the middle of the canvas at its own scale. No pixel under the
hole ever reaches the model, so what was painted there cannot change the result. Only the hole's
pixels are pasted back, at full resolution: every known pixel of the upload is returned unchanged.

A LaMa checkpoint (arch "lama", ganzoo.inpainters) works at any size, in fp32, on the picture in
[0, 1] with its mask (1 = hole), padded to a multiple of 8. A picture of up to 320×320 px of area
is filled whole; a larger one in crop mode, as IOPaint does: only the hole's bounding box with a
128-px margin is processed, shrunk from its known pixels (known_resize) until it is at most
320×320 px of area, and the fill is enlarged back; again only the hole's pixels are pasted.

    pipe = InpaintPipeline.from_pretrained("emoji-inpaint")
    result = pipe.inpaint("photo.jpg", "mask.png")          # mask: white/opaque = hole
    result.image, result.notice, result.region
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .. import hub
from ..data.views import centre_on_canvas, known_resize, snap_to_grid
from ..nn.inpaint import composite, show_hole
from ..nn.lama import MIN_SIDE, MULTIPLE
from .images import open_image, open_mask
from .base import Pipeline

CONTEXT = 1.0        # context around the hole's bounding box, as a fraction of its long side
MIN_HOLE_PX = 1
CROP_MARGIN = 128    # LaMa's crop mode: context around the hole's bounding box, in picture pixels
CROP_AREA = 320 * 320   # the most pixels LaMa is given at once (its crop is shrunk to fit)


@dataclass
class InpaintResult:
    image: Image.Image                     # full resolution, known pixels untouched
    notice: str | None = None              # e.g. "the mask is empty"
    region: tuple[int, int, int, int] | None = None   # (x0, y0, x1, y1) the model looked at
    model_input: Image.Image | None = None  # that region as the model saw it, hole in magenta
    scale: float = 1.0                     # model pixels per picture pixel (≤ 1: never enlarged)


def read_mask(src, size: tuple[int, int]) -> np.ndarray:
    """A mask (see images.open_mask: painted alpha or bright = hole), or a list of them (an
    editor's paint layers: their union) → bool H×W at `size` (W, H)."""
    if isinstance(src, (list, tuple)):
        out = np.zeros(size[::-1], bool)
        for layer in src:
            out |= read_mask(layer, size)
        return out
    if src is None:
        return np.zeros(size[::-1], bool)
    m = open_mask(src)
    if m.shape != size[::-1]:
        m = np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize(size, Image.Resampling.NEAREST)) > 127
    return m


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of a non-empty boolean mask."""
    rows, cols = mask.any(1), mask.any(0)
    return (int(rows.argmax()), len(rows) - int(rows[::-1].argmax()),
            int(cols.argmax()), len(cols) - int(cols[::-1].argmax()))


def view_box(mask: np.ndarray, side: int, zoom_max: float) -> tuple[int, int, int, int]:
    """The region the model sees: the hole's bounding box grown by CONTEXT on every side, made
    square, at least `side` and at least 1/zoom_max of the picture's long side (so a crop of a big
    picture is not a closer view than training showed), kept inside the picture."""
    h, w = mask.shape
    y0, y1, x0, x1 = _bbox(mask)
    want = math.ceil(max(max(y1 - y0, x1 - x0) * (1 + 2 * CONTEXT), side, max(h, w) / zoom_max))
    bw, bh = min(want, w), min(want, h)
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    bx0 = int(round(min(max(cx - bw / 2, 0), w - bw)))
    by0 = int(round(min(max(cy - bh / 2, 0), h - bh)))
    return bx0, by0, bx0 + bw, by0 + bh


class InpaintPipeline(Pipeline):
    """precision: "auto" = bf16 arithmetic where the CPU has it natively, else fp32."""
    family = "inpaint"

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None):
        self.arch = ckpt.config.get("model", {}).get("arch", "gated")
        # LaMa runs in fp32 whatever is asked: its Fourier units have no bf16 CPU kernels
        super().__init__(ckpt, "fp32" if self.arch == "lama" else precision)
        train = ckpt.config.get("training", {}).get("train", {})
        # the views training showed (ganzoo.data.views): how far a picture may be shrunk into the
        # canvas and how close a crop may go; and the grid every hole edge sat on (mask_grid; a
        # config without zoom views is of a model trained on a 2-px grid). Such a model fills
        # holes off its grid badly (hole L1 0.14 -> 0.45 one pixel off), so its holes are snapped
        # to the grid (grown by at most a pixel; only the painted ones change).
        self.zoom_min = float(train.get("zoom_min", 1.0))
        self.zoom_max = float(train.get("zoom_max", 1.0))
        self.mask_grid = int(train.get("mask_grid", 1 if "zoom_min" in train else 2))

    def run(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Model-size batch: x N×C×S×S in [-1, 1], mask N×1×S×S (1 = hole) → composite.
        LaMa: x N×3×H×W in [0, 1], any size (padded to its multiple here) → composite in [0, 1]."""
        if self.arch == "lama":
            return composite(self._lama(x, mask), x, mask)
        return composite(self.forward(self.G, x, mask).clamp(-1, 1), x, mask)

    def _lama(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """LaMa on x in [0, 1] and its mask, their sides padded (reflected) to a multiple of 8. The
        mask is reflected with the picture, so a hole at the edge stays a hole in the padding (and
        the blanked pixels under it are never shown to LaMa as known)."""
        h, w = x.shape[-2:]
        ph, pw = (max(MIN_SIDE, math.ceil(n / MULTIPLE) * MULTIPLE) - n for n in (h, w))
        if ph or pw:
            mode = "reflect" if ph < h and pw < w else "replicate"
            x, mask = (F.pad(t, (0, pw, 0, ph), mode=mode) for t in (x, mask))
        return self.forward(self.G, x, (mask > 0.5).float())[..., :h, :w].clamp(0, 1)

    @torch.inference_mode()
    def inpaint(self, image, mask) -> InpaintResult:
        img = open_image(image)
        hole = read_mask(mask, img.size)
        if hole.sum() < MIN_HOLE_PX:
            return InpaintResult(img, notice="The mask is empty: paint over the part of the picture to fill.")
        if self.arch == "lama":
            return self._inpaint_lama(img, hole)
        s = self.size
        box = x0, y0, x1, y1 = view_box(hole, s, self.zoom_max)
        region_hole = hole[y0:y1, x0:x1]
        bh, bw = region_hole.shape
        x = torch.from_numpy(np.array(img)[y0:y1, x0:x1]).permute(2, 0, 1)[None].float() / 127.5 - 1
        m = torch.from_numpy(region_hole)[None, None].float()
        if self.cfg.channels == 1:
            x = x.mean(1, keepdim=True)
        sh, sw = self.view_size(bh, bw, max(img.size))
        small, small_hole = known_resize(x, m, (sh, sw))        # hole cells are 0: nothing leaks
        canvas, canvas_hole, (top, left) = centre_on_canvas(small, small_hole, s)
        canvas_hole = snap_to_grid(canvas_hole, self.mask_grid)
        out = self.run(canvas, canvas_hole)[:, :, top:top + sh, left:left + sw]
        hy0, hy1, hx0, hx1 = _bbox(region_hole)                          # the hole's box in the region
        if sh < bh:   # enlarge back only where the hole is (bicubic, as a whole-region resize would)
            out = _bicubic_window(out, (bh, bw), (hy0, hy1, hx0, hx1))
        else:
            if (sh, sw) != (bh, bw):
                out = F.interpolate(out, size=(bh, bw), mode="area")
            out = out[..., hy0:hy1, hx0:hx1]
        filled = ((out[0].clamp(-1, 1).expand(3, -1, -1).permute(1, 2, 0) + 1) * 127.5).round().byte().numpy()
        result = np.asarray(img).copy()
        window = region_hole[hy0:hy1, hx0:hx1]
        result[y0 + hy0:y0 + hy1, x0 + hx0:x0 + hx1][window] = filled[window]
        shown = show_hole(small, small_hole)[0].expand(3, -1, -1)
        seen = Image.fromarray(((shown.permute(1, 2, 0) + 1) * 127.5).round().byte().numpy())
        return InpaintResult(Image.fromarray(result), region=box, model_input=seen, scale=sh / bh)

    def _inpaint_lama(self, img: Image.Image, hole: np.ndarray) -> InpaintResult:
        """LaMa on the whole picture, or in crop mode on a large one (see the module docstring)."""
        box = x0, y0, x1, y1 = crop_box(hole)
        region_hole = hole[y0:y1, x0:x1]
        bh, bw = region_hole.shape
        x = torch.from_numpy(np.array(img)[y0:y1, x0:x1]).permute(2, 0, 1)[None].float() / 255
        m = torch.from_numpy(region_hole)[None, None].float()
        scale = min(1.0, math.sqrt(CROP_AREA / (bh * bw)))
        sh, sw = max(1, math.floor(bh * scale)), max(1, math.floor(bw * scale))
        small, small_hole = known_resize(x, m, (sh, sw))        # hole cells are 0: nothing leaks
        out = self.run(small, small_hole)
        hy0, hy1, hx0, hx1 = _bbox(region_hole)
        if (sh, sw) != (bh, bw):   # enlarge back only where the hole is
            out = _bicubic_window(out, (bh, bw), (hy0, hy1, hx0, hx1))
        else:
            out = out[..., hy0:hy1, hx0:hx1]
        filled = (out[0].clamp(0, 1).permute(1, 2, 0) * 255).round().byte().numpy()
        result = np.asarray(img).copy()
        window = region_hole[hy0:hy1, hx0:hx1]
        result[y0 + hy0:y0 + hy1, x0 + hx0:x0 + hx1][window] = filled[window]
        shown = show_hole(small * 2 - 1, small_hole)[0]
        seen = Image.fromarray(((shown.permute(1, 2, 0) + 1) * 127.5).round().byte().numpy())
        return InpaintResult(Image.fromarray(result), region=box, model_input=seen, scale=sh / bh)

    def view_size(self, bh: int, bw: int, picture_side: int) -> tuple[int, int]:
        """The region's size on the canvas: as it is where it fits (nothing enlarged), shrunk to
        fit where it is larger, enlarged only as far as the smallest view training showed needs
        (zoom_min: the picture's long side at least zoom_min × the canvas)."""
        s = self.size
        scale = min(1.0, s / max(bh, bw))
        if picture_side * scale < self.zoom_min * s:
            scale = min(s / max(bh, bw), self.zoom_min * s / picture_side)
        return max(1, round(bh * scale)), max(1, round(bw * scale))

    def __call__(self, image, mask) -> Image.Image:
        return self.inpaint(image, mask).image


def crop_box(hole: np.ndarray, margin: int = CROP_MARGIN, area: int = CROP_AREA) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) LaMa processes: the whole picture when it has at most `area` pixels, else
    the hole's bounding box grown by `margin` on every side, inside the picture (crop mode)."""
    h, w = hole.shape
    if h * w <= area:
        return 0, 0, w, h
    y0, y1, x0, x1 = _bbox(hole)
    return max(0, x0 - margin), max(0, y0 - margin), min(w, x1 + margin), min(h, y1 + margin)


def _bicubic_window(x: torch.Tensor, size: tuple[int, int], box: tuple[int, int, int, int]) -> torch.Tensor:
    """Rows y0:y1 and columns x0:x1 of F.interpolate(x, size, mode="bicubic", align_corners=False),
    computed for that window only (a brush stroke on a big photo is a small part of it)."""
    (h, w), (y0, y1, x0, x1) = x.shape[-2:], box
    oy, ox = size
    # the output pixel's centre in input pixels, then in grid_sample's [-1, 1] (align_corners=False)
    gy = ((torch.arange(y0, y1, dtype=torch.float32) + 0.5) * (h / oy)) / h * 2 - 1
    gx = ((torch.arange(x0, x1, dtype=torch.float32) + 0.5) * (w / ox)) / w * 2 - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], -1)[None].expand(x.shape[0], -1, -1, -1)
    return F.grid_sample(x, grid, mode="bicubic", padding_mode="border", align_corners=False)


def telea(image, mask, radius: int = 3, method: str = "telea") -> Image.Image:
    """OpenCV's classical inpainting (Telea's fast marching, or Navier–Stokes) at full resolution,
    the baseline the GAN is compared with."""
    img = open_image(image)
    hole = read_mask(mask, img.size).astype(np.uint8) * 255
    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]
    out = cv2.inpaint(np.ascontiguousarray(np.asarray(img)[..., ::-1]), hole, radius, flag)
    return Image.fromarray(np.ascontiguousarray(out[..., ::-1]))
