#!/usr/bin/env python
"""CPU latency of CycleGAN generators: a reference-layout resnet_9blocks at 256 px and the shipped
model at 128 px; and a 1024×768 photo through the whole pipeline with the photo models, at each
detail setting of the Domain transfer tab (goal: ≤ 2 s at the default).

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
from timing import interleaved_ms, median_ms  # noqa: E402  (bench/ is on sys.path)


def reference_resnet9() -> torch.nn.Module:
    """resnet_9blocks (ngf 64, instance norm, no dropout): the released generators' network."""
    torch.manual_seed(0)
    g = resnet_from_config(CycleGANConfig(img_size=256, ngf=64, n_blocks=9))
    init_normal(g)
    return g.eval()


def _forward(net, x: torch.Tensor, bf16: bool) -> torch.Tensor:
    """What the pipelines' forward does: bf16 weights take bf16, channels-last input."""
    return net(x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)).float() if bf16 else net(x)


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
    ap.add_argument("--json", default=str(Path(__file__).resolve().parent / "results" / "cyclegan_latency.json"),
                    help="also write the rows here, with the machine (the README is made from it)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from timing import machine

    at_start = machine(a.note)

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

    photo_rows = photo_latency(max(3, a.runs // 4))
    print(f"\nCycleGAN generator CPU latency, {a.threads} threads, median of {a.runs} interleaved runs "
          f"(batch 1); native bf16 on this CPU: {bf16_is_fast()}\n")
    print("| network | runner | median ms | vs reference | output change, mean / max grey levels |")
    print("|---|---|---|---|---|")
    for name, who, ms, ratio, mean, mx in rows:
        print(f"| {name} | {who} | {ms:.1f} | {ratio:.2f}× | {mean:.2f} / {mx:.1f} |")
    if pipe_ms is not None:
        print(f"\nfull pipeline for {a.model} (640×480 picture → prepare → generator → PIL, "
              f"{'bf16' if pipe.bf16 else 'fp32'}): {pipe_ms:.1f} ms median")
    print("\nA 1024×768 photo through the whole pipeline (decode → resize → generator → PIL), "
          "the Domain transfer tab's detail settings:\n")
    print("| model | detail | long side | median ms | goal |")
    print("|---|---|---|---:|---|")
    for model, detail, side, ms in photo_rows:
        goal = ("≤ 2000 ✅" if ms <= 2000 else "≤ 2000 ❌") if detail == "standard" else ""
        print(f"| {model} | {detail} | {side} px | {ms:.0f} | {goal} |")
    if a.json:
        import json

        Path(a.json).write_text(json.dumps({
            "machine": at_start, "loadavg_end": machine()["loadavg"], "threads": a.threads, "runs": a.runs,
            "native_bf16": bf16_is_fast(),
            "rows": [dict(zip(("network", "runner", "ms", "vs_reference", "mean_grey", "max_grey"), r)) for r in rows],
            "pipeline": {"model": a.model, "ms": pipe_ms, "bf16": pipe.bf16} if pipe_ms is not None else None,
            "photo": [dict(zip(("model", "detail", "long_side", "ms"), r)) for r in photo_rows],
        }, indent=1))
        print(f"\nwrote {a.json}")


def photo_latency(runs: int) -> list[tuple]:
    """(model, detail, long side, ms) for a 1024×768 photo: a released-layout generator trained at
    256 px (weights made here: the time does not depend on them) and vintagify's, at 512 px."""
    import io

    from PIL import Image

    from ganzoo import hub, released
    from ganzoo.nn.resnet import GeneratorPair

    sys.path.insert(0, str(ROOT))
    from tabs.transfer import DETAIL

    buf = io.BytesIO()
    Image.open(ROOT / "examples" / "photos" / "rocket.jpg").resize((1024, 768)).save(buf, "JPEG", quality=92)
    photo = buf.getvalue()
    cfg = CycleGANConfig(img_size=256, ngf=64, n_blocks=9, directions=("a2b",))
    pipes = {"a released photo model (resnet_9blocks, 256 px)": CycleGANPipeline(hub.Checkpoint(
        Path("released-layout"), {"family": "cyclegan", "model": cfg.to_dict()}, GeneratorPair(cfg, reference_resnet9())))}
    try:
        pipes["vintage-photo (vintagify, 512 px)"] = CycleGANPipeline.from_pretrained(released.fetch("vintage-photo"))
    except released.ReleasedModelError as e:
        print(f"(no vintage-photo row: {e})")
    rows = []
    for name, pipe in pipes.items():
        for detail, k in DETAIL.items():
            side = round(pipe.cfg.img_size * k)
            rows.append((name, detail, side, median_ms(lambda: pipe.translate(photo, "a2b", side), runs)))  # noqa: B023 - timed here
    return rows


if __name__ == "__main__":
    main()
