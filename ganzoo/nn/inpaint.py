"""A free-form inpainter in the spirit of DeepFill v2 (Yu et al. 2019): gated convolutions, an
encoder → dilated middle → decoder per stage, one stage or coarse-to-fine (a second stage refines
the first stage's filled picture), and the SN-PatchGAN discriminator.

Gated convolution: a convolution whose output is split into features and a gate,
act(features) · sigmoid(gate); the network learns per pixel and channel how much of a feature
to let through, which is what a hole needs (pixels inside it carry no information at first,
and the gate learns to say so), where a plain convolution treats holes and valid pixels alike.

The generator sees the picture with the hole blanked (0, mid-grey), a channel of ones (so the
zero padding at the border is distinguishable from a hole) and the mask (1 = hole).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

SIZES = (64, 128, 256)


@dataclass
class InpaintConfig:
    img_size: int = 128
    channels: int = 3
    cnum: int = 32          # channels of the first layer (DeepFill v2: 48)
    stages: int = 2         # 1: single stage; 2: coarse-to-fine
    ndf: int = 64           # SN-PatchGAN width (training only)

    def __post_init__(self):
        if self.img_size not in SIZES:
            raise ValueError(f"img_size must be one of {SIZES}, not {self.img_size}")
        if self.stages not in (1, 2):
            raise ValueError("stages must be 1 (single stage) or 2 (coarse-to-fine)")

    def to_dict(self) -> dict:
        return asdict(self)


class GatedConv2d(nn.Module):
    """act(conv_f(x)) · sigmoid(conv_g(x)), both halves from one convolution."""

    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, dilation: int = 1,
                 act: nn.Module | None = None):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride, dilation * (k - 1) // 2, dilation)
        self.act = act if act is not None else nn.ELU()  # not in place: f is a view of the split
        self.reset_parameters()

    def reset_parameters(self):
        # with PyTorch's default conv init, a gate of about ½ at every layer shrinks the signal ~10×
        # by the middle of a 17-layer generator (std 0.15 → 0.012), leaving the output a constant
        # set by the biases. He init of the feature half with twice the gain (the gate halves it)
        # keeps the std near 0.7 through every layer; the gate half starts near ½ everywhere.
        w = self.conv.weight
        c, fan_in = w.shape[0] // 2, w[0].numel()
        with torch.no_grad():
            w[:c].normal_(0, 2 * math.sqrt(2 / fan_in))
            w[c:].normal_(0, math.sqrt(1 / fan_in))
            self.conv.bias.zero_()

    def forward(self, x):
        f, g = self.conv(x).chunk(2, 1)
        return self.act(f) * torch.sigmoid(g)


class GatedUp(nn.Module):
    """Nearest ×2 upsampling, then a gated convolution (no transposed-conv checkerboards)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = GatedConv2d(cin, cout)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


def _dilations(img_size: int) -> tuple[int, ...]:
    # the middle works at 1/4 size; dilations grow until they span about half of it
    return tuple(d for d in (2, 4, 8, 16) if d <= img_size // 8)


class Stage(nn.Module):
    def __init__(self, cin: int, cout: int, c: int, img_size: int):
        super().__init__()
        layers = [GatedConv2d(cin, c, 5), GatedConv2d(c, 2 * c, 3, 2), GatedConv2d(2 * c, 2 * c),
                  GatedConv2d(2 * c, 4 * c, 3, 2), GatedConv2d(4 * c, 4 * c), GatedConv2d(4 * c, 4 * c)]
        layers += [GatedConv2d(4 * c, 4 * c, 3, dilation=d) for d in _dilations(img_size)]
        layers += [GatedConv2d(4 * c, 4 * c), GatedConv2d(4 * c, 4 * c),
                   GatedUp(4 * c, 2 * c), GatedConv2d(2 * c, 2 * c),
                   GatedUp(2 * c, c), GatedConv2d(c, c // 2),
                   nn.Conv2d(c // 2, cout, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class InpaintGenerator(nn.Module):
    """forward(image, mask) → the filled picture (the last stage's raw output; the composite with
    the known pixels is the caller's: `composite`). all_stages=True gives every stage's output
    (for the training loss)."""

    def __init__(self, cfg: InpaintConfig):
        super().__init__()
        self.cfg = cfg
        c_in = cfg.channels + 2
        self.stages = nn.ModuleList([Stage(c_in, cfg.channels, cfg.cnum, cfg.img_size) for _ in range(cfg.stages)])

    def stage_outputs(self, image: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        ones = torch.ones_like(mask)
        x, outs = image * (1 - mask), []
        for stage in self.stages:
            y = stage(torch.cat([x, ones, mask], 1))
            outs.append(y)
            x = composite(y, image, mask)  # the next stage starts from this stage's filled picture
        return outs

    def forward(self, image: torch.Tensor, mask: torch.Tensor, all_stages: bool = False):
        outs = self.stage_outputs(image, mask)
        return outs if all_stages else outs[-1]


def composite(filled: torch.Tensor, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The generator's pixels inside the hole, the known pixels everywhere else (exactly)."""
    return torch.where(mask > 0.5, filled, image)


def show_hole(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The picture with its hole painted magenta (the brush colour of the app), for figures: a
    white hole would vanish on the white background of an emoji."""
    if x.shape[1] == 1:
        return torch.where(mask > 0.5, torch.ones_like(x), x)
    magenta = torch.tensor([1.0, -1.0, 1.0], device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
    return torch.where(mask > 0.5, magenta.expand_as(x), x)


class SNPatchDiscriminator(nn.Module):
    """SN-PatchGAN: 5×5 stride-2 spectral-norm convolutions on (image, mask) down to 4×4; every
    output element is a GAN score for its patch (hinge loss on all of them)."""

    def __init__(self, channels: int = 3, ndf: int = 64, img_size: int = 128):
        super().__init__()
        n = max(1, img_size.bit_length() - 1 - 2)  # 256 → 6 layers, 128 → 5, 64 → 4: 4×4 out
        layers, cin = [], channels + 1
        for i in range(n):
            cout = ndf * min(2 ** i, 4)
            layers += [spectral_norm(nn.Conv2d(cin, cout, 5, 2, 2)), nn.LeakyReLU(0.2, inplace=True)]
            cin = cout
        self.net = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([image, mask], 1)).flatten(1)
