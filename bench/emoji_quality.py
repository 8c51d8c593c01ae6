#!/usr/bin/env python
"""Quality of a conditional emoji generator, judged by a classifier trained on the emoji.

    python bench/emoji_quality.py                      # evaluate checkpoints/emoji-gan
    python bench/emoji_quality.py runs/x/final         # a model conditioned on category × style
    python bench/emoji_quality.py --write              # also store the numbers in the checkpoint

The numbers are `python -m ganzoo.evaluate`'s (ganzoo.evaluate.evaluate, the one evaluator of
latent models); this script prints them as a table. The classifier predicts (category × style):
10 Unicode emoji categories (from emoji.json) × the two styles (Noto, Twemoji), trained on the
train split only (`python train/classifier.py --dataset emoji --out checkpoints/emoji-classifier`).
Reported: its held-out accuracy, the share of generated emoji whose predicted style is the
requested one (and, for a model conditioned on category × style, whose predicted category and
style both are), and the Fréchet distance of its penultimate features between generated and
held-out emoji, next to the real-train floor. These are classifier features, not Inception FID.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo import hub  # noqa: E402
from ganzoo.evaluate import evaluate  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="emoji-gan")
    ap.add_argument("--classifier", help="the judging classifier checkpoint (default: checkpoints/emoji-classifier)")
    ap.add_argument("-n", type=int, default=10_000, help="emoji to generate")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.classifier and not (Path(a.classifier) / "config.json").is_file():
        raise SystemExit(f"no classifier at {a.classifier}: train it with python train/classifier.py --dataset emoji "
                         f"--out {a.classifier}")
    rep = evaluate(a.checkpoint, write=a.write, n=a.n, classifier=a.classifier)
    m = rep.metrics
    print(f"\n{a.checkpoint}: {m['n_generated']} generated, {m['n_heldout']} held-out, {m['n_train']} train emoji\n")
    print("| measure | value |\n|---|---|")
    print(f"| classifier accuracy (category × style), held-out split | {m['classifier_heldout_accuracy']:.2%} |")
    print(f"| generated emoji recognised in the requested style | {m['style_accuracy']:.2%} |")
    if "category_style_accuracy" in m:
        print(f"| generated emoji recognised as the requested category and style | {m['category_style_accuracy']:.2%} |")
    print(f"| Fréchet distance (classifier features), generated vs held-out | {m['fd_classifier']:.3f} |")
    print(f"| Fréchet distance (classifier features), real train vs held-out (floor) | {m['fd_classifier_floor']:.3f} |")
    print("\nrecognised as (generated emoji):", ", ".join(f"{c} {k}" for c, k in rep.rows["recognised_as"].items()))
    if a.write:
        print(f"wrote metrics to {hub.resolve(a.checkpoint)}/config.json and README.md")
    return rep


if __name__ == "__main__":
    main()
