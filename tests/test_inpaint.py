"""Inpainting: free-form masks, gated convolutions, the inpainter and its training."""
from __future__ import annotations

import pytest
import torch

from ganzoo.data.masks import HOLE_SIZES, free_form_masks


def test_masks_cover_the_stated_range_evenly_and_repeat_for_a_seed():
    m = free_form_masks(300, 64, torch.Generator().manual_seed(0))
    assert m.shape == (300, 1, 64, 64) and set(m.unique().tolist()) == {0.0, 1.0}
    cov = m.mean((1, 2, 3))
    assert cov.min() >= 0.02 and cov.max() <= 0.60
    for lo, hi in HOLE_SIZES.values():  # each hole size is about a third of the masks
        share = ((cov >= lo) & (cov <= hi)).float().mean()
        assert 0.2 < share < 0.47
    again = free_form_masks(300, 64, torch.Generator().manual_seed(0))
    assert torch.equal(m, again)
    assert not torch.equal(m, free_form_masks(300, 64, torch.Generator().manual_seed(1)))
    # strokes, not just boxes: a typical mask is far from its bounding box
    filled = m.flatten(1).sum(1)
    ys, xs = m.sum(3).gt(0).sum((1, 2)), m.sum(2).gt(0).sum((1, 2))
    assert (filled / (ys * xs)).median() < 0.7


@pytest.mark.parametrize("lo, hi", list(HOLE_SIZES.values()), ids=list(HOLE_SIZES))
def test_masks_of_one_hole_size_stay_in_it(lo, hi):
    cov = free_form_masks(40, 128, torch.Generator().manual_seed(3), coverage=(lo, hi)).mean((1, 2, 3))
    assert cov.min() >= lo and cov.max() <= hi
    # the one-draw (GPU) variant: in range too, with the surplus of candidates it draws
    quick = free_form_masks(40, 128, torch.Generator().manual_seed(3), coverage=(lo, hi), exact=False).mean((1, 2, 3))
    assert (quick >= lo).all() and (quick <= hi).all()


def test_hole_edges_fall_on_every_pixel_not_a_coarse_grid():
    # masks drawn at 64 px and doubled had every edge on an even pixel; the model trained on them
    # filled holes shifted by one pixel with garbage (hole L1 0.14 -> 0.45), i.e. every brush stroke
    m = free_form_masks(64, 128, torch.Generator().manual_seed(0))
    cols = (m[..., 1:] != m[..., :-1]).nonzero()[:, 3]
    rows = (m[..., 1:, :] != m[..., :-1, :]).nonzero()[:, 2]
    for edges in (cols, rows):
        assert 0.4 < (edges % 2).float().mean() < 0.6


def test_gated_conv_gates_each_pixel_and_channel():
    from ganzoo.nn.inpaint import GatedConv2d

    g = GatedConv2d(3, 8, 3, stride=2, dilation=1)
    y = g(torch.randn(2, 3, 32, 32))
    assert y.shape == (2, 8, 16, 16)
    assert GatedConv2d(3, 8, 3, dilation=4)(torch.randn(1, 3, 32, 32)).shape == (1, 8, 32, 32)
    with torch.no_grad():  # a gate driven fully shut lets nothing through
        g.conv.bias[8:] = -1e4
    assert g(torch.randn(1, 3, 32, 32)).abs().max() == 0


def test_a_fresh_generator_passes_its_input_through_every_layer():
    # with PyTorch's default init the gates shrank the signal ~10x by the middle layers and the
    # untrained generator's output was a constant (training sat at "fill with white")
    from ganzoo.nn.inpaint import InpaintConfig, InpaintGenerator

    torch.manual_seed(0)
    g = InpaintGenerator(InpaintConfig(img_size=128, cnum=16, stages=1))
    m = free_form_masks(4, 128, torch.Generator().manual_seed(0))
    h = torch.cat([(torch.rand(4, 3, 128, 128) * 2 - 1) * (1 - m), torch.ones_like(m), m], 1)
    stds = []
    for layer in g.stages[0].net:
        h = layer(h)
        stds.append(h.std().item())
    assert min(stds) > 0.2, [round(s, 3) for s in stds]


