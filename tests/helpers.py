"""Tiny real datasets and models for the tests (no mocks: real training on tiny data)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ganzoo.nn.dcgan import LatentGANConfig
from ganzoo.training import LOSS_PRESETS, LatentTask, LatentTrainConfig, LoopConfig


def blobs(n=96, size=28, channels=1, classes=3, seed=0):
    """Labelled toy images: class k is a bright square in a class-specific corner."""
    rng = np.random.default_rng(seed)
    imgs = (rng.random((n, size, size, channels)) * 40).astype(np.uint8)
    labels = rng.integers(0, classes, n)
    h = size // 2
    for i, k in enumerate(labels):
        r, c = divmod(int(k) % 4, 2)
        imgs[i, r * h:(r + 1) * h, c * h:(c + 1) * h] = 220
    return SimpleNamespace(images=imgs, labels=labels.astype(np.int64),
                           class_names=[f"c{k}" for k in range(classes)], name="blobs", keys=None)


def tiny_task(loss="ns", size=28, channels=1, classes=3, diffaug="", **train_kw):
    preset = dict(LOSS_PRESETS[loss])
    d_norm = preset.pop("d_norm")
    preset.update(train_kw)
    mcfg = LatentGANConfig(img_size=size, channels=channels, z_dim=16, ngf=8, ndf=8,
                           num_classes=classes, class_names=[f"c{k}" for k in range(classes)] if classes else None,
                           d_norm=d_norm)
    return LatentTask(mcfg, LatentTrainConfig(loss=loss, diffaug=diffaug, **preset), {"name": "blobs"})


def tiny_loop(out_dir, steps=4, **kw):
    base = dict(out_dir=str(out_dir), steps=steps, batch_size=16, sample_every=steps, ckpt_every=2,
                progress=False)
    base.update(kw)
    return LoopConfig(**base)
