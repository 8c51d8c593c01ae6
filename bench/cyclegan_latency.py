#!/usr/bin/env python
"""CPU latency of CycleGAN generators: a reference-layout resnet_9blocks at 256 px and the shipped
model at 128 px.

    python bench/cyclegan_latency.py            # 2 threads, as on the machines the Space runs on

"reference" runs the network as the reference implementation's test script does: the plain
module in eval mode under torch.no_grad, fp32, NCHW. "ganzoo fp32" is the same module under
torch.inference_mode; "ganzoo bf16" casts the weights to bf16 once and runs channels_last, as
CycleGANPipeline does by default where the CPU has native bf16 (the last column: how far its
output moves from the reference's, in 8-bit grey levels). The runs are interleaved so that
machine noise hits all alike. Goal: ganzoo ≤ 0.7× reference with the same weights. Run it on an
otherwise idle machine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.nn.inference import bf16_is_fast  # noqa: E402
from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config  # noqa: E402
from ganzoo.nn.unet import init_normal  # noqa: E402
from ganzoo.pipelines import CycleGANPipeline  # noqa: E402
from ganzoo.nn.inference import inference_net  # noqa: E402
from ganzoo.pipelines.translate import _forward  # noqa: E402
from timing import interleaved_ms, median_ms  # noqa: E402  (bench/ is on sys.path)


def reference_resnet9() -> torch.nn.Module:
    """resnet_9blocks (ngf 64, instance norm, no dropout): the released generators' network."""
    torch.manual_seed(0)
    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=64, n_blocks=9))
    init_normal(g)
    return g.eval()


def compare(name: str, model: torch.nn.Module, x: torch.Tensor, runs: int) -> list[tuple]:
    fp32_net, _ = inference_net(model, "fp32")   # the pipelines' own recipe, both precisions
    bf16_net, _ = inference_net(model, "bf16")

    def ref():
        with torch.no_grad():
            return model(x)

    def fp32():
        with torch.inference_mode():
            return _forward(fp32_net, x, False)

    def bf16():
        with torch.inference_mode():
            return _forward(bf16_net, x, True)

    ref_out = ref()
    (m32, d32), (m16, d16) = (((d := (f().float() - ref_out).abs()).mean().item() * 127.5, d.max().item() * 127.5)
                              for f in (fp32, bf16))
    t_ref, t32, t16 = interleaved_ms([ref, fp32, bf16], runs)
    return [(name, "reference", t_ref, 1.0, 0.0, 0.0), (name, "ganzoo fp32", t32, t32 / t_ref, m32, d32),
            (name, "ganzoo bf16", t16, t16 / t_ref, m16, d16)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--model", default="noto2twemoji")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    rows = compare("resnet_9blocks, 256 px (released generators)", reference_resnet9(),
                   torch.rand(1, 3, 256, 256) * 2 - 1, a.runs)
    pipe_ms = None
    if a.model in ganzoo.list_models("cyclegan") or Path(a.model).is_dir():
        ck = ganzoo.load(a.model)
        m = ck.config["model"]
        s = m["img_size"]
        x = torch.rand(1, m["in_channels"], s, s) * 2 - 1
        rows += compare(f"{a.model} a2b ({s} px, ngf {m['ngf']}, {m['n_blocks']} blocks)", ck.model.a2b, x, a.runs)
        from PIL import Image
        picture = Image.effect_mandelbrot((640, 480), (-2, -1.2, 1, 1.2), 64).convert("RGB")
        pipe = CycleGANPipeline(ck)
        pipe_ms = median_ms(lambda: pipe.translate(picture, "a2b"), a.runs)

    print(f"\nCycleGAN generator CPU latency, {a.threads} threads, median of {a.runs} interleaved runs "
          f"(batch 1); native bf16 on this CPU: {bf16_is_fast()}\n")
    print("| network | runner | median ms | vs reference | output change, mean / max grey levels |")
    print("|---|---|---|---|---|")
    for name, who, ms, ratio, mean, mx in rows:
        print(f"| {name} | {who} | {ms:.1f} | {ratio:.2f}× | {mean:.2f} / {mx:.1f} |")
    if pipe_ms is not None:
        print(f"\nfull pipeline for {a.model} (640×480 picture → prepare → generator → PIL, "
              f"{'bf16' if pipe.bf16 else 'fp32'}): {pipe_ms:.1f} ms median")


if __name__ == "__main__":
    main()
