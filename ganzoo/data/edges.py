"""Edge maps as sketches: a small batched Canny detector in torch (no OpenCV, no scipy).

What it is for: turning any image set into sketch → image pairs (the `edges:SPEC` paired data),
so a folder of photos or emoji trains a pix2pix model without hand-made line art. The sketch is
black 1-px lines (0) on white (255); augmentation thickens them later.

Steps: Gaussian blur (sigma ≈ 1 px per 128 px of image side) and Sobel gradients of each colour
channel, keeping per pixel the channel with the strongest gradient (a red disc on green has
almost no luminance edge, but a strong one in red), non-maximum suppression along the gradient
direction quantised to 45°, a double threshold taken from each image's own distribution of
gradient magnitudes, and hysteresis.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

# Below this gradient (intensity 0–1 per pixel) nothing is an edge: a flat image, or float noise
# of a flat area, must give a blank sketch rather than its "strongest" noise.
_MIN_GRADIENT = 1.0 / 255
# Images per torch batch: bounds the float temporaries (~10 H×W maps per image).
_CHUNK = 64


def edges_to_sketch(images: np.ndarray, low: float = 0.4, high: float = 0.7,
                    sigma: float | None = None) -> np.ndarray:
    """uint8 N×H×W×C (any C; C ≥ 3 is read as RGB) → uint8 N×H×W×1 sketch, edges 0 on 255.

    high: quantile (0–1) of the image's non-zero gradient magnitudes; thinned ridge pixels at
        or above it are sure edges. low: fraction of that threshold; weaker ridge pixels become
        edges only when connected to a sure edge. sigma: blur in pixels (default max(H, W) / 128,
        at least 0.5). Deterministic: the same images give the same sketch.
    """
    _check(images, low, high, sigma)
    n, h, w, _ = images.shape
    sigma = sigma if sigma is not None else max(0.5, max(h, w) / 128)
    out = np.empty((n, h, w, 1), np.uint8)
    with torch.no_grad():
        for i in range(0, n, _CHUNK):
            # a copy: the caller's array may be read-only or a flipped (negative-stride) view
            chans = _channels(torch.from_numpy(np.array(images[i:i + _CHUNK])))
            edges = _canny(chans, low, high, sigma)
            out[i:i + _CHUNK, ..., 0] = np.where(edges.numpy(), 0, 255).astype(np.uint8)
    return out


def _check(images, low: float, high: float, sigma: float | None) -> None:
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim != 4:
        got = f"{images.dtype} array of shape {images.shape}" if isinstance(images, np.ndarray) \
            else type(images).__name__
        raise ValueError(f"edges_to_sketch needs a uint8 N×H×W×C array, not a {got}")
    if not 0 < high < 1 or not 0 < low <= 1:
        raise ValueError(f"edges_to_sketch needs 0 < high < 1 and 0 < low <= 1, not "
                         f"high={high}, low={low}")
    if sigma is not None and sigma <= 0:
        raise ValueError(f"edges_to_sketch needs sigma > 0, not {sigma}")


def _channels(x: torch.Tensor) -> torch.Tensor:
    """uint8 N×H×W×C → float N×C'×H×W in 0–1: the RGB channels, or channel 0 (grey, grey + alpha)."""
    x = x.float() / 255
    x = x[..., :3] if x.shape[-1] >= 3 else x[..., :1]
    return x.permute(0, 3, 1, 2).contiguous()


