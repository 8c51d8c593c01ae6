"""Held-out measurements of the image-to-image families, run as the app runs the models.

Shared by `python -m ganzoo.evaluate` (numbers into config.json and the card) and the bench
scripts (which add tables, baselines and figures). Each `*_heldout` function returns a Report:
the flat metrics under the keys the cards use, a sentence on how they were measured, and the raw
rows and tensors for printing and grids. Images are in [0, 1] for every metric.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from ..data import load_images
from ..data.masks import HOLE_SIZES, free_form_masks
from ..data.paired import load_pairs
from ..data.sketchaug import degrade_sketch
from ..utils import to_tensor
from .distribution import FeatureNet, feature_net, fid_kid_features
from .distribution import features as extract
from .paired import pairwise_l1, retrieval_ranks, retrieval_report

SKETCH_SEED = 1234      # the hand-drawn degradations of the held-out line art
MASK_SEED = 2024        # the held-out inpainting masks (one stream per hole size)


@dataclass
class Report:
    metrics: dict
    notes: str
    rows: dict
    extra: dict = field(default_factory=dict)   # tensors and facts the bench scripts draw from


def _unit(x: torch.Tensor) -> torch.Tensor:
    return (x.float().clamp(-1, 1) + 1) / 2


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    from torchmetrics.functional.image import structural_similarity_index_measure  # noqa: PLC0415 - training dependency

    return float(structural_similarity_index_measure(_unit(a), _unit(b), data_range=1.0))


# ---- ImageNet features (every family) -----------------------------------------------------------

IMAGENET = "efficientnet"
FLOOR_SEED = 7          # which training pictures make the real-vs-real floor


def imagenet_net(features=(IMAGENET,)) -> FeatureNet | None:
    """EfficientNet-Lite0's feature net (ganzoo.metrics.distribution) when `features` names it."""
    return feature_net(IMAGENET) if IMAGENET in (features or ()) else None


def imagenet_features(net: FeatureNet, pictures) -> torch.Tensor:
    """N×1280 pooled ImageNet features of pictures: a tensor in [-1, 1] (N×C×H×W), or uint8
    H×W×3 arrays (a stacked array, or a list of pictures of different sizes: each is enlarged to
    224 px on its own)."""
    if isinstance(pictures, torch.Tensor):
        return extract(pictures.float().clamp(-1, 1), net)
    if isinstance(pictures, np.ndarray):
        return extract(to_tensor(pictures), net)
    if not len(pictures):
        return torch.zeros(0, net.feature.num_features)
    return torch.cat([extract(to_tensor(np.asarray(p)[None]), net) for p in pictures])


def imagenet_distances(f_fake: torch.Tensor, f_real: torch.Tensor) -> dict[str, float]:
    """FD and KD on ImageNet features ({"fd_efficientnet", "kd_efficientnet"}); {} when either
    set has fewer than 2 pictures. With small sets the FD is mostly its bias (it grows as the set
    shrinks): compare numbers only at equal set sizes, e.g. a model with its baseline."""
    if len(f_fake) < 2 or len(f_real) < 2:
        return {}
    m = fid_kid_features(f_real, f_fake, "EfficientNet-Lite0")
    return {"fd_efficientnet": round(m["fid"], 3), "kd_efficientnet": round(m["kid_mean"], 5)}


IMAGENET_NOTE = ("fd/kd_efficientnet: Fréchet and kernel distance between the results and the true pictures on the "
                 "ImageNet EfficientNet-Lite0's pooled features (pictures enlarged to 224 px; lower is better; one "
                 "network for every family, not Inception's FID; biased upwards for small sets, so compared only at "
                 "equal set sizes)")


# ---- pix2pix ------------------------------------------------------------------------------------

def chroma(x01: torch.Tensor, inside: torch.Tensor) -> float:
    # max − min of RGB (colourfulness that, unlike HSV saturation, does not blow up near-white
    # noise), averaged inside the true emoji: the white background would only dilute it
    c = x01.amax(1) - x01.amin(1)
    return float((c * inside).sum() / inside.sum().clamp(min=1))


