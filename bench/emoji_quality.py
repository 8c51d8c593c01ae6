#!/usr/bin/env python
"""Quality of a conditional emoji generator, judged by a classifier trained on the emoji.

    python bench/emoji_quality.py                      # evaluate checkpoints/emoji-gan
    python bench/emoji_quality.py emoji-category-gan   # a model conditioned on category × style
    python bench/emoji_quality.py --train-classifier   # (re)train checkpoints/emoji-classifier first
    python bench/emoji_quality.py --write              # also store the numbers in the checkpoint

The classifier predicts (category × style): 10 Unicode emoji categories (from emoji.json) × the two
styles (Noto, Twemoji), trained on the train split only. Reported: its held-out accuracy, the
share of generated emoji whose predicted style is the requested one (and, for a model conditioned
on category × style, whose predicted category and style both are), and the Fréchet distance of
its penultimate features between generated and held-out emoji, next to the real-train floor.
These are classifier features, not Inception FID.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo import hub  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.metrics import to_tensor  # noqa: E402
from ganzoo.metrics.classifier import classifier_data  # noqa: E402
from ganzoo.metrics.report import classifier_report, generate  # noqa: E402


def labelled(split: str):
    """Pictures, category × style labels, style labels (0 Noto, 1 Twemoji), the classifier's classes."""
    x, y, names = classifier_data("emoji", split)
    return x, y, y % 2, names


def get_classifier(path: Path):
    if not (path / "config.json").is_file():
        raise SystemExit(f"no classifier at {path}: train it with python train/classifier.py --dataset emoji --out {path}")
    return ganzoo.load(path).model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="emoji-gan")
    ap.add_argument("--classifier", default=str(ROOT / "checkpoints" / "emoji-classifier"))
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    clf = get_classifier(Path(a.classifier))
    x_tr, y_tr, s_tr, names = labelled("train")
    x_te, y_te, _, _ = labelled("test")
    g = ganzoo.load(a.checkpoint).model
    by_category = g.cfg.num_classes == len(names)      # conditioned on the classifier's own classes
    # same size and class mix as the training set
    wanted = torch.as_tensor(y_tr if by_category else s_tr)
    x_gen = generate(g, wanted)
    m = classifier_report(clf, x_gen, to_tensor(x_te), to_tensor(x_tr), y_test=y_te, expected=wanted,
                          to_class=None if by_category else (lambda p: p % 2))
    pred = m.pop("pred_gen")
    if by_category:   # class_accuracy is then category × style; the style alone is its parity
        m["category_accuracy"], m["class_accuracy"] = m["class_accuracy"], float(((pred - wanted) % 2 == 0).float().mean())
    hist = torch.bincount(pred % 2, minlength=2)
    print(f"\n{a.checkpoint}: {m['n_generated']} generated, {m['n_heldout']} held-out, {m['n_train']} train emoji\n")
    print("| measure | value |\n|---|---|")
    print(f"| classifier accuracy (category × style), held-out split | {m['classifier_heldout_accuracy']:.2%} |")
    print(f"| generated emoji recognised in the requested style | {m['class_accuracy']:.2%} |")
    if by_category:
        print(f"| generated emoji recognised as the requested category and style | {m['category_accuracy']:.2%} |")
    print(f"| Fréchet distance (classifier features), generated vs held-out | {m['fd_gen_vs_heldout']:.3f} |")
    print(f"| Fréchet distance (classifier features), real train vs held-out (floor) | {m['fd_train_vs_heldout_floor']:.3f} |")
    print(f"\npredicted styles of generated emoji: noto {hist[0]}, twemoji {hist[1]}")
    if a.write:
        path = hub.resolve(a.checkpoint)
        metrics = {"style_accuracy": round(m["class_accuracy"], 4),
                   **({"category_style_accuracy": round(m["category_accuracy"], 4)} if by_category else {}),
                   "fd_classifier": round(m["fd_gen_vs_heldout"], 3),
                   "fd_classifier_floor": round(m["fd_train_vs_heldout_floor"], 3),
                   "classifier_heldout_accuracy": round(m["classifier_heldout_accuracy"], 4)}
        notes = (
            "with ganzoo's emoji classifier "
            f"(`checkpoints/emoji-classifier`, {len(names) // 2} categories × 2 styles, "
            f"{m['classifier_heldout_accuracy']:.2%} on the held-out split): style_accuracy = share of "
            f"{m['n_generated']} generated emoji recognised in the requested style"
            + ("; category_style_accuracy = the share recognised as the requested category and style"
               if by_category else "") + "; fd_classifier = Fréchet distance of its penultimate features between "
            f"generated and the {m['n_heldout']} held-out emoji; fd_classifier_floor = the same for the "
            f"{m['n_train']} real training emoji. Classifier features, not Inception FID.")
        record_metrics(path, metrics, notes, source="python bench/emoji_quality.py")
        print(f"wrote metrics to {path}/config.json and README.md")


if __name__ == "__main__":
    main()
