"""Measure a checkpoint with what fits its family; store the numbers in its config.json and card.

    python -m ganzoo.evaluate mnist-cgan                      # classifier-feature FD/KD + class accuracy
    python -m ganzoo.evaluate emoji-gan --features classifier inception
    python -m ganzoo.evaluate sketch2emoji                    # held-out L1 / PSNR / SSIM, colour, sharpness
    python -m ganzoo.evaluate noto2twemoji                    # both directions vs the true partner and identity
    python -m ganzoo.evaluate emoji-inpaint                   # PSNR / SSIM / L1 in the hole vs the best OpenCV, 3 input sizes
    python -m ganzoo.evaluate runs/x/final --no-write         # print only

Latent models: generated images (a conditional model's classes in its training data's proportions) are compared with the held-out
split of the data the model was trained on. Each distance names its feature network: `fd_classifier`
/ `kd_classifier` come from ganzoo's own classifier for that dataset (offline; not comparable with
published FIDs), `fid_inception` / `kid_inception` from torchmetrics' Inception-v3 (needs
torch-fidelity and its weights). `class_accuracy` is the share of generated images that the
classifier assigns to the requested class.
Image-to-image models are run as the app runs them on the held-out split of their training data
(ganzoo.metrics.heldout; the bench/*_quality.py scripts print the same numbers with baselines
and grids).
"""
from __future__ import annotations

import argparse
import sys

import torch

from . import hub, registry
from .cards import record_metrics
from .metrics.heldout import Report
from .metrics.distribution import ClassifierFeatures, feature_net, fid_kid_features
from .metrics.distribution import features as extract
from .metrics.report import generate
from .utils import to_tensor


SOURCE = "python -m ganzoo.evaluate"
NOTE_PREFIX = f"Measured by `{SOURCE}`"


def class_map(classifier_names: list[str], generator_names: list[str]) -> torch.Tensor | None:
    """Classifier class -> generator class, by name ("7" -> "7"; "smileys / noto" -> "noto"), or
    None when some classifier class names no generator class."""
    out = []
    for n in classifier_names:
        hits = [i for i, g in enumerate(generator_names) if n == g or n.endswith(f" / {g}")]
        if len(hits) != 1:
            return None
        out.append(hits[0])
    return torch.tensor(out)


