"""Projected discriminator (Sauer, Chitta, Müller & Geiger, "Projected GANs Converge Faster",
NeurIPS 2021): D looks at a frozen ImageNet network's features instead of at pixels.

    D = ProjectedDiscriminator(cfg, efficientnet.pretrained())
    logits = D(x, y)          # N × P: every scale's patch logits side by side, for any GAN loss
    D2 = VisionAidedDiscriminator(D, pixel_d)   # the projected D beside a pixel-space one

Pipeline, as the paper builds it:
1. the picture (resized to `feature_size`, since EfficientNet-Lite0's deepest map of a 64-px picture
   is 2×2) goes through the frozen EfficientNet-Lite0 (ganzoo.nn.efficientnet), tapped at four
   scales (strides 4, 8, 16, 32);
2. random cross-channel mixing (CCM): a fixed, randomly initialised 1×1 conv per scale;
3. random cross-scale mixing (CSM): fixed random 3×3 convs fuse each scale with the (upsampled)
   deeper ones, top-down like a feature pyramid. CCM and CSM stay random forever: the paper found
   that training them lets D fall back on a few features and collapse, while fixed random mixing
   spreads its attention;
4. a small discriminator per scale (spectrally normalised stride-2 convs down to 4×4, then a 4×4
   conv) gives patch logits; with classes the last layer is a projection onto a class embedding
   (their SingleDiscCond, after Miyato & Koyama 2018).
Only step 4 trains. The mixing lives in the module's state (so a resumed run gets the very same
random projections back) but never in the optimiser; the feature network is left out of the state
(it is the pinned wheel's in every run); both stay in eval mode.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .efficientnet import STRIDES, WIDTHS, EfficientNetLite0

# CCM's output widths per scale (the paper's "expand" setting for Lite0: 64, 128, 256, 512)
MIX_WIDTHS = (64, 128, 256, 512)
CMAP_DIM = 64
# a scale discriminator's widths by side: the paper's SingleDisc widens as it shrinks (64 px: 64 …
# 4 px: 512); capped at 256 here, since its cost is what a 2-core step pays
FEATURE_SIZES = (64, 128, 256)   # powers of two: every scale's side halves down to 4 (or is 2)
DISC_WIDTHS = {128: 64, 64: 64, 32: 64, 16: 128, 8: 256, 4: 256, 2: 256}


def _down(cin: int, cout: int, batch_norm: bool = True) -> nn.Sequential:
    if not batch_norm:
        return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2, True))
    return nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1, bias=False)), nn.BatchNorm2d(cout),
                         nn.LeakyReLU(0.2, True))


class ScaleDiscriminator(nn.Module):
    """Patch logits from one scale's mixed features (side `res`, ≥ 4): stride-2 blocks down to 4×4,
    then a 4×4 conv to one logit per patch (or a class projection)."""

    def __init__(self, cin: int, res: int, num_classes: int, batch_norm: bool = True):
        super().__init__()
        layers, ch = [], cin
        while res > 4:
            res //= 2
            layers.append(_down(ch, DISC_WIDTHS[res], batch_norm))
            ch = DISC_WIDTHS[res]
        self.main = nn.Sequential(*layers)
        self.head = spectral_norm(nn.Conv2d(ch, CMAP_DIM if num_classes else 1, res, 1, 0))
        self.embed = nn.Embedding(num_classes, CMAP_DIM) if num_classes else None

    def forward(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        out = self.head(self.main(h))
        if self.embed is not None:
            if y is None:
                raise ValueError("this discriminator is class-conditional: pass labels y")
            cmap = self.embed(y)[:, :, None, None]
            out = (out * cmap).sum(1, keepdim=True) / math.sqrt(CMAP_DIM)
        return out.flatten(1)


def _drop_feature_net(module, state_dict, prefix, local_metadata):
    for k in [k for k in state_dict if k[len(prefix):] in module._feature_keys]:
        del state_dict[k]


def _feature_net_not_missing(module, incompatible):
    # (states written before it was left out carry it, and load it like any other weights)
    incompatible.missing_keys[:] = [k for k in incompatible.missing_keys
                                    if not any(k == f or k.endswith("." + f) for f in module._feature_keys)]


class ProjectedDiscriminator(nn.Module):
    def __init__(self, num_classes: int, features: EfficientNetLite0, feature_size: int = 128,
                 scales: int = 4, seed: int = 0, batch_norm: bool = True):
        super().__init__()
        if feature_size not in FEATURE_SIZES:
            raise ValueError(f"feature_size must be one of {FEATURE_SIZES}, got {feature_size}")
        self.feature_size, self.scales = feature_size, scales
        self.features = features.frozen().to(memory_format=torch.channels_last)
        # The feature net is the sha256-pinned wheel's, the same in every run: its 18.8 MB stay out
        # of the state_dict (every resume state carried them), and loading one does not ask for them.
        self._feature_keys = frozenset(f"features.{k}" for k in self.features.state_dict())
        self.register_state_dict_post_hook(_drop_feature_net)
        self.register_load_state_dict_post_hook(_feature_net_not_missing)
        gen = torch.Generator().manual_seed(seed)   # the fixed random projections are the same for a seed
        self.ccm = nn.ModuleList(nn.Conv2d(w, m, 1) for w, m in zip(WIDTHS[:scales], MIX_WIDTHS[:scales]))
        # CSM: one 3×3 conv per scale but the deepest, on the sum of that scale and the deeper one
        self.csm = nn.ModuleList(nn.Conv2d(MIX_WIDTHS[i + 1], MIX_WIDTHS[i], 3, 1, 1) for i in range(scales - 1))
        for m in [*self.ccm, *self.csm]:
            w = torch.empty_like(m.weight)
            fan = w[0].numel()
            m.weight.data.copy_(w.normal_(0, math.sqrt(2 / fan), generator=gen))   # Kaiming normal
            m.bias.data.zero_()
            m.requires_grad_(False)
        self.discs = nn.ModuleList(
            ScaleDiscriminator(MIX_WIDTHS[i], feature_size // STRIDES[i], num_classes, batch_norm) for i in range(scales))

    def trainable(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    def heads(self) -> list[nn.Module]:
        """What trains (and is initialised): the per-scale discriminators, never the fixed parts."""
        return [self.discs]

    def train(self, mode: bool = True):
        super().train(mode)
        for m in (self.features, self.ccm, self.csm):
            m.eval()
        return self

    def mixed(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The CCM+CSM features of a batch in [-1, 1], finest scale first."""
        if x.shape[-1] != self.feature_size or x.shape[-2] != self.feature_size:
            x = F.interpolate(x, size=(self.feature_size, self.feature_size), mode="bilinear", align_corners=False)
        if x.device.type == "cpu":
            # on the CPU the depthwise convolutions' backward (G's step goes through it) was 4x slower
            # in bf16 than in fp32 channels-last (2.6 s against 0.66 s for 64 pictures, 2 threads)
            with torch.autocast("cpu", enabled=False):
                maps = self.features.multiscale(x.float().contiguous(memory_format=torch.channels_last), self.scales)
        else:
            maps = self.features.multiscale(x, self.scales)
        feats = [ccm(f) for ccm, f in zip(self.ccm, maps)]
        out = [feats[-1]]
        for i in range(self.scales - 2, -1, -1):   # top-down: each scale gets the mixed deeper one
            deeper = F.interpolate(out[0], size=feats[i].shape[-2:], mode="bilinear", align_corners=False)
            out.insert(0, feats[i] + self.csm[i](deeper))
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return torch.cat([d(h, y) for d, h in zip(self.discs, self.mixed(x))], dim=1)


class VisionAidedDiscriminator(nn.Module):
    """The projected D beside a discriminator on the pixels, as Kumari, Zhang, Shechtman & Zhu do
    ("Ensembling Off-the-shelf Models for GAN Training", CVPR 2022): pretrained features judge shape
    and texture, the pixel D keeps what they are nearly blind to. Alone, the projected D on 64-px emoji
    let every sample of a batch share one colour, drifting from step to step (runs of 2026-12-07).

    forward gives N × 2P logits: the projected D's P, then the pixel D's one logit repeated P times,
    so that a mean-based GAN loss weighs the two discriminators equally."""

    def __init__(self, projected: ProjectedDiscriminator, pixel: nn.Module):
        super().__init__()
        self.projected, self.pixel = projected, pixel

    def trainable(self) -> list[nn.Parameter]:
        return [*self.projected.trainable(), *self.pixel.parameters()]

    def heads(self) -> list[nn.Module]:
        return [*self.projected.heads(), self.pixel]

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        feats = self.projected(x, y)
        pixel = self.pixel(x, y).reshape(-1, 1).to(feats.dtype)
        return torch.cat([feats, pixel.expand(-1, feats.shape[1])], dim=1)
