"""Import generators released by the reference pix2pix/CycleGAN implementation (`.pth` files).

    ckpt = ganzoo.load("facades_label2photo.pth")          # one call: detect, load, run
    ckpt = ganzoo.load("horse2zebra.pth")                  # a CycleGAN ResnetGenerator: family cyclegan
    python -m ganzoo.reference facades_label2photo.pth      # or save it as a ganzoo model folder

Files are read with `torch.load(weights_only=True)` only: a file that holds pickled Python objects
besides tensors is refused, never executed. The architecture is read off the keys and shapes, and
the state dict must then load strictly.
"""
from __future__ import annotations

import argparse
import pickle
import re
import urllib.request
from pathlib import Path

import torch

from . import hub
from .nn.resnet import CycleGANConfig, GeneratorPair, resnet_from_config
from .nn.unet import Pix2PixConfig, unet_from_config

# The reference's released pix2pix generators (unet_256, batch norm, dropout) and their data.
PIX2PIX_MODELS = {
    "facades_label2photo": "CMP Facades labels → photo",
    "sat2map": "aerial photo → map", "map2sat": "map → aerial photo",
    "edges2shoes": "edges → shoe photo", "edges2handbags": "edges → handbag photo",
    "day2night": "day → night",
}
PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/models/{name}.pth"
# ... and its released CycleGAN generators (resnet_9blocks, one direction each)
CYCLEGAN_MODELS = {
    "horse2zebra": "horse → zebra", "zebra2horse": "zebra → horse",
    "apple2orange": "apple → orange", "orange2apple": "orange → apple",
    "summer2winter_yosemite": "Yosemite summer → winter", "winter2summer_yosemite": "Yosemite winter → summer",
    "monet2photo": "Monet painting → photo", "style_monet": "photo → Monet painting",
    "style_cezanne": "photo → Cézanne painting", "style_ukiyoe": "photo → ukiyo-e print",
    "style_vangogh": "photo → Van Gogh painting", "sat2map": "aerial photo → map", "map2sat": "map → aerial photo",
    "cityscapes_photo2label": "street photo → label map", "cityscapes_label2photo": "label map → street photo",
    "facades_photo2label": "facade photo → labels", "facades_label2photo": "facade labels → photo",
    "iphone2dslr_flower": "phone flower photo → DSLR look",
}
CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{name}.pth"


class ReferenceError(hub.CheckpointError):
    """A .pth file that is not a reference generator ganzoo can load."""


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    path = Path(path)
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "GLOBAL" in str(e) or "global" in str(e).split("Weights only load failed")[-1][:2000]:
            raise ReferenceError(f"{path.name} was refused: it contains pickled Python objects, not only "
                                 f"tensors, and ganzoo never unpickles untrusted files") from e
        raise ReferenceError(f"{path.name} is not a readable PyTorch weights file (corrupt or another format)") from e
    except (OSError, RuntimeError, EOFError) as e:
        raise ReferenceError(f"{path.name} is not a readable PyTorch weights file ({type(e).__name__})") from e
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ReferenceError(f"{path.name} does not hold a state dict of tensors")
    sd = dict(sd)
    sd.pop("_metadata", None)
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}


def unet_config(sd: dict[str, torch.Tensor]) -> Pix2PixConfig:
    """The UnetGenerator arguments that produce exactly these keys and shapes."""
    first = sd.get("model.model.0.weight")
    if first is None or first.dim() != 4:
        raise ReferenceError("not a reference UnetGenerator (no model.model.0.weight)")
    ngf, in_ch = first.shape[:2]
    last = sd.get("model.model.3.weight")
    if last is None:
        raise ReferenceError("not a reference UnetGenerator (no model.model.3.weight)")
    out_ch = last.shape[1]
    # each U-Net level nests one ".model.3" (or ".model.1" for the outermost) deeper
    depth = max(len(re.findall(r"model\.3\.", k)) for k in sd if k.endswith("weight"))
    num_downs = depth + 1
    norm = "batch" if any(k.endswith("running_mean") for k in sd) else "instance"
    if not 6 <= num_downs <= 8:  # 64, 128, 256 px down to a 1×1 bottleneck
        raise ReferenceError(f"unsupported U-Net depth ({num_downs} levels; ganzoo runs 6–8)")
    img = 2 ** num_downs
    return Pix2PixConfig(img_size=img, in_channels=int(in_ch), out_channels=int(out_ch), ngf=int(ngf),
                         num_downs=num_downs, norm=norm, use_dropout=True, bn_stats="batch")


