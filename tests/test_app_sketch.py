"""The sketch → image tab of the real app through gradio_client: drawn and empty drawing-pad values
(PNG data URLs, as the page's pad sends them), malformed ones,
uploads of any mode, bad files, unknown models and importing released reference weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from ganzoo.nn.unet import Pix2PixConfig, unet_from_config
from ganzoo.pipelines import Pix2PixPipeline

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

SEEN_PX, OUT_PX = 192, 384  # the app's display sizes for a 64 px model (integer nearest upscale)


def _sketchpad(path):
    from appkit.drawpad import as_value

    return as_value(path)


def _drawing(path, size=(384, 384), mode="RGB", stroke=5):
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    w, h = size
    d.ellipse((w * 0.25, h * 0.25, w * 0.75, h * 0.75), outline="black", width=stroke)
    d.line((w * 0.4, h * 0.6, w * 0.6, h * 0.6), fill="black", width=stroke)
    if mode == "RGBA":  # strokes on transparency, as some drawing programs export
        a = 255 - np.asarray(im.convert("L"))
        im = Image.fromarray(np.dstack([np.zeros((h, w, 3), np.uint8), a]), "RGBA")
    elif mode == "I;16":
        im = Image.fromarray((np.asarray(im.convert("L"), np.uint16) * 257))
    else:
        im = im.convert(mode)
    im.save(path)
    return path


def px(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_sketch_endpoint_translates_a_drawing(client, checkpoints, tmp_path):
    seen, out = client.predict(_sketchpad(_drawing(tmp_path / "s.png")), "tiny-sketch", api_name="/sketch2img")
    s, o = px(seen), px(out)
    assert s.shape == (SEEN_PX, SEEN_PX, 3) and o.shape == (OUT_PX, OUT_PX, 3)
    # exactly what the pipeline makes of the same drawing (lossless PNG, nearest upscale)
    want = np.asarray(Pix2PixPipeline.from_pretrained(checkpoints / "tiny-sketch")(Image.open(tmp_path / "s.png")),
                      np.int16)
    assert np.abs(o[::6, ::6] - want).max() <= 1
    # the model input is the drawing centred and binarised: dark ink on a white canvas
    assert s.min() < 50 and (s > 200).mean() > 0.5


def test_an_empty_canvas_clears_the_result(client, tmp_path):
    """The live sketch event: a blank (or cleared) canvas empties both images, no error toast;
    an empty *upload* is still a sentence (upload2img, below)."""
    blank = tmp_path / "blank.png"
    Image.new("RGB", (384, 384), "white").save(blank)
    for value in (_sketchpad(blank), None, ""):
        assert client.predict(value, "tiny-sketch", api_name="/sketch2img") == (None, None)


@pytest.mark.parametrize("value, message", [
    ("hello", "The drawing must be a PNG data URL"),
    ({"composite": "x.png"}, "The drawing must be a PNG data URL"),
    ("data:image/png;base64,not base64!", "The drawing could not be read"),
    ("data:image/png;base64,aGVsbG8=", "The drawing could not be read"),      # base64 of "hello"
])
def test_a_malformed_drawing_gets_one_sentence(client, value, message):
    with pytest.raises(AppError) as e:
        client.predict(value, "tiny-sketch", api_name="/sketch2img")
    assert str(e.value).startswith(message) and "Traceback" not in str(e.value)


@pytest.mark.parametrize("mode", ["RGBA", "L", "I;16", "P", "CMYK"])
def test_uploads_of_any_mode_work(client, tmp_path, mode):
    ext = "jpg" if mode == "CMYK" else "png"
    path = _drawing(tmp_path / f"d.{ext}", size=(900, 500), mode=mode)
    seen, out = client.predict(handle_file(str(path)), "tiny-sketch", api_name="/upload2img")
    assert px(out).shape == (OUT_PX, OUT_PX, 3)
    assert px(seen).min() < 50  # the strokes survived the mode conversion


def test_a_photo_becomes_a_drawing_of_its_edges(client):
    """Left as it was, a photo's dark areas read as ink: the model saw a black block."""
    photo = Path(__file__).resolve().parent.parent / "examples" / "photos" / "chelsea.jpg"
    seen, out = client.predict(handle_file(str(photo)), "tiny-sketch", api_name="/upload2img")
    grey = px(seen).mean(-1)
    assert (grey > 200).mean() > 0.7 and (grey < 80).mean() > 0.02   # white paper, dark lines
    assert px(out).shape == (OUT_PX, OUT_PX, 3)


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "This file is not an image ganzoo can read"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "This file is not an image ganzoo can read"),
])
def test_bad_uploads_get_a_clear_message(client, tmp_path, content, message):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    with pytest.raises(AppError) as e:
        client.predict(handle_file(str(bad)), "tiny-sketch", api_name="/upload2img")
    assert str(e.value).startswith(message) and "Traceback" not in str(e.value)


def test_unknown_model_is_named(client, tmp_path):
    with pytest.raises(AppError, match="Unknown model 'no-such-sketcher'; available models: tiny-sketch"):
        client.predict(_sketchpad(_drawing(tmp_path / "s.png")), "no-such-sketcher", api_name="/sketch2img")


def test_released_reference_weights_import_and_run(client, tmp_path):
    g = unet_from_config(Pix2PixConfig(img_size=64, ngf=4))  # the reference layout, 64 px
    torch.save(g.state_dict(), tmp_path / "edges2tiny.pth")
    update = client.predict(handle_file(str(tmp_path / "edges2tiny.pth")), api_name="/import_reference")
    assert update["value"] == "edges2tiny" and ["edges2tiny", "edges2tiny"] in update["choices"]
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (100, 200, 3), np.uint8)).save(photo)
    seen, out = client.predict(handle_file(str(photo)), "edges2tiny", api_name="/upload2img")
    assert Image.open(out).size == (384, 192)  # an image model keeps the upload's aspect ratio

    class Payload:
        def __reduce__(self):
            return (print, ("code ran",))

    sd = g.state_dict()
    sd["x"] = Payload()
    torch.save(sd, tmp_path / "evil.pth")
    with pytest.raises(AppError, match="refused: it contains pickled Python objects"):
        client.predict(handle_file(str(tmp_path / "evil.pth")), api_name="/import_reference")
    from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config

    torch.save(resnet_from_config(CycleGANConfig(img_size=64, ngf=4, n_blocks=2)).state_dict(), tmp_path / "h2z.pth")
    with pytest.raises(AppError, match="The file h2z.pth holds a released cyclegan generator, not a pix2pix one"):
        client.predict(handle_file(str(tmp_path / "h2z.pth")), api_name="/import_reference")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(AppError, match="Reference weights are .pth files"):
        client.predict(handle_file(str(tmp_path / "notes.txt")), api_name="/import_reference")


def test_bundled_sketch_models_translate(tmp_path):
    """Whatever pix2pix models are bundled in checkpoints/ load and translate the example drawings."""
    from helpers import bundled_with_examples

    names, examples = bundled_with_examples("pix2pix", "sketches")
    for name in names:
        pipe = Pix2PixPipeline.from_pretrained(name)
        seen, made = pipe.translate(examples[0])
        assert made.size == (pipe.size, pipe.size)
        a = np.asarray(made, np.float32)
        assert a.std() > 10  # a picture, not a flat image
