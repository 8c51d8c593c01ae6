#!/usr/bin/env python
"""One GPU call retrains every bundled GPU model side by side, packs the exports and measures the
training step (a lent GPU comes in short calls: at most 10 minutes each, 15 in all).

    GANZOO_DATA=.gpudata python train/gpu_session.py --out /tmp/out --budget 330s --reference .gpuref
    python train/gpu_session.py --tiny --out /tmp/tiny     # the same plan, tiny, on the CPU (a test)
    python train/gpu_session.py --prepare-data .gpudata    # before the call: the data it needs (≤ 64 MiB)

1. Every model of RUNS trains at once, each fitted to --budget by `--time-budget` (the step count
   and the learning-rate decay follow from the measured step rate, so every run ends with a
   decayed lr). Small models keep a GPU far from full: several share it well. Each continues the
   bundled model (`--init-from checkpoints/NAME`), so every GPU call adds to the last one. A run
   started with CUDA graphs that fails before its budget is used (a compiler problem) is started
   again eagerly for the time left.
2. Each run is packed into OUT/NAME.tgz (export, log, last sample grids), to be measured on any
   machine with `python -m ganzoo.evaluate`, looked at, and bundled only where it beats the
   current model.
3. bench/throughput.py, eager and with CUDA graphs, at several batches, with MFU and the reference
   implementation's step (--reference), into OUT/throughput_*.json.

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

from ganzoo.training.cli import duration_s  # noqa: E402

# name -> (script, arguments): the bundled model's command at GPU settings. Batches are larger
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
FROM_SCRATCH = {"emoji-inpaint-scratch"}   # the others continue the bundled model of their name
# the CPU test of the same plan: tiny networks, two steps, the real data
TINY = {"emoji-gan": "--ngf 8 --ndf 8 --batch-size 4", "sketch2emoji": "--ngf 4 --ndf 4 --batch-size 2",
        "noto2twemoji": "--ngf 4 --ndf 4 --n-blocks 1 --batch-size 2", "emoji-inpaint": "--cnum 4 --ndf 4 --stages 1 --batch-size 2",
        "emoji-inpaint-scratch": "--cnum 4 --ndf 4 --stages 1 --batch-size 2"}
DATA = ["noto_64.npz", "twemoji_64.npz", "noto_128.npz", "twemoji_128.npz", "openmoji_128.npz"]
CARRY_LIMIT = 64 * 2**20


def command(name: str, out: Path, budget_s: float | None, tiny: bool, eager: bool = False) -> list[str]:
    script, args = RUNS[name]
    argv = args.split()
    if tiny:  # later flags win in argparse: the tiny nets override the real ones
        argv = [a for a in argv if a != "reduce-overhead" and a != "--compile-mode"] + TINY[name].split()
        argv += ["--steps", "2", "--threads", "1", "--mixed-precision", "no"]
    else:
        argv += [] if name in FROM_SCRATCH else ["--init-from", str(ROOT / "checkpoints" / name)]
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
        for item in ["final", "log.jsonl", "run.json", *sorted(f"samples/{p.name}" for p in (run / "samples").glob("*.png"))[-3:]]:
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


def prepare_data(folder: Path) -> None:
    """Copy what the GPU runs read from GANZOO_DATA (a GPU machine has no network) into `folder`."""
    from ganzoo.data import load_images
    from ganzoo.data.common import cache_path
    from ganzoo.data.emoji import _meta_file
    from ganzoo.data.paired import load_pairs

    for size in (64, 128):
        load_images("emoji", "train", size)
    load_pairs("openmoji", "train", 128)
    folder.mkdir(parents=True, exist_ok=True)
    for f in [cache_path(n) for n in DATA] + [_meta_file()]:
        shutil.copy2(f, folder / f.name)
    total = sum(f.stat().st_size for f in folder.iterdir())
    print(f"{folder}: {total / 2**20:.1f} MiB (carry limit {CARRY_LIMIT / 2**20:.0f} MiB)")
    if total > CARRY_LIMIT:
        raise SystemExit("too large to carry to the GPU machine in one call")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/gpu-session")
    ap.add_argument("--budget", type=duration_s, default=duration_s("330s"), help="training wall time per run")
    ap.add_argument("--only", nargs="+", choices=list(RUNS), help="these runs only")
    ap.add_argument("--reference", help="a checkout of the reference pix2pix/CycleGAN code for the bench")
    ap.add_argument("--bench-s", type=float, default=75, help="time limit of each throughput bench")
    ap.add_argument("--no-bench", action="store_true")
    ap.add_argument("--tiny", action="store_true", help="tiny networks, 2 steps, on the CPU: tests the plan")
    ap.add_argument("--prepare-data", metavar="FOLDER", help="write the data the runs need to FOLDER and stop")
    a = ap.parse_args(argv)
    if a.prepare_data:
        return prepare_data(Path(a.prepare_data))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"torch {torch.__version__} on {device}", flush=True)
    runs = train_all(a.only or list(RUNS), out, None if a.tiny else a.budget, a.tiny)
    packed = {n: str(p) for n in (a.only or RUNS) if (p := pack(n, out))}
    print(f"trainings done after {time.monotonic() - t0:.0f} s; packed: {', '.join(packed) or 'none'}", flush=True)
    benches = {} if a.no_bench else bench(out, a.reference, a.tiny, a.bench_s)
    summary = {"device": device, "torch": torch.__version__, "budget_s": a.budget, "runs": runs,
               "packed": packed, "bench": benches, "total_s": round(time.monotonic() - t0, 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    with tarfile.open(out / "logs.tgz", "w:gz") as tar:
        tar.add(out / "logs", arcname="logs")
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
