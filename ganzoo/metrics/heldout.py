"""Held-out measurements of the image-to-image families, run as the app runs the models.

Shared by `python -m ganzoo.evaluate` (numbers into config.json and the card) and the bench
scripts (which add tables, baselines and figures). Each `*_heldout` function returns a Report:
the flat metrics under the keys the cards use, a sentence on how they were measured, and the raw
rows and tensors for printing and grids. Images are in [0, 1] for every metric.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..utils import to_tensor
from .paired import pairwise_l1, retrieval_ranks, retrieval_report

SKETCH_SEED = 1234      # the hand-drawn degradations of the held-out line art
MASK_SEED = 2024        # the held-out inpainting masks (one stream per hole size)


@dataclass
class Report:
    metrics: dict
    notes: str
    rows: dict
    extra: dict = field(default_factory=dict)   # tensors and facts the bench scripts draw from


def _unit(x: torch.Tensor) -> torch.Tensor:
    return (x.float().clamp(-1, 1) + 1) / 2


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    from torchmetrics.functional.image import structural_similarity_index_measure

    return float(structural_similarity_index_measure(_unit(a), _unit(b), data_range=1.0))


# ---- pix2pix ------------------------------------------------------------------------------------

def chroma(x01: torch.Tensor, inside: torch.Tensor) -> float:
    # max − min of RGB (colourfulness that, unlike HSV saturation, does not blow up near-white
    # noise), averaged inside the true emoji: the white background would only dilute it
    c = x01.amax(1) - x01.amin(1)
    return float((c * inside).sum() / inside.sum().clamp(min=1))


def sharpness(x01: torch.Tensor) -> float:
    g = x01.mean(1, keepdim=True)
    return float(((g[..., 1:, :] - g[..., :-1, :]).abs().mean() + (g[..., :, 1:] - g[..., :, :-1]).abs().mean()) / 2)


def inside(r01: torch.Tensor) -> torch.Tensor:
    return (r01.amin(1) < 0.9).float()  # not (near-)white in the true picture


def translation_scores(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    from torchmetrics.functional.image import peak_signal_noise_ratio

    f, r = _unit(fake), _unit(real)
    return {"l1": float((f - r).abs().mean()), "psnr": float(peak_signal_noise_ratio(f, r, data_range=1.0)),
            "ssim": ssim(fake, real), "chroma": chroma(f, inside(r)), "sharpness": sharpness(f)}


@torch.inference_mode()
def run_batched(fn, x: torch.Tensor, *args, batch: int = 32) -> torch.Tensor:
    return torch.cat([fn(x[i:i + batch], *[a[i:i + batch] for a in args]) for i in range(0, len(x), batch)])


def pix2pix_heldout(pipe, data_name: str) -> Report:
    """Clean and hand-drawn-looking held-out inputs against their true targets."""
    from ..data.paired import load_pairs
    from ..data.sketchaug import degrade_sketch

    held = load_pairs(data_name, "test", pipe.size)
    clean, real = to_tensor(held.a), to_tensor(held.b)
    degraded = degrade_sketch(clean, torch.Generator().manual_seed(SKETCH_SEED))
    rows, outs = {}, {}
    for kind, inp in (("clean", clean), ("handdrawn", degraded)):
        outs[kind] = run_batched(pipe.run, inp)
        rows[kind] = translation_scores(outs[kind], real)
    r01 = _unit(real)
    truth = {"chroma": chroma(r01, inside(r01)), "sharpness": sharpness(r01)}
    metrics = {f"heldout_{k}": round(v, 4) for k, v in rows["clean"].items()}
    metrics.update({f"heldout_handdrawn_{k}": round(v, 4) for k, v in rows["handdrawn"].items()})
    metrics.update({f"true_{k}": round(v, 4) for k, v in truth.items()})
    precision = "bf16" if pipe.bf16 else "fp32"
    notes = (f"Measured on the {len(held)} held-out {data_name} pairs (never trained on), run as the app runs "
             f"it ({precision} here), inputs = the clean line art; `handdrawn` = the same line art through the "
             f"training degradations (seed {SKETCH_SEED}). L1/PSNR/SSIM from torchmetrics on [0, 1] images; "
             "chroma = mean RGB max − min inside the true picture (colourfulness); sharpness = mean absolute "
             "grey-level gradient; true_* = the same for the true targets.")
    return Report(metrics, notes, rows, {"clean": clean, "real": real, "outs": outs, "truth": truth,
                                         "n": len(held), "precision": precision})


# ---- CycleGAN -----------------------------------------------------------------------------------

def spread(x: torch.Tensor, n: int = 128) -> float:
    """Mean L1 between different images of a set (its variety); 0 for a collapsed generator."""
    idx = torch.linspace(0, len(x) - 1, min(n, len(x))).long()
    d = pairwise_l1(x[idx], x[idx])
    return float(d.sum() / max(d.numel() - len(idx), 1))


def _partner_scores(q: torch.Tensor, tgt: torch.Tensor, partner: torch.Tensor) -> dict[str, float]:
    r1 = retrieval_report(retrieval_ranks(q, tgt, partner, p=1))
    r2 = retrieval_report(retrieval_ranks(q, tgt, partner, p=2))
    return {"l1": float((q - tgt[partner]).abs().mean() / 2), "ssim": ssim(q, tgt[partner]),
            "top1": r1["top1"], "top10": r1["top10"], "median_rank": r1["median_rank"],
            "l2_top1": r2["top1"], "l2_median_rank": r2["median_rank"], "spread": spread(q)}


def cyclegan_heldout(pipe, sources: tuple[str, str]) -> Report:
    """Both directions on held-out images that exist in both domains (same key = true partner):
    G(x) against x's partner, next to the identity baseline (x itself)."""
    from ..data import load_images

    src_a, src_b = sources
    size = pipe.cfg.img_size
    A, B = load_images(src_a, "test", size), load_images(src_b, "test", size)
    ia = {k: i for i, k in enumerate(A.keys)}
    ib = {k: i for i, k in enumerate(B.keys)}
    common = sorted(set(ia) & set(ib))
    if not common:
        raise ValueError(f"the held-out splits of {src_a} and {src_b} share no keys: no true partners to compare with")
    xa, xb = to_tensor(A.images), to_tensor(B.images)
    pa, pb = torch.tensor([ia[k] for k in common]), torch.tensor([ib[k] for k in common])
    rows, outs = {}, {}
    for d, src, tgt, part in (("a2b", xa[pa], xb, pb), ("b2a", xb[pb], xa, pa)):
        outs[d] = run_batched(lambda x, d=d: pipe.run(x, d), src).clamp(-1, 1)
        rows[d] = {"model": _partner_scores(outs[d], tgt, part), "identity": _partner_scores(src, tgt, part),
                   "target_spread": spread(tgt[part])}
    metrics = {}
    for d, r in rows.items():
        for who, m in (("", r["model"]), ("identity_", r["identity"])):
            metrics.update({f"heldout_{d}_{who}{k}": round(v, 4) for k, v in m.items() if k != "spread"})
    precision = "bf16" if pipe.bf16 else "fp32"
    notes = (f"Measured on the {len(common)} held-out images (split by key, never trained on) that exist in both "
             f"domains, run as the app runs it ({precision} here). l1/ssim: G(x) against x's true partner, images "
             f"in [0, 1]; top1/top10/median_rank: rank of that partner among all held-out target images "
             f"({len(B.keys)} {src_b}, {len(A.keys)} {src_a}) by L1 distance to G(x) (l2_*: by L2 distance); "
             "`identity_*`: the same numbers for x itself, the baseline a model has to beat.")
    return Report(metrics, notes, rows, {"xa": xa[pa], "xb": xb[pb], "outs": outs, "n": len(common),
                                         "n_a": len(A.keys), "n_b": len(B.keys), "precision": precision})


