"""Measure a checkpoint with what fits its family; store the numbers in its config.json and card.

    python -m ganzoo.evaluate mnist-cgan                      # classifier and EfficientNet FD/KD, their floors, class accuracy
    python -m ganzoo.evaluate emoji-gan --features classifier inception
    python -m ganzoo.evaluate sketch2emoji                    # held-out L1 / PSNR / SSIM, colour, sharpness
    python -m ganzoo.evaluate noto2twemoji                    # both directions vs the true partner and identity
    python -m ganzoo.evaluate emoji-inpaint                   # PSNR / SSIM / L1 in the hole vs the best OpenCV, 3 input sizes
    python -m ganzoo.evaluate realsr-df2k --limit 20          # ×4 PSNR / SSIM (Y) vs bicubic, 3 input sizes
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
and grids), and their results are also compared with the true pictures on the EfficientNet
features (`*_fd_efficientnet`, `*_kd_efficientnet`, next to the baseline's). Super-resolution
models upscale held-out pictures shrunk by their factor, beside bicubic interpolation
(`sr_heldout`, below).
"""
from __future__ import annotations

import argparse
import sys
import time
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from . import hub, registry
from .cards import record_metrics
from .data import load_images
from .data.common import composite_on_white
from .data.emoji import is_heldout, svg_rasteriser
from .data.photo_sr import MAX_SIDE as PHOTO_MAX_SIDE
from .data.photo_sr import NAME as PHOTO_SR
from .data.photos import load_photos
from .data.sr import SPECS as SR_SPECS
from .data.sr import margin_of, svg_sources
from .metrics.classifier import classifier_data
from .metrics.distribution import CLASSIFIERS, ClassifierFeatures, feature_net, fid_kid_features, frechet
from .metrics.distribution import features as extract
from .metrics.heldout import (IMAGENET_NOTE, INPAINT_SIZES, Report, cyclegan_heldout, imagenet_distances, imagenet_features,
                              imagenet_net, inpaint_heldout, pix2pix_heldout)
from .pipelines import CycleGANPipeline, InpaintPipeline, Pix2PixPipeline, SRPipeline
from .pipelines.upscale import SCALES, TILE, bicubic
from .utils import to_tensor


SOURCE = "python -m ganzoo.evaluate"
EFFICIENTNET_N = 2000   # pictures a set for the ImageNet-feature distances (~15 ms each on 2 threads)
I2I_FEATURES = ("efficientnet",)   # the image-to-image families' default: their held-out sets are small
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
                   train_labels=None, classifier: str | None = None, judged=None,
                   efficientnet_n: int = EFFICIENTNET_N) -> Report:
    """Every number of a latent generator, each picture through each feature network once.

    `real`/`train`/`nets` can be passed in to reuse them across models (or for data that is not a
    named recipe: then pass both `real` and `train`, and the training labels of a conditional model:
    the generated classes follow their proportions). `classifier`: the judging classifier
    checkpoint (default: ganzoo's for the dataset). `judged`: (images, labels) the judge was not
    trained on, for its held-out accuracy; found from the classifier checkpoint unless `nets`
    brings its own classifier. "efficientnet" (ImageNet features, comparable across families) is
    measured on `efficientnet_n` pictures of each set (it costs ~15 ms a picture on 2 threads)."""
    cfg, data = ckpt.model.cfg, ckpt.config.get("data", {})
    dataset = data.get("name")
    if real is None:
        real = to_tensor(load_images(dataset, "test", size=cfg.img_size).images)
    if train is None and ("classifier" in features or "efficientnet" in features):
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
        if kind == "efficientnet":
            metrics.update(_efficientnet_distances(fake, real, train, net, efficientnet_n, seed))
            continue
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


def _subset(x: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    if len(x) <= n:
        return x
    return x[torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:n]]


