"""The latent family's training command: the GAN loss (or the VAE), the DCGAN/FastGAN size, the data."""
from __future__ import annotations

from ...data import load_images, sources_of
from ...losses import LOSSES
from ...nn.dcgan import ARCHS, NORMS, SIZES, LatentGANConfig
from ..cli import Command, add_config_args, config_from_args
from ..latent import DISCS, LOSS_D_NORM, LOSS_PRESETS, LatentTask, LatentTrainConfig
from ..vae import VAETask

DOC = """Train a latent GAN (vanilla/NS, LSGAN, WGAN, WGAN-GP, SNGAN/hinge; optionally class-conditional),
or, with --loss vae, the VAE baseline whose decoder is the same generator.

    python train/latent.py --dataset mnist --conditional --steps 3000 --out runs/mnist-cgan
    accelerate launch train/latent.py --dataset emoji --loss hinge --size 64 --diffaug color,translation,cutout
"""


def add_arguments(p, d) -> None:
    d.add_argument("--dataset", required=True, help="mnist | noto | twemoji | emoji | folder:PATH | hf:NAME")
    d.add_argument("--size", type=int, choices=SIZES, help="image size (default: the dataset's native size)")
    d.add_argument("--split", default="train", help="train (default) | all")
    m = p.add_argument_group("model")
    m.add_argument("--conditional", action="store_true", help="class-conditional G and projection D")
    m.add_argument("--z-dim", type=int, default=128, help="length of the latent vector z")
    m.add_argument("--ngf", type=int, default=64, help="generator width")
    m.add_argument("--ndf", type=int, default=64, help="discriminator width")
    m.add_argument("--d-norm", choices=NORMS, help="default: chosen by --loss")
    m.add_argument("--g-spectral-norm", action="store_true", help="spectral norm in the generator too")
    m.add_argument("--arch", choices=[a for a in ARCHS if a != "fastgan-hub"], default="dcgan",
                   help="dcgan, or fastgan: 128 px, skip-layer excitation, a self-supervised D (few pictures)")
    t = p.add_argument_group("training")
    t.add_argument("--loss", choices=LOSSES + ("vae",), default="ns",
                   help="GAN objective, or vae: the VAE baseline (decoder = the same generator)")
    t.add_argument("--beta", type=float, default=1.0, help="--loss vae: weight of the KL term")
    add_config_args(t, LatentTrainConfig, skip=("loss",), presets=True,
                    choices={"optimizer": ("adam", "rmsprop"), "disc": DISCS,
                             "proj_norm": ("bn", "none")})


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
    info = {"name": data.name, "sources": sources_of(data.name), "split": args.split, "n_images": len(data)}
    if args.loss == "vae":
        return VAETask(mcfg, tcfg, info, beta=args.beta), data
    return LatentTask(mcfg, tcfg, info), data


COMMAND = Command(script="train/latent.py", doc=DOC, batch_size=64, add_arguments=add_arguments, build=build)
