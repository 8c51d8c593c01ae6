#!/usr/bin/env python
"""Writes the super-resolution examples (examples/sr): small pictures worth enlarging.

    python examples/make_sr_examples.py

- photo_*.png: a detailed part of each photo of examples/photos (their licences are in
  make_photo_examples.py), shrunk 4× with PIL's antialiased bicubic, so ×4 gives back roughly
  the detail of the original; the app's first result is the first of them.
- emoji_*.png: held-out emoji (never trained on by any ganzoo model) drawn at 64 px from their
  SVGs, as ganzoo.data.sr draws the small half of its pairs (Twemoji CC-BY-4.0, OpenMoji
  CC-BY-SA-4.0).
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
# (photo, crop box in examples/photos): the whole cat, the astronaut's head and shoulders, the
# whole cup; sides are multiples of 4
CROPS = {"chelsea": (0, 0, 448, 300), "astronaut": (96, 0, 480, 384), "coffee": (0, 0, 600, 400)}
EMOJI = [("twemoji", "1f30d"), ("openmoji", "1f326")]


def main():
    from ganzoo.data.sr import load_sr_pairs

    out = HERE / "sr"
    out.mkdir(exist_ok=True)
    for name, box in CROPS.items():
        crop = Image.open(HERE / "photos" / f"{name}.jpg").convert("RGB").crop(box)
        small = crop.resize((crop.width // 4, crop.height // 4), Image.Resampling.BICUBIC)
        small.save(out / f"photo_{name}.png", optimize=True)
        print(out / f"photo_{name}.png", small.size)
    for vendor, code in EMOJI:
        held = load_sr_pairs(vendor, "test", size=64, scale=4)
        keys = list(held.keys)
        i = next(i for i, k in enumerate(keys) if k.endswith(code))
        Image.fromarray(held.a[i]).save(out / f"emoji_{vendor}_{code}.png", optimize=True)
        print(out / f"emoji_{vendor}_{code}.png")


if __name__ == "__main__":
    main()
