"""Measure a checkpoint with what fits its family; store the numbers in its config.json and card.

    python -m ganzoo.evaluate mnist-cgan                      # classifier-feature FD/KD, its floor, class accuracy
    python -m ganzoo.evaluate emoji-gan --features classifier inception
    python -m ganzoo.evaluate sketch2emoji                    # held-out L1 / PSNR / SSIM, colour, sharpness
    python -m ganzoo.evaluate noto2twemoji                    # both directions vs the true partner and identity
    python -m ganzoo.evaluate emoji-inpaint                   # PSNR / SSIM / L1 in the hole vs the best OpenCV, 3 input sizes
    python -m ganzoo.evaluate runs/x/final --no-write         # print only

Latent models: generated images (a conditional model's classes in its training data's proportions) are compared with the held-out
split of the data the model was trained on. Each distance names its feature network: `fd_classifier`
/ `kd_classifier` come from ganzoo's own classifier for that dataset (offline; not comparable with
published FIDs), `fid_inception` / `kid_inception` from torchmetrics' Inception-v3 (needs
torch-fidelity and its weights). `fd_classifier_floor` is the same distance between the real
training and held-out pictures: what a perfect model would score. The judging classifier's own
held-out accuracy comes with its verdicts: `class_accuracy` (the share of generated images it
assigns to the requested class), or for emoji, whose classifier tells category × style,
`style_accuracy` and, for a model conditioned on both, `category_style_accuracy`.
Image-to-image models are run as the app runs them on the held-out split of their training data
(ganzoo.metrics.heldout; the bench/*_quality.py scripts print the same numbers with baselines
and grids).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from . import hub, registry
from .cards import record_metrics
from .data import load_images
from .metrics.classifier import classifier_data
from .metrics.distribution import CLASSIFIERS, ClassifierFeatures, feature_net, fid_kid_features, frechet
from .metrics.distribution import features as extract
from .metrics.heldout import INPAINT_SIZES, Report, cyclegan_heldout, inpaint_heldout, pix2pix_heldout
from .pipelines import CycleGANPipeline, InpaintPipeline, Pix2PixPipeline
from .utils import to_tensor


SOURCE = "python -m ganzoo.evaluate"
NOTE_PREFIX = f"Measured by `{SOURCE}`"


@torch.inference_mode()
def generate(g, labels: torch.Tensor, seed: int = 0, batch: int = 500) -> torch.Tensor:
    """Samples in [-1, 1] for the given class labels (fixed seed, CPU generator: the same pictures
    on every machine)."""
    gen = torch.Generator().manual_seed(seed)
    out = [g(torch.randn(len(y), g.cfg.z_dim, generator=gen), y if g.cfg.num_classes else None)
           for y in labels.split(batch)]
    return torch.cat(out)


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


def _style(name: str) -> str:
    return name.rsplit(" / ", 1)[-1]


def judged_accuracy(classifier_names: list[str], generator_names: list[str], pred: torch.Tensor,
                    requested: torch.Tensor) -> tuple[dict, dict]:
    """The classifier's verdict on generated pictures: (metrics, per-class rows).

    `pred` are the classifier's classes, `requested` the generator's. With plain class names the
    share recognised as the requested class is `class_accuracy`. An emoji classifier's classes are
    "category / style": judging a style-conditioned model the share is `style_accuracy`; judging one
    conditioned on category × style it is `category_style_accuracy`, and `style_accuracy` compares
    the styles alone. Rows: the accuracy per requested class and how many pictures were recognised
    as each generator class. Nothing when the names do not match up."""
    mapping = class_map(classifier_names, generator_names)
    if mapping is None:
        return {}, {}
    got = mapping[pred]
    hit = (got == requested).float()
    compound = bool(classifier_names) and all(" / " in c for c in classifier_names)
    if not compound:
        metrics = {"class_accuracy": round(float(hit.mean()), 4)}
    elif all(" / " in g for g in generator_names):
        styles = sorted({_style(g) for g in generator_names})
        style_of = torch.tensor([styles.index(_style(g)) for g in generator_names])
        metrics = {"category_style_accuracy": round(float(hit.mean()), 4),
                   "style_accuracy": round(float((style_of[got] == style_of[requested]).float().mean()), 4)}
    else:
        metrics = {"style_accuracy": round(float(hit.mean()), 4)}
    rows = {"per_class_accuracy": {g: round(float(hit[requested == i].mean()), 4)
                                   for i, g in enumerate(generator_names) if (requested == i).any()},
            "recognised_as": {g: int((got == i).sum()) for i, g in enumerate(generator_names)}}
    return metrics, rows


@torch.inference_mode()
def _predict(clf, feats: torch.Tensor) -> torch.Tensor:
    return clf.head(feats).argmax(1)


def judge_heldout(classifier: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out split a ganzoo classifier checkpoint was not trained on, with its labels."""
    x, y, _ = classifier_data(hub.read_config(classifier)["data"]["name"], "test")
    return to_tensor(x), torch.as_tensor(y)


