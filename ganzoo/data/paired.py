"""Paired image data for image-to-image translation (pix2pix): A (input) → B (target).

Specs (load_pairs):
  openmoji              OpenMoji line art → colour, 128 px, held-out split by code point
  ab:PATH[@BtoA]        side-by-side AB images, the layout of the public pix2pix sets (facades,
                        edges2shoes, maps): PATH/train/*.jpg and PATH/val/ or PATH/test/, or the
                        images directly in PATH; A = left half, B = right half (@BtoA swaps them)
  ab-folders:PATH       aligned folders PATH/A/<split>/x.png + PATH/B/<split>/x.png, or
                        PATH/A/x.png + PATH/B/x.png; pairs match by file name stem
  hf:NAME[@SPLIT]       a Hugging Face dataset (Hub id or save_to_disk folder) with two image
                        columns: A = input/source/sketch/edges/A/conditioning_image/label_image,
                        B = target/output/image/photo/B/ground_truth, else the first and second
  edges:SPEC            any load_images spec (mnist, emoji, folder:PATH, hf:NAME, ...) as
                        B = the images, A = their edge sketch (ganzoo.data.edges)
Splits: "train", "test" (test/, else val/), "all". Both sides are centre-cropped to a square and
resized to size×size (default 128, LANCZOS); a side is grey (C=1) only when all its images are.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from .common import PairSet, check_size, check_split
from .edges import edges_to_sketch
from .folder import IMAGE_EXTENSIONS, images_in, open_image_file, images_to_array
from .openmoji import load_openmoji
from .hf import open_dataset, parse_hf_spec, pick_split, as_pil
from .recipes import load_images

DEFAULT_SIZE = 128
_DIRECTIONS = {"atob": False, "btoa": True}
_A_NAMES = ("input", "source", "sketch", "edges", "a", "conditioning_image", "label_image")
_B_NAMES = ("target", "output", "image", "photo", "b", "ground_truth")


def load_pairs(spec: str, split: str = "train", size: int | None = None) -> PairSet:
    """Load aligned A → B pairs into memory; spec as in the module docstring."""
    check_split(split)
    size = check_size(size)
    if spec == "openmoji":
        return load_openmoji(split, size)
    size = size or DEFAULT_SIZE
    for prefix, loader in (("ab:", load_ab), ("ab-folders:", load_ab_folders),
                           ("hf:", load_hf_pairs), ("edges:", load_edge_pairs)):
        if spec.startswith(prefix):
            return loader(spec[len(prefix):], split, size)
    raise ValueError(f"unknown paired data spec {spec!r}: use openmoji, ab:PATH[@BtoA], "
                     f"ab-folders:PATH, hf:NAME[@SPLIT] or edges:SPEC")


# ---------------------------------------------------------------------------------------------
# shared


def _split_parts(root: Path, split: str, spec: str) -> list[str]:
    """Subfolders of root that `split` reads, "" being root's own images: train → train/ (root
    when there is none), test → test/ else val/, all → every split subfolder and root."""
    present = [s for s in ("train", "val", "test") if (root / s).is_dir()]
    if split == "train":
        return ["train"] if "train" in present else [""]
    if split == "test":
        held = [s for s in ("test", "val") if s in present]
        if not held:
            raise ValueError(f"{spec}: {root} has no test/ or val/ subfolder, so it has no "
                             f"held-out part: use split='train' or 'all'")
        return held[:1]
    return present + [""]


def _pairs_to_arrays(items, size: int, count: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(key, (A, B) PIL pair or None) items → A and B uint8 N×size×size×C stacks and the keys of
    the pairs kept. One pass, so each file is decoded once; each side is grey (C=1) only when all
    its images are, as in images_to_array."""
    a = np.empty((count, size, size, 3), np.uint8)
    b = np.empty((count, size, size, 3), np.uint8)
    grey, keys = [True, True], []
    for key, pair in items:
        if pair is None:
            continue
        for side, (stack, img) in enumerate(zip((a, b), pair)):
            one = images_to_array([img], size, count=1)[0]
            grey[side] &= one.shape[-1] == 1
            stack[len(keys)] = one  # a grey image in a colour set broadcasts to RGB
        keys.append(key)
    n = len(keys)
    a, b = (np.ascontiguousarray(st[:n, ..., :1] if g else st[:n]) for st, g in zip((a, b), grey))
    return a, b, keys


