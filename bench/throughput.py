#!/usr/bin/env python
"""Training throughput (images/s) per family, on the networks and settings of the bundled models.

    python bench/throughput.py                    # CPU (or the GPU when there is one), 2 threads
    python bench/throughput.py --steps 20 --batch-sizes bundled 64 256 --families latent pix2pix
    python bench/throughput.py --mixed-precision no

Each row builds the family's training task exactly as `train/*.py` built the bundled checkpoint
(model and optimiser settings read from its config.json), feeds it random batches already on the
device (as the loop's DeviceData does), runs `--warmup` steps and then times `--steps` full
training steps (every discriminator and generator update of the family). images/s counts training
images consumed per second (for CycleGAN: one image of each domain per pair).

Model FLOP utilisation: the FLOPs of one step are counted by torch.utils.flop_counter (forward and
backward of every network the step runs), divided by the step time and by the chip's peak
(--peak-tflops; on CUDA 790 TFLOP/s, the bf16 dense rate measured on an H200). Several batches
(--batch-sizes) show how the step time grows with the batch: a step bound by the host (Python,
kernel launches, device→host copies) takes as long at 16 images as at 256.

    python bench/throughput.py --reference ~/src/pytorch-CycleGAN-and-pix2pix

--reference PATH (a checkout of junyanz/pytorch-CycleGAN-and-pix2pix) adds, for pix2pix and
CycleGAN, the reference's own training step (`set_input` + `optimize_parameters`, fp32, its
defaults) on the same network, batch and resolution, next to ganzoo's step with the same work
(pix2pix's sketch augmentation off: the reference augments in DataLoader workers, outside the
step). The ratio is reference time / ganzoo time (> 1: ganzoo faster).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo import hub, registry  # noqa: E402
from ganzoo.registry import from_dict  # noqa: E402
from ganzoo.training.loop import COMPILE_MODES, make_accelerator, compile_networks, hardware, uses_cuda_graphs  # noqa: E402

BUNDLED = {"latent": ["mnist-cgan", "emoji-gan"], "pix2pix": ["sketch2emoji"], "cyclegan": ["noto2twemoji"],
           "inpaint": ["emoji-inpaint"]}


def build(name: str):
    """(task, batch maker, batch size, config) for a bundled checkpoint's training setup: its
    family's task (the registry's) with the model and training settings its config.json records,
    fed random batches of the shapes its data kind has."""
    cfg = hub.read_config(name)
    fam, tr = cfg["family"], cfg["training"]
    record = registry.family(fam)
    if record.task is None:
        raise ValueError(f"the {fam} family has no training task")
    task_cls = record.load("task")
    m = registry.make_config(fam, tr["model"])
    task = task_cls(m, from_dict(task_cls.train_config, tr["train"]))
    s = m.img_size

    def batch(n, dev):
        if task_cls.data_kind == "images":
            b = {"image": torch.rand(n, m.channels, s, s, device=dev) * 2 - 1}
            if getattr(m, "num_classes", 0):
                b["label"] = torch.randint(0, m.num_classes, (n,), device=dev)
            return b
        return {"input": torch.rand(n, m.in_channels, s, s, device=dev) * 2 - 1,   # pairs and unpaired
                "image": torch.rand(n, m.out_channels, s, s, device=dev) * 2 - 1}
    return task, batch, tr["batch_size"], cfg


H200_BF16_TFLOPS = 790.0


def step_flops(task, batches, step: int) -> int:
    """FLOPs of one training step (matmuls and convolutions, forward and backward), counted."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        task.train_step(batches, step)
    return counter.get_total_flops()


