"""The super-resolution tab of the real app through gradio_client: a bundled model and a packaged
released one (converted from its package's ncnn files on first pick, offline), pictures of any
mode, the bicubic comparison and zoomed crops, and bad input answered with a sentence."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganzoo.pipelines.upscale import SRPipeline, bicubic

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402


def _picture(path, mode, size=(40, 24)):
    rng = np.random.default_rng(2)
    img = Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), np.uint8))
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(Image.fromarray(rng.integers(0, 255, (size[1], size[0]), np.uint8)))
    img.convert(mode).save(path)
    return path


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.parametrize("scale", [2, 4])
def test_the_model_and_bicubic_come_back_at_the_asked_size(client, checkpoints, tmp_path, mode, scale):
    path = _picture(tmp_path / "p.png", mode)
    (before, after), zoom, line = client.predict(handle_file(str(path)), "tiny-sr", scale, api_name="/upscale")
    got, base = Image.open(after), Image.open(before)
    want = SRPipeline.from_pretrained(checkpoints / "tiny-sr")(Image.open(path), scale)
    assert got.size == base.size == (40 * scale, 24 * scale) and got.mode == want.mode == mode
    assert np.abs(np.asarray(got, np.int16) - np.asarray(want, np.int16)).max() <= 1
    assert np.array_equal(np.asarray(base), np.asarray(bicubic(Image.open(path), scale)))
    z = Image.open(zoom)
    side = min(96, 24 * scale)
    assert z.size == (2 * side * 3 + 6, side * 3)
    assert f"40×24 → {40 * scale}×{24 * scale} pixels" in line and "tiny-sr" in line


def test_a_packaged_photo_model_is_converted_on_its_first_pick_offline(client, tmp_path):
    path = _picture(tmp_path / "p.png", "RGB", (20, 16))
    (before, after), _, line = client.predict(handle_file(str(path)), "realesr-animevideov3", 3, api_name="/upscale")
    assert Image.open(after).size == (60, 48) and "Real-ESRGAN animevideo v3" in line


def test_bad_input_gets_a_sentence(client, tmp_path):
    (tmp_path / "bad.png").write_bytes(b"GIF89a" + b"\x00" * 20)
    with pytest.raises(AppError, match="This file is not an image ganzoo can read"):
        client.predict(handle_file(str(tmp_path / "bad.png")), "tiny-sr", 4, api_name="/upscale")
    ok = _picture(tmp_path / "ok.png", "RGB")
    with pytest.raises(AppError, match="The factor must be one of ×2, ×3, ×4"):
        client.predict(handle_file(str(ok)), "tiny-sr", 5, api_name="/upscale")
    with pytest.raises(AppError, match="Unknown model 'esrgan'"):
        client.predict(handle_file(str(ok)), "esrgan", 4, api_name="/upscale")
    big = _picture(tmp_path / "big.png", "RGB", (800, 300))
    with pytest.raises(AppError, match="The picture is 800×300 pixels; here this model takes up to 768"):
        client.predict(handle_file(str(big)), "tiny-sr", 4, api_name="/upscale")
    with pytest.raises(AppError, match="No picture was uploaded"):
        client.predict(None, "tiny-sr", 4, api_name="/upscale")
