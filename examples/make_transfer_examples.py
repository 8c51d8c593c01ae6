#!/usr/bin/env python
"""Writes the Domain transfer tab's example pictures: held-out emoji (never trained on) in each
style, so the examples show what the shipped noto2twemoji model does on emoji it has not seen.

    python examples/make_transfer_examples.py

Noto Color Emoji: Apache-2.0 (Google). Twemoji graphics: CC-BY-4.0 (Twitter, jdecked/twemoji).
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo.data import load_images  # noqa: E402
from ganzoo.data.emoji import emoji_names, is_heldout  # noqa: E402

# (style, code point): a face, a flag, an animal, food, a building, a symbol — spread over the
# kinds of emoji the model has to handle; the direction follows from the style
PICKS = [("noto", "1f603"), ("noto", "1f1ee-1f1f3"), ("noto", "1f418"), ("noto", "1f347"),
         ("twemoji", "1f929"), ("twemoji", "1f3e0"), ("twemoji", "1f421"), ("twemoji", "38-20e3")]
SIZE = 128


def main():
    out = Path(__file__).resolve().parent / "transfer"
    out.mkdir(exist_ok=True)
    names = emoji_names()
    sets = {s: load_images(s, "test", SIZE) for s in {s for s, _ in PICKS}}
    for style, key in PICKS:
        assert is_heldout(key), f"{key} is not in the held-out split"
        data = sets[style]
        img = data.images[data.keys.index(key)]
        slug = names[key].replace(" ", "-").replace("&", "and")
        Image.fromarray(img).save(out / f"{style}_{slug}.png", optimize=True)
        print(out / f"{style}_{slug}.png")


if __name__ == "__main__":
    main()
