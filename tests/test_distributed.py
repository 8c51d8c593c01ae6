"""Several processes through accelerate's DDP (gloo on the CPU, NCCL on GPUs): a 2-process run
matches a 1-process run of the same global batch. The batches (DeviceData: rank r takes its slice
of the global batch's permutation) and the random holes and views (every rank draws the global
batch's and keeps its slice) do not depend on the number of processes; DDP averages gradients."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parent.parent


def _discs(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for i in range(20):
        im = Image.new("RGB", (64, 64), "white")
        r = int(rng.integers(10, 22))
        ImageDraw.Draw(im).ellipse((32 - r, 32 - r, 32 + r, 32 + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)),
                                   outline="black", width=2)
        sub = root / ("test" if i >= 16 else "train")
        sub.mkdir(parents=True, exist_ok=True)
        im.save(sub / f"{i}.png")
    return root


def _train(out: Path, data: Path, batch: int, processes: int = 1, steps=("--steps", "3")):
    args = [str(ROOT / "train" / "inpaint.py"), "--dataset", f"folder:{data}", "--size", "64", "--cnum", "4",
            "--ndf", "4", "--stages", "1", *steps, "--ckpt-every", "100", "--sample-every", "100",
            "--no-progress", "--mixed-precision", "no", "--seed", "3", "--batch-size", str(batch), "--out", str(out)]
    env = dict(os.environ, OMP_NUM_THREADS="1", ACCELERATE_USE_CPU="true", PYTHONPATH=str(ROOT))
    if processes > 1:  # what `accelerate launch --multi_gpu` does on GPUs: torchrun, one process per device
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes),
               "--master_port", str(29500 + os.getpid() % 1000)] + args
    else:
        cmd = [sys.executable] + args + ["--threads", "1"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _generator_update(run: Path) -> torch.Tensor:
    from ganzoo.nn.inpaint import InpaintConfig, InpaintGenerator

    torch.manual_seed(3)  # the task's initialisation for --seed 3
    start = InpaintGenerator(InpaintConfig(img_size=64, cnum=4, ndf=4, stages=1)).state_dict()
    end = load_file(sorted(glob.glob(str(run / "state" / "step-*" / "modules.safetensors")))[-1])
    return torch.cat([(end[f"G.{k}"] - v).flatten() for k, v in start.items()])


def test_two_processes_match_one_process_with_the_same_global_batch(tmp_path):
    data = _discs(tmp_path / "discs")
    said = _train(tmp_path / "two", data, batch=4, processes=2)
    assert "2 processes" in said and "global batch 8" in said
    _train(tmp_path / "one", data, batch=8)
    _train(tmp_path / "half", data, batch=4)
    one, two, half = (_generator_update(tmp_path / r) for r in ("one", "two", "half"))
    # equal up to the order of floating-point sums (gradients averaged across processes)
    assert float((two - one).norm() / one.norm()) < 1e-3
    assert float((half - one).norm() / one.norm()) > 0.1     # another batch is not equal: the test can fail
    logs = (tmp_path / "two" / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in logs] == [3]        # one writer
    cfg = json.loads((tmp_path / "two" / "final" / "config.json").read_text())["training"]
    assert cfg["processes"] == 2 and cfg["batch_size"] == 4


def test_a_time_budget_stops_every_process_at_the_same_step(tmp_path):
    # each process plans from the slowest one's clock, shared every few steps; processes that
    # planned apart would wait for each other forever at the end (the run times out)
    said = _train(tmp_path / "run", _discs(tmp_path / "discs"), batch=2, processes=2,
                  steps=("--steps", "100000", "--time-budget", "6s"))
    assert said.count("time budget 6 s") >= 1
    cfg = json.loads((tmp_path / "run" / "final" / "config.json").read_text())["training"]
    assert 10 < cfg["steps"] < 100000 and cfg["processes"] == 2