def _efficientnet_distances(fake, real, train, net, n: int, seed: int) -> dict:
    """FD/KD on EfficientNet-Lite0's ImageNet features, with the real-vs-real floor at the same set
    sizes (the Fréchet distance's bias depends on them, so the floor must be taken alike)."""
    f_real = extract(_subset(real, n, seed), net)
    f_fake = extract(_subset(fake, n, seed + 1), net)
    out = imagenet_distances(f_fake, f_real)
    if train is not None:
        out["fd_efficientnet_floor"] = round(frechet(f_real, extract(_subset(train, n, seed + 2), net)), 3)
    out["n_efficientnet"] = min(n, len(fake), len(real))
    return out


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
    if "fd_efficientnet" in metrics:
        parts.append(f"fd/kd_efficientnet: the same distances on the ImageNet EfficientNet-Lite0's pooled features "
                     f"(pictures enlarged to 224 px; {metrics['n_efficientnet']} pictures a set) — one network for "
                     "every family and dataset, so these compare across models (not with Inception FIDs); "
                     "fd_efficientnet_floor: real training vs held-out pictures, alike.")
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


# ---- super-resolution ---------------------------------------------------------------------------

SR_SIZES = (32, 64, 128)     # long sides of the low-resolution inputs (px); the truth is factor × that
PHOTOS_DIR = Path(__file__).resolve().parent.parent / "examples" / "photos"
PSNR_CAP_DB = 100.0          # a picture restored exactly (MSE 0) counts as this, not as infinity


def y_channel(rgb: np.ndarray) -> np.ndarray:
    """uint8 H×W×3 RGB → float64 luma Y in [16, 235]: ITU-R BT.601 as MATLAB's rgb2ycbcr computes
    it (and basicsr's test_y_channel), the channel SR papers report PSNR and SSIM on."""
    return 16.0 + rgb.astype(np.float64) @ np.array([65.481, 128.553, 24.966]) / 255.0


def _crop(a: np.ndarray, border: int) -> np.ndarray:
    return a[border:a.shape[0] - border, border:a.shape[1] - border] if border else a


def psnr_y(out: np.ndarray, truth: np.ndarray, border: int = 0) -> float:
    """PSNR (dB, peak 255) of two uint8 RGB pictures on their Y channel, `border` px cropped on each
    side; PSNR_CAP_DB when they are equal."""
    d = _crop(y_channel(out), border) - _crop(y_channel(truth), border)
    mse = float(np.mean(d * d))
    return PSNR_CAP_DB if mse <= 255.0 ** 2 * 10 ** (-PSNR_CAP_DB / 10) else float(10 * np.log10(255.0 ** 2 / mse))


def ssim_y(out: np.ndarray, truth: np.ndarray, border: int = 0) -> float:
    """SSIM of two uint8 RGB pictures on their Y channel, `border` px cropped on each side, as
    torchmetrics computes it (Gaussian window 11 px, σ 1.5, K 0.01 / 0.03, data range 255, the
    picture reflected at its edges, the map averaged over the whole picture), here in float64 with
    OpenCV's separable filter: torchmetrics' float64 convolution takes seconds per 512-px picture
    on a CPU and its float32 one is 2e-4 off on flat colour (tests/test_sr_metrics.py compares)."""
    a, b = (_crop(y_channel(x), border) for x in (out, truth))
    g = cv2.getGaussianKernel(11, 1.5)

    def blur(x):   # torch's "reflect" padding is OpenCV's BORDER_REFLECT_101
        return cv2.sepFilter2D(x, cv2.CV_64F, g, g, borderType=cv2.BORDER_REFLECT_101)

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = np.maximum(blur(a * a) - mu_a ** 2, 0)
    var_b = np.maximum(blur(b * b) - mu_b ** 2, 0)
    cov = blur(a * b) - mu_a * mu_b
    ssim_map = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.mean())


