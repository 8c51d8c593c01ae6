"""Hugging Face datasets: `hf:NAME` or `hf:NAME@SPLIT`.

NAME is a Hub dataset id (datasets.load_dataset) or a local folder written by
Dataset.save_to_disk / DatasetDict.save_to_disk (datasets.load_from_disk). The image column is
the first datasets.Image feature, else a column named image/img; the label column is a
ClassLabel (preferably named label/labels), else an integer column named label/labels.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from .common import DataUnavailable, ImageSet, check_split
from .folder import DEFAULT_SIZE, images_to_array

_TEST_NAMES = ("test", "validation", "valid", "val")


def parse_hf_spec(spec: str) -> tuple[str, str | None]:
    name, sep, split = spec.rpartition("@")
    if sep and name and split and "/" not in split and not Path(spec).exists():
        return name, split
    return spec, None


def open_dataset(name: str, fixed_split: str | None):
    try:
        import datasets  # noqa: PLC0415 - training dependency
    except ImportError:
        raise DataUnavailable("The `datasets` package is needed for hf: data: pip install datasets.") from None
    try:
        if Path(name).expanduser().exists():
            ds = datasets.load_from_disk(str(Path(name).expanduser()))
            if fixed_split is not None and isinstance(ds, datasets.DatasetDict):
                if fixed_split not in ds:
                    raise ValueError(f"{name} has no split {fixed_split!r} (it has {', '.join(ds)})")
                ds = ds[fixed_split]
            return ds
        return datasets.load_dataset(name, split=fixed_split)
    except (ValueError, FileNotFoundError, KeyError) as e:
        raise ValueError(f"cannot load Hugging Face dataset {name!r}: {e}") from e
    except Exception as e:  # network, auth, ...
        raise DataUnavailable(
            f"The Hugging Face dataset {name!r} could not be loaded ({type(e).__name__}: "
            f"{str(e)[:200]}): check the id and your network, or save it with save_to_disk on a "
            f"machine that can reach the Hub and pass hf:PATH."
        ) from e


def pick_split(ds, name: str, split: str):
    import datasets  # noqa: PLC0415 - training dependency

    if not isinstance(ds, datasets.DatasetDict):
        if split == "test":
            raise ValueError(f"{name} is a single split, so it has no held-out part: use "
                             f"split='train' or 'all', or name a split with hf:{name}@SPLIT")
        return ds
    if split == "all":
        return datasets.concatenate_datasets(list(ds.values())) if len(ds) > 1 else next(iter(ds.values()))
    if split == "train":
        if "train" in ds:
            return ds["train"]
        others = [k for k in ds if k not in _TEST_NAMES]
        if not others:
            raise ValueError(f"{name} has no train split (it has {', '.join(ds)})")
        return datasets.concatenate_datasets([ds[k] for k in others])
    for k in _TEST_NAMES:
        if k in ds:
            return ds[k]
    raise ValueError(f"{name} has no test split (it has {', '.join(ds)}): use split='train' or "
                     f"'all', or name a split with hf:{name}@SPLIT")


def _columns(ds, name: str) -> tuple[str, str | None, list[str] | None]:
    import datasets  # noqa: PLC0415 - training dependency

    feats = ds.features
    image_col = next((c for c, f in feats.items() if isinstance(f, datasets.Image)), None)
    if image_col is None:
        image_col = next((c for c in feats if c.lower() in ("image", "img")), None)
    if image_col is None:
        raise ValueError(f"{name} has no image column (columns: {', '.join(feats)}): ganzoo looks "
                         f"for a datasets.Image feature or a column named 'image' or 'img'")
    labels = [c for c, f in feats.items() if isinstance(f, datasets.ClassLabel)]
    label_col = next((c for c in labels if c.lower() in ("label", "labels")), labels[0] if labels else None)
    names = list(feats[label_col].names) if label_col else None
    if label_col is None:
        label_col = next((c for c, f in feats.items() if c.lower() in ("label", "labels")
                          and isinstance(f, datasets.Value) and f.dtype.startswith(("int", "uint"))), None)
    return image_col, label_col, names


def as_pil(value) -> Image.Image:
    if isinstance(value, Image.Image):
        return value
    if isinstance(value, dict):  # undecoded Image feature

        if value.get("bytes"):
            return Image.open(io.BytesIO(value["bytes"]))
        return Image.open(value["path"])
    if isinstance(value, str):
        return Image.open(value)
    arr = np.asarray(value)
    if arr.dtype != np.uint8:
        arr = np.clip(arr * 255 if arr.max() <= 1.0 else arr, 0, 255).round().astype(np.uint8)
    return Image.fromarray(arr.squeeze(-1) if arr.ndim == 3 and arr.shape[-1] == 1 else arr)


def load_hf(spec: str, split: str = "train", size: int | None = None) -> ImageSet:
    check_split(split)
    name, fixed = parse_hf_spec(spec)
    ds = open_dataset(name, fixed)
    if fixed is None:
        ds = pick_split(ds, name, split)
    image_col, label_col, names = _columns(ds, name)
    if len(ds) == 0:
        raise ValueError(f"{spec} ({split}) holds no rows")
    rows = ds.select_columns([image_col])
    images = images_to_array((as_pil(row[image_col]) for row in rows), size or DEFAULT_SIZE,
                             count=len(ds))
    labels = np.asarray(list(ds[label_col]), np.int64) if label_col else None
    return ImageSet(images=images, labels=labels, class_names=names, keys=None, name=f"hf:{spec}")
