"""Real photographs from Debian's wallpaper packages (and scikit-image's sample photos).

    from ganzoo.data.photos import load_photos, credits
    train = load_photos("train")              # [(name, H×W×3 uint8), …], long side ≤ 1024 px
    held = load_photos("test", max_side=512)  # the held-out photos, never trained on
    print(credits("all"))                     # author, licence and package of each, for a model card

The photos are named one by one (PHOTOS): only photographs (no renders, paintings, vector art,
logos or gradients) whose Debian copyright file lets anyone redistribute and modify them.
Where a package ships one photo at several resolutions (plasma's contents/images/W×H.jpg) only
the largest is named. The .deb files are pinned by version and sha256 (PACKAGES, Debian bookworm);
they are looked for in $GANZOO_DEBS, else data_home()/"debs", and fetched with
`apt-get download <package>=<version>` when missing. A .deb is read in pure Python (the `ar`
archive, then its data.tar.xz or .gz, in memory): nothing is extracted to disk and no dpkg is needed.

Licences are given as the package's debian/copyright states them. Two packages license all their
files with one `Files: *` stanza (GPL-2+) while the picture's own upstream metadata names another
free licence; `Photo.note` records that (plasma's metadata.json: LGPLv3; palapeli's .desktop
files: Public Domain or GNU FDL, with the Wikimedia Commons page the photo came from).

scikit-image's sample photos (astronaut, chelsea, coffee, rocket; public domain or CC0 as
skimage.data's docstrings state) are added when scikit-image is installed (found with
importlib.util.find_spec, read as files from skimage/data: nothing is downloaded); without it
they are silently left out. They are always held out, since the app shows them as examples
(examples/photos). The held-out split (HELDOUT, ~20% spread over packages and subjects) is fixed
forever: "test" is those, "train" the rest, "all" both.

Excluded after looking at every image: lomiri-wallpapers-16.04 analogpattern (a colour-graded
texture) and umang (a gradient render); lomiri-wallpapers-20.04 Fossa and Painting-Colors (vector
art) and Infinite-Sea (a composite with a drawn overlay); mate-backgrounds' abstract/ and desktop/
folders (renders, paintings, logos, blurs); palapeli's backgrounds/ (drawn textures), its
documentation screenshots and icons; plasma's renders, vector art and paintings (Altai, Autumn,
Canopee, Cascade, Cluster, Elarun, Flow, FlyingKonqui, Honeywave, IceCold, Kay, Kokkini, MilkyWay,
Opal, PastelHills, Patak, SafeLanding, Shell, Volna). Every package's licence allowed its photos.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import Image, ImageOps

from .common import DataUnavailable, check_split, data_home, flatten_to_array, load_cache, save_cache
from ..utils import file_sha256

log = logging.getLogger("ganzoo.data")

_RECIPE = "photos-1"
SKIMAGE = "scikit-image"
DEFAULT_MAX_SIDE = 1024

# package -> (version, sha256 of the .deb), Debian bookworm (all architectures: _all.deb)
PACKAGES: dict[str, tuple[str, str]] = {
    "lomiri-wallpapers-16.04": ("20.04.0-2", "a99ff6a3bfe451e4cc0682ecb3cc82e71740626d59e4845ae34a0a0e45421eab"),
    "lomiri-wallpapers-20.04": ("20.04.0-2", "d44e89b8473aafe64a5b678f014862dc31335aaaf18665c544d985d854f1a709"),
    "mate-backgrounds": ("1.26.0-1", "7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04"),
    "palapeli-data": ("4:22.12.3-1", "69a15dce2ac25ed8708ac518cd0cee5f4eb0c70ed15da2fdb8899a19ac0ee058"),
    "plasma-workspace-wallpapers": ("4:5.27.5-2", "32cd18b71c8c938a18b3b351f217c02ac590e323caa3cf322fbb875ce8892f8b"),
}


@dataclass(frozen=True)
class Photo:
    """One named photograph: `path_in_deb` is the member path inside the package's data tar
    (for scikit-image: the file name in skimage/data); author and license as its copyright
    file states them; note: anything else the package says about it."""

    name: str
    package: str
    path_in_deb: str
    author: str
    license: str
    note: str = ""


_L16 = "lomiri-wallpapers-16.04"
_L20 = "lomiri-wallpapers-20.04"
_MATE = "mate-backgrounds"
_PAL = "palapeli-data"
_PLASMA = "plasma-workspace-wallpapers"
_BG = "usr/share/backgrounds/"
_MN = "usr/share/backgrounds/mate/nature/"
_PC = "usr/share/palapeli/collection/"
_WP = "usr/share/wallpapers/"
_PLASMA_NOTE = "metadata.json: License LGPLv3; debian/copyright: Files: * GPL-2+, 2014 KDE Visual Design Group"
_PAL_NOTE = "debian/copyright: Files: * GPL-2+; its .desktop file: "


def _commons(page: str, lic: str) -> str:
    return f"{_PAL_NOTE}License={lic}, http://commons.wikimedia.org/wiki/Image:{page}"


DEB_PHOTOS: tuple[Photo, ...] = (
    # lomiri-wallpapers-16.04 (13 of its 15 images)
    Photo("lomiri-bridge", _L16, _BG + "Bridge_by_Sander_Klootwijk.jpg", "Sander Klootwijk", "CC-BY-SA-4.0"),
    Photo("lomiri-dragonfly", _L16, _BG + "Dragonfly_by_Bolly.jpg", '"Bolly"', "CC-BY-SA-4.0"),
    Photo("lomiri-fig", _L16, _BG + "Picture_0B_by_freespace.jpg", 'Trevor "Freespace"', "CC-BY-4.0"),
    Photo("lomiri-brushes", _L16, _BG + "Picture_1A_by_freespace.jpg", 'Trevor "Freespace"', "CC-BY-4.0"),
    Photo("lomiri-wine", _L16, _BG + "Wine_by_Jakkub_Mede.jpg", "Jakub Mede", "CC-BY-4.0"),
    Photo("lomiri-aitzgorri", _L16, _BG + "aitzgorri_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    Photo("lomiri-free", _L16, _BG + "free_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    Photo("lomiri-friends", _L16, _BG + "friends_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    Photo("lomiri-greentock", _L16, _BG + "greentock_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    Photo("lomiri-life", _L16, _BG + "life_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    Photo("lomiri-picosdeeuropa", _L16, _BG + "picosdeeuropa_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    Photo("lomiri-seeding", _L16, _BG + "seeding_by_Clements_Engelhardt.jpg", "Clemens Engelhardt", "CC0-1.0"),
    Photo("lomiri-sunset", _L16, _BG + "sunset_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    # lomiri-wallpapers-20.04 (1 of 4)
    Photo("lomiri-kleiber", _L20, _BG + "Kleiber_by_Lukas_Baubkus.jpg", "Lukas Baubkus", "CC-BY-SA-3.0"),
    # mate-backgrounds (the 12 of nature/; 30 images in all)
    Photo("mate-aqua", _MATE, _MN + "Aqua.jpg", "Charles Barbin", "GPL-2+"),
    Photo("mate-blinds", _MATE, _MN + "Blinds.jpg", "Lennart Poettering, Andrea Cimitan", "GPL-2+"),
    Photo("mate-dune", _MATE, _MN + "Dune.jpg", "Marco Cogoni, Hylke Bons", "GPL-2+"),
    Photo("mate-freshflower", _MATE, _MN + "FreshFlower.jpg", "Jens Ansorg", "GPL-2+"),
    Photo("mate-garden", _MATE, _MN + "Garden.jpg", "Charles Barbin", "GPL-2+"),
    Photo("mate-greenmeadow", _MATE, _MN + "GreenMeadow.jpg", "Timothy Schellhase, Lapo Calamandrei", "GPL-2+"),
    Photo("mate-ladybird", _MATE, _MN + "LadyBird.jpg", "Charles Barbin", "GPL-2+"),
    Photo("mate-raindrops", _MATE, _MN + "RainDrops.jpg", '"blackcombwhistler07"', "GPL-2+"),
    Photo("mate-storm", _MATE, _MN + "Storm.jpg", "Sergey Nazarov", "GPL-2+"),
    Photo("mate-twowings", _MATE, _MN + "TwoWings.jpg", "Charles Barbin, Hylke Bons", "GPL-2+"),
    Photo("mate-wood", _MATE, _MN + "Wood.jpg", "Jean-François Fortin Tam", "GPL-2+"),
    Photo("mate-yellowflower", _MATE, _MN + "YellowFlower.jpg", "Charles Barbin", "GPL-2+"),
    # palapeli-data (its 5 puzzle photos)
    Photo("palapeli-castle-maintenon", _PAL, _PC + "castle-maintenon.jpg", "Eric Pouhier", "GPL-2+",
          _commons("EPO_2432_wiki.jpg", "FDL")),
    Photo("palapeli-cincinnati-bridge", _PAL, _PC + "cincinnati-bridge.jpg", "Derek Jensen", "GPL-2+",
          _commons("Cincinnati-roebling-suspension-bridge.jpg", "Public Domain")),
    Photo("palapeli-citrus-fruits", _PAL, _PC + "citrus-fruits.jpg", "US Department of Agriculture", "GPL-2+",
          _commons("Citrus_fruits.jpg", "Public Domain")),
    Photo("palapeli-honey-bee", _PAL, _PC + "european-honey-bee.jpg", "John Severns", "GPL-2+",
          _commons("European_honey_bee_extracts_nectar.jpg", "Public Domain")),
    Photo("palapeli-chameleon", _PAL, _PC + "panther-chameleon-female.jpg", "B. Navez and others", "GPL-2+",
          _commons("FurciferPardalisFemale.JPG", "GNU-FDL")),
    # plasma-workspace-wallpapers (11 of its 29 wallpapers, each at its largest size)
    Photo("plasma-bythewater", _PLASMA, _WP + "BytheWater/contents/images/2560x1600.jpg", "Maciej Wiklo", "GPL-2+", _PLASMA_NOTE),
    Photo("plasma-coldripple", _PLASMA, _WP + "ColdRipple/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+",
          _PLASMA_NOTE),
    Photo("plasma-colorfulcups", _PLASMA, _WP + "ColorfulCups/contents/images/2560x1600.jpg", "Dmitri Popov", "GPL-2+",
          _PLASMA_NOTE),
    Photo("plasma-darkesthour", _PLASMA, _WP + "DarkestHour/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+",
          _PLASMA_NOTE),
    Photo("plasma-eveningglow", _PLASMA, _WP + "EveningGlow/contents/images/2560x1600.jpg", "Ian Hex", "GPL-2+", _PLASMA_NOTE),
    Photo("plasma-fallenleaf", _PLASMA, _WP + "FallenLeaf/contents/images/2560x1600.jpg", "Martin Klapetek", "GPL-2+",
          _PLASMA_NOTE),
    Photo("plasma-grey", _PLASMA, _WP + "Grey/contents/images/2560x1600.jpg", "Sigi Sagi", "GPL-2+", _PLASMA_NOTE),
    Photo("plasma-kite", _PLASMA, _WP + "Kite/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+", _PLASMA_NOTE),
    Photo("plasma-onestandsout", _PLASMA, _WP + "OneStandsOut/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+",
          _PLASMA_NOTE),
    Photo("plasma-path", _PLASMA, _WP + "Path/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+", _PLASMA_NOTE),
    Photo("plasma-summer-1am", _PLASMA, _WP + "summer_1am/contents/images/2560x1600.jpg", "Risto Saukonpää", "GPL-2+",
          _PLASMA_NOTE),
)

SKIMAGE_PHOTOS: tuple[Photo, ...] = (
    Photo("skimage-astronaut", SKIMAGE, "astronaut.png", "NASA (Eileen Collins)", "public domain",
          "skimage.data.astronaut: no known copyright restrictions, released into the public domain"),
    Photo("skimage-chelsea", SKIMAGE, "chelsea.png", "Stefan van der Walt", "CC0",
          "skimage.data.chelsea: no copyright restrictions, CC0 by the photographer"),
    Photo("skimage-coffee", SKIMAGE, "coffee.png", "Rachel Michetti (courtesy of Pikolo Espresso Bar)", "CC0",
          "skimage.data.coffee: no copyright restrictions, CC0 by the photographer"),
    Photo("skimage-rocket", SKIMAGE, "rocket.jpg", "SpaceX (DSCOVR launch on Falcon 9)", "public domain",
          "skimage.data.rocket: captured by SpaceX and released in the public domain"),
)

PHOTOS: tuple[Photo, ...] = DEB_PHOTOS + SKIMAGE_PHOTOS

# fixed forever: 9 of the 42 Debian photos (landscape, animals, food, insect, sky, architecture,
# objects, forest) and every scikit-image photo (the app's examples)
HELDOUT: frozenset[str] = frozenset({
    "lomiri-picosdeeuropa", "lomiri-friends", "lomiri-fig",
    "mate-ladybird", "mate-storm",
    "palapeli-cincinnati-bridge",
    "plasma-eveningglow", "plasma-colorfulcups", "plasma-path",
    *(p.name for p in SKIMAGE_PHOTOS),
})


# ---------------------------------------------------------------------------------------------
# records, splits, credits


def _skimage_data_dir() -> Path | None:
    """skimage/data of an installed scikit-image (found without importing it), or None."""
    try:
        spec = importlib.util.find_spec("skimage")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _available() -> list[Photo]:
    """PHOTOS less the scikit-image ones whose file is not installed here."""
    sk = _skimage_data_dir()
    return [p for p in PHOTOS if p.package != SKIMAGE or (sk is not None and (sk / p.path_in_deb).is_file())]


def photo_records(split: str = "train") -> list[Photo]:
    """The Photo records of `split` that this machine can load (scikit-image's need it installed)."""
    check_split(split)
    return [p for p in _available() if split == "all" or (p.name in HELDOUT) == (split == "test")]


def credits(split: str = "all") -> str:
    """One line per photo of `split`: name, author, licence and where it comes from (model cards)."""
    lines = []
    for p in photo_records(split):
        if p.package == SKIMAGE:
            src = f"scikit-image sample data, skimage/data/{p.path_in_deb}"
        else:
            src = f"Debian bookworm package {p.package} {PACKAGES[p.package][0]}, /{p.path_in_deb}"
        lines.append(f"{p.name}: photo by {p.author}, {p.license} ({src})" + (f"; {p.note}" if p.note else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# fetching and reading .deb files


def debs_dir() -> Path:
    """Where the .deb files are looked for: $GANZOO_DEBS, else data_home()/"debs"."""
    env = os.environ.get("GANZOO_DEBS")
    return Path(env).expanduser() if env else data_home() / "debs"


def deb_filename(package: str, version: str) -> str:
    """The name `apt-get download` gives: palapeli-data 4:22.12.3-1 -> palapeli-data_4%3a22.12.3-1_all.deb."""
    return f"{package}_{version.replace(':', '%3a')}_all.deb"


def fetch_deb(package: str) -> Path:
    """Path of the pinned .deb of `package`, checked against its sha256; fetched with
    `apt-get download` into debs_dir() when it is not there yet."""
    version, sha = PACKAGES[package]
    folder = debs_dir()
    target = folder / deb_filename(package, version)
    hint = f"set GANZOO_DEBS to a folder holding {target.name} (Debian bookworm)"
    if target.is_file():
        got = file_sha256(target)
        if got != sha:
            raise DataUnavailable(f"{target} has sha256 {got}, not the pinned {sha}: delete it to fetch it again, or {hint}.")
        return target
    apt = shutil.which("apt-get")
    if apt is None:
        raise DataUnavailable(f"apt-get is needed to fetch {package}={version} (no {target} yet): {hint}.")
    folder.mkdir(parents=True, exist_ok=True)
    log.info("fetching %s=%s with apt-get download into %s", package, version, folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".apt-") as tmp:
        try:
            proc = subprocess.run([apt, "download", f"{package}={version}"], cwd=tmp,
                                  capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise DataUnavailable(f"`apt-get download {package}={version}` could not run ({e}): {hint}.") from e
        got = [p for p in Path(tmp).iterdir() if p.name.endswith(".deb")]
        if proc.returncode != 0 or len(got) != 1:
            err = " ".join((proc.stderr or proc.stdout or "").split())[-300:]
            raise DataUnavailable(f"`apt-get download {package}={version}` failed ({err or 'no .deb'}): {hint}.")
        digest = file_sha256(got[0])
        if digest != sha:
            raise DataUnavailable(f"`apt-get download {package}={version}` gave a file with sha256 {digest}, "
                                  f"not the pinned {sha}: {hint}.")
        os.replace(got[0], target)
    return target


def ar_members(path: Path) -> dict[str, bytes]:
    """name -> content of the members of the `ar` archive at path (a .deb)."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:8] != b"!<arch>\n":
        raise DataUnavailable(f"{path} is not a .deb (no ar archive header): {_REPLACE_HINT}")
    out, pos = {}, 8
    while pos + 60 <= len(blob):
        head = blob[pos:pos + 60]
        if head[58:60] != b"`\n":
            raise DataUnavailable(f"{path} has a corrupt ar member header at byte {pos}: {_REPLACE_HINT}")
        name = head[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(head[48:58].decode("ascii").strip() or 0)
        out[name] = blob[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)  # members are padded to an even offset
    return out


_REPLACE_HINT = "delete it to fetch it again, or set GANZOO_DEBS to a folder holding the pinned .deb files."
_TAR_MODES = {"data.tar.xz": "r|xz", "data.tar.gz": "r|gz"}


def deb_members(path: Path, wanted) -> Iterator[tuple[str, bytes]]:
    """(path, content) of the regular files of the .deb's data tar whose path (without a leading
    "./") is in `wanted`, read in memory: nothing is written to disk, so no member name can escape."""
    members = ar_members(path)
    data = [n for n in members if n.startswith("data.tar")]
    if not data:
        raise DataUnavailable(f"{path} has no data.tar member: {_REPLACE_HINT}")
    if data[0] not in _TAR_MODES:
        raise DataUnavailable(f"{path} holds {data[0]}, a compression this recipe cannot read (only "
                              f"data.tar.xz and data.tar.gz): use the pinned Debian bookworm package.")
    wanted = set(wanted)
    with tarfile.open(fileobj=io.BytesIO(members[data[0]]), mode=_TAR_MODES[data[0]]) as tar:
        for m in tar:
            name = m.name[2:] if m.name.startswith("./") else m.name
            if m.isfile() and name in wanted:
                f = tar.extractfile(m)
                if f is not None:
                    yield name, f.read()


# ---------------------------------------------------------------------------------------------
# decoding and the cache


def check_max_side(max_side: int) -> int:
    if int(max_side) != max_side or not 16 <= max_side <= 8192:
        raise ValueError(f"max_side must be an integer between 16 and 8192, not {max_side!r}")
    return int(max_side)


def decode_photo(blob: bytes, max_side: int) -> np.ndarray:
    """H×W×3 uint8 of an encoded image, upright (EXIF), on white where transparent, shrunk with
    Lanczos (keeping its aspect) so that its long side is at most max_side; never enlarged."""
    img = Image.open(io.BytesIO(blob))
    w, h = img.size
    if max(w, h) > 2 * max_side:  # JPEG: decode at a reduced scale, still ≥ 2× the target
        k = 2 * max_side / max(w, h)
        img.draft("RGB", (int(w * k) + 1, int(h * k) + 1))
    img = ImageOps.exif_transpose(img)
    w, h = img.size
    if max(w, h) > max_side:
        k = max_side / max(w, h)
        size = (max(1, round(w * k)), max(1, round(h * k)))
        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
        img = img.resize(size, Image.Resampling.LANCZOS)
    return flatten_to_array(img, grey=False)


def _recipe_version(records: list[Photo]) -> str:
    """The cache's version: the recipe and everything its pictures come from."""
    h = hashlib.sha1()
    for p in records:
        pin = PACKAGES[p.package][1] if p.package in PACKAGES else p.package
        h.update(f"{p.name}\0{p.package}\0{p.path_in_deb}\0{pin}\n".encode())
    return f"{_RECIPE}:{h.hexdigest()[:16]}"


def _decode_all(records: list[Photo], max_side: int) -> dict[str, np.ndarray]:
    t = time.perf_counter()
    out: dict[str, np.ndarray] = {}
    for package in sorted({p.package for p in records}):
        mine = {p.path_in_deb: p for p in records if p.package == package}
        if package == SKIMAGE:
            sk = _skimage_data_dir()
            for path, p in mine.items():
                out[p.name] = decode_photo((sk / path).read_bytes(), max_side)
            continue
        deb = fetch_deb(package)
        for path, blob in deb_members(deb, mine):
            out[mine[path].name] = decode_photo(blob, max_side)
        missing = sorted(p.name for p in mine.values() if p.name not in out)
        if missing:
            raise DataUnavailable(f"{deb} lacks the regular files of {', '.join(missing)}: {_REPLACE_HINT}")
    log.info("decoded %d photos at ≤ %d px in %.1f s", len(out), max_side, time.perf_counter() - t)
    return out


def load_photos(split: str = "train", max_side: int = DEFAULT_MAX_SIDE) -> list[tuple[str, np.ndarray]]:
    """[(name, H×W×3 uint8)] of the photos of `split`, in PHOTOS order, each shrunk (Lanczos,
    aspect kept) so its long side is ≤ max_side. All photos are decoded once per max_side and
    cached in data_home()/photos_<max_side>.npz (written atomically, arrays keyed by name)."""
    check_split(split)
    max_side = check_max_side(max_side)
    records = _available()
    name, version = f"photos_{max_side}.npz", _recipe_version(records)
    arrays = load_cache(name, version)
    if arrays is None or any(p.name not in arrays for p in records):
        arrays = _decode_all(records, max_side)
        save_cache(name, version, **arrays)
    return [(p.name, arrays[p.name]) for p in photo_records(split)]
