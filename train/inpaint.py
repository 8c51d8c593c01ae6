#!/usr/bin/env python
"""Train a free-form inpainter (gated convolutions, SN-PatchGAN + hinge, L1) on any image data.

    python train/inpaint.py --dataset emoji --size 128 --out runs/emoji-inpaint
    accelerate launch train/inpaint.py --dataset folder:my_photos --size 256 --stages 2

Data: any single-image spec (mnist, noto, twemoji, emoji = Noto + Twemoji, folder:PATH,
hf:NAME[@SPLIT]); the holes are free-form masks drawn on the fly (ganzoo.data.masks).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without install

import numpy as np  # noqa: E402

from ganzoo.data import load_images, sources_of  # noqa: E402
from ganzoo.nn.inpaint import SIZES, InpaintConfig  # noqa: E402
from ganzoo.training.cli import add_config_args, add_loop_args, config_from_args, loop_config, parser, run  # noqa: E402
from ganzoo.training.inpaint import InpaintTask, InpaintTrainConfig  # noqa: E402

PREVIEW = 8


def parse_args(argv=None):
    p, d = parser(__doc__)
    d.add_argument("--dataset", default="emoji")
    d.add_argument("--size", type=int, choices=SIZES, default=128)
    d.add_argument("--source-size", type=int,
                   help="resolution the pictures are loaded at (default: --size); zoomed-in views are sharp "
                        "up to source-size / size, enlarged beyond (the emoji render at any size)")
    m = p.add_argument_group("model")
    m.add_argument("--cnum", type=int, default=32, help="first-layer channels (DeepFill v2: 48)")
    m.add_argument("--stages", type=int, choices=(1, 2), default=2, help="1: single stage, 2: coarse-to-fine")
    m.add_argument("--ndf", type=int, default=64)
    add_config_args(p.add_argument_group("training"), InpaintTrainConfig)
    add_loop_args(p, out="runs/inpaint", batch_size=16)
    return p.parse_args(argv)


def build(args):
    data = load_images(args.dataset, "train", args.source_size or args.size)
    try:
        held = load_images(args.dataset, "test", args.size)
    except (ValueError, FileNotFoundError):
        held = data
    if len(held) == 0:
        held = data
    mcfg = InpaintConfig(img_size=args.size, channels=data.images.shape[-1], cnum=args.cnum,
                         stages=args.stages, ndf=args.ndf)
    tcfg = config_from_args(InpaintTrainConfig, args)
    info = {"name": data.name, "sources": sources_of(data.name), "split": "train",
            "n": int(len(data)), "preview": "held-out" if held is not data else "train"}
    pick = np.linspace(0, len(held) - 1, min(PREVIEW, len(held))).round().astype(int)
    task = InpaintTask(mcfg, tcfg, info, preview=held.images[pick])
    return task, data, loop_config(args)


def main(argv=None):
    return run("train/inpaint.py", parse_args(argv), build, argv)


if __name__ == "__main__":
    main()
