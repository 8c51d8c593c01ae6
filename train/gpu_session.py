#!/usr/bin/env python
"""One GPU call retrains every bundled GPU model side by side, packs the exports and measures the
training step (a lent GPU comes in short calls: at most 10 minutes each, 15 in all).

    GANZOO_DATA=.gpudata python train/gpu_session.py --out /tmp/out --budget 330s --reference .gpuref
    python train/gpu_session.py --tiny --out /tmp/tiny     # the same plan, tiny, on the CPU (a test)
    python train/gpu_session.py --prepare-data .gpudata    # before the call: the data it needs (≤ 64 MiB)

1. Every model of RUNS trains at once, each fitted to --budget by `--time-budget` (the step count
   and the learning-rate decay follow from the measured step rate, so every run ends with a
   decayed lr). Small models keep a GPU far from full: several share it well. A run continues the
   bundled model (`--init-from`) where its weights travel with the call (INIT), so every GPU call
   adds to the last one; the others start from scratch. A run started with CUDA graphs that fails
   before its budget is used (a compiler problem) is started again eagerly for the time left.
2. Each run is packed into NAME.tgz (export, log, last sample grids), to be measured on any
   machine with `python -m ganzoo.evaluate`, looked at, and bundled only where it beats the
   current model.
3. bench/throughput.py, eager and with CUDA graphs, at several batches, with MFU and the reference
   implementation's step (--reference), into throughput_*.json.
4. --deliver DIR moves the packs into DIR within what a device call brings back (8 files, 16 MiB
   each, 64 MiB in all), most wanted first (DELIVERY); a pack over 16 MiB goes in parts
   (`cat NAME.tgz.part* > NAME.tgz`). What does not fit stays in --out for a second, short call:
   `python train/gpu_session.py --out runs/gpu-session --deliver $OUT --deliver-only`.

What travels to the GPU machine is limited too (64 MiB with the code): the bundled checkpoints
(68 MB) cannot go with the tree, so the call is made with `checkpoints/` moved aside and
--prepare-data writes what the runs need: the data caches, the configs of every bundled model (the
bench reads them) and the weights of the INIT runs.

OUT/summary.json says what ran, for how long and how it ended.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from ganzoo.data import load_images  # noqa: E402
from ganzoo.data.common import cache_path  # noqa: E402
from ganzoo.data.emoji import _meta_file  # noqa: E402
from ganzoo.data.paired import load_pairs  # noqa: E402
from ganzoo.hub import BUNDLED_DIR  # noqa: E402  (GANZOO_CHECKPOINTS on the GPU machine)
from ganzoo.training.cli import duration_s  # noqa: E402

# name -> (script, arguments): the bundled model's command at GPU settings. Batches are larger
# than the CPU runs' (a GPU step of these nets costs about the same at 16 and at 64 images) with
# the learning rates scaled by the square-root rule from the batch they were tuned at.
RUNS = {
    # DCGAN: superseded by emoji-fastgan; kept for a call that can carry its 64-px data (18.5 MB)
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
# the default plan: what one call can carry (data + the INIT weights + the code ≤ 64 MiB)
PLAN = ["emoji-fastgan", "emoji-inpaint", "emoji-inpaint-scratch", "noto2twemoji", "sketch2emoji"]
# continued from the bundled weights (carried); sketch2emoji's 22 MB do not fit beside its data
INIT = {"emoji-gan", "emoji-inpaint", "noto2twemoji"}
# the data caches each run reads
DATA = {"emoji-gan": ["noto_64.npz", "twemoji_64.npz"], "emoji-fastgan": ["noto_128.npz", "twemoji_128.npz"],
        "emoji-inpaint": ["noto_128.npz", "twemoji_128.npz"], "emoji-inpaint-scratch": ["noto_128.npz", "twemoji_128.npz"],
        "noto2twemoji": ["noto_128.npz", "twemoji_128.npz"], "sketch2emoji": ["openmoji_128.npz"]}
# what is brought back first: the bench and logs, then the models of the open issues
DELIVERY = ["meta", "emoji-fastgan", "emoji-inpaint", "emoji-inpaint-scratch", "noto2twemoji", "sketch2emoji", "emoji-gan"]
BACK_FILES, BACK_FILE_BYTES, BACK_BYTES = 8, 16 * 2**20, 64 * 2**20   # the others continue the bundled model of their name
# the CPU test of the same plan: tiny networks, two steps, the real data
TINY = {"emoji-gan": "--ngf 8 --ndf 8 --batch-size 4", "sketch2emoji": "--ngf 4 --ndf 4 --batch-size 2",
        "noto2twemoji": "--ngf 4 --ndf 4 --n-blocks 1 --batch-size 2",
        "emoji-inpaint": "--cnum 4 --ndf 4 --stages 1 --batch-size 2",
        "emoji-inpaint-scratch": "--cnum 4 --ndf 4 --stages 1 --batch-size 2",
        "emoji-fastgan": "--ngf 8 --ndf 8 --batch-size 2"}
CARRY_LIMIT = 64 * 2**20


def command(name: str, out: Path, budget_s: float | None, tiny: bool, eager: bool = False) -> list[str]:
    script, args = RUNS[name]
    argv = args.split()
    if tiny:  # later flags win in argparse: the tiny nets override the real ones
        argv = [a for a in argv if a != "reduce-overhead" and a != "--compile-mode"] + TINY[name].split()
        argv += ["--steps", "2", "--threads", "1", "--mixed-precision", "no"]
    else:
        argv += ["--init-from", str(BUNDLED_DIR / name)] if name in INIT else []
        argv += ["--steps", "1000000", "--time-budget", f"{int(budget_s)}s", "--mixed-precision", "bf16"]
    if eager:
        argv = [a for a in argv if a not in ("--compile-mode", "reduce-overhead")]
    return [sys.executable, str(ROOT / script), *argv, "--out", str(out / "runs" / name),
            "--sample-every", "1000", "--ckpt-every", "1000000", "--no-progress"]


def train_all(names, out: Path, budget_s: float | None, tiny: bool) -> dict:
    """Start every run, restart a failed compiled one eagerly while there is time; wait for all."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    start, procs, summary = time.monotonic(), {}, {}

    def launch(name, eager=False, budget=budget_s):
        log = open(out / "logs" / f"{name}{'-eager' if eager else ''}.log", "w")
        cmd = command(name, out, budget, tiny, eager)
        summary[name] = {"command": " ".join(cmd[1:]), "started_s": round(time.monotonic() - start, 1)}
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


