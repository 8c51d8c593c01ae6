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
from ganzoo.data import load_images  # noqa: E402
from ganzoo.metrics.paired import pairwise_l1, retrieval_ranks, retrieval_report  # noqa: E402
from ganzoo.pipelines import CycleGANPipeline  # noqa: E402
from ganzoo.utils import make_grid, to_tensor  # noqa: E402

GRID_N = 12


@torch.inference_mode()
def _run(pipe: CycleGANPipeline, x: torch.Tensor, direction: str, batch: int = 32) -> torch.Tensor:
    """The generator as the app runs it (same precision) on ready-made square inputs."""
    return torch.cat([pipe.run(x[i:i + batch], direction) for i in range(0, len(x), batch)]).clamp(-1, 1)


def _ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    from torchmetrics.functional.image import structural_similarity_index_measure

    return float(structural_similarity_index_measure((a + 1) / 2, (b + 1) / 2, data_range=1.0))


def _spread(x: torch.Tensor, n: int = 128) -> float:
    """Mean L1 between different images of a set (its variety); 0 for a collapsed generator."""
    idx = torch.linspace(0, len(x) - 1, min(n, len(x))).long()
    d = pairwise_l1(x[idx], x[idx])
    return float(d.sum() / (d.numel() - len(idx)))


def evaluate(pipe: CycleGANPipeline, src: torch.Tensor, tgt: torch.Tensor, partner: torch.Tensor,
             direction: str) -> tuple[dict, dict, torch.Tensor]:
    """(model row, identity row, outputs) for queries src whose partners are tgt[partner]."""
    out = _run(pipe, src, direction)
    rows = {}
    for who, q in (("model", out), ("identity", src)):
        r1 = retrieval_report(retrieval_ranks(q, tgt, partner, p=1))
        r2 = retrieval_report(retrieval_ranks(q, tgt, partner, p=2))
        rows[who] = {"l1": float((q - tgt[partner]).abs().mean() / 2), "ssim": _ssim(q, tgt[partner]),
                     "top1": r1["top1"], "top10": r1["top10"], "median_rank": r1["median_rank"],
                     "l2_top1": r2["top1"], "l2_median_rank": r2["median_rank"], "spread": _spread(q)}
    return rows["model"], rows["identity"], out


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
    size = ckpt.config["model"]["img_size"]
    src_a, src_b = ckpt.config["data"]["sources"]
    A, B = load_images(src_a, "test", size), load_images(src_b, "test", size)
    ia = {k: i for i, k in enumerate(A.keys)}
    ib = {k: i for i, k in enumerate(B.keys)}
    common = sorted(set(ia) & set(ib))
    xa, xb = to_tensor(A.images), to_tensor(B.images)
    pa, pb = torch.tensor([ia[k] for k in common]), torch.tensor([ib[k] for k in common])

    results, outs = {}, {}
    for d, src, tgt, part in (("a2b", xa[pa], xb, pb), ("b2a", xb[pb], xa, pa)):
        model, ident, out = evaluate(pipe, src, tgt, part, d)
        results[d] = {"model": model, "identity": ident, "target_spread": _spread(tgt[part])}
        outs[d] = out
    names = pipe.directions
    precision = "bf16" if pipe.bf16 else "fp32"
    print(f"\n{a.checkpoint}: {len(common)} held-out emoji with both styles ({len(A.keys)} {src_a}, "
          f"{len(B.keys)} {src_b} candidates), {size} px, {precision} inference"
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
    metrics = {}
    for d, r in results.items():
        for who, m in (("", r["model"]), ("identity_", r["identity"])):
            metrics.update({f"heldout_{d}_{who}{k}": round(v, 4) for k, v in m.items() if k != "spread"})
    notes = (
        f"Measured by `python bench/cyclegan_quality.py` on the {len(common)} held-out emoji (split by code point, "
        f"never trained on) that exist in both styles, run as the app runs it ({precision} on this CPU). "
        "l1/ssim: G(x) against x's true partner (the same code point in the other style), images in [0, 1]; "
        f"top1/top10/median_rank: rank of that partner among all held-out target images ({len(B.keys)} "
        f"{src_b}, {len(A.keys)} {src_a}) by L1 distance to G(x) (l2_*: by L2 distance); `identity_*`: the same "
        "numbers for x itself, the baseline a model has to beat.")
    pick = torch.linspace(0, len(common) - 1, GRID_N).long()
    cells = [xa[pa][pick], outs["a2b"][pick], xb[pb][pick], xb[pb][pick], outs["b2a"][pick], xa[pa][pick]]
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
    record_metrics(folder, metrics, notes, "\n".join(extra + [""]))
    print(f"wrote metrics and heldout.png to {folder}")


if __name__ == "__main__":
    main()
