#!/usr/bin/env python
"""Writes the photo examples (examples/photos): permissively licensed photos from scikit-image's
sample data, at most 640 px on the long side, as JPEG.

    pip install scikit-image && python examples/make_photo_examples.py

Their licences, as scikit-image's data module states them: astronaut.jpg (Eileen Collins, NASA):
public domain; chelsea.jpg (a cat, photo by Stefan van der Walt): CC0; coffee.jpg (photo by
Rachel Michetti, courtesy of Pikolo Espresso Bar): CC0; rocket.jpg (the DSCOVR launch on a Falcon 9,
SpaceX): public domain.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image

PHOTOS = {"astronaut": "astronaut.png", "chelsea": "chelsea.png", "coffee": "coffee.png", "rocket": "rocket.jpg"}
LONG_SIDE = 640


def main():
    import skimage

    src = Path(skimage.__file__).parent / "data"
    out = Path(__file__).resolve().parent / "photos"
    out.mkdir(exist_ok=True)
    for name, file in PHOTOS.items():
        img = Image.open(src / file).convert("RGB")
        img.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        img.save(out / f"{name}.jpg", quality=90, optimize=True)
        print(out / f"{name}.jpg", img.size)


if __name__ == "__main__":
    main()