# ---- inpainting ---------------------------------------------------------------------------------

def cv2_inpaint(x: torch.Tensor, m: torch.Tensor, method: str) -> torch.Tensor:
    """OpenCV's classical inpainting (radius 3), "telea" or "ns", on [-1, 1] tensors."""
    import cv2

    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    out = []
    for xi, mi in zip(x, m):
        img = ((xi.permute(1, 2, 0).numpy() + 1) * 127.5).round().astype(np.uint8)
        hole = (mi[0].numpy() > 0.5).astype(np.uint8) * 255
        bgr = np.ascontiguousarray(img[..., ::-1] if img.shape[-1] == 3 else img)
        r = cv2.inpaint(bgr, hole, 3, flag)
        r = r[..., ::-1] if r.ndim == 3 and r.shape[-1] == 3 else r.reshape(*r.shape[:2], -1)
        out.append(torch.from_numpy(np.ascontiguousarray(r)).float().permute(2, 0, 1) / 127.5 - 1)
    return torch.stack(out)


def mean_fill(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    known = 1 - m
    mean = (x * known).sum((2, 3), keepdim=True) / known.sum((2, 3), keepdim=True).clamp(min=1)
    return torch.where(m > 0.5, mean.expand_as(x), x)


def hole_scores(out: torch.Tensor, real: torch.Tensor, m: torch.Tensor) -> dict[str, float]:
    """PSNR (from the MSE over all hole pixels of the set), SSIM (the per-pixel SSIM map averaged
    over the hole) and L1, on the hole's pixels only."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    o, r = _unit(out), _unit(real)
    hole = m.expand_as(r) > 0.5
    mse = ((o - r) ** 2)[hole].mean()
    _, ssim_map = structural_similarity_index_measure(o, r, data_range=1.0, return_full_image=True)
    return {"psnr": float(10 * torch.log10(1 / mse)), "ssim": float(ssim_map[hole].mean()),
            "l1": float((o - r).abs()[hole].mean())}


def inpaint_heldout(pipe, data_name: str, limit: int | None = None,
                    methods=("ganzoo", "telea", "ns", "mean fill")) -> Report:
    """The model and the classical baselines on the same seeded free-form holes, per hole size."""
    from ..data import load_images
    from ..data.masks import HOLE_SIZES, free_form_masks

    data = load_images(data_name, "test", pipe.size)
    x = to_tensor(data.images[:limit] if limit else data.images)
    if pipe.cfg.channels == 1 and x.shape[1] == 3:
        x = x.mean(1, keepdim=True)
    rows, outs, masks = {}, {}, {}
    for i, hole_name in enumerate(HOLE_SIZES):
        m = free_form_masks(len(x), pipe.size, torch.Generator().manual_seed(MASK_SEED + i),
                            coverage=HOLE_SIZES[hole_name])
        made = {"ganzoo": lambda: run_batched(pipe.run, x, m), "telea": lambda: cv2_inpaint(x, m, "telea"),
                "ns": lambda: cv2_inpaint(x, m, "ns"), "mean fill": lambda: mean_fill(x, m)}
        for meth in methods:
            outs[(hole_name, meth)] = made[meth]()
            rows[(hole_name, meth)] = hole_scores(outs[(hole_name, meth)], x, m)
        masks[hole_name] = m
    metrics = {}
    for (h, meth), r in rows.items():
        metrics.update({f"heldout_{h}_{meth.replace(' ', '_')}_{k}": round(v, 4) for k, v in r.items()})
    sizes = ", ".join(f"{h} {lo:.0%}–{hi:.0%}" for h, (lo, hi) in HOLE_SIZES.items())
    notes = (f"Measured on {len(x)} held-out images (never trained on) with seeded free-form masks per hole size "
             f"({sizes}); metrics on the hole's pixels only (images in [0, 1]); telea/ns = OpenCV cv2.inpaint "
             "(radius 3); mean_fill = the mean colour of the known pixels.")
    gains = {h: rows[(h, "ganzoo")]["psnr"] - rows[(h, "telea")]["psnr"]
             for h in HOLE_SIZES if (h, "telea") in rows and (h, "ganzoo") in rows}
    return Report(metrics, notes, rows, {"x": x, "masks": masks, "outs": outs, "n": len(x), "gains": gains,
                                         "precision": "bf16" if pipe.bf16 else "fp32"})
