"""LaMa (big-lama) as a released inpainter: the whole first pick from a Hub on the loopback address
(helpers.hub_server) with a LaMa of random weights in big-lama's exact key layout (989 tensors,
"generator.model.N.…", fp32), the strict load, the sentences for a wrong sha256, an unknown key and
a file that is not safetensors, and the pipeline: fp32, [0, 1], padded to 8, crop mode on a
1024×768 photo that leaves every pixel outside the hole as it was.

The real weights are never downloaded here (no network): their pictures are not judged."""
from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save_file

from ganzoo import hub, inpainters
from ganzoo.pipelines import InpaintPipeline
from ganzoo.pipelines.inpaint import CROP_AREA, CROP_MARGIN, crop_box
from ganzoo.released import ReleasedModelError
from ganzoo.utils import file_sha256
from helpers import hub_server

ENTRY = inpainters.BIG_LAMA
PHOTO = Path(__file__).resolve().parents[1] / "examples" / "photos" / "chelsea.jpg"


def their_layout(seed=0) -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    """A LaMa with random weights (and batch-norm statistics), and its state dict as the Hub's
    big-lama.safetensors names it: LaMa's own "generator." prefix over FFCResNetGenerator's keys."""
    from ganzoo.nn.lama import lama

    torch.manual_seed(seed)
    net = lama().eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    sd = {"generator." + k.removeprefix("model."): v.clone() for k, v in net.state_dict().items()}
    return net, sd


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    net, sd = their_layout()
    path = tmp_path_factory.mktemp("hub") / ENTRY.filename
    save_file(sd, str(path))
    return net, sd, path


def serve(monkeypatch, tmp_path, path, sha256=None):
    """The catalogue's big-lama served from `path` (pinned to `sha256`, default: the file's own)."""
    entry = dataclasses.replace(ENTRY, sha256=sha256 or file_sha256(path))
    monkeypatch.setitem(inpainters.CATALOGUE, entry.name, entry)
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    server = hub_server({(entry.repo_id, entry.revision, entry.filename): path})
    address, requests = server.__enter__()
    monkeypatch.setenv("HF_ENDPOINT", address)
    return entry, requests, server


@pytest.fixture(scope="module")
def fetched(reference, tmp_path_factory):
    """big-lama fetched once through the local Hub: (folder, request log, progress texts)."""
    tmp = tmp_path_factory.mktemp("fetched")
    with pytest.MonkeyPatch.context() as mp:
        entry, requests, server = serve(mp, tmp, reference[2])
        steps = []
        try:
            assert inpainters.fetch(entry.name, lambda f, text: steps.append(text)) == entry.name
            folder = hub.USER_DIR / entry.name
            n = len(requests)
            inpainters.fetch(entry.name)            # installed: nothing is fetched again
            assert len(requests) == n
        finally:
            server.__exit__(None, None, None)
    return folder, requests, steps


def test_the_layout_is_big_lamas(reference):
    net, sd, _ = reference
    assert len(sd) == 989 and all(k.startswith("generator.model.") for k in sd)
    assert sum(p.numel() for p in net.parameters()) == 50_975_875
    assert sd["generator.model.1.ffc.convl2l.weight"].shape == (64, 4, 7, 7)
    assert ENTRY.size_mb * 1e6 <= inpainters.limits()[0] * 2**20     # the default bound lets it through