def build_unet(sd: dict[str, torch.Tensor]) -> tuple[Pix2PixConfig, torch.nn.Module]:
    cfg = unet_config(sd)
    net = unet_from_config(cfg)
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise ReferenceError(f"the keys/shapes do not match a reference UnetGenerator: {str(e).splitlines()[0][:200]}") from e
    return cfg, net.eval().requires_grad_(False)


def resnet_config(sd: dict[str, torch.Tensor]) -> CycleGANConfig:
    """The ResnetGenerator arguments that produce these keys (old-style InstanceNorm buffers aside)."""
    first = sd.get("model.1.weight")
    if first is None or first.dim() != 4 or first.shape[-1] != 7:
        raise ReferenceError("not a reference ResnetGenerator (no 7×7 model.1.weight)")
    blocks = sorted({int(m.group(1)) for k in sd for m in [re.match(r"model\.(\d+)\.conv_block\.", k)] if m})
    if not blocks or blocks != list(range(10, 10 + len(blocks))):
        raise ReferenceError("not a reference ResnetGenerator (no residual blocks at model.10…)")
    n = len(blocks)
    last = sd.get(f"model.{17 + n}.weight")
    if last is None:
        raise ReferenceError(f"not a reference ResnetGenerator (no output conv model.{17 + n})")
    return CycleGANConfig(img_size=256, in_channels=int(first.shape[1]), out_channels=int(last.shape[0]),
                          ngf=int(first.shape[0]), n_blocks=n,
                          # BatchNorm has running statistics; an InstanceNorm with weights learnt its affine
                          norm=("batch" if "model.2.running_mean" in sd and "model.2.weight" in sd
                                else "instance_affine" if "model.2.weight" in sd else "instance"),
                          # with dropout the second conv sits at index 6 (else 6 is an affine norm's weight)
                          use_dropout=getattr(sd.get("model.10.conv_block.6.weight"), "ndim", 0) == 4)


def build_resnet(sd: dict[str, torch.Tensor]) -> tuple[CycleGANConfig, torch.nn.Module]:
    """Strictly load a released ResnetGenerator. Files saved by old PyTorch versions carry
    running_mean/running_var (and num_batches_tracked) for InstanceNorm layers that have no such
    buffers today; like the reference's loader, drop exactly those, then load strictly."""
    cfg = resnet_config(sd)
    net = resnet_from_config(cfg)
    own = net.state_dict()
    inorm = {name for name, m in net.named_modules() if isinstance(m, torch.nn.InstanceNorm2d)}
    stale = {k for k in sd if k not in own and k.rsplit(".", 1)[0] in inorm
             and k.rsplit(".", 1)[1] in ("running_mean", "running_var", "num_batches_tracked")}
    try:
        net.load_state_dict({k: v for k, v in sd.items() if k not in stale}, strict=True)
    except RuntimeError as e:
        raise ReferenceError(f"the keys/shapes do not match a reference ResnetGenerator: {str(e).splitlines()[0][:200]}") from e
    return cfg, net.eval().requires_grad_(False)


def load_reference(path: str | Path, name: str | None = None) -> hub.Checkpoint:
    """A released reference generator as an in-memory ganzoo Checkpoint (no folder written)."""
    path = Path(path)
    sd = read_state_dict(path)
    name = name or path.stem.removesuffix("_net_G").removesuffix("latest_net_G") or "reference"
    if "model.model.0.weight" in sd:
        cfg, net = build_unet(sd)
        config = {"family": "pix2pix", "model": cfg.to_dict(), "value_range": [-1, 1],
                  "input": {"kind": "image"}, "reference": {"file": path.name, "name": name,
                                                             "about": PIX2PIX_MODELS.get(name, "")}}
        return hub.Checkpoint(path=path, config=config, model=net)
    if "model.1.weight" in sd:
        cfg, net = build_resnet(sd)
        cfg.directions = ("a2b",)
        pair = GeneratorPair(cfg, a2b=net)
        # a released CycleGAN file is one direction; its name says which ("horse2zebra")
        base = name.removesuffix("-cyclegan")  # how a name that pix2pix also uses is imported
        a, _, b = base.partition("2")
        domains = [a or "A", b or "B"] if b else ["photo", base.removeprefix("style_") or "output"]
        config = {"family": "cyclegan", "model": cfg.to_dict(), "domains": domains, "value_range": [-1, 1],
                  "reference": {"file": path.name, "name": name, "about": CYCLEGAN_MODELS.get(base, "")}}
        return hub.Checkpoint(path=path, config=config, model=pair.eval().requires_grad_(False))
    raise ReferenceError(f"{path.name}: not a reference pix2pix UnetGenerator or CycleGAN ResnetGenerator state dict")


