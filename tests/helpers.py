"""Tiny real datasets and models for the tests (no mocks: real training on tiny data)."""
from __future__ import annotations

import contextlib
from types import SimpleNamespace

import numpy as np

from ganzoo.nn.dcgan import LatentGANConfig
from ganzoo.training import LOSS_D_NORM, LOSS_PRESETS, LatentTask, LatentTrainConfig, LoopConfig


def blobs(n=96, size=28, channels=1, classes=3, seed=0):
    """Labelled toy images: class k is a bright square in a class-specific corner."""
    rng = np.random.default_rng(seed)
    imgs = (rng.random((n, size, size, channels)) * 40).astype(np.uint8)
    labels = rng.integers(0, classes, n)
    h = size // 2
    for i, k in enumerate(labels):
        r, c = divmod(int(k) % 4, 2)
        imgs[i, r * h:(r + 1) * h, c * h:(c + 1) * h] = 220
    return SimpleNamespace(images=imgs, labels=labels.astype(np.int64),
                           class_names=[f"c{k}" for k in range(classes)], name="blobs", keys=None)


def tiny_task(loss="ns", size=28, channels=1, classes=3, diffaug="", **train_kw):
    preset = {**LOSS_PRESETS[loss], **train_kw}
    mcfg = LatentGANConfig(img_size=size, channels=channels, z_dim=16, ngf=8, ndf=8,
                           num_classes=classes, class_names=[f"c{k}" for k in range(classes)] if classes else None,
                           d_norm=LOSS_D_NORM[loss])
    return LatentTask(mcfg, LatentTrainConfig(loss=loss, diffaug=diffaug, **preset), {"name": "blobs"})


def tiny_loop(out_dir, steps=4, **kw):
    base = dict(out_dir=str(out_dir), steps=steps, batch_size=16, sample_every=steps, ckpt_every=2,
                progress=False)
    base.update(kw)
    return LoopConfig(**base)


def tiny_pairs(n=48, size=64, seed=0):
    """Toy sketch → colour pairs: A is the black outline of a circle or a square on white, B the
    same shape filled with the colour that goes with its kind (so the mapping is learnable)."""
    from PIL import Image, ImageDraw

    from ganzoo.data.paired import PairSet

    rng = np.random.default_rng(seed)
    a = np.empty((n, size, size, 1), np.uint8)
    b = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        kind = i % 2
        r = int(rng.integers(size // 5, size // 3))
        cx, cy = (int(v) for v in rng.integers(r + 2, size - r - 2, 2))
        box = (cx - r, cy - r, cx + r, cy + r)
        sk, col = Image.new("L", (size, size), 255), Image.new("RGB", (size, size), "white")
        draw = ImageDraw.Draw(sk).ellipse if kind == 0 else ImageDraw.Draw(sk).rectangle
        draw(box, outline=0, width=2)
        fill = ((230, 200, 40), (40, 90, 220))[kind]
        cdraw = ImageDraw.Draw(col).ellipse if kind == 0 else ImageDraw.Draw(col).rectangle
        cdraw(box, fill=fill, outline=(0, 0, 0), width=2)
        a[i, ..., 0], b[i] = np.asarray(sk), np.asarray(col)
    return PairSet(a=a, b=b, keys=[f"p{i}" for i in range(n)], name="tiny-pairs")


def tiny_pix2pix_task(l1_only=False, size=64, augment="sketch", preview=None):
    from ganzoo.nn.unet import Pix2PixConfig
    from ganzoo.training import Pix2PixTask, Pix2PixTrainConfig

    mcfg = Pix2PixConfig(img_size=size, in_channels=1, out_channels=3, ngf=8, ndf=8)
    tcfg = Pix2PixTrainConfig(l1_only=l1_only, augment=augment)
    return Pix2PixTask(mcfg, tcfg, {"name": "tiny-pairs"}, preview=preview,
                       input_info={"kind": "sketch", "fill": 0.6} if augment == "sketch" else {"kind": "image"})


def bundled_with_examples(family: str, examples: str, pattern: str = "*.png"):
    """(the bundled models of `family`, the example files under examples/`examples`), skipping the
    test where the checkpoints folder is elsewhere or holds none of that family."""
    import os
    from pathlib import Path

    import pytest

    import ganzoo

    if os.environ.get("GANZOO_CHECKPOINTS"):
        pytest.skip("GANZOO_CHECKPOINTS points elsewhere")
    names = ganzoo.list_models(family=family)
    if not names:
        pytest.skip(f"no {family} checkpoints bundled")
    files = sorted((Path(__file__).resolve().parents[1] / "examples" / examples).glob(pattern))
    assert files, f"the examples in examples/{examples} are missing"
    return names, files


@contextlib.contextmanager
def hub_server(files: dict, commit: str = "a" * 40):
    """A Hugging Face Hub on 127.0.0.1 serving `files` ({(repo_id, revision, filename): bytes or a
    file path}) at /{repo_id}/resolve/{revision}/{filename}, as huggingface_hub asks for them (HEAD
    with X-Repo-Commit, ETag and Content-Length, then GET; 404 for anything else). Point HF_ENDPOINT
    at the address it yields; yields (address, request log of (method, path))."""
    import hashlib
    import http.server
    import shutil
    import threading
    from pathlib import Path

    routes = {}
    for (repo, revision, name), content in files.items():
        if isinstance(content, (str, Path)):
            path = Path(content)
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            routes[f"/{repo}/resolve/{revision}/{name}"] = (path, path.stat().st_size, h.hexdigest())
        else:
            routes[f"/{repo}/resolve/{revision}/{name}"] = (content, len(content), hashlib.sha256(content).hexdigest())
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _head(self):
            requests.append((self.command, self.path))
            if self.path not in routes:
                self.send_error(404, "Entry not found")
                return None
            content, size, sha = routes[self.path]
            self.send_response(200)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("ETag", f'"{sha}"')
            self.send_header("Content-Length", str(size))
            self.end_headers()
            return content

        def do_HEAD(self):
            self._head()

        def do_GET(self):
            content = self._head()
            if isinstance(content, bytes):
                self.wfile.write(content)
            elif content is not None:
                with open(content, "rb") as f:
                    shutil.copyfileobj(f, self.wfile, 1 << 20)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
