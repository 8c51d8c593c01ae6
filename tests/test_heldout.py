"""Held-out measurements of the image-to-image families (ganzoo.metrics.heldout) and
`python -m ganzoo.evaluate` on them: real tiny models on the real held-out emoji splits."""
from __future__ import annotations

import json
import os

import pytest
import torch

from ganzoo.metrics.heldout import cyclegan_heldout, hole_scores, inpaint_heldout, mean_fill, translation_scores
from ganzoo.training import fit
from helpers import tiny_loop

pytest.importorskip("torchmetrics")


def test_translation_and_hole_scores_on_known_images():
    real = torch.rand(4, 3, 32, 32) * 2 - 1
    perfect = translation_scores(real, real)
    assert perfect["l1"] == 0 and perfect["ssim"] == pytest.approx(1.0) and perfect["psnr"] > 60
    off = translation_scores((real + 0.2).clamp(-1, 1), real)   # 0.1 on the [0, 1] scale
    assert 0.05 < off["l1"] <= 0.1 and 19 < off["psnr"] < 21.5
    m = torch.zeros(4, 1, 32, 32)
    m[..., 8:24, 8:24] = 1
    fake = torch.where(m > 0.5, -real, real)
    inside = hole_scores(fake, real, m)
    assert inside["l1"] > 0.2 and hole_scores(real, real, m)["l1"] == 0
    filled = mean_fill(real, m)
    assert torch.equal(filled[m.expand_as(real) < 0.5], real[m.expand_as(real) < 0.5])


def test_cyclegan_heldout_on_the_emoji_split(tmp_path):
    """A tiny CycleGAN between the real Noto and Twemoji styles: the identity rows are the input
    itself (checked by hand), and the keys are the ones the cards use."""
    from ganzoo.data import load_images
    from ganzoo.data.unpaired import UnpairedSet
    from ganzoo.nn.resnet import CycleGANConfig
    from ganzoo.pipelines import CycleGANPipeline
    from ganzoo.training import CycleGANTask, CycleGANTrainConfig

    a, b = load_images("noto", "train", 64), load_images("twemoji", "train", 64)
    data = UnpairedSet(a=a.images[:16], b=b.images[:16], keys_a=None, keys_b=None, name_a="noto", name_b="twemoji")
    task = CycleGANTask(CycleGANConfig(img_size=64, ngf=4, ndf=4, n_blocks=1), CycleGANTrainConfig(pool_size=2),
                        {"name": "noto↔twemoji", "sources": ["noto", "twemoji"]}, domains=("noto", "twemoji"))
    out = fit(task, data, tiny_loop(tmp_path, steps=2, batch_size=2))
    rep = cyclegan_heldout(CycleGANPipeline.from_pretrained(out), ("noto", "twemoji"))
    ident = rep.rows["a2b"]["identity"]
    xa, xb = rep.extra["xa"], rep.extra["xb"]
    assert ident["l1"] == pytest.approx(float((xa - xb).abs().mean() / 2), rel=1e-5)
    assert rep.extra["n"] > 300 and 0 < ident["top1"] < 1
    assert {"heldout_a2b_l1", "heldout_b2a_identity_top1", "heldout_b2a_median_rank"} <= set(rep.metrics)
    assert rep.extra["outs"]["a2b"].shape == xa.shape


def test_inpaint_heldout_keeps_known_pixels_and_beats_mean_fill():
    from ganzoo.pipelines import InpaintPipeline

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    rep = inpaint_heldout(InpaintPipeline.from_pretrained("emoji-inpaint"), "emoji", limit=24)
    x = rep.extra["x"]
    for (hole, meth), out in rep.extra["outs"].items():
        keep = rep.extra["masks"][hole].expand_as(x) < 0.5
        assert torch.allclose(out[keep], x[keep], atol=1 / 127.5), (hole, meth)
    for hole in ("small", "medium", "large"):
        assert rep.rows[(hole, "ganzoo")]["psnr"] > rep.rows[(hole, "mean fill")]["psnr"] + 2
    assert set(rep.extra["gains"]) == {"small", "medium", "large"}


def test_evaluate_cli_on_the_bundled_pix2pix_repeats_its_card(tmp_path, capsys):
    """`python -m ganzoo.evaluate` on a copy of sketch2emoji measures what bench/sketch_quality.py
    wrote into its card, and writes it back."""
    import shutil

    from ganzoo import hub
    from ganzoo.evaluate import main

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    copy = tmp_path / "sketch2emoji"
    shutil.copytree(hub.resolve("sketch2emoji"), copy)
    before = json.loads((copy / "config.json").read_text())["metrics"]
    main([str(copy), "--threads", "2"])
    cfg = json.loads((copy / "config.json").read_text())
    for k in ("heldout_l1", "heldout_psnr", "heldout_ssim", "heldout_handdrawn_psnr"):
        assert cfg["metrics"][k] == pytest.approx(before[k], abs=2e-4), k
    assert cfg["metrics_notes"].count("Measured by `python -m ganzoo.evaluate`") == 1
    assert "heldout_psnr" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="nothing to evaluate"):
        main(["mnist-classifier", "--no-write"])
