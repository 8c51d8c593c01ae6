"""FID and KID through torchmetrics, with a pluggable feature network.

Two feature networks, and every number says which one produced it:
- "inception": torchmetrics' Inception-v3 (torch-fidelity's FID weights). The number comparable
  with papers; needs `pip install torch-fidelity` and its weights (downloaded on first use).
- "classifier": a small classifier ganzoo trained on the dataset itself (MNIST digits, emoji
  categories). Works offline and in seconds on a CPU; only comparable with other numbers from
  the same classifier, so it is reported as "FD/KD (classifier features)", never as FID.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .classifier import Classifier

# which ganzoo classifier judges which dataset (checkpoint names in checkpoints/)
CLASSIFIERS = {"mnist": "mnist-classifier", "emoji": "emoji-classifier", "noto": "emoji-classifier",
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


@dataclass
class FeatureNet:
    """What torchmetrics gets as `feature`, how to feed it, and the label for reports."""
    feature: int | nn.Module
    label: str
    takes_unit_range: bool  # Inception wants floats in [0, 1] (normalize=True); ours [-1, 1]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        if not self.takes_unit_range:
            return x
        x = (x.float().clamp(-1, 1) + 1) / 2
        return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


def feature_net(kind: str = "classifier", dataset: str | None = None, classifier=None) -> FeatureNet:
    """kind "classifier" (ganzoo's classifier for `dataset`, or the given model/checkpoint name)
    or "inception" (torchmetrics' Inception-v3, 2048-d pool features)."""
    if kind == "inception":
        from torchmetrics.utilities.imports import _TORCH_FIDELITY_AVAILABLE

        if not _TORCH_FIDELITY_AVAILABLE:
            raise RuntimeError("Inception FID needs torch-fidelity: pip install torch-fidelity "
                               "(its Inception weights download on first use); offline, use the "
                               "classifier features (kind='classifier')")
        return FeatureNet(2048, "Inception-v3 pool3 (torchmetrics)", True)
    if kind != "classifier":
        raise ValueError(f"unknown feature network {kind!r}; choose 'classifier' or 'inception'")
    name = classifier
    if classifier is None or isinstance(classifier, str):
        from .. import load

        name = classifier or CLASSIFIERS.get(dataset or "")
        if name is None:
            raise ValueError(f"no ganzoo classifier for dataset {dataset!r}; known: {sorted(CLASSIFIERS)}")
        classifier = load(name).model
    else:
        name = "classifier"
    net = ClassifierFeatures(classifier, name)
    return FeatureNet(net, net.label, False)


@torch.inference_mode()
def fid_kid(real: torch.Tensor, fake: torch.Tensor, net: FeatureNet, batch: int = 500,
            kid_subsets: int = 50, kid_subset_size: int = 1000, seed: int = 0) -> dict:
    """FID and KID (mean, std over subsets) of `fake` against `real`, both N×C×H×W in [-1, 1]."""
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance
    import warnings

    unit = net.takes_unit_range
    fid = FrechetInceptionDistance(feature=net.feature, normalize=unit)
    with warnings.catch_warnings():  # "KID keeps all features in memory": fine at these sizes
        warnings.simplefilter("ignore", UserWarning)
        kid = KernelInceptionDistance(feature=net.feature, normalize=unit, subsets=kid_subsets,
                                      subset_size=min(kid_subset_size, len(real), len(fake)))
    for x, is_real in ((real, True), (fake, False)):
        for chunk in x.split(batch):
            chunk = net.prepare(chunk)
            fid.update(chunk, real=is_real)
            kid.update(chunk, real=is_real)
    torch.manual_seed(seed)  # KID draws its subsets from the global generator
    kid_mean, kid_std = kid.compute()
    return {"fid": float(fid.compute()), "kid_mean": float(kid_mean), "kid_std": float(kid_std),
            "features": net.label, "n_real": len(real), "n_fake": len(fake)}
