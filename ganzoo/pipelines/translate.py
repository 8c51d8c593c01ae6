"""Image-to-image pipelines: PIL in → PIL out.

pix2pix models say in their config what they expect:
- "sketch" (trained on line art): the drawing is cropped to its ink, centred and scaled so that it
  fills the canvas like the training drawings did, and its strokes are brought to the training
  stroke width — a mouse doodle on a 600 px canvas and a thick marker scan both become the kind of
  input the model knows.
- "edges" (the released edges2shoes / edges2handbags, trained on thin edge maps of product photos
  that fill the frame): the same, with thin strokes and the drawing filling most of the canvas.
- "image" (e.g. released reference models): resized to the model's square input, output resized
  back to the input's aspect ratio.

A "sketch" model reads the paper beyond the canvas edge as paper (`paper_border`): its first
convolution pads with the edge pixels, not with zeros, which in [-1, 1] are a mid-grey frame round
every drawing.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .. import hub
from ..data.edges import edges_to_sketch
from ..utils import to_pil
from .images import open_image
from ..errors import InputError
from ..nn.unet import UnetGenerator
from .base import Pipeline

INK = 0.25               # a pixel darker than 75% grey counts as ink
MIN_INK_PIXELS = 8       # fewer (at 256 px) is an empty canvas or dust
TRAIN_STROKE_PX = 3.0    # median stroke width of the OpenMoji line art at 128 px (stroke_width, measured)
EDGES = (0.92, 1.5)      # edges2shoes/handbags: the object spans ~92% of the 256-px frame in 1–2 px lines
MAX_LONG_SIDE = 1024     # the most detail a CycleGAN translation may ask for
# A photo given to a line-art model becomes the Canny edges of it at this long side, blurred by
# this sigma, with only the strongest ridges (quantile) as sure edges: at 192 px and the
# default (sigma 1.5, 0.7) fur and background texture came out as a tangle; at 256 px, 2.0 and
# 0.8 chelsea, astronaut and coffee were clean outlines (compared by eye, with sketch2emoji's results)
PHOTO_EDGES = (256, 2.0, 0.8)


class EmptyCanvas(InputError):
    """A drawing with no strokes (an app may treat it as "clear the result" rather than an error)."""


class Pix2PixPipeline(Pipeline):
    """precision: "auto" = bf16 arithmetic where the CPU has it natively (about 0.6× the time,
    outputs within ~1/255 of fp32; bench/pix2pix_latency.py), else fp32; or "fp32" / "bf16"."""
    family = "pix2pix"

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None):
        bn_stats = hub.registry.make_config("pix2pix", ckpt.config["model"]).bn_stats if ckpt.family == "pix2pix" \
            else "running"
        super().__init__(ckpt, precision, bn_stats)
        self.input = ckpt.config.get("input", {"kind": "image"})
        if self.input.get("kind") == "sketch":
            paper_border(self.G)

    @property
    def is_sketch_model(self) -> bool:
        return self.input.get("kind") in ("sketch", "edges")

    # -- preparation -------------------------------------------------------------------------------
    def prepare(self, image) -> torch.Tensor:
        """Any upload/drawing → the model's input tensor 1×C×S×S in [-1, 1]."""
        return self._prepare(open_image(image))

    def _prepare(self, img: Image.Image) -> torch.Tensor:
        if self.is_sketch_model:
            fill, stroke = EDGES if self.input.get("kind") == "edges" else (0.75, TRAIN_STROKE_PX)
            x = prepare_sketch(img, self.size, self.input.get("fill", fill), self.input.get("stroke_px", stroke))
        else:
            x = np.asarray(img.resize((self.size, self.size), Image.Resampling.LANCZOS), np.float32) / 255.0
            x = x.mean(-1, keepdims=True) if self.cfg.in_channels == 1 else x
        t = torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None] * 2 - 1
        if t.shape[1] != self.cfg.in_channels:
            t = t.expand(-1, self.cfg.in_channels, -1, -1) if t.shape[1] == 1 else t.mean(1, keepdim=True)
        return t.contiguous()

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(self.G, x)

    def as_drawing(self, image) -> tuple[Image.Image, bool]:
        """(what this model is given for `image`, whether it was turned into a drawing). A
        line-art model given a photo (or a coloured picture) gets the photo's edges as black lines
        on white: left as it is, a photo's dark areas read as ink and gave a black block. Line
        art, and any picture for a model of pictures, is given unchanged."""
        img = open_image(image)
        if not self.is_sketch_model or looks_like_line_art(img):
            return img, False
        return photo_to_drawing(img), True

    def translate(self, image) -> tuple[Image.Image, Image.Image]:
        """(what the model saw, what it made) for one upload or drawing."""
        img = open_image(image)
        x = self._prepare(img)
        out = to_pil(self.run(x))[0]
        if not self.is_sketch_model and img.width != img.height:  # the reference stretches; undo it
            w, h = img.size
            s = self.size / max(w, h)
            out = out.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.LANCZOS)
        return to_pil(x)[0], out

    def __call__(self, image) -> Image.Image:
        return self.translate(image)[1]


