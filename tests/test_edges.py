"""ganzoo.data.edges on its own: colour edges, views and the threshold rule (the loaders' use of it
is in test_paired_data.py)."""
from __future__ import annotations

import numpy as np
import pytest

from ganzoo.data.edges import edges_to_sketch


def _disc(size=64, inside=(200, 40, 40), outside=(60, 108, 60)):
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2
    img = np.empty((1, size, size, 3), np.uint8)
    img[0][disc], img[0][~disc] = inside, outside
    return img, disc


def test_a_red_disc_on_green_still_has_its_outline():
    img, disc = _disc()
    grey = img.astype(float) @ [0.299, 0.587, 0.114]
    assert np.ptp(grey) < 1  # next to no luminance edge
    ink = edges_to_sketch(img)[0, ..., 0] == 0
    ys, xs = np.nonzero(ink)
    r = np.hypot(ys - 32, xs - 32)
    assert ink.sum() >= 80 and (abs(r - 16) <= 2).all()  # one closed ring on the disc's border
    for line in (ink[:, 32], ink[32, :]):
        assert line.sum() == 2


def test_views_and_read_only_input_give_the_same_sketch():
    img, _ = _disc(inside=(250, 250, 250), outside=(0, 0, 200))
    img = np.concatenate([img, img[:, ::-1]])
    img.setflags(write=False)
    out = edges_to_sketch(img[:, :, ::-1])  # a negative-stride view
    np.testing.assert_array_equal(out, edges_to_sketch(np.ascontiguousarray(img[:, :, ::-1])))
    assert out.shape == (2, 64, 64, 1) and set(np.unique(out)) == {0, 255}


def test_lower_thresholds_give_more_edges_and_alpha_is_ignored():
    rng = np.random.default_rng(1)
    img = np.repeat(np.repeat(rng.integers(0, 256, (1, 16, 16, 4), dtype=np.uint8), 4, 1), 4, 2)
    counts = [(edges_to_sketch(img, high=q)[..., 0] == 0).sum() for q in (0.9, 0.7, 0.3)]
    assert 0 < counts[0] <= counts[1] <= counts[2]
    no_alpha = img.copy()
    no_alpha[..., 3] = 0
    np.testing.assert_array_equal(edges_to_sketch(img), edges_to_sketch(no_alpha))
    with pytest.raises(ValueError, match="needs sigma > 0"):
        edges_to_sketch(img, sigma=0)
