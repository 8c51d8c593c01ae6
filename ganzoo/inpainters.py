"""Released inpainters, one pick away: big-lama (LaMa, Suvorov et al., WACV 2022, Apache-2.0),
trained by its authors on Places2 photos, downloaded from the Hugging Face Hub on first pick.

    inpainters.CATALOGUE["big-lama"]          # what it is, where from, licence, training data
    inpainters.fetch("big-lama", progress)    # downloads and converts once; then a model name
    InpaintPipeline.from_pretrained("big-lama")

The published file is a safetensors state dict of LaMa's generator (read with safetensors only:
nothing is unpickled), pinned by revision and sha256. Its keys are brought into spandrel's layout
(ganzoo.nn.lama.lama_keys: "generator." and "module." prefixes) and loaded strictly into spandrel's
LaMa (a missing, unknown or misshapen tensor is refused with a sentence; spandrel's own loader,
which accepts pickles, is not used). The result is one ganzoo checkpoint folder (safetensors +
config + a card saying where it comes from) in the user model folder, written atomically under a
per-model lock, exactly as the released CycleGANs are (ganzoo.released.install_once).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from . import hub
from .cards import write_model_card
from .released import ReleasedModelError, download_hub_file, install_once, limits

LAMA = ("Suvorov, Logacheva, Mashikhin, Remizova, Ashukha, Silvestrov, Kong, Goka, Park & Lempitsky, "
        "Resolution-robust Large Mask Inpainting with Fourier Convolutions, WACV 2022")


@dataclass(frozen=True)
class Inpainter:
    """An inpainter published on the Hugging Face Hub as one safetensors file."""
    name: str            # its name in the picker and the user model folder
    title: str           # what a visitor reads
    made_for: str        # the pictures it was made for (the tab's "made for" line)
    repo_id: str
    filename: str
    revision: str        # a commit: the file cannot change under the pin
    sha256: str
    size_mb: float       # the download (MB = 10^6 bytes, as the Hub shows it)
    licence: str
    citation: str
    data: str            # what it was trained on, as its publishers state it
    arch: str = "lama"
    licence_id: str = "apache-2.0"   # the Hub's licence tag for the converted model's card
    max_mb: float | None = None   # its own download bound where limits() would refuse it

    family: str = "inpaint"

    @property
    def picker_note(self) -> str:
        """What the model picker adds to the title of a model not installed yet."""
        return f"{self.size_mb:.0f} MB from the Hugging Face Hub, downloads on first use"

    @property
    def source(self) -> str:
        return (f"{self.filename} of the Hugging Face Hub model {self.repo_id} (revision {self.revision[:12]}, "
                f"sha256 {self.sha256[:12]}…; read with safetensors)")


BIG_LAMA = Inpainter(
    "big-lama", "LaMa (big-lama: photos, any size)", "photos of any size (trained on Places2)",
    repo_id="michaelgold/big-lama", filename="big-lama.safetensors",
    revision="98ab7cface89a594b381f32fc7a9f2cae3f91ccc",
    sha256="326ae1889b92d07c8819c35eaf561f8b290d057536eeb12524b72997f31005ec",
    size_mb=204, licence="Apache-2.0 (LaMa's code and weights, advimman/lama)", citation=LAMA,
    data="Places2 (Places365-Challenge: 8 M photos of scenes; Zhou et al. 2017), 256-px crops with large random "
         "masks, as the authors state; the photos' own terms are Places2's (non-commercial research and education)")
CATALOGUE: dict[str, Inpainter] = {e.name: e for e in [BIG_LAMA]}


def for_family(family: str) -> list[Inpainter]:
    return [e for e in CATALOGUE.values() if e.family == family]


def made_for(name: str) -> str:
    """One line on the pictures the inpainting model `name` was made for: a catalogue entry's, a
    converted model's (from its config), or a trained model's size and data."""
    if name in CATALOGUE:
        return CATALOGUE[name].made_for
    try:
        cfg = hub.read_config(name)
    except Exception:   # not installed, or a broken folder: the picker says the rest
        return ""
    if cfg.get("released", {}).get("made_for"):
        return cfg["released"]["made_for"]
    model, data = cfg.get("model", {}), cfg.get("data", {})
    what = data.get("name") or "pictures"
    return f"{model['img_size']}-px {what}" if model.get("img_size") else what


# ---- reading and converting ----------------------------------------------------------------------

def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A safetensors file's tensors (safetensors only: no pickle is ever read)."""
    from safetensors import SafetensorError   # noqa: PLC0415
    from safetensors.torch import load_file   # noqa: PLC0415

    try:
        sd = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise ReleasedModelError(f"{path.name} is not a readable safetensors file ({type(e).__name__})") from None
    if not sd:
        raise ReleasedModelError(f"{path.name} holds no tensors")
    return sd


