"""Released generators, one pick away: the reference pix2pix / CycleGAN models (downloaded on first
use from their publishers' server) and the photo → vintage CycleGAN the `vintagify` package ships.

    released.CATALOGUE["horse-zebra"]          # what it is, its size, source, citation, data terms
    released.fetch("horse-zebra", progress)    # downloads once, converts, caches; then a model name
    ganzoo.load("horse-zebra")                 # an ordinary ganzoo checkpoint folder from then on

A first pick downloads each file with a size bound and a time bound, reads it with
`torch.load(weights_only=True)`, loads it strictly into the reference architecture, and writes one
ganzoo checkpoint folder (safetensors + config + a generated card that says where the weights come
from) into the user model folder, atomically: a failed or killed download leaves nothing behind,
and the next pick tries again. Two visitors picking the same model at once cause one download (a
lock per model, across threads and processes). A pair of opposite directions (horse2zebra and
zebra2horse) becomes one model with both directions.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import hub
from .cards import write_model_card
from .errors import CheckpointError
from .nn.resnet import GeneratorPair
from .reference import ReferenceError, build_resnet, build_unet, read_state_dict
from .utils import file_sha256, make_grid, to_tensor

PATHS = {"pix2pix": "/pix2pix/models/{file}.pth", "cyclegan": "/cyclegan/pretrained_models/{file}.pth"}


def server() -> str:
    """Where the reference's released files are served (GANZOO_RELEASED_URL: a mirror)."""
    return os.environ.get("GANZOO_RELEASED_URL", "http://efrosgans.eecs.berkeley.edu").rstrip("/")


def limits() -> tuple[float, float]:
    """(MB, seconds) one download may take: the largest released generator (unet_256) is 218 MB."""
    return (float(os.environ.get("GANZOO_DOWNLOAD_MAX_MB", 300)), float(os.environ.get("GANZOO_DOWNLOAD_TIME_LIMIT_S", 600)))
CYCLEGAN = "Zhu, Park, Isola & Efros, Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks, ICCV 2017"
PIX2PIX = "Isola, Zhu, Zhou & Efros, Image-to-Image Translation with Conditional Adversarial Networks, CVPR 2017"


class ReleasedModelError(CheckpointError):
    """A released model that could not be fetched or converted; the message says why."""


@dataclass(frozen=True)
class Released:
    name: str                       # its name in the pickers and the user model folder
    family: str                     # pix2pix | cyclegan
    title: str                      # what a visitor reads, e.g. "horse ↔ zebra"
    files: tuple[str, ...]          # the published files, one per direction (a2b first)
    domains: tuple[str, str]        # A and B
    inputs: str                     # what the model expects to be given
    data: str                       # what it was trained on, and the data's terms as its publishers state them
    size_mb: float = 45.5           # download size of each file
    kind: str = "image"             # pix2pix input: image | edges (thin black lines on white)
    citation: str = CYCLEGAN
    source: str = ""                # where the files come from (default: the reference's server)

    @property
    def download_mb(self) -> float:
        return self.size_mb * len(self.files)

    @property
    def picker_note(self) -> str:
        """What the model picker adds to the title of a model not installed yet."""
        return "from the vintagify package" if "PyPI package vintagify" in self.source else \
            f"{self.download_mb:.0f} MB, downloads on first use"

    def urls(self) -> list[str]:
        return [server() + PATHS[self.family].format(file=f) for f in self.files]

    @property
    def origin(self) -> str:
        return self.source or (f"{server()}{PATHS[self.family].format(file='<file>')}, published with the reference "
                               "pix2pix/CycleGAN code (junyanz/pytorch-CycleGAN-and-pix2pix)")


