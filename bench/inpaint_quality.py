#!/usr/bin/env python
"""Held-out inpainting quality: ganzoo's inpainter against OpenCV (Telea, Navier–Stokes) and a
plain mean fill, inside the hole, at three hole sizes.

    python bench/inpaint_quality.py                         # checkpoints/emoji-inpaint
    python bench/inpaint_quality.py runs/emoji-inpaint/final --write

Data: the held-out split of the checkpoint's training data (never trained on), at the model's
size. Masks: a fixed seeded set of free-form masks per hole size (small 10–25%, medium 25–40%,
large 40–60% of the picture), the same masks for every method. Metrics, images in [0, 1], on the
hole's pixels only: PSNR (from the MSE over all hole pixels of the set), SSIM (torchmetrics'
per-pixel SSIM map averaged over the hole) and L1. Goal: ≥ 2 dB PSNR over Telea at every size.
--write stores the numbers and a grid in the checkpoint's config and model card.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data import load_images  # noqa: E402
from ganzoo.data.masks import HOLE_SIZES, free_form_masks  # noqa: E402
from ganzoo.nn.inpaint import show_hole  # noqa: E402
from ganzoo.pipelines import InpaintPipeline  # noqa: E402
from ganzoo.utils import make_grid, to_tensor  # noqa: E402

SEED = 2024
METHODS = ("ganzoo", "telea", "ns", "mean fill")


def _cv2(x: torch.Tensor, m: torch.Tensor, method: str) -> torch.Tensor:
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


def _mean_fill(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    known = 1 - m
    mean = (x * known).sum((2, 3), keepdim=True) / known.sum((2, 3), keepdim=True).clamp(min=1)
    return torch.where(m > 0.5, mean.expand_as(x), x)


def hole_scores(out: torch.Tensor, real: torch.Tensor, m: torch.Tensor) -> dict[str, float]:
    from torchmetrics.functional.image import structural_similarity_index_measure

    o, r = (out.clamp(-1, 1) + 1) / 2, (real + 1) / 2
    hole = m.expand_as(r) > 0.5
    mse = ((o - r) ** 2)[hole].mean()
    _, ssim_map = structural_similarity_index_measure(o, r, data_range=1.0, return_full_image=True)
    return {"psnr": float(10 * torch.log10(1 / mse)), "ssim": float(ssim_map[hole].mean()),
            "l1": float((o - r).abs()[hole].mean())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="emoji-inpaint")
    ap.add_argument("--write", action="store_true", help="store numbers and the grid in the checkpoint")
    ap.add_argument("--limit", type=int, help="use only the first N held-out images (quick look)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    ckpt = ganzoo.load(a.checkpoint)
    pipe = InpaintPipeline(ckpt)
    size = pipe.size
    data = load_images(ckpt.config["data"]["name"], "test", size)
    x = to_tensor(data.images[:a.limit] if a.limit else data.images)
    if pipe.cfg.channels == 1 and x.shape[1] == 3:
        x = x.mean(1, keepdim=True)

    rows, grids = {}, []
    for i, (hole_name, cov) in enumerate(HOLE_SIZES.items()):
        m = free_form_masks(len(x), size, torch.Generator().manual_seed(SEED + i), coverage=cov)
        outs = {"ganzoo": torch.cat([pipe.run(x[j:j + 32], m[j:j + 32]) for j in range(0, len(x), 32)]),
                "telea": _cv2(x, m, "telea"), "ns": _cv2(x, m, "ns"), "mean fill": _mean_fill(x, m)}
        for meth in METHODS:
            rows[(hole_name, meth)] = hole_scores(outs[meth], x, m)
        pick = torch.linspace(0, len(x) - 1, 6).long()
        shown = show_hole(x[pick], m[pick])
        grids += [shown, outs["telea"][pick], outs["ganzoo"][pick], x[pick]]

    precision = "bf16" if pipe.bf16 else "fp32"
    print(f"\n{a.checkpoint}: {len(x)} held-out images of {ckpt.config['data']['name']} at {size} px, "
          f"seeded free-form masks, {precision} inference as in the app; metrics inside the hole\n")
    print("| hole | method | PSNR ↑ | SSIM ↑ | L1 ↓ |")
    print("|---|---|---|---|---|")
    for (h, meth), r in rows.items():
        print(f"| {h} {HOLE_SIZES[h][0]:.0%}–{HOLE_SIZES[h][1]:.0%} | {meth} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['l1']:.4f} |")
    gains = {h: rows[(h, "ganzoo")]["psnr"] - rows[(h, "telea")]["psnr"] for h in HOLE_SIZES}
    verdict = ("PSNR over Telea: " + ", ".join(f"{h} {g:+.2f} dB" for h, g in gains.items())
               + f" — goal ≥ +2 dB at every size: {'met' if min(gains.values()) >= 2 else 'NOT met'}")
    print("\n" + verdict)

    if not a.write:
        return
    folder = ckpt.path
    metrics = {}
    for (h, meth), r in rows.items():
        tag = meth.replace(" ", "_")
        metrics.update({f"heldout_{h}_{tag}_{k}": round(v, 4) for k, v in r.items()})
    notes = (f"Measured by `python bench/inpaint_quality.py` on {len(x)} held-out images (never trained "
             f"on) with seeded free-form masks per hole size ({', '.join(f'{h} {lo:.0%}–{hi:.0%}' for h, (lo, hi) in HOLE_SIZES.items())}); "
             "metrics on the hole's pixels only (images in [0, 1]); telea/ns = OpenCV cv2.inpaint "
             "(radius 3); mean_fill = the mean colour of the known pixels.")
    make_grid(torch.cat(grids), nrow=6).save(folder / "heldout.png")
    extra = ["## Held-out pictures", "",
             "Per hole size (small, medium, large), four rows: the picture with its hole (magenta), OpenCV "
             "Telea, this model, the original.", "", "![held-out](heldout.png)", "",
             "| hole | method | PSNR ↑ | SSIM ↑ | L1 ↓ |", "|---|---|---|---|---|"]
    extra += [f"| {h} | {meth} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['l1']:.4f} |" for (h, meth), r in rows.items()]
    extra += ["", verdict + "."]
    record_metrics(folder, metrics, notes, "\n".join(extra + [""]))
    print(f"wrote metrics and heldout.png to {folder}")


if __name__ == "__main__":
    main()