def import_reference(path: str | Path, out: str | Path | None = None, name: str | None = None) -> Path:
    """Convert a released .pth generator into a ganzoo checkpoint folder (safetensors + config)."""
    return save_reference(load_reference(path, name), out)


def save_reference(ckpt: hub.Checkpoint, out: str | Path | None = None) -> Path:
    """Write a loaded reference generator as a ganzoo folder (default: USER_DIR/<its name>)."""
    folder = Path(out) if out else hub.USER_DIR / ckpt.config["reference"]["name"]
    sd = ckpt.model.state_dict()
    probe = torch.zeros(1, ckpt.config["model"]["in_channels"], 256, 256).uniform_(-1, 1)
    dtype = hub.fp16_if_lossless(ckpt.model, sd, probe)
    return hub.save_checkpoint(folder, ckpt.config, sd, dtype=dtype)


def official_family(name: str, family: str | None = None) -> str:
    """Which reference release a name belongs to; some (sat2map, facades_label2photo, …) were
    released both as pix2pix and as CycleGAN models, and then the family must be given."""
    known = {"pix2pix": PIX2PIX_MODELS, "cyclegan": CYCLEGAN_MODELS}
    if family:
        if family not in known or name not in known[family]:
            raise ReferenceError(f"unknown released {family} model {name!r}; known: "
                                 f"{', '.join(known.get(family, {})) or 'pix2pix, cyclegan families'}")
        return family
    hits = [f for f, names in known.items() if name in names]
    if not hits:
        raise ReferenceError(f"unknown released model {name!r}; known pix2pix: {', '.join(PIX2PIX_MODELS)}; "
                             f"CycleGAN: {', '.join(CYCLEGAN_MODELS)}")
    if len(hits) > 1:
        raise ReferenceError(f"{name!r} was released as both a pix2pix and a CycleGAN model: say which "
                             f"(--family pix2pix or --family cyclegan)")
    return hits[0]


def download_official(name: str, dest: str | Path | None = None, family: str | None = None) -> Path:
    """Fetch one of the reference's released generators (needs the network)."""
    family = official_family(name, family)

    dest = Path(dest) if dest else hub.USER_DIR / "downloads" / family / f"{name}.pth"
    dest.parent.mkdir(parents=True, exist_ok=True)
    url = (PIX2PIX_URL if family == "pix2pix" else CYCLEGAN_URL).format(name=name)
    tmp = dest.with_suffix(".part")
    try:
        urllib.request.urlretrieve(url, tmp)
    except OSError as e:
        raise ReferenceError(f"could not download {url} ({type(e).__name__}): no network? Download it "
                             f"elsewhere and pass the file path") from e
    tmp.replace(dest)
    return dest


def main(argv=None):
    p = argparse.ArgumentParser(description="Import a released reference pix2pix or CycleGAN generator "
                                            "(.pth) as a ganzoo model folder.")
    p.add_argument("pth", help="a .pth file, or a released model name to download (pix2pix: "
                               f"{', '.join(PIX2PIX_MODELS)}; CycleGAN: {', '.join(CYCLEGAN_MODELS)})")
    p.add_argument("--family", choices=("pix2pix", "cyclegan"),
                   help="for names released as both (sat2map, map2sat, facades_label2photo)")
    p.add_argument("--name", help="model name (default: the file name)")
    p.add_argument("--out", help=f"output folder (default: {hub.USER_DIR}/NAME)")
    args = p.parse_args(argv)
    src, name = Path(args.pth), args.name
    if not src.is_file() and (args.pth in PIX2PIX_MODELS or args.pth in CYCLEGAN_MODELS):
        family = official_family(args.pth, args.family)
        src = download_official(args.pth, family=family)
        clash = args.pth in PIX2PIX_MODELS and args.pth in CYCLEGAN_MODELS
        name = name or (f"{args.pth}-cyclegan" if family == "cyclegan" and clash else args.pth)
    folder = import_reference(src, args.out, name)
    print(f"imported {src} → {folder}")


if __name__ == "__main__":
    main()
