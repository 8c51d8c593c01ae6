"""The inpainter's training command: any image data, the gated generator's size and stages."""
from __future__ import annotations

import numpy as np

from ...data import load_images, sources_of
from ...nn.inpaint import SIZES, InpaintConfig
from ..cli import Command, add_config_args, config_from_args
from ..inpaint import InpaintTask, InpaintTrainConfig

DOC = """Train a free-form inpainter (gated convolutions, SN-PatchGAN + hinge, L1) on any image data.

    python train/inpaint.py --dataset emoji --size 128 --out runs/emoji-inpaint
    accelerate launch train/inpaint.py --dataset folder:my_photos --size 256 --stages 2

Data: any single-image spec (mnist, noto, twemoji, emoji = Noto + Twemoji, folder:PATH,
hf:NAME[@SPLIT]); the holes are free-form masks drawn on the fly (ganzoo.data.masks).
"""
PREVIEW = 8


def add_arguments(p, d) -> None:
    d.add_argument("--dataset", default="emoji", help="a single-image spec (default: emoji)")
    d.add_argument("--size", type=int, choices=SIZES, default=128, help="the square size pictures are trained at")
    d.add_argument("--source-size", type=int,
                   help="resolution the pictures are loaded at (default: --size); zoomed-in views are sharp "
                        "up to source-size / size, enlarged beyond (the emoji render at any size)")
    m = p.add_argument_group("model")
    m.add_argument("--cnum", type=int, default=32, help="first-layer channels (DeepFill v2: 48)")
    m.add_argument("--stages", type=int, choices=(1, 2), default=2, help="1: single stage, 2: coarse-to-fine")
    m.add_argument("--ndf", type=int, default=64, help="discriminator width")
    add_config_args(p.add_argument_group("training"), InpaintTrainConfig)


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
    return InpaintTask(mcfg, tcfg, info, preview=held.images[pick]), data


COMMAND = Command(script="train/inpaint.py", doc=DOC, batch_size=16, add_arguments=add_arguments, build=build)