def test_first_pick_downloads_converts_and_loads_strictly(fetched, reference):
    folder, requests, steps = fetched
    net, _, _ = reference
    assert ("GET", f"/{ENTRY.repo_id}/resolve/{ENTRY.revision}/{ENTRY.filename}") in requests
    assert any("Hugging Face Hub" in s for s in steps) and any("converting" in s for s in steps)
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    assert not any((folder.parent / ".downloads").iterdir())     # the download went to staging and is gone
    cfg = hub.read_config(folder)
    assert cfg["family"] == "inpaint" and cfg["model"]["arch"] == "lama" and cfg["value_range"] == [0, 1]
    assert cfg["data"]["name"] == "Places2"
    card = (folder / "README.md").read_text()
    for words in ("michaelgold/big-lama", "Apache-2.0", "Places2", "WACV 2022", "safetensors", "ganzoo did not train"):
        assert words in card, words
    assert "DeepFill" not in card                      # the card describes LaMa, not ganzoo's own inpainter

    ckpt = hub.load(str(folder))                       # strict, as every checkpoint
    stored = ckpt.model.state_dict()
    for k, v in net.state_dict().items():
        tol = 0 if cfg["dtype"] == "float32" else 1e-3 * max(1.0, v.abs().max().item())
        assert (stored[k].float() - v.float()).abs().max() <= tol, k


@torch.no_grad()
def test_pipeline_runs_lama_in_fp32_on_0_1_with_its_mask(fetched, reference):
    folder, _, _ = fetched
    net, _, _ = reference
    pipe = InpaintPipeline.from_pretrained(str(folder), precision="bf16")   # asked for bf16: fp32 anyway
    assert pipe.arch == "lama" and not pipe.bf16
    photo = Image.open(PHOTO).convert("RGB").resize((100, 75))              # not a multiple of 8: padded
    hole = np.zeros((75, 100), bool)
    hole[20:50, 30:70] = True
    res = pipe.inpaint(photo, hole)
    assert res.image.mode == "RGB" and res.image.size == (100, 75) and res.region == (0, 0, 100, 75)
    assert res.scale == 1.0 and res.model_input.size == (100, 75)
    # what spandrel's LaMa makes of the picture in [0, 1] and the mask (1 = hole), padded as the pipeline pads
    x = torch.from_numpy(np.array(photo)).permute(2, 0, 1)[None].float() / 255
    m = torch.from_numpy(hole)[None, None].float()
    xp = torch.nn.functional.pad(x * (1 - m), (0, 4, 0, 5), mode="reflect")
    mp = torch.nn.functional.pad(m, (0, 4, 0, 5), mode="reflect")
    want = (net(xp, mp)[0, :, :75, :100].permute(1, 2, 0) * 255).round().numpy()
    got = np.asarray(res.image).astype(np.float64)
    assert np.abs(got[hole] - want[hole]).max() <= 2            # fp16 storage: within two grey levels
    assert np.array_equal(np.asarray(res.image)[~hole], np.asarray(photo)[~hole])
    for mode in ("L", "RGBA"):
        assert pipe(photo.convert(mode), hole).mode == "RGB"


def _stroke(w, h, width=43):
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).line([(0.4 * w, 0.45 * h), (0.6 * w, 0.55 * h)], fill=255, width=width)
    return np.asarray(mask) > 127


@torch.no_grad()
def test_crop_mode_keeps_every_pixel_outside_the_hole(fetched):
    """A 1024×768 photo: only the hole's box + 128 px is processed, at most 320×320 px of area at the
    model; every pixel outside the hole is returned as it was, and what is painted under the hole
    (white, noise) never changes the result."""
    folder, _, _ = fetched
    pipe = InpaintPipeline.from_pretrained(str(folder))
    photo = Image.open(PHOTO).convert("RGB").resize((1024, 768), Image.Resampling.LANCZOS)
    hole = _stroke(1024, 768)
    ys, xs = np.nonzero(hole)
    box = (xs.min() - CROP_MARGIN, ys.min() - CROP_MARGIN, xs.max() + 1 + CROP_MARGIN, ys.max() + 1 + CROP_MARGIN)
    assert crop_box(hole) == box
    outs = []
    rng = np.random.default_rng(0)
    for fill in ((255, 255, 255), None):
        a = np.array(photo)
        a[hole] = rng.integers(0, 256, (hole.sum(), 3)) if fill is None else fill
        res = pipe.inpaint(Image.fromarray(a), hole)
        outs.append(np.asarray(res.image))
        assert res.region == box and res.image.size == (1024, 768) and res.image.mode == "RGB"
        w, h = res.model_input.size
        assert w * h <= CROP_AREA and res.scale < 1
    assert np.array_equal(outs[0], outs[1])
    assert np.array_equal(outs[0][~hole], np.asarray(photo)[~hole])
    assert (outs[0][hole] != np.asarray(photo)[hole]).any(-1).mean() > 0.5
    # a hole at a corner: the box stops at the picture's edge
    corner = np.zeros((768, 1024), bool)
    corner[:10, -10:] = True
    assert crop_box(corner) == (1024 - 10 - CROP_MARGIN, 0, 1024, 10 + CROP_MARGIN)
    small = np.zeros((300, 300), bool)
    small[5, 5] = True
    assert crop_box(small) == (0, 0, 300, 300)                    # ≤ 320×320 px: the whole picture


