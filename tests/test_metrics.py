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


def test_one_latent_evaluator_on_a_real_generator(tmp_path):
    """A tiny conditional GAN from the library, judged by a classifier trained on the same toy data
    through the one latent evaluator: the judge's held-out accuracy, the floor (real train vs
    held-out) far below an untrained generator's distance, per-class rows that add up."""
    import ganzoo
    from ganzoo.evaluate import generate, measure_latent
    from ganzoo.metrics.distribution import feature_net
    from ganzoo.training import fit
    from helpers import tiny_loop, tiny_task

    data = blobs(n=256, classes=3, seed=1)
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=3, width=8, feat_dim=16, class_names=["c0", "c1", "c2"])
    clf = train_classifier(data.images, data.labels, cfg, epochs=10, batch_size=32, log=lambda *_: None)
    x = torch.from_numpy(data.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    ckpt = ganzoo.load(fit(tiny_task("ns"), data, tiny_loop(tmp_path / "g", steps=1, ckpt_every=1)))
    fake = generate(ckpt.model, torch.arange(3).repeat(40))
    assert fake.shape == (120, 1, 28, 28) and torch.equal(fake, generate(ckpt.model, torch.arange(3).repeat(40)))
    rep = measure_latent(ckpt, n=120, real=x[:128], train=x[128:], train_labels=data.labels[128:],
                         nets={"classifier": feature_net("classifier", classifier=clf)},
                         judged=(x[:128], data.labels[:128]))
    m = rep.metrics
    assert m["classifier_heldout_accuracy"] > 0.9 and m["n_judge_heldout"] == 128
    assert m["fd_classifier"] > 3 * m["fd_classifier_floor"] > 0
    assert (m["n_generated"], m["n_heldout"], m["n_train"]) == (120, 128, 128)
    per_class, seen = rep.rows["per_class_accuracy"], rep.rows["recognised_as"]
    assert set(per_class) == {"c0", "c1", "c2"} and sum(seen.values()) == 120
    share = torch.bincount(torch.as_tensor(data.labels[128:]), minlength=3).double() / 128
    assert m["class_accuracy"] == pytest.approx(sum(float(s) * per_class[f"c{i}"] for i, s in enumerate(share)), abs=0.02)
    assert "fd_classifier_floor" in rep.notes and "classifier_heldout_accuracy" in rep.notes


def test_judged_accuracy_names_what_an_emoji_classifier_tells():
    from ganzoo.evaluate import judged_accuracy

    judge = ["faces / noto", "faces / twemoji", "food / noto", "food / twemoji"]
    pred = torch.tensor([0, 2, 1, 3, 0, 3])    # judge classes
    # a style-conditioned model: only the style counts (noto, noto, twemoji, twemoji, noto, twemoji)
    m, rows = judged_accuracy(judge, ["noto", "twemoji"], pred, torch.tensor([0, 0, 0, 1, 1, 1]))
    assert m == {"style_accuracy": round(4 / 6, 4)}
    assert rows["per_class_accuracy"] == {"noto": round(2 / 3, 4), "twemoji": round(2 / 3, 4)}
    assert rows["recognised_as"] == {"noto": 3, "twemoji": 3}
    # a category × style model: both must match; style_accuracy looks at the style alone
    m, _ = judged_accuracy(judge, judge, pred, torch.tensor([0, 0, 1, 3, 3, 1]))
    assert m == {"category_style_accuracy": 0.5, "style_accuracy": round(5 / 6, 4)}
    m, _ = judged_accuracy(["0", "1"], ["0", "1"], torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]))
    assert m == {"class_accuracy": round(2 / 3, 4)}
    assert judged_accuracy(["cat"], ["noto", "twemoji"], pred, pred) == ({}, {})


def test_bundled_mnist_cgan_through_the_one_evaluator_and_its_bench():
    """The bundled mnist-cgan on real MNIST through ganzoo.evaluate and bench/mnist_quality.py:
    the judge's held-out accuracy is the classifier checkpoint's own, the generator is above the
    floor and recognisably conditional, and the bench prints evaluate's numbers."""
    import importlib.util
    import os
    from pathlib import Path

    from ganzoo import hub
    from ganzoo.evaluate import evaluate

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    rep = evaluate("mnist-cgan", n=1000)
    m = rep.metrics
    assert m["classifier_heldout_accuracy"] == hub.read_config("mnist-classifier")["metrics"]["heldout_accuracy"]
    assert m["class_accuracy"] > 0.95 and len(rep.rows["per_class_accuracy"]) == 10
    assert 0 < m["fd_classifier_floor"] < m["fd_classifier"] and m["copied_share"] < 0.2
    spec = importlib.util.spec_from_file_location("mnist_quality", Path(__file__).parents[1] / "bench" / "mnist_quality.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["mnist-cgan", "-n", "1000", "--threads", "1"]).metrics == m


def test_memorisation_check_tells_copies_from_new_samples():
    from ganzoo.evaluate import COPY_SHARE_LIMIT, memorisation

    g = torch.Generator().manual_seed(0)
    train, heldout, new = (torch.randn(n, 16, generator=g) for n in (500, 200, 300))
    fresh = memorisation(new, heldout, train)
    assert 0.85 < fresh["nn_ratio"] < 1.15 and fresh["copied_share"] < COPY_SHARE_LIMIT
    copies = memorisation(train[:300] + 0.01 * torch.randn(300, 16, generator=g), heldout, train)
    assert copies["nn_ratio"] < 0.1 and copies["copied_share"] > 0.9
