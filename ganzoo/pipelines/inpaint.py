"""Inpainting: a picture of any size and a mask (the hole) → the picture with the hole filled.

The model works at its training size (e.g. 128 px). A small hole in a big photo is filled from a
crop around it — the hole's bounding box with as much context again on every side — scaled to
the model's size; a large hole uses the whole picture scaled down. Only the hole's pixels are
pasted back, at full resolution: every known pixel of the upload is returned unchanged.

    pipe = InpaintPipeline.from_pretrained("emoji-inpaint")
    result = pipe.inpaint("photo.jpg", "mask.png")          # mask: white/opaque = hole
    result.image, result.notice, result.region
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .. import hub
from ..nn.inference import inference_net
from ..nn.inpaint import composite, show_hole
from .images import open_image, open_mask
from .latent import InputError

CONTEXT = 1.0        # context around the hole's bounding box, as a fraction of its long side
MIN_HOLE_PX = 1


@dataclass
class InpaintResult:
    image: Image.Image                     # full resolution, known pixels untouched
    notice: str | None = None              # e.g. "the mask is empty"
    region: tuple[int, int, int, int] | None = None   # (x0, y0, x1, y1) the model looked at
    model_input: Image.Image | None = None  # that region at the model's size, hole in magenta


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


def crop_box(mask: np.ndarray, side_min: int) -> tuple[int, int, int, int]:
    """The region the model sees: the hole's bounding box grown by CONTEXT on every side, made
    square (at least side_min, where the picture allows), kept inside the picture."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    side = max(y1 - y0, x1 - x0)
    side = int(max(side * (1 + 2 * CONTEXT), side_min))
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    bw, bh = min(side, w), min(side, h)
    bx0 = int(round(min(max(cx - bw / 2, 0), w - bw)))
    by0 = int(round(min(max(cy - bh / 2, 0), h - bh)))
    return bx0, by0, bx0 + bw, by0 + bh


class InpaintPipeline:
    """precision: "auto" = bf16 arithmetic where the CPU has it natively, else fp32."""

    def __init__(self, ckpt: hub.Checkpoint, precision: str = "auto"):
        if ckpt.family != "inpaint":
            raise InputError(f"{ckpt.path.name} is a {ckpt.family} model, not an inpainting model")
        self.ckpt = ckpt
        self.cfg = hub.registry.make_config("inpaint", ckpt.config["model"])
        self.G, self.bf16 = inference_net(ckpt.model, precision)

    @classmethod
    def from_pretrained(cls, name_or_path, precision: str = "auto") -> "InpaintPipeline":
        return cls(hub.load(name_or_path), precision)

    @property
    def size(self) -> int:
        return self.cfg.img_size

    @torch.inference_mode()
    def run(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Model-size batch: x N×C×S×S in [-1, 1], mask N×1×S×S (1 = hole) → composite."""
        if self.bf16:
            cl = torch.channels_last
            y = self.G(x.to(torch.bfloat16).contiguous(memory_format=cl),
                       mask.to(torch.bfloat16).contiguous(memory_format=cl)).float()
        else:
            y = self.G(x, mask)
        if not torch.isfinite(y).all():
            raise InputError("The model produced invalid values (NaN) for this input; the checkpoint may be broken.")
        return composite(y.clamp(-1, 1), x, mask)

    def inpaint(self, image, mask) -> InpaintResult:
        img = open_image(image)
        hole = read_mask(mask, img.size)
        if hole.sum() < MIN_HOLE_PX:
            return InpaintResult(img, notice="The mask is empty: paint over the part of the picture to fill.")
        box = crop_box(hole, self.size)
        x0, y0, x1, y1 = box
        crop, crop_hole = img.crop(box), hole[y0:y1, x0:x1]
        s = self.size
        # the crop's long side → s, the short side padded with edge pixels (known, not hole)
        scale = s / max(crop.size)
        cw, ch = max(1, round(crop.width * scale)), max(1, round(crop.height * scale))
        small = np.asarray(crop.resize((cw, ch), Image.Resampling.LANCZOS), np.float32) / 127.5 - 1
        # a hole pixel anywhere in a downscaled cell makes the cell a hole (never leak hole colour)
        small_hole = F.adaptive_max_pool2d(torch.from_numpy(crop_hole.astype(np.float32))[None, None], (ch, cw))
        x = torch.from_numpy(small).permute(2, 0, 1)[None]
        if self.cfg.channels == 1:
            x = x.mean(1, keepdim=True)
        pad = (0, s - cw, 0, s - ch)
        x = F.pad(x, pad, mode="replicate")
        m = F.pad(small_hole, pad)
        out = self.run(x, m).expand(-1, 3, -1, -1)  # a grey model's output shown as RGB
        filled = ((out[0, :, :ch, :cw].permute(1, 2, 0) + 1) * 127.5).clamp(0, 255).round().byte().numpy()
        back = np.asarray(Image.fromarray(filled).resize(crop.size, Image.Resampling.LANCZOS))
        result = np.asarray(img).copy()
        region = result[y0:y1, x0:x1]
        region[crop_hole] = back[crop_hole]
        shown = show_hole(x, m)[0, :, :ch, :cw]
        seen = Image.fromarray(((shown.expand(3, -1, -1).permute(1, 2, 0) + 1) * 127.5).round().byte().numpy())
        return InpaintResult(Image.fromarray(result), region=box, model_input=seen)

    def __call__(self, image, mask) -> Image.Image:
        return self.inpaint(image, mask).image


def telea(image, mask, radius: int = 3, method: str = "telea") -> Image.Image:
    """OpenCV's classical inpainting (Telea's fast marching, or Navier–Stokes) at full resolution,
    the baseline the GAN is compared with."""
    import cv2

    img = open_image(image)
    hole = read_mask(mask, img.size).astype(np.uint8) * 255
    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]
    out = cv2.inpaint(np.ascontiguousarray(np.asarray(img)[..., ::-1]), hole, radius, flag)
    return Image.fromarray(np.ascontiguousarray(out[..., ::-1]))