def to_lama(state_dict: dict[str, torch.Tensor]) -> torch.nn.Module:
    """A published LaMa generator state dict → spandrel's LaMa with it loaded strictly (only the
    prefixes of ganzoo.nn.lama.PREFIXES are changed; batch-norm counters a file leaves out are
    0). Anything else — a missing, unknown or misshapen tensor — is refused with a sentence."""
    from .nn.lama import lama, lama_keys   # noqa: PLC0415 - spandrel's LaMa only when it is needed

    sd = lama_keys(state_dict)
    net = lama()
    ref = net.state_dict()
    for k, v in ref.items():   # a counter only: it never changes what the network computes
        if k.endswith("num_batches_tracked") and k not in sd:
            sd[k] = torch.zeros_like(v)
    unknown = sorted(set(sd) - set(ref))
    missing = sorted(set(ref) - set(sd))
    if unknown or missing:
        what = (f"unknown tensors ({', '.join(unknown[:3])}{', …' if len(unknown) > 3 else ''})" if unknown else
                f"no {', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}")
        raise ReleasedModelError(f"these weights are not big-lama's generator: {what}; {len(ref)} tensors expected, "
                                 f"{len(sd)} found")
    bad = [k for k, v in sd.items() if tuple(v.shape) != tuple(ref[k].shape)]
    if bad:
        raise ReleasedModelError(f"these weights are not big-lama's generator: {bad[0]} is "
                                 f"{tuple(sd[bad[0]].shape)}, not {tuple(ref[bad[0]].shape)}")
    net.load_state_dict({k: v.to(ref[k].dtype) for k, v in sd.items()}, strict=True)
    return net.eval()


def fetch(name: str, progress=None) -> str:
    """Make the released inpainter `name` an installed ganzoo model (download and convert on the
    first call; later calls return at once); returns its model name. progress(fraction, text)."""
    entry = CATALOGUE.get(name)
    if entry is None:
        raise ReleasedModelError(f"unknown inpainter {name!r}; known: {', '.join(CATALOGUE)}")

    def make(work: Path):
        path = download_hub_file(entry.repo_id, entry.filename, entry.revision, work, entry.title, entry.size_mb,
                                 sha256=entry.sha256, progress=progress,
                                 max_mb=max(limits()[0], entry.max_mb or 0))
        if progress:
            progress(0.9, f"converting {entry.title}")
        convert(entry, read_weights(path))
    return install_once(name, make)


@torch.no_grad()
def convert(entry: Inpainter, state_dict: dict[str, torch.Tensor]) -> Path:
    """The weights as one ganzoo inpainting checkpoint folder (atomically) with a generated card."""
    from .nn.lama import InpaintArchConfig   # noqa: PLC0415

    net = to_lama(state_dict)
    cfg = InpaintArchConfig(img_size=256, channels=3, arch="lama")   # 256: the crops it was trained on
    config = {"family": "inpaint", "model": cfg.to_dict(), "value_range": [0, 1],
              "data": {"name": "Places2"},   # what the zoo's table names as its data (the card says more)
              "released": {"title": entry.title, "source": entry.source, "citation": entry.citation,
                           "data": entry.data, "made_for": entry.made_for, "licence": entry.licence,
                           "licence_id": entry.licence_id,
                           "inputs": "a photo of any size and a mask of the part to fill (white = hole)",
                           "what": "LaMa's big-lama generator (Suvorov et al. 2022): a ResNet of fast Fourier "
                                   "convolutions (18 blocks at 1/8 resolution, 51 M parameters) whose receptive field "
                                   "is the whole picture from the first block, trained with a high-receptive-field "
                                   "perceptual loss and an adversarial loss on large random masks; it fills the hole "
                                   "of a photo, only the hole's pixels are replaced.",
                           "how": "Downloaded and converted by ganzoo on first use: pinned by revision and sha256, "
                                  "read with safetensors (nothing is unpickled), its keys brought into spandrel's "
                                  "layout and loaded strictly into spandrel's LaMa, stored as safetensors. The app "
                                  "runs it in fp32 on the hole's surroundings (its bounding box and a 128-px margin, "
                                  "shrunk to at most 320×320 px of area). ganzoo did not train it."}}
    sd = net.state_dict()
    g = torch.Generator().manual_seed(0)
    probe = (torch.rand(1, 3, 128, 128, generator=g), (torch.rand(1, 1, 128, 128, generator=g) > 0.5).float())
    # outputs span [0, 1], half of what fp16_if_lossless assumes: half its tolerances
    dtype = hub.fp16_if_lossless(net, sd, *probe, mean_tol=0.05 / 255, max_tol=4 / 255)
    folder = hub.save_checkpoint(hub.USER_DIR / entry.name, config, sd, dtype=dtype)
    write_model_card(folder)
    return folder
