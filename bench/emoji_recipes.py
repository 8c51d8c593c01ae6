#!/usr/bin/env python
"""Pilot runs of colour latent-GAN recipes: which change to the bundled emoji-gan recipe learns faster?

    python bench/emoji_recipes.py                          # every recipe, 504 generator updates each
    python bench/emoji_recipes.py --recipes base no-cutout --steps 1000 --jobs 2
    python bench/emoji_recipes.py --recipes base fastgan --minutes 12   # equal wall-clock instead

Every recipe is the bundled emoji-gan's training command (read from checkpoints/emoji-gan/config.json)
with a few options changed, trained for the same number of generator updates at the same batch size
from the same seed, one thread per run (`--jobs` runs at a time). Judged as `python -m ganzoo.evaluate`
judges a model: Fréchet / kernel distance of emoji-classifier features between `-n` generated pictures
(classes in the training data's proportions) and the held-out emoji, and the memorisation ratio.
Equal updates by default: the table's wall time and images/s say what each recipe costs, so a
slower recipe must win by more than its cost. With `--minutes M` every run gets the same wall-clock
budget instead (`--time-budget`; all recipes run at once, one thread each, so they share the machine
alike: keep --jobs ≥ the number of recipes and the machine otherwise quiet). An early FD only ranks
recipes for a longer run; it is not the model's quality. Runs live in runs/recipes/STEPS/NAME or
runs/recipes/Mmin/NAME (a finished run is not retrained); results land in
bench/results/emoji_recipes.json (one file per mode: emoji_recipes_Mmin.json for a time budget). Precision is
the machine's, the same for every recipe: bf16 where the CPU computes it natively, else fp32.
"""
from __future__ import annotations

import argparse
import functools
import json
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.evaluate import evaluate_latent  # noqa: E402

BASE_MODEL = ROOT / "checkpoints" / "emoji-gan"
# options of the base command that belong to one run, not to the recipe
RUN_OPTIONS = {"--steps", "--out", "--export", "--threads", "--sample-every", "--ckpt-every", "--time-budget",
               "--seed", "--resume", "--no-progress", "--init-from"}
RECIPES: dict[str, tuple[str, dict[str, str | None]]] = {   # name -> (what changes, option overrides)
    "base": ("the bundled emoji-gan recipe", {}),
    "no-cutout": ("DiffAugment without cutout", {"--diffaug": "color,translation"}),
    "adam-0.5": ("Adam β 0.5 / 0.999 (SNGAN's n_dis = 1 setting)", {"--beta1": "0.5", "--beta2": "0.999"}),
    "ttur": ("two learning rates: G 1e-4, D 4e-4", {"--lr-g": "1e-4", "--lr-d": "4e-4"}),
    "wide-g": ("a wider generator: ngf 64 (D stays 48)", {"--ngf": "64"}),
    "categories": ("conditioned on category × style (20 classes)", {"--dataset": "emoji-categories"}),
    "fastgan": ("FastGAN ngf/ndf 16, reconstruction weight 5",
                {"--arch": "fastgan", "--ngf": "16", "--ndf": "16", "--recon-weight": "5"}),
    "fastgan-adam-0.5": ("the same FastGAN with its paper's Adam β 0.5 / 0.999",
                         {"--arch": "fastgan", "--ngf": "16", "--ndf": "16", "--recon-weight": "5",
                          "--beta1": "0.5", "--beta2": "0.999"}),
}


def base_options(model: Path = BASE_MODEL) -> dict[str, str | None]:
    """The recipe options of the model's training command, as {flag: value or None}."""
    words = shlex.split(json.loads((model / "config.json").read_text())["training"]["command"])
    words = words[words.index("train/latent.py") + 1:]
    opts: dict[str, str | None] = {}
    for i, w in enumerate(words):
        if w.startswith("--"):
            value = words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("--") else None
            if w not in RUN_OPTIONS:
                opts[w] = value
    return opts


def machine_options() -> dict[str, str]:
    """What this machine changes for every recipe alike: bf16 only where the CPU computes it natively
    (the base model was trained in bf16 on such a CPU; emulated bf16 trains ~18x slower than fp32)."""
    from ganzoo.nn.inference import bf16_is_fast

    return {} if bf16_is_fast() else {"--mixed-precision": "no"}


