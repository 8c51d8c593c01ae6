"""Turning whatever a user uploads or draws into a clean RGB picture, with one clear sentence when
that is impossible. Shared by every image-to-image pipeline."""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError

MAX_PIXELS = 50_000_000     # refuse before decoding: a 12000×12000 upload would need >400 MB
WORK_SIDE = 2048            # everything is shrunk to at most this long side right after decoding


def open_image(src) -> Image.Image:
    """A path, bytes, numpy array or PIL image → RGB PIL image, transparency flattened on white,
    16-bit/grey/palette/CMYK converted, EXIF rotation applied, long side ≤ WORK_SIDE."""
    if src is None:
        raise InputError("No image was given: upload or draw one first.")
    if isinstance(src, np.ndarray):
        img = _from_array(src)
    elif isinstance(src, Image.Image):
        img = src
    else:
        img = _decode(src)
    img = ImageOps.exif_transpose(img) if img.getexif() else img
    if img.width < 1 or img.height < 1:
        raise InputError("The image is empty (0 pixels).")
    img = _to_rgb(img)
    if max(img.size) > WORK_SIDE:
        img.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return img


def open_image_keep_mode(src) -> Image.Image:
    """Like open_image, but what upscaling must keep is kept: the mode is L, LA, RGB or RGBA (grey
    stays grey, transparency stays) and the size is not reduced (the caller bounds it)."""
    if src is None:
        raise InputError("No image was given: upload one first.")
    img = _from_array(src) if isinstance(src, np.ndarray) else src if isinstance(src, Image.Image) \
        else _decode(src, draft=False)
    img = ImageOps.exif_transpose(img) if img.getexif() else img
    if img.width < 1 or img.height < 1:
        raise InputError("The image is empty (0 pixels).")
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        img = _to_rgb(img).convert("L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("LA", "La"):
        return img.convert("LA")
    if img.mode in ("PA", "RGBa", "RGBA"):
        return img.convert("RGBA")
    return img if img.mode == "L" else img.convert("RGB")  # 1, CMYK, YCbCr → RGB


def _decode(src, draft: bool = True) -> Image.Image:
    data = Path(src).read_bytes() if isinstance(src, (str, Path)) else bytes(src)
    if not data:
        raise InputError("The file is empty (0 bytes): upload a PNG, JPEG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise InputError(f"The image is too large ({w}×{h} pixels); the limit is "
                                 f"{MAX_PIXELS // 1_000_000} megapixels. Please shrink it first.")
            if draft:   # JPEG: decode at a reduced scale, much faster
                img.draft("RGB", (WORK_SIDE, WORK_SIDE))
            img.seek(0)  # animated: the first frame
            img.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"The image is too large; the limit is {MAX_PIXELS // 1_000_000} megapixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise InputError("This file is not an image ganzoo can read (PNG, JPEG, WebP, BMP or GIF); "
                         f"it may be corrupt or another kind of file ({type(e).__name__}).") from None
    return img


def _from_array(a: np.ndarray) -> Image.Image:
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] not in (3, 4)) or a.size == 0:
        raise InputError(f"An image array must be H×W, H×W×3 or H×W×4, not {a.shape}.")
    if a.dtype != np.uint8:
        a = a.astype(np.float64)
        top = 65535.0 if a.max() > 255 else (1.0 if a.max() <= 1.0 else 255.0)
        a = np.clip(a / top * 255.0, 0, 255).round().astype(np.uint8)
    return Image.fromarray(a)


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # 16-bit / float grey
        a = np.asarray(img).astype(np.float64)
        top = 65535.0 if a.max() > 255 else 255.0
        img = Image.fromarray(np.clip(a * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")  # L, 1, CMYK, YCbCr, RGB


def open_mask(src) -> np.ndarray:
    """A mask upload or a painted editor layer (path, bytes, array or PIL image) → bool H×W,
    True = hole: where a layer with transparency is painted (alpha > 0), else where it is bright.
    Same limits and messages as open_image; the long side is not reduced (the mask must match
    its picture, and is resized to it by the pipeline)."""
    if src is None:
        raise InputError("No mask was given: paint over the part of the picture to fill.")
    if isinstance(src, np.ndarray):
        a = np.asarray(src)
        if a.ndim == 3 and a.shape[-1] == 1:
            a = a[..., 0]
        if a.ndim not in (2, 3) or a.size == 0:
            raise InputError(f"A mask array must be H×W, H×W×3 or H×W×4, not {a.shape}.")
        if a.dtype == bool:
            return a if a.ndim == 2 else a.any(-1)
        if a.ndim == 3 and a.shape[-1] == 4:
            return a[..., 3] > 0
        a = a.max(-1) if a.ndim == 3 else a
        return a > (127 if a.dtype == np.uint8 else 0.5 * float(a.max() or 1))
    img = src if isinstance(src, Image.Image) else _decode(src)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        return np.asarray(img.convert("RGBA"))[..., 3] > 0
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(img).astype(np.float64)
        return a > 0.5 * (a.max() or 1)
    return np.asarray(img.convert("L")) > 127
