"""pix2pix U-Net generator with the module layout of the widely used reference implementation
(Isola et al. 2017; junyanz/pytorch-CycleGAN-and-pix2pix `UnetGenerator`), so that its released
`.pth` generators (facades_label2photo, edges2shoes, map2sat, …) load with a strict state dict.

The nesting `model.model.1.model.3…` is the reference's key layout; keep it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

SIZES = (64, 128, 256)
NORMS = ("batch", "instance", "instance_affine")   # instance_affine: with learnt scale and shift (vintagify)


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    if kind in ("instance", "instance_affine"):
        return nn.InstanceNorm2d(channels, affine=kind == "instance_affine", track_running_stats=False)
    raise ValueError(f"norm must be one of {NORMS}, got {kind!r}")


@dataclass
class Pix2PixConfig:
    img_size: int = 128
    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64
    num_downs: int | None = None   # None: log2(img_size), down to a 1×1 bottleneck (unet_256 → 8)
    norm: str = "batch"
    use_dropout: bool = True
    ndf: int = 64                  # discriminator (not shipped; part of the training state)
    n_layers: int = 3              # PatchGAN depth: 3 = the 70×70 receptive field
    # How BatchNorm runs at inference: "running" (eval mode, the usual) or "batch" (per-image
    # statistics — what the reference test script does with its released models unless --eval).
    bn_stats: str = "running"

    def __post_init__(self):
        if self.img_size not in SIZES:
            raise ValueError(f"img_size must be one of {SIZES}, got {self.img_size}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.num_downs is None:
            self.num_downs = int(math.log2(self.img_size))
        if self.num_downs < 5 or 2 ** self.num_downs > self.img_size:
            raise ValueError(f"num_downs must be in 5..{int(math.log2(self.img_size))} for {self.img_size} px")
        if self.bn_stats not in ("running", "batch"):
            raise ValueError("bn_stats must be 'running' or 'batch'")

    def to_dict(self) -> dict:
        return asdict(self)


class UnetSkipConnectionBlock(nn.Module):
    """One U-Net level: down → submodule → up, output concatenated with the input (skip).

    The reference's in-place LeakyReLU at the start of an inner block also rewrites the tensor that
    the skip connection carries, so the skip holds LeakyReLU(x); the released weights were trained
    that way, so we keep the in-place op to compute exactly the same function.
    """

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None, submodule=None,
                 outermost=False, innermost=False, norm="batch", use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = norm == "instance"
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu = nn.LeakyReLU(0.2, True)
        uprelu = nn.ReLU(True)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            model = [downconv, submodule, uprelu, upconv, nn.Tanh()]
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv, uprelu, upconv, norm_layer(norm, outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            model = [downrelu, downconv, norm_layer(norm, inner_nc), submodule,
                     uprelu, upconv, norm_layer(norm, outer_nc)]
            if use_dropout:
                model.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*model)

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, input_nc: int, output_nc: int, num_downs: int, ngf: int = 64,
                 norm: str = "batch", use_dropout: bool = False):
        super().__init__()
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(num_downs - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=use_dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm=norm)
        self.model = UnetSkipConnectionBlock(output_nc, ngf, input_nc=input_nc, submodule=block,
                                             outermost=True, norm=norm)

    def forward(self, x):
        return self.model(x)


def unet_from_config(cfg: Pix2PixConfig) -> UnetGenerator:
    return UnetGenerator(cfg.in_channels, cfg.out_channels, cfg.num_downs, cfg.ngf, cfg.norm, cfg.use_dropout)


def init_normal(net: nn.Module, gain: float = 0.02) -> None:
    """The reference's 'normal' init: conv weights N(0, 0.02), norm weights N(1, 0.02), biases 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
