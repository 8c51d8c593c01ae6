"""The domain transfer tab of the real app through gradio_client: both directions, uploads of any
mode and shape, bad files, and importing a released CycleGAN generator."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config
from ganzoo.pipelines import CycleGANPipeline

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402


def _picture(path, mode, size=(200, 100)):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (size[1], size[0], 3), np.uint8)
    img = Image.fromarray(rgb)
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(Image.fromarray(rng.integers(0, 255, (size[1], size[0]), np.uint8)))
    else:
        img = img.convert(mode)
    img.save(path)
    return path


@pytest.mark.parametrize("mode", ["RGBA", "L"])
@pytest.mark.parametrize("direction", ["a2b", "b2a"])
def test_both_directions_with_rgba_and_grey_uploads(client, checkpoints, tmp_path, mode, direction):
    path = _picture(tmp_path / "p.png", mode)
    seen, out = client.predict(handle_file(str(path)), "tiny-cycle", direction, api_name="/domain_transfer")
    o = np.asarray(Image.open(out), np.int16)
    assert o.shape == (192, 384, 3)  # 64×32 (aspect kept) shown ×6
    want = np.asarray(CycleGANPipeline.from_pretrained(checkpoints / "tiny-cycle")(Image.open(path), direction),
                      np.int16)
    assert np.abs(o[::6, ::6] - want).max() <= 1


def test_bad_input_gets_a_sentence(client, tmp_path):
    (tmp_path / "bad.png").write_bytes(b"GIF89a" + b"\x00" * 20)
    with pytest.raises(AppError, match="This file is not an image ganzoo can read"):
        client.predict(handle_file(str(tmp_path / "bad.png")), "tiny-cycle", "a2b", api_name="/domain_transfer")
    ok = _picture(tmp_path / "ok.png", "RGB")
    with pytest.raises(AppError, match="Unknown model 'horse2zebra'; available models: tiny-cycle"):
        client.predict(handle_file(str(ok)), "horse2zebra", "a2b", api_name="/domain_transfer")
    with pytest.raises(AppError, match="translates red → blue, blue → red only"):
        client.predict(handle_file(str(ok)), "tiny-cycle", "up", api_name="/domain_transfer")


def test_released_cyclegan_generator_imports_and_runs_one_way(client, tmp_path):
    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=4, n_blocks=2))
    torch.save(g.state_dict(), tmp_path / "horse2zebra.pth")
    update = client.predict(handle_file(str(tmp_path / "horse2zebra.pth")), api_name="/import_cyclegan")
    assert update["value"] == "horse2zebra"
    ok = _picture(tmp_path / "ok.png", "RGB", (300, 300))
    seen, out = client.predict(handle_file(str(ok)), "horse2zebra", "a2b", api_name="/domain_transfer")
    assert Image.open(out).size == (256, 256)
    with pytest.raises(AppError, match="translates horse → zebra only"):
        client.predict(handle_file(str(ok)), "horse2zebra", "b2a", api_name="/domain_transfer")


def test_bundled_cyclegan_models_translate_the_examples_both_ways():
    """Whatever CycleGAN models are bundled in checkpoints/ load and translate the tab's examples
    (held-out emoji in each style) in the direction that starts from that style."""
    from helpers import bundled_with_examples

    names, examples = bundled_with_examples("cyclegan", "transfer")
    for name in names:
        pipe = CycleGANPipeline.from_pretrained(name)
        for ex in examples:
            style = ex.stem.split("_", 1)[0]
            direction = "a2b" if style == pipe.domains[0] else "b2a"
            assert style in pipe.domains
            x = Image.open(ex)
            seen, made = pipe.translate(x, direction)
            assert made.size == x.size
            m, s = np.asarray(made, np.float32), np.asarray(seen, np.float32)
            assert m.std() > 10                      # a picture, not a flat image
            assert 0.5 < np.abs(m - s).mean() < 60   # changed, but still that emoji
