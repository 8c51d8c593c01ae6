"""Photo super-resolution data: Real-ESRGAN's degradations (ganzoo.data.degrade) and the pairs cut
from the photos recipe (ganzoo.data.photo_sr), on a tiny real .deb (tests/test_photos.py's
fixture); then the sr training command on them, exported and measured on the held-out photo."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ganzoo.data import degrade as dg
from ganzoo.data import photo_sr
from ganzoo.training import cli
from test_photos import TEST_P, TRAIN_P, install_fake_deb

SCALE = 4


@pytest.fixture
def fake(tmp_path, monkeypatch):
    return install_fake_deb(tmp_path, monkeypatch)


def photo(seed=0, side=128):
    """A smooth random picture with edges (no flat areas, so every degradation shows)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (side // 8, side // 8, 3), dtype=np.uint8)
    return cv2.resize(small, (side, side), interpolation=cv2.INTER_NEAREST)


def test_kernels_sum_to_one_and_turn_with_theta():
    k = dg.gaussian_kernel(15, 3.0, 0.5, 0.0)
    assert k.shape == (15, 15) and abs(float(k.sum()) - 1) < 1e-5
    assert k[7, 0] > k[0, 7] * 100            # wide along x, narrow along y
    turned = dg.gaussian_kernel(15, 3.0, 0.5, np.pi / 2)
    assert np.allclose(turned, k.T, atol=1e-6)


def test_degrade_is_seeded_sized_and_really_degrades():
    hr = photo()
    a = dg.degrade(hr, SCALE, np.random.default_rng(1))
    again = dg.degrade(hr, SCALE, np.random.default_rng(1))
    other = dg.degrade(hr, SCALE, np.random.default_rng(2))
    assert a.dtype == np.uint8 and a.shape == (32, 32, 3)
    assert np.array_equal(a, again) and not np.array_equal(a, other)
    clean = cv2.resize(hr, (32, 32), interpolation=cv2.INTER_AREA)
    # over many draws the degraded picture is far from the clean shrink, not a rounding away
    gaps = [np.abs(dg.degrade(hr, SCALE, np.random.default_rng(s)).astype(float) - clean).mean() for s in range(8)]
    assert np.mean(gaps) > 5


def test_noise_and_jpeg_steps():
    img = np.full((64, 64, 3), 0.5, np.float32)
    st = dg.DEFAULT[0]
    noisy = dg.add_noise(img, st, np.random.default_rng(0))
    assert noisy.shape == img.shape and 0 <= noisy.min() and noisy.max() <= 1 and noisy.std() > 0.002
    ramp = np.tile(np.linspace(0, 1, 64, dtype=np.float32)[None, :, None], (64, 1, 3))
    assert np.abs(dg.jpeg(ramp, 95) - ramp).max() < 0.05 < np.abs(dg.jpeg(photo(3, 64) / 255.0, 10) - photo(3, 64) / 255.0).max()


def test_degrade_refuses_what_it_cannot_take():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="multiple of the factor"):
        dg.degrade(photo()[:127], SCALE, rng)
    with pytest.raises(ValueError, match="uint8 H×W×3"):
        dg.degrade(photo().astype(np.float32), SCALE, rng)


def test_pairs_from_the_photos_recipe(fake):
    train = photo_sr.load_photo_sr_pairs("train", size=16, scale=SCALE, crops=3, max_side=300)
    test = photo_sr.load_photo_sr_pairs("test", size=16, scale=SCALE, crops=2, max_side=300)
    assert train.a.shape == (3, 16, 16, 3) and train.b.shape == (3, 64, 64, 3)
    assert [k.split(":")[0] for k in train.keys] == [TRAIN_P.name] * 3
    assert [k.split(":")[0] for k in test.keys] == [TEST_P.name] * 2
    again = photo_sr.load_photo_sr_pairs("train", size=16, scale=SCALE, crops=3, max_side=300)
    assert np.array_equal(again.a, train.a) and np.array_equal(again.b, train.b)
    # every truth is a crop of the photo itself
    full = dict(photo_sr.load_photos("train", max_side=300))[TRAIN_P.name]
    win = np.lib.stride_tricks.sliding_window_view(full, (64, 64, 3))[..., 0, :, :, :]
    assert all((win == b).all(axis=(-3, -2, -1)).any() for b in train.b)
    with pytest.raises(ValueError, match="short side"):
        photo_sr.load_photo_sr_pairs("test", size=64, scale=SCALE, max_side=300)


