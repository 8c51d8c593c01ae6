"""The super-resolution training command: emoji drawn small and large from their SVGs, the
generator's architecture and the discriminator's width, the training config."""
from __future__ import annotations

import numpy as np

from ...data import distil, photo_sr
from ...data.sr import SPECS, load_sr_pairs
from ...nn.sr import ARCHS, SRConfig
from ..cli import Command, add_config_args, config_from_args
from ..sr import GAN_LOSSES, SRTask, SRTrainConfig

DOC = """Train a super-resolution GAN (ESRGAN recipe: L1 warm-up, then U-Net discriminator + L1 + perceptual).

    python train/sr.py --dataset emoji-svg --size 64 --scale 4 --num-feat 48 --num-conv 12 --out runs/emoji-sr
    python train/sr.py --l1-steps 100000 ...                    # L1 only (Real-ESRNet), the GAN's baseline
    accelerate launch train/sr.py --arch rrdb --num-blocks 6 --crop 64 --ndf 64 ...

Data (ganzoo.data.sr): twemoji | openmoji | emoji-svg (both): every emoji rasterised from its SVG
at --size px (the input) and at scale × size px (the exact target); the held-out emoji split of
the emoji recipes is never trained on, and its first pictures are the sample grids' preview.
photos (ganzoo.data.photo_sr): --crops random scale × size px crops of every training photo of
ganzoo.data.photos, each degraded once the Real-ESRGAN way; the preview: held-out photos' crops.

    python train/sr.py --dataset photos --size 48 --crops 48 --num-feat 48 --num-conv 12 --out runs/photo-sr
"""
PREVIEW = 8  # held-out pairs in every sample grid
TEACHERS = ("realesrgan-x4plus", "realsr-df2k")   # offline, ×4, made for photos (ganzoo.upscalers)


def add_arguments(p, d) -> None:
    d.add_argument("--dataset", choices=sorted(SPECS) + [photo_sr.NAME], default="emoji-svg",
                   help="which SVG emoji, or photos (default: emoji-svg)")
    d.add_argument("--crops", type=int, default=32, help="photos: degraded crops cut from every photo")
    d.add_argument("--size", type=int, default=64, help="the side the small (input) pictures are drawn at")
    d.add_argument("--limit", type=int, help="only this many emoji per vendor, spread over the set (a smoke test)")
    d.add_argument("--teacher", choices=TEACHERS,
                   help="photos: train on this released upscaler's answers to the degraded crops instead of the true "
                        "crops (knowledge distillation, ganzoo.data.distil; computed once and cached)")
    m = p.add_argument_group("model")
    m.add_argument("--arch", choices=ARCHS, default="compact", help="compact (SRVGGNetCompact) or rrdb (ESRGAN's RRDBNet)")
    m.add_argument("--scale", type=int, choices=(2, 3, 4), default=4, help="the network's upscaling factor")
    m.add_argument("--num-feat", type=int, default=64, help="generator width (channels of its convs)")
    m.add_argument("--num-conv", type=int, default=16, help="compact: 3×3 convs in the body")
    m.add_argument("--num-blocks", type=int, default=23, help="rrdb: residual-in-residual dense blocks")
    m.add_argument("--act", choices=("prelu", "relu", "leakyrelu"), default="prelu", help="compact's activation")
    m.add_argument("--crop", type=int, default=32,
                   help="training crop side at the low resolution (the discriminator sees scale × it)")
    m.add_argument("--ndf", type=int, default=64, help="discriminator width (Real-ESRGAN: 64)")
    add_config_args(p.add_argument_group("training"), SRTrainConfig, choices={"gan_loss": GAN_LOSSES})


def check(p, args) -> None:
    if args.crop > args.size:
        p.error(f"--crop {args.crop} is larger than the pictures (--size {args.size})")
    if args.teacher and (args.dataset != photo_sr.NAME or args.scale != 4):
        p.error("--teacher distils a ×4 photo upscaler: it needs --dataset photos and --scale 4")


def build(args):
    if args.dataset == photo_sr.NAME:
        return build_photos(args)
    data = load_sr_pairs(args.dataset, "train", args.size, args.scale, limit=args.limit)
    held = load_sr_pairs(args.dataset, "test", args.size, args.scale, limit=args.limit)
    if len(held) == 0:
        held = data
    mcfg, tcfg = configs(args)
    info = {"name": data.name, "sources": list(SPECS[args.dataset]), "split": "train", "n_pairs": len(data),
            "lr_size": args.size, "hr_size": args.size * args.scale, "license": data.license,
            "degradation": "the SVG rasterised at the small size (resvg), on white",
            "heldout": "ganzoo.data.emoji.is_heldout (the emoji recipes' split, ~10% of base code points)",
            "preview": "held-out" if held is not data else "train"}
    if args.limit:
        info["limit"] = args.limit
    return SRTask(mcfg, tcfg, info, preview=preview(held)), data


def configs(args) -> tuple[SRConfig, SRTrainConfig]:
    mcfg = SRConfig(arch=args.arch, scale=args.scale, in_channels=3, num_feat=args.num_feat, num_conv=args.num_conv,
                    num_blocks=args.num_blocks, act=args.act, img_size=args.crop, ndf=args.ndf)
    return mcfg, config_from_args(SRTrainConfig, args)


def preview(held):
    pick = np.linspace(0, len(held) - 1, min(PREVIEW, len(held))).round().astype(int)
    return held.a[pick], held.b[pick]


def build_photos(args):
    data = photo_sr.load_photo_sr_pairs("train", args.size, args.scale, crops=args.crops, seed=args.seed)
    held = photo_sr.load_photo_sr_pairs("test", args.size, args.scale, crops=1, seed=args.seed)
    if args.teacher:   # the preview keeps the true crops: the grid shows what the student is measured against
        data = distil.teacher_targets(data, args.teacher, args.scale, progress=_teacher_progress(args.teacher),
                                      cache=f"sr_photos_{args.size}x{args.scale}_c{args.crops}_s{args.seed}_{args.teacher}.npz")
    mcfg, tcfg = configs(args)
    info = {"name": photo_sr.NAME, "sources": ["ganzoo.data.photos"], "split": "train", "n_pairs": len(data),
            "n_photos": len({k.split(":")[0] for k in data.keys}), "lr_size": args.size, "hr_size": args.size * args.scale,
            "license": data.license, "degradation": "ganzoo.data.degrade: Real-ESRGAN's two rounds of blur, resize, "
            "noise and JPEG (Gaussian kernels only), one fixed draw per crop",
            "crops_per_photo": args.crops, "photo_max_side": photo_sr.MAX_SIDE,
            "heldout": "ganzoo.data.photos.HELDOUT (named photos, never trained on)", "preview": "held-out"}
    if args.teacher:
        info["teacher"] = {"name": args.teacher, "how": "the targets are the teacher's fp32 answers to the degraded "
                           "crops, rounded to 8 bits (ganzoo.data.distil); the preview shows the true crops"}
    return SRTask(mcfg, tcfg, info, preview=preview(held)), data


def _teacher_progress(name: str):
    def report(done: int, total: int) -> None:   # batches of 8: a line about every 64 crops
        if done % 64 < 8 or done == total:
            print(f"teacher {name}: {done}/{total} crops", flush=True)
    return report


COMMAND = Command(script="train/sr.py", doc=DOC, batch_size=16, add_arguments=add_arguments, build=build, check=check)
