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
from .recipes import RECIPES, load_images, sources_of

__all__ = [
    "load_images", "sources_of", "ImageSet", "diff_augment", "data_home", "DataUnavailable", "RECIPES",
    "emoji_categories", "emoji_names", "normalize_key", "base_key", "is_heldout",
]
