#!/usr/bin/env python
"""Train a latent GAN (vanilla/NS, LSGAN, WGAN, WGAN-GP, SNGAN/hinge; optionally class-conditional),
or, with --loss vae, the VAE baseline whose decoder is the same generator.

    python train/latent.py --dataset mnist --conditional --steps 3000 --out runs/mnist-cgan
    accelerate launch train/latent.py --dataset emoji --loss hinge --size 64 --diffaug color,translation,cutout
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without install

from ganzoo.data import load_images, sources_of  # noqa: E402
from ganzoo.losses import LOSSES  # noqa: E402
from ganzoo.nn.dcgan import ARCHS, NORMS, SIZES, LatentGANConfig  # noqa: E402
from ganzoo.training import LOSS_D_NORM, LOSS_PRESETS, LatentTask, LatentTrainConfig, VAETask  # noqa: E402
from ganzoo.training.cli import add_config_args, add_loop_args, config_from_args, loop_config, parser, run  # noqa: E402


def parse_args(argv=None):
    p, d = parser(__doc__)
    d.add_argument("--dataset", required=True, help="mnist | noto | twemoji | emoji | folder:PATH | hf:NAME")
    d.add_argument("--size", type=int, choices=SIZES, help="image size (default: the dataset's native size)")
    d.add_argument("--split", default="train", help="train (default) | all")
    m = p.add_argument_group("model")
    m.add_argument("--conditional", action="store_true", help="class-conditional G and projection D")
    m.add_argument("--z-dim", type=int, default=128)
    m.add_argument("--ngf", type=int, default=64)
    m.add_argument("--ndf", type=int, default=64)
    m.add_argument("--d-norm", choices=NORMS, help="default: chosen by --loss")
    m.add_argument("--g-spectral-norm", action="store_true")
    m.add_argument("--arch", choices=ARCHS, default="dcgan",
                   help="dcgan, or fastgan: 128 px, skip-layer excitation, a self-supervised D (few pictures)")
    t = p.add_argument_group("training")
    t.add_argument("--loss", choices=LOSSES + ("vae",), default="ns",
                   help="GAN objective, or vae: the VAE baseline (decoder = the same generator)")
    t.add_argument("--beta", type=float, default=1.0, help="--loss vae: weight of the KL term")
    add_config_args(t, LatentTrainConfig, skip=("loss",), choices={"optimizer": ("adam", "rmsprop")}, presets=True)
    add_loop_args(p, out="runs/latent", batch_size=64)
    return p.parse_args(argv)


def build(args):
    data = load_images(args.dataset, split=args.split, size=args.size)
    h, w, c = data.images.shape[1:]
    if h != w or h not in SIZES:
        raise SystemExit(f"images are {w}×{h}; pass --size one of {SIZES}")
    n_classes = len(data.class_names) if (args.conditional and data.class_names) else 0
    if args.conditional and not n_classes:
        raise SystemExit(f"--conditional needs labelled data; {args.dataset} has no classes")
    mcfg = LatentGANConfig(img_size=h, channels=c, z_dim=args.z_dim, ngf=args.ngf, ndf=args.ndf,
                           num_classes=n_classes, class_names=list(data.class_names) if n_classes else None,
                           g_spectral_norm=args.g_spectral_norm, d_norm=args.d_norm or LOSS_D_NORM[args.loss],
                           arch=args.arch)
    tcfg = config_from_args(LatentTrainConfig, args, base=LOSS_PRESETS[args.loss], loss=args.loss)
    task_cls = VAETask if args.loss == "vae" else LatentTask
    extra = {"beta": args.beta} if args.loss == "vae" else {}
    info = {"name": data.name, "sources": sources_of(data.name),
            "split": args.split, "n_images": len(data)}
    loop = loop_config(args)
    return task_cls(mcfg, tcfg, info, **extra), data, loop


def main(argv=None):
    return run("train/latent.py", parse_args(argv), build, argv)


if __name__ == "__main__":
    main()
