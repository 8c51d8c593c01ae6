#!/usr/bin/env python
"""Held-out quality of a Noto ↔ Twemoji CycleGAN, judged by the emoji's true partner.

    python bench/cyclegan_quality.py                     # checkpoints/noto2twemoji
    python bench/cyclegan_quality.py runs/noto2twemoji/final --write

The two styles are unpaired in training, but one code point is the same emoji in both, so every
held-out emoji (split by code point, never trained on) has a ground-truth translation. For both
directions:
(a) mean L1 and SSIM between G(x) and x's true partner, next to the identity baseline (x itself);
(b) retrieval: the rank of the true partner among *all* held-out images of the target style by
    distance to G(x) — top-1, top-10, median rank — for L1 (the headline) and L2 distance, next to
    the same ranks for x itself.
The model beats identity when G(x) is closer to the partner than x is (a) and finds it more often
(b). Also printed: how varied the outputs are (mean pairwise L1 between outputs, next to that of
the true targets): a generator that collapses to one image scores near zero there.
--write stores the numbers and a held-out grid in the checkpoint's config and card.
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
from ganzoo.evaluate import SOURCE, evaluate  # noqa: E402
from ganzoo.pipelines import CycleGANPipeline  # noqa: E402
from ganzoo.utils import make_grid  # noqa: E402

GRID_N = 12


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="noto2twemoji")
    ap.add_argument("--write", action="store_true", help="store numbers and the grid in the checkpoint")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"),
                    help="inference precision (auto: as the app runs it)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    ckpt = ganzoo.load(a.checkpoint)
    pipe = CycleGANPipeline(ckpt, a.precision)
    src_a, src_b = ckpt.config["data"]["sources"]
    rep = evaluate(ckpt, precision=a.precision)
    results, outs, n = rep.rows, rep.extra["outs"], rep.extra["n"]
    xa, xb, size = rep.extra["xa"], rep.extra["xb"], pipe.cfg.img_size
    names = pipe.directions
    precision = rep.extra["precision"]
    print(f"\n{a.checkpoint}: {n} held-out emoji with both styles ({rep.extra['n_a']} {src_a}, "
          f"{rep.extra['n_b']} {src_b} candidates), {size} px, {precision} inference"
          f"{' as in the app' if a.precision == 'auto' else ''}\n")
    print("| direction | G(x) or x | L1 to partner ↓ | SSIM ↑ | top-1 ↑ | top-10 ↑ | median rank ↓ | "
          "L2 top-1 | L2 median | variety |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for d, r in results.items():
        for who in ("model", "identity"):
            m = r[who]
            print(f"| {names[d]} | {'G(x)' if who == 'model' else 'x (identity)'} | {m['l1']:.4f} | {m['ssim']:.4f} | "
                  f"{m['top1']:.1%} | {m['top10']:.1%} | {m['median_rank']:.0f} | {m['l2_top1']:.1%} | "
                  f"{m['l2_median_rank']:.0f} | {m['spread']:.3f} |")
    verdict = {d: {k: (r["model"][k] < r["identity"][k]) if k in ("l1", "median_rank") else
                   (r["model"][k] > r["identity"][k]) for k in ("l1", "ssim", "top1", "median_rank")}
               for d, r in results.items()}
    for d, v in verdict.items():
        print(f"{names[d]}: beats identity on " + ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in v.items()))
    print("variety of the true targets: " + ", ".join(f"{names[d]} {r['target_spread']:.3f}" for d, r in results.items()))

    if not a.write:
        return
    folder = ckpt.path
    metrics = rep.metrics
    pick = torch.linspace(0, n - 1, GRID_N).long()
    cells = [xa[pick], outs["a2b"][pick], xb[pick], xb[pick], outs["b2a"][pick], xa[pick]]
    make_grid(torch.cat(cells), nrow=GRID_N).save(folder / "heldout.png")
    extra = ["## Held-out emoji", "",
             f"Rows: {src_a} input, its translation, the true {src_b} emoji; then {src_b} input, its translation, "
             f"the true {src_a} emoji. {GRID_N} emoji evenly spaced through the held-out code points.", "",
             "![held-out](heldout.png)", "",
             "| direction | G(x) or x | L1 to partner ↓ | SSIM ↑ | top-1 ↑ | top-10 ↑ | median rank ↓ |",
             "|---|---|---|---|---|---|---|"]
    for d, r in results.items():
        for who in ("model", "identity"):
            m = r[who]
            extra.append(f"| {names[d]} | {'G(x)' if who == 'model' else 'x (identity)'} | {m['l1']:.4f} | "
                         f"{m['ssim']:.4f} | {m['top1']:.1%} | {m['top10']:.1%} | {m['median_rank']:.0f} |")
    extra += ["", "Beats the identity baseline (x itself) on: " + "; ".join(
        f"{names[d]} — " + ", ".join(f"{k.replace('_', ' ')} {'yes' if ok else 'no'}" for k, ok in v.items())
        for d, v in verdict.items()) + "."]
    record_metrics(folder, metrics, rep.notes, "\n".join(extra + [""]), source=SOURCE)
    print(f"wrote metrics and heldout.png to {folder}")


if __name__ == "__main__":
    main()
