"""Bad input on every tab of the real app (its own server process, so its memory can be watched):
broken and odd files, unknown models and checkpoints that compute NaN. Each gets one clear
sentence or a sensible picture, never the server's "something went wrong" apology; afterwards the
server still serves, and its memory is back near where it started."""
from __future__ import annotations

import shutil
import time
import warnings

import numpy as np
import pytest
from PIL import Image
from safetensors.torch import load_file, save_file

gradio_client = pytest.importorskip("gradio_client")
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

# the sentences the app answers bad files with (ganzoo/pipelines/images.py, app.py)
NOT_AN_IMAGE = "This file is not an image ganzoo can read"
CLEAR = (NOT_AN_IMAGE, "The file is empty", "The image is too large", "The canvas is empty",
         "The image is empty")
RSS_SLACK_MB = 60   # allocator noise after many requests; a leak of the refused pictures would be far more


def _files(d):
    """name -> path of every kind of upload the issue lists, and what should come of it."""
    rng = np.random.default_rng(0)
    pic = Image.fromarray(rng.integers(0, 255, (90, 120, 3), np.uint8))
    drawing = Image.new("RGB", (120, 90), "white")
    drawing.paste((0, 0, 0), (20, 20, 100, 24))
    drawing.paste((0, 0, 0), (58, 20, 62, 80))
    out = {}

    def put(name, write, expect):
        path = d / name
        write(path)
        out[name] = (path, expect)

    put("ok.png", lambda p: drawing.save(p), "picture")
    put("corrupt.png", lambda p: p.write_bytes(_png_bytes(pic)[:300]), NOT_AN_IMAGE)
    put("zero.png", lambda p: p.write_bytes(b""), "The file is empty")
    put("huge.png", lambda p: Image.new("L", (12000, 12000), 255).save(p, optimize=False, compress_level=1),
        "The image is too large")
    put("one_pixel.png", lambda p: Image.new("RGB", (1, 1), (200, 30, 30)).save(p), "picture or clear")
    put("sixteen_bit.png", lambda p: Image.fromarray((np.asarray(drawing.convert("L"), np.uint16) * 257)).save(p),
        "picture")
    put("cmyk.jpg", lambda p: drawing.convert("CMYK").save(p, quality=95), "picture")
    put("palette.png", lambda p: drawing.convert("P", palette=Image.Palette.ADAPTIVE).save(p), "picture")
    put("grey_alpha.png", lambda p: drawing.convert("LA").save(p), "picture")
    put("animated.gif", lambda p: drawing.save(p, save_all=True, append_images=[pic, drawing], duration=50, loop=0),
        "picture")
    put("drawing_svg.png", lambda p: p.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'>"
                                                  "<rect width='9' height='9'/></svg>"), NOT_AN_IMAGE)
    put("notes_txt.png", lambda p: p.write_text("not a picture at all\n" * 20), NOT_AN_IMAGE)
    return out


