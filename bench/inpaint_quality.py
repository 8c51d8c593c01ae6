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

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data.masks import HOLE_SIZES  # noqa: E402
from ganzoo.metrics.heldout import inpaint_heldout  # noqa: E402
from ganzoo.nn.inpaint import show_hole  # noqa: E402
from ganzoo.pipelines import InpaintPipeline  # noqa: E402
from ganzoo.utils import make_grid  # noqa: E402

METHODS = ("ganzoo", "telea", "ns", "mean fill")


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
    rep = inpaint_heldout(pipe, ckpt.config["data"]["name"], a.limit, METHODS)
    rows, x, size = rep.rows, rep.extra["x"], pipe.size
    grids = []
    for h, m in rep.extra["masks"].items():
        pick = torch.linspace(0, len(x) - 1, 6).long()
        grids += [show_hole(x[pick], m[pick]), rep.extra["outs"][(h, "telea")][pick],
                  rep.extra["outs"][(h, "ganzoo")][pick], x[pick]]

    precision = "bf16" if pipe.bf16 else "fp32"
    print(f"\n{a.checkpoint}: {len(x)} held-out images of {ckpt.config['data']['name']} at {size} px, "
          f"seeded free-form masks, {precision} inference as in the app; metrics inside the hole\n")
    print("| hole | method | PSNR ↑ | SSIM ↑ | L1 ↓ |")
    print("|---|---|---|---|---|")
    for (h, meth), r in rows.items():
        print(f"| {h} {HOLE_SIZES[h][0]:.0%}–{HOLE_SIZES[h][1]:.0%} | {meth} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['l1']:.4f} |")
    gains = rep.extra["gains"]
    verdict = ("PSNR over Telea: " + ", ".join(f"{h} {g:+.2f} dB" for h, g in gains.items())
               + f" — goal ≥ +2 dB at every size: {'met' if min(gains.values()) >= 2 else 'NOT met'}")
    print("\n" + verdict)

    if not a.write:
        return
    folder = ckpt.path
    metrics = rep.metrics
    notes = "Measured by `python bench/inpaint_quality.py` (`python -m ganzoo.evaluate` measures the same). " + rep.notes
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
