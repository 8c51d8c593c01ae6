"""A photo given to a line-art pix2pix model becomes a drawing of its edges
(ganzoo.pipelines.translate.as_drawing); drawings pass unchanged."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganzoo.pipelines.translate import looks_like_line_art, photo_to_drawing

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DRAWINGS = sorted((EXAMPLES / "sketches").glob("*.png"))
PICTURES = sorted((EXAMPLES / "photos").glob("*.jpg")) + sorted((EXAMPLES / "transfer").glob("*.png"))


def test_the_example_drawings_are_line_art_and_photos_and_coloured_emoji_are_not():
    assert DRAWINGS and PICTURES
    assert all(looks_like_line_art(Image.open(p)) for p in DRAWINGS)
    assert not any(looks_like_line_art(Image.open(p)) for p in PICTURES)


def test_a_scan_on_off_white_paper_is_still_a_drawing():
    ink = np.asarray(Image.open(DRAWINGS[0]).convert("L"), np.float32) / 255
    paper = (ink[..., None] * 0.8 + 0.1) * np.array([1.0, 0.95, 0.85])[None, None, :] * 255   # grey-beige paper, grey ink
    assert looks_like_line_art(Image.fromarray(paper.astype(np.uint8)))


@pytest.mark.parametrize("photo", ["chelsea.jpg", "coffee.jpg", "astronaut.jpg"])
def test_a_photo_becomes_black_lines_on_white(photo):
    drawing = photo_to_drawing(Image.open(EXAMPLES / "photos" / photo))
    grey = np.asarray(drawing.convert("L"))
    assert max(drawing.size) == 256 and set(np.unique(grey)) <= {0, 255}
    assert 0.02 < (grey == 0).mean() < 0.2, (grey == 0).mean()   # outlines, neither a blank nor a black block
    assert looks_like_line_art(drawing)
