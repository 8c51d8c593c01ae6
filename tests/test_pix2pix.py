"""pix2pix: U-Net/PatchGAN shapes, the reference weight layout (strict load, weights_only),
inference rewrites that keep the function, sketch preparation, training and the pipeline."""
from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

import ganzoo
from ganzoo.data.sketchaug import degrade_sketch, joint_affine
from ganzoo.nn.inference import optimize_for_inference
from ganzoo.nn.patchgan import NLayerDiscriminator, receptive_field
from ganzoo.nn.unet import Pix2PixConfig, UnetGenerator, init_normal, unet_from_config
from ganzoo.pipelines import InputError, Pix2PixPipeline
from ganzoo.pipelines.images import open_image
from ganzoo.pipelines.translate import prepare_sketch, stroke_width
from ganzoo.reference import ReferenceError, import_reference, load_reference, read_state_dict
from ganzoo.training import fit
from helpers import tiny_loop, tiny_pairs, tiny_pix2pix_task

KEYS_FILE = Path(__file__).parent / "data" / "reference_unet256_keys.tsv"


def _reference_layout(path=KEYS_FILE) -> dict[str, list[int]]:
    rows = [line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return {k: json.loads(shape) for k, shape, *_ in rows}


# ---- networks -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [64, 128, 256])
def test_unet_and_patchgan_shapes(size):
    cfg = Pix2PixConfig(img_size=size, in_channels=1, out_channels=3, ngf=4)
    assert cfg.num_downs == int(np.log2(size))  # down to a 1×1 bottleneck
    g = unet_from_config(cfg)
    x = torch.randn(2, 1, size, size)
    y = g(x)
    assert y.shape == (2, 3, size, size) and y.abs().max() <= 1
    d = NLayerDiscriminator(4, ndf=4, n_layers=3)
    # 70×70 PatchGAN: a grid of logits, spatial size /8 minus the two stride-1 convs' shrink
    assert d(torch.cat([x, y], 1)).shape == (2, 1, size // 8 - 2, size // 8 - 2)
    assert receptive_field(3) == 70 and receptive_field(1) == 16


def test_unet_skip_carries_leaky_relu_like_the_reference():
    """The in-place LeakyReLU rewrites the skip tensor: the inner block's output starts with
    LeakyReLU(x), not x (the released weights were trained with this)."""
    g = unet_from_config(Pix2PixConfig(img_size=64, ngf=4)).eval()
    inner = g.model.model[1]
    x = torch.randn(1, 4, 32, 32)
    out = inner(x.clone())
    assert torch.allclose(out[:, :4], torch.nn.functional.leaky_relu(x, 0.2))


def test_reference_unet256_state_dict_loads_strictly(tmp_path):
    layout = _reference_layout()
    assert len(layout) == 82
    g = unet_from_config(Pix2PixConfig(img_size=256))
    sd = g.state_dict()
    assert {k: list(v.shape) for k, v in sd.items()} == layout
    # a released file: an OrderedDict with _metadata, as torch.save(net.state_dict()) writes it
    torch.manual_seed(0)
    ref = collections.OrderedDict((k, torch.randn(s) if s else torch.tensor(7)) for k, s in layout.items())
    for k in ref:
        if k.endswith("running_var"):
            ref[k] = ref[k].abs() + 0.5
    ref._metadata = {"": {"version": 1}}
    path = tmp_path / "facades_label2photo.pth"
    torch.save(ref, path)
    ckpt = ganzoo.load(path)  # one call
    assert ckpt.family == "pix2pix" and isinstance(ckpt.model, UnetGenerator)
    assert ckpt.config["model"]["num_downs"] == 8 and ckpt.config["model"]["ngf"] == 64
    assert ckpt.config["reference"]["name"] == "facades_label2photo"
    got = ckpt.model.state_dict()
    assert all(torch.equal(got[k], ref[k]) for k in layout)
    # imported as a ganzoo folder and loaded back: same function
    folder = import_reference(path, tmp_path / "imported")
    back = ganzoo.load(folder)
    x = torch.rand(1, 3, 256, 256) * 2 - 1
    with torch.no_grad():
        assert (back.model(x) - ckpt.model(x)).abs().max() < 2 / 255


def test_wrong_layout_is_refused_with_a_sentence(tmp_path):
    g = unet_from_config(Pix2PixConfig(img_size=64, ngf=4))
    sd = g.state_dict()
    sd["model.model.1.model.2.weight"] = torch.zeros(3)  # wrong shape
    torch.save(sd, tmp_path / "bad.pth")
    with pytest.raises(ReferenceError, match="do not match a reference UnetGenerator"):
        ganzoo.load(tmp_path / "bad.pth")
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(ReferenceError, match="not a reference"):
        ganzoo.load(tmp_path / "other.pth")
    (tmp_path / "junk.pth").write_bytes(b"\x00not a torch file")
    with pytest.raises(ReferenceError, match="not a readable PyTorch weights file"):
        ganzoo.load(tmp_path / "junk.pth")


class _Payload:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_weights_only_refuses_pickled_objects(tmp_path):
    marker = tmp_path / "code-ran"
    sd = unet_from_config(Pix2PixConfig(img_size=64, ngf=4)).state_dict()
    sd["extra"] = _Payload(marker)
    torch.save(sd, tmp_path / "evil.pth")
    with pytest.raises(ReferenceError, match="never unpickles"):
        read_state_dict(tmp_path / "evil.pth")
    with pytest.raises(ganzoo.CheckpointError):
        load_reference(tmp_path / "evil.pth")
    assert not marker.exists()


# ---- inference rewrites ------------------------------------------------------------------------

def _trained_bn_unet(size=64):
    torch.manual_seed(0)
    g = unet_from_config(Pix2PixConfig(img_size=size, ngf=8))
    init_normal(g)
    g.train()
    with torch.no_grad():  # non-trivial running statistics
        for _ in range(3):
            g(torch.randn(4, 3, size, size))
    return g.eval()


def test_folded_batchnorm_computes_the_same_function():
    g = _trained_bn_unet()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ref = g(x)
    fast = optimize_for_inference(g)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fast.modules())
    with torch.inference_mode():
        assert (fast(x.contiguous(memory_format=torch.channels_last)) - ref).abs().max() < 1e-4
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in g.modules())  # the original is untouched


