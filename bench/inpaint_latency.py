#!/usr/bin/env python
"""CPU latency of inpainting, as the app's live tab runs it after every brush stroke.

    python bench/inpaint_latency.py                  # checkpoints/emoji-inpaint, 2 threads

Rows: the generator alone at its size (fp32, and bf16 + channels_last, what the pipeline uses
where the CPU has native bf16); the whole pipeline (the view around the hole, model, paste back)
on emoji of 64, 128 and 256 px with a brush stroke, and on a 1024×768 photo with one brush stroke
(the goal: ≤ 100 ms) and with a large hole; OpenCV Telea on the emoji and the photo, the classical
fill shown beside it. Runs are interleaved so machine noise hits all alike; run it on an otherwise
idle machine.

LaMa rows (--lama-runs 0 leaves them out): big-lama's network with *random weights* in its exact
layout (timing only: the real weights are downloaded on a first pick, and what they paint is not
measured here), stroke → result through the whole pipeline (crop mode, fp32) on the chelsea photo
resized to 1024×768 (goal ≤ 3 s) and on a 12-MP photo (4000×3000; the pipeline works on it at its
2048-px working size), median and 90th percentile.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.data.masks import free_form_masks  # noqa: E402
from ganzoo.pipelines import InpaintPipeline  # noqa: E402
from ganzoo.pipelines.inpaint import telea  # noqa: E402
from timing import interleaved_ms, machine  # noqa: E402  (bench/ is on sys.path)

PHOTO = ROOT / "examples" / "photos" / "chelsea.jpg"   # skimage.data.chelsea


def picture_and_hole(w: int, h: int, seed: int = 0) -> tuple[Image.Image, np.ndarray]:
    """A smooth random picture (not noise: the decoder and resampler see realistic content) and a
    brush-stroke hole of about a quarter of the picture."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 8, 3), np.uint8)
    pic = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
    m = free_form_masks(1, 64, torch.Generator().manual_seed(seed), coverage=(0.2, 0.3))[0, 0]
    hole = np.asarray(Image.fromarray((m.numpy() * 255).astype(np.uint8)).resize((w, h))) > 127
    return pic, hole