def sharpness(x01: torch.Tensor) -> float:
    g = x01.mean(1, keepdim=True)
    return float(((g[..., 1:, :] - g[..., :-1, :]).abs().mean() + (g[..., :, 1:] - g[..., :, :-1]).abs().mean()) / 2)


def inside(r01: torch.Tensor) -> torch.Tensor:
    return (r01.amin(1) < 0.9).float()  # not (near-)white in the true picture


def translation_scores(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    from torchmetrics.functional.image import peak_signal_noise_ratio  # noqa: PLC0415 - training dependency

    f, r = _unit(fake), _unit(real)
    return {"l1": float((f - r).abs().mean()), "psnr": float(peak_signal_noise_ratio(f, r, data_range=1.0)),
            "ssim": ssim(fake, real), "chroma": chroma(f, inside(r)), "sharpness": sharpness(f)}


@torch.inference_mode()
def run_batched(fn, x: torch.Tensor, *args, batch: int = 32) -> torch.Tensor:
    return torch.cat([fn(x[i:i + batch], *[a[i:i + batch] for a in args]) for i in range(0, len(x), batch)])


def pix2pix_heldout(pipe, data_name: str, imagenet: FeatureNet | None = None) -> Report:
    """Clean and hand-drawn-looking held-out inputs against their true targets; with `imagenet`
    (imagenet_net()) also their ImageNet-feature distances, and the floor: as many true training
    targets against the held-out ones."""
    held = load_pairs(data_name, "test", pipe.size)
    clean, real = to_tensor(held.a), to_tensor(held.b)
    degraded = degrade_sketch(clean, torch.Generator().manual_seed(SKETCH_SEED))
    rows, outs = {}, {}
    for kind, inp in (("clean", clean), ("handdrawn", degraded)):
        outs[kind] = run_batched(pipe.run, inp)
        rows[kind] = translation_scores(outs[kind], real)
    r01 = _unit(real)
    truth = {"chroma": chroma(r01, inside(r01)), "sharpness": sharpness(r01)}
    metrics = {f"heldout_{k}": round(v, 4) for k, v in rows["clean"].items()}
    metrics.update({f"heldout_handdrawn_{k}": round(v, 4) for k, v in rows["handdrawn"].items()})
    metrics.update({f"true_{k}": round(v, 4) for k, v in truth.items()})
    if imagenet is not None:
        f_real = imagenet_features(imagenet, real)
        for kind, prefix in (("clean", ""), ("handdrawn", "handdrawn_")):
            d = imagenet_distances(imagenet_features(imagenet, outs[kind]), f_real)
            metrics.update({f"heldout_{prefix}{k}": v for k, v in d.items()})
        train = load_pairs(data_name, "train", pipe.size).b
        pick = np.random.default_rng(FLOOR_SEED).permutation(len(train))[:len(held)]
        floor = imagenet_distances(imagenet_features(imagenet, train[np.sort(pick)]), f_real)
        if floor:
            metrics["heldout_fd_efficientnet_floor"] = floor["fd_efficientnet"]
    precision = "bf16" if pipe.bf16 else "fp32"
    notes = (f"Measured on the {len(held)} held-out {data_name} pairs (never trained on), run as the app runs "
             f"it ({precision} here), inputs = the clean line art; `handdrawn` = the same line art through the "
             f"training degradations (seed {SKETCH_SEED}). L1/PSNR/SSIM from torchmetrics on [0, 1] images; "  # noqa: PLC0415 - training dependency
             "chroma = mean RGB max − min inside the true picture (colourfulness); sharpness = mean absolute "
             "grey-level gradient; true_* = the same for the true targets." + (
                 f" {IMAGENET_NOTE}; heldout_fd_efficientnet_floor: {len(held)} true training targets against the "
                 "held-out ones, what a perfect model would score." if imagenet is not None else ""))
    return Report(metrics, notes, rows, {"clean": clean, "real": real, "outs": outs, "truth": truth,
                                         "n": len(held), "precision": precision})


# ---- CycleGAN -----------------------------------------------------------------------------------

def spread(x: torch.Tensor, n: int = 128) -> float:
    """Mean L1 between different images of a set (its variety); 0 for a collapsed generator."""
    idx = torch.linspace(0, len(x) - 1, min(n, len(x))).long()
    d = pairwise_l1(x[idx], x[idx])
    return float(d.sum() / max(d.numel() - len(idx), 1))


def _partner_scores(q: torch.Tensor, tgt: torch.Tensor, partner: torch.Tensor) -> dict[str, float]:
    r1 = retrieval_report(retrieval_ranks(q, tgt, partner, p=1))
    r2 = retrieval_report(retrieval_ranks(q, tgt, partner, p=2))
    return {"l1": float((q - tgt[partner]).abs().mean() / 2), "ssim": ssim(q, tgt[partner]),
            "top1": r1["top1"], "top10": r1["top10"], "median_rank": r1["median_rank"],
            "l2_top1": r2["top1"], "l2_median_rank": r2["median_rank"], "spread": spread(q)}


def cyclegan_heldout(pipe, sources: tuple[str, str], imagenet: FeatureNet | None = None) -> Report:
    """Both directions on held-out images that exist in both domains (same key = true partner):
    G(x) against x's partner, next to the identity baseline (x itself); with `imagenet`, also the
    ImageNet-feature distance of G(x) (and of x) to all held-out pictures of the target domain."""
    src_a, src_b = sources
    size = pipe.cfg.img_size
    A, B = load_images(src_a, "test", size), load_images(src_b, "test", size)
    ia = {k: i for i, k in enumerate(A.keys)}
    ib = {k: i for i, k in enumerate(B.keys)}
    common = sorted(set(ia) & set(ib))
    if not common:
        raise ValueError(f"the held-out splits of {src_a} and {src_b} share no keys: no true partners to compare with")
    xa, xb = to_tensor(A.images), to_tensor(B.images)
    pa, pb = torch.tensor([ia[k] for k in common]), torch.tensor([ib[k] for k in common])
    rows, outs = {}, {}
    for d, src, tgt, part in (("a2b", xa[pa], xb, pb), ("b2a", xb[pb], xa, pa)):
        outs[d] = run_batched(lambda x, d=d: pipe.run(x, d), src).clamp(-1, 1)
        rows[d] = {"model": _partner_scores(outs[d], tgt, part), "identity": _partner_scores(src, tgt, part),
                   "target_spread": spread(tgt[part])}
    metrics = {}
    for d, r in rows.items():
        for who, m in (("", r["model"]), ("identity_", r["identity"])):
            metrics.update({f"heldout_{d}_{who}{k}": round(v, 4) for k, v in m.items() if k != "spread"})
    if imagenet is not None:   # each domain's pictures through the network once: targets and inputs alike
        f_a, f_b = imagenet_features(imagenet, xa), imagenet_features(imagenet, xb)
        for d, f_src, f_tgt in (("a2b", f_a[pa], f_b), ("b2a", f_b[pb], f_a)):
            for who, f in (("", imagenet_features(imagenet, outs[d])), ("identity_", f_src)):
                metrics.update({f"heldout_{d}_{who}{k}": v for k, v in imagenet_distances(f, f_tgt).items()})
    precision = "bf16" if pipe.bf16 else "fp32"
    notes = (f"Measured on the {len(common)} held-out images (split by key, never trained on) that exist in both "
             f"domains, run as the app runs it ({precision} here). l1/ssim: G(x) against x's true partner, images "
             f"in [0, 1]; top1/top10/median_rank: rank of that partner among all held-out target images "
             f"({len(B.keys)} {src_b}, {len(A.keys)} {src_a}) by L1 distance to G(x) (l2_*: by L2 distance); "
             "`identity_*`: the same numbers for x itself, the baseline a model has to beat." + (
                 f" {IMAGENET_NOTE}: here G(x) against all held-out pictures of the target domain." if imagenet is not None
                 else ""))
    return Report(metrics, notes, rows, {"xa": xa[pa], "xb": xb[pb], "outs": outs, "n": len(common),
                                         "n_a": len(A.keys), "n_b": len(B.keys), "precision": precision})


# ---- inpainting ---------------------------------------------------------------------------------

OPENCV = tuple((method, radius) for method in ("telea", "ns") for radius in (1, 3, 5))
INPAINT_SIZES = (64, 128, 256)   # input sizes of the held-out pictures (px)
CHUNK = 64


def cv2_fill(img: np.ndarray, hole: np.ndarray, method: str, radius: int) -> np.ndarray:
    """OpenCV's classical inpainting of an RGB uint8 picture (Telea's fast marching or Navier–Stokes)."""
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    out = cv2.inpaint(np.ascontiguousarray(img[..., ::-1]), hole.astype(np.uint8) * 255, radius, flag)
    return np.ascontiguousarray(out[..., ::-1])


class HoleScores:
    """Sums over a set of pictures, inside their holes: squared error (PSNR from the MSE over all
    hole pixels of the set), the per-pixel SSIM map and L1, on [0, 1] images."""

    def __init__(self):
        self.se = self.ssim = self.l1 = self.n = 0.0

    def add(self, out: np.ndarray, real: np.ndarray, holes: np.ndarray) -> None:
        """out, real: N×H×W×3 uint8; holes: N×H×W bool."""
        from torchmetrics.functional.image import structural_similarity_index_measure  # noqa: PLC0415 - training dependency

        o = torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255
        r = torch.from_numpy(real).permute(0, 3, 1, 2).float() / 255
        h = torch.from_numpy(holes)[:, None].expand_as(r)
        _, ssim_map = structural_similarity_index_measure(o, r, data_range=1.0, return_full_image=True)
        self.se += float(((o - r) ** 2)[h].sum())
        self.l1 += float((o - r).abs()[h].sum())
        self.ssim += float(ssim_map[h].sum())
        self.n += float(h.sum())

    def result(self) -> dict[str, float]:
        n = max(self.n, 1.0)
        return {"psnr": float(10 * np.log10(n / max(self.se, 1e-12))), "ssim": self.ssim / n, "l1": self.l1 / n}


def inpaint_heldout(pipe, data_name: str, limit: int | None = None, sizes=INPAINT_SIZES, keep: int = 6,
                    imagenet: FeatureNet | None = None) -> Report:
    """The inpainter exactly as the app runs it (`pipe.inpaint` on a picture whose hole is painted
    over), next to every OpenCV setting, on held-out pictures at several input sizes and three hole
    sizes. The hole is pre-filled with a random colour per picture: a result that depends on it is
    wrong. `best opencv` is, per input size and hole size, the OpenCV setting with the best PSNR.
    With `imagenet`, the model's and the best OpenCV setting's whole results against the true
    pictures on ImageNet features too."""
    grey = pipe.cfg.channels == 1
    rows, best, gains, picks, dists, n_images = {}, {}, {}, {}, {}, 0
    for si, px in enumerate(sizes):
        images = load_images(data_name, "test", px).images
        images = images[:limit] if limit else images
        if grey:
            images = np.repeat(np.round(images.mean(-1, keepdims=True)).astype(np.uint8), 3, -1)
        n_images = len(images)
        f_real = imagenet_features(imagenet, images) if imagenet is not None else None
        for hi, (hole_name, coverage) in enumerate(HOLE_SIZES.items()):
            stream = MASK_SEED + 100 * si + hi
            holes = free_form_masks(len(images), px, torch.Generator().manual_seed(stream), coverage=coverage)
            holes = holes[:, 0].numpy() > 0.5
            colours = np.random.default_rng(stream).integers(0, 256, (len(images), 3), dtype=np.uint8)
            methods = ["ganzoo"] + [f"{m} r{r}" for m, r in OPENCV]
            acc = {m: HoleScores() for m in methods}
            chosen = set(np.linspace(0, len(images) - 1, keep).round().astype(int).tolist()) if keep else set()
            kept = {m: [] for m in ["input", *methods, "real"]}
            f_model = []
            for c0 in range(0, len(images), CHUNK):
                real, hole = images[c0:c0 + CHUNK], holes[c0:c0 + CHUNK]
                painted = np.where(hole[..., None], colours[c0:c0 + CHUNK, None, None], real)
                outs = {"ganzoo": np.stack([np.asarray(pipe.inpaint(p, h).image) for p, h in zip(painted, hole)])}
                for m, r in OPENCV:
                    outs[f"{m} r{r}"] = np.stack([cv2_fill(p, h, m, r) for p, h in zip(painted, hole)])
                for m in methods:
                    acc[m].add(outs[m], real, hole)
                if imagenet is not None:
                    f_model.append(imagenet_features(imagenet, outs["ganzoo"]))
                for j in sorted(i - c0 for i in chosen if c0 <= i < c0 + len(real)):
                    kept["input"].append(painted[j]), kept["real"].append(real[j])
                    for m in methods:
                        kept[m].append(outs[m][j])
            for m in methods:
                rows[(px, hole_name, m)] = acc[m].result()
            b = max((m for m in methods if m != "ganzoo"), key=lambda m: rows[(px, hole_name, m)]["psnr"])
            best[(px, hole_name)] = b
            if imagenet is not None:   # the best setting is known only now: run it once more
                method, radius = OPENCV[methods.index(b) - 1]
                painted = np.where(holes[..., None], colours[:, None, None], images)
                filled = np.stack([cv2_fill(p, h, method, radius) for p, h in zip(painted, holes)])
                dists[(px, hole_name)] = {"ganzoo": imagenet_distances(torch.cat(f_model), f_real),
                                          "best_opencv": imagenet_distances(imagenet_features(imagenet, filled), f_real)}
            gains[(px, hole_name)] = rows[(px, hole_name, "ganzoo")]["psnr"] - rows[(px, hole_name, b)]["psnr"]
            picks[(px, hole_name)] = {k: np.stack(v) for k, v in kept.items() if v} | {"best": b}
    metrics = {}
    for (px, h), b in best.items():
        for who, key in (("ganzoo", "ganzoo"), ("best_opencv", b)):
            metrics.update({f"heldout_{px}px_{h}_{who}_{k}": round(v, 4) for k, v in rows[(px, h, key)].items()})
        metrics[f"heldout_{px}px_{h}_gain_db"] = round(gains[(px, h)], 2)
        metrics[f"heldout_{px}px_{h}_best_opencv_method"] = b
        for who, d in dists.get((px, h), {}).items():
            metrics.update({f"heldout_{px}px_{h}_{who}_{k}": v for k, v in d.items()})
    hole_text = ", ".join(f"{h} {lo:.0%}–{hi:.0%}" for h, (lo, hi) in HOLE_SIZES.items())
    notes = (f"Measured on {n_images} held-out {data_name} pictures (never trained on) at {', '.join(map(str, sizes))} px, "
             f"run as the app runs the model (the picture with its hole painted a random colour, at its own "
             f"size, through the pipeline); seeded free-form holes per hole size ({hole_text} of the picture); "
             "metrics inside the hole on [0, 1] images (PSNR from the MSE over all hole pixels, SSIM map "
             "averaged over the hole, L1). best_opencv: per input size and hole size, the best by PSNR of "
             "OpenCV's Telea and Navier–Stokes at radius 1, 3 and 5; gain_db: the model's PSNR minus it." + (
                 f" {IMAGENET_NOTE}: here the whole filled pictures." if imagenet is not None else ""))
    return Report(metrics, notes, rows, {"best": best, "gains": gains, "picks": picks, "n": n_images,
                                         "sizes": tuple(sizes), "precision": "bf16" if pipe.bf16 else "fp32"})
