"""Any folder of images: `folder:PATH`.

Layouts (checked in this order):
  PATH/train/..., PATH/test/...   its own split; each side may hold classes as below
  PATH/<class>/*.png              one subfolder per class (sorted names -> labels 0, 1, ...)
  PATH/*.png                      unlabelled
Images: png, jpg, jpeg, webp, bmp, gif (first frame). Transparency is flattened on white; the set
is grey (C=1) only when every image is grey, else RGB. Each image is centre-cropped to a square
and resized to size×size (default 64).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .common import ImageSet, check_split, fit_square, flatten_to_array, is_grey

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}
DEFAULT_SIZE = 64


def _is_image(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")


def images_in(folder: Path, recursive: bool) -> list[Path]:
    it = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in it if _is_image(p) and not any(
        part.startswith(".") for part in p.relative_to(folder).parts))


def _class_dirs(folder: Path) -> list[Path]:
    return sorted((d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")
                   and images_in(d, recursive=True)), key=lambda d: d.name)


def _scan(root: Path, split: str) -> tuple[list[Path], list[int] | None, list[str] | None]:
    """(files, labels or None, class names or None) of one split of the folder."""
    split_dirs = {s: root / s for s in ("train", "test") if (root / s).is_dir()}
    if "train" in split_dirs:
        if split == "all":
            parts = list(split_dirs.values())
        elif split in split_dirs:
            parts = [split_dirs[split]]
        else:
            raise ValueError(f"{root} has a train/ subfolder but no {split}/ subfolder")
    elif split == "test":
        raise ValueError(f"{root} has no test/ subfolder, so it has no held-out split: "
                         f"use split='train' or 'all' (both mean every image), or add "
                         f"train/ and test/ subfolders")
    else:
        parts = [root]

    # classes: the union of class subfolder names over every side of the split layout
    sides = list(split_dirs.values()) if "train" in split_dirs else [root]
    names = sorted({d.name for side in sides for d in _class_dirs(side)})
    files: list[Path] = []
    labels: list[int] = []
    for part in parts:
        if names:
            loose = images_in(part, recursive=False)
            if loose:
                warnings.warn(f"{part}: {len(loose)} image(s) beside the class subfolders are "
                              f"ignored (each subfolder is a class)", stacklevel=3)
            for d in _class_dirs(part):
                found = images_in(d, recursive=True)
                files += found
                labels += [names.index(d.name)] * len(found)
        else:
            files += images_in(part, recursive=False)
    return files, (labels if names else None), (names or None)


def open_image_file(path: Path) -> Image.Image | None:
    """An image file's first frame, EXIF-upright; None (with a warning) when it cannot be read."""
    try:
        img = Image.open(path)
        img.seek(0)  # first frame of an animation
        img.load()
        return ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        warnings.warn(f"skipping unreadable image {path}: {e}", stacklevel=3)
        return None


def images_to_array(pils, size: int, count: int | None = None) -> np.ndarray:
    """PIL images (any iterable; None items are skipped) -> uint8 N×size×size×C, C = 1 when
    every image is grey, else 3. One pass, one image decoded at a time."""
    chunks, buf, n, all_grey = [], None, 0, True
    for im in pils:
        if im is None:
            continue
        grey = is_grey(im)
        all_grey &= grey
        arr = flatten_to_array(im, grey)
        fitted = np.asarray(fit_square(Image.fromarray(arr[..., 0] if grey else arr), size))
        if buf is None or n == len(buf):
            if buf is not None:
                chunks.append(buf)
            buf, n = np.empty((count or 256, size, size, 3), np.uint8), 0
        buf[n] = fitted[..., None] if grey else fitted
        n += 1
    if buf is not None:
        chunks.append(buf[:n])
    out = np.concatenate(chunks) if chunks else np.empty((0, size, size, 3), np.uint8)
    return np.ascontiguousarray(out[..., :1]) if all_grey else out


def load_folder(path: str | Path, split: str = "train", size: int | None = None) -> ImageSet:
    check_split(split)
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"image folder {root} does not exist (folder:PATH needs a folder "
                                f"of png/jpg/webp/bmp/gif images)")
    files, labels, names = _scan(root, split)
    if not files:
        raise ValueError(f"no images found in {root} (looked for "
                         f"{', '.join(sorted(e[1:] for e in IMAGE_EXTENSIONS))} files, directly "
                         f"or in one subfolder per class)")
    keep: list[int] = []

    def opened():
        for i, f in enumerate(files):
            im = open_image_file(f)
            if im is not None:
                keep.append(i)
            yield im

    images = images_to_array(opened(), size or DEFAULT_SIZE, count=len(files))
    if not keep:
        raise ValueError(f"none of the {len(files)} image files in {root} could be read")
    keys = [str(files[i].relative_to(root)) for i in keep]
    lab = np.asarray([labels[i] for i in keep], np.int64) if labels is not None else None
    return ImageSet(images=images, labels=lab, class_names=names, keys=keys,
                    name=f"folder:{root}")
