"""FID and KID through torchmetrics, with a pluggable feature network.

Three feature networks, and every number says which one produced it:
- "inception": torchmetrics' Inception-v3 (torch-fidelity's FID weights). The number comparable
  with papers; needs `pip install torch-fidelity` and its weights: downloaded from GitHub on
  first use, or a local copy named by GANZOO_INCEPTION_WEIGHTS (checked to hold only tensors).
- "classifier": a small classifier ganzoo trained on the dataset itself (MNIST digits, emoji
  categories). Works offline and in seconds on a CPU; only comparable with other numbers from
  the same classifier, so it is reported as "FD/KD (classifier features)", never as FID.
- "efficientnet": the ImageNet EfficientNet-Lite0 (ganzoo.nn.efficientnet, from its PyPI wheel,
  read as data) on pictures resized to 224 px, its 1280-d pooled features. Offline, and the same
  network for every family and dataset, so its numbers compare across them (not with papers'
  Inception FIDs): "FD (EfficientNet-Lite0 ImageNet)".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
import warnings

import torch
from torch import nn

from .. import load
from .classifier import Classifier

# which ganzoo classifier judges which dataset (checkpoint names in checkpoints/)
CLASSIFIERS = {"mnist": "mnist-classifier", "emoji": "emoji-classifier", "emoji-categories": "emoji-classifier",
               "noto": "emoji-classifier",
               "twemoji": "emoji-classifier"}


class ClassifierFeatures(nn.Module):
    """A ganzoo classifier as a torchmetrics feature extractor: images in [-1, 1] -> features."""

    def __init__(self, clf: Classifier, name: str):
        super().__init__()
        self.clf = clf.eval().requires_grad_(False)
        self.num_features = clf.cfg.feat_dim
        self.label = f"{name} features"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.uint8:  # torchmetrics probes a custom network with a uint8 image
            x = x.float() / 127.5 - 1
        if x.shape[1] != self.clf.cfg.channels:
            x = x.mean(1, keepdim=True) if self.clf.cfg.channels == 1 else x.expand(-1, 3, -1, -1)
        return self.clf.features(x.float())


class EfficientNetFeatures(nn.Module):
    """EfficientNet-Lite0's pooled ImageNet features: images in [-1, 1] (or uint8) → N×1280."""

    label = "EfficientNet-Lite0 ImageNet pooled features (224 px)"
    num_features = 1280
    SIZE = 224   # its training resolution: smaller pictures are enlarged to it, as Inception FID does to 299

    def __init__(self):
        super().__init__()
        from ..nn.efficientnet import pretrained   # noqa: PLC0415 - fetched from its wheel on first use
        self.net = pretrained().to(memory_format=torch.channels_last)

    # 8 pictures a pass, channels-last: 14 ms a picture on 2 threads, against 24 ms for 32 pictures
    # and 36-50 ms in the default layout (the big 112-px maps page-fault the allocator)
    CHUNK = 8

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(x) > self.CHUNK:
            return torch.cat([self(c) for c in x.split(self.CHUNK)])
        if x.dtype == torch.uint8:
            x = x.float() / 127.5 - 1
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-2:] != (self.SIZE, self.SIZE):
            x = torch.nn.functional.interpolate(x.float(), size=(self.SIZE, self.SIZE), mode="bilinear",
                                                align_corners=False, antialias=x.shape[-1] > self.SIZE)
        return self.net.pooled(x.float().contiguous(memory_format=torch.channels_last))


@dataclass
class FeatureNet:
    """What torchmetrics gets as `feature`, how to feed it, and the label for reports."""
    feature: nn.Module
    label: str
    wants_uint8_rgb: bool  # Inception takes uint8 RGB (it resizes to 299 itself); ours [-1, 1]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        if not self.wants_uint8_rgb:
            return x
        x = ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


INCEPTION_WEIGHTS_URL = ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                         "weights-inception-2015-12-05-6726825d.pth")


