"""The real app in a subprocess (`python app.py` on a free port), on tiny checkpoints trained here
with the library, so the app tests do not depend on which models are bundled in checkpoints/."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ganzoo.training import fit
from helpers import blobs, tiny_loop, tiny_pairs, tiny_pix2pix_task, tiny_task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from app_process import stop_app  # noqa: E402  (the benchmarks' way of stopping the app's process group)
START_TIMEOUT_S = 60


def make_checkpoints(root: Path, runs: Path) -> Path:
    """tiny-cgan (3 classes), tiny-gan (unconditional), broken (latent), tiny-sketch (pix2pix, 64 px),
    tiny-cycle (CycleGAN, 64 px, domains red ↔ blue), tiny-inpaint (64 px, one stage), tiny-sr (×4 compact,
    from 16-px shrinks of the tiles)."""
    fit(tiny_task("ns"), blobs(), tiny_loop(runs / "c", steps=2, export_dir=str(root / "tiny-cgan")))
    fit(tiny_task("ns", classes=0), blobs(), tiny_loop(runs / "u", steps=2, export_dir=str(root / "tiny-gan")))
    broken = root / "broken"
    shutil.copytree(root / "tiny-gan", broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    pairs = tiny_pairs(16, 64)
    fit(tiny_pix2pix_task(preview=(pairs.a[:4], pairs.b[:4])), pairs,
        tiny_loop(runs / "s", steps=2, batch_size=8, export_dir=str(root / "tiny-sketch")))
    from ganzoo.data.unpaired import UnpairedSet
    from ganzoo.nn.resnet import CycleGANConfig
    from ganzoo.training import CycleGANTask, CycleGANTrainConfig

    ab = UnpairedSet(a=pairs.b[:8], b=pairs.b[8:], keys_a=None, keys_b=None, name_a="red", name_b="blue")
    cycle = CycleGANTask(CycleGANConfig(img_size=64, ngf=4, ndf=4, n_blocks=2), CycleGANTrainConfig(pool_size=2),
                         {"name": ab.name}, preview=(ab.a[:2], ab.b[:2]), domains=("red", "blue"))
    fit(cycle, ab, tiny_loop(runs / "g", steps=2, batch_size=2, export_dir=str(root / "tiny-cycle")))
    from ganzoo.nn.inpaint import InpaintConfig
    from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig

    holes = InpaintTask(InpaintConfig(img_size=64, cnum=4, ndf=4, stages=1), InpaintTrainConfig(), {"name": "tiles"})
    from types import SimpleNamespace
    tiles = SimpleNamespace(images=pairs.b, labels=None, class_names=None, name="tiles", keys=None)
    fit(holes, tiles, tiny_loop(runs / "i", steps=2, batch_size=4, export_dir=str(root / "tiny-inpaint")))
    from ganzoo.data.common import PairSet
    from ganzoo.nn.sr import SRConfig
    from ganzoo.training.sr import SRTask, SRTrainConfig

    small = pairs.b.reshape(len(pairs), 16, 4, 16, 4, 3).mean((2, 4)).round().astype(np.uint8)
    sr_pairs = PairSet(a=small, b=pairs.b, keys=None, name="tiles")
    sr = SRTask(SRConfig(num_feat=8, num_conv=2, ndf=8, img_size=8), SRTrainConfig(l1_steps=1), {"name": "tiles"},
                preview=(sr_pairs.a[:2], sr_pairs.b[:2]))
    fit(sr, sr_pairs, tiny_loop(runs / "r", steps=2, batch_size=4, export_dir=str(root / "tiny-sr")))
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(checkpoints: Path, workdir: Path, procs: list | None = None, env: dict | None = None,
                command: list | None = None):
    """Yield (url, log path) of `python app.py` serving `checkpoints`; stop it afterwards.
    `procs`, if given, receives the server's Popen (for its pid); `env` adds to its environment
    (by default it does not try to fetch the published models it lacks: GANZOO_FETCH=0, and a
    visitor's pick of a released model fails at once: its servers are a closed local port);
    `command` replaces `python app.py`."""
    port = _free_port()
    log_path = workdir / "app.log"
    for d in ("gradio", "tmp", "models"):
        (workdir / d).mkdir(exist_ok=True)
    extra = env or {}
    # downloads of released models go to a closed local port: they fail at once, never reaching out
    env = dict(os.environ, GANZOO_FETCH="0", GANZOO_RELEASED_URL="http://127.0.0.1:9", HF_ENDPOINT="http://127.0.0.1:9",
               GANZOO_CHECKPOINTS=str(checkpoints), GANZOO_MODELS=str(workdir / "models"),
               GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", GRADIO_ANALYTICS_ENABLED="False",
               GRADIO_TEMP_DIR=str(workdir / "gradio"), TMPDIR=str(workdir / "tmp"), PYTHONUNBUFFERED="1")
    env.update(extra)
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "wb") as log:
        # its own process group: `gradio app.py` runs the app in a child that must go too
        proc = subprocess.Popen(command or [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    if procs is not None:
        procs.append(proc)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not answer within {START_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.25)
        yield url, log_path
    finally:
        stop_app(proc)
