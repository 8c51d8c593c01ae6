#!/usr/bin/env python
"""Writes the Inpainting tab's examples: held-out emoji (never trained on) at the sizes visitors
bring (64, 128 and 256 px), and one photo (examples/photos, CC0), each with a painted hole as the
editor's paint layer (a free-form mask from a fixed seed, of the size a few brush strokes make).

    python examples/make_inpaint_examples.py

Files per example NAME: NAME.png (the picture), NAME.mask.png (RGBA paint layer: the hole is
opaque magenta, like the tab's brush), NAME.composite.png (the two together, as the editor shows).
Noto Color Emoji: Apache-2.0 (Google). Twemoji graphics: CC-BY-4.0 (Twitter, jdecked/twemoji).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo.data import load_images  # noqa: E402
from ganzoo.data.emoji import emoji_names, is_heldout  # noqa: E402
from ganzoo.data.masks import HOLE_SIZES, free_form_masks  # noqa: E402

PICKS = [("noto", "1f603", "small", 128), ("twemoji", "1f418", "medium", 256), ("noto", "1f3e0", "medium", 128),
         ("twemoji", "1f347", "small", 64), ("photo", "coffee", "small", None)]
BRUSH = (255, 0, 255)


def main():
    out = Path(__file__).resolve().parent / "inpaint"
    out.mkdir(exist_ok=True)
    names = emoji_names()
    for old in out.glob("*.png"):
        old.unlink()
    for i, (style, key, hole, size) in enumerate(PICKS):
        if style == "photo":
            img = np.asarray(Image.open(out.parent / "photos" / f"{key}.jpg").convert("RGB"))
            h, w = img.shape[:2]
            m = free_form_masks(1, max(h, w), torch.Generator().manual_seed(100 + i),
                                coverage=HOLE_SIZES[hole])[0, 0].numpy()[:h, :w] > 0.5
        else:
            assert is_heldout(key), f"{key} is not in the held-out split"
            data = load_images(style, "test", size)
            img = data.images[data.keys.index(key)]
            m = free_form_masks(1, size, torch.Generator().manual_seed(100 + i), coverage=HOLE_SIZES[hole])[0, 0].numpy() > 0.5
        layer = np.zeros((*img.shape[:2], 4), np.uint8)
        layer[m] = (*BRUSH, 255)
        comp = img.copy()
        comp[m] = BRUSH
        stem = f"photo_{key}" if style == "photo" else f"{style}_{names[key].replace(' ', '-')}"
        Image.fromarray(img).save(out / f"{stem}.png", optimize=True)
        Image.fromarray(layer, "RGBA").save(out / f"{stem}.mask.png", optimize=True)
        Image.fromarray(comp).save(out / f"{stem}.composite.png", optimize=True)
        print(out / stem, f"{img.shape[1]}×{img.shape[0]} px, {hole} hole, {m.mean():.0%}")


if __name__ == "__main__":
    main()