def shrink(truth: np.ndarray, scale: int) -> np.ndarray:
    """The low-resolution input: the truth shrunk by `scale` with PIL's bicubic (Keys a = −0.5, its
    kernel widened by the factor, i.e. antialiased as MATLAB's imresize), rounded to 8 bits."""
    h, w = truth.shape[:2]
    return np.asarray(Image.fromarray(truth).resize((w // scale, h // scale), Image.Resampling.BICUBIC))


SR_FEATURES = "emoji-classifier"   # the feature network of the feature distance (the emoji SR training's perceptual loss)


def feature_net_sr(name: str = SR_FEATURES):
    """The frozen pre-activation features of a ganzoo classifier's four convolutions, exactly as
    the emoji SR training's perceptual loss takes them (ganzoo.training.sr.perceptual_net)."""
    from .training.sr import perceptual_net  # noqa: PLC0415 - the training package costs ~1.3 s to import: only when needed

    return perceptual_net(name)


@torch.inference_mode()
def feature_l1(net, out: np.ndarray, truth: np.ndarray, border: int = 0) -> float:
    """The perceptual loss of ganzoo.training.sr between two uint8 RGB pictures, `border` px
    cropped: the L1 between their features (pictures in [-1, 1]), averaged over the layers."""
    x = torch.from_numpy(np.stack([_crop(out, border), _crop(truth, border)])).permute(0, 3, 1, 2).float() / 127.5 - 1
    feats = net(x)
    return float(sum((f[0] - f[1]).abs().mean() for f in feats) / len(feats))


@lru_cache(maxsize=4)
def _heldout_svgs(vendor: str) -> tuple[tuple[str, str], ...]:
    """(key, SVG) of the held-out emoji of one vendor of ganzoo.data.sr, sorted by key."""
    return tuple(sorted((k, svg) for k, svg in svg_sources(vendor).items() if is_heldout(k)))


def _spread(items: list, limit: int | None) -> list:
    """`limit` items evenly spaced over the list (all of them without a limit)."""
    if not limit or limit >= len(items):
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, limit).round().astype(int)]


def heldout_emoji(spec: str, size: int, scale: int, limit: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The true pictures of the held-out emoji of ganzoo.data.sr's `spec` (twemoji | openmoji |
    emoji-svg) whose inputs are `size` px: the large half of its pairs, each SVG drawn at scale ×
    size px with the margin the pairs give it, on white; `limit` evenly spaced over them."""
    render = svg_rasteriser()
    items = [(v, k, svg) for v in SR_SPECS[spec] for k, svg in _heldout_svgs(v)]
    out = []
    for vendor, key, svg in _spread(items, limit):
        side, m = size * scale, margin_of(vendor, size) * scale
        rgba = np.zeros((side, side, 4), np.uint8)
        rgba[m:side - m, m:side - m] = render(svg, side - 2 * m)
        out.append((f"{vendor}:{key}", composite_on_white(rgba[..., :3], rgba[..., 3])))
    return out


def photo_crops(long_side: int, scale: int, limit: int | None = None, folder: Path = PHOTOS_DIR) -> list[tuple[str, np.ndarray]]:
    """Centre crops of the example photos at their own resolution: `long_side` px along the photo's
    long side, as much of the short side as the photo has up to that, both multiples of `scale`.
    A photo whose long side is shorter is left out."""
    files = sorted(folder.glob("*.jpg"))
    if not files:
        raise FileNotFoundError(f"no example photos in {folder} (examples/make_photo_examples.py writes them)")
    return centre_crops([(f.stem, np.asarray(Image.open(f).convert("RGB"))) for f in _spread(files, limit)],
                        long_side, scale)


def centre_crops(photos: list[tuple[str, np.ndarray]], long_side: int, scale: int) -> list[tuple[str, np.ndarray]]:
    """photo_crops' crop of each (name, uint8 H×W×3) photo; those shorter than long_side left out."""
    out = []
    for name, img in photos:
        h, w = img.shape[:2]
        if max(h, w) < long_side:
            continue
        ch, cw = (long_side, min(w, long_side)) if h >= w else (min(h, long_side), long_side)
        ch, cw = ch - ch % scale, cw - cw % scale
        y0, x0 = (h - ch) // 2, (w - cw) // 2
        out.append((name, np.ascontiguousarray(img[y0:y0 + ch, x0:x0 + cw])))
    return out


def sr_scores(pipe, truths: list[np.ndarray], scale: int, features=None, imagenet=None) -> tuple[dict, dict, float]:
    """Each true picture shrunk by `scale`, upscaled back by the pipeline (as the app calls it:
    `pipe(picture, scale)`, tiled) and by bicubic: (model scores, bicubic scores, pipeline seconds
    per picture); PSNR/SSIM on Y (and `features`' feature_l1) with a border of `scale` px cropped,
    averaged over the pictures; with `imagenet` (ganzoo.metrics.heldout.imagenet_net()) also the
    FD/KD of each set of results against the true pictures on ImageNet features."""
    acc = {w: {"psnr": [], "ssim": [], **({"feature_l1": []} if features is not None else {})}
           for w in ("model", "bicubic")}
    made = {"model": [], "bicubic": []}
    seconds = 0.0
    for truth in truths:
        small = Image.fromarray(shrink(truth, scale))
        t = time.perf_counter()
        up = np.asarray(pipe(small, scale).convert("RGB"))
        seconds += time.perf_counter() - t
        base = np.asarray(bicubic(small, scale).convert("RGB"))
        for who, out in (("model", up), ("bicubic", base)):
            acc[who]["psnr"].append(psnr_y(out, truth, scale))
            acc[who]["ssim"].append(ssim_y(out, truth, scale))
            if features is not None:
                acc[who]["feature_l1"].append(feature_l1(features, out, truth, scale))
            if imagenet is not None:
                made[who].append(_crop(out, scale))
    mean = {w: {k: float(np.mean(v)) for k, v in d.items()} for w, d in acc.items()}
    if imagenet is not None:
        f_true = imagenet_features(imagenet, [_crop(t, scale) for t in truths])
        for who in mean:
            mean[who].update(imagenet_distances(imagenet_features(imagenet, made[who]), f_true))
    return mean["model"], mean["bicubic"], seconds / max(len(truths), 1)


def sr_heldout(pipe, truths, sizes=SR_SIZES, scale: int | None = None, source: str = "held-out pictures",
               features=None, features_name: str = SR_FEATURES, imagenet=None) -> Report:
    """An upscaler beside bicubic at several input sizes. `truths(px, scale)` gives the true
    pictures whose shrunk versions are px on the long side; `source` words where they come from;
    `features`: the network of the feature distance (feature_net_sr(features_name)) or None;
    `imagenet`: the ImageNet feature net of the FD/KD (imagenet_net()) or None."""
    scale = scale or (pipe.scale if pipe.scale in SCALES else 4)
    metrics, rows, counts, seconds = {}, {}, {}, {}
    for px in sizes:
        pics = [a for _, a in truths(px, scale)]
        if not pics:
            continue
        model, base, seconds[px] = sr_scores(pipe, pics, scale, features, imagenet)
        rows[(px, "model")], rows[(px, "bicubic")], counts[px] = model, base, len(pics)
        key = f"heldout_x{scale}_{px}px"
        for who, sc in (("model", model), ("bicubic", base)):
            metrics[f"{key}_{who}_psnr"], metrics[f"{key}_{who}_ssim"] = round(sc["psnr"], 3), round(sc["ssim"], 4)
            if "feature_l1" in sc:
                metrics[f"{key}_{who}_feature_l1"] = round(sc["feature_l1"], 4)
            metrics.update({f"{key}_{who}_{k}": sc[k] for k in ("fd_efficientnet", "kd_efficientnet") if k in sc})
        metrics[f"{key}_gain_over_bicubic_db"] = round(model["psnr"] - base["psnr"], 2)
    if not counts:
        raise ValueError(f"no {source} large enough for inputs of {', '.join(map(str, sizes))} px")
    for px, n in counts.items():
        metrics[f"n_heldout_{px}px"] = n
    precision = "bf16" if pipe.bf16 else "fp32"
    sizes_text = ", ".join(f"{px} px ({n} pictures)" for px, n in counts.items()) if len(set(counts.values())) > 1 else \
        f"{', '.join(map(str, counts))} px ({next(iter(counts.values()))} pictures each)"
    notes = (f"Measured on {source}: each true picture shrunk ×1/{scale} with PIL's bicubic (Keys a = −0.5, antialiased "
             f"like MATLAB's imresize) and rounded to 8 bits, then upscaled ×{scale} by the model as the app runs it "
             f"(SRPipeline, tiles of {TILE} px with {pipe.overlap} px of context, {precision}) and by PIL's bicubic (the "
             f"baseline); low-resolution long sides {sizes_text}. PSNR (peak 255) and SSIM (torchmetrics' definition: "
             "Gaussian 11 px, σ 1.5, edges reflected; in float64) on the Y channel (BT.601, as MATLAB's rgb2ycbcr), a "
             f"border of {scale} px cropped, per picture and averaged; gain_over_bicubic_db: the model's PSNR minus "
             "bicubic's. " + (
                 f"feature_l1: the L1 between the pre-activation features of the four convolutions of ganzoo's "
                 f"`{features_name}` (pictures in [-1, 1], the border cropped), averaged over the layers: the perceptual "
                 "loss of ganzoo's emoji SR training (ganzoo.training.sr), so it flatters a model trained with it; a "
                 "small emoji CNN's features, not LPIPS (no LPIPS / VGG weights offline). " if features is not None else
                 "No perceptual distance (no LPIPS / VGG weights offline; the feature network was left out). ") +
             "A GAN upscaler draws plausible detail, which PSNR and SSIM count as error, so bicubic can beat it on them." +
             (f" {IMAGENET_NOTE}: here the upscaled pictures against the true ones (the border cropped), the model "
              "beside bicubic on the same pictures." if imagenet is not None else ""))
    return Report(metrics, notes, rows, {"n": counts, "sizes": tuple(counts), "scale": scale, "precision": precision,
                                         "seconds_per_picture": seconds})


EMOJI_RECIPES = ("noto", "twemoji", "emoji", "emoji-categories")   # bitmap recipes: measured on the Twemoji SVGs


def sr_truths(ckpt, limit: int | None = None):
    """(truths(px, scale), words): what an sr checkpoint is measured on. A released model (config
    "released"): the example photos' centre crops; one trained on ganzoo.data.sr's emoji SVGs: the
    held-out emoji of that data (an emoji recipe's: of its Twemoji SVGs); one trained on other
    data: that data's held-out split, square at factor × px."""
    files = sorted(PHOTOS_DIR.glob("*.jpg"))
    if "released" in ckpt.config:
        names = ", ".join(p.stem for p in _spread(files, limit))
        return (lambda px, s: photo_crops(px * s, s, limit),
                f"the {len(_spread(files, limit))} example photos of examples/photos ({names}; public domain / CC0 "
                "photos from scikit-image, not in the model's stated training data), a centre crop of each at its own "
                "resolution, factor × the input size along its long side (a photo too small for a size is left out "
                "there)")
    name = ckpt.config.get("data", {}).get("name", "")
    if name == PHOTO_SR:
        max_side = ckpt.config["data"].get("photo_max_side", PHOTO_MAX_SIDE)
        held = _spread(load_photos("test", max_side=max_side), limit)
        return (lambda px, s: centre_crops(held, px * s, s),
                f"the {len(held)} held-out photos of ganzoo.data.photos ({', '.join(n for n, _ in held)}; never trained "
                f"on), read at {max_side} px on the long side as the training photos are, a centre crop of each, factor "
                "× the input size along its long side")
    spec = name if name in SR_SPECS else "twemoji" if name in EMOJI_RECIPES else None
    if spec:
        total = sum(len(_heldout_svgs(v)) for v in SR_SPECS[spec])
        whose = " and ".join({"twemoji": "Twemoji", "openmoji": "OpenMoji"}[v] for v in SR_SPECS[spec])
        return (lambda px, s: heldout_emoji(spec, px, s, limit),
                f"{min(limit or total, total)} held-out emoji ({whose} SVGs of ganzoo.data.sr's {spec!r}, skin-tone "
                "variants left out; the emoji recipes' held-out code points, never trained on"
                + ("; evenly spaced over them" if limit and limit < total else "") + "), each SVG drawn at factor × "
                "the input size as the large half of that data's training pairs is")
    if not name:
        raise ValueError(f"{ckpt.path.name} names no training data and is no released model: nothing to measure it on")

    def held(px, s):
        images = load_images(name, "test", px * s).images
        return [(str(i), a) for i, a in enumerate(_spread(list(images), limit))]
    return held, f"the held-out split of {name}, square at factor × the input size"


# ---- one evaluator per family (named in its registry record): checkpoint -> Report ----------------

def latent_metrics(ckpt, features=("classifier",), n: int = 10_000, seed: int = 0, classifier: str | None = None,
                   efficientnet_n: int = EFFICIENTNET_N, **_) -> Report:
    return measure_latent(ckpt, features, n, seed, classifier=classifier, efficientnet_n=efficientnet_n)


# image-to-image families: `features` naming "efficientnet" (the default) adds the ImageNet-feature
# FD/KD (ganzoo.metrics.heldout.imagenet_net) next to their pixel numbers

def pix2pix_metrics(ckpt, precision: str = "auto", features=I2I_FEATURES, **_) -> Report:
    return pix2pix_heldout(Pix2PixPipeline(ckpt, precision), ckpt.config["data"]["name"], imagenet_net(features))


def cyclegan_metrics(ckpt, precision: str = "auto", features=I2I_FEATURES, **_) -> Report:
    sources = ckpt.config.get("domains") or ckpt.config["data"]["sources"]
    return cyclegan_heldout(CycleGANPipeline(ckpt, precision), tuple(sources), imagenet_net(features))


def inpaint_metrics(ckpt, limit: int | None = None, sizes=None, features=I2I_FEATURES, **_) -> Report:
    return inpaint_heldout(InpaintPipeline(ckpt), ckpt.config["data"]["name"], limit, tuple(sizes or INPAINT_SIZES),
                           imagenet=imagenet_net(features))


def sr_metrics(ckpt, limit: int | None = None, sizes=None, precision: str | None = None, scale: int | None = None,
               sr_features: str | None = SR_FEATURES, features=I2I_FEATURES, **_) -> Report:
    truths, source = sr_truths(ckpt, limit)
    net = feature_net_sr(sr_features) if sr_features else None
    return sr_heldout(SRPipeline(ckpt, precision), truths, tuple(sizes or SR_SIZES), scale, source, net,
                      sr_features or "", imagenet_net(features))


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
    ap.add_argument("--features", nargs="+", default=["classifier", "efficientnet"],
                    choices=["classifier", "efficientnet", "inception"],
                    help="latent models' feature networks (inception needs torch-fidelity and its download); "
                         "image-to-image models: efficientnet adds the ImageNet-feature FD/KD")
    ap.add_argument("--efficientnet-n", type=int, default=EFFICIENTNET_N,
                    help="latent models: pictures a set for the EfficientNet distances")
    ap.add_argument("-n", type=int, default=10_000, help="images to generate")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--classifier", help="latent models: the judging classifier checkpoint (default: ganzoo's for the dataset)")
    ap.add_argument("--limit", type=int, help="inpaint / sr: at most this many held-out pictures (evenly spaced for sr)")
    ap.add_argument("--sizes", type=int, nargs="+", help="inpaint / sr: the input sizes (px; sr: the low-resolution long side)")
    ap.add_argument("--sr-features", default=SR_FEATURES,
                    help="sr: the ganzoo classifier whose features give feature_l1 ('' for none)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave config.json and the card alone")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        rep = evaluate(a.checkpoint, write=not a.no_write, features=a.features, n=a.n, seed=a.seed,
                       classifier=a.classifier, limit=a.limit, sizes=a.sizes,
                       sr_features=a.sr_features, efficientnet_n=a.efficientnet_n)
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