def test_train_command_on_photos_exports_and_measures(fake, tmp_path):
    out = tmp_path / "run"
    cli.main("sr", ["--dataset", "photos", "--size", "16", "--crops", "4", "--crop", "16", "--num-feat", "8",
                    "--num-conv", "2", "--ndf", "8", "--batch-size", "2", "--l1-steps", "2", "--steps", "4",
                    "--no-progress", "--out", str(out), "--evaluate", "--threads", "1"])
    cfg = json.loads((out / "final" / "config.json").read_text())
    assert cfg["data"]["name"] == "photos" and cfg["data"]["n_photos"] == 1 and cfg["data"]["n_pairs"] == 4
    # the held-out photo (160 px long at most) is measured at the input sizes it is large enough for
    assert "heldout_x4_32px_model_psnr" in cfg["metrics"] and "heldout_x4_64px_model_psnr" not in cfg["metrics"]
    assert TEST_P.name in (out / "final" / "README.md").read_text()


def test_teacher_targets_are_the_teachers_answers_and_cached_by_input(fake):
    import torch
    from ganzoo.data import distil
    pairs = photo_sr.load_photo_sr_pairs("train", size=16, scale=SCALE, crops=3, max_side=300)
    net, sha = distil.teacher_network("realesr-animevideov3")   # the fast packaged one, read from its ncnn files
    taught = distil.teacher_targets(pairs, "realesr-animevideov3", SCALE, batch=2, cache="t.npz")
    x = torch.from_numpy(pairs.a[1:2]).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        want = net(x).clamp(0, 1).mul(255).round().byte()[0].permute(1, 2, 0).numpy()
    assert np.abs(taught.b[1].astype(int) - want).max() <= 1 and np.array_equal(taught.a, pairs.a)
    assert taught.b.shape == pairs.b.shape and not np.array_equal(taught.b, pairs.b)
    assert len(sha) == 64 and "realesr-animevideov3" in taught.name
    # the cache holds these answers under these inputs ...
    hit = distil.load_cache("t.npz", distil._fingerprint(pairs, "realesr-animevideov3", sha))
    assert hit is not None and np.array_equal(hit["b"], taught.b)
    # ... and other inputs are never given the cached answers
    other = photo_sr.load_photo_sr_pairs("train", size=16, scale=SCALE, crops=3, max_side=300, seed=5)
    assert distil.load_cache("t.npz", distil._fingerprint(other, "realesr-animevideov3", sha)) is None
    assert not np.array_equal(distil.teacher_targets(other, "realesr-animevideov3", SCALE, cache="t.npz").b, taught.b)


def test_train_command_distils_a_teacher(fake, tmp_path):
    out = tmp_path / "run"
    cli.main("sr", ["--dataset", "photos", "--size", "16", "--crops", "2", "--crop", "16", "--num-feat", "8",
                    "--num-conv", "2", "--ndf", "8", "--batch-size", "2", "--l1-steps", "2", "--steps", "3",
                    "--teacher", "realesrgan-x4plus", "--no-progress", "--out", str(out), "--threads", "1"])
    cfg = json.loads((out / "final" / "config.json").read_text())
    assert cfg["data"]["teacher"]["name"] == "realesrgan-x4plus"
    with pytest.raises(SystemExit):
        cli.main("sr", ["--dataset", "twemoji", "--teacher", "realesrgan-x4plus", "--out", str(tmp_path / "x")])