_IMAGENET = "ImageNet photos (ImageNet's terms: non-commercial research and educational use)"
_FLICKR = "photos from Flickr (each photo's copyright stays with its owner)"
_WIKIART = "paintings from WikiArt.org and landscape photos from Flickr"
_entries = [
    Released("horse-zebra", "cyclegan", "horse ↔ zebra (photos)", ("horse2zebra", "zebra2horse"), ("horse", "zebra"),
             "a photo with horses or zebras, any size", _IMAGENET + ", wild horse and zebra classes"),
    Released("apple-orange", "cyclegan", "apple ↔ orange (photos)", ("apple2orange", "orange2apple"), ("apple", "orange"),
             "a photo of apples or oranges", _IMAGENET + ", apple and navel orange classes"),
    Released("summer-winter-yosemite", "cyclegan", "Yosemite summer ↔ winter (photos)",
             ("summer2winter_yosemite", "winter2summer_yosemite"), ("summer", "winter"),
             "a landscape photo", _FLICKR + ", Yosemite landscapes"),
    Released("photo-monet", "cyclegan", "photo ↔ Monet painting", ("style_monet", "monet2photo"), ("photo", "Monet"),
             "a landscape photo, or a Monet painting", _WIKIART),
    Released("photo-vangogh", "cyclegan", "photo → Van Gogh painting", ("style_vangogh",), ("photo", "Van Gogh"),
             "a landscape photo", _WIKIART),
    Released("photo-cezanne", "cyclegan", "photo → Cézanne painting", ("style_cezanne",), ("photo", "Cézanne"),
             "a landscape photo", _WIKIART),
    Released("photo-ukiyoe", "cyclegan", "photo → ukiyo-e print", ("style_ukiyoe",), ("photo", "ukiyo-e"),
             "a landscape photo", _WIKIART),
    Released("phone-dslr-flower", "cyclegan", "phone → DSLR look (flowers)", ("iphone2dslr_flower",),
             ("phone photo", "DSLR photo"), "a close-up photo of flowers", _FLICKR + ", iPhone and DSLR flower photos"),
    Released("edges2shoes", "pix2pix", "drawing → shoe photo", ("edges2shoes",), ("edges", "shoe"),
             "a drawing of a shoe: thin black lines on white, the shoe facing left", "UT Zappos50K shoe photos and their "
             "edge maps (Yu & Grauman 2014; the dataset's terms: academic, non-commercial use)", 218, "edges", PIX2PIX),
    Released("edges2handbags", "pix2pix", "drawing → handbag photo", ("edges2handbags",), ("edges", "handbag"),
             "a drawing of a handbag: thin black lines on white", "Amazon handbag photos collected for iGAN (Zhu et al. "
             "2016) and their edge maps; research use", 218, "edges", PIX2PIX),
    Released("facades", "pix2pix", "facade labels → photo", ("facades_label2photo",), ("labels", "facade"),
             "a CMP Facades label map (flat colour blocks: walls, windows, doors)", "CMP Facade Database (Tyleček & Šára "
             "2013); see its page for its terms", 218, "image", PIX2PIX),
    Released("day2night", "pix2pix", "day → night (photos)", ("day2night",), ("day", "night"),
             "an outdoor photo in daylight", "Transient Attributes webcam photos (Laffont et al. 2014); research use",
             218, "image", PIX2PIX),
    Released("map2sat", "pix2pix", "map → aerial photo", ("map2sat",), ("map", "aerial photo"),
             "a Google-Maps-style map tile", "map and aerial tiles scraped from Google Maps (Google's terms)", 218,
             "image", PIX2PIX),
    Released("sat2map", "pix2pix", "aerial photo → map", ("sat2map",), ("aerial photo", "map"),
             "an aerial photo tile", "map and aerial tiles scraped from Google Maps (Google's terms)", 218, "image", PIX2PIX),
]
VINTAGE = Released("vintage-photo", "cyclegan", "modern photo → vintage photo", ("G_A2B_epoch33",),
                   ("modern photo", "vintage photo"), "a photo of any size (it was trained on 512-px crops)",
                   "not stated by the package", 43.5,
                   citation="Yusong Zhao & Fangyi Wang, vintagify 0.1.2 (PyPI), MIT licence",
                   source="the file vintagify/resources/G_A2B_epoch33.pth of the installed PyPI package vintagify "
                          "0.1.2 (MIT), read as data: its code is never imported")