def looks_like_line_art(img: Image.Image) -> bool:
    """Dark lines on plain paper: nearly every pixel is paper or ink and almost none is coloured.
    Measured at 256 px: the example drawings have ≤ 1% mid tones and no colour; the photos 36-95%
    mid tones, the coloured emoji 36-68%. Grey is taken relative to the paper (the brightest 5%),
    so a scan on off-white paper is still a drawing."""
    small = img.convert("RGB")
    small.thumbnail((256, 256))
    grey = np.asarray(small.convert("L"), np.float32)
    grey = np.clip(grey / max(float(np.percentile(grey, 95)), 1.0), 0, 1)
    mid = ((grey > INK) & (grey < 0.85)).mean()
    colour = (np.asarray(small.convert("HSV"))[..., 1] > 64).mean()
    return bool(mid < 0.15 and colour < 0.15)


def photo_to_drawing(img: Image.Image) -> Image.Image:
    """A photo → its edges (PHOTO_EDGES) as black 1-px lines on white, RGB, at a long side of 256."""
    side, sigma, high = PHOTO_EDGES
    small = img.convert("RGB")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return Image.fromarray(edges_to_sketch(np.asarray(small)[None], high=high, sigma=sigma)[0, ..., 0]).convert("RGB")


def prepare_sketch(img: Image.Image, size: int, fill: float = 0.75, stroke_px: float = TRAIN_STROKE_PX) -> np.ndarray:
    """A drawing → size×size×1 float in [0, 1] (white = 1), framed and stroked like the training
    line art; raises InputError for an empty canvas."""
    grey = np.asarray(img.convert("L"), np.float32) / 255.0
    ink = 1.0 - grey
    mask = ink > INK
    scale_to_256 = 256.0 / max(grey.shape)
    if mask.sum() * scale_to_256 ** 2 < MIN_INK_PIXELS:
        raise EmptyCanvas("The canvas is empty: draw something (black strokes on white) first.")
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop = ink[y0:y1, x0:x1]
    long_side = max(crop.shape)
    canvas = max(long_side / fill, 1.0)
    # place the crop centred on a square canvas whose side makes the drawing span `fill` of it
    side = int(round(canvas))
    square = np.zeros((side, side), np.float32)
    oy, ox = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[oy:oy + crop.shape[0], ox:ox + crop.shape[1]] = crop
    t = torch.from_numpy(square)[None, None]
    # area-average to the model size: thin strokes fade rather than vanish; then restore contrast
    small = F.interpolate(t, size=(size, size), mode="area") if side >= size else \
        F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    small = normalise_strokes(small, stroke_px)
    return (1.0 - small[0, 0].numpy())[..., None]


def stroke_width(ink: torch.Tensor) -> float:
    """Mean stroke width in pixels of a binary ink map 1×1×H×W: area / (half the boundary length)."""
    area = ink.sum().item()
    if area == 0:
        return 0.0
    eroded = -F.max_pool2d(-ink, 3, stride=1, padding=1)
    boundary = (ink - eroded).clamp(min=0).sum().item()
    return 2.0 * area / max(boundary, 1.0)


def normalise_strokes(ink: torch.Tensor, target: float) -> torch.Tensor:
    """Binarise anti-aliased ink, then dilate thin or erode fat strokes toward `target` px."""
    binary = (ink > 0.35 * ink.max().clamp(min=1e-6)).float()
    w = stroke_width(binary)
    # the estimate reads 2 for any 1–2 px line (every pixel is boundary), so "thin" starts early
    if w < target - 0.25:  # thin: each dilation step adds ~2 px
        r = max(1, int(round((target - w) / 2)))
        binary = F.max_pool2d(binary, 2 * r + 1, stride=1, padding=r)
    elif w > 2 * target:  # marker-thick: thin it (each step removes ~2 px), but never erase it all
        r = max(1, int(round((w - target) / 2)))
        eroded = -F.max_pool2d(-binary, 2 * r + 1, stride=1, padding=r)
        if eroded.sum() > 0.3 * binary.sum():
            binary = eroded
    return binary