def measure_latent(ckpt: hub.Checkpoint, features=("classifier",), n: int = 10_000, seed: int = 0,
                   real: torch.Tensor | None = None, nets: dict | None = None, train: torch.Tensor | None = None,
                   train_labels=None, classifier: str | None = None, judged=None) -> Report:
    """Every number of a latent generator, each picture through each feature network once.

    `real`/`train`/`nets` can be passed in to reuse them across models (or for data that is not a
    named recipe: then pass both `real` and `train`, and the training labels of a conditional model:
    the generated classes follow their proportions). `classifier`: the judging classifier
    checkpoint (default: ganzoo's for the dataset). `judged`: (images, labels) the judge was not
    trained on, for its held-out accuracy; found from the classifier checkpoint unless `nets`
    brings its own classifier."""
    cfg, data = ckpt.model.cfg, ckpt.config.get("data", {})
    dataset = data.get("name")
    if real is None:
        real = to_tensor(load_images(dataset, "test", size=cfg.img_size).images)
    if train is None and "classifier" in features:
        train_set = load_images(dataset, "train", size=cfg.img_size)
        train, train_labels = to_tensor(train_set.images), train_set.labels
    nets = dict(nets or {})
    judge = nets["classifier"].label if "classifier" in nets else "classifier features"
    if "classifier" in features and "classifier" not in nets:
        name = classifier or CLASSIFIERS.get(dataset or "")
        nets["classifier"] = feature_net("classifier", dataset, name)
        judge = f"`{Path(name).name}`" if name else judge
        if judged is None and name is not None:
            judged = judge_heldout(name)
    ys = generator_labels(cfg, n, train_labels)
    fake = generate(ckpt.model, ys, seed)
    metrics, rows = {}, {}
    for kind in features:
        net = nets.get(kind) or feature_net(kind, dataset)
        f_fake, f_real = extract(fake, net), extract(real, net)
        m = fid_kid_features(f_real, f_fake, net.label)
        if kind != "classifier":
            metrics["fid_inception"], metrics["kid_inception"] = round(m["fid"], 3), round(m["kid_mean"], 5)
            continue
        f_train = extract(train, net)
        metrics["fd_classifier"], metrics["kd_classifier"] = round(m["fid"], 3), round(m["kid_mean"], 5)
        metrics["fd_classifier_floor"] = round(frechet(f_real, f_train), 3)
        if not isinstance(net.feature, ClassifierFeatures):
            continue
        clf = net.feature.clf   # its head on the features the distances used
        if judged is not None:
            x_j, y_j = judged
            f_j = f_real if x_j.shape == real.shape and torch.equal(x_j, real) else extract(x_j, net)
            metrics["classifier_heldout_accuracy"] = round(float((_predict(clf, f_j) == torch.as_tensor(y_j))
                                                                 .float().mean()), 4)
        if cfg.num_classes:
            acc, rows = judged_accuracy([str(c) for c in clf.cfg.class_names or []],
                                        [str(c) for c in cfg.class_names or []], _predict(clf, f_fake), ys)
            metrics.update(acc)
        metrics.update(memorisation(f_fake, f_real, f_train))
    metrics["n_generated"], metrics["n_heldout"] = len(fake), len(real)
    if train is not None:
        metrics["n_train"] = len(train)
    if "classifier_heldout_accuracy" in metrics:
        metrics["n_judge_heldout"] = len(judged[1])
    return Report(metrics, describe(metrics, dataset or "?", judge), rows)


