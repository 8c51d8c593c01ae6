"""pix2pix's training command: paired data, the U-Net's and PatchGAN's size, the training config."""
from __future__ import annotations

import numpy as np

from ...data.paired import load_pairs
from ...nn.unet import NORMS, SIZES, Pix2PixConfig
from ..cli import Command, add_config_args, config_from_args
from ..pix2pix import AUGMENTS, GAN_LOSSES, Pix2PixTask, Pix2PixTrainConfig

DOC = """Train pix2pix (U-Net generator + PatchGAN, adversarial + λ·L1) on paired images.

    python train/pix2pix.py --dataset openmoji --size 128 --ngf 32 --ndf 32 --steps 6000 --out runs/sketch2emoji
    python train/pix2pix.py --dataset openmoji --l1-only ...          # the L1-only baseline, same U-Net
    accelerate launch train/pix2pix.py --dataset ab:datasets/facades --size 256 --augment joint
    python train/pix2pix.py --dataset edges:folder:photos/ --size 128  # any image folder → sketch → image

Data: openmoji | ab:PATH[@BtoA] (side-by-side AB images) | ab-folders:PATH (A/ and B/) |
      hf:NAME[@SPLIT] (two image columns) | edges:SPEC (edge maps of any image spec).
"""
PREVIEW = 16  # pairs in every sample grid (held-out ones when the data has a held-out split)


def add_arguments(p, d) -> None:
    d.add_argument("--dataset", required=True, help="openmoji | ab:PATH | ab-folders:PATH | hf:NAME | edges:SPEC")
    d.add_argument("--size", type=int, choices=SIZES, default=128, help="the square size pictures are trained at")
    d.add_argument("--augment", choices=AUGMENTS,
                   help="sketch (default for openmoji/edges: hand-drawn stroke degradations) | joint | none")
    m = p.add_argument_group("model")
    m.add_argument("--ngf", type=int, default=64, help="generator width (channels of its first layer)")
    m.add_argument("--ndf", type=int, default=64, help="discriminator width")
    m.add_argument("--n-layers", type=int, default=3, help="PatchGAN depth (3 = 70×70 patches)")
    m.add_argument("--num-downs", type=int, help="U-Net depth (default log2(size): a 1×1 bottleneck)")
    m.add_argument("--norm", choices=NORMS, default="batch", help="normalisation layers of G and D")
    m.add_argument("--no-dropout", action="store_true", help="no dropout in the U-Net's inner layers")
    add_config_args(p.add_argument_group("training"), Pix2PixTrainConfig, skip=("augment",),
                    choices={"gan_loss": GAN_LOSSES})


def _is_sketch_data(spec: str) -> bool:
    return spec == "openmoji" or spec.startswith("edges:")


def _preview(spec: str, size: int, train):
    try:
        held = load_pairs(spec, "test", size)
    except (ValueError, FileNotFoundError):  # no held-out part: show training pairs
        held = train
    n = min(PREVIEW, len(held))
    return held.a[:n], held.b[:n], held is not train


def sketch_fill(a) -> float:
    """Median fraction of the canvas that the drawing's bounding box spans (its long side)."""
    ink = a[..., 0] < 192
    rows, cols = ink.any(2), ink.any(1)
    spans = []
    for r, c in zip(rows, cols):
        if r.any():
            ys, xs = np.flatnonzero(r), np.flatnonzero(c)
            spans.append(max(ys[-1] - ys[0], xs[-1] - xs[0]) + 1)
    return round(float(np.median(spans)) / a.shape[1], 3) if spans else 0.75


def build(args):
    data = load_pairs(args.dataset, "train", args.size)
    a_ch, b_ch = data.a.shape[-1], data.b.shape[-1]
    mcfg = Pix2PixConfig(img_size=args.size, in_channels=a_ch, out_channels=b_ch, ngf=args.ngf, ndf=args.ndf,
                         n_layers=args.n_layers, num_downs=args.num_downs, norm=args.norm,
                         use_dropout=not args.no_dropout)
    augment = args.augment or ("sketch" if _is_sketch_data(args.dataset) else "joint")
    if augment == "sketch" and a_ch != 1:
        raise SystemExit("--augment sketch needs grey (1-channel) line-art inputs; use --augment joint")
    tcfg = config_from_args(Pix2PixTrainConfig, args, augment=augment)
    pa, pb, held = _preview(args.dataset, args.size, data)
    info = {"name": data.name, "sources": [data.name], "split": "train", "n_pairs": len(data),
            "license": data.license, "preview": "held-out" if held else "train"}
    # how the app should prepare an input: sketches are centred and scaled like the training line art
    input_info = {"kind": "sketch", "fill": sketch_fill(data.a)} if augment == "sketch" else {"kind": "image"}
    return Pix2PixTask(mcfg, tcfg, info, preview=(pa, pb), input_info=input_info), data


COMMAND = Command(script="train/pix2pix.py", doc=DOC, batch_size=16, add_arguments=add_arguments, build=build)
