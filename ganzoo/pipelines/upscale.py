"""Super-resolution: a picture of any size and mode → the same picture `scale` times larger.

    pipe = SRPipeline.from_pretrained("emoji-sr")
    big = pipe("photo.jpg", scale=4, progress=lambda done, total: ...)

- Modes are kept: grey stays grey (run as RGB, averaged back), and transparency is upscaled
  separately (Lanczos) so that the network sees only colour, as it was trained.
- The picture is run in tiles with `overlap` pixels of context on every side; only each tile's
  core is kept, so the network sees the same neighbourhood as on the whole picture and there are
  no seams, while memory stays bounded by the tile size (a 10-MP photo runs in a few hundred MB
  besides its output). progress(done, total) is called after every tile, and for an RRDB network
  after every block of its body too (one RRDB tile takes tens of seconds on a CPU).
- Tiles are 256 px for every network. Measured on 2 threads of an EPYC (realsr-df2k, a 512-px
  picture): four 256-px tiles with 32 px of context took 114 s; the whole picture as one tile 133 s
  although it computes 21% fewer pixels, because a 512-px tile's feature maps (67 MB each, the dense
  blocks' 200 MB) are beyond what glibc reuses (32 MB): every layer's output is freshly mmap'd and
  page-faulted (2.2 s of a block's 4.2 s was the kernel's). Turning mmap off (mallopt) made it 98 s in
  the main thread but 122 s in a worker thread, where the app runs it: not used.
- A factor other than the network's own (×2 or ×3 with a ×4 network) resizes each tile's output
  with Lanczos, inside the context, which is how Real-ESRGAN's UP2X/UP3X files do it too.
- A long side over `max_side`, or an output over MAX_OUTPUT_PIXELS, is refused with a sentence
  before any work is done.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image

from .. import hub
from ..errors import InputError
from .base import Pipeline
from .images import open_image_keep_mode

SCALES = (2, 3, 4)
MAX_SIDE = 4096                 # input long side: a 10-MP photo (3651×2738) fits
MAX_OUTPUT_PIXELS = 170_000_000  # ×4 of a 10-MP photo; its RGB output alone is ~0.5 GB
TILE, OVERLAP = 256, 16
# RRDB's receptive field outgrows 16 px: on a 256-px photo in 128-px tiles, realsr-df2k was up to 7 grey
# levels off the untiled picture with 16 px of context and within 1 with 32 (+12% time)
OVERLAP_BY_ARCH = {"rrdb": 32}


class SRPipeline(Pipeline):
    """precision: "fp32" by default (bf16 moves RRDB outputs by more than 2/255); "auto" or
    "bf16" for speed where the CPU has bf16 natively."""
    family = "sr"
    default_precision = "fp32"

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None):
        super().__init__(ckpt, precision)
        self.scale = self.cfg.scale
        self.overlap = OVERLAP_BY_ARCH.get(self.cfg.arch, OVERLAP)
        # channels_last lets oneDNN skip a layout reorder around every conv: on 2 threads of an EPYC
        # the compact network ran a 288-px tile in 0.73 s instead of 1.12 and RRDB a 320-px one in
        # 29 s instead of 39 (outputs within 3e-5)
        self.G.to(memory_format=torch.channels_last)

    @property
    def size(self) -> int:
        return self.cfg.img_size

    def check(self, width: int, height: int, scale: int, max_side: int | None = MAX_SIDE) -> None:
        """Raise InputError with a sentence when a width × height picture cannot be upscaled by `scale`."""
        if scale not in SCALES:
            raise InputError(f"The factor must be one of {', '.join(f'×{s}' for s in SCALES)}, not {scale!r}.")
        if max_side and max(width, height) > max_side:
            raise InputError(f"The picture is {width}×{height} pixels; this model upscales pictures of up to {max_side} "
                             "pixels on the long side: crop or shrink it first.")
        if width * height * scale * scale > MAX_OUTPUT_PIXELS:
            raise InputError(f"×{scale} of a {width}×{height} picture would be {width * scale}×{height * scale} pixels, "
                             f"more than the {MAX_OUTPUT_PIXELS // 1_000_000} megapixels allowed: pick a smaller factor.")

    @property
    def staged(self) -> bool:
        """Whether the network runs block by block (an RRDBNet without spandrel's pixel-unshuffle
        input), reporting progress after each block of its body."""
        return self.cfg.arch == "rrdb" and not getattr(self.G, "shuffle_factor", None)

    def __call__(self, image, scale: int | None = None, *, tile: int = TILE, overlap: int | None = None,
                 max_side: int | None = MAX_SIDE, progress=None) -> Image.Image:
        scale = self.scale if scale is None and self.scale in SCALES else scale or 4
        img = open_image_keep_mode(image)
        self.check(img.width, img.height, scale, max_side)
        alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
        grey = img.mode in ("L", "LA")
        rgb = np.asarray(img.convert("RGB"))
        out = self.upscale_array(rgb, scale, tile=tile, overlap=overlap, progress=progress)
        result = Image.fromarray(out.mean(-1).round().astype(np.uint8), "L") if grey else Image.fromarray(out, "RGB")
        if alpha is not None and alpha.getextrema() != (255, 255):
            result.putalpha(alpha.resize(result.size, Image.Resampling.LANCZOS))
        return result

    def upscale_array(self, rgb: np.ndarray, scale: int, *, tile: int = TILE, overlap: int | None = None,
                      progress=None) -> np.ndarray:
        """uint8 H×W×3 → uint8 (scale·H)×(scale·W)×3, tile by tile (see the module docstring)."""
        overlap = self.overlap if overlap is None else overlap
        if tile < 8 or overlap < 0:
            raise InputError(f"tile must be at least 8 pixels and overlap not negative, not {tile} and {overlap}")
        h, w, _ = rgb.shape
        out = np.empty((h * scale, w * scale, 3), np.uint8)
        boxes = [(y, x, min(y + tile, h), min(x + tile, w)) for y in range(0, h, tile) for x in range(0, w, tile)]
        steps = self.steps_per_tile
        for i, (y0, x0, y1, x1) in enumerate(boxes):
            py0, px0, py1, px1 = max(0, y0 - overlap), max(0, x0 - overlap), min(h, y1 + overlap), min(w, x1 + overlap)
            tick = (lambda k, i=i: progress(i * steps + k, len(boxes) * steps)) if progress else None
            up = self._run(rgb[py0:py1, px0:px1], scale, tick)
            oy, ox = (y0 - py0) * scale, (x0 - px0) * scale
            out[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = up[oy:oy + (y1 - y0) * scale, ox:ox + (x1 - x0) * scale]
            if progress:
                progress((i + 1) * steps, len(boxes) * steps)
        return out

    @property
    def steps_per_tile(self) -> int:
        """Progress steps in one tile: each body block and the tail of a staged network, else one."""
        return len(self.G.model[1].sub) + 1 if self.staged else 1

    @torch.inference_mode()
    def _run(self, patch: np.ndarray, scale: int, tick=None) -> np.ndarray:
        x = torch.from_numpy(np.array(patch)).permute(2, 0, 1)[None].float().div_(255)
        x = x.contiguous(memory_format=torch.channels_last)
        y = (self._run_staged(x, tick) if self.staged else self.forward(self.G, x))[0].clamp_(0, 1)
        if self.scale != scale:
            # Lanczos on the uint8 picture (PIL), as the packaged ×2/×3 files and Real-ESRGAN's outscale do
            big = Image.fromarray(y.mul(255).round_().byte().permute(1, 2, 0).numpy())
            size = (patch.shape[1] * scale, patch.shape[0] * scale)
            return np.asarray(big.resize(size, Image.Resampling.LANCZOS))
        return y.mul_(255).round_().byte().permute(1, 2, 0).numpy()

    def _run_staged(self, x: torch.Tensor, tick=None) -> torch.Tensor:
        """RRDBNet's forward, block by block so that a tile of tens of seconds shows progress
        (spandrel's layout: model[0] the first conv, model[1] the body with its skip, model[2:] the
        upsampling tail); a test checks it equals the network's own forward."""
        first, body, tail = self.G.model[0], self.G.model[1], self.G.model[2:]

        def run(t):
            f = first(t)
            h = f
            for k, block in enumerate(body.sub):
                h = block(h)
                if tick:
                    tick(k + 1)
            return tail(f + h)        # body is a ShortcutBlock: x + sub(x)
        return self.forward(run, x)

    def tiles(self, width: int, height: int, tile: int = TILE) -> int:
        """How many tiles a width × height picture takes."""
        return math.ceil(width / tile) * math.ceil(height / tile)


def bicubic(image, scale: int) -> Image.Image:
    """The baseline every upscaler is shown beside: PIL's bicubic, mode kept."""
    img = open_image_keep_mode(image)
    return img.resize((img.width * scale, img.height * scale), Image.Resampling.BICUBIC)
