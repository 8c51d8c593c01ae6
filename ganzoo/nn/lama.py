"""LaMa (Suvorov et al., Resolution-robust Large Mask Inpainting with Fourier Convolutions, WACV
2022) as a ganzoo inpainter: spandrel's copy of the network (`spandrel.architectures.LaMa`, MIT;
big-lama's FFCResNetGenerator: 4 → 3 channels, 64 features, 3 downsamplings, 18 fast-Fourier
residual blocks, 51 M parameters), and the switch between it and ganzoo's own gated inpainter.

The network takes a picture in [0, 1] and its mask (N×1×H×W, 1 = hole), both with sides a
multiple of 8, and returns the picture with the hole filled (the known pixels put back exactly).
It runs in fp32 only: its Fourier units are not defined in bf16 on the CPU and spandrel says its
weights do not take fp16.

`arch` picks the network of an inpainting checkpoint: "gated" (ganzoo.nn.inpaint, what ganzoo
trains) or "lama" (a converted big-lama). It lives on a subclass of InpaintConfig here, with the
same fields and the same defaults, so every existing config reads as "gated".
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from spandrel.architectures.LaMa import LaMa

from .inpaint import InpaintConfig, InpaintGenerator

ARCHS = ("gated", "lama")
MULTIPLE = 8          # the sides LaMa takes: three stride-2 downsamplings
MIN_SIDE = 16         # spandrel's size requirement


@dataclass
class InpaintArchConfig(InpaintConfig):
    arch: str = "gated"     # gated: ganzoo's DeepFill-style network | lama: big-lama (spandrel)

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, not {self.arch!r}")
        super().__post_init__()


def lama() -> LaMa:
    """big-lama's network, untrained: spandrel's LaMa (keys model.model.N.…)."""
    return LaMa(in_nc=4, out_nc=3)


def inpaint_generator(cfg: InpaintConfig) -> torch.nn.Module:
    """The inpainting generator a config names: LaMa for arch "lama", else ganzoo's gated network."""
    return lama() if getattr(cfg, "arch", "gated") == "lama" else InpaintGenerator(cfg)


# how published LaMa weights name the generator's keys → spandrel's LaMa ("model.model.N.…"):
# LaMa's own training checkpoints and the Hub's big-lama.safetensors say "generator.model.N.…",
# the FFCResNetGenerator alone "model.N.…", a DataParallel copy adds "module."
PREFIXES = ("generator.", "module.")


def lama_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A published LaMa generator's state dict with its keys in spandrel's layout (nothing else is
    changed: unknown keys stay unknown, for the strict load to refuse)."""
    out = {}
    for k, v in state_dict.items():
        while k.startswith(PREFIXES):
            k = k.split(".", 1)[1]
        if k.startswith("model.") and not k.startswith("model.model."):
            k = "model." + k
        out[k] = v
    return out
