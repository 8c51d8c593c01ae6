#!/usr/bin/env python
"""Training throughput (images/s) per family, on the networks and settings of the bundled models.

    python bench/throughput.py                    # CPU (or the GPU when there is one), 2 threads
    python bench/throughput.py --steps 20 --batch-size 32 --families latent pix2pix
    python bench/throughput.py --mixed-precision no

Each row builds the family's training task exactly as `train/*.py` built the bundled checkpoint
(model and optimiser settings read from its config.json), feeds it random batches already on the
device (as the loop's DeviceData does), runs `--warmup` steps and then times `--steps` full
training steps (every discriminator and generator update of the family). images/s counts training
images consumed per second (for CycleGAN: one image of each domain per pair). The reference
implementation's throughput is not measured here: it needs its source tree and a GPU session.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo import hub  # noqa: E402
from ganzoo.training.loop import _accelerator, hardware  # noqa: E402

BUNDLED = {"latent": ["mnist-cgan", "emoji-gan"], "pix2pix": ["sketch2emoji"], "cyclegan": ["noto2twemoji"],
           "inpaint": ["emoji-inpaint"]}


def _make(cls, values: dict):
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in known})


def build(name: str):
    """(task, batch maker, batch size) for a bundled checkpoint's training setup."""
    cfg = hub.read_config(name)
    fam, tr = cfg["family"], cfg["training"]
    if fam == "latent":
        from ganzoo.nn.dcgan import LatentGANConfig
        from ganzoo.training import LatentTask, LatentTrainConfig

        m = _make(LatentGANConfig, tr["model"])
        task = LatentTask(m, _make(LatentTrainConfig, tr["train"]))

        def batch(n, dev):
            b = {"image": torch.rand(n, m.channels, m.img_size, m.img_size, device=dev) * 2 - 1}
            if m.num_classes:
                b["label"] = torch.randint(0, m.num_classes, (n,), device=dev)
            return b
    elif fam == "pix2pix":
        from ganzoo.nn.unet import Pix2PixConfig
        from ganzoo.training import Pix2PixTask, Pix2PixTrainConfig

        m = _make(Pix2PixConfig, tr["model"])
        task = Pix2PixTask(m, _make(Pix2PixTrainConfig, tr["train"]))

        def batch(n, dev):
            s = m.img_size
            return {"input": torch.rand(n, m.in_channels, s, s, device=dev) * 2 - 1,
                    "image": torch.rand(n, m.out_channels, s, s, device=dev) * 2 - 1}
    elif fam == "cyclegan":
        from ganzoo.nn.resnet import CycleGANConfig
        from ganzoo.training import CycleGANTask, CycleGANTrainConfig

        m = _make(CycleGANConfig, tr["model"])
        task = CycleGANTask(m, _make(CycleGANTrainConfig, tr["train"]))

        def batch(n, dev):
            s = m.img_size
            return {"input": torch.rand(n, m.in_channels, s, s, device=dev) * 2 - 1,
                    "image": torch.rand(n, m.out_channels, s, s, device=dev) * 2 - 1}
    elif fam == "inpaint":
        from ganzoo.nn.inpaint import InpaintConfig
        from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig

        m = _make(InpaintConfig, tr["model"])
        task = InpaintTask(m, _make(InpaintTrainConfig, tr["train"]))

        def batch(n, dev):
            return {"image": torch.rand(n, m.channels, m.img_size, m.img_size, device=dev) * 2 - 1}
    else:
        raise ValueError(f"no throughput recipe for family {fam!r}")
    return task, batch, tr["batch_size"], cfg


def measure(name: str, steps: int, warmup: int, batch_size: int | None, mixed_precision: str) -> dict:
    task, make_batch, bs, cfg = build(name)
    bs = batch_size or bs
    acc = _accelerator(mixed_precision)
    task.setup(acc, seed=0)
    task.total_steps = 10 * (steps + warmup)
    dev = acc.device
    k = task.batches_per_step
    batches = [make_batch(bs, dev) for _ in range(k)]
    for s in range(warmup):
        task.train_step(batches, s)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for s in range(steps):
        task.train_step(batches, warmup + s)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t
    tr = cfg["training"]
    res = cfg["model"].get("img_size")
    return {"model": name, "family": cfg["family"], "res": res, "batch": bs, "d_batches_per_step": k,
            "img_per_s": steps * bs * k / dt, "ms_per_step": 1000 * dt / steps,
            "trained_img_per_s": tr.get("images_per_s"), "trained_on": tr.get("hardware", "")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--families", nargs="*", default=list(BUNDLED), choices=list(BUNDLED))
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch-size", type=int, help="default: the batch the bundled model was trained with")
    ap.add_argument("--mixed-precision", default="auto", choices=("auto", "no", "bf16"),
                    help="auto: bf16 on CUDA, fp32 on CPU (as the loop)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the rows to this file")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    for fam in a.families:
        for name in BUNDLED[fam]:
            try:
                hub.resolve(name)
            except hub.CheckpointError:
                print(f"(skipping {name}: not installed)")
                continue
            rows.append(measure(name, a.steps, a.warmup, a.batch_size, a.mixed_precision))
            print(f"  {name}: {rows[-1]['img_per_s']:.1f} img/s", flush=True)
    print(f"\nTraining throughput on {hardware()}, precision {a.mixed_precision}, {a.steps} timed steps after "
          f"{a.warmup} warm-up\n")
    print("| model (family) | resolution | batch | ms / step | images / s | the bundled run (its hardware) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        k = f" × {r['d_batches_per_step']} D batches" if r["d_batches_per_step"] > 1 else ""
        print(f"| {r['model']} ({r['family']}) | {r['res']} px | {r['batch']}{k} | {r['ms_per_step']:.0f} | "
              f"{r['img_per_s']:.1f} | {r['trained_img_per_s']} ({r['trained_on']}) |")
    if a.json:
        Path(a.json).write_text(json.dumps({"hardware": hardware(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
