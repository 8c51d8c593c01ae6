"""The pieces of the model study: the VAE baseline, FID/KID through torchmetrics with a pluggable
feature network, `python -m ganzoo.evaluate` and the zoo's reading of checkpoint folders."""
from __future__ import annotations

import json

import pytest
import torch

import ganzoo
from ganzoo.metrics import ClassifierConfig, predict, train_classifier
from ganzoo.metrics.distribution import feature_net, fid_kid
from ganzoo.nn.dcgan import LatentGANConfig
from ganzoo.training import LatentTrainConfig, VAETask, fit
from ganzoo.training.latent import LOSS_PRESETS
from ganzoo.training.vae import vae_loss
from helpers import blobs, tiny_loop


def _x(data):
    return torch.from_numpy(data.images).permute(0, 3, 1, 2).float() / 127.5 - 1


@pytest.fixture(scope="module")
def clf():
    data = blobs(n=256, classes=3, seed=1)
    cfg = ClassifierConfig(img_size=28, channels=1, num_classes=3, width=8, feat_dim=16,
                           class_names=["c0", "c1", "c2"])
    return train_classifier(data.images, data.labels, cfg, epochs=8, batch_size=32, log=lambda *_: None)


def test_vae_loss_terms():
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    _, rec_same, kl = vae_loss(x, x, mu, logvar)
    assert kl.item() == pytest.approx(0.0, abs=1e-6)       # q = prior
    _, rec_other, _ = vae_loss(x, -x, mu, logvar)
    assert rec_other > rec_same
    _, _, kl2 = vae_loss(x, x, torch.ones(4, 3), logvar)   # KL = ½·Σμ² = 1.5
    assert kl2.item() == pytest.approx(1.5, rel=1e-5)


def test_vae_trains_and_exports_a_latent_checkpoint(tmp_path):
    mcfg = LatentGANConfig(img_size=28, channels=1, z_dim=8, ngf=8, ndf=8, num_classes=3,
                           class_names=["c0", "c1", "c2"], d_norm="bn")
    task = VAETask(mcfg, LatentTrainConfig(loss="vae", **LOSS_PRESETS["vae"]), {"name": "blobs"})
    out = fit(task, blobs(n=128), tiny_loop(tmp_path / "run", steps=60, log_every=10, sample_every=60,
                                            ckpt_every=60))
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["loss"] < 0.7 * logs[0]["loss"]          # the ELBO improves
    ck = ganzoo.load(out)
    assert ck.family == "latent" and ck.config["training"]["train"]["loss"] == "vae"
    from ganzoo.pipelines import LatentPipeline

    img = LatentPipeline.from_pretrained(out)(seed=1, class_id="c2")
    assert img.size == (28, 28)


def test_fid_kid_of_the_classifier_features(clf):
    net = feature_net("classifier", classifier=clf)
    a, b = _x(blobs(n=200, seed=3)), _x(blobs(n=200, seed=4))
    same = fid_kid(a, a, net)
    assert same["fid"] == pytest.approx(0.0, abs=1e-3) and "features" in same["features"]
    m = fid_kid(a, b, net)
    fa, fb = predict(clf, a)[1].double(), predict(clf, b)[1].double()
    # the formula written out: ‖μa−μb‖² + tr(Σa + Σb − 2(ΣaΣb)^½)
    sa, sb = torch.cov(fa.T), torch.cov(fb.T)
    root = torch.linalg.eigvals(sa @ sb).sqrt().real.sum()
    by_hand = float((fa.mean(0) - fb.mean(0)).square().sum() + sa.trace() + sb.trace() - 2 * root)
    assert m["fid"] == pytest.approx(by_hand, rel=1e-3, abs=1e-3)
    noise = torch.rand_like(a) * 2 - 1
    far = fid_kid(a, noise, net)
    assert far["fid"] > 10 * max(m["fid"], 1e-3) and far["kid_mean"] > m["kid_mean"]


def test_unknown_feature_networks_are_clear_errors():
    with pytest.raises(ValueError, match="unknown feature network"):
        feature_net("vgg")
    with pytest.raises(ValueError, match="no ganzoo classifier"):
        feature_net("classifier", "cifar")
    pytest.importorskip("torchmetrics")
    try:
        import torch_fidelity  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="torch-fidelity"):
            feature_net("inception")


def test_class_map_by_name():
    from ganzoo.evaluate import class_map

    assert class_map(["0", "1"], ["0", "1"]).tolist() == [0, 1]
    assert class_map(["faces / noto", "faces / twemoji", "food / noto"], ["noto", "twemoji"]).tolist() == [0, 1, 0]
    assert class_map(["cat"], ["noto", "twemoji"]) is None


