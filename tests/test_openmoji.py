"""The openmoji recipe: real line-art → colour pairs from npm (built once, cached in $GANZOO_DATA)."""
from __future__ import annotations

import numpy as np
import pytest

from ganzoo.data import DataUnavailable
from ganzoo.data.emoji import SKIN_TONES, is_heldout
from ganzoo.data.paired import load_pairs


@pytest.fixture(scope="module")
def splits():
    try:
        return load_pairs("openmoji", "train", 32), load_pairs("openmoji", "test", 32)
    except DataUnavailable as e:  # no npm on this machine: the message says what to install
        pytest.skip(str(e))


def test_counts_and_the_held_out_split(splits):
    train, test = splits
    assert (len(train), len(test)) == (1890, 222)
    assert train.a.shape[1:] == (32, 32, 1) and train.b.shape[1:] == (32, 32, 3)
    assert not any(is_heldout(k) for k in train.keys) and all(is_heldout(k) for k in test.keys)
    assert not set(train.keys) & set(test.keys)
    assert train.license == "CC-BY-SA-4.0"
    # the colour is in the drawing: no skin-tone variants, no flags
    for k in train.keys + test.keys:
        cps = k.split("-")
        assert not SKIN_TONES & set(cps) and not any(0x1F1E6 <= int(c, 16) <= 0x1F1FF for c in cps)


def test_line_art_and_colour_are_pixel_aligned(splits):
    train, _ = splits
    ink = train.a[..., 0] < 96                       # black line art
    dark = train.b.max(-1) < 96                      # OpenMoji colour art keeps the black outlines
    # most line-art ink lands on dark outline pixels of its colour version (not shifted)
    overlap = (ink & dark).sum() / ink.sum()
    shifted = (np.roll(ink, 3, axis=2) & dark).sum() / ink.sum()
    assert overlap > 0.6 and overlap > shifted + 0.2, (overlap, shifted)
