"""Super-resolution pairs whose targets are a teacher network's answers: knowledge distillation.

    pairs = load_photo_sr_pairs("train", size=48, scale=4, crops=40)
    taught = teacher_targets(pairs, "realesrgan-x4plus")   # b: the teacher's output on each a

A small network trained on the photos recipe's true high-resolution crops learns to undo our
degradations from 33 photos, which a 2-core CPU can afford to show it only a few thousand times; it
lost to bicubic on clean photos. A teacher that was GAN-trained on thousands of photos for that very
degradation (Real-ESRGAN x4plus: ganzoo.upscalers, offline from its PyPI package) already answers
well but takes ~0.5 s per 48-px crop and ~28 s for a 256-px picture here. Trained on the teacher's
answers to the same degraded inputs, a compact student learns a function that exists and is
deterministic (no ill-posed average of possible truths), so L1 alone can approach it; what it
cannot copy it smooths. The student's quality is measured against the true pictures, never against
the teacher.

The teacher runs once per pair, in fp32 on the CPU (or the given device), on the whole low-resolution
crop; its outputs are rounded to uint8 as a picture's are and cached atomically, keyed by the pairs'
keys and shapes and by the sha256 of the teacher's weights, so another teacher, another set of
crops or a changed conversion never reuses them.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch

from .common import PairSet, load_cache, save_cache

_RECIPE = "distil-1"


def teacher_network(name: str) -> tuple[torch.nn.Module, str]:
    """(the released upscaler `name` as an eval-mode network, the sha256 of its weights file)."""
    from .. import hub  # noqa: PLC0415 - the data package must not import the model code at its import
    ckpt = hub.load(teacher_folder(name))
    if ckpt.family != "sr":
        raise ValueError(f"the teacher {name!r} is a {ckpt.family} model, not a super-resolution one")
    return ckpt.model.eval().requires_grad_(False), teacher_sha(name)


def teacher_folder(name: str):
    from .. import hub, upscalers  # noqa: PLC0415
    return hub.resolve(upscalers.fetch(name))


def teacher_sha(name: str) -> str:
    """The sha256 of the installed teacher's weights (converted on the first call), without loading them."""
    from .. import hub  # noqa: PLC0415
    from ..utils import file_sha256  # noqa: PLC0415
    return file_sha256(teacher_folder(name) / hub.WEIGHTS_NAME)


def _fingerprint(pairs: PairSet, teacher: str, weights_sha: str) -> str:
    h = hashlib.sha256()
    h.update(f"{_RECIPE}|{teacher}|{weights_sha}|{pairs.a.shape}|{pairs.b.shape}".encode())
    h.update("\n".join(pairs.keys or []).encode())
    h.update(hashlib.sha256(np.ascontiguousarray(pairs.a).tobytes()).digest())
    return h.hexdigest()


@torch.inference_mode()
def run_teacher(net: torch.nn.Module, inputs: np.ndarray, scale: int, batch: int = 8, device="cpu",
                progress=None) -> np.ndarray:
    """The network's ×scale answer to every uint8 N×h×w×3 input, as uint8 N×(h·s)×(w·s)×3.
    progress(done, total) after every batch."""
    net = net.to(device).to(memory_format=torch.channels_last)
    n, h, w, _ = inputs.shape
    out = np.empty((n, h * scale, w * scale, 3), np.uint8)
    for i in range(0, n, batch):
        x = torch.from_numpy(inputs[i:i + batch]).to(device).permute(0, 3, 1, 2).float().div_(255)
        y = net(x.contiguous(memory_format=torch.channels_last)).float()
        if y.shape[-2:] != (h * scale, w * scale):
            raise ValueError(f"the teacher answers {tuple(y.shape[-2:])} for {h}×{w} px, not ×{scale}")
        out[i:i + batch] = y.clamp_(0, 1).mul_(255).round_().byte().permute(0, 2, 3, 1).cpu().numpy()
        if progress:
            progress(min(i + batch, n), n)
    return out


def teacher_targets(pairs: PairSet, teacher: str, scale: int, batch: int = 8, device="cpu", progress=None,
                    cache: str | None = None) -> PairSet:
    """`pairs` with every target replaced by the teacher's answer to its input (module docstring).
    cache: the .npz name under the data folder (None: not cached, e.g. for a smoke test)."""
    key = _fingerprint(pairs, teacher, teacher_sha(teacher))
    if cache and (hit := load_cache(cache, key)) is not None:   # the teacher is not even loaded
        b = hit["b"]
    else:
        b = run_teacher(teacher_network(teacher)[0], pairs.a, scale, batch, device, progress)
        if cache:
            save_cache(cache, key, b=b)
    if b.shape != pairs.b.shape:
        raise ValueError(f"the teacher's answers are {b.shape[1:]}, the pairs' targets {pairs.b.shape[1:]}")
    return PairSet(a=pairs.a, b=b, keys=pairs.keys, name=f"{pairs.name}, targets by {teacher}",
                   license=pairs.license)