def inception_net(weights: str | None = None) -> nn.Module:
    """torchmetrics' FID Inception-v3 (2048-d pool features), built once and shared by FID and KID."""
    from torchmetrics.utilities.imports import _TORCH_FIDELITY_AVAILABLE  # noqa: PLC0415 - training dependency

    if not _TORCH_FIDELITY_AVAILABLE:
        raise RuntimeError("Inception FID needs torch-fidelity: pip install torch-fidelity "
                           "(its Inception weights download on first use); offline, use the "
                           "classifier features (kind='classifier')")
    from torchmetrics.image.fid import NoTrainInceptionV3  # noqa: PLC0415 - training dependency

    weights = weights or os.environ.get("GANZOO_INCEPTION_WEIGHTS") or None
    if weights:
        try:  # refuse a file with pickled objects before torch-fidelity unpickles it
            torch.load(weights, map_location="cpu", weights_only=True)
        except Exception as e:
            raise RuntimeError(f"{weights} is not a plain Inception weights file ({type(e).__name__}); "
                               f"expected {INCEPTION_WEIGHTS_URL.rsplit('/', 1)[1]}") from None
    try:
        net = NoTrainInceptionV3(name="inception-v3-compat", features_list=["2048"],
                                 feature_extractor_weights_path=weights)
    except OSError as e:  # no network and no local copy
        raise RuntimeError(f"the Inception-v3 weights could not be downloaded ({type(e).__name__}); put "
                           f"{INCEPTION_WEIGHTS_URL} on this machine and set GANZOO_INCEPTION_WEIGHTS to "
                           f"its path, or use the classifier features (kind='classifier')") from None
    net.num_features = 2048
    return net


def feature_net(kind: str = "classifier", dataset: str | None = None, classifier=None) -> FeatureNet:
    """kind "classifier" (ganzoo's classifier for `dataset`, or the given model/checkpoint name),
    "efficientnet" (EfficientNet-Lite0 ImageNet, 1280-d pooled features) or "inception"
    (torchmetrics' Inception-v3, 2048-d pool features)."""
    if kind == "inception":
        return FeatureNet(inception_net(), "Inception-v3 pool features (torchmetrics FID weights)", True)
    if kind == "efficientnet":
        return FeatureNet(EfficientNetFeatures(), EfficientNetFeatures.label, False)
    if kind != "classifier":
        raise ValueError(f"unknown feature network {kind!r}; choose 'classifier', 'efficientnet' or 'inception'")
    name = classifier
    if classifier is None or isinstance(classifier, str):
        name = classifier or CLASSIFIERS.get(dataset or "")
        if name is None:
            raise ValueError(f"no ganzoo classifier for dataset {dataset!r}; known: {sorted(CLASSIFIERS)}")
        classifier = load(name).model
    else:
        name = "classifier"
    net = ClassifierFeatures(classifier, name)
    return FeatureNet(net, net.label, False)


class _Precomputed(nn.Module):
    """torchmetrics' feature slot for features already extracted (each image goes through the
    network once, shared by FID, KID and the caller's class predictions)."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return feats


@torch.inference_mode()
def features(x: torch.Tensor, net: FeatureNet, batch: int = 500) -> torch.Tensor:
    """The feature network's N×D features of images in [-1, 1]."""
    return torch.cat([net.feature(net.prepare(chunk)).float() for chunk in x.split(batch)])


def fid_kid(real: torch.Tensor, fake: torch.Tensor, net: FeatureNet, batch: int = 500,
            kid_subsets: int = 50, kid_subset_size: int = 1000, seed: int = 0) -> dict:
    """FID and KID (mean, std over subsets) of `fake` against `real`, both N×C×H×W in [-1, 1]."""
    return fid_kid_features(features(real, net, batch), features(fake, net, batch), net.label,
                            kid_subsets, kid_subset_size, seed)


@torch.inference_mode()
def frechet(f_real: torch.Tensor, f_fake: torch.Tensor) -> float:
    """Fréchet distance of two feature sets (torchmetrics' FID formula; ganzoo's only one)."""
    from torchmetrics.image.fid import FrechetInceptionDistance  # noqa: PLC0415 - training dependency

    fid = FrechetInceptionDistance(feature=_Precomputed(f_real.shape[1]))
    fid.update(f_real, real=True)
    fid.update(f_fake, real=False)
    return float(fid.compute())


@torch.inference_mode()
def fid_kid_features(f_real: torch.Tensor, f_fake: torch.Tensor, label: str, kid_subsets: int = 50,
                     kid_subset_size: int = 1000, seed: int = 0) -> dict:
    """FID and KID from features extracted by `features` (torchmetrics' implementations)."""
    from torchmetrics.image.kid import KernelInceptionDistance  # noqa: PLC0415 - training dependency
    with warnings.catch_warnings():  # "KID keeps all features in memory": fine at these sizes
        warnings.simplefilter("ignore", UserWarning)
        kid = KernelInceptionDistance(feature=_Precomputed(f_real.shape[1]), subsets=kid_subsets,
                                      subset_size=min(kid_subset_size, len(f_real), len(f_fake)))
    kid.update(f_real, real=True)
    kid.update(f_fake, real=False)
    with torch.random.fork_rng():  # KID draws its subsets from the global generator: seed it, then restore
        torch.manual_seed(seed)
        kid_mean, kid_std = kid.compute()
    return {"fid": frechet(f_real, f_fake), "kid_mean": float(kid_mean), "kid_std": float(kid_std),
            "features": label, "n_real": len(f_real), "n_fake": len(f_fake)}