@pytest.mark.parametrize("size, stages", [(64, 1), (128, 2), (256, 1)])
def test_generator_and_discriminator_shapes(size, stages):
    from ganzoo.nn.inpaint import InpaintConfig, InpaintGenerator, SNPatchDiscriminator, composite

    cfg = InpaintConfig(img_size=size, cnum=4, stages=stages)
    g = InpaintGenerator(cfg)
    x = torch.rand(2, 3, size, size) * 2 - 1
    m = free_form_masks(2, size, torch.Generator().manual_seed(0))
    outs = g.stage_outputs(x, m)
    assert len(outs) == stages and all(o.shape == x.shape and o.abs().max() <= 1 for o in outs)
    y = composite(outs[-1], x, m)
    assert torch.equal(y[m.expand_as(x) == 0], x[m.expand_as(x) == 0])  # known pixels exactly
    d = SNPatchDiscriminator(3, 4, size)
    assert d(y, m).shape == (2, 4 * 4 * 16)
    # the blanked hole really is blank to the generator: what was under it cannot change the output
    x2 = torch.where(m > 0.5, torch.rand_like(x), x)
    assert torch.allclose(g(x, m), g(x2, m))


def _colour_blobs(n=12, size=64):
    """Toy pictures: a coloured disc on white, with a dark outline (something to continue)."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        im = Image.new("RGB", (size, size), "white")
        r = int(rng.integers(size // 5, size // 3))
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        ImageDraw.Draw(im).ellipse((size // 2 - r,) * 2 + (size // 2 + r,) * 2, fill=c, outline="black", width=2)
        out[i] = np.asarray(im)
    from types import SimpleNamespace
    return SimpleNamespace(images=out, labels=None, class_names=None, name="discs", keys=None)


def test_trains_exports_and_resumes_exactly(tmp_path):
    import json

    import ganzoo
    from ganzoo.nn.inpaint import InpaintConfig
    from ganzoo.training import fit
    from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig
    from helpers import tiny_loop

    data = _colour_blobs()

    def task():
        return InpaintTask(InpaintConfig(img_size=64, cnum=4, ndf=4, stages=2), InpaintTrainConfig(),
                           {"name": "discs", "sources": ["discs"]}, preview=data.images[:3])

    a = fit(task(), data, tiny_loop(tmp_path / "a", steps=4, batch_size=4, ckpt_every=2))
    fit(task(), data, tiny_loop(tmp_path / "b", steps=2, batch_size=4, ckpt_every=2))
    b = fit(task(), data, tiny_loop(tmp_path / "b", steps=4, batch_size=4, ckpt_every=2, resume=True))
    wa, wb = ganzoo.load(a).model.state_dict(), ganzoo.load(b).model.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)  # masks come from the restored stream
    logs = [json.loads(line) for line in (tmp_path / "a" / "log.jsonl").read_text().splitlines()]
    assert {"loss_d", "loss_g_gan", "l1", "l1_hole"} <= set(logs[-1])
    cfg = json.loads((a / "config.json").read_text())
    assert cfg["family"] == "inpaint" and cfg["model"]["stages"] == 2
    assert (a / "samples.png").is_file()


def test_a_few_steps_lower_the_hole_error(tmp_path):
    """Real learning on tiny data: after 30 steps the hole is filled better than at the start."""
    import json

    from ganzoo.nn.inpaint import InpaintConfig
    from ganzoo.training import fit
    from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig
    from helpers import tiny_loop

    data = _colour_blobs(16)
    task = InpaintTask(InpaintConfig(img_size=64, cnum=8, ndf=8, stages=1), InpaintTrainConfig(lr=1e-3, zoom_min=1),
                       {"name": "discs"})
    fit(task, data, tiny_loop(tmp_path, steps=30, batch_size=8, ckpt_every=100, sample_every=100, log_every=5))
    logs = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    first, last = logs[0]["l1_hole"], sum(x["l1_hole"] for x in logs[-2:]) / 2
    assert last < 0.6 * first, (first, last)


@pytest.fixture(scope="module")
def tiny_inpainter(tmp_path_factory):
    """A real 64-px inpainter trained for a few steps on toy discs."""
    from ganzoo.nn.inpaint import InpaintConfig
    from ganzoo.training import fit
    from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig
    from helpers import tiny_loop

    out = tmp_path_factory.mktemp("inpaint")
    data = _colour_blobs(8)
    task = InpaintTask(InpaintConfig(img_size=64, cnum=4, ndf=4, stages=1), InpaintTrainConfig(), {"name": "discs"})
    return fit(task, data, tiny_loop(out, steps=2, batch_size=4, ckpt_every=100))


def test_pipelines_of_one_checkpoint_do_not_share_a_cast_model(tiny_inpainter):
    # the bf16 pipeline used to cast the checkpoint's own module, breaking an fp32 one built after
    import ganzoo
    from ganzoo.pipelines import InpaintPipeline

    ckpt = ganzoo.load(tiny_inpainter)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    m = free_form_masks(1, 64, torch.Generator().manual_seed(0))
    fast = InpaintPipeline(ckpt, "bf16").run(x, m)
    exact = InpaintPipeline(ckpt, "fp32").run(x, m)
    assert next(ckpt.model.parameters()).dtype == torch.float32
    assert (fast - exact).abs().mean() < 0.02


def _photo(w, h, seed=0):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), np.uint8))


def test_pipeline_keeps_every_known_pixel_of_a_big_photo(tiny_inpainter):
    import numpy as np
    from PIL import Image, ImageDraw

    from ganzoo.pipelines import InpaintPipeline

    pipe = InpaintPipeline.from_pretrained(tiny_inpainter)
    photo = _photo(900, 500)
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).line([(400, 200), (480, 260)], fill=255, width=20)
    res = pipe.inpaint(photo, mask)
    a, b, hole = np.asarray(photo), np.asarray(res.image), np.asarray(mask) > 127
    assert res.image.size == photo.size and res.notice is None
    assert np.array_equal(a[~hole], b[~hole])            # known pixels untouched, at full size
    assert (a[hole] != b[hole]).any(axis=-1).mean() > 0.9  # the hole was repainted
    # a crop around the hole with context, no closer than training's 2x zoom: half the long side
    assert pipe.zoom_max == 2.0 and res.region == (216, 6, 666, 456) and res.model_input.size == (64, 64)
    # a model trained on whole pictures only (before zoom views) sees the whole photo, shrunk to fit
    pipe.zoom_max = 1.0
    res = pipe.inpaint(photo, mask)
    assert res.region == (0, 0, 900, 500) and res.model_input.size == (64, 36)
    assert np.array_equal(a[~hole], np.asarray(res.image)[~hole])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_what_is_under_the_hole_never_changes_the_result(tiny_inpainter, precision):
    """Paint the hole white, black, magenta or noise: the output is the same, on every path the
    pipeline takes (a picture smaller than the canvas, the canvas size, shrunk, a crop of a big
    picture, enlarged for a model that saw whole pictures only, holes snapped to a grid)."""
    import numpy as np
    from PIL import Image, ImageDraw

    from ganzoo.pipelines import InpaintPipeline

    pipe = InpaintPipeline.from_pretrained(tiny_inpainter, precision)
    rng = np.random.default_rng(0)
    ways = {"as trained (zoom 0.25-2)": (0.25, 2.0, 1), "whole pictures only, 2-px grid": (1.0, 1.0, 2)}
    for name, (zmin, zmax, grid) in ways.items():
        pipe.zoom_min, pipe.zoom_max, pipe.mask_grid = zmin, zmax, grid
        for w, h in [(24, 24), (64, 64), (100, 60), (300, 300), (900, 500)]:
            picture = _photo(w, h, seed=w)
            mask = Image.new("L", (w, h), 0)
            ImageDraw.Draw(mask).line([(w * 0.3, h * 0.4), (w * 0.6, h * 0.55)], fill=255, width=max(2, w // 12))
            hole = np.asarray(mask) > 127
            outs = []
            for fill in ((255, 255, 255), (0, 0, 0), (255, 0, 255), None):
                a = np.array(picture)
                a[hole] = rng.integers(0, 256, (hole.sum(), 3)) if fill is None else fill
                outs.append(np.asarray(pipe.inpaint(Image.fromarray(a), hole).image))
            assert all(np.array_equal(outs[0], o) for o in outs[1:]), (name, w, h)
            assert np.array_equal(outs[0][~hole], np.asarray(picture)[~hole]), (name, w, h)


def test_view_box_crops_around_the_hole_no_closer_than_training_zoomed():
    import numpy as np

    from ganzoo.pipelines.inpaint import view_box

    hole = np.zeros((500, 900), bool)
    hole[200:260, 400:480] = True
    x0, y0, x1, y1 = view_box(hole, 64, zoom_max=2.0)   # bbox 80 px x 3 = 240, but ≥ 900 / 2
    assert (x1 - x0, y1 - y0) == (450, 450) and x0 <= 400 and x1 >= 480 and y0 <= 200 and y1 >= 260
    assert view_box(hole, 64, zoom_max=8.0) == (320, 110, 560, 350)   # 3x the hole's bounding box
    assert view_box(hole, 512, zoom_max=8.0)[2:] == (696, 500)          # at least the canvas, inside the picture
    small = np.zeros((40, 30), bool)
    small[5, 5] = True
    assert view_box(small, 128, zoom_max=2.0) == (0, 0, 30, 40)         # a small picture: all of it


def test_pipeline_mask_formats_empty_and_full_masks(tiny_inpainter):
    import numpy as np
    from PIL import Image

    from ganzoo.pipelines import InpaintPipeline
    from ganzoo.pipelines.inpaint import read_mask

    pipe = InpaintPipeline.from_pretrained(tiny_inpainter)
    photo = _photo(120, 80)
    empty = pipe.inpaint(photo, Image.new("L", photo.size, 0))
    assert "mask is empty" in empty.notice and np.array_equal(np.asarray(empty.image), np.asarray(photo))
    full = pipe.inpaint(photo, Image.new("L", photo.size, 255))
    assert full.image.size == photo.size and full.notice is None and np.asarray(full.image).std() > 0
    # painted RGBA layer (the editor's): alpha is the hole, whatever the colour
    layer = np.zeros((80, 120, 4), np.uint8)
    layer[10:20, 30:60] = (255, 0, 255, 255)
    m = read_mask(Image.fromarray(layer), (120, 80))
    assert m.sum() == 300 and m[15, 40] and not m[5, 5]
    assert read_mask(Image.fromarray(layer), (240, 160)).sum() == 1200  # resized to the picture
    grey = pipe.inpaint(photo.convert("L"), Image.fromarray(layer))     # grey upload: RGB out
    assert grey.image.mode == "RGB"


def test_telea_baseline_fills_only_the_hole():
    import numpy as np
    from PIL import Image

    from ganzoo.pipelines.inpaint import telea

    img = Image.new("RGB", (64, 64), (200, 30, 30))
    mask = np.zeros((64, 64), bool)
    mask[20:30, 20:30] = True
    holed = np.asarray(img).copy()
    holed[mask] = 0
    for method in ("telea", "ns"):
        out = np.asarray(telea(Image.fromarray(holed), mask, method=method)).astype(int)
        assert np.abs(out[mask] - (200, 30, 30)).max() <= 2        # a flat colour continues
        assert np.array_equal(out[~mask], holed[~mask])


def test_cli_trains_on_an_image_folder_and_resumes(tmp_path):
    """train/inpaint.py on an image folder (train/ and test/; the preview is from test/), then --resume."""
    import importlib.util
    import json
    from pathlib import Path

    from PIL import Image

    data = _colour_blobs(10)
    for i, img in enumerate(data.images):
        sub = tmp_path / "pics" / ("test" if i >= 8 else "train")
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(sub / f"{i}.png")
    spec = importlib.util.spec_from_file_location("train_inpaint", Path(__file__).parents[1] / "train" / "inpaint.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    args = ["--dataset", f"folder:{tmp_path / 'pics'}", "--size", "64", "--cnum", "4", "--ndf", "4", "--stages", "1",
            "--batch-size", "4", "--ckpt-every", "1", "--out", str(tmp_path / "run"), "--no-progress"]
    cli.main(args + ["--steps", "2"])
    out = cli.main(args + ["--steps", "3", "--resume"])
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["family"] == "inpaint" and cfg["training"]["steps"] == 3
    assert cfg["data"]["preview"] == "held-out" and cfg["data"]["n"] == 8
    assert (out / "samples.png").is_file() and len(cfg["training"]["resumed_with"]) == 1


@pytest.mark.parametrize("zoom", [0.5, 0.9, 1.5])
def test_training_views_keep_the_true_pixels_under_the_hole(zoom):
    """A view is what training compares the fill with (L1, the discriminator's real picture): a
    shrunk view once had its hole blanked to 0 (mid-grey), which taught the generator to paint
    every hole grey (11.7 dB in the hole for models trained that way, 15.4 for the bundled one)."""
    import torch.nn.functional as F

    from ganzoo.data.views import zoom_views

    g = torch.Generator().manual_seed(0)
    images = torch.rand(3, 3, 64, 64, generator=g) * 1.6 - 0.8          # no exact zeros anywhere
    holes = lambda n, px: (torch.rand(n, 1, px, px, generator=g) > 0.7).float()  # noqa: E731
    view, hole = zoom_views(images, 64, zoom, lambda n: torch.rand(n, generator=g), holes)
    assert view.shape == (3, 3, 64, 64) and hole.shape == (3, 1, 64, 64) and hole.sum() > 0
    under = view.permute(0, 2, 3, 1)[hole[:, 0] > 0.5]
    assert (under.abs() > 1e-6).all(-1).float().mean() > 0.99           # true colours, not 0
    if zoom < 1:   # every view pixel is the shrunk picture or its border colour: the hole's too
        small = F.interpolate(images, size=(round(64 * zoom),) * 2, mode="bilinear", antialias=True,
                              align_corners=False)
        lo, hi = small.amin((2, 3)), small.amax((2, 3))
        assert ((under >= lo.min() - 1e-4) & (under <= hi.max() + 1e-4)).all()
