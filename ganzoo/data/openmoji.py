"""OpenMoji line art → colour emoji pairs (npm `openmoji` 17.0.0, CC-BY-SA-4.0).

`black/svg/X.svg` and `color/svg/X.svg` share one 72×72 canvas, so both rasterise pixel-aligned:
real designer line drawings paired with their coloured version — the natural sketch → image data.
The held-out split is the emoji split (by base code point).

Two kinds of pairs are left out because their colour is not in the drawing: skin-tone variants
(the same line art appears five more times with five skin colours, which only teaches a blend)
and flags (the line art of a flag is an empty rectangle): 2,112 of the 4,495 pairs remain
(1,890 train, 222 held out).
"""
from __future__ import annotations

import logging
import time

import numpy as np

from .common import PairSet, check_split, composite_on_white, load_cache, npm_fetch, save_cache, tar_members
from .emoji import SKIN_TONES, svg_rasteriser, heldout_mask, normalize_key

log = logging.getLogger("ganzoo.data")

OPENMOJI = ("openmoji", "17.0.0")
NATIVE = 128
LICENSE = "CC-BY-SA-4.0"
_RECIPE = "openmoji-1"


def _colour_in_drawing(key: str) -> bool:
    cps = key.split("-")
    if any(cp in SKIN_TONES for cp in cps):
        return False
    # regional-indicator pairs, tag-sequence flags (England, …) and 1f3f4/1f3f3 flag sequences
    return not any(0x1F1E6 <= int(cp, 16) <= 0x1F1FF or 0xE0020 <= int(cp, 16) <= 0xE007F
                   or cp in ("1f3f4", "1f3f3") for cp in cps)


def _build(size: int) -> dict[str, np.ndarray]:
    t = time.perf_counter()
    render = svg_rasteriser()
    tgz = npm_fetch(*OPENMOJI, "to fetch the OpenMoji SVGs", f"openmoji_{size}.npz")
    svgs: dict[str, dict[str, str]] = {"black": {}, "color": {}}
    for name, blob in tar_members(tgz, lambda n: n.endswith(".svg") and n.count("/") == 3
                                  and n.split("/")[1] in svgs and n.split("/")[2] == "svg"):
        _, style, _, fname = name.split("/")
        svgs[style][normalize_key(fname[:-len(".svg")])] = blob.decode("utf-8")
    keys = sorted(set(svgs["black"]) & set(svgs["color"]))
    if len(keys) < 4000:
        raise RuntimeError(f"{tgz.name}: expected ~4,495 line-art/colour pairs, found {len(keys)}")
    sketch = np.empty((len(keys), size, size, 1), np.uint8)
    color = np.empty((len(keys), size, size, 3), np.uint8)
    for i, k in enumerate(keys):
        b = render(svgs["black"][k], size)
        c = render(svgs["color"][k], size)
        # line art is black strokes on transparency: its alpha is the ink
        sketch[i, ..., 0] = 255 - b[..., 3]
        color[i] = composite_on_white(c[..., :3], c[..., 3])
    log.info("built openmoji_%d.npz: %d pairs in %.1f s", size, len(keys), time.perf_counter() - t)
    return {"sketch": sketch, "color": color, "keys": np.array(keys),
            "source": np.array("npm:openmoji@17.0.0")}


def load_openmoji(split: str = "train", size: int | None = None):
    """Pairs (a = line art, grey N×H×W×1; b = colour N×H×W×3), both on white."""

    check_split(split)
    size = size or NATIVE
    name = f"openmoji_{size}.npz"
    arrays = load_cache(name, _RECIPE)
    if arrays is None:
        arrays = _build(size)
        save_cache(name, _RECIPE, **arrays)
    keys = [str(k) for k in arrays["keys"]]
    keep = np.fromiter((_colour_in_drawing(k) for k in keys), bool, count=len(keys))
    sk = arrays["sketch"][..., 0]
    keep &= (sk < 192).mean((1, 2)) >= 0.003  # a few have (almost) no line art at all
    a, b, keys = arrays["sketch"][keep], arrays["color"][keep], [k for k, m in zip(keys, keep) if m]
    if split != "all":
        mask = heldout_mask(keys)
        if split == "train":
            mask = ~mask
        a, b, keys = a[mask], b[mask], [k for k, m in zip(keys, mask) if m]
    return PairSet(a=a, b=b, keys=keys, name="openmoji", license=LICENSE)