def test_per_image_statistics_match_reference_train_mode():
    g = _trained_bn_unet()
    g_nodrop = unet_from_config(Pix2PixConfig(img_size=64, ngf=8, use_dropout=False))
    g_nodrop.load_state_dict(g.state_dict())
    g_nodrop.train()  # what the reference test script does (minus dropout noise), one image at a time
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        ref = torch.cat([g_nodrop(x[i:i + 1]) for i in range(3)])
    fast = optimize_for_inference(g, bn_stats="batch")
    with torch.inference_mode():
        assert (fast(x) - ref).abs().max() < 1e-4


# ---- sketch handling ----------------------------------------------------------------------------

def _drawing(w=600, h=480, stroke=3, offset=(0, 0)):
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    ox, oy = offset
    d.ellipse((200 + ox, 120 + oy, 400 + ox, 320 + oy), outline="black", width=stroke)
    d.line((250 + ox, 260 + oy, 350 + ox, 260 + oy), fill="black", width=stroke)
    return im


def test_prepare_sketch_centres_scales_and_evens_strokes():
    base = prepare_sketch(_drawing(), 128, fill=0.75)
    assert base.shape == (128, 128, 1) and 0 <= base.min() and base.max() <= 1
    ink = base[..., 0] < 0.5
    ys, xs = np.nonzero(ink)
    assert abs((ys.max() - ys.min() + 1) / 128 - 0.75) < 0.04  # spans `fill` of the canvas
    assert abs((ys.max() + ys.min()) / 2 - 63.5) < 2 and abs((xs.max() + xs.min()) / 2 - 63.5) < 2
    # the same drawing moved elsewhere on the canvas gives the same model input
    moved = prepare_sketch(_drawing(offset=(-150, 100)), 128, fill=0.75)
    assert (np.abs(moved - base) > 0.5).mean() < 0.01
    # hairline and marker-thick versions end up within the training stroke widths (2–7 px)
    for stroke in (1, 30):
        x = prepare_sketch(_drawing(stroke=stroke), 128, fill=0.75)
        w = stroke_width(torch.from_numpy(1 - x[..., 0])[None, None])
        assert 2.0 <= w <= 7.0, (stroke, w)


@pytest.mark.parametrize("img", [Image.new("RGB", (300, 300), "white"),
                                 Image.new("RGBA", (300, 300), (0, 0, 0, 0)),  # transparent: white
                                 Image.new("L", (50, 50), 250)])
def test_empty_canvas_is_a_clear_message(img):
    with pytest.raises(InputError, match="canvas is empty"):
        prepare_sketch(open_image(img), 128)


