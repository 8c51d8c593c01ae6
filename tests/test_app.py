"""The latent tab of the real app (a subprocess, see appserver.py), driven through gradio_client."""
from __future__ import annotations

import os
from pathlib import Path
import time

import numpy as np
import pytest
from PIL import Image

from ganzoo.pipelines import LatentPipeline

gradio_client = pytest.importorskip("gradio_client")
from gradio_client.exceptions import AppError  # noqa: E402

CLASSES = ["c0", "c1", "c2"]     # helpers.tiny_task's class names
DISPLAY_PX, GRID_DISPLAY_PX = 256, 512


@pytest.fixture(scope="module")
def pipe(checkpoints):
    """The same checkpoint loaded in the test process, to check what the app returns."""
    return LatentPipeline.from_pretrained(checkpoints / "tiny-cgan")


def px(path) -> np.ndarray:
    return np.asarray(Image.open(path), dtype=np.int16)


def shrink(a: np.ndarray, native: int) -> np.ndarray:
    """Undo the app's integer nearest-neighbour display upscale."""
    k = a.shape[0] // native
    assert a.shape[0] == native * k and a.shape[1] == native * k and k >= 1
    return a[::k, ::k]


def generate(client, **kw):
    kw.setdefault("model", "tiny-cgan")
    kw.setdefault("class_name", "c0")
    return client.predict(api_name="/generate", **kw)


def test_api_has_named_endpoints_and_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/generate", "/grid", "/interpolate"} <= set(api)
    names = [p["parameter_name"] for p in api["/generate"]["parameters"]]
    assert names == ["seed", "class_name", "truncation", *[f"dir{i}" for i in range(1, 9)], "model", "sharpen"]
    # "broken" sorts first but does not load: the app starts anyway, on the first usable model
    assert api["/generate"]["parameters"][-2]["parameter_default"] == "tiny-cgan"
    assert "/find" in api and [p["parameter_name"] for p in api["/find"]["parameters"]] == ["photo", "model", "sharpen"]


def test_generate_directions_change_the_image_and_same_inputs_repeat(client, pipe):
    a = px(generate(client, seed=5, truncation=0.8))
    assert a.shape == (28 * 9, 28 * 9)          # 28 px upscaled ×9 with nearest → 252 px PNG
    assert np.array_equal(a, px(generate(client, seed=5, truncation=0.8)))
    b = px(generate(client, seed=5, truncation=0.8, dir1=3.0))
    c = px(generate(client, seed=5, truncation=0.8, dir1=-3.0))
    assert not np.array_equal(a, b) and not np.array_equal(b, c)
    # exactly what the pipeline gives (lossless PNG; ±1 for float rounding across thread counts)
    want = np.asarray(pipe(seed=5, class_id="c0", truncation=0.8, shifts=[3.0]), dtype=np.int16)
    assert np.abs(shrink(b, 28) - want).max() <= 1


def test_class_changes_the_image(client):
    imgs = [px(generate(client, seed=11, class_name=c)) for c in CLASSES]
    assert not np.array_equal(imgs[0], imgs[1]) and not np.array_equal(imgs[1], imgs[2])


def test_grid_is_4x4_of_consecutive_seeds(client, pipe):
    g = px(client.predict(seed=3, class_name="c1", truncation=0.7, dir2=1.5, model="tiny-cgan",
                          api_name="/grid"))
    native = 4 * (28 + 2) + 2                    # 4 tiles of 28 px with 2 px padding
    assert g.shape == (native * round(GRID_DISPLAY_PX / native),) * 2
    want = np.asarray(pipe.grid(3, class_id="c1", truncation=0.7, shifts=[0, 1.5], n=16, nrow=4),
                      dtype=np.int16)
    assert np.abs(shrink(g, native) - want).max() <= 1


def test_interpolate_returns_an_animated_gif(client):
    path = client.predict(seed_a=1, seed_b=2, frames=6, class_name="c2", model="tiny-cgan",
                          api_name="/interpolate")
    gif = Image.open(path)
    assert gif.format == "GIF" and gif.is_animated
    assert gif.n_frames == 2 * 6 - 2             # a → b → a loop
    frames = []
    for i in (0, 5):
        gif.seek(i)
        frames.append(np.asarray(gif.convert("L"), dtype=np.int16))
    assert not np.array_equal(*frames)


def test_unconditional_model_ignores_the_class(client):
    a = px(client.predict(seed=4, class_name=None, model="tiny-gan", api_name="/generate"))
    b = px(client.predict(seed=4, class_name="c1", model="tiny-gan", api_name="/generate"))
    assert a.shape == (252, 252) and np.array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="no-such-model"), "Unknown model 'no-such-model'; available models: broken, tiny-cgan, tiny-gan"),
    (dict(model="../tiny-cgan"), "Unknown model '../tiny-cgan'"),
    (dict(seed=-1), "Seed must be between 0 and 2147483647, got -1"),
    (dict(seed=2**31), "Seed must be between 0 and 2147483647, got 2147483648"),
    (dict(seed=1.5), "Seed must be a whole number"),
    (dict(class_name="zebra"), "Unknown class 'zebra'; this model knows c0, c1, c2"),
    (dict(truncation=0), "Truncation must be between 0.1 and 2.0"),
    (dict(dir4=50), "Direction 4 must be between -5.0 and 5.0"),
    (dict(model="broken"), "Model folder 'broken' is not a valid ganzoo checkpoint"),
])
def test_bad_input_is_a_clear_error(client, kwargs, message):
    with pytest.raises(AppError) as e:
        generate(client, **kwargs)
    assert str(e.value).startswith(message), str(e.value)
    assert "Traceback" not in str(e.value)


