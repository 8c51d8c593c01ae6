"""The inpainting tab of the real app through gradio_client: a painted mask, an empty mask, a full
mask, a big photo, bad files and unknown models."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402


def _editor(tmp_path, picture: Image.Image, hole: np.ndarray | None):
    """An ImageEditor value as an API caller sends it: the background and one RGBA paint layer."""
    picture.save(tmp_path / "bg.png")
    layer = np.zeros((picture.height, picture.width, 4), np.uint8)
    if hole is not None:
        layer[hole] = (255, 0, 255, 255)
    Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
    return {"background": handle_file(str(tmp_path / "bg.png")), "layers": [handle_file(str(tmp_path / "layer.png"))],
            "composite": None}


def _picture(w, h, seed=0):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), np.uint8))


def test_painted_hole_is_filled_and_everything_else_kept(client, tmp_path):
    pic = _picture(300, 200)
    hole = np.zeros((200, 300), bool)
    hole[60:120, 100:180] = True
    gan, base, note = client.predict(_editor(tmp_path, pic, hole), "tiny-inpaint", api_name="/inpaint")
    g, t, a = (np.asarray(Image.open(x).convert("RGB")) for x in (gan, base, tmp_path / "bg.png"))
    assert g.shape == t.shape == a.shape
    assert np.array_equal(g[~hole], a[~hole]) and np.array_equal(t[~hole], a[~hole])
    assert (g[hole] != a[hole]).any(-1).mean() > 0.9
    assert "every pixel outside it is unchanged" in note


def test_empty_and_full_masks(client, tmp_path):
    pic = _picture(96, 64)
    gan, base, note = client.predict(_editor(tmp_path, pic, None), "tiny-inpaint", api_name="/inpaint")
    assert "mask is empty" in note
    shown = np.asarray(Image.open(gan).convert("RGB"))
    assert shown.shape == (256, 384, 3)                      # small pictures are shown ×4, nearest
    assert np.array_equal(shown[::4, ::4], np.asarray(pic))
    full = np.ones((64, 96), bool)
    gan, base, note = client.predict(_editor(tmp_path, pic, full), "tiny-inpaint", api_name="/inpaint")
    assert Image.open(gan).size == (384, 256) and Image.open(base).size == (384, 256)


def test_bad_inputs_get_a_sentence(client, tmp_path):
    pic = _picture(64, 64)
    hole = np.zeros((64, 64), bool)
    hole[10:20, 10:20] = True
    value = _editor(tmp_path, pic, hole)
    with pytest.raises(AppError, match="Unknown model 'nope'"):
        client.predict(value, "nope", api_name="/inpaint")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    bad = dict(value, background=handle_file(str(tmp_path / "junk.png")))
    with pytest.raises(AppError, match="This file is not an image ganzoo can read"):
        client.predict(bad, "tiny-inpaint", api_name="/inpaint")
    # no picture (a cleared editor, or gradio's change event racing its upload): a note, no error
    gan, base, note = client.predict({"background": None, "layers": [], "composite": None}, "tiny-inpaint",
                                     api_name="/inpaint")
    assert gan is None and base is None and note.startswith("Upload a picture")


def test_without_an_inpainting_model_the_classical_result_is_still_shown(tmp_path, monkeypatch):
    """No inpainting checkpoint installed (a checkpoints folder without one): the tab's handler
    returns OpenCV's fill and says why there is no GAN result, instead of an error."""
    from ganzoo import hub

    monkeypatch.setattr(hub, "BUNDLED_DIR", tmp_path / "none")
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "none-either")
    from tabs.inpaint import inpaint_image

    pic = _picture(64, 48)
    pic.save(tmp_path / "bg.png")
    layer = np.zeros((48, 64, 4), np.uint8)
    layer[10:20, 10:30] = (255, 0, 255, 255)
    Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
    gan, classical, note = inpaint_image({"background": {"path": str(tmp_path / "bg.png")},
                                          "layers": [{"path": str(tmp_path / "layer.png")}]}, None)
    assert gan is None and "only OpenCV's result is shown" in note
    c = np.asarray(classical)[::6, ::6]                      # shown ×6
    assert c.shape == (48, 64, 3) and np.array_equal(c[30:], np.asarray(pic)[30:])


def test_bundled_inpainters_fill_the_example_holes():
    """Whatever inpainting models are bundled in checkpoints/ fill the tab's examples (held-out
    emoji with a painted hole): every known pixel kept, and the hole closer to the original
    picture than a fill with the known pixels' mean colour."""
    from ganzoo.pipelines import InpaintPipeline
    from ganzoo.pipelines.inpaint import read_mask
    from helpers import bundled_with_examples

    names, files = bundled_with_examples("inpaint", "inpaint")
    examples = [p for p in files if p.name.count(".") == 1]     # the pictures (not *.mask / *.composite)
    for name in names:
        pipe = InpaintPipeline.from_pretrained(name)
        err_gan = err_mean = 0.0
        for ex in examples:
            original = np.asarray(Image.open(ex).convert("RGB"), np.float32)
            hole = read_mask(ex.with_name(ex.stem + ".mask.png"), (original.shape[1], original.shape[0]))
            assert 0.02 < hole.mean() < 0.6
            filled = np.asarray(pipe.inpaint(Image.open(ex), hole).image.convert("RGB"), np.float32)
            assert np.array_equal(filled[~hole], original[~hole])
            mean_fill = original[~hole].mean(0)
            err_gan += np.abs(filled[hole] - original[hole]).mean()
            err_mean += np.abs(mean_fill - original[hole]).mean()
        assert err_gan < 0.7 * err_mean, (name, err_gan, err_mean)
