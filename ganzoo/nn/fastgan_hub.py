"""The 1024-px FastGAN generator of the HugGAN sprint's `huggan/fastgan-few-shot-*` models, with
their parameter names, so their published state dicts load strictly.

Their layout (a re-implementation of Liu et al., ICLR 2021, published with each model as
models.py/layers.py; we never import those files): z (256) → a 4×4 transposed convolution, then
nearest ×2 upsampling blocks to 1024 px with the channel widths {4: 1024, 8: 512, 16: 256, 32: 128,
64: 128, 128: 64, 256: 32, 512: 16, 1024: 8}. Blocks to 8, 32, 128 and 512 px are the heavy kind
(two 3×3 convolutions, each followed by noise injection, BatchNorm and a GLU); the others have one
convolution. Skip-layer excitation gates the 64/128/256/512-px maps from the 4/8/16/32-px ones. Two
heads: a 3×3 convolution + tanh at 1024 px and a 1×1 one at 128 px (the 128-px picture their
discriminator also judged, so it is a real preview of the same sample).

Every convolution of theirs is spectrally normalised (`X._conv.weight_orig/_u/_v`). In eval mode
the normalised weight is weight_orig / σ with σ = uᵀ W v from the stored u and v, so `fold()` turns
their state dict into plain weights (`X._conv.weight`) exactly; ganzoo stores and runs that.

Their noise layers draw fresh noise on every call; here the noise is drawn from a fixed seed per
resolution, so one seed always gives the same picture (StyleGAN's "const" noise mode).
"""
from __future__ import annotations

import functools

import torch
from torch import nn

Z_DIM, IMG_SIZE, PREVIEW_SIZE = 256, 1024, 128
WIDTHS = {4: 1024, 8: 512, 16: 256, 32: 128, 64: 128, 128: 64, 256: 32, 512: 16, 1024: 8}
HEAVY = (8, 32, 128, 512)          # the two-convolution blocks
SLE = {64: 4, 128: 8, 256: 16, 512: 32}   # gated map → the map that gates it


class _Conv(nn.Module):
    """Their wrapper: the convolution sits at `._conv` (hence the key names)."""

    def __init__(self, cin: int, cout: int, k: int, transpose: bool = False):
        super().__init__()
        self._conv = (nn.ConvTranspose2d(cin, cout, k, 1, 0, bias=False) if transpose
                      else nn.Conv2d(cin, cout, k, 1, (k - 1) // 2 if k != 4 else 0, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv(x)


class _Noise(nn.Module):
    """x + weight · noise, the noise fixed per resolution (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self._weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self._weight * _fixed_noise(tuple(x.shape[2:]), x.device, x.dtype)


@functools.lru_cache(maxsize=16)
def _fixed_noise(size: tuple[int, ...], device, dtype) -> torch.Tensor:
    """The noise map of one resolution (seeded by its side), drawn once: a 1024-px picture needs
    four of them, the largest 512×512. Made outside inference mode, so that a cached map also serves
    a call that needs gradients."""
    with torch.inference_mode(False):
        return torch.randn(1, 1, *size, generator=torch.Generator().manual_seed(size[-1])).to(device, dtype)


class _Block(nn.Module):
    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self._layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._layers(x)


def _up(cin: int, cout: int, heavy: bool) -> _Block:
    layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest"), _Conv(cin, cout * 2, 3)]
    if heavy:
        layers += [_Noise(), nn.BatchNorm2d(cout * 2), nn.GLU(dim=1), _Conv(cout, cout * 2, 3), _Noise()]
    return _Block(layers + [nn.BatchNorm2d(cout * 2), nn.GLU(dim=1)])


class _SLE(_Block):
    def __init__(self, small: int, big: int):
        super().__init__([nn.AdaptiveAvgPool2d(4), _Conv(small, big, 4), nn.SiLU(), _Conv(big, big, 1), nn.Sigmoid()])

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:   # type: ignore[override]
        return big * self._layers(small)


class HubFastGenerator(nn.Module):
    """z (N × 256) → N × 3 × 1024 × 1024 in [-1, 1]; `preview(z)` → the 128-px head's picture, at
    about a fifth of the cost. forward(z, y) takes (and ignores) labels like every latent generator."""

    def __init__(self, cfg=None):
        super().__init__()
        self.cfg = cfg
        w = WIDTHS
        self._init = _Block([_Conv(Z_DIM, w[4] * 2, 4, transpose=True), nn.BatchNorm2d(w[4] * 2), nn.GLU(dim=1)])
        for r in (8, 16, 32, 64, 128, 256, 512, 1024):
            setattr(self, f"_upsample_{r}", _up(w[r // 2], w[r], r in HEAVY))
        for r, s in SLE.items():
            setattr(self, f"_sle_{r}", _SLE(w[s], w[r]))
        self._out_128 = nn.Sequential(_Conv(w[128], 3, 1), nn.Tanh())
        self._out_1024 = nn.Sequential(_Conv(w[1024], 3, 3), nn.Tanh())

    def _features(self, z: torch.Tensor, upto: int) -> dict[int, torch.Tensor]:
        f = {4: self._init(z.reshape(z.shape[0], Z_DIM, 1, 1))}
        for r in (8, 16, 32, 64, 128, 256, 512, 1024):
            if r > upto:
                break
            h = getattr(self, f"_upsample_{r}")(f[r // 2])
            f[r] = getattr(self, f"_sle_{r}")(f[SLE[r]], h) if r in SLE else h
        return f

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self._out_1024(self._features(z, IMG_SIZE)[IMG_SIZE])

    def preview(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self._out_128(self._features(z, PREVIEW_SIZE)[PREVIEW_SIZE])

    def latent_weight(self) -> torch.Tensor:
        """The first layer's weight as (out features × z_dim), for SeFa."""
        return self._init._layers[0]._conv.weight.flatten(1).T.detach()


class Preview(nn.Module):
    """A generator's 128-px head as a module (what the sliders' names are measured on, and what a
    visitor sees while dragging)."""

    def __init__(self, g: HubFastGenerator):
        super().__init__()
        self.g = g

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.g.preview(z)


def fold(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A spectrally normalised state dict (`X.weight_orig`, `X.weight_u`, `X.weight_v`, as torch's
    nn.utils.spectral_norm saves it) → plain weights `X.weight` = weight_orig / σ, σ = uᵀ W v with W
    the weight as a matrix over its output dimension (dim 1 for a transposed convolution: u's length
    tells which). Other entries pass through. Raises ValueError on an incomplete or odd triple."""
    out = {k: v for k, v in sd.items() if not k.endswith(("weight_orig", "weight_u", "weight_v"))}
    for k in [k for k in sd if k.endswith(".weight_orig")]:
        base = k[: -len("_orig")]
        w, u, v = sd[k], sd.get(base + "_u"), sd.get(base + "_v")
        if u is None or v is None:
            raise ValueError(f"{k} has no {base}_u / {base}_v")
        dim = 0 if u.numel() == w.shape[0] else 1
        mat = (w if dim == 0 else w.transpose(0, 1)).reshape(u.numel(), -1)
        if mat.shape[1] != v.numel():
            raise ValueError(f"{base}: u and v do not fit a {tuple(w.shape)} weight")
        sigma = torch.dot(u.double(), mat.double() @ v.double())
        out[base] = (w.double() / sigma).to(w.dtype)
    stray = [k for k in sd if k.endswith(("weight_u", "weight_v")) and k[:-2] + "_orig" not in sd]
    if stray:
        raise ValueError(f"{stray[0]} has no weight_orig")
    return out
