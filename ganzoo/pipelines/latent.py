"""Latent sampling pipeline: seed / class / truncation / SeFa sliders → PIL image (or grid, GIF)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .. import hub
from ..errors import InputError
from .base import Pipeline
from .images import open_image
from ..directions import sefa
from ..utils import make_grid, seeded_normal, to_pil, to_tensor

MAX_SEED = 2**31 - 1
FIND_STEPS = 120           # Adam steps of find(): the 64-px face DCGAN took ~3-4 s for them on 2 threads (EPYC)
FIND_CANDIDATES = 64       # random latents tried first; the closest one is where the search starts
FIND_MAX_PX = 128          # find() on a 1024-px FastGAN would take minutes on 2 threads


@dataclass
class Found:
    """What LatentPipeline.find gives: a latent z, the offset to the generator's first layer that
    brings its picture closer to the target (None where the generator has none), the class, and the
    PSNR (dB) of the picture against the target at the model's size."""
    z: torch.Tensor
    offset: torch.Tensor | None
    class_id: object = None
    psnr: float = float("nan")


class LatentPipeline(Pipeline):
    """z → picture. Seeds give the same picture on every machine (z from a CPU generator); pass
    `generator=` to draw z from your own torch.Generator instead."""
    family = "latent"
    default_precision = "fp32"   # small nets: bf16 would save little and move the colours

    def __init__(self, ckpt: hub.Checkpoint, precision: str | None = None):
        super().__init__(ckpt, precision)
        d = ckpt.extras.get("directions")
        self.directions = d["directions"].float() if d else sefa(ckpt.model.latent_weight())[0]
        # what each slider does, as measured when the model was made (python -m ganzoo.pipelines.sliders)
        names = ckpt.config.get("direction_names") or []
        self.direction_names = [names[k] if k < len(names) else f"direction {k + 1}" for k in range(len(self.directions))]
        # a generator with a cheap small head (the HugGAN FastGANs' 128-px one): grids, GIFs and a
        # dragged slider use it; None where the model has none
        self.preview_size: int | None = ckpt.config.get("preview_size") if hasattr(self.G, "preview") else None

    @property
    def class_names(self) -> list[str]:
        n = self.cfg.num_classes
        return list(self.cfg.class_names or [str(i) for i in range(n)]) if n else []

    def latent(self, seed: int, truncation: float = 1.0, shifts: Sequence[float] = (),
               generator: torch.Generator | None = None) -> torch.Tensor:
        """z for a seed (or drawn from `generator`), scaled toward the mean by `truncation` (the
        mean of N(0, I) is 0, so ψ-truncation is a scale), then moved along the SeFa directions."""
        if not 0 <= int(seed) <= MAX_SEED:
            raise InputError(f"seed must be between 0 and {MAX_SEED}")
        if not 0.0 < float(truncation) <= 2.0:
            raise InputError("truncation must be in (0, 2]")
        z = seeded_normal(int(seed), 1, self.cfg.z_dim)[0] if generator is None else \
            torch.randn(self.cfg.z_dim, generator=generator)
        return self._shifted(z * float(truncation), shifts)

    def _shifted(self, z: torch.Tensor, shifts: Sequence[float]) -> torch.Tensor:
        """z moved along the SeFa directions by `shifts` (one per direction, extra ones ignored)."""
        for a, d in zip([float(s) for s in shifts][: len(self.directions)], self.directions):
            z = z + a * d
        return z

    def _labels(self, class_id, n: int):
        if not self.cfg.num_classes:
            return None
        if class_id is None:
            class_id = 0
        if isinstance(class_id, str):
            if class_id not in self.class_names:
                raise InputError(f"unknown class {class_id!r}; this model knows {', '.join(self.class_names)}")
            class_id = self.class_names.index(class_id)
        if not 0 <= int(class_id) < self.cfg.num_classes:
            raise InputError(f"class must be between 0 and {self.cfg.num_classes - 1}")
        return torch.full((n,), int(class_id), dtype=torch.long)

    def _run(self, z: torch.Tensor, class_id, preview: bool = False) -> torch.Tensor:
        net = self.G.preview if preview and self.preview_size else self.G
        return self.forward(net, z, self._labels(class_id, z.shape[0]))

    @torch.inference_mode()
    def generate(self, z: torch.Tensor, class_id=None, preview: bool = False) -> list[Image.Image]:
        """Pictures of the latents z; preview=True: the small head's (where the model has one)."""
        return to_pil(self._run(z.reshape(-1, self.cfg.z_dim), class_id, preview))

    def __call__(self, seed: int = 0, class_id=None, truncation: float = 1.0,
                 shifts: Sequence[float] = (), generator: torch.Generator | None = None,
                 preview: bool = False) -> Image.Image:
        return self.generate(self.latent(seed, truncation, shifts, generator), class_id, preview)[0]

    @torch.inference_mode()
    def grid(self, seed: int = 0, class_id=None, truncation: float = 1.0, shifts=(), n: int = 16,
             nrow: int = 4) -> Image.Image:
        """n samples from consecutive seeds, all with the same class and slider offsets (previews,
        where the model has a preview head)."""
        z = torch.stack([self.latent(seed + i, truncation, shifts) for i in range(n)])
        return make_grid(self._run(z, class_id, preview=True), nrow=nrow)

    @torch.inference_mode()
    def interpolate(self, seed_a: int, seed_b: int, frames: int = 24, class_id=None,
                    truncation: float = 1.0, shifts=()) -> list[Image.Image]:
        """Spherical interpolation (z is Gaussian, so slerp keeps its norm typical)."""
        if not 2 <= frames <= 120:
            raise InputError("frames must be between 2 and 120")
        a, b = self.latent(seed_a, truncation, shifts), self.latent(seed_b, truncation, shifts)
        omega = torch.arccos(torch.clamp(torch.dot(a / a.norm(), b / b.norm()), -1, 1))
        ts = torch.linspace(0, 1, frames)
        if omega.abs() < 1e-4:
            z = torch.stack([(1 - t) * a + t * b for t in ts])
        else:
            z = torch.stack([(torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
                             for t in ts])
        return self.generate(z, class_id, preview=True)

    def find(self, image, class_id=None, steps: int = FIND_STEPS, candidates: int = FIND_CANDIDATES,
             progress=None) -> "Found":
        """GAN inversion: the picture of this model closest to `image` (its centre square, resized to
        the model's size). The closest of `candidates` random latents is refined by Adam on the pixel
        distance (at full and at a quarter resolution) in two halves: first z itself, with a penalty
        that keeps |z|² typical; then, where the generator has a linear first layer (DCGAN: `first`
        / `rest`), an offset to that layer's output, which comes much closer (on a photo of a face,
        24.2 dB PSNR against 18.3 with z alone) while a slider still moves the face by W·d as it
        moves a sampled one. progress(done, steps). Returns a Found (see picture())."""
        if not 2 <= int(steps) <= 2000:
            raise InputError("steps must be between 2 and 2000")
        if self.cfg.img_size > FIND_MAX_PX:
            raise InputError(f"Finding a picture works with models of up to {FIND_MAX_PX} px (the faces); this one "
                             f"makes {self.cfg.img_size}-px pictures, too slow to search on this machine.")
        steps = int(steps)
        target = self._target(image)
        y = self._labels(class_id, 1)
        split = hasattr(self.G, "first") and hasattr(self.G, "rest")

        def distance(x):
            t = target.expand_as(x)
            return (F.mse_loss(x, t, reduction="none").mean((1, 2, 3))
                    + F.mse_loss(F.avg_pool2d(x, 4), F.avg_pool2d(t, 4), reduction="none").mean((1, 2, 3)))

        with torch.no_grad():
            z0 = seeded_normal(0, candidates, self.cfg.z_dim)
            best = distance(self.G(z0, None if y is None else y.expand(candidates))).argmin()
        z = z0[best:best + 1].clone().requires_grad_(True)
        z_steps = steps // 2 if split else steps
        opt = torch.optim.Adam([z], lr=0.05)
        for i in range(z_steps):
            loss = distance(self.G(z, y)).mean() + 0.01 * (z.pow(2).mean() - 1).pow(2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if progress:
                progress(i + 1, steps)
        z = z.detach()
        offset = None
        if split:
            with torch.no_grad():
                h0 = self.G.first(z, y)
            delta = torch.zeros_like(h0, requires_grad=True)
            opt = torch.optim.Adam([delta], lr=0.02)
            for i in range(z_steps, steps):
                loss = distance(self.G.rest(h0 + delta)).mean() + 0.01 * delta.pow(2).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if progress:
                    progress(i + 1, steps)
            offset = delta.detach()[0]
        found = Found(z[0], offset, class_id)
        x = self._found_picture(found, found.z)
        mse = float(F.mse_loss((x + 1) / 2, (target + 1) / 2))
        found.psnr = 10 * float(np.log10(1.0 / max(mse, 1e-10)))
        return found

    def picture(self, found: "Found", shifts: Sequence[float] = ()) -> Image.Image:
        """A found picture moved along the sliders' directions (shifts as for latent())."""
        return to_pil(self._found_picture(found, self._shifted(found.z, shifts)))[0]

    def _found_picture(self, found: "Found", z: torch.Tensor) -> torch.Tensor:
        """The picture of z with the found first-layer offset (1×C×S×S in [-1, 1])."""
        y = self._labels(found.class_id, 1)

        def net(zz):
            return self.G(zz, y) if found.offset is None else self.G.rest(self.G.first(zz, y) + found.offset[None])
        return self.forward(net, z[None])

    def _target(self, image) -> torch.Tensor:
        """A picture → 1×C×S×S in [-1, 1]: its centre square resized to the model's size (Lanczos)."""
        img = open_image(image)
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((self.cfg.img_size,) * 2, Image.Resampling.LANCZOS)
        a = np.asarray(img.convert("L"))[..., None] if self.cfg.channels == 1 else np.asarray(img)
        return to_tensor(a[None].copy()).contiguous()

    def interpolation_gif(self, path, seed_a: int, seed_b: int, frames: int = 24, scale: int = 2,
                          duration_ms: int = 80, **kw) -> Path:
        """An animated GIF that goes a → b → a (a loop), upscaled `scale`× with nearest pixels."""
        imgs = self.interpolate(seed_a, seed_b, frames, **kw)
        imgs = imgs + imgs[-2:0:-1]
        size = (imgs[0].width * scale, imgs[0].height * scale)
        imgs = [im.convert("RGB").resize(size, Image.NEAREST) for im in imgs]
        path = Path(path)
        imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=duration_ms, loop=0)
        return path
