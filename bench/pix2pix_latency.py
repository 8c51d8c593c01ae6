#!/usr/bin/env python
"""CPU latency of pix2pix generators: the shipped model at 128 px and a reference-layout unet_256.

    python bench/pix2pix_latency.py            # 2 threads, as on the machines the Space runs on

"reference" runs the network as the reference implementation's test script does with --eval:
the plain module in eval mode under torch.no_grad, fp32, NCHW. "ganzoo fp32" runs the same
weights with BatchNorm folded into the convolutions, dropout removed, torch.inference_mode (the
same function up to float rounding); "ganzoo bf16" also casts the weights to bf16 once and runs
channels_last, as the pipeline does by default where the CPU has native bf16 (max abs diff in the last column;
outputs span [-1, 1]). Runs of the two are interleaved so that machine noise hits both alike. The
per-image-statistics rows are the reference's default test mode (no
--eval: BatchNorm on each image's own statistics), which is how ganzoo runs imported released
models. Goal: ganzoo ≤ 0.7× reference. Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.nn.inference import bf16_is_fast, optimize_for_inference  # noqa: E402
from ganzoo.nn.unet import Pix2PixConfig, init_normal, unet_from_config  # noqa: E402
from ganzoo.pipelines import Pix2PixPipeline  # noqa: E402
from timing import interleaved_ms, median_ms  # noqa: E402  (bench/ is on sys.path)


def reference_unet256() -> torch.nn.Module:
    """unet_256 (ngf 64, batch norm, dropout) with non-trivial BatchNorm statistics."""
    torch.manual_seed(0)
    g = unet_from_config(Pix2PixConfig(img_size=256))
    init_normal(g)
    g.train()
    with torch.no_grad():
        g(torch.randn(4, 3, 256, 256))
    return g.eval()


def compare(name: str, model, x, runs: int, per_image: bool = False) -> list[tuple]:
    if per_image:  # reference default: train-mode BatchNorm (one image), no dropout noise
        ref_model = unet_from_config(Pix2PixConfig(img_size=x.shape[-1], use_dropout=False,
                                                   ngf=model.model.model[0].out_channels,
                                                   in_channels=x.shape[1])).train()
        ref_model.load_state_dict(model.state_dict())
    else:
        ref_model = model.eval()
    fast = optimize_for_inference(model, "batch" if per_image else "running")
    fast_bf = optimize_for_inference(model, "batch" if per_image else "running").to(torch.bfloat16)
    fast_bf = fast_bf.to(memory_format=torch.channels_last)
    xb = x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)

    def ref():
        with torch.no_grad():
            return ref_model(x)

    def fp32():
        with torch.inference_mode():
            return fast(x)

    def bf16():
        with torch.inference_mode():
            return fast_bf(xb).float()

    ref_out = ref()
    d32, d16 = ((f().float() - ref_out).abs().max().item() for f in (fp32, bf16))
    t_ref, t32, t16 = interleaved_ms([ref, fp32, bf16], runs)
    return [(name, "reference", t_ref, 1.0, 0.0), (name, "ganzoo fp32", t32, t32 / t_ref, d32),
            (name, "ganzoo bf16", t16, t16 / t_ref, d16)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--model", default="sketch2emoji")
    ap.add_argument("--json", default=str(Path(__file__).resolve().parent / "results" / "pix2pix_latency.json"),
                    help="also write the rows here, with the machine (the README is made from it)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from timing import machine

    at_start = machine(a.note)

    rows = []
    g256 = reference_unet256()
    x256 = torch.rand(1, 3, 256, 256) * 2 - 1
    rows += compare("unet_256, eval (reference --eval)", g256, x256, a.runs)
    rows += compare("unet_256, per-image BN (reference default)", g256, x256, a.runs, per_image=True)
    pipe_ms = None
    if a.model in ganzoo.list_models("pix2pix") or Path(a.model).is_dir():
        ck = ganzoo.load(a.model)
        s = ck.config["model"]["img_size"]
        x = torch.rand(1, ck.config["model"]["in_channels"], s, s) * 2 - 1
        rows += compare(f"{a.model} ({s} px, ngf {ck.config['model']['ngf']})", ck.model, x, a.runs)
        from PIL import Image, ImageDraw
        drawing = Image.new("RGB", (512, 512), "white")
        ImageDraw.Draw(drawing).ellipse((100, 100, 400, 400), outline="black", width=6)
        pipe = Pix2PixPipeline(ck)
        pipe_ms = median_ms(lambda: pipe.translate(drawing), a.runs)

    print(f"\npix2pix CPU latency, {a.threads} threads, median of {a.runs} interleaved runs (batch 1); "
          f"native bf16 on this CPU: {bf16_is_fast()}\n")
    print("| network | runner | median ms | vs reference | max abs diff |")
    print("|---|---|---|---|---|")
    for name, who, ms, ratio, diff in rows:
        print(f"| {name} | {who} | {ms:.1f} | {ratio:.2f}× | {diff:.1e} |")
    if pipe_ms is not None:
        print(f"\nfull pipeline for {a.model} (512 px drawing → prepare → generator → PIL, "
              f"{'bf16' if pipe.bf16 else 'fp32'}): {pipe_ms:.1f} ms median")
    if a.json:
        import json

        Path(a.json).write_text(json.dumps({
            "machine": at_start, "loadavg_end": machine()["loadavg"], "threads": a.threads, "runs": a.runs,
            "native_bf16": bf16_is_fast(),
            "rows": [dict(zip(("network", "runner", "ms", "vs_reference", "max_abs_diff"), r)) for r in rows],
            "pipeline": {"model": a.model, "ms": pipe_ms, "bf16": pipe.bf16} if pipe_ms is not None else None,
        }, indent=1))
        print(f"\nwrote {a.json}")


if __name__ == "__main__":
    main()
