"""Emoji recipes: Noto Color Emoji (Google, Apache-2.0) and Twemoji (Twitter, CC-BY-4.0).

* noto: the Debian font `fonts-noto-color-emoji` rendered with Pillow (its 136×128 bitmap
  strike at size 109, centred on a 128×128 canvas), for every emoji listed in `emoji.json` of
  npm `emoji-datasource` 16.0.0; without the font, the 64 px PNGs of npm
  `emoji-datasource-google` 16.0.0 instead.
* twemoji: the SVGs of npm `@twemoji/svg` 15.0.0 rasterised with resvg-py (or cairosvg), with a
  1/32 margin on each side so the artwork has about the same scale as Noto's.

Every image is composited on white. Keys are lowercase hex code points without leading zeros
joined by "-", with the variation selector fe0f dropped ("1f468-200d-1f469", "23-20e3"), so one
emoji has the same key in both sets. The held-out split is chosen per *base* key (skin tones
1f3fb–1f3ff dropped) by a salted sha1, so a base and all its variants are held out together and
the same emoji are held out for noto and twemoji.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, features

from .common import (DataUnavailable, ImageSet, cache_path, check_split, composite_on_white,
                     data_home, load_cache, npm_fetch, save_cache, tar_members)

log = logging.getLogger("ganzoo.data")

DATASOURCE = ("emoji-datasource", "16.0.0")  # emoji.json: list, names, categories (MIT)
GOOGLE_PNG = ("emoji-datasource-google", "16.0.0")  # fallback Noto images, 64 px
TWEMOJI = ("@twemoji/svg", "15.0.0")
NATIVE = 64
NOTO_RENDER = 128  # Noto is drawn at 128 px and downsampled
FONT_PATHS = (
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",  # Debian / Ubuntu
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",  # Arch
    "/usr/share/fonts/google-noto-emoji/NotoColorEmoji.ttf",  # Fedora
    "/usr/share/fonts/google-noto-color-emoji-fonts/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto-emoji/NotoColorEmoji.ttf",
    "/usr/local/share/fonts/NotoColorEmoji.ttf",
    "~/.local/share/fonts/NotoColorEmoji.ttf",
    "~/.fonts/NotoColorEmoji.ttf",
    "/Library/Fonts/NotoColorEmoji.ttf",
)
SKIN_TONES = frozenset({"1f3fb", "1f3fc", "1f3fd", "1f3fe", "1f3ff"})
TEST_FRACTION = 0.10
_SPLIT_SALT = "ganzoo-emoji-split-v1"
_RECIPE = {"noto": "noto-1", "twemoji": "twemoji-1"}


# ---------------------------------------------------------------------------------------------
# keys and the split


def normalize_key(seq: str) -> str:
    """'0023-FE0F-20E3' / '23-fe0f-20e3' / 'U+0023 U+20E3' -> '23-20e3'."""
    parts = seq.lower().replace("u+", "").replace("_", "-").replace(" ", "-").split("-")
    cps = [format(int(p, 16), "x") for p in parts if p]
    return "-".join(cp for cp in cps if cp != "fe0f")


def base_key(key: str) -> str:
    """The key without skin-tone modifiers (and fe0f): '1f44d-1f3fd' -> '1f44d'."""
    parts = [p for p in normalize_key(key).split("-") if p not in SKIN_TONES]
    return "-".join(parts) or normalize_key(key)  # a lone skin-tone swatch is its own base


def is_heldout(key: str) -> bool:
    """True when the emoji belongs to the fixed held-out ("test") split (~10% of bases)."""
    h = hashlib.sha1(f"{_SPLIT_SALT}:{base_key(key)}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64 < TEST_FRACTION


def heldout_mask(keys) -> np.ndarray:
    return np.fromiter((is_heldout(k) for k in keys), bool, count=len(keys))


# ---------------------------------------------------------------------------------------------
# emoji.json


def meta_file() -> Path:
    return data_home() / f"emoji_meta_{DATASOURCE[1]}.json"


@lru_cache(maxsize=None)
def _emoji_meta_cached(home: str) -> tuple[dict, ...]:
    path = Path(home) / f"emoji_meta_{DATASOURCE[1]}.json"
    if path.is_file():
        try:
            return tuple(json.loads(path.read_text()))
        except ValueError:
            pass
    tgz = npm_fetch(*DATASOURCE, "to fetch the emoji list (emoji-datasource)", path.name)
    raw = next((blob for _, blob in tar_members(tgz, lambda n: n == "package/emoji.json")), None)
    if raw is None:
        raise RuntimeError(f"{tgz.name} has no package/emoji.json")
    records = []
    for e in json.loads(raw):
        rows = [(e["unified"], e)] + [(v["unified"], v) for v in e.get("skin_variations", {}).values()]
        for unified, v in rows:
            records.append({
                "key": normalize_key(unified), "unified": unified.lower(), "image": v["image"],
                "name": (e.get("name") or e.get("short_name") or "").lower(),
                "category": e["category"], "subcategory": e.get("subcategory", ""),
                "sort_order": e.get("sort_order", 0), "has_img_google": v.get("has_img_google", True),
            })
    if len(records) < 3000:
        raise RuntimeError(f"{tgz.name}: emoji.json lists only {len(records)} emoji")
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(records))
    os.replace(tmp, path)
    return tuple(records)


def emoji_meta() -> tuple[dict, ...]:
    """One record per emoji (skin-tone variants included) from emoji.json of emoji-datasource:
    key, unified, image, name, category, subcategory, sort_order, has_img_google."""
    return _emoji_meta_cached(str(data_home()))


def emoji_categories() -> dict[str, str]:
    """key -> category ("Smileys & Emotion", "People & Body", "Flags", ...)."""
    return {r["key"]: r["category"] for r in emoji_meta()}


def emoji_names() -> dict[str, str]:
    """key -> lowercase Unicode name ("grinning face")."""
    return {r["key"]: r["name"] for r in emoji_meta()}


# ---------------------------------------------------------------------------------------------
# Noto


def find_noto_font() -> Path | None:
    """$GANZOO_NOTO_FONT, else the first system path holding NotoColorEmoji.ttf, else None."""
    env = os.environ.get("GANZOO_NOTO_FONT")
    for p in ([env] if env else []) + list(FONT_PATHS):
        path = Path(p).expanduser()
        if path.is_file():
            return path
    return None


def _render_noto_font(font_path: Path, records, size: int) -> tuple[np.ndarray, list[str]]:
    if not features.check("raqm"):  # without complex layout every ZWJ sequence falls apart
        raise OSError("Pillow has no raqm text layout (apt-get install libfribidi0 libharfbuzz0b)")
    font = ImageFont.truetype(str(font_path), size=109)  # the font's only bitmap strike
    images, keys, skipped = [], [], []
    for r in records:
        text = "".join(chr(int(p, 16)) for p in r["unified"].split("-"))
        x0, y0, x1, y1 = font.getbbox(text)
        w, h = x1 - x0, y1 - y0
        # one glyph is ~136×128; wider means the font has no ligature for the sequence
        if h <= 0 or w <= 0 or w > 1.1 * 136:
            skipped.append(r["key"])
            continue
        canvas = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((-x0, -y0), text, font=font, embedded_color=True)
        rgba = np.asarray(canvas)
        if rgba[..., 3].max() == 0:
            skipped.append(r["key"])
            continue
        rgba = _centre_on(rgba, NOTO_RENDER)
        rgb = Image.fromarray(composite_on_white(rgba[..., :3], rgba[..., 3]))
        if size != NOTO_RENDER:
            rgb = rgb.resize((size, size), Image.Resampling.LANCZOS)
        images.append(np.asarray(rgb))
        keys.append(r["key"])
    if skipped:
        log.info("noto: the font has no glyph for %d emoji (e.g. %s)", len(skipped), skipped[:3])
    return np.stack(images), keys


def _centre_on(rgba: np.ndarray, side: int) -> np.ndarray:
    """Crop or pad (transparent) an H×W×4 array to side×side around its centre."""
    out = np.zeros((side, side, 4), np.uint8)
    h, w = rgba.shape[:2]
    sy, sx = max(0, (h - side) // 2), max(0, (w - side) // 2)  # source offsets (crop)
    dy, dx = max(0, (side - h) // 2), max(0, (side - w) // 2)  # destination offsets (pad)
    ch, cw = min(h, side), min(w, side)
    out[dy:dy + ch, dx:dx + cw] = rgba[sy:sy + ch, sx:sx + cw]
    return out


def _noto_from_pngs(records, size: int) -> tuple[np.ndarray, list[str]]:
    tgz = npm_fetch(*GOOGLE_PNG, "to fetch the Noto emoji images", f"noto_{size}.npz")
    prefix = "package/img/google/64/"
    pngs = dict((n[len(prefix):], b) for n, b in
                tar_members(tgz, lambda n: n.startswith(prefix) and n.endswith(".png")))
    if len(pngs) < 3000:
        raise RuntimeError(f"{tgz.name}: expected ~3,786 PNGs under img/google/64, found {len(pngs)}")
    images, keys = [], []
    for r in records:
        blob = pngs.get(r["image"])
        if blob is None:
            continue
        im = Image.open(io.BytesIO(blob)).convert("RGBA")
        rgba = np.asarray(im)
        rgb = Image.fromarray(composite_on_white(rgba[..., :3], rgba[..., 3]))
        if rgb.size != (size, size):
            rgb = rgb.resize((size, size), Image.Resampling.LANCZOS)
        images.append(np.asarray(rgb))
        keys.append(r["key"])
    return np.stack(images), keys


def _build_noto(size: int) -> dict[str, np.ndarray]:
    t = time.perf_counter()
    font = find_noto_font()
    if font is None:
        have_png = (data_home() / "raw" / f"{GOOGLE_PNG[0]}-{GOOGLE_PNG[1]}.tgz").is_file()
        if shutil.which("npm") is None and not have_png:
            raise DataUnavailable(
                "The Noto Color Emoji font is needed to render the noto emoji: install it "
                "(apt-get install fonts-noto-color-emoji, or set GANZOO_NOTO_FONT to "
                "NotoColorEmoji.ttf), or install npm (apt-get install npm) to fetch "
                f"emoji-datasource-google instead, or set GANZOO_DATA to a folder that already "
                f"holds noto_{size}.npz."
            )
    records = sorted(emoji_meta(), key=lambda r: r["key"])
    if font is not None:
        try:
            images, keys = _render_noto_font(font, records, size)
            source = f"font:{font.name}"
        except OSError as e:  # FreeType without colour-bitmap support, broken file, ...
            log.warning("cannot render %s (%s): using emoji-datasource-google PNGs", font, e)
            font = None
    if font is None:
        images, keys = _noto_from_pngs([r for r in records if r["has_img_google"]], size)
        source = f"npm:{GOOGLE_PNG[0]}@{GOOGLE_PNG[1]}"
    if len(keys) < 3000:
        raise RuntimeError(f"noto: only {len(keys)} emoji could be drawn from {source}")
    log.info("built noto_%d.npz: %d emoji from %s in %.1f s", size, len(keys), source,
             time.perf_counter() - t)
    return {"images": images, "keys": np.array(keys), "source": np.array(source)}


# ---------------------------------------------------------------------------------------------
# Twemoji


def svg_rasteriser():
    try:
        import resvg_py  # noqa: PLC0415 - whichever SVG rasteriser is installed

        def render(svg: str, side: int) -> np.ndarray:
            png = resvg_py.svg_to_bytes(svg_string=svg, width=side, height=side,
                                        skip_system_fonts=True)
            return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"))

        return render
    except ImportError:
        pass
    try:
        import cairosvg  # noqa: PLC0415 - whichever SVG rasteriser is installed

        def render(svg: str, side: int) -> np.ndarray:
            png = cairosvg.svg2png(bytestring=svg.encode(), output_width=side, output_height=side)
            return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))

        return render
    except (ImportError, OSError):
        raise DataUnavailable(
            "resvg-py is needed to rasterise the Twemoji SVGs: pip install resvg-py "
            "(or cairosvg), or set GANZOO_DATA to a folder that already holds twemoji_64.npz."
        ) from None


def _build_twemoji(size: int) -> dict[str, np.ndarray]:
    t = time.perf_counter()
    render = svg_rasteriser()
    tgz = npm_fetch(*TWEMOJI, "to fetch the Twemoji SVGs", f"twemoji_{size}.npz")
    svgs = {}
    for name, blob in tar_members(tgz, lambda n: n.startswith("package/") and n.endswith(".svg")
                                  and n.count("/") == 1):
        key = normalize_key(name[len("package/"):-len(".svg")])
        svgs.setdefault(key, blob.decode("utf-8"))
    if len(svgs) < 3000:
        raise RuntimeError(f"{tgz.name}: expected ~3,720 SVGs, found {len(svgs)}")
    margin = round(size / 32)  # Noto's artwork leaves about this much room; match its scale
    inner = size - 2 * margin
    keys = sorted(svgs)
    rgba = np.zeros((len(keys), size, size, 4), np.uint8)
    for i, k in enumerate(keys):
        rgba[i, margin:margin + inner, margin:margin + inner] = render(svgs[k], inner)
    images = composite_on_white(rgba[..., :3], rgba[..., 3])
    log.info("built twemoji_%d.npz: %d emoji in %.1f s", size, len(keys), time.perf_counter() - t)
    return {"images": images, "keys": np.array(keys), "source": np.array("npm:@twemoji/svg@15.0.0")}


# ---------------------------------------------------------------------------------------------
# loaders

_BUILDERS = {"noto": _build_noto, "twemoji": _build_twemoji}


def _load_vendor(vendor: str, size: int) -> tuple[np.ndarray, list[str]]:
    name = f"{vendor}_{size}.npz"
    arrays = load_cache(name, _RECIPE[vendor])
    if arrays is None:
        arrays = _BUILDERS[vendor](size)
        save_cache(name, _RECIPE[vendor], **arrays)
        log.info("cached %s (%.1f MB)", cache_path(name), cache_path(name).stat().st_size / 2**20)
    return arrays["images"], [str(k) for k in arrays["keys"]]


def _select(images: np.ndarray, keys: list[str], split: str):
    if split == "all":
        return images, keys
    mask = heldout_mask(keys)
    if split == "train":
        mask = ~mask
    return images[mask], [k for k, m in zip(keys, mask) if m]


def load_vendor(vendor: str, split: str = "train", size: int | None = None) -> ImageSet:
    """vendor: "noto" or "twemoji"."""
    check_split(split)
    images, keys = _select(*_load_vendor(vendor, size or NATIVE), split)
    return ImageSet(images=images, labels=None, class_names=None, keys=keys, name=vendor)


def load_emoji(split: str = "train", size: int | None = None) -> ImageSet:
    """noto + twemoji concatenated; labels 0 = noto, 1 = twemoji."""
    parts = [load_vendor(v, split, size) for v in ("noto", "twemoji")]
    labels = np.concatenate([np.full(len(p), i, np.int64) for i, p in enumerate(parts)])
    return ImageSet(images=np.concatenate([p.images for p in parts]), labels=labels,
                    class_names=["noto", "twemoji"], keys=parts[0].keys + parts[1].keys,
                    name="emoji")


def load_emoji_categories(split: str = "train", size: int | None = None) -> ImageSet:
    """The emoji of `load_emoji` that have a Unicode category, labelled category × style:
    label = 2 · category + style (0 noto, 1 twemoji), names "Animals & Nature / noto", … — the
    classes of the emoji classifier, so a generator conditioned on them is judged class by class."""
    data = load_emoji(split, size)
    cats = emoji_categories()
    names = sorted(set(cats.values()))
    index = {c: i for i, c in enumerate(names)}
    cat = np.array([index.get(cats.get(k, ""), -1) for k in data.keys])
    keep = cat >= 0
    return ImageSet(images=data.images[keep], labels=(cat * 2 + data.labels)[keep],
                    class_names=[f"{c} / {s}" for c in names for s in ("noto", "twemoji")],
                    keys=[k for k, m in zip(data.keys, keep) if m], name="emoji-categories")
