"""What the latent tab opens on and offers as examples: measured per model (ganzoo.showcase), and the
examples follow the model picked."""
from __future__ import annotations

import json
import shutil

import pytest
import torch

import ganzoo
from ganzoo.metrics import ClassifierConfig, train_classifier
from ganzoo.pipelines import LatentPipeline
from ganzoo.showcase import TRUNCATION, choose, main as showcase_main
from ganzoo.training import fit
from ganzoo.utils import seeded_normal
from helpers import blobs, tiny_loop, tiny_task


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny class-conditional GAN that has learnt the blobs a little, and the blobs' classifier."""
    out = tmp_path_factory.mktemp("showcase")
    data = blobs(n=256, classes=3, seed=1)
    path = fit(tiny_task("ns", lr_g=1e-3, lr_d=1e-3, ema_decay=0.9), data,
               tiny_loop(out / "run", steps=60, batch_size=32, ckpt_every=60))
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=3, width=8, feat_dim=16, class_names=["c0", "c1", "c2"])
    clf = train_classifier(data.images, data.labels, cfg, epochs=8, batch_size=32, log=lambda *_: None)
    return path, clf


def _score(pipe, clf, seed, class_name):
    z = seeded_normal(seed, 1, pipe.cfg.z_dim) * TRUNCATION
    with torch.inference_mode():
        return float(clf.eval()(pipe._run(z, class_name).float()).softmax(1)[0, pipe.class_names.index(class_name)])


def test_showcase_picks_each_class_at_the_seed_the_classifier_is_surest_of(trained):
    path, clf = trained
    pipe = LatentPipeline.from_pretrained(path)
    picks = choose(pipe, clf, seeds=40, k=6)
    assert len(picks) == 6
    first_round = picks[:3]
    assert sorted(p["class"] for p in first_round) == ["c0", "c1", "c2"]          # every class once, then again
    assert [p["score"] for p in first_round] == sorted((p["score"] for p in first_round), reverse=True)
    for p in picks:    # the score is what the app's own picture of that seed gets
        assert _score(pipe, clf, p["seed"], p["class"]) == pytest.approx(p["score"], abs=1e-3)
    for p in first_round:  # no other seed of that class scores higher
        others = [_score(pipe, clf, s, p["class"]) for s in range(40)]
        assert p["score"] == pytest.approx(max(others), abs=1e-3)
        assert p["score"] > sorted(others)[len(others) // 2] - 1e-6


def test_showcase_is_stored_and_the_tab_opens_on_it_and_its_examples_follow_the_model(trained, tmp_path, monkeypatch):
    from appkit import common
    from tabs import latent

    path, clf = trained
    bundled = tmp_path / "checkpoints"
    for name in ("tiny-showcase", "tiny-plain"):
        shutil.copytree(path, bundled / name)
    clf_dir = tmp_path / "blob-classifier"
    ganzoo.hub.save_checkpoint(clf_dir, {"family": "classifier", "model": {**vars(clf.cfg)}}, clf.state_dict(),
                               dtype=torch.float32)
    monkeypatch.setattr(ganzoo.hub, "BUNDLED_DIR", bundled)
    showcase_main([str(bundled / "tiny-showcase"), "--classifier", str(clf_dir), "--seeds", "24", "--threads", "1"])
    stored = json.loads((bundled / "tiny-showcase" / "config.json").read_text())["showcase"]
    monkeypatch.setattr(latent, "LATENT", common.PipelineCache("latent", LatentPipeline.from_pretrained))

    rows = latent._example_rows("tiny-showcase")
    assert [r[:2] for r in rows] == [[e["seed"], e["class"]] for e in stored]
    assert all(r[2] == latent.TRUNCATION0 for r in rows)
    assert latent._example_rows("tiny-plain")[0][:2] == [latent.SEED0, "c0"]   # not measured: fixed seeds
    name, classes, opening, image, grid = latent._latent_default(["tiny-showcase"])
    assert opening == (stored[0]["seed"], stored[0]["class"]) and image is not None and grid is not None
    # an example click gives the row of the model picked now, whichever that is
    assert latent._pick_example(1, "tiny-showcase") == (stored[1]["seed"], stored[1]["class"], latent.TRUNCATION0)
    assert latent._pick_example(1, "tiny-plain") == tuple(latent._example_rows("tiny-plain")[1])
    assert all(v.get("__type__") == "update" for v in latent._pick_example(99, "tiny-showcase"))
    # a hand-edited showcase naming a class the model does not have is not shown
    cfg = json.loads((bundled / "tiny-showcase" / "config.json").read_text())
    cfg["showcase"] = [{"seed": 3, "class": "no such class"}]
    (bundled / "tiny-showcase" / "config.json").write_text(json.dumps(cfg))
    monkeypatch.setattr(latent, "LATENT", common.PipelineCache("latent", LatentPipeline.from_pretrained))
    assert latent._example_rows("tiny-showcase")[0][:2] == [latent.SEED0, "c0"]
