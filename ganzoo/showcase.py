"""The pictures a latent model opens on, measured rather than hand-picked.

A visitor's first sight of a model is one sample. Which seed shows it at its clearest is a
measurement: draw every class at `seeds` seeds exactly as the app draws them (LatentPipeline,
truncation `TRUNCATION`), ask the dataset's ganzoo classifier how surely each picture shows the
requested class, keep each class's best seed and rank the classes by it. The result is stored in the
checkpoint's config.json as "showcase" (`python -m ganzoo.showcase MODEL`); the latent tab opens on
its first entry and offers the rest as examples. Unconditional models (or class names the
classifier does not know) are ranked by the classifier's confidence in whatever it sees.
"""
from __future__ import annotations

import argparse

import torch

from . import hub, load
from .cards import update_config
from .evaluate import class_map
from .metrics.distribution import CLASSIFIERS, ClassifierFeatures
from .pipelines import LatentPipeline
from .utils import seeded_normal

TRUNCATION = 0.8   # the latent tab's opening truncation


@torch.inference_mode()
def choose(pipe, classifier, seeds: int = 256, k: int = 6, truncation: float = TRUNCATION) -> list[dict]:
    """Up to k entries {"seed", "class" (a class name, or None), "score"}: each class's best seed
    (best classes first), then each class's second best, and so on; score = the classifier's
    probability of its surest class within the requested one (for a style-conditional model: the
    surest category in that style)."""
    clf = classifier.eval()
    z = torch.cat([seeded_normal(s, 1, pipe.cfg.z_dim) for s in range(seeds)]) * truncation
    names = pipe.class_names
    mapping = class_map([str(c) for c in clf.cfg.class_names or []], names) if names else None

    features = ClassifierFeatures(clf, "classifier")   # as evaluate judges: channels matched, resized

    def probs(class_id) -> torch.Tensor:
        return torch.cat([clf.head(features(pipe._run(chunk, class_id).float())).softmax(1) for chunk in z.split(128)])

    ranked = []                     # per class: [(score, seed, class name), ...] best first
    if names and mapping is not None:
        for c, name in enumerate(names):
            # the surest single classifier class within this generator class (a style model's
            # class holds every category: "clearly a Noto emoji of something" is not enough)
            score = probs(c)[:, mapping == c].amax(1)
            top = score.argsort(descending=True)[:k].tolist()
            ranked.append([(float(score[s]), s, name) for s in top])
    else:
        class_id = names[0] if names else None
        score = probs(class_id).amax(1)
        ranked.append([(float(score[s]), s, class_id) for s in score.argsort(descending=True)[:k].tolist()])
    # each class's best seed first (best classes first), then each class's second best, ...
    rounds = [sorted((r[i] for r in ranked if i < len(r)), reverse=True) for i in range(k)]
    return [{"seed": s, "class": name, "score": round(score, 4)} for rnd in rounds for score, s, name in rnd][:k]


def main(argv=None):
    """python -m ganzoo.showcase CHECKPOINT: measure what the latent tab opens on; store it in its config."""
    ap = argparse.ArgumentParser(prog="python -m ganzoo.showcase", description=main.__doc__)
    ap.add_argument("checkpoint")
    ap.add_argument("--classifier", help="default: ganzoo's classifier for the model's training data")
    ap.add_argument("--seeds", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    pipe = LatentPipeline.from_pretrained(a.checkpoint, precision="fp32")
    dataset = pipe.ckpt.config.get("data", {}).get("name", "")
    name = a.classifier or CLASSIFIERS.get(dataset)
    if name is None:
        raise SystemExit(f"no ganzoo classifier for {dataset!r}: pass --classifier")
    picks = choose(pipe, load(name).model, seeds=a.seeds)
    folder = hub.resolve(a.checkpoint)
    update_config(folder, showcase=picks)
    for p in picks:
        print(f"seed {p['seed']:>4}  {p['class'] or '-':<28} classifier: {p['score']:.0%}")
    print(f"wrote the showcase to {folder / hub.CONFIG_NAME}")


if __name__ == "__main__":
    main()