def _canny(chans: torch.Tensor, low: float, high: float, sigma: float) -> torch.Tensor:
    """float N×C×H×W → bool N×H×W edge map."""
    n, c, h, w = chans.shape
    gx, gy = _sobel(_blur(chans.reshape(n * c, 1, h, w), sigma))
    gx, gy = gx.view(n, c, h, w), gy.view(n, c, h, w)
    pick = torch.hypot(gx, gy).argmax(1, keepdim=True)  # the channel with the strongest edge
    gx, gy = gx.gather(1, pick), gy.gather(1, pick)
    mag = torch.hypot(gx, gy)
    mag = torch.where(mag >= _MIN_GRADIENT, mag, torch.zeros_like(mag))
    ridge = _non_max_suppression(mag, gx, gy)
    # the quantile of all gradient pixels, not only the ridges: the blurred flanks of strong
    # strokes pull it down, so that a fainter (say red on white) stroke still seeds lines
    top = _quantile_of_nonzero(mag, high)
    strong = ridge >= top
    weak = ridge >= low * top
    return _hysteresis(strong, weak)[:, 0]


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    r = max(1, math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t * t / (2 * sigma * sigma))
    k = k / k.sum()
    # replicate padding: the picture's border is not an edge
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))


def _sobel(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients in intensity per pixel (the kernels are scaled by 1/8)."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8
    padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(padded, kx.view(1, 1, 3, 3))
    gy = F.conv2d(padded, kx.t().contiguous().view(1, 1, 3, 3))
    return gx, gy


# (dy, dx) of the neighbour along the gradient for directions 0°, 45°, 90°, 135° (y points down)
_STEPS = ((0, 1), (1, 1), (1, 0), (1, -1))


def _non_max_suppression(mag: torch.Tensor, gx: torch.Tensor, gy: torch.Tensor) -> torch.Tensor:
    """mag where it is a maximum across the edge, else 0."""
    angle = torch.remainder(torch.atan2(gy, gx), math.pi)
    direction = torch.remainder(torch.round(angle / (math.pi / 4)), 4).long()
    h, w = mag.shape[-2:]
    padded = F.pad(mag, (1, 1, 1, 1))
    keep = torch.zeros_like(mag, dtype=torch.bool)
    for d, (dy, dx) in enumerate(_STEPS):
        ahead = padded[..., 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
        behind = padded[..., 1 - dy:1 - dy + h, 1 - dx:1 - dx + w]
        # a step between two pixels gives them equal magnitudes (up to float rounding): keep
        # only the first of such a pair, so lines stay 1 px thin and sit on a consistent side
        tol = 1e-4 * mag
        keep |= (direction == d) & (mag > behind + tol) & (mag >= ahead - tol)
    return torch.where(keep, mag, torch.zeros_like(mag))


def _quantile_of_nonzero(x: torch.Tensor, q: float) -> torch.Tensor:
    """Per image, the q-quantile of the non-zero values of x (N×1×H×W → N×1×1×1); +inf for an
    image without any, so that nothing there counts as an edge."""
    flat = x.flatten(1)
    count = (flat > 0).sum(1)
    ranked = torch.sort(flat, dim=1, descending=True).values
    index = torch.round((1 - q) * (count - 1).clamp(min=0)).long()
    value = ranked.gather(1, index[:, None])[:, 0]
    value = torch.where(count > 0, value, torch.full_like(value, math.inf))
    return value.view(-1, 1, 1, 1)


def _hysteresis(strong: torch.Tensor, weak: torch.Tensor) -> torch.Tensor:
    """Grow the sure edges through 8-connected weak pixels until nothing changes (at most
    max(H, W) steps, enough for every line that is not a maze)."""
    edges = strong
    for _ in range(max(strong.shape[-2:])):
        grown = _dilate3x3(edges) & weak
        if torch.equal(grown, edges):
            break
        edges = grown
    return edges


def _dilate3x3(x: torch.Tensor) -> torch.Tensor:
    """3×3 max-pool of a bool N×1×H×W map, as two 3-tap ORs (several times faster than
    max_pool2d on floats, and it is the inner loop of the hysteresis)."""
    p = F.pad(x, (1, 1, 0, 0))
    x = p[..., :-2] | p[..., 1:-1] | p[..., 2:]
    p = F.pad(x, (0, 0, 1, 1))
    return p[..., :-2, :] | p[..., 1:-1, :] | p[..., 2:, :]
