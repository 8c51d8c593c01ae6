"""A visitor's own imported weights (.pth uploads in the sketch and transfer tabs).

A public Space is shared by strangers: an uploaded generator belongs to the visitor who uploaded
it. It is stored under the user model folder's `sessions/<session>/`, listed only in that
visitor's pickers, and deleted when the visitor leaves (the page's unload event) or the app
restarts. A visitor may import MAX_IMPORTS models of at most MAX_SESSION_MB together, and all
visitors' imports together stay under MAX_ALL_MB. A Space owner who wants imports shared with
everyone sets GANZOO_SHARED_IMPORTS=1 (they then go to the user model folder, as
`python -m ganzoo.reference` puts them).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import gradio as gr

import ganzoo
from ganzoo import hub
from ganzoo.errors import InputError
from ganzoo.reference import load_reference, save_reference

MAX_IMPORTS = int(os.environ.get("GANZOO_MAX_IMPORTS", 3))
MAX_SESSION_MB = float(os.environ.get("GANZOO_MAX_SESSION_IMPORT_MB", 600))
MAX_ALL_MB = float(os.environ.get("GANZOO_MAX_IMPORTS_MB", 2000))
MAX_PTH_MB = 400               # a released unet_256 is 218 MB


def shared() -> bool:
    return os.environ.get("GANZOO_SHARED_IMPORTS") == "1"


def _root() -> Path:
    return hub.USER_DIR / "sessions"


def session_dir(request) -> Path | None:
    """The folder of this visitor's imports (None: no session, e.g. a call from Python)."""
    session = getattr(request, "session_hash", None)
    if not session or not all(c.isalnum() or c in "-_" for c in session):
        return None
    return _root() / session


def own_models(request, family: str | None = None) -> dict[str, Path]:
    """This visitor's imported models: name -> checkpoint folder."""
    d = session_dir(request)
    if d is None or not d.is_dir():
        return {}
    out = {}
    for m in sorted(d.iterdir()):
        if (m / hub.CONFIG_NAME).is_file():
            if family is None or hub.read_config(m).get("family") == family:
                out[m.name] = m
    return out


def _mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def import_pth(path: Path, family: str, examples: str, request) -> str:
    """Check and convert an uploaded reference generator into this visitor's models (or everyone's,
    with GANZOO_SHARED_IMPORTS=1); returns its model name."""
    if path.suffix.lower() != ".pth":
        raise InputError(f"Reference weights are .pth files (e.g. {examples.split(',')[0]}.pth).")
    if path.stat().st_size > MAX_PTH_MB * 2**20:
        raise InputError(f"That file is larger than {MAX_PTH_MB} MB; a released generator is at most about 218 MB.")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in path.stem)[:64] or "reference"
    own = session_dir(request)
    if not shared():
        if own is None:
            raise InputError("Importing weights needs a browser session (open the app's page).")
        if len(own_models(request)) >= MAX_IMPORTS:
            raise InputError(f"You have imported {MAX_IMPORTS} models, the most one visitor may; "
                             "reload the page to start afresh.")
        if _mb(own) + path.stat().st_size / 2**20 > MAX_SESSION_MB or \
                _mb(_root()) + path.stat().st_size / 2**20 > MAX_ALL_MB:
            raise InputError("There is no room for more imported models right now; try again later.")
    if name in ganzoo.list_models() or name in own_models(request):
        raise InputError(f"A model called {name!r} already exists; rename the file to import it.")
    ckpt = load_reference(path, name)  # read once (up to 218 MB): checked, then written
    if ckpt.family != family:
        raise InputError(f"The file {path.name} holds a released {ckpt.family} generator, not a {family} one; "
                         f"this tab runs {family} models ({examples}, …).")
    save_reference(ckpt, None if shared() else own / name)
    return name


def forget(request: gr.Request) -> Path | None:
    """The visitor left: their imports go; returns the folder they were in (None: no session)."""
    d = session_dir(request)
    if d is not None:
        shutil.rmtree(d, ignore_errors=True)
    return d


def clear_all() -> None:
    """At start-up: no session outlives the app."""
    shutil.rmtree(_root(), ignore_errors=True)
