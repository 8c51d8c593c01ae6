"""ganzoo.data: image data sets as uint8 arrays, fetched and cached on first use.

    from ganzoo.data import load_images
    ds = load_images("mnist")                 # 9,000 train digits, 28×28×1, labels 0–9
    ds = load_images("emoji", "test", size=64)  # held-out Noto + Twemoji, labels 0/1
    ds = load_images("emoji-categories")      # the same emoji, labels category × style (20)

Specs: mnist | noto | twemoji | emoji | emoji-categories | folder:PATH | hf:NAME[@SPLIT].
Caches live in data_home() ($GANZOO_DATA, else ~/.cache/ganzoo).
"""

from __future__ import annotations

from .augment import diff_augment
from .common import DataUnavailable, ImageSet, data_home
from .emoji import base_key, emoji_categories, emoji_names, is_heldout, normalize_key

RECIPES = ("mnist", "noto", "twemoji", "emoji", "emoji-categories")
COMBINED = {"emoji": ["noto", "twemoji"], "emoji-categories": ["noto", "twemoji"]}  # recipes made of other recipes


def sources_of(name: str) -> list[str]:
    """The original sources behind a data set name (for model cards and their licenses)."""
    return list(COMBINED.get(name, [name]))

__all__ = [
    "load_images", "sources_of", "ImageSet", "diff_augment", "data_home", "DataUnavailable", "RECIPES",
    "emoji_categories", "emoji_names", "normalize_key", "base_key", "is_heldout",
]


def load_images(spec: str, split: str = "train", size: int | None = None) -> ImageSet:
    """Load a whole data set into memory.

    spec: "mnist" | "noto" | "twemoji" | "emoji" | "emoji-categories" | "folder:PATH" | "hf:NAME" | "hf:NAME@SPLIT".
    split: "train" | "test" | "all" (fixed, seeded held-out splits for the recipes; for folders
        and HF datasets "train"/"all" is everything unless they have their own test split).
    size: square output side; None = native (mnist 28, emoji 64, folder/hf 64).
    """
    from .common import check_size, check_split

    check_split(split)
    size = check_size(size)
    if spec == "mnist":
        from .mnist import load_mnist

        return load_mnist(split, size)
    if spec in ("noto", "twemoji"):
        from .emoji import load_vendor

        return load_vendor(spec, split, size)
    if spec == "emoji":
        from .emoji import load_emoji

        return load_emoji(split, size)
    if spec == "emoji-categories":
        from .emoji import load_emoji_categories

        return load_emoji_categories(split, size)
    if spec.startswith("folder:"):
        from .folder import load_folder

        return load_folder(spec[len("folder:"):], split, size)
    if spec.startswith("hf:"):
        from .hf import load_hf

        return load_hf(spec[len("hf:"):], split, size)
    raise ValueError(f"unknown data spec {spec!r}: use one of {', '.join(RECIPES)}, "
                     f"folder:PATH or hf:NAME[@SPLIT]")