def paper_border(net: nn.Module) -> None:
    """Let a U-Net's first convolution pad a drawing with its own edge pixels (white paper)
    instead of zeros (issue 33), in place (on the pipeline's inference copy).

    In [-1, 1] a zero is mid-grey, so the zero padding frames every white canvas in grey; the
    bundled sketch2emoji answers that frame with a dotted off-white last row, its dots 8 px apart
    (on the 8 example drawings 69 pixels more than 30 grey levels off white; 1776 on the 222
    held-out drawings, 6 with this). Padding the input with paper and cropping back would be the
    textbook fix, but the U-Net only takes multiples of 2**num_downs (128 px here), and on a 256 or
    384 px canvas its 1×1 bottleneck becomes 2×2 or 3×3: measured, that costs 0.7–1.2 dB of
    held-out PSNR. Padding the first convolution alone is that canvas extension for the layer that
    reads the paper, and leaves the deeper layers the geometry they were trained with (held-out
    L1 / PSNR / SSIM unchanged or a little better: bench/sketch_quality.py)."""
    if not isinstance(net, UnetGenerator):
        return
    first = net.model.model[0]
    if isinstance(first, nn.Conv2d):
        first.padding_mode = "replicate"


class CycleGANPipeline(Pipeline):
    """Domain transfer with a CycleGAN checkpoint (ganzoo's generator pair, or a released one-way
    reference file). The ResNet generator is fully convolutional, so the picture keeps its aspect
    ratio: the long side goes to the model's size, the sides are padded (reflect) to a multiple of
    4 and cropped back afterwards."""
    family = "cyclegan"

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None):
        super().__init__(ckpt, precision)
        self.domains = list(ckpt.config.get("domains", ["A", "B"]))

    @property
    def directions(self) -> dict[str, str]:
        """Available directions with their human names, e.g. {"a2b": "noto → twemoji"}."""
        a, b = self.domains
        names = {"a2b": f"{a} → {b}", "b2a": f"{b} → {a}"}
        return {d: names[d] for d in self.cfg.directions}

    def prepare(self, image, long_side: int | None = None) -> tuple[torch.Tensor, tuple[int, int]]:
        """The picture with its long side at `long_side` (default: the size the model was trained
        at; more is more detail and more time), sides padded to a multiple of 4."""
        img = open_image(image)
        long_side = int(long_side or self.cfg.img_size)
        if not 32 <= long_side <= MAX_LONG_SIDE:
            raise InputError(f"the detail (long side) must be between 32 and {MAX_LONG_SIDE} px, not {long_side}")
        s = long_side / max(img.size)
        w, h = max(1, round(img.width * s)), max(1, round(img.height * s))
        img = img.resize((w, h), Image.Resampling.LANCZOS)
        x = torch.from_numpy(np.asarray(img, np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
        if self.cfg.in_channels == 1:
            x = x.mean(1, keepdim=True)
        ph, pw = (-h) % 4, (-w) % 4
        if ph or pw:  # the two stride-2 steps need sides divisible by 4
            mode = "reflect" if min(h, w) > max(ph, pw) else "replicate"
            x = F.pad(x, (0, pw, 0, ph), mode=mode)
        return x.contiguous(), (h, w)

    def run(self, x: torch.Tensor, direction: str) -> torch.Tensor:
        if direction not in self.cfg.directions:
            raise InputError(f"this model translates {', '.join(self.directions.values())} only, "
                             f"not {direction!r}")
        return self.forward(getattr(self.G, direction), x)

    def translate(self, image, direction: str = "a2b", long_side: int | None = None) -> tuple[Image.Image, Image.Image]:
        """(the input as the model saw it, the translation), same aspect ratio; long side `long_side`."""
        x, (h, w) = self.prepare(image, long_side)
        y = self.run(x, direction)[..., :h, :w]
        return to_pil(x[:1, :, :h, :w])[0], to_pil(y)[0]

    def __call__(self, image, direction: str = "a2b") -> Image.Image:
        return self.translate(image, direction)[1]