def test_open_image_modes_and_bad_files(tmp_path):
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    assert open_image(rgba).getpixel((0, 0)) == (255, 255, 255)  # alpha flattened on white
    deep = Image.fromarray(np.full((8, 8), 65535, np.uint16))
    assert open_image(deep).getpixel((0, 0)) == (255, 255, 255)  # 16-bit white stays white
    assert open_image(Image.new("CMYK", (4, 4))).mode == "RGB"
    big = Image.new("RGB", (5000, 100), "white")
    assert max(open_image(big).size) == 2048  # long side bounded
    (tmp_path / "zero.png").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        open_image(tmp_path / "zero.png")
    (tmp_path / "text.png").write_text("not an image at all")
    with pytest.raises(InputError, match="not an image"):
        open_image(tmp_path / "text.png")


def test_sketch_augmentation_is_seeded_and_keeps_pairs_aligned():
    p = tiny_pairs(8, 64)
    a = torch.from_numpy(p.a).permute(0, 3, 1, 2).float() / 127.5 - 1
    b = torch.from_numpy(p.b).permute(0, 3, 1, 2).float() / 127.5 - 1

    def run(seed):
        g = torch.Generator().manual_seed(seed)
        a2, b2 = joint_affine(a, b, g)
        return degrade_sketch(a2, g), a2, b2

    x1, a2, b2 = run(0)
    x2, _, _ = run(0)
    assert torch.equal(x1, x2) and not torch.equal(x1, run(1)[0])
    assert x1.shape == a.shape and x1.min() >= -1 and x1.max() <= 1
    # the joint transform moves A and B together: B's dark outline sits where A's ink is
    ink_a = a2[:, 0] < 0
    dark_b = b2.mean(1) < -0.5
    assert (ink_a & dark_b).sum() > 0.5 * dark_b.sum()


# ---- training and the pipeline ------------------------------------------------------------------

def test_pix2pix_trains_exports_and_runs(tmp_path):
    data = tiny_pairs(32, 64)
    preview = (data.a[:8], data.b[:8])
    out = fit(tiny_pix2pix_task(preview=preview), data,
              tiny_loop(tmp_path / "run", steps=30, batch_size=8, ckpt_every=30, sample_every=15, log_every=5))
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["l1"] < logs[0]["l1"]  # it learns the pairs
    assert {"loss_d", "loss_g_gan", "l1"} <= set(logs[-1])
    assert logs[-1]["lr"] < 2e-4  # linear decay over the second half
    assert (out / "samples.png").is_file() and (tmp_path / "run" / "samples" / "step_00000015.png").is_file()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["family"] == "pix2pix" and cfg["input"]["kind"] == "sketch"

    pipe = Pix2PixPipeline.from_pretrained(out)
    seen, made = pipe.translate(_drawing())
    assert seen.size == (64, 64) and made.size == (64, 64) and made.mode == "RGB"
    assert pipe(_drawing()).tobytes() == made.tobytes()  # deterministic (eval, no dropout noise)
    with pytest.raises(InputError, match="canvas is empty"):
        pipe(Image.new("RGB", (64, 64), "white"))


def test_l1_only_baseline_has_no_discriminator(tmp_path):
    task = tiny_pix2pix_task(l1_only=True)
    fit(task, tiny_pairs(16, 64), tiny_loop(tmp_path / "run", steps=3, batch_size=8))
    assert set(task.modules()) == {"G"}
    logs = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert "loss_d" not in logs[-1] and "l1" in logs[-1]


def test_resume_continues_exactly(tmp_path):
    data = tiny_pairs(16, 64)
    a = fit(tiny_pix2pix_task(), data, tiny_loop(tmp_path / "a", steps=4, batch_size=8, ckpt_every=2))
    fit(tiny_pix2pix_task(), data, tiny_loop(tmp_path / "b", steps=2, batch_size=8, ckpt_every=2))
    b = fit(tiny_pix2pix_task(), data, tiny_loop(tmp_path / "b", steps=4, batch_size=8, ckpt_every=2, resume=True))
    wa = ganzoo.load(a).model.state_dict()
    wb = ganzoo.load(b).model.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_image_model_keeps_the_aspect_ratio(tmp_path):
    out = fit(tiny_pix2pix_task(augment="joint"), tiny_pairs(16, 64),
              tiny_loop(tmp_path / "run", steps=2, batch_size=8))
    pipe = Pix2PixPipeline.from_pretrained(out)
    assert not pipe.is_sketch_model
    made = pipe(Image.new("RGB", (300, 150), "white"))
    assert made.size == (64, 32)