def measure(name: str, steps: int, warmup: int, batch_size: int | None, mixed_precision: str,
            train_overrides: dict | None = None, compile: bool = False, compile_mode: str = "default",
            count_flops: bool = False) -> dict:
    task, make_batch, bs, cfg = build(name)
    for k, v in (train_overrides or {}).items():
        setattr(task.tcfg, k, v)
    bs = batch_size or bs
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state()  # a process-wide singleton: each row may use another precision
    acc = make_accelerator(mixed_precision)
    task.setup(acc, seed=0)
    graphs = compile and uses_cuda_graphs(compile_mode)
    task.total_steps = 10 * (steps + warmup)
    dev = acc.device
    k = task.batches_per_step
    batches = [make_batch(bs, dev) for _ in range(k)]
    flops = step_flops(task, batches, 0) if count_flops else None  # eager: the compiled step does the same
    if compile:  # the warm-up steps absorb the compilation
        compile_networks(task, compile_mode)
    def step(s):
        if graphs:
            torch.compiler.cudagraph_mark_step_begin()
        task.train_step(batches, s)

    for s in range(warmup):
        step(s)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for s in range(steps):
        step(warmup + s)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t
    tr = cfg["training"]
    res = cfg["model"].get("img_size")
    return {"model": name, "family": cfg["family"], "res": res, "batch": bs, "d_batches_per_step": k,
            "img_per_s": steps * bs * k / dt, "ms_per_step": 1000 * dt / steps, "gflop_per_step": flops and flops / 1e9,
            "tflop_per_s": flops and flops / (dt / steps) / 1e12,
            "trained_img_per_s": tr.get("images_per_s"), "trained_on": tr.get("hardware", "")}


def reference_step(path: str, name: str, batch_size: int | None):
    """The reference implementation's model for the bundled checkpoint's network, and its batch."""
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(path).expanduser().resolve()))
    cfg = hub.read_config(name)
    m, tr = cfg["training"]["model"], cfg["training"]
    bs = batch_size or tr["batch_size"]
    common = dict(isTrain=True, gpu_ids=[0] if torch.cuda.is_available() else [], checkpoints_dir="/tmp",
                  name="ganzoo-bench", preprocess="resize_and_crop", init_type="normal", init_gain=0.02,
                  lr=tr["train"]["lr"], beta1=tr["train"]["beta1"], netD="basic", n_layers_D=m["n_layers"],
                  ngf=m["ngf"], ndf=m["ndf"], input_nc=m["in_channels"], output_nc=m["out_channels"],
                  direction="AtoB", verbose=False, continue_train=False, lr_policy="linear", epoch_count=1,
                  niter=100, niter_decay=100, n_epochs=100, n_epochs_decay=100)
    if cfg["family"] == "pix2pix":
        from models.pix2pix_model import Pix2PixModel

        opt = SimpleNamespace(**common, netG=f"unet_{2 ** m['num_downs']}", norm=m["norm"],
                              no_dropout=not m["use_dropout"], gan_mode="vanilla", pool_size=0,
                              lambda_L1=tr["train"]["lambda_l1"])
        model = Pix2PixModel(opt)
    else:
        from models.cycle_gan_model import CycleGANModel

        opt = SimpleNamespace(**common, netG=f"resnet_{m['n_blocks']}blocks", norm=m["norm"],
                              no_dropout=not m["use_dropout"], gan_mode="lsgan", pool_size=tr["train"]["pool_size"],
                              lambda_A=tr["train"]["lambda_cycle"], lambda_B=tr["train"]["lambda_cycle"],
                              lambda_identity=tr["train"]["lambda_identity"])
        model = CycleGANModel(opt)
    s = m["img_size"]
    dev = model.device
    data = {"A": torch.rand(bs, m["in_channels"], s, s, device=dev) * 2 - 1,
            "B": torch.rand(bs, m["out_channels"], s, s, device=dev) * 2 - 1, "A_paths": [""] * bs, "B_paths": [""] * bs}

    def step():
        model.set_input(data)
        model.optimize_parameters()
    return step, bs


def measure_reference(path: str, name: str, steps: int, warmup: int, batch_size: int | None) -> dict:
    step, bs = reference_step(path, name, batch_size)
    for _ in range(warmup):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    dt = time.perf_counter() - t
    return {"img_per_s": steps * bs / dt, "ms_per_step": 1000 * dt / steps, "batch": bs}


