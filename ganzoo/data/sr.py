"""Super-resolution pairs from emoji SVGs: each emoji drawn twice, small and `scale` times larger.

    data = load_sr_pairs("emoji-svg", "train", size=64, scale=4)   # a: N×64×64×3, b: N×256×256×3
    held = load_sr_pairs("emoji-svg", "test")                       # the held-out emoji

The low-resolution picture is the SVG rasterised at `size` px, the high-resolution one the same
SVG rasterised at `scale`·size px (resvg-py, as the emoji recipes draw them): the target is the
exact picture the small one was drawn from, not a guess, and the degradation is the one an emoji
drawn small really has (the rasteriser's own anti-aliasing). Pixel (i, j) of the small picture
covers pixels scale·i … scale·i + scale − 1 of the large one, so the pair is aligned exactly.
Both are composited on white, as every emoji recipe is.

Specs (the vector sets; Noto is a bitmap font, so it has no exact larger drawing and is left out):
  twemoji     npm `@twemoji/svg` 15.0.0 (CC-BY-4.0), with Twemoji's 1/32 margin (ganzoo.data.emoji)
  openmoji    the colour SVGs of npm `openmoji` 17.0.0 (CC-BY-SA-4.0), on their full canvas
  emoji-svg   both of them (keys say whose: "twemoji:1f600", "openmoji:1f600")
Skin-tone variants are left out (the same drawing five more times in another skin colour), so
1,905 Twemoji and 2,460 OpenMoji emoji remain. The held-out ("test") split is the emoji split of
every ganzoo emoji recipe (ganzoo.data.emoji.is_heldout: ~10% of base code points by a salted
sha1), so no held-out emoji, in either vendor, is ever trained on.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from .common import PairSet, check_split, composite_on_white, load_cache, npm_fetch, save_cache, tar_members
from .emoji import SKIN_TONES, TWEMOJI, heldout_mask, normalize_key, svg_rasteriser
from .openmoji import OPENMOJI

log = logging.getLogger("ganzoo.data")

VENDORS = ("twemoji", "openmoji")
SPECS = {"twemoji": ("twemoji",), "openmoji": ("openmoji",), "emoji-svg": VENDORS}
LICENSES = {"twemoji": "CC-BY-4.0", "openmoji": "CC-BY-SA-4.0"}
DEFAULT_SIZE, DEFAULT_SCALE = 64, 4
_RECIPE = "sr-1"


def svg_sources(vendor: str) -> dict[str, str]:
    """key → SVG text of every emoji of `vendor` without a skin tone (the npm tarball is fetched
    once, as the emoji recipes fetch it)."""
    if vendor == "twemoji":
        tgz = npm_fetch(*TWEMOJI, "to fetch the Twemoji SVGs", "sr_twemoji_*.npz")
        members = tar_members(tgz, lambda n: n.startswith("package/") and n.endswith(".svg") and n.count("/") == 1)
        names = ((name[len("package/"):-len(".svg")], blob) for name, blob in members)
    elif vendor == "openmoji":
        tgz = npm_fetch(*OPENMOJI, "to fetch the OpenMoji SVGs", "sr_openmoji_*.npz")
        members = tar_members(tgz, lambda n: n.endswith(".svg") and n.count("/") == 3
                              and n.split("/")[1] == "color" and n.split("/")[2] == "svg")
        names = ((name.split("/")[3][:-len(".svg")], blob) for name, blob in members)
    else:
        raise ValueError(f"unknown SVG emoji vendor {vendor!r}: use one of {', '.join(VENDORS)}")
    svgs: dict[str, str] = {}
    for name, blob in names:
        key = normalize_key(name)
        if not any(cp in SKIN_TONES for cp in key.split("-")):
            svgs.setdefault(key, blob.decode("utf-8"))
    return svgs


def margin_of(vendor: str, size: int) -> int:
    """Transparent border on each side at `size` px: Twemoji's recipe keeps 1/32 (about Noto's
    scale), OpenMoji's artwork has its own room on its 72×72 canvas."""
    return round(size / 32) if vendor == "twemoji" else 0


def render_pair(render, svg: str, size: int, scale: int, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """(size×size×3, scale·size × scale·size × 3) uint8 on white; the large one's margin is
    scale × the small one's, so the artwork lines up exactly."""
    out = []
    for side, m in ((size, margin), (size * scale, margin * scale)):
        rgba = np.zeros((side, side, 4), np.uint8)
        rgba[m:side - m, m:side - m] = render(svg, side - 2 * m)
        out.append(composite_on_white(rgba[..., :3], rgba[..., 3]))
    return out[0], out[1]


def _render(vendor: str, size: int, scale: int, keys: list[str] | None = None) -> dict[str, np.ndarray]:
    t = time.perf_counter()
    render = svg_rasteriser()
    svgs = svg_sources(vendor)
    keys = sorted(svgs) if keys is None else keys
    lo = np.empty((len(keys), size, size, 3), np.uint8)
    hi = np.empty((len(keys), size * scale, size * scale, 3), np.uint8)
    margin = margin_of(vendor, size)
    for i, k in enumerate(keys):
        lo[i], hi[i] = render_pair(render, svgs[k], size, scale, margin)
    log.info("rendered %d %s emoji at %d and %d px in %.1f s", len(keys), vendor, size, size * scale,
             time.perf_counter() - t)
    return {"lr": lo, "hr": hi, "keys": np.array(keys)}


def _load_vendor(vendor: str, size: int, scale: int, limit: int | None) -> dict[str, np.ndarray]:
    if limit is not None:  # a few emoji spread over the set, drawn now (tests, smoke runs)
        keys = sorted(svg_sources(vendor))
        pick = np.unique(np.linspace(0, len(keys) - 1, min(limit, len(keys))).round().astype(int))
        return _render(vendor, size, scale, [keys[i] for i in pick])
    name = f"sr_{vendor}_{size}x{scale}.npz"
    arrays = load_cache(name, _RECIPE)
    if arrays is None:
        arrays = _render(vendor, size, scale)
        save_cache(name, _RECIPE, **arrays)
    return arrays


def load_sr_pairs(spec: str = "emoji-svg", split: str = "train", size: int | None = None, scale: int | None = None,
                  limit: int | None = None) -> PairSet:
    """Pairs a = the emoji at `size` px (N×size×size×3), b = at scale·size px; see the module
    docstring. limit: only that many emoji per vendor, spread evenly over its keys (not cached)."""
    check_split(split)
    if spec not in SPECS:
        raise ValueError(f"unknown super-resolution data {spec!r}: use one of {', '.join(SPECS)}")
    size, scale = size or DEFAULT_SIZE, scale or DEFAULT_SCALE
    if size < 8 or size * scale > 2048:
        raise ValueError(f"size {size} × scale {scale}: the small picture needs at least 8 px and the large at most 2048")
    parts_a, parts_b, keys = [], [], []
    for v in SPECS[spec]:
        arr = _load_vendor(v, size, scale, limit)
        k = [str(x) for x in arr["keys"]]
        mask = np.ones(len(k), bool) if split == "all" else heldout_mask(k) == (split == "test")
        parts_a.append(arr["lr"][mask])
        parts_b.append(arr["hr"][mask])
        keys += [f"{v}:{x}" for x, m in zip(k, mask) if m]
    licenses = sorted({LICENSES[v] for v in SPECS[spec]})
    return PairSet(a=np.concatenate(parts_a), b=np.concatenate(parts_b), keys=keys, name=spec,
                   license=licenses[0] if len(licenses) == 1 else " + ".join(licenses))
