"""Real-ESRGAN's synthetic degradations: a clean photo → the blurred, resized, noisy, JPEG'd
picture a real low-resolution photo looks like (Wang et al., Real-ESRGAN, ICCVW 2021, §3).

    rng = np.random.default_rng(0)
    small = degrade(hr, scale=4, rng=rng)      # uint8 H×W×3 → uint8 (H/4)×(W/4)×3

Two rounds of blur → resize → noise → JPEG, then a resize to the target size and a last JPEG,
with the ranges of Real-ESRGAN's train_realesrgan_x4plus.yml (DEFAULT below). Simplified where the
CPU and the dependencies ask for it, and said here so that a card can say so: the blur kernels are
isotropic or anisotropic Gaussians only (no generalised-Gaussian, plateau or sinc kernels, and no
final sinc filter), Poisson noise uses 8-bit levels, and everything runs per picture in numpy /
OpenCV, not batched on the GPU. The picture works in float32 [0, 1] between the steps and is
clipped after each, as basicsr does. Every draw comes from `rng`, so a seeded rng gives the same
pictures on every machine (OpenCV's filters and JPEG coder are deterministic).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_INTERP = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC)


@dataclass(frozen=True)
class Stage:
    """One round. resize_prob: chances of (up, down, keep); ranges are (low, high), drawn uniformly."""
    blur_prob: float
    blur_sigma: tuple[float, float]
    resize_prob: tuple[float, float, float]
    resize_range: tuple[float, float]
    gaussian_noise_prob: float
    noise_range: tuple[float, float]          # Gaussian σ in 8-bit levels
    poisson_scale_range: tuple[float, float]
    gray_noise_prob: float
    jpeg_range: tuple[int, int]


DEFAULT = (
    Stage(1.0, (0.2, 3.0), (0.2, 0.7, 0.1), (0.15, 1.5), 0.5, (1, 30), (0.05, 3.0), 0.4, (30, 95)),
    Stage(0.8, (0.2, 1.5), (0.3, 0.4, 0.3), (0.3, 1.2), 0.5, (1, 25), (0.05, 2.5), 0.4, (30, 95)),
)
KERNEL_SIZES = tuple(range(7, 22, 2))


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """A size×size (odd) anisotropic Gaussian, its axes σx, σy turned by θ, summing to 1."""
    r = np.arange(size) - size // 2
    xx, yy = np.meshgrid(r, r)
    c, s = np.cos(theta), np.sin(theta)
    u, v = c * xx + s * yy, -s * xx + c * yy
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return (k / k.sum()).astype(np.float32)


def random_kernel(rng: np.random.Generator, sigma: tuple[float, float]) -> np.ndarray:
    size = int(rng.choice(KERNEL_SIZES))
    if rng.random() < 0.5:   # Real-ESRGAN's kernel_list: iso and aniso equally likely
        sx = sy = rng.uniform(*sigma)
        theta = 0.0
    else:
        sx, sy, theta = rng.uniform(*sigma), rng.uniform(*sigma), rng.uniform(-np.pi, np.pi)
    return gaussian_kernel(size, sx, sy, theta)


def add_noise(img: np.ndarray, st: Stage, rng: np.random.Generator) -> np.ndarray:
    grey = rng.random() < st.gray_noise_prob
    shape = img.shape[:2] + ((1,) if grey else (img.shape[2],))
    if rng.random() < st.gaussian_noise_prob:
        noise = rng.normal(0.0, rng.uniform(*st.noise_range) / 255.0, shape).astype(np.float32)
    else:   # shot noise: its variance follows the brightness, as a sensor's does
        lum = img.mean(-1, keepdims=True) if grey else img
        noise = (rng.poisson(lum * 255.0) / 255.0 - lum).astype(np.float32) * rng.uniform(*st.poisson_scale_range)
    return np.clip(img + noise, 0, 1)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    u8 = np.ascontiguousarray((img * 255.0).round().astype(np.uint8)[..., ::-1])   # OpenCV codes BGR
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0


def resize(img: np.ndarray, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    return np.clip(cv2.resize(img, (max(1, w), max(1, h)), interpolation=int(rng.choice(_INTERP))), 0, 1)


def degrade(hr: np.ndarray, scale: int, rng: np.random.Generator, stages: tuple[Stage, ...] = DEFAULT) -> np.ndarray:
    """uint8 H×W×3 (H, W multiples of scale) → uint8 (H/scale)×(W/scale)×3, degraded (module docstring)."""
    if hr.ndim != 3 or hr.shape[2] != 3 or hr.dtype != np.uint8:
        raise ValueError(f"degrade wants a uint8 H×W×3 picture, not {hr.dtype} {hr.shape}")
    h, w = hr.shape[:2]
    if h % scale or w % scale:
        raise ValueError(f"the picture ({w}×{h}) must be a multiple of the factor {scale} on both sides")
    img = hr.astype(np.float32) / 255.0
    for i, st in enumerate(stages):
        # the first round resizes the photo itself, later ones relative to the target size (Real-ESRGAN)
        bh, bw = (h, w) if i == 0 else (h // scale, w // scale)
        if rng.random() < st.blur_prob:
            img = np.clip(cv2.filter2D(img, -1, random_kernel(rng, st.blur_sigma), borderType=cv2.BORDER_REFLECT_101), 0, 1)
        kind = rng.choice(3, p=st.resize_prob)
        f = rng.uniform(1.0, st.resize_range[1]) if kind == 0 else rng.uniform(st.resize_range[0], 1.0) if kind == 1 else 1.0
        if f != 1.0 or i > 0:
            img = resize(img, round(bw * f), round(bh * f), rng)
        img = add_noise(img, st, rng)
        img = jpeg(img, rng.integers(st.jpeg_range[0], st.jpeg_range[1] + 1))
    img = resize(img, w // scale, h // scale, rng)
    img = jpeg(img, rng.integers(stages[-1].jpeg_range[0], stages[-1].jpeg_range[1] + 1))
    return (img * 255.0).round().astype(np.uint8)
