"""Super-resolution pairs from real photographs: a crop of a photo (the truth) and the same crop
degraded the way Real-ESRGAN trains for real photos (ganzoo.data.degrade).

    data = load_photo_sr_pairs("train", size=64, scale=4)   # a: N×64×64×3, b: N×256×256×3
    held = load_photo_sr_pairs("test", size=64, scale=4)    # crops of the held-out photos

The photos are ganzoo.data.photos' (named Debian wallpaper photographs; scikit-image's samples
when it is installed), with its fixed held-out split. Each photo is read at a long side of
`max_side` px (Lanczos from the original, which also cleans its own JPEG noise out of the truth,
as Real-ESRGAN's DIV2K / Flickr2K truths are clean) and `crops` random scale·size squares are cut
from it; each crop is degraded once, with its own draw of blur, resize, noise and JPEG. The draws
come from one rng seeded by `seed` and the photo's name, so the same call gives the same pairs
anywhere. Real-ESRGAN degrades afresh at every step; a fixed set of pairs is what a CPU can afford
(degrading a batch costs more than the compact network's step), so take enough crops per photo.
"""
from __future__ import annotations

import hashlib

import numpy as np

from .common import PairSet, check_split
from .degrade import degrade
from .photos import load_photos

NAME = "photos"
MAX_SIDE = 1024   # the long side the photos are read at (the evaluator reads the held-out ones the same way)
LICENSE = "per photo (CC0, CC-BY, CC-BY-SA, GPL-2+): see ganzoo.data.photos.credits()"


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "little")])


def load_photo_sr_pairs(split: str = "train", size: int = 64, scale: int = 4, crops: int = 32, max_side: int = MAX_SIDE,
                        seed: int = 0) -> PairSet:
    """The pairs (module docstring); keys "name:i". A photo smaller than scale·size px is left out."""
    check_split(split)
    side = size * scale
    if size < 8 or side > max_side:
        raise ValueError(f"size {size} × scale {scale}: the crop needs at least 8 px small and at most {max_side} large")
    a, b, keys = [], [], []
    for name, photo in load_photos(split, max_side=max_side):
        h, w = photo.shape[:2]
        if min(h, w) < side:
            continue
        rng = _rng(seed, name)
        for i in range(crops):
            y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
            hr = np.ascontiguousarray(photo[y:y + side, x:x + side])
            a.append(degrade(hr, scale, rng))
            b.append(hr)
            keys.append(f"{name}:{i}")
    if not a:
        raise ValueError(f"no {split} photo is {side} px on its short side")
    return PairSet(a=np.stack(a), b=np.stack(b), keys=keys, name=NAME, license=LICENSE)