def _check_aligned(a: Image.Image, b: Image.Image, where: str) -> None:
    # sizes may differ (a 2× target is fine), but another aspect ratio would be cropped
    # differently by fit_square and the pair would no longer line up
    if abs(a.width * b.height - b.width * a.height) > 0.01 * a.width * b.height:
        raise ValueError(f"{where}: A is {a.width}×{a.height} but B is {b.width}×{b.height}; "
                         f"aligned pairs need the same aspect ratio")


def _no_images(root: Path, split: str, layout: str) -> ValueError:
    exts = ", ".join(sorted(e[1:] for e in IMAGE_EXTENSIONS))
    return ValueError(f"no images ({exts}) found for split {split!r} in {root} ({layout})")


# ---------------------------------------------------------------------------------------------
# ab:PATH[@BtoA]


def _parse_direction(spec: str) -> tuple[str, bool]:
    """'PATH@BtoA' → (PATH, True); a path that really contains '@' is left alone."""
    path, sep, direction = spec.rpartition("@")
    if sep and direction.lower() in _DIRECTIONS:
        return path, _DIRECTIONS[direction.lower()]
    if sep and path and "/" not in direction and not Path(spec).expanduser().exists():
        raise ValueError(f"ab:{spec}: unknown direction {direction!r}, use @AtoB or @BtoA")
    return spec, False


