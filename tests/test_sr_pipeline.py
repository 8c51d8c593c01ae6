"""SRPipeline on tiny random networks of both architectures: tiles with context give the untiled
picture (within 2/255 away from the border), the RRDB block-by-block run is the network's own
forward, progress counts every tile (and every RRDB block), modes and bounds."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo import hub
from ganzoo.errors import InputError
from ganzoo.nn.sr import SRConfig, sr_generator
from ganzoo.pipelines import SRPipeline

CONFIGS = {"compact": SRConfig(arch="compact", num_feat=8, num_conv=3),
           "rrdb": SRConfig(arch="rrdb", num_feat=8, num_blocks=2)}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def pipe(request, tmp_path_factory):
    cfg = CONFIGS[request.param]
    torch.manual_seed(0)
    net = sr_generator(cfg)
    folder = hub.save_checkpoint(tmp_path_factory.mktemp(request.param) / "tiny", {"family": "sr", "model": cfg.to_dict()},
                                 net.state_dict(), dtype=torch.float32)
    return SRPipeline.from_pretrained(str(folder))


def photo(h=70, w=90) -> np.ndarray:
    img = Image.open("examples/photos/astronaut.jpg").convert("RGB").resize((w, h), Image.Resampling.LANCZOS)
    return np.asarray(img)


@torch.no_grad()
def untiled(pipe, rgb: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(rgb.copy()).permute(2, 0, 1)[None].float() / 255
    return (pipe.G(x)[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()


def test_tiles_with_context_give_the_untiled_picture(pipe):
    rgb = photo()
    ref = untiled(pipe, rgb)
    out = pipe.upscale_array(rgb, 4, tile=24)
    assert out.shape == ref.shape == (280, 360, 3)
    b = 4 * 4
    assert np.abs(out.astype(int) - ref)[b:-b, b:-b].max() <= 2


def test_one_tile_is_exactly_the_networks_forward_and_progress_counts_each_step(pipe):
    rgb = photo(40, 52)
    ticks = []
    out = pipe.upscale_array(rgb, 4, tile=64, progress=lambda done, total: ticks.append((done, total)))
    assert np.array_equal(out, untiled(pipe, rgb))
    steps = pipe.steps_per_tile
    assert steps == (4 if pipe.cfg.arch == "rrdb" else 1)       # rrdb: its 2 blocks, its body conv, the tail
    assert ticks[-1] == (steps, steps) and [d for d, _ in ticks] == sorted(d for d, _ in ticks)
    ticks.clear()
    pipe.upscale_array(rgb, 4, tile=20, progress=lambda done, total: ticks.append((done, total)))
    assert pipe.tiles(52, 40, tile=20) == 6 and ticks[-1] == (6 * steps, 6 * steps)
    assert len({d for d, _ in ticks}) == 6 * steps


def test_modes_and_factors_are_kept(pipe):
    grey = Image.fromarray(photo(20, 30)).convert("L")
    assert pipe(grey, 4).mode == "L" and pipe(grey, 4).size == (120, 80)
    rgba = Image.fromarray(photo(20, 30)).convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 100))
    out = pipe(rgba, 2)
    assert out.mode == "RGBA" and out.size == (60, 40) and out.getchannel("A").getextrema()[0] >= 95


def test_bounds_are_sentences(pipe):
    with pytest.raises(InputError, match="must be one of"):
        pipe(Image.new("RGB", (8, 8)), 5)
    with pytest.raises(InputError, match="long side"):
        pipe.check(5000, 10, 4)
    with pytest.raises(InputError, match="megapixels"):
        pipe.check(4000, 3000, 4)