CATALOGUE: dict[str, Released] = {e.name: e for e in [*_entries, VINTAGE]}


def installed(name: str) -> bool:
    return (hub.USER_DIR / name / hub.CONFIG_NAME).is_file() or (hub.BUNDLED_DIR / name / hub.CONFIG_NAME).is_file()


def for_family(family: str) -> list[Released]:
    return [e for e in CATALOGUE.values() if e.family == family]


# ---- fetching ------------------------------------------------------------------------------------

_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def fetch_lock(name: str):
    """One fetch of `name` at a time, across threads (a lock) and processes (a file lock)."""
    with _guard:
        lock = _thread_locks.setdefault(name, threading.Lock())
    folder = hub.USER_DIR / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with lock, open(folder / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def download(url: str, dest: Path, max_mb: float, time_limit_s: float, progress=None) -> Path:
    """`url` into `dest`, refusing more than max_mb and more than time_limit_s; `progress(done,
    total)` in bytes as it goes. Nothing is left at `dest` unless the whole file arrived."""
    limit = int(max_mb * 2**20)
    deadline = time.monotonic() + time_limit_s
    tmp = dest.with_name(f".{dest.name}.part")
    name = url.rsplit("/", 1)[-1]
    try:
        with urllib.request.urlopen(url, timeout=min(30.0, time_limit_s)) as r:
            total = int(r.headers.get("Content-Length") or 0)
            if total > limit:
                raise ReleasedModelError(f"{name} is {total / 2**20:.0f} MB, more than the {max_mb:.0f} MB it should be; "
                                         "not downloaded")
            got = 0
            with open(tmp, "wb") as f:
                while chunk := r.read(1 << 20):
                    got += len(chunk)
                    if got > limit:
                        raise ReleasedModelError(f"{name} is larger than the {max_mb:.0f} MB it should be; download stopped")
                    if time.monotonic() > deadline:
                        raise ReleasedModelError(f"downloading {name} took longer than {time_limit_s:.0f} s; stopped "
                                                 "(try again later)")
                    f.write(chunk)
                    if progress:
                        progress(got, total)
            if total and got != total:
                raise ReleasedModelError(f"the download of {name} broke off ({got / 2**20:.1f} of {total / 2**20:.1f} MB); "
                                         "try again")
        os.replace(tmp, dest)
        return dest
    except urllib.error.HTTPError as e:
        raise ReleasedModelError(f"{url} answered HTTP {e.code} ({e.reason}); the model could not be downloaded") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        raise ReleasedModelError(f"could not download {name} from {url.split('/')[2]} ({type(reason).__name__}): "
                                 "no network here, or the server is down; the other models still work") from None
    finally:
        tmp.unlink(missing_ok=True)


def hub_endpoint() -> str | None:
    """The Hub's address: HF_ENDPOINT read at call time (huggingface_hub reads it once, at import)."""
    return os.environ.get("HF_ENDPOINT") or None


def download_hub_file(repo_id: str, filename: str, revision: str, work: Path, title: str, size_mb: float,
                      sha256: str | None = None, progress=None, max_mb: float | None = None) -> Path:
    """`filename` of the Hub model `repo_id` at `revision`, downloaded with huggingface_hub into the
    staging folder `work` (not the Hub cache). Its size is checked against the download limit
    (limits(), or max_mb) before a byte is fetched; with `sha256` the file is checked against that
    pin after. Every failure is a ReleasedModelError of one sentence; `title` names the model in it."""
    import huggingface_hub  # noqa: PLC0415 - only a Hub download needs it

    max_mb = limits()[0] if max_mb is None else max_mb
    if progress:
        progress(0.05, f"downloading {title} from the Hugging Face Hub ({size_mb:.0f} MB)")
    try:
        url = huggingface_hub.hf_hub_url(repo_id, filename, revision=revision, endpoint=hub_endpoint())
        meta = huggingface_hub.get_hf_file_metadata(url, timeout=10)
        if meta.size is not None and meta.size > max_mb * 2**20:
            raise ReleasedModelError(f"{repo_id}/{filename} is {meta.size / 2**20:.0f} MB, over the "
                                     f"{max_mb:.0f}-MB limit (GANZOO_DOWNLOAD_MAX_MB)")
        path = Path(huggingface_hub.hf_hub_download(repo_id, filename, revision=revision, endpoint=hub_endpoint(),
                                                    local_dir=work, etag_timeout=10))
    except ReleasedModelError:
        raise
    except Exception as e:   # offline, refused, not found, cut off: each HTTP stack raises its own kind
        why = " ".join(str(e).split())[:160]
        raise ReleasedModelError(f"could not download {title} from the Hugging Face Hub ({repo_id}: "
                                 f"{type(e).__name__}: {why}); it needs the network on its first pick only") from None
    if sha256 is not None and (got := file_sha256(path)) != sha256:
        path.unlink(missing_ok=True)
        raise ReleasedModelError(f"{repo_id}/{filename} has sha256 {got[:12]}…, not the pinned {sha256[:12]}…: it is "
                                 "not the file ganzoo was written for, so it was not used")
    return path


def fetch(name: str, progress=None) -> str:
    """Make the released model `name` an installed ganzoo model (download and convert on the
    first call; later calls return at once); returns its model name. progress(fraction, text)."""
    entry = CATALOGUE.get(name)
    if entry is None:
        raise ReleasedModelError(f"unknown released model {name!r}; known: {', '.join(CATALOGUE)}")

    def make(work: Path):
        files = _vintagify_file() if entry is VINTAGE else _download_all(entry, work, progress)
        if progress:
            progress(0.99, f"converting {entry.title}")
        _convert(entry, files)
    return install_once(name, make)


def install_once(name: str, make) -> str:
    """Install the model `name` by make(work folder) unless it is installed: under its fetch lock,
    so that two picks at once make it once, in a staging folder that is removed afterwards."""
    if installed(name):
        return name
    with fetch_lock(name):
        if installed(name):          # another visitor's pick fetched it while we waited
            return name
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=staging_dir()))
        try:
            make(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return name


def staging_dir() -> Path:
    d = hub.USER_DIR / ".downloads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _download_all(entry: Released, work: Path, progress) -> list[Path]:
    out = []
    for i, url in enumerate(entry.urls()):
        def report(done, total, i=i):
            if progress:
                part = done / total if total else 0.0
                progress((i + part) / len(entry.files) * 0.98,
                         f"downloading {entry.title}: {done / 2**20:.0f} of {(total or entry.size_mb * 2**20) / 2**20:.0f} MB")
        max_mb, seconds = limits()
        out.append(download(url, work / f"{entry.files[i]}.pth", max_mb, seconds, report))
    return out


def _vintagify_file() -> list[Path]:
    """The generator file inside the installed vintagify package (its code is never imported:
    it pulls in matplotlib and opens windows)."""
    try:
        dist = metadata.distribution("vintagify")
    except metadata.PackageNotFoundError:
        raise ReleasedModelError("the vintagify package is not installed (pip install vintagify==0.1.2)") from None
    path = Path(dist.locate_file("vintagify/resources/G_A2B_epoch33.pth"))
    if not path.is_file():
        raise ReleasedModelError(f"vintagify {dist.version} has no resources/G_A2B_epoch33.pth")
    return [path]


def _convert(entry: Released, files: list[Path]) -> Path:
    """The downloaded files as one ganzoo checkpoint folder (atomically) with a generated card."""
    try:
        sds = [read_state_dict(f) for f in files]        # weights_only: nothing is unpickled
        if entry is VINTAGE:                             # the package names the blocks `block`
            sds = [{k.replace(".block.", ".conv_block."): v for k, v in sd.items()} for sd in sds]
        if entry.family == "pix2pix":
            cfg, net = build_unet(sds[0])
            model, extra = net, {"input": {"kind": entry.kind}}
        else:
            built = [build_resnet(sd) for sd in sds]
            cfg = built[0][0]
            cfg.directions = ("a2b", "b2a")[:len(built)]
            cfg.img_size = 512 if entry is VINTAGE else 256   # the long side it was trained at
            model = GeneratorPair(cfg, a2b=built[0][1])
            if len(built) == 2:
                model.b2a = built[1][1]
            extra = {"domains": list(entry.domains)}
    except ReferenceError as e:
        raise ReleasedModelError(f"the downloaded {entry.title} files are not the released generator: {e}") from None
    model.eval()
    config = {"family": entry.family, "model": cfg.to_dict(), **extra, "value_range": [-1, 1],
              "released": {"title": entry.title, "files": list(entry.files), "source": entry.origin,
                           "citation": entry.citation, "data": entry.data, "inputs": entry.inputs}}
    sd = model.state_dict()
    probe = torch.zeros(1, cfg.in_channels, 256, 256).uniform_(-1, 1)
    dtype = hub.fp16_if_lossless(model, sd, probe)
    files = {"samples.png": grid.save} if entry.family == "cyclegan" and (grid := _before_after(model)) else {}
    folder = hub.save_checkpoint(hub.USER_DIR / entry.name, config, sd, files=files, dtype=dtype)
    write_model_card(folder)
    return folder


PHOTOS = Path(__file__).resolve().parent.parent / "examples" / "photos"


@torch.no_grad()
def _before_after(pair):
    """The example photos (when this is a checkout with examples/photos) and what the first
    direction makes of them, 256-px centre crops: the card's before/after."""
    photos = sorted(PHOTOS.glob("*.jpg"))[:4]
    if not photos:
        return None
    crops = []
    for f in photos:
        img = Image.open(f).convert("RGB")
        s = 256 / min(img.size)
        img = img.resize((max(256, round(img.width * s)), max(256, round(img.height * s))), Image.Resampling.LANCZOS)
        left, top = (img.width - 256) // 2, (img.height - 256) // 2
        crops.append(np.asarray(img.crop((left, top, left + 256, top + 256))))
    x = to_tensor(np.stack(crops))
    return make_grid(torch.cat([x, pair(x, "a2b").clamp(-1, 1)]), nrow=len(crops))


def _others() -> dict:
    """The other released models this CLI fetches: name → their catalogue module (the inpainters)."""
    from . import inpainters  # noqa: PLC0415 - inpainters imports this module

    return {name: inpainters for name in inpainters.CATALOGUE}


def prefetch(names=None) -> dict[str, str]:
    """Fetch the named released models (default: all, the released inpainters too) now, e.g. while
    a Space is built; returns {name: why} for the ones that failed."""
    others = _others()
    failed = {}
    for name in names or [*CATALOGUE, *others]:
        try:
            (others[name].fetch if name in others else fetch)(name)
        except ReleasedModelError as e:
            failed[name] = str(e)
    return failed


def main(argv=None):
    others = _others()
    p = argparse.ArgumentParser(prog="python -m ganzoo.released", description="Fetch released models now "
                                "(a Space owner: at build time) into the user model folder.")
    p.add_argument("names", nargs="*", help=f"default: all of {', '.join([*CATALOGUE, *others])}")
    p.add_argument("--list", action="store_true", help="list the catalogue and stop")
    a = p.parse_args(argv)
    if a.list:
        for e in CATALOGUE.values():
            state = "installed" if installed(e.name) else f"{e.download_mb:.0f} MB"
            print(f"{e.name:24s} {e.family:9s} {e.title:34s} {state}")
        for name, module in others.items():
            e = module.CATALOGUE[name]
            state = "installed" if installed(e.name) else f"{e.size_mb:.0f} MB"
            print(f"{e.name:24s} {e.family:9s} {e.title:34s} {state}")
        return 0
    failed = prefetch(a.names or None)
    for name, why in failed.items():
        print(f"{name}: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    # run as ganzoo.released, not as __main__: the inpainters raise ganzoo.released's ReleasedModelError,
    # which a second copy of this module (runpy's __main__) would not catch
    from ganzoo.released import main as _main

    raise SystemExit(_main())
