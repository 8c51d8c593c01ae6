"""Super-resolution generators: the two architectures of Real-ESRGAN, from `spandrel`.

- "rrdb": ESRGAN's RRDBNet (Wang et al. 2018; 23 residual-in-residual dense blocks in
  Real-ESRGAN x4plus and RealSR, 6 in x4plus-anime): slow, the best detail.
- "compact": SRVGGNetCompact (Real-ESRGAN's realesr-general / animevideo models): a plain conv
  stack at the input resolution, one pixel shuffle and the nearest-upsampled input added back;
  fast enough to answer at once.

Both take RGB in [0, 1] at any size and give `scale` × that size, in [0, 1] (unclamped). The
networks are spandrel's (MIT), so released basicsr weight files load into them; ganzoo stores
their state dicts as they are (spandrel's key layout). The discriminator (training only) is
Real-ESRGAN's U-Net discriminator with spectral norm (`UNetDiscriminator`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from spandrel.architectures.Compact import Compact as SRVGGNetCompact
from spandrel.architectures.ESRGAN import ESRGAN as RRDBNet
from torch import nn
from torch.nn.utils import spectral_norm

ARCHS = ("compact", "rrdb")


@dataclass
class SRConfig:
    arch: str = "compact"
    scale: int = 4             # the network's own factor; a pipeline makes smaller ones by resizing its output
    in_channels: int = 3
    num_feat: int = 64
    num_conv: int = 16         # compact: 3×3 convs in the body
    num_blocks: int = 23       # rrdb: residual-in-residual dense blocks
    act: str = "prelu"         # compact's activation: prelu | relu | leakyrelu
    img_size: int = 64         # training crop side at the low resolution (the output is scale × it)
    ndf: int = 64              # discriminator width (not shipped; part of the training state)

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, not {self.arch!r}")
        if self.scale not in (1, 2, 3, 4, 8):
            raise ValueError(f"scale must be 1, 2, 3, 4 or 8, not {self.scale}")
        if self.arch == "rrdb" and self.scale == 1:
            raise ValueError("an rrdb network upscales by 2, 3, 4 or 8")

    def to_dict(self) -> dict:
        return asdict(self)


def sr_generator(cfg: SRConfig) -> nn.Module:
    if cfg.arch == "compact":
        return SRVGGNetCompact(num_in_ch=cfg.in_channels, num_out_ch=cfg.in_channels, num_feat=cfg.num_feat,
                               num_conv=cfg.num_conv, upscale=cfg.scale, act_type=cfg.act)
    return RRDBNet(in_nc=cfg.in_channels, out_nc=cfg.in_channels, num_filters=cfg.num_feat, num_blocks=cfg.num_blocks,
                   scale=cfg.scale)


class UNetDiscriminator(nn.Module):
    """Real-ESRGAN's discriminator (Wang et al. 2021): a U-Net with spectral norm that scores every
    pixel, so it judges local texture at the output resolution and the layout of the whole crop."""

    def __init__(self, in_channels: int = 3, ndf: int = 64):
        super().__init__()
        sn = spectral_norm
        self.conv0 = nn.Conv2d(in_channels, ndf, 3, 1, 1)
        self.conv1 = sn(nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False))
        self.conv2 = sn(nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False))
        self.conv3 = sn(nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False))
        self.conv4 = sn(nn.Conv2d(ndf * 8, ndf * 4, 3, 1, 1, bias=False))
        self.conv5 = sn(nn.Conv2d(ndf * 4, ndf * 2, 3, 1, 1, bias=False))
        self.conv6 = sn(nn.Conv2d(ndf * 2, ndf, 3, 1, 1, bias=False))
        self.conv7 = sn(nn.Conv2d(ndf, ndf, 3, 1, 1, bias=False))
        self.conv8 = sn(nn.Conv2d(ndf, ndf, 3, 1, 1, bias=False))
        self.conv9 = nn.Conv2d(ndf, 1, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731 - one name for the one activation
        up = lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False)  # noqa: E731
        x0 = act(self.conv0(x))
        x1 = act(self.conv1(x0))
        x2 = act(self.conv2(x1))
        x3 = act(self.conv3(x2))
        x4 = act(self.conv4(up(x3))) + x2
        x5 = act(self.conv5(up(x4))) + x1
        x6 = act(self.conv6(up(x5))) + x0
        return self.conv9(act(self.conv8(act(self.conv7(x6)))))
