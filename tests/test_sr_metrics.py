"""`python -m ganzoo.evaluate` on super-resolution models (ganzoo.evaluate.sr_metrics): held-out
pictures shrunk by the factor, upscaled by the pipeline as the app runs it and by bicubic, scored
by PSNR / SSIM on the Y channel with a border cropped; the numbers are checked against an
independent computation on a network that is exactly nearest-neighbour upscaling."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo import evaluate, hub, metric_names
from ganzoo.nn.sr import SRConfig, sr_generator
from ganzoo.pipelines import SRPipeline

tm_image = pytest.importorskip("torchmetrics.functional.image")

TINY = SRConfig(arch="compact", num_feat=8, num_conv=2)
SIZES = (32, 64, 128)
EMOJI = {"name": "emoji-svg", "sources": ["twemoji", "openmoji"]}   # ganzoo.data.sr, as train/sr.py records it


def tiny_checkpoint(folder, zero: bool = False, **config):
    torch.manual_seed(0)
    net = sr_generator(TINY)
    if zero:   # every weight and bias 0: the body adds nothing to the nearest-upsampled input
        for p in net.parameters():
            torch.nn.init.zeros_(p)
    return hub.save_checkpoint(folder, {"family": "sr", "model": TINY.to_dict(), **config}, net.state_dict(),
                               dtype=torch.float32)


def y_601(rgb: np.ndarray) -> torch.Tensor:
    """BT.601 studio-swing luma (MATLAB's rgb2ycbcr) from its rounded textbook coefficients."""
    r, g, b = (torch.from_numpy(rgb[..., i].astype(np.float64)) for i in range(3))
    return 16 + 0.256788 * r + 0.504129 * g + 0.097906 * b


def reference_scores(out: np.ndarray, truth: np.ndarray, border: int) -> tuple[float, float]:
    """(PSNR, SSIM) by torchmetrics (float64) on BT.601 luma with the border cropped."""
    a, b = (y[border:-border, border:-border][None, None] for y in (y_601(out), y_601(truth)))
    return (float(tm_image.peak_signal_noise_ratio(a, b, data_range=255.0)),
            float(tm_image.structural_similarity_index_measure(a, b, data_range=255.0)))


def test_psnr_and_ssim_on_known_pictures():
    grey = np.full((40, 40, 3), 100, np.uint8)
    lighter = np.full((40, 40, 3), 110, np.uint8)
    # +10 on R, G and B is +10·219/255 on Y: PSNR = 20·log10(255 / 8.588…)
    assert evaluate.psnr_y(lighter, grey) == pytest.approx(20 * math.log10(255 / (10 * 219 / 255)), abs=1e-3)
    assert evaluate.psnr_y(grey, grey) == evaluate.PSNR_CAP_DB
    framed = grey.copy()
    framed[:4], framed[-4:], framed[:, :4], framed[:, -4:] = 0, 0, 0, 0
    assert evaluate.psnr_y(framed, grey, border=4) == evaluate.PSNR_CAP_DB   # the cropped border does not count
    assert evaluate.psnr_y(framed, grey, border=3) < 30
    assert evaluate.ssim_y(grey, grey) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    smooth = np.asarray(Image.fromarray(rng.integers(0, 256, (8, 8, 3), np.uint8)).resize((60, 44), Image.BICUBIC))
    for noise in (0, 3, 20):   # the same SSIM as torchmetrics' (in float64) on the luma
        noisy = np.clip(smooth + rng.normal(0, noise, smooth.shape), 0, 255).astype(np.uint8)
        assert evaluate.ssim_y(noisy, smooth, 4) == pytest.approx(reference_scores(noisy, smooth, 4)[1], abs=1e-6)
    assert 0.5 < evaluate.ssim_y(noisy, smooth) < 0.9   # σ 20 of noise on a smooth picture
    net = evaluate.feature_net_sr()   # the emoji SR training's perceptual loss, as a distance
    slightly = np.clip(smooth + rng.normal(0, 3, smooth.shape), 0, 255).astype(np.uint8)
    assert evaluate.feature_l1(net, smooth, smooth, 4) == 0
    assert 0 < evaluate.feature_l1(net, slightly, smooth, 4) < evaluate.feature_l1(net, noisy, smooth, 4)
    # the low-resolution input: PIL's antialiased bicubic (a 1-px checkerboard shrinks to flat grey)
    board = (np.indices((64, 64)).sum(0) % 2 * 255).astype(np.uint8)[..., None].repeat(3, -1)
    small = evaluate.shrink(board, 4)
    assert small.shape == (16, 16, 3) and abs(float(small[2:-2, 2:-2].mean()) - 127.5) < 2 and small.std() < 3


def test_scores_equal_an_independent_computation_for_a_nearest_neighbour_network(tmp_path):
    """A compact network with every weight 0 is exactly nearest-neighbour ×4 (its residual path), so
    its PSNR is known: the same pictures through PIL's nearest and bicubic, scored by torchmetrics'
    PSNR on BT.601 luma, must give the report's model and bicubic numbers; a flat picture comes
    back exactly from both."""
    pipe = SRPipeline.from_pretrained(tiny_checkpoint(tmp_path / "nearest", zero=True, data=EMOJI))
    rng = np.random.default_rng(1)
    pictures = [np.asarray(Image.fromarray(rng.integers(0, 256, (6, 6, 3), np.uint8)).resize((128, 96), Image.BICUBIC))
                for _ in range(3)]
    small = evaluate.shrink(pictures[0], 4)
    assert np.array_equal(np.asarray(pipe(small, 4)), np.asarray(Image.fromarray(small).resize((128, 96), Image.NEAREST)))

    rep = evaluate.sr_heldout(pipe, lambda px, s: [(str(i), p) for i, p in enumerate(pictures)], sizes=(32,))
    for who, resample in (("model", Image.NEAREST), ("bicubic", Image.BICUBIC)):
        psnr, ssim = np.mean([reference_scores(np.asarray(Image.fromarray(evaluate.shrink(p, 4)).resize((128, 96), resample)),
                                               p, 4) for p in pictures], axis=0)
        assert rep.metrics[f"heldout_x4_32px_{who}_psnr"] == pytest.approx(psnr, abs=2e-3), who
        assert rep.metrics[f"heldout_x4_32px_{who}_ssim"] == pytest.approx(ssim, abs=2e-4), who
    assert rep.metrics["heldout_x4_32px_model_ssim"] < rep.metrics["heldout_x4_32px_bicubic_ssim"] < 1
    assert 15 < rep.metrics["heldout_x4_32px_model_psnr"] < rep.metrics["heldout_x4_32px_bicubic_psnr"] < 60
    assert rep.metrics["heldout_x4_32px_gain_over_bicubic_db"] == pytest.approx(
        rep.metrics["heldout_x4_32px_model_psnr"] - rep.metrics["heldout_x4_32px_bicubic_psnr"], abs=0.01)

    flat = evaluate.sr_heldout(pipe, lambda px, s: [("flat", np.full((4 * px, 4 * px, 3), 77, np.uint8))], sizes=(16,))
    assert flat.metrics["heldout_x4_16px_model_psnr"] == flat.metrics["heldout_x4_16px_bicubic_psnr"] == 100
    assert flat.metrics["heldout_x4_16px_model_ssim"] == pytest.approx(1.0)


def _words_and_finite(rep, sizes):
    for px in sizes:
        for who in ("model", "bicubic"):
            for what in ("psnr", "ssim"):
                assert math.isfinite(rep.metrics[f"heldout_x4_{px}px_{who}_{what}"])
            assert rep.metrics[f"heldout_x4_{px}px_{who}_feature_l1"] > 0
            assert rep.metrics[f"heldout_x4_{px}px_{who}_fd_efficientnet"] > 0
            assert math.isfinite(rep.metrics[f"heldout_x4_{px}px_{who}_kd_efficientnet"])   # 4 pictures: any sign
        assert math.isfinite(rep.metrics[f"heldout_x4_{px}px_gain_over_bicubic_db"])
    stored = [k for k in rep.metrics if not k.startswith("n_")]   # what `evaluate --write` stores
    assert len(stored) == 11 * len(sizes)
    assert not [k for k in stored if metric_names.human(k) == k], "metric keys without words (ganzoo/metric_names.py)"
    assert "_" not in metric_names.headline(rep.metrics)


def test_sr_metrics_on_a_tiny_emoji_checkpoint_through_the_registry(tmp_path):
    folder = tiny_checkpoint(tmp_path / "tiny-sr", data=EMOJI)
    rep = evaluate.evaluate(str(folder), write=True, limit=4)
    _words_and_finite(rep, SIZES)
    assert rep.extra["n"] == {32: 4, 64: 4, 128: 4} and rep.extra["precision"] == "fp32"
    assert "4 held-out emoji (Twemoji and OpenMoji SVGs" in rep.notes and "Y channel" in rep.notes
    assert "`emoji-classifier`" in rep.notes
    bicubic_psnr = [rep.metrics[f"heldout_x4_{px}px_bicubic_psnr"] for px in SIZES]
    assert 18 < bicubic_psnr[0] < bicubic_psnr[-1] < 45   # flat-colour art: bigger inputs keep more of it
    stored = json.loads((folder / "config.json").read_text())
    assert stored["metrics"]["heldout_x4_64px_model_ssim"] == rep.metrics["heldout_x4_64px_model_ssim"]
    assert "n_heldout_32px" not in stored["metrics"] and "held-out emoji" in stored["metrics_notes"]
    assert "PSNR on the Y channel" in (folder / "README.md").read_text()


def test_a_released_model_is_measured_on_the_example_photos(tmp_path):
    folder = tiny_checkpoint(tmp_path / "tiny-release", released={"title": "tiny", "source": "here"})
    rep = evaluate.sr_metrics(hub.load(folder))
    _words_and_finite(rep, SIZES)
    # centre crops at the photos' own resolution: a 512-px long side only fits three of the four
    assert rep.extra["n"] == {32: 4, 64: 4, 128: 3}
    assert "example photos" in rep.notes and "chelsea" in rep.notes


def test_the_emoji_truth_is_the_large_half_of_the_sr_datas_heldout_pairs():
    from ganzoo.data.sr import load_sr_pairs

    held = load_sr_pairs("twemoji", "test", 8, 4)
    truth = dict(evaluate.heldout_emoji("twemoji", 8, 4))
    assert len(truth) == len(held.keys) > 150
    assert all(np.array_equal(truth[k], b) for k, b in zip(held.keys, held.b))
    every = [k for k, _ in evaluate.heldout_emoji("emoji-svg", 8, 4)]   # Twemoji's, then OpenMoji's
    assert every[0].startswith("twemoji:") and every[-1].startswith("openmoji:")
    assert [k for k, _ in evaluate.heldout_emoji("emoji-svg", 8, 4, limit=3)] == \
        [every[0], every[round((len(every) - 1) / 2)], every[-1]]   # a limit spreads over both vendors
