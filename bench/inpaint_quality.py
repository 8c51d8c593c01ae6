#!/usr/bin/env python
"""Held-out inpainting quality, the way the app meets it: ganzoo's inpainter against the best of
OpenCV's classical methods, inside the hole, at three input sizes and three hole sizes.

    python bench/inpaint_quality.py                         # checkpoints/emoji-inpaint
    python bench/inpaint_quality.py runs/x/final --limit 100 # a quick look
    python bench/inpaint_quality.py --write                 # numbers, table and grid into the card

Data: the held-out split of the checkpoint's training data (never trained on), rendered at 64, 128
and 256 px. Holes: seeded free-form masks per hole size (small 2–10%, medium 10–30%, large 30–60%
of the picture), painted over with a random colour, the same for every method. The model runs
through `InpaintPipeline.inpaint` on the painted picture (what the app does); OpenCV runs Telea and
Navier–Stokes at radius 1, 3 and 5 on the same picture, and the best of the six by PSNR is the
baseline per input size and hole size. Metrics on [0, 1] images inside the hole: PSNR (from the
MSE over all hole pixels of the set), SSIM (per-pixel SSIM map averaged over the hole), L1.
Goal: ≥ best OpenCV + 2 dB PSNR, with better SSIM, at every input size and hole size.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data.masks import HOLE_SIZES  # noqa: E402
from ganzoo.evaluate import SOURCE, evaluate  # noqa: E402

TILE = 128
KEEP_SECTION = "## How this model was made"


def table(rep) -> list[str]:
    lines = ["| input | hole | ganzoo PSNR / SSIM / L1 | best OpenCV | its PSNR / SSIM / L1 | PSNR gain |",
             "|---|---|---|---|---|---|"]
    for (px, h), best in rep.extra["best"].items():
        g, o = rep.rows[(px, h, "ganzoo")], rep.rows[(px, h, best)]
        lo, hi = HOLE_SIZES[h]
        lines.append(f"| {px} px | {h} {lo:.0%}–{hi:.0%} | {g['psnr']:.2f} / {g['ssim']:.3f} / {g['l1']:.3f} | "
                     f"{best} | {o['psnr']:.2f} / {o['ssim']:.3f} / {o['l1']:.3f} | {rep.extra['gains'][(px, h)]:+.2f} dB |")
    return lines


def verdict(rep) -> str:
    gains = rep.extra["gains"]
    ssim_ok = all(rep.rows[(px, h, "ganzoo")]["ssim"] > rep.rows[(px, h, b)]["ssim"] for (px, h), b in rep.extra["best"].items())
    met = min(gains.values()) >= 2 and ssim_ok
    worst = min(gains, key=gains.get)
    return (f"PSNR over the best OpenCV setting: {min(gains.values()):+.2f} to {max(gains.values()):+.2f} dB "
            f"(worst: {worst[0]} px, {worst[1]} holes); SSIM better everywhere: {'yes' if ssim_ok else 'no'} — "
            f"goal ≥ +2 dB with better SSIM at every input and hole size: {'met' if met else 'NOT met'}")


def grid(rep) -> Image.Image:
    """Per input size and hole size, 4 rows: the hole (magenta), best OpenCV, ganzoo, the original."""
    rows = []
    for (px, _hole), pick in rep.extra["picks"].items():
        hole = ~(pick["input"] == pick["real"]).all(-1)
        shown = np.where(hole[..., None], np.array([255, 0, 255], np.uint8), pick["real"])
        for arr in (shown, pick[pick["best"]], pick["ganzoo"], pick["real"]):
            rows.append([Image.fromarray(a).resize((TILE, TILE), Image.Resampling.NEAREST if px < TILE
                                                   else Image.Resampling.LANCZOS) for a in arr])
    cols = max(len(r) for r in rows)
    out = Image.new("RGB", (cols * (TILE + 2) + 2, len(rows) * (TILE + 2) + 2), "white")
    for y, r in enumerate(rows):
        for x, tile in enumerate(r):
            out.paste(tile, (2 + x * (TILE + 2), 2 + y * (TILE + 2)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="emoji-inpaint")
    ap.add_argument("--write", action="store_true", help="store numbers, table and grid in the checkpoint")
    ap.add_argument("--limit", type=int, help="use only the first N held-out pictures (quick look)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    ckpt = ganzoo.load(a.checkpoint)
    t = time.perf_counter()
    rep = evaluate(ckpt, limit=a.limit, sizes=a.sizes)
    print(f"\n{a.checkpoint}: {rep.extra['n']} held-out pictures of {ckpt.config['data']['name']} per input size, "
          f"holes painted a random colour, {rep.extra['precision']} inference through the app's pipeline; "
          f"metrics inside the hole ({time.perf_counter() - t:.0f} s)\n")
    print("\n".join(table(rep)))
    print("\n" + verdict(rep))
    if not a.write:
        return
    folder = ckpt.path
    grid(rep).save(folder / "heldout.png")
    kept = ckpt.config.get("card_extra", "")
    kept = kept[kept.index(KEEP_SECTION):].split("\n## Held-out")[0].rstrip() + "\n\n" if KEEP_SECTION in kept else ""
    extra = [kept + "## Held-out pictures", "",
             "Per input size (64, 128, 256 px) and hole size (small, medium, large), four rows: the hole "
             "(magenta), the best OpenCV setting, this model, the original (64-px pictures shown enlarged, "
             "256-px ones reduced).", "", "![held-out](heldout.png)", "", *table(rep), "", verdict(rep) + "."]
    record_metrics(folder, rep.metrics, rep.notes, "\n".join(extra + [""]), source=SOURCE)
    print(f"wrote metrics and heldout.png to {folder}")


if __name__ == "__main__":
    main()
