import numpy as np
import pytest
import torch

from ganzoo.metrics import ClassifierConfig, predict, train_classifier
from ganzoo.metrics.distribution import frechet
from helpers import blobs


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = torch.from_numpy(rng.normal(size=(20000, 4)))
    assert frechet(a, a) == pytest.approx(0.0, abs=1e-4)
    b = torch.from_numpy(rng.normal(size=(20000, 4)) * 2 + np.array([1.0, 0, 0, 0]))
    # ‖μ1−μ2‖² + tr(Σ1 + Σ2 − 2(Σ1Σ2)^½) = 1 + 4·(1 + 4 − 2·2) = 5
    assert frechet(a, b) == pytest.approx(5.0, rel=0.03)


def test_classifier_learns_toy_classes():
    data = blobs(n=256, classes=4, seed=1)
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=4, width=8, feat_dim=16)
    model = train_classifier(data.images, data.labels, cfg, epochs=10, batch_size=32, log=lambda *_: None)
    test = blobs(n=64, classes=4, seed=2)
    x = torch.from_numpy(test.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    pred, feats = predict(model, x)
    assert feats.shape == (64, 16)
    assert (pred.numpy() == test.labels).mean() > 0.9


def test_classifier_report_on_a_real_generator(tmp_path):
    """A tiny conditional GAN from the library, judged by a classifier trained on the same toy data:
    the report's fields are consistent and the untrained generator scores worse than real data."""
    from ganzoo.metrics.report import classifier_report, generate
    from ganzoo.nn.dcgan import Generator, LatentGANConfig

    data = blobs(n=256, classes=3, seed=1)
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=3, width=8, feat_dim=16)
    clf = train_classifier(data.images, data.labels, cfg, epochs=10, batch_size=32, log=lambda *_: None)
    x = torch.from_numpy(data.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    g = Generator(LatentGANConfig(img_size=28, channels=1, z_dim=8, ngf=4, ndf=4, num_classes=3)).eval()
    y = torch.arange(3).repeat(40)
    fake = generate(g, y)
    assert fake.shape == (120, 1, 28, 28)
    m = classifier_report(clf, fake, x[:128], x[128:], y_test=data.labels[:128], expected=y)
    assert m["classifier_heldout_accuracy"] > 0.9
    assert m["fd_gen_vs_heldout"] > 3 * m["fd_train_vs_heldout_floor"]
    real = classifier_report(clf, x[128:], x[:128], x[128:], expected=torch.as_tensor(data.labels[128:]))
    assert real["class_accuracy"] > 0.9 and len(real["pred_gen"]) == 128


def test_memorisation_check_tells_copies_from_new_samples():
    from ganzoo.evaluate import COPY_SHARE_LIMIT, memorisation

    g = torch.Generator().manual_seed(0)
    train, heldout, new = (torch.randn(n, 16, generator=g) for n in (500, 200, 300))
    fresh = memorisation(new, heldout, train)
    assert 0.85 < fresh["nn_ratio"] < 1.15 and fresh["copied_share"] < COPY_SHARE_LIMIT
    copies = memorisation(train[:300] + 0.01 * torch.randn(300, 16, generator=g), heldout, train)
    assert copies["nn_ratio"] < 0.1 and copies["copied_share"] > 0.9
