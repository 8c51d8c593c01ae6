"""Latent sampling pipeline: seed / class / truncation / SeFa sliders → PIL image (or grid, GIF)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from PIL import Image

from .. import hub
from ..errors import InputError
from .base import Pipeline
from ..directions import sefa
from ..utils import make_grid, seeded_normal, to_pil

MAX_SEED = 2**31 - 1


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
        z = z * float(truncation)
        shifts = [float(s) for s in shifts][: len(self.directions)]
        for a, d in zip(shifts, self.directions):
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

    def _run(self, z: torch.Tensor, class_id) -> torch.Tensor:
        return self.forward(self.G, z, self._labels(class_id, z.shape[0]))

    @torch.inference_mode()
    def generate(self, z: torch.Tensor, class_id=None) -> list[Image.Image]:
        return to_pil(self._run(z.reshape(-1, self.cfg.z_dim), class_id))

    def __call__(self, seed: int = 0, class_id=None, truncation: float = 1.0,
                 shifts: Sequence[float] = (), generator: torch.Generator | None = None) -> Image.Image:
        return self.generate(self.latent(seed, truncation, shifts, generator), class_id)[0]

    @torch.inference_mode()
    def grid(self, seed: int = 0, class_id=None, truncation: float = 1.0, shifts=(), n: int = 16,
             nrow: int = 4) -> Image.Image:
        """n samples from consecutive seeds, all with the same class and slider offsets."""
        z = torch.stack([self.latent(seed + i, truncation, shifts) for i in range(n)])
        return make_grid(self._run(z, class_id), nrow=nrow)

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
        return self.generate(z, class_id)

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
