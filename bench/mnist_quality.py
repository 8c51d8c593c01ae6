#!/usr/bin/env python
"""Quality of a class-conditional MNIST generator, judged by an independent classifier.

    python bench/mnist_quality.py                      # evaluate checkpoints/mnist-cgan
    python bench/mnist_quality.py mnist-hinge -n 5000  # another bundled model, fewer samples
    python bench/mnist_quality.py --write              # also store the numbers in the checkpoint

The numbers are `python -m ganzoo.evaluate`'s (ganzoo.evaluate.evaluate, the one evaluator of
latent models); this script adds the goals: classifier accuracy on the held-out split (bar ≥ 98 %)
and the share of generated digits recognised as the requested class (bar ≥ 97 %), with the
classifier-feature Fréchet distance of generated digits to the held-out split next to the
real-train-vs-held-out floor. (Re)train the classifier with
`python train/classifier.py --dataset mnist --out checkpoints/mnist-classifier`.
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


def rows(m: dict) -> list[tuple[str, str, str, bool | None]]:
    """(measure, value, goal, pass) for the table."""
    return [("classifier accuracy, held-out split", f"{m['classifier_heldout_accuracy']:.2%}", "≥ 98%",
             m["classifier_heldout_accuracy"] >= 0.98),
            ("generated digits recognised as the requested class", f"{m['class_accuracy']:.2%}", "≥ 97%",
             m["class_accuracy"] >= 0.97),
            ("Fréchet distance (classifier features), generated vs held-out", f"{m['fd_classifier']:.3f}",
             f"floor {m['fd_classifier_floor']:.3f}", None),
            ("Fréchet distance (classifier features), real train vs held-out (floor)",
             f"{m['fd_classifier_floor']:.3f}", "", None)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="mnist-cgan")
    ap.add_argument("--classifier", help="the judging classifier checkpoint (default: checkpoints/mnist-classifier)")
    ap.add_argument("-n", type=int, default=10_000, help="digits to generate")
    ap.add_argument("--write", action="store_true", help="store the metrics in the checkpoint's config.json and card")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.classifier and not (Path(a.classifier) / "config.json").is_file():
        raise SystemExit(f"no classifier at {a.classifier}: train it with python train/classifier.py --dataset mnist "
                         f"--out {a.classifier}")
    rep = evaluate(a.checkpoint, write=a.write, n=a.n, classifier=a.classifier)
    m = rep.metrics
    print(f"\n{a.checkpoint}: {m['n_generated']} generated, {m['n_heldout']} held-out, {m['n_train']} train digits\n")
    print("| measure | value | goal | pass |\n|---|---|---|---|")
    for name, v, goal, ok in rows(m):
        print(f"| {name} | {v} | {goal} | {'' if ok is None else ('yes' if ok else 'NO')} |")
    print("\nper class:", ", ".join(f"{c} {v:.2%}" for c, v in rep.rows["per_class_accuracy"].items()))
    if a.write:
        print(f"wrote metrics to {hub.resolve(a.checkpoint)}/config.json and README.md")
    return rep


if __name__ == "__main__":
    main()