def evaluate_latent(ckpt: hub.Checkpoint, features=("classifier",), n: int = 10_000, seed: int = 0, **references) -> dict:
    """`measure_latent`'s metrics alone (the benches that sweep many runs read a dict)."""
    return measure_latent(ckpt, features, n, seed, **references).metrics


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


def describe(metrics: dict, dataset: str, judge: str = "classifier features") -> str:
    """How the numbers were measured, for the card."""
    pictures = {"mnist": "digits"}.get(dataset, f"{dataset} images")
    parts = [f"{metrics['n_generated']} generated images (a conditional model's classes in its training data's "
             f"proportions, seed 0) vs the {metrics['n_heldout']} held-out {pictures}."]
    if "fd_classifier" in metrics:
        parts.append(f"fd/kd_classifier: Fréchet / kernel distance of the penultimate features of ganzoo's own "
                     f"{dataset} classifier ({judge}) — classifier features, not Inception FID; fd_classifier_floor: "
                     f"the same distance from the {metrics.get('n_train', 0)} real training images to the "
                     "held-out ones (what a perfect model would score at these set sizes).")
    if "classifier_heldout_accuracy" in metrics:
        parts.append(f"classifier_heldout_accuracy: the judging classifier's accuracy on the "
                     f"{metrics['n_judge_heldout']} held-out images of its own classes.")
    if "class_accuracy" in metrics:
        parts.append("class_accuracy: share of generated images the classifier puts in the requested class.")
    if "category_style_accuracy" in metrics:
        parts.append("category_style_accuracy: share of generated emoji the classifier puts in the requested "
                     "category and style.")
    if "style_accuracy" in metrics:
        parts.append("style_accuracy: share of generated emoji the classifier (category × style) recognises "
                     "in the requested style.")
    if "fid_inception" in metrics:
        parts.append("fid/kid_inception: torchmetrics' Inception-v3 pool features (comparable with papers "
                     "only at their sample sizes and resolutions).")
    if "nn_ratio" in metrics:
        verdict = "it copies its training pictures" if metrics["copied_share"] > COPY_SHARE_LIMIT else \
            "no sign of copying"
        parts.append("nn_ratio / copied_share (memorisation): distance from each generated image to its nearest "
                     "training image (classifier features) over the same for held-out real images (median ratio), "
                     f"and the share of generated images closer than 95% of the held-out ones: {verdict}.")
    return " ".join(parts)


# ---- one evaluator per family (named in its registry record): checkpoint -> Report ----------------

def latent_metrics(ckpt, features=("classifier",), n: int = 10_000, seed: int = 0, classifier: str | None = None,
                   **_) -> Report:
    return measure_latent(ckpt, features, n, seed, classifier=classifier)


def pix2pix_metrics(ckpt, precision: str = "auto", **_) -> Report:
    return pix2pix_heldout(Pix2PixPipeline(ckpt, precision), ckpt.config["data"]["name"])


def cyclegan_metrics(ckpt, precision: str = "auto", **_) -> Report:
    sources = ckpt.config.get("domains") or ckpt.config["data"]["sources"]
    return cyclegan_heldout(CycleGANPipeline(ckpt, precision), tuple(sources))


def inpaint_metrics(ckpt, limit: int | None = None, sizes=None, **_) -> Report:
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
    ap.add_argument("--classifier", help="latent models: the judging classifier checkpoint (default: ganzoo's for the dataset)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave config.json and the card alone")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        rep = evaluate(a.checkpoint, write=not a.no_write, features=a.features, n=a.n, seed=a.seed,
                       classifier=a.classifier)
    except (hub.CheckpointError, RuntimeError, ValueError, FileNotFoundError) as e:
        sys.exit(f"error: {e}")
    print(f"\n{a.checkpoint}\n\n| metric | value |\n|---|---|")
    for k, v in rep.metrics.items():
        print(f"| {k} | {v} |")
    for k in ("per_class_accuracy", "recognised_as"):   # a latent model's verdict class by class
        if k in rep.rows:
            print(f"\n{k}: " + ", ".join(f"{c} {v}" for c, v in rep.rows[k].items()))
    if not a.no_write:
        print(f"\nwrote the metrics to {hub.resolve(a.checkpoint)}/config.json and README.md")


if __name__ == "__main__":
    main()