def test_generated_classes_follow_the_training_proportions():
    from ganzoo.evaluate import generator_labels

    cfg = LatentGANConfig(img_size=32, channels=1, num_classes=3, class_names=["a", "b", "c"])
    ys = generator_labels(cfg, 1000, [0] * 60 + [1] * 30 + [2] * 10)
    assert len(ys) == 1000 and torch.bincount(ys).tolist() == [600, 300, 100]
    assert torch.bincount(generator_labels(cfg, 10, [0, 0, 1])).tolist() == [7, 3]   # rounded, n kept
    assert torch.bincount(generator_labels(cfg, 9)).tolist() == [3, 3, 3]             # unknown: balanced
    assert generator_labels(LatentGANConfig(img_size=32, channels=1), 4).tolist() == [0, 0, 0, 0]


def test_evaluate_latent_scores_a_trained_generator_above_an_untrained_one(tmp_path, clf):
    from ganzoo.evaluate import evaluate_latent
    from helpers import tiny_task

    real = _x(blobs(n=150, seed=5))
    net = feature_net("classifier", classifier=clf)
    data = blobs(n=256, classes=3, seed=1)
    trained = ganzoo.load(fit(tiny_task("ns", lr_g=1e-3, lr_d=1e-3, ema_decay=0.9), data,
                                  tiny_loop(tmp_path / "a", steps=100, batch_size=32, ckpt_every=100)))
    untrained = ganzoo.load(fit(tiny_task("ns"), data, tiny_loop(tmp_path / "b", steps=1, ckpt_every=1)))
    good = evaluate_latent(trained, n=300, real=real, train=_x(data), nets={"classifier": net})
    bad = evaluate_latent(untrained, n=300, real=real, train=_x(data), nets={"classifier": net})
    assert good["n_generated"] == 300 and good["n_heldout"] == 150
    assert good["fd_classifier"] < bad["fd_classifier"]
    assert good["class_accuracy"] > 0.8 > bad["class_accuracy"]
    assert good["copied_share"] <= 0.2 and good["nn_ratio"] > 0.3  # 100 steps cannot memorise 256 pictures


def test_evaluate_cli_writes_metrics_into_config_and_card(tmp_path, capsys):
    """The real CLI on the bundled MNIST classifier and real MNIST held-out digits."""
    pytest.importorskip("torchmetrics")
    from ganzoo.evaluate import main
    from helpers import tiny_task

    from ganzoo.data import load_images

    mnist = load_images("mnist", "train")
    task = tiny_task("ns", classes=10)
    task.data_info = {"name": "mnist", "sources": ["mnist"], "split": "train"}
    task.mcfg.class_names = [str(k) for k in range(10)]
    out = fit(task, mnist, tiny_loop(tmp_path / "run", steps=3, ckpt_every=3, batch_size=32))
    cfg = json.loads((out / "config.json").read_text())
    cfg["metrics"], cfg["metrics_notes"] = {"kept": 1.0}, "An earlier measurement."
    (out / "config.json").write_text(json.dumps(cfg))
    main([str(out), "-n", "500", "--threads", "1", "--efficientnet-n", "200"])   # the default features: both
    assert "fd_classifier" in capsys.readouterr().out
    cfg = json.loads((out / "config.json").read_text())
    assert {"fd_classifier", "kd_classifier", "class_accuracy", "kept", "fd_efficientnet", "fd_efficientnet_floor"} \
        <= set(cfg["metrics"])
    assert cfg["metrics_notes"].startswith("An earlier measurement.") and "not Inception FID" in cfg["metrics_notes"]
    assert "fd_classifier" in (out / "README.md").read_text()
    main([str(out), "-n", "500", "--threads", "1", "--features", "classifier"])   # a rerun replaces its own note
    assert json.loads((out / "config.json").read_text())["metrics_notes"].count("ganzoo.evaluate") == 1
    with pytest.raises(SystemExit, match="unknown model"):
        main(["no-such-model"])


def test_zoo_reads_checkpoint_folders(checkpoints):
    from ganzoo import zoo

    e = zoo.entry(str(checkpoints / "tiny-cgan"))
    model = ganzoo.load(checkpoints / "tiny-cgan").model
    assert e.params == sum(v.numel() for v in model.state_dict().values())
    assert e.family == "latent" and e.tab == "latent" and e.image_size == 28
    card = e.card()
    assert card.startswith("# tiny-cgan") and "---" not in card.splitlines()[0] and "![" not in card
    assert e.grid() is not None and e.grid().name == "samples.png"
    assert zoo.entry(str(checkpoints / "tiny-inpaint")).tab == "inpaint"
    rows = zoo.table([e])
    assert rows[0][0] == e.name and rows[0][4].endswith(" M") and len(rows[0]) == len(zoo.HEADERS)


def test_zoo_lists_bundled_models_with_tabs():
    import os

    from ganzoo import zoo

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    by_name = {e.name: e for e in zoo.entries()}
    assert {"mnist-cgan", "sketch2emoji", "noto2twemoji", "emoji-inpaint"} <= set(by_name)
    assert [by_name[n].tab for n in ("mnist-cgan", "sketch2emoji", "noto2twemoji", "emoji-inpaint")] == \
        ["latent", "sketch", "transfer", "inpaint"]
    assert by_name["mnist-classifier"].tab is None
    assert "drawn as the asked class" in by_name["mnist-cgan"].headline()
    assert by_name["sketch2emoji"].command.startswith("python train/pix2pix.py")