def bench(out: Path, reference: str | None, tiny: bool, timeout_s: float) -> dict:
    """Training throughput, eager and with CUDA graphs (bench/throughput.py), each within timeout_s."""
    base = [sys.executable, str(ROOT / "bench" / "throughput.py"), "--mixed-precision", "bf16"]
    if tiny:
        base += ["--steps", "1", "--warmup", "0", "--batch-sizes", "2", "--families", "latent", "--threads", "1"]
    else:
        base += ["--steps", "20", "--warmup", "5", "--batch-sizes", "bundled", "64", "256"]
    if reference:
        base += ["--reference", reference]
    done = {}
    for kind, extra in (("eager", []), ("graphs", [] if tiny else ["--compile-mode", "reduce-overhead",
                                                                   "--families", "pix2pix", "cyclegan", "inpaint"])):
        path = out / f"throughput_{kind}.json"
        with open(out / "logs" / f"throughput_{kind}.txt", "w") as log:
            try:
                rc = subprocess.run(base + extra + ["--json", str(path)], stdout=log, stderr=subprocess.STDOUT,
                                    cwd=ROOT, timeout=timeout_s).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        done[kind] = {"rc": rc, "json": path.is_file()}
    return done


def tree_bytes() -> int:
    """What the code tree sends with a call when checkpoints/ is moved aside (tracked files)."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    return sum((ROOT / n.decode()).stat().st_size for n in names
               if n and not n.startswith(b"checkpoints/") and (ROOT / n.decode()).is_file())


def prepare_data(folder: Path, names: list[str]) -> None:
    """Write into `folder` what the runs `names` read (a GPU machine has no network): the data
    caches, and under checkpoints/ every bundled model's config (the bench builds from them) and
    the weights of the runs that continue a bundled model."""

    for size in (64, 128):
        load_images("emoji", "train", size)
    load_pairs("openmoji", "train", 128)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in [cache_path(n) for n in dict.fromkeys(d for n in names for d in DATA[n])] + [_meta_file()]:
        shutil.copy2(f, folder / f.name)
    for ckpt in sorted(p for p in BUNDLED_DIR.iterdir() if (p / "config.json").is_file()):
        shutil.copytree(ckpt, folder / "checkpoints" / ckpt.name,
                        ignore=None if ckpt.name in set(names) & INIT else shutil.ignore_patterns("*.safetensors", "*.png"))
    data = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    code = tree_bytes()
    print(f"{folder}: {data / 2**20:.1f} MiB, code {code / 2**20:.1f} MiB "
          f"(a call carries {CARRY_LIMIT / 2**20:.0f} MiB; move checkpoints/ aside for the call)")
    if data + code > CARRY_LIMIT:
        raise SystemExit("too large to carry to the GPU machine in one call: pass --only with fewer runs")


def deliver(out: Path, dest: Path) -> dict:
    """Move packs from `out` into `dest` (most wanted first) within what a call brings back; a pack
    over the per-file limit is split into parts. Returns {pack: "delivered" | "left"}."""
    dest.mkdir(parents=True, exist_ok=True)
    files, used, done = len(list(dest.iterdir())), sum(f.stat().st_size for f in dest.iterdir()), {}
    for name in DELIVERY:
        path = out / f"{name}.tgz"
        if not path.is_file():
            continue
        size = path.stat().st_size
        parts = -(-size // (BACK_FILE_BYTES - 2**20))
        if files + parts > BACK_FILES or used + size > BACK_BYTES:
            done[name] = "left"
            continue
        if parts == 1:
            shutil.move(path, dest / path.name)
        else:
            with open(path, "rb") as src:
                for k in range(parts):
                    (dest / f"{path.name}.part{k}").write_bytes(src.read(BACK_FILE_BYTES - 2**20))
            path.unlink()
        files, used, done[name] = files + parts, used + size, "delivered"
    return done


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/gpu-session")
    ap.add_argument("--budget", type=duration_s, default=duration_s("330s"), help="training wall time per run")
    ap.add_argument("--only", nargs="+", choices=list(RUNS), help="these runs only (default: PLAN)")
    ap.add_argument("--reference", help="a checkout of the reference pix2pix/CycleGAN code for the bench")
    ap.add_argument("--bench-s", type=float, default=75, help="time limit of each throughput bench")
    ap.add_argument("--no-bench", action="store_true")
    ap.add_argument("--tiny", action="store_true", help="tiny networks, 2 steps, on the CPU: tests the plan")
    ap.add_argument("--prepare-data", metavar="FOLDER", help="write what the runs need to FOLDER and stop")
    ap.add_argument("--deliver", metavar="DIR", help="afterwards, move the packs into DIR (a call's $OUT)")
    ap.add_argument("--deliver-only", action="store_true", help="only deliver what an earlier call left")
    a = ap.parse_args(argv)
    names = a.only or PLAN
    if a.prepare_data:
        return prepare_data(Path(a.prepare_data), names)
    out = Path(a.out)
    if a.deliver_only:
        print(json.dumps(deliver(out, Path(a.deliver)), indent=2))
        return
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"torch {torch.__version__} on {device}", flush=True)
    runs = train_all(names, out, None if a.tiny else a.budget, a.tiny)
    packed = {n: str(p) for n in names if (p := pack(n, out))}
    print(f"trainings done after {time.monotonic() - t0:.0f} s; packed: {', '.join(packed) or 'none'}", flush=True)
    benches = {} if a.no_bench else bench(out, a.reference, a.tiny, a.bench_s)
    summary = {"device": device, "torch": torch.__version__, "budget_s": a.budget, "runs": runs,
               "packed": packed, "bench": benches, "total_s": round(time.monotonic() - t0, 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    with tarfile.open(out / "meta.tgz", "w:gz") as tar:   # what to read first: summary, logs, bench tables
        for f in ["summary.json", "logs", *sorted(p.name for p in out.glob("throughput_*.json"))]:
            tar.add(out / f, arcname=f"meta/{f}")
    if a.deliver:
        summary["delivered"] = deliver(out, Path(a.deliver))
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
