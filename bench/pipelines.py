#!/usr/bin/env python
"""Inference latency and peak memory of every pipeline, as the app calls them, on CPU threads.

    python bench/pipelines.py [--threads 2] [--runs 30]

Each pipeline runs in its own fresh Python process (so peak memory is its own): resident memory
after `import torch, ganzoo` (the baseline), after loading the bundled model, and the peak over
`--runs` calls (ru_maxrss); latency is the median call after 3 warm-up calls, with the input a
user of that tab sends (a 256-px drawing, a 128-px emoji, a 128-px emoji with a brushed hole and
a 1024×768 photo with a hole). The per-tab benchmarks (bench/*latency.py) have more detail.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = {  # name -> (checkpoint, what is timed)
    "latent: one image (mnist-cgan)": ("mnist-cgan", "latent"),
    "latent: one image (emoji-gan)": ("emoji-gan", "latent"),
    "sketch → image: 256-px drawing (sketch2emoji)": ("sketch2emoji", "pix2pix"),
    "domain transfer: 128-px emoji (noto2twemoji)": ("noto2twemoji", "cyclegan"),
    "inpainting: 128-px emoji (emoji-inpaint)": ("emoji-inpaint", "inpaint"),
    "inpainting: 1024×768 photo (emoji-inpaint)": ("emoji-inpaint", "inpaint-photo"),
}

CHILD = r"""
import json, resource, statistics, sys, time
import numpy as np
import torch
from PIL import Image, ImageDraw
ROOT, NAME, KIND, THREADS, RUNS = json.loads(sys.argv[1])
sys.path.insert(0, ROOT)
import ganzoo
from ganzoo.pipelines import CycleGANPipeline, InpaintPipeline, LatentPipeline, Pix2PixPipeline

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

torch.set_num_threads(THREADS)
base = rss_mb()
t = time.perf_counter()
rng = np.random.default_rng(0)
if KIND == "latent":
    pipe = LatentPipeline.from_pretrained(NAME)
    cls = pipe.class_names[0] if pipe.class_names else None
    calls = [lambda i=i: pipe(seed=i, class_id=cls, truncation=0.8) for i in range(RUNS + 3)]
elif KIND == "pix2pix":
    pipe = Pix2PixPipeline.from_pretrained(NAME)
    img = Image.new("L", (256, 256), 255)
    ImageDraw.Draw(img).ellipse((40, 40, 216, 216), outline=0, width=4)
    calls = [lambda: pipe(img)] * (RUNS + 3)
elif KIND == "cyclegan":
    pipe = CycleGANPipeline.from_pretrained(NAME)
    img = Image.fromarray(rng.integers(0, 255, (128, 128, 3), np.uint8))
    calls = [lambda: pipe(img, "a2b")] * (RUNS + 3)
else:
    pipe = InpaintPipeline.from_pretrained(NAME)
    w, h = (1024, 768) if KIND == "inpaint-photo" else (128, 128)
    img = Image.fromarray(rng.integers(0, 255, (h, w, 3), np.uint8))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).line((w // 4, h // 3, 3 * w // 4, 2 * h // 3), fill=255, width=max(8, w // 16))
    calls = [lambda: pipe(img, mask)] * (RUNS + 3)
load_s = time.perf_counter() - t
loaded = rss_mb()
ms = []
for i, c in enumerate(calls):
    t = time.perf_counter()
    c()
    if i >= 3:
        ms.append((time.perf_counter() - t) * 1000)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"base_mb": base, "loaded_mb": loaded, "peak_mb": peak, "load_s": load_s,
                  "median_ms": statistics.median(ms), "p90_ms": sorted(ms)[int(0.9 * (len(ms) - 1))]}))
"""


def run_case(name: str, kind: str, threads: int, runs: int) -> dict:
    args = json.dumps([str(ROOT), name, kind, threads, runs])
    out = subprocess.run([sys.executable, "-c", CHILD, args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{name}: {out.stderr.strip().splitlines()[-1] if out.stderr else out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "pipelines.json"),
                    help="also write the rows here, with the machine (the README's table is made from it)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import ganzoo
    from timing import machine

    at_start = machine(a.note)

    have = set(ganzoo.list_models())
    rows = []
    for label, (name, kind) in CASES.items():
        if name not in have:
            print(f"(skipping {label}: {name} is not installed)")
            continue
        rows.append((label, run_case(name, kind, a.threads, a.runs)))
        print(f"  {label}: {rows[-1][1]['median_ms']:.1f} ms", flush=True)
    print(f"\nPipelines on {a.threads} CPU threads, {a.runs} timed calls each (fresh process per row)\n")
    print("| pipeline: input (model) | median ms | p90 ms | load s | RSS after imports | + model | peak |")
    print("|---|---|---|---|---|---|---|")
    for label, r in rows:
        print(f"| {label} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} | {r['load_s']:.2f} | {r['base_mb']:.0f} MB | "
              f"+{r['loaded_mb'] - r['base_mb']:.0f} MB | {r['peak_mb']:.0f} MB |")
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": at_start, "loadavg_end": machine()["loadavg"],
                                            "threads": a.threads, "runs": a.runs,
                                            "rows": [dict(r, what=label) for label, r in rows]}, indent=1))
        print(f"\nwrote {a.json}")


if __name__ == "__main__":
    main()
