"""The FastGAN-style latent architecture (ganzoo.nn.fastgan): a few real training steps, the
discriminator's reconstruction task, export, loading and the latent pipeline's sliders."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganzoo.nn.dcgan import LatentGANConfig, latent_discriminator, latent_generator


def _cfg(size=64, classes=2):
    return LatentGANConfig(img_size=size, channels=3, z_dim=32, ngf=4, ndf=4, num_classes=classes,
                           class_names=[f"c{i}" for i in range(classes)] if classes else None, arch="fastgan")


@pytest.mark.parametrize("size", [64, 128])
def test_shapes_and_the_reconstruction_task(size):
    cfg = _cfg(size)
    g, d = latent_generator(cfg), latent_discriminator(cfg)
    y = torch.tensor([0, 1])
    x = g(torch.randn(2, 32), y)
    assert x.shape == (2, 3, size, size) and x.abs().max() <= 1
    logits, recs = d(x, y, reconstruct=True, part=2)
    assert logits.shape == (2, 25) and all(m.shape == t.shape == (2, 3, 32, 32) for m, t in recs)
    assert g.latent_weight().shape == (2 * 16 * 4 * 16, 32)   # the first layer's 4×4 outputs (GLU: 2 × 16·ngf), per z unit
    with pytest.raises(ValueError, match="64- or 128-px"):
        LatentGANConfig(img_size=32, arch="fastgan")


def test_trains_exports_and_runs_in_the_latent_pipeline(tmp_path):
    from ganzoo.pipelines import LatentPipeline
    from ganzoo.training import LatentTask, LatentTrainConfig, fit
    from helpers import tiny_loop

    rng = np.random.default_rng(0)
    images = (rng.random((32, 64, 64, 3)) * 255).astype(np.uint8)
    images[:16, 16:48, 16:48] = (230, 60, 40)                   # class 0: a red square
    labels = np.array([0] * 16 + [1] * 16)
    from types import SimpleNamespace
    data = SimpleNamespace(images=images, labels=labels, class_names=["c0", "c1"], name="squares", keys=None)
    task = LatentTask(_cfg(), LatentTrainConfig(loss="hinge", diffaug="color,translation", lr_g=1e-3, lr_d=1e-3))
    out = fit(task, data, tiny_loop(tmp_path / "run", steps=6, batch_size=8, log_every=3))
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert "recon" in logs[-1] and logs[-1]["recon"] < logs[0]["recon"] * 1.5
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"]["arch"] == "fastgan"
    pipe = LatentPipeline.from_pretrained(out)
    a, b = pipe(seed=3, class_id="c0"), pipe(seed=3, class_id="c0", shifts=[3.0])
    assert a.size == (64, 64) and not np.array_equal(np.asarray(a), np.asarray(b))
    assert np.array_equal(np.asarray(a), np.asarray(pipe(seed=3, class_id="c0")))   # the same seed, the same picture
