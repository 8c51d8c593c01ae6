"""CycleGAN's training command: two unpaired domains, the generators' and PatchGANs' size."""
from __future__ import annotations

import numpy as np

from ...data.unpaired import load_unpaired
from ...nn.resnet import SIZES, CycleGANConfig
from ...nn.unet import NORMS
from ..cli import Command, add_config_args, config_from_args
from ..cyclegan import CycleGANTask, CycleGANTrainConfig

DOC = """Train a CycleGAN (two ResNet generators, two PatchGANs, LSGAN + cycle + identity) on unpaired images.

    python train/cyclegan.py --domain-a noto --domain-b twemoji --size 128 --out runs/noto2twemoji
    accelerate launch train/cyclegan.py --dataset cyclegan:datasets/horse2zebra --size 256

Data: two single-image specs (noto, twemoji, emoji, mnist, folder:PATH, hf:NAME[@SPLIT]), or
cyclegan:PATH with the public layout trainA/ trainB/ testA/ testB/.
"""
PREVIEW = 8


def add_arguments(p, d) -> None:
    d.add_argument("--dataset", help="cyclegan:PATH (trainA/ trainB/ folders)")
    d.add_argument("--domain-a", help="domain A as a single-image spec, e.g. noto")
    d.add_argument("--domain-b", help="domain B, e.g. twemoji")
    d.add_argument("--size", type=int, choices=SIZES, default=128, help="the square size pictures are trained at")
    m = p.add_argument_group("model")
    m.add_argument("--ngf", type=int, default=64, help="generator width (channels of its first layer)")
    m.add_argument("--ndf", type=int, default=64, help="discriminator width")
    m.add_argument("--n-blocks", type=int, help="residual blocks (default: 9 at 256 px, else 6)")
    m.add_argument("--n-layers", type=int, default=3, help="PatchGAN depth (3 = 70×70 patches)")
    m.add_argument("--norm", choices=NORMS, default="instance", help="normalisation layers of G and D")
    add_config_args(p.add_argument_group("training"), CycleGANTrainConfig)


def check(p, args) -> None:
    if bool(args.dataset) == bool(args.domain_a or args.domain_b) or (args.domain_a and not args.domain_b):
        p.error("give either --dataset cyclegan:PATH or both --domain-a and --domain-b")


def _load(args, split):
    if args.dataset:
        return load_unpaired(args.dataset, None, split, args.size)
    return load_unpaired(args.domain_a, args.domain_b, split, args.size)


def preview(held):
    """PREVIEW images of each domain spread evenly through the set (not the first few, which are
    sorted alike: all flags); where both domains have keys in common, the same items on both rows."""
    common = sorted(set(held.keys_a or []) & set(held.keys_b or []))
    if len(common) >= PREVIEW:
        pick = [common[i] for i in np.linspace(0, len(common) - 1, PREVIEW).round().astype(int)]
        return (held.a[[held.keys_a.index(k) for k in pick]], held.b[[held.keys_b.index(k) for k in pick]])
    return tuple(x[np.linspace(0, len(x) - 1, min(PREVIEW, len(x))).round().astype(int)] for x in (held.a, held.b))


def build(args):
    data = _load(args, "train")
    try:
        held = _load(args, "test")
    except (ValueError, FileNotFoundError):
        held = data
    c = data.a.shape[-1]
    mcfg = CycleGANConfig(img_size=args.size, in_channels=c, out_channels=data.b.shape[-1], ngf=args.ngf,
                          ndf=args.ndf, n_blocks=args.n_blocks or (9 if args.size == 256 else 6),
                          n_layers=args.n_layers, norm=args.norm)
    tcfg = config_from_args(CycleGANTrainConfig, args)
    info = {"name": data.name, "sources": [data.name_a, data.name_b], "split": "train",
            "n_a": int(len(data.a)), "n_b": int(len(data.b)), "preview": "held-out" if held is not data else "train"}
    task = CycleGANTask(mcfg, tcfg, info, preview=preview(held), domains=(data.name_a, data.name_b))
    return task, data


COMMAND = Command(script="train/cyclegan.py", doc=DOC, batch_size=1, add_arguments=add_arguments, build=build,
                  check=check)
