"""Small helpers shared by training, pipelines and benchmarks."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """N×C×H×W in [-1, 1] → N×H×W×C uint8 (C=1 squeezed later by callers that want L images)."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def to_tensor(images) -> torch.Tensor:
    """uint8 N×H×W×C → float N×C×H×W in [-1, 1] (the generators' range); the inverse of to_uint8."""
    x = torch.as_tensor(images).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1


def to_rgb(x: torch.Tensor) -> torch.Tensor:
    """N×1×H×W grey → N×3×H×W (a view); colour passes through."""
    return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


def to_pil(x: torch.Tensor) -> list[Image.Image]:
    arr = to_uint8(x)
    return [Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a) for a in arr]


def make_grid(x: torch.Tensor, nrow: int = 8, pad: int = 2, pad_value: int = 255) -> Image.Image:
    """Pictures N×C×H×W in [-1, 1] as one PIL image, `nrow` to a row, on a `pad_value` margin
    (torchvision's make_grid; grey pictures give a grey grid)."""
    # imported on first use: torchvision costs the app 1.05 s of start-up (2-core EPYC), and the
    # app draws a grid only when a visitor asks for one
    from torchvision.utils import make_grid as tv_make_grid  # noqa: PLC0415 - torchvision costs the app 1.05 s of start-up

    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round()
    grid = tv_make_grid(x, nrow=nrow, padding=pad, pad_value=pad_value).to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(grid[..., 0] if x.shape[1] == 1 else grid)   # grey was spread over 3 channels


def save_grid(x, path, nrow: int = 8) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img = x if isinstance(x, Image.Image) else make_grid(x, nrow=nrow)
    img.save(path)
    return path


def seeded_normal(seed: int, n: int, dim: int) -> torch.Tensor:
    """The same z for the same seed on every machine (CPU generator, float32)."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(n, dim, generator=g)


def file_sha256(path) -> str:
    """The sha256 of a file's bytes (hex), read in 1-MB blocks: how pinned downloads are checked."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