def test_user_errors_print_no_traceback_on_the_server(server, client):
    log = server[1]
    before = log.stat().st_size
    with pytest.raises(AppError):
        generate(client, seed=-5)
    time.sleep(0.2)
    assert "Traceback" not in log.read_text()[before:]


def test_bundled_checkpoints_generate():
    """Whatever latent models are bundled in checkpoints/ load and draw (skipped if none yet)."""
    import ganzoo

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    names = ganzoo.list_models(family="latent")
    if not names:
        pytest.skip("no latent checkpoints bundled")
    for name in names:
        p = LatentPipeline.from_pretrained(name)
        im = p(seed=1, class_id=p.class_names[0] if p.class_names else None, shifts=[1.0] * 8)
        assert im.size == (p.cfg.img_size,) * 2


def test_error_helper_and_upscale_in_process():
    """The small helpers, without a server: messages pass through, bugs become an apology."""
    import gradio as gr

    from ganzoo import CheckpointError
    from ganzoo.pipelines import InputError
    from appkit.common import upscale, user_errors

    def boom(exc):
        @user_errors
        def handler():
            raise exc
        with pytest.raises(gr.Error) as e:
            handler()
        return e.value.message

    assert boom(InputError("seed must be between 0 and 9")) == "Seed must be between 0 and 9"
    assert boom(CheckpointError("unknown model 'x'")) == "Unknown model 'x'"
    # only ganzoo's user errors reach the visitor: any other ValueError is a bug's text
    assert "server log" in boom(ValueError("operands could not be broadcast together with shapes (3,) (4,)"))
    assert "server log" in boom(RuntimeError("CUDA out of memory at tensor.py:12"))
    assert "tensor.py" not in boom(KeyError("weights"))
    assert upscale(Image.new("L", (28, 28)), 256).size == (252, 252)
    assert upscale(Image.new("RGB", (64, 64)), 256).size == (256, 256)
    assert upscale(Image.new("RGB", (300, 300)), 256).size == (300, 300)


def test_zoo_card_of_a_model_and_of_an_unknown_one(client, checkpoints):
    card, grid, command, *_ = client.predict("tiny-cgan", api_name="/zoo_card")
    assert card.startswith("# tiny-cgan") and "A ganzoo `latent` model" in card and "![" not in card
    assert np.array_equal(px(grid), px(checkpoints / "tiny-cgan" / "samples.png"))
    assert command == "(no training command recorded)"  # fit() called from Python has no command line
    with pytest.raises(AppError, match="not in the list of choices"):  # gradio checks the dropdown
        client.predict("no-such-model", api_name="/zoo_card")


def test_cached_outputs_are_written_once_atomically(tmp_path):
    """Two sessions making the same picture must not rewrite the file the other is downloading."""
    from appkit.compat import save_pil_to_cache_atomically

    img = Image.new("RGB", (8, 8), (10, 200, 30))
    a = save_pil_to_cache_atomically(img, tmp_path, format="png")
    first = os.stat(a)
    b = save_pil_to_cache_atomically(img, tmp_path, format="png")
    # the same file, not rewritten; its time is refreshed (in use again: the cache budget keeps it)
    assert a == b and os.stat(b).st_ino == first.st_ino and os.stat(b).st_mtime_ns >= first.st_mtime_ns
    assert np.array_equal(np.asarray(Image.open(a)), np.asarray(img))
    assert [p.name for p in Path(a).parent.iterdir()] == ["image.png"]  # no temporary file left


def test_the_app_refuses_a_gradio_whose_internals_it_was_not_checked_on():
    from appkit.compat import CHECKED_ON, check_version

    check_version(CHECKED_ON + "0")
    with pytest.raises(RuntimeError, match="pip install -r requirements.txt"):
        check_version("7.0.0")


def test_find_my_face_returns_the_closest_picture_and_a_line(client):
    from gradio_client import handle_file

    photo = Path(__file__).resolve().parent.parent / "examples" / "faces" / "astronaut_face.png"
    out = client.predict(photo=handle_file(str(photo)), model="tiny-gan", sharpen=True, api_name="/find")
    picture, line, dirs = out[0], out[-9], out[-8:]
    assert Image.open(picture).size[0] > 0
    assert "dB" in line and "sliders now move this picture" in line
    assert list(dirs) == [0.0] * 8
    with pytest.raises(AppError, match="No photo was uploaded"):
        client.predict(photo=None, model="tiny-gan", api_name="/find")