def command(name: str, steps: int, out: Path, seed: int, minutes: float | None = None) -> list[str]:
    opts = {**base_options(), **machine_options(), **RECIPES[name][1]}
    args = [w for k, v in opts.items() for w in ([k] if v is None else [k, v])]
    if minutes:   # the budget decides the steps; a large cap keeps the loop's default from cutting it short
        run = ["--time-budget", f"{minutes:g}m", "--steps", "1000000", "--sample-every", "250", "--ckpt-every", "250"]
    else:
        run = ["--steps", str(steps), "--sample-every", str(steps), "--ckpt-every", str(max(steps // 4, 1))]
    return ["train/latent.py", *args, *run, "--seed", str(seed), "--threads", "1", "--out", str(out),
            "--no-progress", "--resume"]


def train(name: str, a) -> Path:
    out = Path(a.runs).resolve() / (f"{a.minutes:g}min" if a.minutes else str(a.steps)) / name
    if not (out / "final" / "config.json").is_file():
        # a relative --out where possible: the command is recorded in the model card
        cmd = command(name, a.steps, out.relative_to(ROOT) if out.is_relative_to(ROOT) else out, a.seed, a.minutes)
        print("$ python", " ".join(cmd), flush=True)
        out.mkdir(parents=True, exist_ok=True)
        with open(out.parent / f"{name}.log", "w") as log:
            subprocess.run([sys.executable, *cmd], check=True, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    return out


@functools.lru_cache(maxsize=None)
def references(dataset: str, size: int) -> dict:
    """What evaluate_latent compares against, loaded once per data recipe (not once per run)."""
    from ganzoo.data import load_images
    from ganzoo.metrics.distribution import feature_net
    from ganzoo.utils import to_tensor

    train = load_images(dataset, "train", size=size)
    return {"real": to_tensor(load_images(dataset, "test", size=size).images), "train": to_tensor(train.images),
            "train_labels": train.labels, "nets": {"classifier": feature_net("classifier", dataset)}}


def measure(name: str, out: Path, n: int) -> dict:
    ckpt = ganzoo.load(out / "final")
    m = evaluate_latent(ckpt, ("classifier",), n=n, **references(ckpt.config["data"]["name"], ckpt.model.cfg.img_size))
    tr = ckpt.config["training"]
    return {"recipe": name, "what": RECIPES[name][0], "steps": tr["steps"], "fd": m["fd_classifier"],
            "kd": m["kd_classifier"], "nn_ratio": m["nn_ratio"], "wall_time_s": tr["wall_time_s"],
            "images_per_s": tr["images_per_s"], "hardware": tr["hardware"]}


def table(rows: list[dict]) -> str:
    lines = ["| recipe | what changes | updates | FD (classifier) | KD | nn_ratio | wall time (1 thread) | images/s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: r["fd"]):
        lines.append(f"| {r['recipe']} | {r['what']} | {r['steps']} | {r['fd']:.2f} | {r['kd']:.3f} | "
                     f"{r['nn_ratio']:.2f} | {r['wall_time_s']:.0f} s | {r['images_per_s']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    ap.add_argument("--steps", type=int, default=504, help="generator updates per run (all recipes)")
    ap.add_argument("--minutes", type=float, help="equal wall-clock: this budget per run instead of --steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time, one thread each")
    ap.add_argument("-n", type=int, default=5000, help="generated pictures for the metrics")
    ap.add_argument("--runs", default=str(ROOT / "runs" / "recipes"))
    ap.add_argument("--results", help="default: bench/results/emoji_recipes.json (_Mmin.json with --minutes)")
    a = ap.parse_args(argv)
    if a.minutes and a.jobs < len(a.recipes):
        ap.error("--minutes: run every recipe at once (--jobs ≥ the number of recipes), so they share the machine alike")
    a.results = a.results or str(ROOT / "bench" / "results" / (
        f"emoji_recipes_{a.minutes:g}min.json" if a.minutes else "emoji_recipes.json"))
    with ThreadPoolExecutor(a.jobs) as pool:
        outs = list(pool.map(lambda name: train(name, a), a.recipes))
    import torch

    torch.set_num_threads(2)
    rows = [measure(name, out, a.n) for name, out in zip(a.recipes, outs)]
    print(table(rows))
    Path(a.results).parent.mkdir(parents=True, exist_ok=True)
    Path(a.results).write_text(json.dumps({"steps": None if a.minutes else a.steps, "minutes": a.minutes,
                                           "n": a.n, "rows": rows}, indent=1))
    return rows


if __name__ == "__main__":
    main()
