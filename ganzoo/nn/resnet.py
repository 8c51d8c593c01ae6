"""CycleGAN ResNet generator with the module layout of the widely used reference implementation
(Zhu et al. 2017; junyanz/pytorch-CycleGAN-and-pix2pix `ResnetGenerator`): reflection padding,
two stride-2 downsamplings, n residual blocks, two transposed-conv upsamplings. Keeping the
`model.N` / `conv_block.N` indices lets the released generators (horse2zebra, style_monet, …)
load with a strict state dict.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import nn

from .unet import NORMS, norm_layer

SIZES = (64, 128, 256, 512)   # the size it was trained at (the pipeline's default long side)


@dataclass
class CycleGANConfig:
    img_size: int = 128
    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64
    n_blocks: int = 9              # resnet_9blocks (reference default at 256 px); 6 at 128 px
    norm: str = "instance"
    use_dropout: bool = False
    ndf: int = 64                  # discriminators (not shipped)
    n_layers: int = 3
    # which generators the checkpoint holds: both for a ganzoo CycleGAN, one for a released file
    directions: tuple[str, ...] = ("a2b", "b2a")

    def __post_init__(self):
        if self.img_size not in SIZES:
            raise ValueError(f"img_size must be one of {SIZES}, got {self.img_size}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.n_blocks < 1:
            raise ValueError("n_blocks must be at least 1")
        self.directions = tuple(self.directions)
        if not self.directions or not set(self.directions) <= {"a2b", "b2a"}:
            raise ValueError("directions must be a non-empty subset of ('a2b', 'b2a')")

    def to_dict(self) -> dict:
        return asdict(self)


class ResnetBlock(nn.Module):
    def __init__(self, dim: int, norm: str, use_dropout: bool, use_bias: bool):
        super().__init__()
        block = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm_layer(norm, dim), nn.ReLU(True)]
        if use_dropout:
            block.append(nn.Dropout(0.5))
        block += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm_layer(norm, dim)]
        self.conv_block = nn.Sequential(*block)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc: int, output_nc: int, ngf: int = 64, norm: str = "instance",
                 use_dropout: bool = False, n_blocks: int = 9):
        super().__init__()
        use_bias = norm != "batch"   # the reference: a bias where the norm does not shift
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=use_bias), norm_layer(norm, ngf), nn.ReLU(True)]
        for i in range(2):
            m = 2 ** i
            model += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=use_bias),
                      norm_layer(norm, ngf * m * 2), nn.ReLU(True)]
        model += [ResnetBlock(ngf * 4, norm, use_dropout, use_bias) for _ in range(n_blocks)]
        for i in range(2):
            m = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1, bias=use_bias),
                      norm_layer(norm, ngf * m // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


def resnet_from_config(cfg: CycleGANConfig) -> ResnetGenerator:
    return ResnetGenerator(cfg.in_channels, cfg.out_channels, cfg.ngf, cfg.norm, cfg.use_dropout, cfg.n_blocks)


class GeneratorPair(nn.Module):
    """The generators of a CycleGAN in one checkpoint: `a2b` and/or `b2a` (cfg.directions; the
    domain names live in the checkpoint config). A released reference file holds one of them."""

    def __init__(self, cfg: CycleGANConfig, a2b: nn.Module | None = None):
        super().__init__()
        if "a2b" in cfg.directions:
            self.a2b = a2b if a2b is not None else resnet_from_config(cfg)
        if "b2a" in cfg.directions:
            self.b2a = resnet_from_config(CycleGANConfig(**{**asdict(cfg), "in_channels": cfg.out_channels,
                                                            "out_channels": cfg.in_channels}))

    def forward(self, x, direction: str = "a2b"):
        if not hasattr(self, direction):
            raise ValueError(f"this model has no {direction} generator")
        return getattr(self, direction)(x)