def brush_stroke(w: int, h: int, width: int) -> np.ndarray:
    """One brush stroke as a visitor paints it: a round-ended line over about a fifth of the picture."""
    from PIL import ImageDraw

    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    (x0, y0), (x1, y1) = (0.4 * w, 0.45 * h), (0.6 * w, 0.55 * h)
    draw.line([(x0, y0), (x1, y1)], fill=255, width=width)
    for x, y in ((x0, y0), (x1, y1)):
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(mask) > 127


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="emoji-inpaint")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--lama-runs", type=int, default=10, help="runs of each LaMa row (0: none)")
    ap.add_argument("--lama-only", action="store_true", help="only the LaMa rows")
    ap.add_argument("--lama-json", default=str(ROOT / "bench" / "results" / "inpaint_latency_lama.json"),
                    help="write the LaMa rows here (docs/benchmarks.md's LaMa table is made from it)")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "inpaint_latency.json"),
                    help="also write the rows here (the README's table is made from it)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    if a.lama_runs:
        at_start = machine()   # the load average before the runs, not after them
        rows = lama_latency(a.lama_runs, at_start)
        if a.lama_json:
            Path(a.lama_json).write_text(json.dumps({"model": "big-lama's network, random weights (timing only)",
                                                     "machine": at_start, "threads": a.threads,
                                                     "rows": rows}, indent=2) + "\n")
    if a.lama_only:
        return
    ckpt = ganzoo.load(a.checkpoint)
    fp32, bf16 = InpaintPipeline(ckpt, "fp32"), InpaintPipeline(ckpt, "auto")
    s = fp32.size
    emoji, emoji_hole = picture_and_hole(s, s)
    photo, photo_hole = picture_and_hole(1024, 768, seed=1)
    x = torch.from_numpy(np.asarray(emoji, np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
    m = torch.from_numpy(emoji_hole.astype(np.float32))[None, None]

    rows = [(f"generator at {s} px, fp32", lambda: fp32.run(x, m))]
    if bf16.bf16:
        rows.append((f"generator at {s} px, bf16 + channels_last (the pipeline's default here)", lambda: bf16.run(x, m)))
    for px in (64, 128, 256):
        pic, _ = picture_and_hole(px, px)
        hole = brush_stroke(px, px, max(3, px // 12))
        rows.append((f"pipeline, {px}-px emoji, one brush stroke", lambda pic=pic, hole=hole: bf16.inpaint(pic, hole)))
    stroke = brush_stroke(1024, 768, 43)   # the tab's 16-px brush on a photo shown 384 px wide
    rows += [("pipeline, 1024×768 photo, one brush stroke (goal ≤ 100 ms)", lambda: bf16.inpaint(photo, stroke)),
             ("pipeline, 1024×768 photo, a hole of a quarter of it", lambda: bf16.inpaint(photo, photo_hole)),
             (f"OpenCV Telea, {s}-px emoji", lambda: telea(emoji, emoji_hole)),
             ("OpenCV Telea, 1024×768 photo, one brush stroke", lambda: telea(photo, stroke))]
    ms = interleaved_ms([fn for _, fn in rows], a.runs)
    params = sum(p.numel() for p in fp32.G.parameters())
    print(f"\n{a.checkpoint}: {params / 1e6:.2f} M parameters, {a.threads} threads, median of {a.runs} interleaved runs\n")
    print("| what | median ms |")
    print("|---|---:|")
    for (name, _), t in zip(rows, ms):
        print(f"| {name} | {t:.1f} |")
    if a.json:
        from ganzoo.training.loop import hardware

        Path(a.json).write_text(json.dumps({"model": a.checkpoint, "hardware": hardware(), "threads": a.threads,
                                            "runs": a.runs, "rows": [{"what": n, "ms": round(t, 1)}
                                                                     for (n, _), t in zip(rows, ms)]}, indent=2))


def lama_latency(runs: int, at_start: dict) -> list[dict]:
    """The LaMa rows: stroke → result through InpaintPipeline on big-lama's network with random
    weights (loaded strictly from its exact key layout, as a first pick converts the real file)."""
    import statistics
    import time

    from ganzoo import hub, inpainters
    from ganzoo.nn.lama import InpaintArchConfig, lama

    torch.manual_seed(0)
    sd = {"generator." + k.removeprefix("model."): v for k, v in lama().state_dict().items()}
    net = inpainters.to_lama(sd)
    cfg = InpaintArchConfig(img_size=256, arch="lama")
    pipe = InpaintPipeline(hub.Checkpoint(Path("big-lama (random weights)"), {"family": "inpaint", "model": cfg.to_dict()},
                                          net))
    photo = Image.open(PHOTO).convert("RGB").resize((1024, 768), Image.Resampling.LANCZOS)
    big = Image.open(PHOTO).convert("RGB").resize((4000, 3000), Image.Resampling.LANCZOS)
    stroke, big_stroke = brush_stroke(1024, 768, 43), brush_stroke(4000, 3000, 168)
    seen = [pipe.inpaint(photo, stroke), pipe.inpaint(big, big_stroke)]   # warm-up; what the model was given
    w, h = seen[0].model_input.size
    x, m = torch.rand(1, 3, h, w), (torch.rand(1, 1, h, w) > 0.8).float()
    cases = [("LaMa, 1024×768 photo, one brush stroke (goal ≤ 3 s)", lambda: pipe.inpaint(photo, stroke), seen[0]),
             ("LaMa, 12-MP photo (4000×3000), one brush stroke", lambda: pipe.inpaint(big, big_stroke), seen[1]),
             (f"LaMa network alone on the 1024×768 row's {w}×{h} px", lambda: pipe.run(x, m), seen[0])]
    ts = [[] for _ in cases]
    for _ in range(runs):                  # interleaved, so that the machine's noise hits every row alike
        for t_list, (_, fn, _) in zip(ts, cases):
            t = time.perf_counter()
            fn()
            t_list.append(time.perf_counter() - t)
    out = []
    for (name, _, res), t_list in zip(cases, ts):
        t_list.sort()
        p90 = t_list[min(len(t_list) - 1, round(0.9 * (len(t_list) - 1)))]
        out.append({"what": name, "median_s": round(statistics.median(t_list), 2), "p90_s": round(p90, 2),
                    "model_input": list(res.model_input.size), "region": list(res.region), "runs": runs})
    print(f"\nLaMa: big-lama's network with RANDOM weights in its exact layout (timing only), fp32, "
          f"{torch.get_num_threads()} threads, {runs} runs each; {at_start['cpu']}, load average "
          f"{at_start['loadavg']} at the start\n")
    print("| what | median s | p90 s | the model was given |")
    print("|---|---:|---:|---|")
    for r in out:
        w, h = r["model_input"]
        print(f"| {r['what']} | {r['median_s']:.2f} | {r['p90_s']:.2f} | {w}×{h} px of the region {r['region']} |")
    return out


if __name__ == "__main__":
    main()
