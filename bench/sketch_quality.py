#!/usr/bin/env python
"""Held-out quality of a sketch → image model against the true colour emoji, next to an L1-only
U-Net of the same size trained for the same steps.

    python bench/sketch_quality.py                                   # checkpoints/sketch2emoji
    python bench/sketch_quality.py --baseline runs/sketch2emoji-l1/final --doodles examples/sketches --write

Inputs: the 222 held-out OpenMoji line drawings, (a) clean and (b) made to look hand-drawn by the
training degradations with a fixed seed. Metrics (torchmetrics, images in [0, 1]): L1, PSNR, SSIM
against the true colour emoji — these reward a safe average colour — and two that show what the
adversarial loss is for: colourfulness (mean RGB chroma, max − min, inside the emoji) and sharpness (mean gradient magnitude) of the
outputs, next to those of the true emoji. --write stores the numbers, a GAN-vs-L1 grid and a grid
of the --doodles drawings in the checkpoint's config and model card.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ganzoo  # noqa: E402
from ganzoo.cards import record_metrics  # noqa: E402
from ganzoo.data.paired import load_pairs  # noqa: E402
from ganzoo.data.sketchaug import degrade_sketch  # noqa: E402
from ganzoo.pipelines import Pix2PixPipeline  # noqa: E402
from ganzoo.utils import make_grid, to_tensor  # noqa: E402

SEED = 1234


@torch.inference_mode()
def _run(pipe: Pix2PixPipeline, a: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """The generator exactly as the app runs it (same precision), on ready-made model inputs."""
    return torch.cat([pipe.run(a[i:i + batch]) for i in range(0, len(a), batch)])


def _chroma(x01: torch.Tensor, inside: torch.Tensor) -> float:
    # max − min of RGB (colourfulness that, unlike HSV saturation, does not blow up near-white
    # noise), averaged inside the true emoji: the white background would only dilute it
    c = x01.amax(1) - x01.amin(1)
    return float((c * inside).sum() / inside.sum())


def _sharpness(x01: torch.Tensor) -> float:
    g = x01.mean(1, keepdim=True)
    return float(((g[..., 1:, :] - g[..., :-1, :]).abs().mean() + (g[..., :, 1:] - g[..., :, :-1]).abs().mean()) / 2)


def _inside(r01: torch.Tensor) -> torch.Tensor:
    return (r01.amin(1) < 0.9).float()  # not (near-)white in the true emoji


def scores(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

    f, r = (fake.clamp(-1, 1) + 1) / 2, (real + 1) / 2
    return {"l1": float((f - r).abs().mean()),
            "psnr": float(peak_signal_noise_ratio(f, r, data_range=1.0)),
            "ssim": float(structural_similarity_index_measure(f, r, data_range=1.0)),
            "chroma": _chroma(f, _inside(r)), "sharpness": _sharpness(f)}


def _doodle_grid(pipe: Pix2PixPipeline, folder: Path):
    files = sorted(folder.glob("*.png"))
    if not files:
        return None, []
    cells = []
    for f in files:
        drawn = Image.open(f).convert("RGB")
        seen, made = pipe.translate(drawn)
        s = pipe.size
        cells += [drawn.resize((s, s), Image.Resampling.LANCZOS), seen.convert("RGB"), made]
    x = to_tensor(np.stack([np.asarray(c) for c in cells]))
    return make_grid(x, nrow=6), [f.stem for f in files]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?", default="sketch2emoji")
    ap.add_argument("--baseline", help="the L1-only U-Net checkpoint folder to compare with")
    ap.add_argument("--doodles", help="a folder of hand-drawn PNG sketches to show in the card")
    ap.add_argument("--write", action="store_true", help="store numbers and figures in the checkpoint")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    ckpt = ganzoo.load(a.checkpoint)
    size = ckpt.config["model"]["img_size"]
    held = load_pairs("openmoji", "test", size)
    clean, real = to_tensor(held.a), to_tensor(held.b)
    degraded = degrade_sketch(clean, torch.Generator().manual_seed(SEED))
    models = {"pix2pix (GAN + L1)": Pix2PixPipeline(ckpt)}
    if a.baseline:
        models["L1-only U-Net"] = Pix2PixPipeline(ganzoo.load(a.baseline))

    rows, outs = {}, {}
    for name, model in models.items():
        for kind, inp in (("clean", clean), ("hand-drawn", degraded)):
            out = _run(model, inp)
            rows[(name, kind)] = scores(out, real)
            outs[(name, kind)] = out
    r01 = (real + 1) / 2
    truth = {"chroma": _chroma(r01, _inside(r01)), "sharpness": _sharpness(r01)}

    precision = "bf16" if models["pix2pix (GAN + L1)"].bf16 else "fp32"
    print(f"\n{a.checkpoint}: {len(held)} held-out OpenMoji pairs at {size} px, {precision} inference as in the app\n")
    print(f"| model | input | L1 ↓ | PSNR ↑ | SSIM ↑ | chroma | sharpness |")
    print("|---|---|---|---|---|---|---|")
    for (name, kind), m in rows.items():
        print(f"| {name} | {kind} | {m['l1']:.4f} | {m['psnr']:.2f} | {m['ssim']:.4f} | "
              f"{m['chroma']:.3f} | {m['sharpness']:.4f} |")
    print(f"| true colour emoji | | | | | {truth['chroma']:.3f} | {truth['sharpness']:.4f} |\n")

    if not a.write:
        return
    folder = ckpt.path
    gan = rows[("pix2pix (GAN + L1)", "clean")]
    metrics = {f"heldout_{k}": round(v, 4) for k, v in gan.items()}
    metrics.update({f"heldout_handdrawn_{k}": round(v, 4) for k, v in rows[("pix2pix (GAN + L1)", "hand-drawn")].items()})
    if a.baseline:
        base = rows[("L1-only U-Net", "clean")]
        metrics.update({f"l1_only_heldout_{k}": round(v, 4) for k, v in base.items()})
    metrics.update({f"true_{k}": round(v, 4) for k, v in truth.items()})
    notes = (f"Measured by `python bench/sketch_quality.py` on the {len(held)} held-out OpenMoji "
             f"pairs (never trained on), run as the app runs it ({precision} on this CPU), inputs = the clean line art; `handdrawn` = the same "
             f"line art through the training degradations (seed {SEED}). L1/PSNR/SSIM from "
             "torchmetrics on [0, 1] images; chroma = mean RGB max − min inside the true emoji (colourfulness); sharpness = "
             "mean absolute grey-level gradient. `l1_only_*`: an L1-only U-Net of the same "
             "size trained for the same steps on the same data.")
    extra = ["## All numbers", "", "| model | input | L1 ↓ | PSNR ↑ | SSIM ↑ | chroma | sharpness |",
             "|---|---|---|---|---|---|---|"]
    extra += [f"| {n} | {k} | {m['l1']:.4f} | {m['psnr']:.2f} | {m['ssim']:.4f} | {m['chroma']:.3f} | "
              f"{m['sharpness']:.4f} |" for (n, k), m in rows.items()]
    extra += [f"| true colour emoji | | | | | {truth['chroma']:.3f} | {truth['sharpness']:.4f} |", ""]
    if a.baseline:
        n = 16
        pick = torch.linspace(0, len(held) - 1, n).long()
        cells = []
        for i in pick:
            cells += [clean[i].expand(3, -1, -1), outs[("L1-only U-Net", "clean")][i],
                      outs[("pix2pix (GAN + L1)", "clean")][i], real[i]]
        make_grid(torch.stack(cells), nrow=8).save(folder / "gan_vs_l1.png")
        extra += ["## GAN vs L1-only (held-out)", "",
                  "Each group of four: the held-out line drawing, the L1-only U-Net, this model "
                  "(GAN + L1), the true colour emoji.", "", "![GAN vs L1](gan_vs_l1.png)", ""]
    if a.doodles:
        grid, names = _doodle_grid(Pix2PixPipeline(ckpt), Path(a.doodles))
        if grid is not None:
            grid.save(folder / "doodles.png")
            extra += ["## Drawings that are not from the data set", "",
                      f"Drawn with a mouse in the app's Sketchpad (headless Chromium): {', '.join(names)}. "
                      "Each group of three: the drawing, what the model sees after centring and stroke "
                      "evening, the result.", "", "![doodles](doodles.png)", ""]
    record_metrics(folder, metrics, notes, "\n".join(extra))
    print(f"wrote metrics and figures to {folder}")


if __name__ == "__main__":
    main()
