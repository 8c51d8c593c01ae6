import numpy as np
import pytest
import torch

from ganzoo.metrics import ClassifierConfig, frechet_distance, predict, train_classifier
from helpers import blobs


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    b = rng.normal(size=(20000, 4)) * 2 + np.array([1.0, 0, 0, 0])
    # ‖μ1−μ2‖² + tr(Σ1 + Σ2 − 2(Σ1Σ2)^½) = 1 + 4·(1 + 4 − 2·2) = 5
    assert frechet_distance(a, b) == pytest.approx(5.0, rel=0.03)


def test_classifier_learns_toy_classes():
    data = blobs(n=256, classes=4, seed=1)
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=4, width=8, feat_dim=16)
    model = train_classifier(data.images, data.labels, cfg, epochs=10, batch_size=32, log=lambda *_: None)
    test = blobs(n=64, classes=4, seed=2)
    x = torch.from_numpy(test.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    pred, feats = predict(model, x)
    assert feats.shape == (64, 16)
    assert (pred.numpy() == test.labels).mean() > 0.9