def test_train_script_trains_the_vae_and_evaluates_at_the_end(tmp_path):
    """train/latent.py --loss vae on real MNIST for a few steps, then --evaluate: the metrics land
    in the exported checkpoint's config.json next to the command that trained it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("train_latent", Path(__file__).parents[1] / "train" / "latent.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = cli.main(["--dataset", "mnist", "--conditional", "--loss", "vae", "--ngf", "8", "--ndf", "8",
                    "--steps", "5", "--batch-size", "32", "--out", str(tmp_path / "run"), "--no-progress",
                    "--threads", "1", "--evaluate", "--features classifier -n 2000"])
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["train"]["loss"] == "vae" and cfg["training"]["train"]["lr_g"] == 1e-3
    assert "--loss vae" in cfg["training"]["command"]
    assert {"fd_classifier", "kd_classifier", "class_accuracy"} <= set(cfg["metrics"])
    assert 0 <= cfg["metrics"]["class_accuracy"] <= 1


def test_inception_features_offline_local_weights_and_pickle_refusal(tmp_path, monkeypatch):
    """The Inception path as a user meets it without network: a clear error; with a local weights
    file (here: the network's own random init, saved as a plain state dict) FID/KID run; a weights
    file holding a pickled object is refused before torch-fidelity would unpickle it."""
    fidelity = pytest.importorskip("torch_fidelity.feature_extractor_inceptionv3")
    from ganzoo.metrics.distribution import inception_net

    monkeypatch.delenv("GANZOO_INCEPTION_WEIGHTS", raising=False)

    def offline(*a, **k):  # the network boundary (GitHub release download)
        import urllib.error
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(fidelity, "load_state_dict_from_url", offline)
    with pytest.raises(RuntimeError, match="GANZOO_INCEPTION_WEIGHTS"):
        feature_net("inception")

    monkeypatch.setattr(fidelity.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd, **k: None)
    monkeypatch.setattr(fidelity, "load_state_dict_from_url", lambda *a, **k: {})
    random_net = fidelity.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    monkeypatch.undo()
    weights = tmp_path / "inception.pth"
    torch.save(random_net.state_dict(), weights)
    monkeypatch.setenv("GANZOO_INCEPTION_WEIGHTS", str(weights))
    net = feature_net("inception")
    assert "Inception" in net.label
    a = _x(blobs(n=24, seed=3))
    m = fid_kid(a, a, net, kid_subset_size=12, kid_subsets=5)
    assert m["fid"] == pytest.approx(0.0, abs=1e-2) and m["n_real"] == 24

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    bad = tmp_path / "evil.pth"
    torch.save({"w": Evil()}, bad)
    with pytest.raises(RuntimeError, match="not a plain Inception weights file"):
        inception_net(str(bad))


def test_recipe_pilots_are_the_bundled_emoji_gan_command_with_only_their_changes():
    """bench/emoji_recipes.py: every pilot parses with train/latent.py's own parser, its base is the
    bundled emoji-gan's recipe, and each recipe differs from the base in exactly the options it names."""
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).parents[1]
    sys.path.insert(0, str(root / "bench"))
    import emoji_recipes

    spec = importlib.util.spec_from_file_location("train_latent", root / "train" / "latent.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)

    def parsed(name):
        cmd = emoji_recipes.command(name, 7, "runs/x", 3)
        assert cmd[0] == "train/latent.py"
        return vars(cli.parse_args(cmd[1:]))

    base = parsed("base")
    bundled = json.loads((root / "checkpoints" / "emoji-gan" / "config.json").read_text())
    assert (base["dataset"], base["ngf"], base["ndf"], base["loss"], base["diffaug"], base["size"]) == (
        bundled["data"]["name"], bundled["model"]["ngf"], bundled["model"]["ndf"], bundled["training"]["train"]["loss"],
        bundled["training"]["train"]["diffaug"], bundled["model"]["img_size"])
    assert (base["steps"], base["seed"], base["threads"], base["out"]) == (7, 3, 1, "runs/x")
    from ganzoo.nn.inference import bf16_is_fast
    # the bundled model trained in bf16; where bf16 would be emulated every pilot trains in fp32 alike
    assert base["mixed_precision"] == ("bf16" if bf16_is_fast() else "no")
    for name, (_, overrides) in emoji_recipes.RECIPES.items():
        args = parsed(name)
        changed = {k for k in base if args[k] != base[k]}
        assert changed == {flag[2:].replace("-", "_") for flag in overrides}, name
    timed = vars(cli.parse_args(emoji_recipes.command("base", 7, "runs/x", 3, minutes=2)[1:]))
    assert timed["time_budget"] == 120 and timed["steps"] > 10_000   # the budget, not the step cap, ends the run
