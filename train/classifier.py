#!/usr/bin/env python
"""Train an evaluation classifier: the offline feature network behind `fd_classifier`, `kd_classifier`
and class accuracy of generated images (ganzoo.metrics.distribution, python -m ganzoo.evaluate).

    python train/classifier.py --dataset mnist --out checkpoints/mnist-classifier
    python train/classifier.py --dataset emoji --out checkpoints/emoji-classifier

mnist: the ten digits at 28 px. emoji: category × style (10 categories × Noto / Twemoji) at 64 px,
so one network tells what an emoji shows and in whose style. The held-out accuracy goes into the
checkpoint's config and card. Numbers computed with these features are "classifier features",
never FID.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without install

import torch  # noqa: E402

from ganzoo import hub  # noqa: E402
from ganzoo.cards import write_model_card  # noqa: E402
from ganzoo.metrics.classifier import ClassifierConfig, classifier_data, predict, train_classifier  # noqa: E402
from ganzoo.training.loop import hardware, main_command  # noqa: E402
from ganzoo.utils import to_tensor  # noqa: E402

RECIPES = {"mnist": dict(img_size=28, channels=1, width=32, epochs=12),
           "emoji": dict(img_size=64, channels=3, width=32, epochs=10)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=list(RECIPES), required=True)
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--epochs", type=int, help="default: the recipe's")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    recipe = RECIPES[a.dataset]
    x, y, names = classifier_data(a.dataset, "train")
    cfg = ClassifierConfig(img_size=recipe["img_size"], channels=recipe["channels"], num_classes=len(names),
                           width=recipe["width"], class_names=names)
    model = train_classifier(x, y, cfg, epochs=a.epochs or recipe["epochs"], batch_size=a.batch_size, seed=a.seed)
    x_te, y_te, _ = classifier_data(a.dataset, "test")
    acc = float((predict(model, to_tensor(x_te))[0].numpy() == y_te).mean())
    sources = ["noto", "twemoji"] if a.dataset == "emoji" else [a.dataset]
    hub.save_checkpoint(a.out, {"family": "classifier", "model": asdict(cfg),
                                "data": {"name": a.dataset, "sources": sources, "split": "train"},
                                "training": {"command": main_command(), "epochs": a.epochs or recipe["epochs"],
                                             "batch_size": a.batch_size, "seed": a.seed, "hardware": hardware()},
                                "metrics": {"heldout_accuracy": round(acc, 4)}},
                        model.state_dict(), dtype=torch.float32)
    write_model_card(a.out)
    print(f"{a.out}: held-out accuracy {acc:.2%} ({len(x_te)} images)")


if __name__ == "__main__":
    main()