def _png_bytes(img) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _nan_copy(src, dst):
    shutil.copytree(src, dst)
    w = load_file(str(dst / "model.safetensors"))
    save_file({k: (v.fill_(float("nan")) if v.is_floating_point() else v) for k, v in w.items()},
              str(dst / "model.safetensors"))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _files(tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def app(checkpoints, tmp_path_factory):
    """The app on the tiny models plus a NaN-computing copy of each family."""
    from appserver import running_app

    root = tmp_path_factory.mktemp("bad-input-checkpoints")
    for name in ("tiny-gan", "tiny-sketch", "tiny-cycle", "tiny-inpaint"):
        shutil.copytree(checkpoints / name, root / name)
        _nan_copy(checkpoints / name, root / ("nan-" + name.split("-")[1]))
    procs = []
    with running_app(root, tmp_path_factory.mktemp("bad-input-app"), procs) as (url, log):
        yield Client(url, verbose=False), procs[0].pid, log


def _rss_mb(pid) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _editor(path, tmp_path):
    """An ImageEditor value: `path` as the background, one painted square as the mask layer."""
    w, h = 120, 90
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the 12000² upload
            with Image.open(path) as im:
                w, h = im.size
    except Exception:  # a broken upload: the mask layer still has to be a picture
        pass
    w, h = min(w, 2048), min(h, 2048)
    layer = np.zeros((h, w, 4), np.uint8)
    layer[h // 4:h // 2 + 1, w // 4:w // 2 + 1] = (255, 0, 255, 255)
    Image.fromarray(layer, "RGBA").save(tmp_path / "layer.png")
    return {"background": handle_file(str(path)), "layers": [handle_file(str(tmp_path / "layer.png"))],
            "composite": None}


def _call(client, tab, path, tmp_path):
    if tab == "sketch":
        return client.predict(handle_file(str(path)), "tiny-sketch", api_name="/upload2img")
    if tab == "transfer":
        return client.predict(handle_file(str(path)), "tiny-cycle", "a2b", api_name="/domain_transfer")
    return client.predict(_editor(path, tmp_path), "tiny-inpaint", api_name="/inpaint")


def _ok_round(client, files, tmp_path):
    for tab in ("sketch", "transfer", "inpaint"):
        out = _call(client, tab, files["ok.png"][0], tmp_path)
        assert Image.open(out[0]).size[0] > 0
    assert Image.open(client.predict(seed=3, model="tiny-gan", api_name="/generate")).size[0] > 0


@pytest.mark.parametrize("tab", ["sketch", "transfer", "inpaint"])
def test_every_kind_of_bad_upload_gets_a_sentence_or_a_picture(app, files, tab, tmp_path):
    client, _, _ = app
    for name, (path, expect) in files.items():
        try:
            out = _call(client, tab, path, tmp_path)
        except AppError as e:
            msg = str(e)
            assert "Traceback" not in msg and "went wrong" not in msg, (name, msg)
            if expect == "picture or clear":
                assert msg.startswith(CLEAR), (name, msg)
            else:
                assert expect != "picture" and msg.startswith(expect), (name, msg)
            continue
        assert expect in ("picture", "picture or clear"), (name, "expected a refusal, got a picture")
        result = Image.open(out[0] if tab == "inpaint" else out[1])  # sketch/transfer: (input seen, result)
        assert min(result.size) > 0 and result.mode in ("RGB", "RGBA"), (name, result.mode)


def test_unknown_model_names_are_named_on_every_tab(app, files, tmp_path):
    client, _, _ = app
    ok = files["ok.png"][0]
    calls = {
        "generate": lambda: client.predict(model="zebra", api_name="/generate"),
        "grid": lambda: client.predict(model="zebra", api_name="/grid"),
        "upload2img": lambda: client.predict(handle_file(str(ok)), "zebra", api_name="/upload2img"),
        "domain_transfer": lambda: client.predict(handle_file(str(ok)), "zebra", "a2b", api_name="/domain_transfer"),
        "inpaint": lambda: client.predict(_editor(ok, tmp_path), "zebra", api_name="/inpaint"),
    }
    for _name, call in calls.items():
        with pytest.raises(AppError, match="^Unknown model 'zebra'"):
            call()


def test_a_checkpoint_that_computes_nan_is_reported_not_drawn(app, files, tmp_path):
    client, _, _ = app
    ok = files["ok.png"][0]
    calls = {
        "latent": lambda: client.predict(model="nan-gan", api_name="/generate"),
        "sketch": lambda: client.predict(handle_file(str(ok)), "nan-sketch", api_name="/upload2img"),
        "transfer": lambda: client.predict(handle_file(str(ok)), "nan-cycle", "a2b", api_name="/domain_transfer"),
        "inpaint": lambda: client.predict(_editor(ok, tmp_path), "nan-inpaint", api_name="/inpaint"),
    }
    for _tab, call in calls.items():
        with pytest.raises(AppError, match=r"The model produced invalid values \(NaN\)"):
            call()


def test_the_server_keeps_serving_and_its_memory_returns(app, files, tmp_path):
    """Warm up with good requests, take the server's RSS, send every bad file to every tab twice,
    then good requests again: they work and the RSS is back within allocator noise."""
    client, pid, log = app
    for _ in range(2):
        _ok_round(client, files, tmp_path)
    time.sleep(0.5)
    base = _rss_mb(pid)
    peak = base
    for _ in range(2):
        for _name, (path, _) in files.items():
            for tab in ("sketch", "transfer", "inpaint"):
                try:
                    _call(client, tab, path, tmp_path)
                except AppError:
                    pass
                peak = max(peak, _rss_mb(pid))
    _ok_round(client, files, tmp_path)
    time.sleep(0.5)
    after = _rss_mb(pid)
    print(f"server RSS {base:.0f} MB -> {after:.0f} MB (peak {peak:.0f} MB)")
    assert after - base < RSS_SLACK_MB, f"server RSS {base:.0f} MB -> {after:.0f} MB (peak {peak:.0f} MB)"
    assert "Traceback" not in log.read_text()
