"""A small CNN classifier trained by ganzoo on the dataset itself (MNIST digits): the offline
feature network for class accuracy of conditional generators and classifier-feature Fréchet
distance. Numbers computed with it are labelled "classifier features", never "FID"."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..data import load_images
from ..utils import to_tensor


@dataclass
class ClassifierConfig:
    img_size: int = 28
    channels: int = 1
    num_classes: int = 10
    width: int = 32
    feat_dim: int = 128
    class_names: list[str] | None = None


class Classifier(nn.Module):
    def __init__(self, cfg: ClassifierConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.body = nn.Sequential(
            nn.Conv2d(cfg.channels, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(True), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(True),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(True), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(2), nn.Flatten(),
            nn.Linear(8 * w, cfg.feat_dim), nn.ReLU(True))
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(cfg.feat_dim, cfg.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations for x in [-1, 1] (N×C×H×W)."""
        if x.shape[-1] > 32:  # classes are recognisable at 32 px; 4× cheaper than 64 px
            x = F.interpolate(x, size=(32, 32), mode="area")
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.features(x)))


def _shift(x: torch.Tensor, g: torch.Generator, max_px: int = 2) -> torch.Tensor:
    """Random integer translations (zero = background padding), a cheap augmentation for digits."""
    n = x.shape[0]
    pad = F.pad(x, [max_px] * 4, value=-1.0)
    dx = torch.randint(0, 2 * max_px + 1, (n,), generator=g)
    dy = torch.randint(0, 2 * max_px + 1, (n,), generator=g)
    h, w = x.shape[-2:]
    return torch.stack([pad[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def train_classifier(images, labels, cfg: ClassifierConfig, epochs: int = 12, batch_size: int = 128,
                     lr: float = 2e-3, seed: int = 0, log=print) -> Classifier:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    x, y = to_tensor(images), torch.as_tensor(labels).long()
    model = Classifier(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * (len(x) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    model.train()
    for ep in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(len(x) // batch_size):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            loss = F.cross_entropy(model(_shift(x[idx], g)), y[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        log(f"epoch {ep + 1}/{epochs}: loss {loss.item():.3f}")
    return model.eval()


@torch.inference_mode()
def predict(model: Classifier, x: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted labels, penultimate features) for x in [-1, 1]."""
    preds, feats = [], []
    for i in range(0, len(x), batch_size):
        f = model.features(x[i:i + batch_size])
        feats.append(f)
        preds.append(model.head(f).argmax(1))
    return torch.cat(preds), torch.cat(feats)


def classifier_data(dataset: str, split: str):
    """(images, labels, class names) the evaluation classifier of `dataset` learns: the ten digits
    for mnist; for emoji, category × style ("Animals & Nature / noto"), so one network tells what
    an emoji shows and in whose style (emoji of no category are left out)."""
    if dataset == "mnist":
        data = load_images("mnist", split)
        return data.images, data.labels, list(data.class_names)
    if dataset != "emoji":
        raise ValueError(f"no evaluation classifier recipe for {dataset!r} (mnist | emoji)")
    data = load_images("emoji-categories", split)   # style = label % 2 (0 noto, 1 twemoji)
    return data.images, data.labels, list(data.class_names)
