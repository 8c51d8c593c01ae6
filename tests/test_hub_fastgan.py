"""The HugGAN FastGAN models (huggan/fastgan-few-shot-*): their state-dict layout, the spectral-norm
fold against torch's own spectral_norm, and the whole first pick (huggingface_hub's download from a
Hub on the loopback address, conversion, the pipeline's preview and full pictures), plus the
sentences for a Hub that is not there or lacks the file."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from ganzoo import hub, latents
from ganzoo.nn.fastgan_hub import HubFastGenerator
from ganzoo.pipelines import LatentPipeline
from ganzoo.released import ReleasedModelError
from ganzoo.utils import seeded_normal
from helpers import hub_server

# key names as the HugGAN repositories' models.py/layers.py make them (read there, written out here)
THEIR_KEYS = ["_init._layers.0._conv.weight_orig", "_init._layers.0._conv.weight_u", "_init._layers.0._conv.weight_v",
              "_init._layers.1.running_var", "_upsample_8._layers.2._weight", "_upsample_8._layers.5._conv.weight_orig",
              "_upsample_8._layers.7.num_batches_tracked", "_upsample_16._layers.2.weight",
              "_upsample_1024._layers.1._conv.weight_v", "_sle_64._layers.1._conv.weight_orig",
              "_sle_512._layers.3._conv.weight_u", "_out_128.0._conv.weight_orig", "_out_1024.0._conv.weight_orig"]


def their_layout(seed=0) -> nn.Module:
    """A generator in the HugGAN layout as they save it: every convolution under torch's
    nn.utils.spectral_norm (weight_orig / _u / _v), u and v from power iterations in training mode,
    random batch-norm statistics and noise weights, then eval mode."""
    g = HubFastGenerator()
    gen = torch.Generator().manual_seed(seed)
    for m in g.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = 1 + 0.1 * torch.randn(m.weight.shape, generator=gen)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=gen)
    for m in list(g.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.utils.spectral_norm(m, n_power_iterations=10)
    for name, p in g.named_parameters():
        if name.endswith("._weight"):
            p.data.fill_(0.1)
    g.train()
    with torch.no_grad():
        g(torch.randn(2, 256, generator=gen))       # power iterations; batch-norm statistics
    return g.eval()


@pytest.fixture(scope="module")
def reference():
    g = their_layout()
    return g, {k: v.clone() for k, v in g.state_dict().items()}


def test_the_layout_has_their_key_names(reference):
    _, sd = reference
    assert len(sd) == 142 and all(k in sd for k in THEIR_KEYS)
    assert sd["_init._layers.0._conv.weight_orig"].shape == (256, 2048, 4, 4)
    params = [k for k in sd if not k.endswith(("_u", "_v", "num_batches_tracked", "running_mean", "running_var"))]
    assert sum(sd[k].numel() for k in params) == 29_176_512


@torch.no_grad()
def test_folded_weights_give_what_torchs_spectral_norm_computes(reference):
    ref, sd = reference
    cfg, g = latents.from_huggan_fastgan(sd)
    assert (cfg.img_size, cfg.z_dim, cfg.arch) == (1024, 256, "fastgan-hub")
    z = seeded_normal(3, 2, 256)
    assert torch.allclose(g.preview(z), ref.preview(z), atol=1e-4)
    full = g(z[:1])
    assert full.shape == (1, 3, 1024, 1024) and torch.allclose(full, ref(z[:1]), atol=1e-4)
    assert torch.equal(g(z[:1]), full)           # fixed noise: a seed is one picture


@pytest.mark.parametrize("change", ["missing", "extra", "no_u"])
def test_other_weights_are_refused_with_a_sentence(reference, change):
    _, sd = reference
    sd = dict(sd)
    if change == "missing":
        del sd["_sle_128._layers.1._conv.weight_orig"], sd["_sle_128._layers.1._conv.weight_u"], \
            sd["_sle_128._layers.1._conv.weight_v"]
    elif change == "extra":
        sd["_upsample_2048._layers.1._conv.weight"] = torch.zeros(1)
    else:
        del sd["_out_128.0._conv.weight_u"]
    with pytest.raises(ReleasedModelError, match="FastGAN"):
        latents.from_huggan_fastgan(sd)


# ---- the first pick, from a Hub on the loopback address ---------------------------------------------

@pytest.fixture()
def local_hub(tmp_path, monkeypatch, reference):
    """A Hub on the loopback address (helpers.hub_server) serving huggan/fastgan-few-shot-aurora's
    pytorch_model.bin (the reference weights). Yields (entry, request log)."""
    _, sd = reference
    blob = tmp_path / "pytorch_model.bin"
    torch.save(sd, blob)
    entry = latents.CATALOGUE["fastgan-aurora"]
    with hub_server({(entry.repo_id, entry.revision, entry.filename): blob.read_bytes()}) as (address, requests):
        monkeypatch.setenv("HF_ENDPOINT", address)
        monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
        monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
        monkeypatch.setattr(latents, "HUB_NAMING_LATENTS", 2)      # the suite's time; the app measures 16
        yield entry, requests


@torch.no_grad()
def test_first_pick_downloads_converts_and_draws(local_hub, reference, tmp_path):
    entry, requests = local_hub
    ref, _ = reference
    steps = []
    assert latents.fetch(entry.name, lambda f, text: steps.append(text)) == entry.name
    assert ("GET", f"/{entry.repo_id}/resolve/main/pytorch_model.bin") in requests
    assert any("Hugging Face Hub" in s for s in steps)
    folder = hub.USER_DIR / entry.name
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "directions.safetensors",
                                                       "model.safetensors", "samples.png"]
    assert not any((hub.USER_DIR / ".downloads").iterdir())     # the download went to staging and is gone
    assert not (tmp_path / "hf-cache").exists() or not any((tmp_path / "hf-cache").rglob("*.bin"))
    cfg = hub.read_config(folder)
    assert cfg["preview_size"] == 128 and len(cfg["direction_names"]) == 8
    assert entry.repo_id in (folder / "README.md").read_text()

    pipe = LatentPipeline.from_pretrained(str(folder))
    z = pipe.latent(5, 0.8)[None]
    small = pipe.generate(z, preview=True)[0]
    assert small.size == (128, 128) and pipe.preview_size == 128
    want = ((ref.preview(z) + 1) * 127.5).clamp(0, 255)
    got = torch.from_numpy(np.array(small)).permute(2, 0, 1).float()
    assert (got - want[0]).abs().mean() < 1.0                 # fp16 storage: within a grey level on average
    assert pipe(seed=5, truncation=0.8).size == (1024, 1024)
    assert pipe.grid(0, n=4, nrow=2).size == (262, 262)       # grids are drawn from previews (2-px gaps)
    with pytest.raises(Exception, match="up to 128 px"):
        pipe.find(small)
    n = len(requests)
    latents.fetch(entry.name)                                  # installed: nothing is fetched again
    assert len(requests) == n

    # the latent tab: a preview while a slider moves, the full picture on release, and a late preview
    # request for the released settings (the page's always_last) gets the full picture, not the preview
    from tabs import latent as tab
    kw = dict(seed=5, truncation=0.8, dir2=1.5, model=entry.name)
    assert tab.latent_generate(**kw, quick=True).size == (256, 256)
    full = tab.latent_generate(**kw)
    assert full.size == (1024, 1024)
    assert tab.latent_generate(**kw, quick=True) is full
    assert tab.latent_generate(**{**kw, "dir2": 1.6}, quick=True).size == (256, 256)


def test_no_hub_gives_a_sentence_and_leaves_nothing(local_hub, monkeypatch):
    entry, _ = local_hub
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")    # nothing listens on port 9
    with pytest.raises(ReleasedModelError, match=r"could not download aurora .*from the Hugging Face Hub.*first pick"):
        latents.fetch(entry.name)
    assert not (hub.USER_DIR / entry.name).exists()


def test_a_missing_file_gives_a_sentence(local_hub, monkeypatch):
    entry, _ = local_hub
    monkeypatch.setitem(latents.CATALOGUE, entry.name, dataclasses.replace(entry, filename="generator.bin"))
    with pytest.raises(ReleasedModelError, match="could not download"):
        latents.fetch(entry.name)
    assert not (hub.USER_DIR / entry.name).exists()


def test_the_catalogue_lists_them_for_the_picker():
    names = [e.name for e in latents.for_family("latent")]
    assert names[0] == latents.FACES.name and "fastgan-aurora" in names
    for e in latents.HUB:
        assert e.repo_id.startswith("huggan/fastgan-few-shot-") and "Hugging Face Hub" in e.picker_note
        assert "MIT" in e.licence
