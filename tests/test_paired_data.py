"""ganzoo.data.paired (ab:, ab-folders:, hf:, edges: pair specs) and ganzoo.data.edges, on tiny
real files made here."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.data.edges import edges_to_sketch
from ganzoo.data.paired import PairSet, load_pairs

torch.set_num_threads(1)

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


def _save(path, arr, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, np.uint8), mode).save(path)


def _ab_image(left, right, h=20, w=40):
    img = np.empty((h, w, len(left)) if isinstance(left, tuple) else (h, w), np.uint8)
    img[:, : w // 2], img[:, w // 2:] = left, right
    return img


def _mean_colour(x):
    return x.reshape(-1, x.shape[-1]).mean(0)


def _close(x, colour, tol=12):
    return np.allclose(_mean_colour(x), colour, atol=tol)


# ---------------------------------------------------------------------------------------------
# ab:PATH


@pytest.fixture
def ab_root(tmp_path):
    root = tmp_path / "facades"
    _save(root / "train" / "1.jpg", _ab_image(RED, BLUE))
    _save(root / "train" / "2.png", _ab_image(RED, BLUE, w=41))  # odd width is fine
    _save(root / "val" / "3.png", _ab_image(60, 200), "L")  # grey AB image: both sides stay grey
    return root


def test_ab_splits_halves_into_a_and_b(ab_root):
    ps = load_pairs(f"ab:{ab_root}", "train", size=16)
    assert isinstance(ps, PairSet) and len(ps) == 2
    assert ps.a.shape == ps.b.shape == (2, 16, 16, 3) and ps.a.dtype == np.uint8
    assert _close(ps.a, RED) and _close(ps.b, BLUE)
    assert ps.keys == ["train/1.jpg", "train/2.png"]
    assert ps.name == f"ab:{ab_root}"


def test_ab_btoa_swaps_and_test_uses_val(ab_root):
    swapped = load_pairs(f"ab:{ab_root}@BtoA", "train", size=16)
    assert _close(swapped.a, BLUE) and _close(swapped.b, RED)
    test = load_pairs(f"ab:{ab_root}", "test", size=8)
    assert test.keys == ["val/3.png"]
    assert test.a.shape == test.b.shape == (1, 8, 8, 1)
    assert _close(test.a, [60], 1) and _close(test.b, [200], 1)
    assert len(load_pairs(f"ab:{ab_root}", "all", size=8)) == 3


def test_ab_flat_folder_and_default_size(tmp_path):
    _save(tmp_path / "x.png", _ab_image(RED, GREEN, h=8, w=16))
    ps = load_pairs(f"ab:{tmp_path}")
    assert ps.a.shape == (1, 128, 128, 3) and _close(ps.b, GREEN, 2)
    with pytest.raises(ValueError, match="no test/ or val/ subfolder, so it has no held-out part"):
        load_pairs(f"ab:{tmp_path}", "test")


def test_ab_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"folder .*nowhere does not exist"):
        load_pairs(f"ab:{tmp_path / 'nowhere'}")
    (tmp_path / "empty" / "train").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no images .* for split 'train' in .*empty"):
        load_pairs(f"ab:{tmp_path / 'empty'}")
    with pytest.raises(ValueError, match="unknown direction 'sideways', use @AtoB or @BtoA"):
        load_pairs(f"ab:{tmp_path}@sideways")
    _save(tmp_path / "thin" / "t.png", np.zeros((10, 1, 3)))
    with pytest.raises(ValueError, match=r"t\.png is 1 px wide.*at least 2 px"):
        load_pairs(f"ab:{tmp_path / 'thin'}")


# ---------------------------------------------------------------------------------------------
# ab-folders:PATH


def test_ab_folders_with_splits_matches_stems_and_warns_once(tmp_path):
    for split, stem in (("train", "x"), ("train", "y"), ("test", "z")):
        _save(tmp_path / "A" / split / f"{stem}.png", np.full((12, 12), 30), "L")
        _save(tmp_path / "B" / split / f"{stem}.jpg", np.full((24, 24, 3), GREEN))  # 2× is fine
    _save(tmp_path / "A" / "train" / "lonely.png", np.zeros((12, 12)), "L")
    _save(tmp_path / "B" / "train" / "alone.png", np.zeros((12, 12)), "L")
    with pytest.warns(UserWarning, match="skipping 2 image") as record:
        ps = load_pairs(f"ab-folders:{tmp_path}", "train", size=8)
    assert len(record) == 1
    assert ps.keys == ["train/x", "train/y"]
    assert ps.a.shape == (2, 8, 8, 1) and ps.b.shape == (2, 8, 8, 3)
    assert _close(ps.a, [30], 1) and _close(ps.b, GREEN)
    assert load_pairs(f"ab-folders:{tmp_path}", "test", size=8).keys == ["test/z"]
    with pytest.warns(UserWarning):
        assert len(load_pairs(f"ab-folders:{tmp_path}", "all", size=8)) == 3


def test_ab_folders_without_splits(tmp_path):
    for stem in ("p", "q"):
        _save(tmp_path / "A" / f"{stem}.png", np.full((10, 10, 3), RED))
        _save(tmp_path / "B" / f"{stem}.png", np.full((10, 10, 3), BLUE))
    ps = load_pairs(f"ab-folders:{tmp_path}", "train", size=8)
    assert ps.keys == ["p", "q"] and _close(ps.a, RED, 1) and _close(ps.b, BLUE, 1)
    assert load_pairs(f"ab-folders:{tmp_path}", "all", size=8).keys == ["p", "q"]
    with pytest.raises(ValueError, match=r"/A has no test/ or val/ subfolder, so it has no held"):
        load_pairs(f"ab-folders:{tmp_path}", "test")


def test_ab_folders_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere does not exist"):
        load_pairs(f"ab-folders:{tmp_path / 'nowhere'}")
    (tmp_path / "A").mkdir()
    with pytest.raises(FileNotFoundError, match="has no A/ and B/ subfolders"):
        load_pairs(f"ab-folders:{tmp_path}")
    (tmp_path / "B").mkdir()
    with pytest.raises(ValueError, match=r"no images .* for split 'train'"):
        load_pairs(f"ab-folders:{tmp_path}")
    _save(tmp_path / "A" / "one.png", np.zeros((10, 10)), "L")
    _save(tmp_path / "B" / "two.png", np.zeros((10, 10)), "L")
    with pytest.raises(ValueError, match="none of the 2 images of split 'train' has a partner"):
        load_pairs(f"ab-folders:{tmp_path}")
    _save(tmp_path / "A" / "two.png", np.zeros((10, 20)), "L")
    with pytest.raises(ValueError, match=r"two\.png: A is 20×10 but B is 10×10; .*aspect ratio"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_pairs(f"ab-folders:{tmp_path}")


# ---------------------------------------------------------------------------------------------
# hf:NAME[@SPLIT]


def _hf_dataset(columns: dict, n: int):
    import datasets

    feats = {c: datasets.Image() if isinstance(v, tuple) else datasets.Value("string")
             for c, v in columns.items()}
    rows = {c: [Image.new("RGB", (10, 10), v) if isinstance(v, tuple) else v for _ in range(n)]
            for c, v in columns.items()}
    return datasets.Dataset.from_dict(rows, features=datasets.Features(feats))


def test_hf_pairs_choose_columns_by_name_and_split(tmp_path):
    import datasets

    cols = {"photo": RED, "caption": "a cat", "sketch": BLUE}  # photo first, yet it is B
    dd = datasets.DatasetDict(train=_hf_dataset(cols, 3), test=_hf_dataset(cols, 1))
    dd.save_to_disk(str(tmp_path / "sk"))
    ps = load_pairs(f"hf:{tmp_path / 'sk'}", "train", size=8)
    assert ps.a.shape == ps.b.shape == (3, 8, 8, 3)
    assert _close(ps.a, BLUE, 1) and _close(ps.b, RED, 1)
    assert len(load_pairs(f"hf:{tmp_path / 'sk'}", "test", size=8)) == 1
    assert len(load_pairs(f"hf:{tmp_path / 'sk'}@test", "train", size=8)) == 1

    _hf_dataset({"x": GREEN, "y": RED}, 2).save_to_disk(str(tmp_path / "xy"))
    ps = load_pairs(f"hf:{tmp_path / 'xy'}", size=8)  # no known names: first → A, second → B
    assert _close(ps.a, GREEN, 1) and _close(ps.b, RED, 1)


def test_hf_pairs_need_two_image_columns(tmp_path):
    _hf_dataset({"image": RED, "text": "hi"}, 2).save_to_disk(str(tmp_path / "one"))
    with pytest.raises(ValueError, match=r"needs two image columns \(A and B\) but has 1 "
                                         r"\(columns: image, text\)"):
        load_pairs(f"hf:{tmp_path / 'one'}")


# ---------------------------------------------------------------------------------------------
# edges:SPEC and edges_to_sketch


def _square(size=32, lo=10, hi=22):
    img = np.full((size, size), 255, np.uint8)
    img[lo:hi, lo:hi] = 0
    return img


def test_edges_pairs_from_a_folder(tmp_path):
    _save(tmp_path / "sq.png", _square(), "L")
    _save(tmp_path / "flat.png", np.full((32, 32), 128), "L")
    ps = load_pairs(f"edges:folder:{tmp_path}", size=32)
    assert ps.keys == ["flat.png", "sq.png"] and ps.name == f"edges:folder:{tmp_path}"
    assert ps.a.shape == ps.b.shape == (2, 32, 32, 1)  # a grey set stays one channel
    np.testing.assert_array_equal(ps.b[1, ..., 0], _square())
    assert (ps.a[0] == 255).all()  # a flat image: blank sketch
    assert set(np.unique(ps.a)) <= {0, 255}

    ink = ps.a[1, ..., 0] == 0
    ys, xs = np.nonzero(ink)
    # every ink pixel hugs the square's border (10..21) and the outline goes all round it
    assert ((ys >= 8) & (ys <= 23) & (xs >= 8) & (xs <= 23)).all()
    assert not ink[12:20, 12:20].any()
    for line in (ink[:, 16], ink[16, :]):  # thin: one pixel on each side of the square
        assert line.sum() == 2
    assert ink.sum() >= 40


def test_edges_to_sketch_batched_deterministic_any_channels():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 24, 30, 3), dtype=np.uint8)
    rgb[2] = 77  # flat
    first = edges_to_sketch(rgb)
    assert first.shape == (3, 24, 30, 1) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, edges_to_sketch(rgb))
    np.testing.assert_array_equal(first[:1], edges_to_sketch(rgb[:1]))  # per image, not per batch
    assert (first[2] == 255).all() and (first[0] == 0).any()
    assert edges_to_sketch(rng.integers(0, 256, (1, 8, 8, 2), dtype=np.uint8)).shape == (1, 8, 8, 1)


def test_edges_errors():
    with pytest.raises(ValueError, match=r"needs a uint8 N×H×W×C array, not a float32 array "
                                         r"of shape \(2, 8, 8\)"):
        edges_to_sketch(np.zeros((2, 8, 8), np.float32))
    with pytest.raises(ValueError, match="needs 0 < high < 1 and 0 < low <= 1"):
        edges_to_sketch(np.zeros((1, 8, 8, 1), np.uint8), high=1.5)
    with pytest.raises(ValueError, match="unknown data spec 'nope'"):
        load_pairs("edges:nope")


def test_unknown_pair_spec():
    with pytest.raises(ValueError, match=r"unknown paired data spec 'photos'.*ab:PATH\[@BtoA\]"):
        load_pairs("photos")
