"""The drawing pads' values (appkit/drawpad.py): what the page sends is read back exactly, and
anything else is one sentence."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from ganzoo.errors import InputError
from appkit.drawpad import PREFIX, as_value, decode, decode_mask, picture_value


def _png_url(im: Image.Image) -> str:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return PREFIX + base64.b64encode(buf.getvalue()).decode()


def test_a_drawing_round_trips_and_an_empty_pad_is_none(tmp_path):
    a = np.full((384, 384, 3), 255, np.uint8)
    a[100:110, 50:300] = 0
    Image.fromarray(a).save(tmp_path / "d.png")
    assert np.array_equal(np.asarray(decode(as_value(tmp_path / "d.png"))), a)
    assert decode("") is None and decode(None) is None


def test_the_hole_is_the_painted_alpha_at_the_pictures_size():
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8))
    hole = np.zeros((40, 60), bool)
    hole[5:15, 20:50] = True
    value = picture_value(picture, hole)
    # the server's value shows a small picture exactly, with its size, and carries its hole
    shown = Image.open(io.BytesIO(base64.b64decode(value["picture"][len(PREFIX):])))
    assert np.array_equal(np.asarray(shown), np.asarray(picture)) and (value["width"], value["height"]) == (60, 40)
    assert np.array_equal(decode_mask({"mask": value["mask"]}, picture.size), hole)
    # the page's mask after an eraser pass: partly transparent paint is no hole
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[5:15, 20:50] = (255, 0, 255, 255)
    rgba[5:15, 20:30, 3] = 60
    assert decode_mask({"mask": _png_url(Image.fromarray(rgba))}, (60, 40)).sum() == 10 * 20
    # a mask of another size follows the picture (nearest neighbour)
    assert decode_mask({"mask": value["mask"]}, (120, 80)).sum() == 4 * hole.sum()
    for empty in (None, "", {"mask": ""}, {}):
        assert not decode_mask(empty, (60, 40)).any()


def test_a_large_picture_goes_to_the_page_as_a_small_preview():
    """gradio keeps every session's last pad value: a photo must not cost megabytes each."""
    rng = np.random.default_rng(1)
    photo = Image.fromarray((rng.random((768, 1024, 3)) * 40 + np.linspace(0, 200, 1024)[None, :, None]).astype(np.uint8))
    value = picture_value(photo)
    assert value["picture"].startswith("data:image/jpeg;base64,") and (value["width"], value["height"]) == (1024, 768)
    assert len(value["picture"]) < 400_000


@pytest.mark.parametrize("value, message", [
    ("a drawing", "The drawing must be a PNG data URL"),
    (42, "The drawing must be a PNG data URL"),
    (PREFIX + "%%%", "The drawing could not be read"),
    (PREFIX + base64.b64encode(b"GIF89a not a png").decode(), "The drawing could not be read"),
    (PREFIX + "A" * (9 * 2**20), "The drawing is too large"),
])
def test_bad_drawings_are_one_sentence(value, message):
    with pytest.raises(InputError, match=f"^{message}"):
        decode(value)


@pytest.mark.parametrize("value, message", [
    ("mask", "The painted hole must come as"),
    ({"mask": 3}, "The painted hole must come as"),
    ({"mask": "data:image/jpeg;base64,AAAA"}, "The painted hole must be a PNG data URL"),
])
def test_bad_holes_are_one_sentence(value, message):
    with pytest.raises(InputError, match=f"^{message}"):
        decode_mask(value, (10, 10))


def test_a_stroke_on_a_picture_that_is_gone_is_one_sentence(tmp_path):
    """The inpainting tab keeps the visitor's picture as a file on the server; if the cache budget
    removed it, the next stroke says so (gradio shows it as a toast) instead of failing."""
    import gradio as gr

    from tabs.inpaint import NO_PICTURE, paint_stroke

    with pytest.raises(gr.Error, match="Your picture is no longer on the server"):
        paint_stroke({"mask": ""}, str(tmp_path / "gone.png"), None)
    assert paint_stroke({"mask": ""}, None, None) == (None, None, NO_PICTURE)
