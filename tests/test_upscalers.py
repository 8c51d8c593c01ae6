"""Released super-resolution GANs (ganzoo.upscalers): a packaged one is converted offline from its
package's ncnn files and then runs as an ordinary ganzoo model that computes what ncnn's own
network computes; a downloaded one comes from a loopback HTTP server in Real-ESRGAN's release
layout (random weights made here: the publishers' server is not reachable, and the network
boundary is the one allowed fake); each failure is one sentence and leaves nothing behind."""
from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo import hub, ncnn, released, upscalers
from ganzoo.nn.sr import SRConfig, sr_generator
from ganzoo.pipelines.upscale import SRPipeline

from test_released import Server, _left_behind, _pickled

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
    return tmp_path / "models"


def test_a_packaged_model_converts_once_offline_and_runs_as_the_ncnn_network(models):
    entry = upscalers.CATALOGUE["realesr-animevideov3"]
    seen = []
    picks = [threading.Thread(target=lambda: upscalers.fetch(entry.name, lambda f, t: seen.append(t))) for _ in range(2)]
    for t in picks:
        t.start()
    for t in picks:
        t.join()
    assert released.installed(entry.name) and seen and "reading" in seen[0]
    assert _left_behind(models) == [f"{entry.name}/{f}" for f in ("README.md", "config.json", "model.safetensors")]
    cfg = hub.read_config(entry.name)
    assert cfg["family"] == "sr" and cfg["dtype"] == "float16" and cfg["model"]["arch"] == "compact"
    card = (models / entry.name / "README.md").read_text()
    assert "ncnn files are read as data" in card and "BSD-3-Clause" in card and "Real-ESRGAN" in card

    pipe = SRPipeline.from_pretrained(entry.name)
    reference, info = ncnn.load(*upscalers.package_files(entry))
    photo = np.asarray(Image.open(ROOT / "examples" / "photos" / "coffee.jpg").convert("RGB").resize((48, 40)))
    x = torch.from_numpy(photo.copy()).permute(2, 0, 1)[None].float() / 255
    want = ncnn.forward(reference, x, info)[0].clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).numpy()
    got = np.asarray(pipe(photo, scale=4))
    assert got.shape == (160, 192, 3)
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1        # the same weights, the same network


def test_the_picker_notes_say_what_is_ready_offline():
    notes = {e.name: e.picker_note for e in upscalers.for_family("sr")}
    assert all("ready offline" in notes[n] for n in ("realsr-df2k", "realesrgan-x4plus", "realesr-animevideov3"))
    assert "downloads on first use" in notes["realesr-general-x4v3"] and "5 MB" in notes["realesr-general-x4v3"]


def _released_pth(key="params_ema") -> bytes:
    torch.manual_seed(0)
    net = sr_generator(SRConfig(num_feat=8, num_conv=2))
    buf = io.BytesIO()
    torch.save({key: net.state_dict()}, buf)
    return buf.getvalue()


@pytest.fixture
def server(models, monkeypatch):
    s = Server()
    monkeypatch.setenv("GANZOO_SR_RELEASES_URL", s.url)
    monkeypatch.setenv("GANZOO_DOWNLOAD_TIME_LIMIT_S", "2")
    yield s
    s.httpd.shutdown()


PATH = "/" + upscalers.CATALOGUE["realesr-general-x4v3"].url


def test_a_released_pth_downloads_loads_strictly_and_upscales(server, models):
    server.files[PATH] = _released_pth()
    assert upscalers.fetch("realesr-general-x4v3") == "realesr-general-x4v3"
    upscalers.fetch("realesr-general-x4v3")                                 # the second pick: the cache
    assert server.hits == {PATH: 1}
    pipe = SRPipeline.from_pretrained("realesr-general-x4v3")
    assert (pipe.cfg.arch, pipe.cfg.num_feat, pipe.cfg.num_conv, pipe.cfg.scale) == ("compact", 8, 2, 4)
    assert pipe(np.zeros((20, 30, 3), np.uint8), scale=3).size == (90, 60)
    assert "weights_only=True" in (models / "realesr-general-x4v3" / "README.md").read_text()


@pytest.mark.parametrize("problem, expect", [
    ("missing", "answered HTTP 404"),
    ("truncate", "broke off"),
    ("pickled", "not a plain weights file"),
    ("not an sr network", "not a compact super-resolution network"),
])
def test_each_download_failure_is_a_sentence_and_leaves_nothing(server, models, problem, expect):
    if problem != "missing":
        body = {"pickled": _pickled(), "not an sr network": _bad_keys()}.get(problem, _released_pth("params"))
        server.files[PATH] = body
        server.behaviour[PATH] = "truncate" if problem == "truncate" else None
    with pytest.raises(released.ReleasedModelError, match=expect) as err:
        upscalers.fetch("realesr-general-x4v3")
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 300
    assert _left_behind(models) == [] and not released.installed("realesr-general-x4v3")
    server.files[PATH], server.behaviour[PATH] = _released_pth("params"), None   # fixed: the next pick works
    assert upscalers.fetch("realesr-general-x4v3") == "realesr-general-x4v3"


def _bad_keys() -> bytes:
    buf = io.BytesIO()
    torch.save({"params": {"body.0.weight": torch.zeros(8, 3, 3, 3), "body.0.bias": torch.zeros(8)}}, buf)
    return buf.getvalue()


def test_an_unknown_upscaler_is_a_sentence():
    with pytest.raises(released.ReleasedModelError, match="unknown upscaler 'x'; known: realsr-df2k"):
        upscalers.fetch("x")
