#!/usr/bin/env python
"""Quality of a class-conditional MNIST generator, judged by an independent classifier.

    python bench/mnist_quality.py                      # evaluate checkpoints/mnist-cgan
    python bench/mnist_quality.py --train-classifier   # (re)train checkpoints/mnist-classifier first
    python bench/mnist_quality.py --write              # also store the numbers in the checkpoint

Prints: classifier accuracy on the held-out split (bar ≥ 98 %), the share of generated digits
recognised as the requested class (bar ≥ 97 %), and the classifier-feature Fréchet distance of
generated digits to the held-out split next to the real-train-vs-held-out floor (same set sizes).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo import hub  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data import load_images  # noqa: E402
from ganzoo.metrics import to_tensor  # noqa: E402
from ganzoo.metrics.report import classifier_report, generate  # noqa: E402


def get_classifier(path: Path):
    if not (path / "config.json").is_file():
        raise SystemExit(f"no classifier at {path}: train it with python train/classifier.py --dataset mnist --out {path}")
    return ganzoo.load(path).model


def evaluate(gen_name: str, clf, per_class: int = 900, seed: int = 0) -> dict:
    g = ganzoo.load(gen_name).model
    test, train = load_images("mnist", "test"), load_images("mnist", "train")
    ys = torch.arange(10).repeat_interleave(per_class)
    m = classifier_report(clf, generate(g, ys, seed), to_tensor(test.images), to_tensor(train.images),
                          y_test=test.labels, expected=ys)
    pred = m.pop("pred_gen")
    return {
        "classifier_heldout_accuracy": round(m["classifier_heldout_accuracy"], 4),
        "class_accuracy": round(m["class_accuracy"], 4),
        "class_accuracy_per_class": {str(c): round(float((pred[ys == c] == c).float().mean()), 4) for c in range(10)},
        "fd_classifier_gen_vs_heldout": round(m["fd_gen_vs_heldout"], 3),
        "fd_classifier_train_vs_heldout_floor": round(m["fd_train_vs_heldout_floor"], 3),
        "n_generated": m["n_generated"], "n_heldout": m["n_heldout"], "n_train": m["n_train"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="mnist-cgan")
    ap.add_argument("--classifier", default=str(ROOT / "checkpoints" / "mnist-classifier"))
    ap.add_argument("--write", action="store_true", help="store the metrics in the checkpoint's config.json and card")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    clf = get_classifier(Path(a.classifier))
    m = evaluate(a.checkpoint, clf)
    rows = [("classifier accuracy, held-out split", f"{m['classifier_heldout_accuracy']:.2%}", "≥ 98%",
             m["classifier_heldout_accuracy"] >= 0.98),
            ("generated digits recognised as the requested class", f"{m['class_accuracy']:.2%}", "≥ 97%",
             m["class_accuracy"] >= 0.97),
            ("Fréchet distance (classifier features), generated vs held-out", f"{m['fd_classifier_gen_vs_heldout']:.3f}",
             f"floor {m['fd_classifier_train_vs_heldout_floor']:.3f}", None),
            ("Fréchet distance (classifier features), real train vs held-out (floor)",
             f"{m['fd_classifier_train_vs_heldout_floor']:.3f}", "", None)]
    print(f"\n{a.checkpoint}: {m['n_generated']} generated, {m['n_heldout']} held-out, {m['n_train']} train digits\n")
    print("| measure | value | goal | pass |\n|---|---|---|---|")
    for name, v, goal, ok in rows:
        print(f"| {name} | {v} | {goal} | {'' if ok is None else ('yes' if ok else 'NO')} |")
    print("\nper class:", json.dumps(m["class_accuracy_per_class"]))
    if a.write:
        path = hub.resolve(a.checkpoint)
        metrics = {"class_accuracy": m["class_accuracy"],
                          "fd_classifier": m["fd_classifier_gen_vs_heldout"],
                          "fd_classifier_floor": m["fd_classifier_train_vs_heldout_floor"],
                          "classifier_heldout_accuracy": m["classifier_heldout_accuracy"]}
        notes = (
            f"with ganzoo's own MNIST classifier "
            f"(`checkpoints/mnist-classifier`, {m['classifier_heldout_accuracy']:.2%} on the held-out split): "
            f"class accuracy = share of {m['n_generated']} generated digits (equal per class) recognised as the "
            f"requested class; fd_classifier = Fréchet distance of its penultimate features between generated "
            f"digits and the {m['n_heldout']} held-out digits; fd_classifier_floor = the same for the "
            f"{m['n_train']} real training digits. These are classifier features, not Inception FID.")
        record_metrics(path, metrics, notes, source="python bench/mnist_quality.py")
        print(f"wrote metrics to {path}/config.json and README.md")


if __name__ == "__main__":
    main()