def _halves(path: Path, swap: bool) -> tuple[Image.Image, Image.Image] | None:
    img = open_image_file(path)
    if img is None:
        return None
    w, h = img.size
    if w < 2:
        raise ValueError(f"{path} is {w} px wide: an AB image holds A in its left half and B in "
                         f"its right half, so it needs at least 2 px")
    # the reference splits at w // 2 and gives an odd last column to B
    a, b = img.crop((0, 0, w // 2, h)), img.crop((w // 2, 0, w, h))
    return (b, a) if swap else (a, b)


def load_ab(spec: str, split: str = "train", size: int = DEFAULT_SIZE) -> PairSet:
    """`ab:PATH[@BtoA]`: a folder of side-by-side AB images."""
    check_split(split)
    path, swap = _parse_direction(spec)
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"ab:{spec}: folder {root} does not exist (ab:PATH needs a folder "
                                f"of side-by-side AB images, e.g. a pix2pix data set)")
    files = [f for part in _split_parts(root, split, f"ab:{spec}")
             for f in images_in(root / part, recursive=False)]
    if not files:
        raise _no_images(root, split, "ab:PATH reads PATH/train/, PATH/test/ or PATH/val/, or "
                                      "the images directly in PATH")
    items = ((str(f.relative_to(root)), _halves(f, swap)) for f in files)
    a, b, keys = _pairs_to_arrays(items, size, len(files))
    if not keys:
        raise ValueError(f"ab:{spec}: none of the {len(files)} image files in {root} could be read")
    return PairSet(a=a, b=b, keys=keys, name=f"ab:{spec}")


# ---------------------------------------------------------------------------------------------
# ab-folders:PATH


def _by_stem(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in images_in(folder, recursive=False)} if folder.is_dir() else {}


def _open_pair(a_path: Path, b_path: Path) -> tuple[Image.Image, Image.Image] | None:
    a, b = open_image_file(a_path), open_image_file(b_path)
    if a is None or b is None:  # open_image_file has warned
        return None
    _check_aligned(a, b, f"{a_path} and {b_path}")
    return a, b


def load_ab_folders(spec: str, split: str = "train", size: int = DEFAULT_SIZE) -> PairSet:
    """`ab-folders:PATH`: aligned PATH/A and PATH/B folders, pairs matched by file name stem."""
    check_split(split)
    root = Path(spec).expanduser()
    if not (root / "A").is_dir() or not (root / "B").is_dir():
        problem = "has no A/ and B/ subfolders" if root.is_dir() else "does not exist"
        raise FileNotFoundError(f"ab-folders:{spec}: {root} {problem} (ab-folders:PATH needs "
                                f"PATH/A/ and PATH/B/ holding images with matching file names)")
    matched: list[tuple[str, Path, Path]] = []
    unmatched = 0
    for part in _split_parts(root / "A", split, f"ab-folders:{spec}"):
        a_files, b_files = _by_stem(root / "A" / part), _by_stem(root / "B" / part)
        unmatched += len(a_files.keys() ^ b_files.keys())
        matched += [(str(Path(part) / s), a_files[s], b_files[s])
                    for s in sorted(a_files.keys() & b_files.keys())]
    if not matched and not unmatched:
        raise _no_images(root, split, "ab-folders:PATH reads PATH/A/<split>/ and PATH/B/<split>/, "
                                      "or PATH/A/ and PATH/B/")
    if not matched:
        raise ValueError(f"ab-folders:{spec}: none of the {unmatched} images of split {split!r} "
                         f"has a partner of the same file name (stem) in the other of "
                         f"{root / 'A'} and {root / 'B'}")
    if unmatched:
        warnings.warn(f"ab-folders:{spec}: skipping {unmatched} image(s) without a partner of the "
                      f"same file name (stem) in the other folder", stacklevel=3)
    items = ((key, _open_pair(a, b)) for key, a, b in matched)
    a, b, keys = _pairs_to_arrays(items, size, len(matched))
    if not keys:
        raise ValueError(f"ab-folders:{spec}: none of the {len(matched)} pairs in {root} "
                         f"could be read")
    return PairSet(a=a, b=b, keys=keys, name=f"ab-folders:{spec}")


# ---------------------------------------------------------------------------------------------
# hf:NAME[@SPLIT]


def _image_columns(ds, spec: str) -> tuple[str, str]:
    """(A column, B column): the best-known names first, else the image columns in order."""
    import datasets  # noqa: PLC0415 - training dependency

    cols = [c for c, f in ds.features.items() if isinstance(f, datasets.Image)]
    if len(cols) < 2:
        raise ValueError(f"hf:{spec} needs two image columns (A and B) but has {len(cols)} "
                         f"(columns: {', '.join(ds.features)})")
    a = next((c for name in _A_NAMES for c in cols if c.lower() == name), None)
    b = next((c for name in _B_NAMES for c in cols if c.lower() == name and c != a), None)
    rest = [c for c in cols if c not in (a, b)]
    return a or rest.pop(0), b or rest.pop(0)


def _hf_pair(row: dict, col_a: str, col_b: str, where: str) -> tuple[Image.Image, Image.Image]:
    a, b = as_pil(row[col_a]), as_pil(row[col_b])
    _check_aligned(a, b, where)
    return a, b


def load_hf_pairs(spec: str, split: str = "train", size: int = DEFAULT_SIZE) -> PairSet:
    """`hf:NAME[@SPLIT]`: a Hugging Face dataset with two image columns."""
    check_split(split)
    name, fixed = parse_hf_spec(spec)
    ds = open_dataset(name, fixed)
    if fixed is None:
        ds = pick_split(ds, name, split)
    col_a, col_b = _image_columns(ds, spec)
    if len(ds) == 0:
        raise ValueError(f"hf:{spec} ({split}) holds no rows")
    rows = ds.select_columns([col_a, col_b])
    items = ((str(i), _hf_pair(row, col_a, col_b, f"hf:{spec} row {i}"))
             for i, row in enumerate(rows))
    a, b, _ = _pairs_to_arrays(items, size, len(ds))
    return PairSet(a=a, b=b, keys=None, name=f"hf:{spec}", license=ds.info.license or None)


# ---------------------------------------------------------------------------------------------
# edges:SPEC


def load_edge_pairs(spec: str, split: str = "train", size: int = DEFAULT_SIZE) -> PairSet:
    """`edges:SPEC`: the images of load_images(SPEC) as targets, their edge sketches as inputs."""
    images = load_images(spec, split, size)
    return PairSet(a=edges_to_sketch(images.images), b=images.images, keys=images.keys,
                   name=f"edges:{images.name}")