def batch_list(values: list[str], bundled: int) -> list[int]:
    return list(dict.fromkeys(bundled if v == "bundled" else int(v) for v in values))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--families", nargs="*", default=list(BUNDLED), choices=list(BUNDLED))
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch-sizes", nargs="+", default=["bundled"],
                    help="batches to time, e.g. bundled 64 256 (bundled: the batch the bundled model trained with)")
    ap.add_argument("--mixed-precision", default="auto", choices=("auto", "no", "bf16"),
                    help="auto: bf16 on CUDA, fp32 on CPU (as the loop)")
    ap.add_argument("--compile", action="store_true", help="torch.compile the step's networks (as train --compile)")
    ap.add_argument("--compile-mode", choices=COMPILE_MODES, default="default",
                    help="torch.compile's mode (implies --compile); reduce-overhead: CUDA graphs")
    ap.add_argument("--peak-tflops", type=float,
                    help=f"the chip's peak for MFU (default on CUDA: {H200_BF16_TFLOPS:.0f}, an H200's bf16 rate)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the rows to this file (bench/results/throughput_*.json for the README)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    ap.add_argument("--reference", metavar="PATH", help="a checkout of the reference pix2pix/CycleGAN code")
    a = ap.parse_args()
    a.compile = a.compile or a.compile_mode != "default"
    torch.set_num_threads(a.threads)
    peak = a.peak_tflops or (H200_BF16_TFLOPS if torch.cuda.is_available() else None)
    rows = []
    for fam in a.families:
        for name in BUNDLED[fam]:
            try:
                hub.resolve(name)
            except hub.CheckpointError:
                print(f"(skipping {name}: not installed)")
                continue
            for bs in batch_list(a.batch_sizes, hub.read_config(name)["training"]["batch_size"]):
                rows.append(measure(name, a.steps, a.warmup, bs, a.mixed_precision, compile=a.compile,
                                    compile_mode=a.compile_mode, count_flops=True))
                print(f"  {name} batch {bs}: {rows[-1]['img_per_s']:.1f} img/s", flush=True)
    print(f"\nTraining throughput on {hardware()}, precision {a.mixed_precision}"
          f"{f', torch.compile ({a.compile_mode})' if a.compile else ''}, {a.steps} timed steps after "
          f"{a.warmup} warm-up{f'; MFU against {peak:.0f} TFLOP/s' if peak else ''}\n")
    print("| model (family) | resolution | batch | ms / step | images / s | GFLOP / step | TFLOP/s | MFU |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        k = f" × {r['d_batches_per_step']} D batches" if r["d_batches_per_step"] > 1 else ""
        r["mfu"] = r["tflop_per_s"] / peak if peak and r["tflop_per_s"] else None
        mfu = f"{100 * r['mfu']:.1f}%" if r["mfu"] is not None else "–"
        print(f"| {r['model']} ({r['family']}) | {r['res']} px | {r['batch']}{k} | {r['ms_per_step']:.1f} | "
              f"{r['img_per_s']:.1f} | {r['gflop_per_step']:.1f} | {r['tflop_per_s']:.2f} | {mfu} |")
    ref_rows = []
    if a.reference:
        for name in BUNDLED["pix2pix"] + BUNDLED["cyclegan"]:
            fam = hub.read_config(name)["family"]
            if fam not in a.families:
                continue
            same = {"augment": "none"} if fam == "pix2pix" else {}
            for bs in batch_list(a.batch_sizes, hub.read_config(name)["training"]["batch_size"]):
                ours = measure(name, a.steps, a.warmup, bs, a.mixed_precision, same, a.compile, a.compile_mode)
                ours32 = measure(name, a.steps, a.warmup, bs, "no", same)
                ref = measure_reference(a.reference, name, a.steps, a.warmup, bs)
                ref_rows.append((name, fam, ours, ours32, ref))
        print(f"\nAgainst the reference implementation ({a.reference}), same network, batch and resolution\n")
        print("| model | batch | reference ms / step | ganzoo fp32 ms / step | ganzoo (precision " + a.mixed_precision
              + ") ms / step | speed-up (reference / ganzoo) |")
        print("|---|---|---|---|---|---|")
        for name, fam, ours, ours32, ref in ref_rows:
            print(f"| {name} ({fam}) | {ref['batch']} | {ref['ms_per_step']:.1f} | {ours32['ms_per_step']:.1f} | "
                  f"{ours['ms_per_step']:.1f} | {ref['ms_per_step'] / ours['ms_per_step']:.2f}× "
                  f"(fp32: {ref['ms_per_step'] / ours32['ms_per_step']:.2f}×) |")
    if a.json:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from timing import machine

        Path(a.json).write_text(json.dumps({"hardware": hardware(), "machine": machine(a.note),
                                            "precision": a.mixed_precision,
                                            "compile_mode": a.compile_mode if a.compile else None, "peak_tflops": peak,
                                            "rows": rows,
                                            "reference": [{"model": n, "ganzoo": o, "ganzoo_fp32": o32, "reference": r}
                                                          for n, _, o, o32, r in ref_rows]}, indent=2))


if __name__ == "__main__":
    main()