def test_bundled_sketch_models_leave_the_paper_white_at_the_border():
    """Issue 33: the zero padding framed every canvas in grey ([-1, 1]) and sketch2emoji drew a
    row of cyan dots along the bottom edge (up to 64–85 grey levels off white on 7 of the 8
    examples). The paper at the edge of the picture stays white now (at most 27 off)."""
    from helpers import bundled_with_examples

    names, examples = bundled_with_examples("pix2pix", "sketches")
    pipes = [p for p in map(Pix2PixPipeline.from_pretrained, names) if p.input.get("kind") == "sketch"]
    if not pipes:
        pytest.skip("no bundled line-art (sketch) model")
    for pipe in pipes:
        worst = {}
        for f in examples:
            seen, made = pipe.translate(f)
            paper = np.asarray(seen) == 255  # where the model was shown blank paper
            band = np.zeros_like(paper)
            band[:4], band[-4:], band[:, :4], band[:, -4:] = True, True, True, True
            off_white = (255 - np.asarray(made, np.int16)).max(-1)
            worst[f.stem] = int(off_white[band & paper].max())
        assert max(worst.values()) <= 40, (pipe.ckpt.path.name, worst)


def test_cli_trains_on_side_by_side_ab_images_and_resumes(tmp_path):
    """train/pix2pix.py on the public pix2pix layout (AB jpgs in train/ and val/), then --resume."""
    import importlib.util

    p = tiny_pairs(12, 64)
    for split, idx in (("train", range(10)), ("val", range(10, 12))):
        (tmp_path / "ab" / split).mkdir(parents=True)
        for i in idx:
            ab = np.concatenate([np.repeat(p.a[i], 3, -1), p.b[i]], 1)
            Image.fromarray(ab).save(tmp_path / "ab" / split / f"{i}.jpg")
    spec = importlib.util.spec_from_file_location("train_pix2pix", Path(__file__).parents[1] / "train" / "pix2pix.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    args = ["--dataset", f"ab:{tmp_path / 'ab'}", "--size", "64", "--ngf", "4", "--ndf", "4", "--batch-size", "4",
            "--steps", "2", "--ckpt-every", "1", "--out", str(tmp_path / "run"), "--no-progress"]
    cli.main(args)
    out = cli.main(args[:args.index("--steps")] + ["--steps", "3"] + args[args.index("--steps") + 2:] + ["--resume"])
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["steps"] == 3 and cfg["input"]["kind"] == "image"  # photos: joint augment only
    assert cfg["training"]["train"]["augment"] == "joint" and cfg["data"]["preview"] == "held-out"
    assert cfg["model"]["in_channels"] == 3 and len(cfg["training"]["resumed_with"]) == 1


# ---- the CycleGAN ResNet generator's reference layout (the loader is shared) ---------------------

def test_reference_resnet_9blocks_with_old_instance_norm_buffers_loads_strictly(tmp_path):
    from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config
    from ganzoo.reference import build_resnet

    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=64, n_blocks=9))
    sd = g.state_dict()
    assert {k: list(v.shape) for k, v in sd.items()} == _reference_layout(KEYS_FILE.with_name("reference_resnet9_keys.tsv"))
    assert sum(v.numel() for v in sd.values()) == 11_378_179
    # a file from an old PyTorch: InstanceNorm layers carried running stats (117 keys, not 48)
    old = dict(sd)
    for name, m in g.named_modules():
        if isinstance(m, torch.nn.InstanceNorm2d):
            c = m.num_features
            old[f"{name}.running_mean"], old[f"{name}.running_var"] = torch.zeros(c), torch.ones(c)
            old[f"{name}.num_batches_tracked"] = torch.tensor(0)
    assert len(old) == 117
    with pytest.raises(RuntimeError):
        resnet_from_config(CycleGANConfig(img_size=256)).load_state_dict(old, strict=False)
    torch.save(old, tmp_path / "horse2zebra.pth")
    cfg, net = build_resnet(read_state_dict(tmp_path / "horse2zebra.pth"))
    assert (cfg.n_blocks, cfg.ngf, cfg.norm, cfg.use_dropout) == (9, 64, "instance", False)
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.equal(net(x), g.eval()(x))
    # the dropout variant has other indices inside each block; it is recognised too
    d = resnet_from_config(CycleGANConfig(img_size=128, ngf=8, n_blocks=6, use_dropout=True))
    cfg, _ = build_resnet(d.state_dict())
    assert (cfg.n_blocks, cfg.use_dropout) == (6, True)
