#!/usr/bin/env python
"""A small, honest "Are GANs Created Equal?" (Lucic et al. 2018) on MNIST with ganzoo.

    python bench/gans_created_equal.py                 # train what is missing, evaluate, print the table
    python bench/gans_created_equal.py --jobs 2        # two runs at a time (one thread each)
    python bench/gans_created_equal.py --export-best   # also copy each variant's best run to checkpoints/

Every variant trains the same class-conditional DCGAN generator (ngf 32; the VAE's decoder is that
generator, its encoder the discriminator's body) for the same number of generator updates and batch
size, with the optimiser settings its paper uses (ganzoo's LOSS_PRESETS), from 3 seeds. Judged by
ganzoo's MNIST classifier: Fréchet / kernel distance of its features between 10,000 generated digits
(1,000 per class) and the 1,000 held-out digits ("FD/KD (classifier features)", not Inception FID),
and the share of generated digits recognised as the requested class. Runs live in runs/study/
(a finished run is not retrained); the results land in bench/results/gans_created_equal.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data import load_images  # noqa: E402
from ganzoo.evaluate import evaluate_latent  # noqa: E402
from ganzoo.metrics.distribution import feature_net, fid_kid  # noqa: E402
from ganzoo.utils import to_tensor  # noqa: E402

VARIANTS = {  # name shown -> --loss
    "NS GAN": "ns", "LSGAN": "lsgan", "WGAN (clipping)": "wgan", "WGAN-GP": "wgan-gp",
    "SNGAN (hinge + SN)": "hinge", "VAE": "vae"}


def run_dir(root: Path, loss: str, seed: int) -> Path:
    return root / f"{loss}-seed{seed}"


def train(loss: str, seed: int, a) -> Path:
    out = run_dir(Path(a.runs), loss, seed)
    if (out / "final" / "config.json").is_file():
        return out
    # relative paths: the command is recorded in the model card
    cmd = ["python", "train/latent.py", "--dataset", "mnist", "--conditional",
           "--loss", loss, "--ngf", str(a.width), "--ndf", str(a.width), "--steps", str(a.steps),
           "--batch-size", str(a.batch_size), "--seed", str(seed), "--threads", "1",
           "--sample-every", str(a.steps), "--ckpt-every", str(max(a.steps // 4, 1)),
           "--out", str(out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out),
           "--no-progress", "--resume"]
    print("$", " ".join(cmd), flush=True)
    subprocess.run([sys.executable, *cmd[1:]], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return out


def evaluate(out: Path, net, real: torch.Tensor, per_class: int) -> dict:
    """The same measurement as `python -m ganzoo.evaluate` (10 classes × per_class samples, seed 0)."""
    ckpt = ganzoo.load(out / "final")
    m = evaluate_latent(ckpt, ("classifier",), n=10 * per_class, real=real, nets={"classifier": net})
    return {"fd": m["fd_classifier"], "kd": m["kd_classifier"], "class_accuracy": m["class_accuracy"],
            "wall_time_s": ckpt.config["training"]["wall_time_s"]}


def figure(rows: list[dict], runs: Path, path: Path) -> None:
    """The best run's sample grid of every variant side by side, labelled, for the README."""
    from PIL import Image, ImageDraw

    grids = [(r["variant"], Image.open(run_dir(runs, r["loss"], r["best_seed"]) / "final" / "samples.png").convert("RGB"))
             for r in rows]
    w, h = grids[0][1].size
    cols = min(3, len(grids))
    out = Image.new("RGB", (cols * (w + 10) - 10, ((len(grids) + cols - 1) // cols) * (h + 16)), "white")
    draw = ImageDraw.Draw(out)
    for i, (name, im) in enumerate(grids):
        x, y = (i % cols) * (w + 10), (i // cols) * (h + 16)
        out.paste(im, (x, y + 16))
        draw.text((x + 2, y + 2), name, fill="black")
    out.save(path)


def mean_std(v: list[float]) -> tuple[float, float]:
    return statistics.fmean(v), (statistics.stdev(v) if len(v) > 1 else 0.0)


def export_best(name: str, loss: str, best: Path, row: dict, a) -> Path:
    dest = ROOT / "checkpoints" / f"mnist-{loss}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(best / "final", dest)
    r = row["best_run"]
    record_metrics(dest, {"fd_classifier": round(r["fd"], 3), "kd_classifier": round(r["kd"], 5),
                          "class_accuracy": round(r["class_accuracy"], 4)},
                   f"Best of {a.seeds} seeds in `python bench/gans_created_equal.py` (the README's table has "
                   f"the mean ± std), measured as `python -m ganzoo.evaluate` does. fd/kd_classifier: Fréchet / "
                   f"kernel distance of mnist-classifier features, {10 * a.per_class:,} generated vs the held-out "
                   f"digits — classifier features, not Inception FID; class_accuracy: generated digits "
                   f"recognised as the requested class.")
    return dest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=1500, help="generator updates per run (all variants)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--width", type=int, default=32, help="ngf = ndf")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS.values()), choices=list(VARIANTS.values()))
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time, one thread each")
    ap.add_argument("--per-class", type=int, default=1000, help="generated digits per class for the metrics")
    ap.add_argument("--runs", default=str(ROOT / "runs" / "study"))
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "gans_created_equal.json"))
    ap.add_argument("--export-best", action="store_true", help="copy each variant's best run to checkpoints/mnist-LOSS")
    a = ap.parse_args()

    jobs = [(loss, s) for loss in a.variants for s in range(a.seeds)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(a.jobs) as pool:
        list(pool.map(lambda j: train(*j, a), jobs))
    print(f"training done in {time.perf_counter() - t0:.0f} s", flush=True)

    torch.set_num_threads(max(a.jobs, 1))
    net = feature_net("classifier", "mnist")
    real = to_tensor(load_images("mnist", "test").images)
    names = {v: k for k, v in VARIANTS.items()}
    rows = []
    for loss in a.variants:
        runs = [(run_dir(Path(a.runs), loss, s), evaluate(run_dir(Path(a.runs), loss, s), net, real, a.per_class))
                for s in range(a.seeds)]
        best_dir, best = min(runs, key=lambda r: r[1]["fd"])
        row = {"variant": names[loss], "loss": loss, "runs": [r for _, r in runs], "best_run": best,
               "best_seed": int(best_dir.name.rsplit("seed", 1)[1])}
        for k in ("fd", "kd", "class_accuracy", "wall_time_s"):
            row[k] = mean_std([r[k] for _, r in runs])
        if a.export_best:
            row["checkpoint"] = export_best(names[loss], loss, best_dir, row, a).name
        rows.append(row)

    print(f"\nMNIST, class-conditional DCGAN (ngf {a.width}), {a.steps} generator updates × batch "
          f"{a.batch_size}, {a.seeds} seeds; metrics from {net.label}, {10 * a.per_class:,} generated vs "
          f"{len(real):,} held-out digits\n")
    print("| variant | FD (classifier features) ↓ | KD ×10³ ↓ | class accuracy ↑ | wall time / run (1 CPU thread) "
          "| best seed: FD |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        (fd, fds), (kd, kds), (ca, cas), (wt, wts) = r["fd"], r["kd"], r["class_accuracy"], r["wall_time_s"]
        print(f"| {r['variant']} | {fd:.2f} ± {fds:.2f} | {kd * 1e3:.1f} ± {kds * 1e3:.1f} | "
              f"{ca:.1%} ± {cas:.1%} | {wt:.0f} ± {wts:.0f} s | {r['best_seed']}: {r['best_run']['fd']:.2f} |")
    floor = fid_kid(real, to_tensor(load_images("mnist", "train").images), net)
    print(f"| real training digits (floor) | {floor['fid']:.2f} | {floor['kid_mean'] * 1e3:.1f} | | | |")
    out = Path(a.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure(rows, Path(a.runs), out.with_suffix(".png"))
    out.write_text(json.dumps({"settings": {"steps": a.steps, "batch_size": a.batch_size, "width": a.width,
                                            "seeds": a.seeds, "per_class": a.per_class, "features": net.label},
                               "floor": {"fd": floor["fid"], "kd": floor["kid_mean"]}, "rows": rows}, indent=2))
    print(f"\nwrote {out} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
