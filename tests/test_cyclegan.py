"""CycleGAN: the ResNet generator pair, the history pool, unpaired batches and exact resume."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

import ganzoo
from ganzoo.data.unpaired import UnpairedSet, load_unpaired
from ganzoo.nn.patchgan import NLayerDiscriminator
from ganzoo.nn.resnet import CycleGANConfig, GeneratorPair, resnet_from_config
from ganzoo.training import CycleGANTask, CycleGANTrainConfig, fit
from ganzoo.training.pool import ImagePool
from helpers import tiny_loop


@pytest.mark.parametrize("size, blocks", [(64, 6), (128, 6), (256, 9)])
def test_generator_and_discriminator_shapes(size, blocks):
    g = resnet_from_config(CycleGANConfig(img_size=size, ngf=4, n_blocks=blocks))
    x = torch.rand(2, 3, size, size) * 2 - 1
    y = g(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    d = NLayerDiscriminator(3, 4, 3, "instance")
    assert d(y).shape == (2, 1, size // 8 - 2, size // 8 - 2)
    pair = GeneratorPair(CycleGANConfig(img_size=size, ngf=4, n_blocks=blocks))
    assert {k.split(".")[0] for k in pair.state_dict()} == {"a2b", "b2a"}


def test_history_pool_fills_then_mixes_old_and_new():
    pool = ImagePool(4, (1, 2, 2))
    gen = torch.Generator().manual_seed(0)
    first = torch.arange(4.0).view(4, 1, 1, 1).expand(4, 1, 2, 2)
    assert torch.equal(pool.query(first, gen), first) and int(pool.count) == 4  # filling: as given
    outs = torch.cat([pool.query(torch.full((1, 1, 2, 2), 10.0 + i), gen) for i in range(40)])
    from_history = (outs[:, 0, 0, 0] != 10.0 + torch.arange(40)).sum().item()
    assert 8 < from_history < 32  # about half are older images, the rest the new one
    assert set(outs[:, 0, 0, 0].tolist()) <= set(range(4)) | {10.0 + i for i in range(40)}
    assert ImagePool(0, (1, 2, 2)).query(first, gen) is first


def _tiny_domains(n=8, size=64):
    rng = np.random.default_rng(0)

    def make(colour):
        out = np.empty((n, size, size, 3), np.uint8)
        for i in range(n):
            im = Image.new("RGB", (size, size), "white")
            r = int(rng.integers(size // 6, size // 3))
            ImageDraw.Draw(im).ellipse((size // 2 - r,) * 2 + (size // 2 + r,) * 2, fill=colour)
            out[i] = np.asarray(im)
        return out

    return UnpairedSet(a=make((220, 40, 40)), b=make((40, 40, 220))[:6], keys_a=None, keys_b=None,
                       name_a="red", name_b="blue")


def _task(data):
    mcfg = CycleGANConfig(img_size=64, ngf=4, ndf=4, n_blocks=2)
    return CycleGANTask(mcfg, CycleGANTrainConfig(pool_size=3), {"name": data.name},
                        preview=(data.a[:2], data.b[:2]), domains=("red", "blue"))


def test_trains_exports_and_resumes_exactly(tmp_path):
    data = _tiny_domains()
    a = fit(_task(data), data, tiny_loop(tmp_path / "a", steps=4, batch_size=2, ckpt_every=2))
    fit(_task(data), data, tiny_loop(tmp_path / "b", steps=2, batch_size=2, ckpt_every=2))
    b = fit(_task(data), data, tiny_loop(tmp_path / "b", steps=4, batch_size=2, ckpt_every=2, resume=True))
    wa, wb = ganzoo.load(a).model.state_dict(), ganzoo.load(b).model.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)  # pools and both random streams restored
    logs = [json.loads(line) for line in (tmp_path / "a" / "log.jsonl").read_text().splitlines()]
    assert {"loss_g_gan", "cycle", "identity", "loss_d"} <= set(logs[-1])
    cfg = json.loads((a / "config.json").read_text())
    assert cfg["family"] == "cyclegan" and cfg["domains"] == ["red", "blue"]
    assert (a / "samples.png").is_file()


def test_unpaired_folders_layout_and_errors(tmp_path):
    for sub, n in (("trainA", 3), ("trainB", 5), ("testA", 1), ("testB", 1)):
        (tmp_path / sub).mkdir()
        for i in range(n):
            Image.new("RGB", (40, 30), (i * 40, 0, 0)).save(tmp_path / sub / f"{i}.png")
    train = load_unpaired(f"cyclegan:{tmp_path}", size=32)
    assert (len(train.a), len(train.b)) == (3, 5) and train.a.shape[1:] == (32, 32, 3)
    test = load_unpaired(f"cyclegan:{tmp_path}", split="test", size=32)
    assert (len(test.a), len(test.b)) == (1, 1)
    with pytest.raises(FileNotFoundError, match="trainA/, trainB/"):
        load_unpaired(f"cyclegan:{tmp_path / 'nope'}")
    with pytest.raises(ValueError, match="give two specs"):
        load_unpaired("noto")


def test_released_cyclegan_generator_loads_with_one_call_and_imports(tmp_path):
    """A released file (one ResnetGenerator, old InstanceNorm buffers) → family cyclegan, a2b only."""
    from ganzoo.reference import import_reference

    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=4, n_blocks=9)).eval()
    sd = dict(g.state_dict())
    for name, m in g.named_modules():
        if isinstance(m, torch.nn.InstanceNorm2d):
            sd[f"{name}.running_mean"], sd[f"{name}.running_var"] = torch.zeros(4), torch.ones(4)
    torch.save(sd, tmp_path / "horse2zebra.pth")
    ckpt = ganzoo.load(tmp_path / "horse2zebra.pth")
    assert ckpt.family == "cyclegan" and ckpt.config["domains"] == ["horse", "zebra"]
    assert list(ckpt.config["model"]["directions"]) == ["a2b"]
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.equal(ckpt.model(x, "a2b"), g(x))
        with pytest.raises(ValueError, match="no b2a generator"):
            ckpt.model(x, "b2a")
    folder = import_reference(tmp_path / "horse2zebra.pth", tmp_path / "h2z")
    back = ganzoo.load(folder)
    with torch.no_grad():
        assert (back.model(x, "a2b") - g(x)).abs().max() < 2 / 255


def test_pipeline_translates_both_ways_keeping_the_aspect_ratio(tmp_path):
    from ganzoo.pipelines import CycleGANPipeline, InputError

    data = _tiny_domains()
    out = fit(_task(data), data, tiny_loop(tmp_path / "run", steps=2, batch_size=2))
    pipe = CycleGANPipeline.from_pretrained(out)
    assert pipe.directions == {"a2b": "red → blue", "b2a": "blue → red"}
    rgba = Image.new("RGBA", (300, 130), (0, 0, 0, 0))        # odd aspect, transparent, any size
    seen, made = pipe.translate(rgba, "a2b")
    assert seen.size == made.size == (64, 28) and made.mode == "RGB"
    assert np.asarray(seen).min() == 255                       # transparency became white
    grey = Image.new("L", (50, 90), 128)
    assert pipe(grey, "b2a").size == (36, 64)
    with pytest.raises(InputError, match="translates red → blue, blue → red only"):
        pipe(grey, "sideways")
    # a released one-way file offers only its direction
    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=4, n_blocks=2))
    torch.save(g.state_dict(), tmp_path / "summer2winter_yosemite.pth")
    one = CycleGANPipeline(ganzoo.load(tmp_path / "summer2winter_yosemite.pth"))
    assert one.directions == {"a2b": "summer → winter_yosemite"}
    with pytest.raises(InputError, match="summer → winter_yosemite only"):
        one(grey, "b2a")


def test_cli_trains_on_trainA_trainB_folders_with_a_matched_preview(tmp_path):
    """train/cyclegan.py on the public CycleGAN layout, then --resume; the sample grid shows the
    same held-out items on the A and B rows when the two domains share file names."""
    import importlib.util
    from pathlib import Path

    root = tmp_path / "data"
    for sub, names in (("trainA", [f"t{i}" for i in range(6)]), ("trainB", [f"t{i}" for i in range(5)]),
                       ("testA", [f"k{i}" for i in range(10)]), ("testB", [f"k{i}" for i in range(10) if i != 5] + ["z"])):
        (root / sub).mkdir(parents=True)
        for n in names:
            v = 20 * int(n[1:]) if n[1:] else 250
            colour = (v, 0, 0) if sub.endswith("A") else (0, 0, v)
            Image.new("RGB", (64, 64), colour).save(root / sub / f"{n}.png")
    spec = importlib.util.spec_from_file_location("train_cyclegan", Path(__file__).parents[1] / "train" / "cyclegan.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    args = ["--dataset", f"cyclegan:{root}", "--size", "64", "--ngf", "4", "--ndf", "4", "--n-blocks", "2",
            "--batch-size", "2", "--ckpt-every", "1", "--out", str(tmp_path / "run"), "--no-progress"]
    from ganzoo.training import cli as training_cli
    from ganzoo.training.commands import cyclegan as command

    task, data, _ = training_cli.build("cyclegan", cli.parse_args(args + ["--steps", "2"]))
    pa, pb = task.preview
    assert len(pa) == len(pb) == command.PREVIEW
    assert (pa[:, 0, 0, 0].astype(int) == pb[:, 0, 0, 2].astype(int)).all()  # same keys on both rows
    assert pa[0, 0, 0, 0] == 0 and pa[-1, 0, 0, 0] == 180                   # spread: first to last
    cli.main(args + ["--steps", "2"])
    out = cli.main(args + ["--steps", "3", "--resume"])
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["steps"] == 3 and cfg["domains"] == ["data/A", "data/B"]
    assert cfg["data"]["n_a"] == 6 and cfg["data"]["n_b"] == 5 and cfg["data"]["preview"] == "held-out"


def test_official_download_by_name_fetches_the_right_url_and_imports(tmp_path, monkeypatch):
    """`python -m ganzoo.reference style_monet` downloads the released CycleGAN file (the network
    boundary is replaced by a local copy here) and imports it; names released by both projects
    need --family."""
    import urllib.request

    from ganzoo import hub
    from ganzoo import reference as ref

    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=4, n_blocks=9))
    torch.save(g.state_dict(), tmp_path / "served.pth")
    asked = []

    def fake_urlretrieve(url, dest):
        asked.append(url)
        dest.write_bytes((tmp_path / "served.pth").read_bytes())

    monkeypatch.setattr(urllib.request, "urlretrieve", fake_urlretrieve)
    monkeypatch.setattr(hub, "USER_DIR", tmp_path / "models")
    ref.main(["style_monet"])
    assert asked == ["http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/style_monet.pth"]
    ckpt = ganzoo.load(tmp_path / "models" / "style_monet")
    assert ckpt.family == "cyclegan" and ckpt.config["domains"] == ["photo", "monet"]
    with pytest.raises(ref.ReferenceError, match="both a pix2pix and a CycleGAN model"):
        ref.main(["sat2map"])
    ref.main(["sat2map", "--family", "cyclegan"])
    assert asked[-1].endswith("/cyclegan/pretrained_models/sat2map.pth")
    assert ganzoo.load(tmp_path / "models" / "sat2map-cyclegan").config["domains"] == ["sat", "map"]
    with pytest.raises(ref.ReferenceError, match="unknown released model 'horse2cat'"):
        ref.download_official("horse2cat")
