#!/usr/bin/env python
"""A super-resolution model against bicubic on held-out pictures degraded as its training data is.

    python bench/sr_quality.py checkpoints/emoji-sr --grid /tmp/sr_samples/heldout.png
    python bench/sr_quality.py runs/emoji-sr/final --also l1=runs/emoji-sr-l1/final   # more models, same pictures
    python bench/sr_quality.py checkpoints/emoji-sr --write   # the table and grid into its card

The pictures are those of the model's training data (ganzoo.data.sr): the held-out emoji split
(ganzoo.data.emoji.is_heldout), each SVG rasterised at the model's input size (the degradation it
was trained on) and at scale × that (the truth). Every input goes through SRPipeline as the app
runs it; bicubic is PIL's (ganzoo.pipelines.upscale.bicubic). PSNR (peak 255) on RGB and on the
BT.601 luma Y over the whole picture, per picture, then averaged. The grid: for spread-out
emoji, the input enlarged by nearest neighbour | bicubic | the model(s) | the truth.

A model trained on photos (ganzoo.data.photo_sr) is measured on crops of the held-out photos,
degraded the Real-ESRGAN way (ganzoo.data.degrade, seeded: the same pictures every run), i.e. a
blurred, resized, noisy, JPEG'd photo, as its training inputs are; `--also realsr=realsr-df2k`
puts the packaged upscalers on the same pictures.

This is not `python -m ganzoo.evaluate`, which measures pictures shrunk by bicubic; here the input
is the picture degraded as the model was trained for (an emoji as a renderer draws it small).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganzoo import hub  # noqa: E402
from ganzoo.cards import replace_section, update_config, write_model_card  # noqa: E402
from ganzoo.data.common import PairSet  # noqa: E402
from ganzoo.data.photo_sr import MAX_SIDE as PHOTO_MAX_SIDE  # noqa: E402
from ganzoo.data.photo_sr import NAME as PHOTOS  # noqa: E402
from ganzoo.data.photo_sr import load_photo_sr_pairs  # noqa: E402
from ganzoo.data.sr import load_sr_pairs  # noqa: E402
from ganzoo.evaluate import shrink  # noqa: E402  (the evaluator's own bicubic inputs)
from ganzoo.pipelines.upscale import SRPipeline, bicubic  # noqa: E402

GRID_N = 8
PHOTO_CROPS = 4   # degraded crops per held-out photo
_Y = np.array([65.481, 128.553, 24.966]) / 255.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    return psnr(16 + a.astype(np.float64) @ _Y, 16 + b.astype(np.float64) @ _Y)


def measure(models: dict[str, SRPipeline], held, scale: int) -> tuple[dict, dict]:
    """({method: {metric: mean}}, {method: outputs of the grid's pictures})."""
    pick = set(np.linspace(0, len(held) - 1, GRID_N).round().astype(int).tolist())
    scores = {m: {"psnr": [], "psnr_y": []} for m in ["bicubic", *models]}
    by_vendor: dict[str, dict[str, list]] = {}
    shown = {m: [] for m in scores}
    seconds = {m: 0.0 for m in models}
    for i, (lr, hr, key) in enumerate(zip(held.a, held.b, held.keys)):
        outs = {"bicubic": np.asarray(bicubic(Image.fromarray(lr), scale))}
        for name, pipe in models.items():
            t = time.perf_counter()
            outs[name] = np.asarray(pipe(Image.fromarray(lr), scale=scale))
            seconds[name] += time.perf_counter() - t
        vendor = key.split(":")[0] if held.name != PHOTOS else held.name
        for m, out in outs.items():
            p = psnr(out, hr)
            scores[m]["psnr"].append(p)
            scores[m]["psnr_y"].append(psnr_y(out, hr))
            by_vendor.setdefault(vendor, {}).setdefault(m, []).append(p)
            if i in pick:
                shown[m].append(out)
    table = {m: {k: round(float(np.mean(v)), 3) for k, v in s.items()} for m, s in scores.items()}
    for m in models:
        table[m]["ms_per_picture"] = round(1000 * seconds[m] / len(held), 1)
    for vendor, per in by_vendor.items():
        for m, v in per.items():
            table[m][f"psnr_{vendor}"] = round(float(np.mean(v)), 3)
    shown["pick"] = sorted(pick)
    return table, shown


def grid(held, shown: dict, scale: int, names: list[str]) -> Image.Image:
    """One row per emoji: input (nearest) | bicubic | each model | truth, 2-px white gaps."""
    side = held.b.shape[1]
    cols = 2 + len(names) + 1
    img = Image.new("RGB", (cols * (side + 2) + 2, len(shown["pick"]) * (side + 2) + 2), "white")
    for r, i in enumerate(shown["pick"]):
        cells = [Image.fromarray(held.a[i]).resize((side, side), Image.Resampling.NEAREST),
                 Image.fromarray(shown["bicubic"][r]), *(Image.fromarray(shown[n][r]) for n in names),
                 Image.fromarray(held.b[i])]
        for c, cell in enumerate(cells):
            img.paste(cell, (2 + c * (side + 2), 2 + r * (side + 2)))
    return img


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="an sr checkpoint trained on ganzoo.data.sr (folder or name)")
    p.add_argument("--also", action="append", default=[], metavar="NAME=MODEL", help="more models on the same pictures")
    p.add_argument("--limit", type=int, help="only this many emoji per vendor (spread over the set)")
    p.add_argument("--grid", help="where to save the comparison grid (PNG)")
    p.add_argument("--write", action="store_true", help="the table and grid (heldout.png) into the model's card")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    p.add_argument("--clean", action="store_true",
                   help="photos: the inputs are the true crops shrunk by bicubic (a plain small photo), not degraded")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = hub.read_config(args.model)
    data, scale = cfg["data"], cfg["model"]["scale"]
    if data["name"] == PHOTOS:
        held = load_photo_sr_pairs("test", data["lr_size"], scale, crops=args.limit or PHOTO_CROPS, seed=1,
                                   max_side=data.get("photo_max_side", PHOTO_MAX_SIDE))
        if args.clean:
            held = PairSet(a=np.stack([shrink(b, scale) for b in held.b]), b=held.b, keys=held.keys, name=held.name,
                           license=held.license)
    else:
        held = load_sr_pairs(data["name"], "test", data["lr_size"], scale, limit=args.limit)
    models = {"model": SRPipeline.from_pretrained(args.model)}
    models.update({n: SRPipeline.from_pretrained(m) for n, m in (a.split("=", 1) for a in args.also)})
    table, shown = measure(models, held, scale)
    gain = round(table["model"]["psnr"] - table["bicubic"]["psnr"], 2)
    report = {"pictures": len(held), "input_px": data["lr_size"], "scale": scale, "table": table,
              "gain_over_bicubic_db": gain}
    print(json.dumps(report, indent=2))
    img = grid(held, shown, scale, list(models))
    if args.grid:
        Path(args.grid).parent.mkdir(parents=True, exist_ok=True)
        img.save(args.grid)
        print(f"grid: {args.grid} (input | bicubic | {' | '.join(models)} | truth)")
    if args.write:
        folder = hub.resolve(args.model)
        figure = "heldout_clean.png" if args.clean else "heldout.png"
        img.save(folder / figure)
        groups = [PHOTOS] if held.name == PHOTOS else data["sources"]
        how = ("shrunk by bicubic (antialiased PIL) to" if args.clean else
               "degraded by ganzoo.data.degrade (seed 1), as the training inputs are, to")
        what = (f"{len(held)} crops of the held-out photos of ganzoo.data.photos (never trained on), {data['lr_size'] * scale} "
                f"px each (the truth), {how} {data['lr_size']} px (the input)" if held.name == PHOTOS else
                f"{len(held)} held-out emoji of {data['name']} (never trained on), each SVG drawn at {data['lr_size']} px "
                f"(the input) and at {data['lr_size'] * scale} px (the truth)")
        lines = ["## Held-out " + (f"photos, {'clean' if args.clean else 'degraded'}" if held.name == PHOTOS else "emoji"), "",
                 f"Measured by `python bench/sr_quality.py {folder.name}`: the {what}, upscaled ×{scale} through "
                 "SRPipeline; PSNR (peak 255) per picture over the whole picture, averaged.", "",
                 "| method | PSNR RGB, dB | PSNR Y, dB | " + " | ".join(f"PSNR {v}" for v in groups) + " |",
                 "|---|---|---|" + "---|" * len(groups)]
        for m, row in table.items():
            lines.append(f"| {'this model' if m == 'model' else m} | {row['psnr']:.2f} | {row['psnr_y']:.2f} | "
                         + " | ".join(f"{row.get('psnr_' + v, float('nan')):.2f}" for v in groups) + " |")
        lines += ["", f"PSNR over bicubic: {gain:+.2f} dB.", "",
                  f"Rows: the input enlarged by nearest neighbour | bicubic | {' | '.join(models)} | the truth.", "",
                  f"![held-out]({figure})", ""]
        update_config(folder, card_extra=replace_section(cfg.get("card_extra", ""), "\n".join(lines)))
        write_model_card(folder)
        print(f"wrote {figure} and the table into {folder}")
    return report


if __name__ == "__main__":
    main()
