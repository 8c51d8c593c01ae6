"""DCGAN-style generator and discriminator for the latent GAN family (28/32/64/128 px).

Class conditioning follows the two standard recipes: the label is embedded and concatenated to
z in G (so the first layer stays a plain linear map of z, which SeFa factorises), and D uses a
projection head (Miyato & Koyama 2018).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .fastgan import FastDiscriminator, FastGenerator
from .fastgan_hub import HubFastGenerator

SIZES = (28, 32, 64, 128)
NORMS = ("bn", "sn", "ln", "none")
ARCHS = ("dcgan", "fastgan", "fastgan-hub")


@dataclass
class LatentGANConfig:
    img_size: int = 64
    channels: int = 3
    z_dim: int = 128
    ngf: int = 64
    ndf: int = 64
    num_classes: int = 0          # 0 = unconditional
    class_names: list[str] | None = None
    g_spectral_norm: bool = False
    d_norm: str = "bn"            # bn | sn (SNGAN) | ln (WGAN-GP: no batch coupling) | none
    max_mult: int = 8             # channel cap: ngf * max_mult
    arch: str = "dcgan"           # dcgan | fastgan (ganzoo.nn.fastgan: 64/128 px, for few training pictures)
    #                               | fastgan-hub (ganzoo.nn.fastgan_hub: the HugGAN models' 1024-px layout)

    def __post_init__(self):
        if self.arch == "fastgan-hub":
            if (self.img_size, self.z_dim, self.channels, self.num_classes) != (1024, 256, 3, 0):
                raise ValueError("the fastgan-hub layout is unconditional, z 256 → 1024-px RGB")
        elif self.img_size not in SIZES:
            raise ValueError(f"img_size must be one of {SIZES}, got {self.img_size}")
        if self.d_norm not in NORMS:
            raise ValueError(f"d_norm must be one of {NORMS}, got {self.d_norm!r}")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ValueError("class_names must have num_classes entries")
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, got {self.arch!r}")
        if self.arch == "fastgan" and self.img_size not in (64, 128):
            raise ValueError("the fastgan architecture makes 64- or 128-px pictures (--size 64 or 128)")

    @property
    def start_res(self) -> int:
        return 7 if self.img_size == 28 else 4

    @property
    def n_up(self) -> int:
        return int(round(math.log2(self.img_size / self.start_res)))

    @property
    def embed_dim(self) -> int:
        return min(self.z_dim, 64) if self.num_classes else 0

    def to_dict(self) -> dict:
        return asdict(self)


def _chans(base: int, n: int, cap: int) -> list[int]:
    """Channel widths from the lowest resolution to the highest: base*cap ... base."""
    return [base * min(2 ** (n - i), cap) for i in range(n + 1)]


class Generator(nn.Module):
    def __init__(self, cfg: LatentGANConfig):
        super().__init__()
        self.cfg = cfg
        sn = spectral_norm if cfg.g_spectral_norm else (lambda m: m)
        # DCGAN layout: the last transposed conv goes straight to pixels, so no layer runs
        # at full resolution with ngf channels (half the FLOPs of a full-res conv head).
        ch = _chans(cfg.ngf, cfg.n_up - 1, cfg.max_mult)
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim) if cfg.num_classes else None
        s = cfg.start_res
        self.fc = sn(nn.Linear(cfg.z_dim + cfg.embed_dim, ch[0] * s * s))
        self.fc_norm = nn.BatchNorm2d(ch[0])
        blocks = []
        for cin, cout in zip(ch[:-1], ch[1:]):
            blocks += [sn(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False)), nn.BatchNorm2d(cout), nn.ReLU(True)]
        self.blocks = nn.Sequential(*blocks)
        self.to_img = sn(nn.ConvTranspose2d(ch[-1], cfg.channels, 4, 2, 1))

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.rest(self.first(z, y))

    def first(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The first layer's output (N × features), a linear map of z: what GAN inversion may
        offset to come closer to a picture than any z does, while a SeFa edit still moves it by W·d."""
        if self.embed is not None:
            if y is None:
                raise ValueError("this generator is class-conditional: pass labels y")
            z = torch.cat([z, self.embed(y)], dim=1)
        return self.fc(z)

    def rest(self, h: torch.Tensor) -> torch.Tensor:
        """The layers after first(): features → picture in [-1, 1]."""
        s = self.cfg.start_res
        h = torch.relu(self.fc_norm(h.view(h.shape[0], -1, s, s)))
        return torch.tanh(self.to_img(self.blocks(h)))

    def latent_weight(self) -> torch.Tensor:
        """The first layer's weight restricted to z (out_features × z_dim), for SeFa."""
        fc = self.fc
        w = fc.parametrizations.weight.original if hasattr(fc, "parametrizations") else fc.weight
        return w[:, : self.cfg.z_dim].detach()


def _dnorm(kind: str, ch: int) -> nn.Module:
    if kind == "bn":
        return nn.BatchNorm2d(ch)
    if kind == "ln":
        return nn.GroupNorm(1, ch)
    return nn.Identity()


class Discriminator(nn.Module):
    def __init__(self, cfg: LatentGANConfig):
        super().__init__()
        self.cfg = cfg
        sn = spectral_norm if cfg.d_norm == "sn" else (lambda m: m)
        ch = list(reversed(_chans(cfg.ndf, cfg.n_up - 1, cfg.max_mult)))  # ndf ... ndf*cap
        layers = [sn(nn.Conv2d(cfg.channels, ch[0], 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        for cin, cout in zip(ch[:-1], ch[1:]):
            layers += [sn(nn.Conv2d(cin, cout, 4, 2, 1, bias=cfg.d_norm != "bn")),
                       _dnorm(cfg.d_norm, cout), nn.LeakyReLU(0.2, True)]
        self.features = nn.Sequential(*layers)
        feat = ch[-1] * cfg.start_res ** 2
        self.head = sn(nn.Linear(feat, 1))
        self.embed = sn(nn.Embedding(cfg.num_classes, feat)) if cfg.num_classes else None

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x).flatten(1)
        out = self.head(h).squeeze(1)
        if self.embed is not None:
            if y is None:
                raise ValueError("this discriminator is class-conditional: pass labels y")
            out = out + (self.embed(y) * h).sum(1)
        return out


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: N(0, 0.02) convs/linears, N(1, 0.02) norm scales."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            w = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
            nn.init.normal_(w, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def latent_generator(cfg: LatentGANConfig) -> nn.Module:
    """The generator of a latent config's architecture (what a checkpoint rebuilds)."""
    if cfg.arch == "fastgan":
        return FastGenerator(cfg)
    if cfg.arch == "fastgan-hub":
        return HubFastGenerator(cfg)
    return Generator(cfg)


def latent_discriminator(cfg: LatentGANConfig) -> nn.Module:
    if cfg.arch == "fastgan-hub":
        raise ValueError("fastgan-hub models are converted from the HugGAN releases (ganzoo.latents), not trained here")
    if cfg.arch == "fastgan":
        return FastDiscriminator(cfg)
    return Discriminator(cfg)
