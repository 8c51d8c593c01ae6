"""Released models fetched on first pick (ganzoo.released), against a loopback HTTP server that
serves files in the reference layout (random weights made here; the Hub and the publishers'
server are not reachable, and the network boundary is the one allowed fake): download, convert,
cache, translate; one download for two simultaneous picks; and each failure (404, a stalled
server, a truncated file, an oversized file, a pickled object, the wrong keys) is one sentence,
leaves nothing in the cache, and the next pick tries again."""
from __future__ import annotations

import http.server
import io
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ganzoo.nn.resnet import ResnetGenerator
from ganzoo.nn.unet import UnetGenerator

ROOT = Path(__file__).resolve().parent.parent


def _reference_bytes(kind: str) -> bytes:
    """A state dict in the reference's layout (small widths: the layout is what counts)."""
    torch.manual_seed(0)
    net = ResnetGenerator(3, 3, ngf=4, n_blocks=2) if kind == "resnet" else \
        UnetGenerator(3, 3, 8, ngf=4, norm="batch", use_dropout=True)   # edges2shoes takes RGB edge maps
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return buf.getvalue()


class Evil:   # a pickled object: torch.load(weights_only=True) must refuse it
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def _pickled() -> bytes:
    buf = io.BytesIO()
    torch.save({"model.1.weight": torch.zeros(1), "x": Evil()}, buf)
    return buf.getvalue()


class Server:
    """Serves `files` (path -> bytes) and misbehaves on request: "stall" (send nothing for a
    while), "truncate" (promise more bytes than sent), "huge" (promise a gigabyte)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.behaviour: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                how, body = owner.behaviour.get(self.path), owner.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                if how == "stall":
                    time.sleep(4)
                self.send_response(200)
                size = {"truncate": len(body) + 1000, "huge": 2**30}.get(how, len(body))
                self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.write(body if how != "truncate" else body[: len(body) // 2])

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve(self, family: str, name: str, body: bytes, how: str | None = None):
        path = ("/cyclegan/pretrained_models/" if family == "cyclegan" else "/pix2pix/models/") + f"{name}.pth"
        self.files[path] = body
        self.behaviour[path] = how
        return path


@pytest.fixture
def server(tmp_path, monkeypatch):
    from ganzoo import hub

    s = Server()
    monkeypatch.setenv("GANZOO_RELEASED_URL", s.url)
    monkeypatch.setenv("GANZOO_DOWNLOAD_TIME_LIMIT_S", "2")
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")   # the user model folder of this test
    yield s
    s.httpd.shutdown()


def _left_behind(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".locks" not in p.parts)


def test_a_pair_downloads_once_converts_and_translates_both_ways(server, tmp_path):
    from ganzoo import hub, released
    from ganzoo.pipelines import CycleGANPipeline

    a = server.serve("cyclegan", "horse2zebra", _reference_bytes("resnet"))
    b = server.serve("cyclegan", "zebra2horse", _reference_bytes("resnet"))
    seen = []
    results = []
    picks = [threading.Thread(target=lambda: results.append(released.fetch("horse-zebra", lambda f, t: seen.append(f))))
             for _ in range(2)]                                      # two visitors pick it at once
    for t in picks:
        t.start()
    for t in picks:
        t.join()
    assert results == ["horse-zebra", "horse-zebra"] and server.hits == {a: 1, b: 1}
    assert seen and seen == sorted(seen) and 0 < seen[-1] <= 1
    pipe = CycleGANPipeline.from_pretrained("horse-zebra")
    assert set(pipe.directions) == {"a2b", "b2a"} and pipe.directions["a2b"] == "horse → zebra"
    photo = np.asarray(np.random.default_rng(0).integers(0, 256, (120, 200, 3)), np.uint8)
    for d in ("a2b", "b2a"):
        _, out = pipe.translate(photo, d)
        assert out.size == (256, 154)                                   # long side 256, aspect kept
    card = (hub.USER_DIR / "horse-zebra" / "README.md").read_text()
    assert "## Where the weights come from" in card and "Zhu, Park, Isola & Efros" in card and "ImageNet" in card
    released.fetch("horse-zebra")                                        # the second pick: the cache
    assert server.hits == {a: 1, b: 1}
    assert _left_behind(hub.USER_DIR) == sorted(f"horse-zebra/{f}" for f in ("README.md", "config.json", "model.safetensors",
                                                                               "samples.png"))


def test_an_edges_model_takes_a_drawing(server):
    from PIL import Image, ImageDraw

    from ganzoo import released
    from ganzoo.pipelines import Pix2PixPipeline

    server.serve("pix2pix", "edges2shoes", _reference_bytes("unet"))
    released.fetch("edges2shoes")
    pipe = Pix2PixPipeline.from_pretrained("edges2shoes")
    assert pipe.input["kind"] == "edges" and pipe.is_sketch_model and pipe.size == 256
    drawing = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(drawing).line([(50, 200), (300, 220), (350, 120)], fill="black", width=8)
    seen, made = pipe.translate(drawing)
    ink = np.asarray(seen.convert("L")) < 128
    cols = np.nonzero(ink.any(0))[0]
    assert made.size == (256, 256) and (cols.max() - cols.min()) / 256 > 0.85   # the drawing fills the frame
    assert ink.mean() < 0.05                                                      # thin lines


@pytest.mark.parametrize("problem, expect", [
    ("missing", "answered HTTP 404"),
    ("stall", "could not download"),
    ("truncate", "broke off"),
    ("huge", "more than the"),
    ("pickled", "pickled Python objects"),
    ("wrong keys", "not the released generator"),
])
def test_each_failure_is_a_sentence_leaves_nothing_and_the_next_pick_retries(server, problem, expect):
    from ganzoo import hub, released

    good = _reference_bytes("resnet")
    if problem != "missing":
        body = {"pickled": _pickled(), "wrong keys": _reference_bytes("unet")}.get(problem, good)
        server.serve("cyclegan", "style_vangogh", body, problem if problem in ("stall", "truncate", "huge") else None)
    with pytest.raises(released.ReleasedModelError, match=expect) as err:
        released.fetch("photo-vangogh")
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 300
    assert _left_behind(hub.USER_DIR) == [] and not released.installed("photo-vangogh")
    server.serve("cyclegan", "style_vangogh", good)                        # the server is fixed: try again
    assert released.fetch("photo-vangogh") == "photo-vangogh" and released.installed("photo-vangogh")


def test_the_vintagify_generator_is_read_from_the_installed_package(server):
    from importlib import metadata

    from PIL import Image

    from ganzoo import released
    from ganzoo.pipelines import CycleGANPipeline

    try:
        metadata.distribution("vintagify")
    except metadata.PackageNotFoundError:
        pytest.skip("vintagify is not installed")
    released.fetch("vintage-photo")
    assert server.hits == {}                                              # no network needed
    pipe = CycleGANPipeline.from_pretrained("vintage-photo")
    assert pipe.cfg.norm == "instance_affine" and pipe.cfg.img_size == 512
    photo = Image.open(ROOT / "examples" / "photos" / "coffee.jpg")
    _, out = pipe.translate(photo, "a2b", 256)
    a = np.asarray(photo.resize(out.size), float)
    b = np.asarray(out, float)
    assert out.size == (256, 171) and 2 < np.abs(a - b).mean() < 40        # a look, not another picture


def test_the_app_fetches_a_released_model_on_its_first_pick(server, checkpoints, tmp_path):
    """Through the running app: the first translation with a released model downloads it from the
    (loopback) server, later ones use the cache; a model the server lacks is one sentence, and the
    app goes on serving."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from appserver import running_app

    a = server.serve("cyclegan", "horse2zebra", _reference_bytes("resnet"))
    b = server.serve("cyclegan", "zebra2horse", _reference_bytes("resnet"))
    photo = ROOT / "examples" / "photos" / "chelsea.jpg"
    env = {"GANZOO_RELEASED_URL": server.url, "GANZOO_DOWNLOAD_TIME_LIMIT_S": "5"}
    (tmp_path / "app").mkdir()
    with running_app(checkpoints, tmp_path / "app", env=env) as (url, log):
        start = log.stat().st_size     # the test checkpoints include a broken one, logged at start-up
        client = Client(url, verbose=False)
        for direction in ("a2b", "b2a"):
            seen, out = client.predict(handle_file(str(photo)), "horse-zebra", direction, "standard",
                                       api_name="/domain_transfer")
            assert Path(out).is_file()
        assert server.hits == {a: 1, b: 1}
        with pytest.raises(AppError, match="answered HTTP 404"):
            client.predict(handle_file(str(photo)), "apple-orange", "a2b", api_name="/domain_transfer")
        assert client.predict(handle_file(str(photo)), "horse-zebra", "a2b", "more detail", api_name="/domain_transfer")
        assert "Traceback" not in log.read_text()[start:]