def generator_labels(model_cfg, n: int, train_labels=None) -> torch.Tensor:
    """n class labels for a generator: in the proportions of its training data when they are known
    (FD compares with real pictures, whose classes come in those proportions), else balanced."""
    k = model_cfg.num_classes
    if not k:
        return torch.zeros(n, dtype=torch.long)
    if train_labels is None or len(train_labels) == 0:
        return torch.arange(k).repeat_interleave(n // k)
    share = torch.bincount(torch.as_tensor(train_labels), minlength=k)[:k].double()
    counts = torch.floor(share / share.sum() * n).long()
    counts[torch.argsort(share / share.sum() * n - counts, descending=True)[: n - int(counts.sum())]] += 1
    return torch.arange(k).repeat_interleave(counts)


def evaluate_latent(ckpt: hub.Checkpoint, features=("classifier",), n: int = 10_000, seed: int = 0,
                    real: torch.Tensor | None = None, nets: dict | None = None,
                   train: torch.Tensor | None = None, train_labels=None) -> dict:
    """Metrics of a latent generator; `real`/`train`/`nets` can be passed in to reuse them across
    models (or for data that is not a named recipe: then pass both `real` and `train`, and the
    training labels of a conditional model: the generated classes follow their proportions)."""
    from .data import load_images

    cfg, data = ckpt.model.cfg, ckpt.config.get("data", {})
    dataset = data.get("name")
    if real is None:
        real = to_tensor(load_images(dataset, "test", size=cfg.img_size).images)
    if train is None and "classifier" in features:
        train_set = load_images(dataset, "train", size=cfg.img_size)
        train, train_labels = to_tensor(train_set.images), train_set.labels
    ys = generator_labels(cfg, n, train_labels)
    fake = generate(ckpt.model, ys, seed)
    out = {}
    for kind in features:
        net = (nets or {}).get(kind) or feature_net(kind, dataset)
        f_fake = extract(fake, net)
        m = fid_kid_features(extract(real, net), f_fake, net.label)
        out[f"fd_{kind}" if kind == "classifier" else "fid_inception"] = round(m["fid"], 3)
        out[f"kd_{kind}" if kind == "classifier" else "kid_inception"] = round(m["kid_mean"], 5)
        if kind == "classifier" and cfg.num_classes and isinstance(net.feature, ClassifierFeatures):
            clf = net.feature.clf
            mapping = class_map([str(c) for c in clf.cfg.class_names or []], [str(c) for c in cfg.class_names or []])
            if mapping is not None:  # the classifier's head on the features FID already used
                with torch.inference_mode():
                    pred = clf.head(f_fake).argmax(1)
                out["class_accuracy"] = round(float((mapping[pred] == ys).float().mean()), 4)
    if "classifier" in features:
        net = (nets or {}).get("classifier") or feature_net("classifier", dataset)
        out.update(memorisation(extract(fake, net), extract(real, net), extract(train, net)))
    out["n_generated"], out["n_heldout"] = len(fake), len(real)
    return out


COPY_SHARE_LIMIT = 0.2   # held-out pictures sit that close to a training picture 5% of the time


def memorisation(f_fake: torch.Tensor, f_heldout: torch.Tensor, f_train: torch.Tensor) -> dict:
    """Does the model copy its training pictures? The distance (classifier features) from each
    generated picture to its nearest training picture, against the same for held-out real
    pictures: nn_ratio = the medians' ratio (≈ 1 for a model that makes new pictures like the real
    ones; well below 1 for one that copies), copied_share = the share of generated pictures closer
    to a training picture than 95% of the held-out ones are (5% for held-out pictures themselves)."""
    def nearest(f):
        return torch.cat([torch.cdist(chunk, f_train).min(1).values for chunk in f.split(1024)])

    d_fake, d_held = nearest(f_fake), nearest(f_heldout)
    share = float((d_fake < d_held.quantile(0.05)).float().mean())
    return {"nn_ratio": round(float(d_fake.median() / d_held.median()), 3), "copied_share": round(share, 4)}


def describe(metrics: dict, dataset: str) -> str:
    parts = [f"{metrics['n_generated']:,} generated images vs the {metrics['n_heldout']:,} held-out {dataset} images."]
    if "fd_classifier" in metrics:
        parts.append("fd/kd_classifier: Fréchet / kernel distance of the penultimate features of ganzoo's "
                     f"own {dataset} classifier — classifier features, not Inception FID.")
    if "fid_inception" in metrics:
        parts.append("fid/kid_inception: torchmetrics' Inception-v3 pool features (comparable with papers "
                     "only at their sample sizes and resolutions).")
    if "class_accuracy" in metrics:
        parts.append("class_accuracy: share of generated images the classifier puts in the requested class.")
    if "nn_ratio" in metrics:
        verdict = "it copies its training pictures" if metrics["copied_share"] > COPY_SHARE_LIMIT else \
            "no sign of copying"
        parts.append("nn_ratio / copied_share (memorisation): distance from each generated image to its nearest "
                     "training image (classifier features) over the same for held-out real images (median ratio), "
                     f"and the share of generated images closer than 95% of the held-out ones: {verdict}.")
    return " ".join(parts)


# ---- one evaluator per family (named in its registry record): checkpoint -> Report ----------------

def latent_metrics(ckpt, features=("classifier",), n: int = 10_000, seed: int = 0, **_) -> Report:
    m = evaluate_latent(ckpt, features, n, seed)
    return Report(m, describe(m, ckpt.config.get("data", {}).get("name", "?")), {})


def pix2pix_metrics(ckpt, precision: str = "auto", **_) -> Report:
    from .metrics.heldout import pix2pix_heldout
    from .pipelines import Pix2PixPipeline

    return pix2pix_heldout(Pix2PixPipeline(ckpt, precision), ckpt.config["data"]["name"])


def cyclegan_metrics(ckpt, precision: str = "auto", **_) -> Report:
    from .metrics.heldout import cyclegan_heldout
    from .pipelines import CycleGANPipeline

    sources = ckpt.config.get("domains") or ckpt.config["data"]["sources"]
    return cyclegan_heldout(CycleGANPipeline(ckpt, precision), tuple(sources))


def inpaint_metrics(ckpt, limit: int | None = None, sizes=None, **_) -> Report:
    from .metrics.heldout import INPAINT_SIZES, inpaint_heldout
    from .pipelines import InpaintPipeline

    return inpaint_heldout(InpaintPipeline(ckpt), ckpt.config["data"]["name"], limit, tuple(sizes or INPAINT_SIZES))


def evaluate(checkpoint, write: bool = False, **options) -> Report:
    """Measure a checkpoint (a name, folder or loaded Checkpoint) with its family's evaluator;
    write=True stores the numbers in its config.json and card (merged with what is there)."""
    ckpt = checkpoint if isinstance(checkpoint, hub.Checkpoint) else hub.load(checkpoint)
    record = registry.family(ckpt.family)
    if record.evaluator is None:
        raise ValueError(f"{ckpt.path.name} is a {ckpt.family} model: nothing to evaluate for that family")
    rep = record.load("evaluator")(ckpt, **options)
    if write:
        record_metrics(ckpt.path, {k: v for k, v in rep.metrics.items() if not k.startswith("n_")}, rep.notes,
                       source=SOURCE)
    return rep


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m ganzoo.evaluate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="bundled name, folder or Hub repo id")
    ap.add_argument("--features", nargs="+", default=["classifier"], choices=["classifier", "inception"])
    ap.add_argument("-n", type=int, default=10_000, help="images to generate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="print only; leave config.json and the card alone")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        rep = evaluate(a.checkpoint, write=not a.no_write, features=a.features, n=a.n, seed=a.seed)
    except (hub.CheckpointError, RuntimeError, ValueError, FileNotFoundError) as e:
        sys.exit(f"error: {e}")
    print(f"\n{a.checkpoint}\n\n| metric | value |\n|---|---|")
    for k, v in rep.metrics.items():
        print(f"| {k} | {v} |")
    if not a.no_write:
        print(f"\nwrote the metrics to {hub.resolve(a.checkpoint)}/config.json and README.md")


if __name__ == "__main__":
    main()
