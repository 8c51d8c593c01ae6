"""The named data sets (recipes) and `load_images`, which loads any single-image spec."""
from __future__ import annotations

from .common import ImageSet, check_size, check_split
from .emoji import load_emoji, load_emoji_categories, load_vendor
from .folder import load_folder
from .hf import load_hf
from .mnist import load_mnist

RECIPES = ("mnist", "noto", "twemoji", "emoji", "emoji-categories")
COMBINED = {"emoji": ["noto", "twemoji"], "emoji-categories": ["noto", "twemoji"]}  # recipes made of other recipes


def sources_of(name: str) -> list[str]:
    """The original sources behind a data set name (for model cards and their licenses)."""
    return list(COMBINED.get(name, [name]))


def load_images(spec: str, split: str = "train", size: int | None = None) -> ImageSet:
    """Load a whole data set into memory.

    spec: "mnist" | "noto" | "twemoji" | "emoji" | "emoji-categories" | "folder:PATH" | "hf:NAME" | "hf:NAME@SPLIT".
    split: "train" | "test" | "all" (fixed, seeded held-out splits for the recipes; for folders
        and HF datasets "train"/"all" is everything unless they have their own test split).
    size: square output side; None = native (mnist 28, emoji 64, folder/hf 64).
    """
    check_split(split)
    size = check_size(size)
    if spec == "mnist":
        return load_mnist(split, size)
    if spec in ("noto", "twemoji"):
        return load_vendor(spec, split, size)
    if spec == "emoji":
        return load_emoji(split, size)
    if spec == "emoji-categories":
        return load_emoji_categories(split, size)
    if spec.startswith("folder:"):
        return load_folder(spec[len("folder:"):], split, size)
    if spec.startswith("hf:"):
        return load_hf(spec[len("hf:"):], split, size)
    raise ValueError(f"unknown data spec {spec!r}: use one of {', '.join(RECIPES)}, "
                     f"folder:PATH or hf:NAME[@SPLIT]")