def test_a_visitors_imports_are_their_own_and_bounded(checkpoints, tmp_path):
    """An uploaded .pth is listed and usable in the uploader's session only; a visitor may import
    GANZOO_MAX_IMPORTS models; the server refuses an upload over its size limit before it is stored."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from appserver import running_app
    from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config

    weights = []
    for i in range(3):
        torch.manual_seed(i)
        path = tmp_path / f"mine{i}.pth"
        torch.save(resnet_from_config(CycleGANConfig(img_size=64, ngf=4, n_blocks=1)).state_dict(), path)
        weights.append(path)
    big = tmp_path / "big.pth"
    big.write_bytes(os.urandom(3 * 2**20))
    photo = ROOT / "examples" / "photos" / "coffee.jpg"
    (tmp_path / "app").mkdir()
    env = {"GANZOO_MAX_IMPORTS": "2", "GANZOO_MAX_UPLOAD": "2mb"}
    with running_app(checkpoints, tmp_path / "app", env=env) as (url, log):
        alice, bob = Client(url, verbose=False), Client(url, verbose=False)
        update = alice.predict(handle_file(str(weights[0])), api_name="/import_cyclegan")
        assert update["value"] == "mine0" and "mine0" in [v for _, v in update["choices"]]
        assert alice.predict(handle_file(str(photo)), "mine0", "a2b", api_name="/domain_transfer")
        with pytest.raises(AppError, match="Unknown model 'mine0'"):           # not in Bob's session
            bob.predict(handle_file(str(photo)), "mine0", "a2b", api_name="/domain_transfer")
        assert "mine0" not in [v for _, v in bob.predict(handle_file(str(weights[2])), api_name="/import_cyclegan")["choices"]]
        alice.predict(handle_file(str(weights[1])), api_name="/import_cyclegan")
        with pytest.raises(AppError, match="You have imported 2 models, the most one visitor may"):
            alice.predict(handle_file(str(weights[2])), api_name="/import_cyclegan")
        with pytest.raises(Exception, match="(?i)file.*(size|large)|413"):    # gradio's own limit, before the disk
            alice.predict(handle_file(str(big)), api_name="/import_cyclegan")
        sessions = tmp_path / "app" / "models" / "sessions"
        assert len([d for d in sessions.iterdir() if d.is_dir()]) == 2        # one folder per visitor
        assert not list((tmp_path / "app" / "models").glob("mine*"))           # nothing in everyone's folder