def test_a_wrong_sha256_is_a_sentence_and_leaves_nothing(reference, monkeypatch, tmp_path):
    entry, _, server = serve(monkeypatch, tmp_path, reference[2], sha256=ENTRY.sha256)   # the real pin
    try:
        with pytest.raises(ReleasedModelError, match=r"big-lama.safetensors has sha256 .*not the pinned 326ae1889b92"):
            inpainters.fetch(entry.name)
    finally:
        server.__exit__(None, None, None)
    assert not (hub.USER_DIR / entry.name).exists()
    assert not any((hub.USER_DIR / ".downloads").iterdir())


def test_other_files_are_refused_with_a_sentence(reference, monkeypatch, tmp_path):
    _, sd, _ = reference
    extra = tmp_path / "extra" / ENTRY.filename
    extra.parent.mkdir()
    save_file({**sd, "generator.model.99.weight": torch.zeros(1)}, str(extra))
    entry, _, server = serve(monkeypatch, tmp_path, extra)
    try:
        with pytest.raises(ReleasedModelError, match=r"not big-lama's generator: unknown tensors \(model.model.99"):
            inpainters.fetch(entry.name)
    finally:
        server.__exit__(None, None, None)
    assert not (hub.USER_DIR / entry.name).exists()
    shapes = {**sd, "generator.model.1.ffc.convl2l.weight": torch.zeros(64, 3, 7, 7)}
    with pytest.raises(ReleasedModelError, match=r"model.model.1.ffc.convl2l.weight is \(64, 3, 7, 7\)"):
        inpainters.to_lama(shapes)
    missing = {k: v for k, v in sd.items() if "model.5." not in k}
    with pytest.raises(ReleasedModelError, match="not big-lama's generator: no model.model.5"):
        inpainters.to_lama(missing)
    pickled = tmp_path / "big-lama.pt"
    pickled.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ReleasedModelError, match="not a readable safetensors file"):
        inpainters.read_weights(pickled)


def test_no_hub_gives_a_sentence(monkeypatch, tmp_path):
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")        # nothing listens on port 9
    with pytest.raises(ReleasedModelError, match=r"could not download LaMa .*Hugging Face Hub.*first pick only"):
        inpainters.fetch(ENTRY.name)
    assert not (hub.USER_DIR / ENTRY.name).exists()
    from ganzoo import released                                    # the prefetch CLI fetches it too

    assert "Hugging Face Hub" in released.prefetch(["big-lama"])["big-lama"]


def test_the_tab_lists_it_with_what_each_model_is_made_for():
    from tabs import inpaint as tab

    choices = dict((n, label) for label, n in tab.INPAINT.choices())
    assert "big-lama" in choices and "204 MB from the Hugging Face Hub" in choices["big-lama"]
    assert "photos of any size (trained on Places2)" in tab.made_for_line("big-lama")
    if "emoji-inpaint" in choices:
        assert "128-px emoji" in tab.made_for_line("emoji-inpaint")
