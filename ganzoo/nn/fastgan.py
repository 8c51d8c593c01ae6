"""A small-data latent GAN in the spirit of FastGAN (Liu et al., ICLR 2021), at 64 or 128 px.

What makes FastGAN train on a thousand images in hours, kept here at a CPU-friendly width:
- upsampling blocks of nearest ×2, a 3×3 convolution, BatchNorm and a gated linear unit (GLU);
- skip-layer excitation (SLE): the 4×4 and 8×8 features gate the channels of the two finest
  feature maps, so coarse layout steers fine detail over a long path;
- a discriminator that must also *reconstruct* what it sees (the whole picture at low resolution
  and a random quarter of it) from its own features: a self-supervised task that keeps it from
  memorising the few training images, which DiffAugment helps with too (ganzoo.data.diff_augment).

The generator's first layer is a transposed convolution of z (plus a class embedding when
conditional), so SeFa factorises it like the DCGAN generator's (`latent_weight`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout * 2, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(cout * 2), nn.GLU(dim=1))


class NoiseInjection(nn.Module):
    """Adds per-pixel Gaussian noise scaled by a learnt weight (zero at first): fine detail that does
    not have to be carried through the latent code. Fresh noise while training; in eval mode one
    fixed noise map (StyleGAN's "const" noise mode), so a seed always gives the same picture."""

    def __init__(self, size: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.register_buffer("const", torch.randn(1, 1, size, size, generator=torch.Generator().manual_seed(size)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        noise = (torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype) if self.training
                 else self.const.to(x.dtype))
        return x + self.weight * noise


def _up_comp(cin: int, cout: int, size: int) -> nn.Sequential:
    """The reference's heavier block for coarse resolutions (cheap there): two convolutions, each
    with noise injection, BatchNorm and GLU; `size` = the output side."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                         nn.Conv2d(cin, cout * 2, 3, 1, 1, bias=False), NoiseInjection(size), nn.BatchNorm2d(cout * 2),
                         nn.GLU(dim=1),
                         nn.Conv2d(cout, cout * 2, 3, 1, 1, bias=False), NoiseInjection(size), nn.BatchNorm2d(cout * 2),
                         nn.GLU(dim=1))


class SLE(nn.Module):
    """Skip-layer excitation: channel gates for a large feature map from a small one."""

    def __init__(self, small: int, big: int):
        super().__init__()
        self.net = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Conv2d(small, big, 4, 1, 0, bias=False), nn.SiLU(),
                                 nn.Conv2d(big, big, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        return big * self.net(small)


SIZES = (64, 128)


def widths(base: int) -> dict[int, int]:
    """Channels per resolution (4 … 128 px)."""
    return {4: base * 16, 8: base * 8, 16: base * 4, 32: base * 2, 64: base, 128: max(base // 2, 8)}


class FastGenerator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        if cfg.img_size not in SIZES:
            raise ValueError(f"the FastGAN generator makes pictures of {SIZES} px")
        self.cfg = cfg
        ch = widths(cfg.ngf)
        self.res = [2 ** k for k in range(3, cfg.img_size.bit_length())]        # 8 … img_size
        self.embed = nn.Embedding(cfg.num_classes, cfg.embed_dim) if cfg.num_classes else None
        self.init = nn.Sequential(nn.ConvTranspose2d(cfg.z_dim + cfg.embed_dim, ch[4] * 2, 4, 1, 0, bias=False),
                                  nn.BatchNorm2d(ch[4] * 2), nn.GLU(dim=1))
        # heavy blocks at 8 and 32 px as in the reference (16 and the fine ones stay light: CPU cost)
        self.up = nn.ModuleDict({str(r): _up_comp(ch[r // 2], ch[r], r) if r in (8, 32) else _up(ch[r // 2], ch[r])
                                 for r in self.res})
        self.sle_half, self.sle_full = SLE(ch[4], ch[cfg.img_size // 2]), SLE(ch[8], ch[cfg.img_size])
        self.to_img = nn.Conv2d(ch[cfg.img_size], cfg.channels, 3, 1, 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if y is None:
                raise ValueError("this generator is class-conditional: pass labels y")
            z = torch.cat([z, self.embed(y)], dim=1)
        feats = {4: self.init(z[:, :, None, None])}
        for r in self.res:
            h = self.up[str(r)](feats[r // 2])
            if r == self.cfg.img_size // 2:
                h = self.sle_half(feats[4], h)
            elif r == self.cfg.img_size:
                h = self.sle_full(feats[8], h)
            feats[r] = h
        return torch.tanh(self.to_img(feats[self.cfg.img_size]))

    def latent_weight(self) -> torch.Tensor:
        """The first layer's weight restricted to z (out features × z_dim), for SeFa."""
        w = self.init[0].weight[: self.cfg.z_dim]           # z_dim × C × 4 × 4
        return w.flatten(1).T.detach()


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1, bias=False)), nn.BatchNorm2d(cout),
                         nn.LeakyReLU(0.2, True))


class _Decoder(nn.Sequential):
    """8×8 features → a 32×32 picture (the discriminator's reconstruction task)."""

    def __init__(self, cin: int, channels: int):
        mid = max(cin // 4, 16)
        super().__init__(_up(cin, mid), _up(mid, mid), nn.Conv2d(mid, channels, 3, 1, 1), nn.Tanh())


class FastDiscriminator(nn.Module):
    """Hinge-loss patch logits (5×5 per image, with a class projection when conditional) and, for
    real pictures, two reconstructions: forward(x, y, reconstruct=True) → (logits, [(made, target), ...])."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        ch = widths(cfg.ndf)
        first = cfg.img_size // 2
        self.stem = nn.Sequential(spectral_norm(nn.Conv2d(cfg.channels, ch[first], 4, 2, 1, bias=False)),
                                  nn.LeakyReLU(0.2, True))
        self.downs = nn.Sequential(*[_down(ch[r], ch[r // 2]) for r in range(first, 16, -1) if r & (r - 1) == 0])
        self.d8 = _down(ch[16], ch[8])
        self.head = spectral_norm(nn.Conv2d(ch[8], 1, 4, 1, 0))                             # 8 → 5
        self.embed = spectral_norm(nn.Embedding(cfg.num_classes, ch[8])) if cfg.num_classes else None
        self.dec_whole, self.dec_part = _Decoder(ch[8], cfg.channels), _Decoder(ch[16] , cfg.channels)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, reconstruct: bool = False, part: int = 0):
        f16 = self.downs(self.stem(x))
        f8 = self.d8(f16)
        out = self.head(f8).flatten(1)
        if self.embed is not None:
            if y is None:
                raise ValueError("this discriminator is class-conditional: pass labels y")
            out = out + (self.embed(y) * f8.mean((2, 3))).sum(1, keepdim=True)
        if not reconstruct:
            return out
        # the whole picture at 32 px from the 8×8 features; one quarter (`part`) at 32 px from its
        # 8×8 corner of the 16×16 features
        qy, qx = divmod(part, 2)
        quarter = x[..., qy * x.shape[-2] // 2:(qy + 1) * x.shape[-2] // 2, qx * x.shape[-1] // 2:(qx + 1) * x.shape[-1] // 2]
        recs = [(self.dec_whole(f8), F.interpolate(x, size=32, mode="area")),
                (self.dec_part(f16[..., qy * 8:(qy + 1) * 8, qx * 8:(qx + 1) * 8]), F.interpolate(quarter, size=32, mode="area"))]
        return out, recs
