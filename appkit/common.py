"""What every tab of the app shares: turning errors into one sentence, validating raw values,
the cache of loaded pipelines, the images the page shows and the uploaded .pth importer."""
from __future__ import annotations

import contextvars
import functools
import logging
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from PIL import Image

import ganzoo
from ganzoo import released
from ganzoo.errors import USER_ERRORS, InputError

from . import imports
from .imports import own_models

log = logging.getLogger("ganzoo.app")
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


# Every handler runs its model work on these few threads, not on whichever of gradio's up to 40
# worker threads picked the request up: each thread that runs PyTorch keeps its own OpenMP team and
# oneDNN scratch memory (5-12 MB measured per thread here), so a server whose every worker thread
# had run a model sat ~200 MB higher. Two cores gain nothing from more than two at once.
MODEL_THREADS = ThreadPoolExecutor(max_workers=int(os.environ.get("GANZOO_MODEL_THREADS", 2)),
                                   thread_name_prefix="ganzoo-model")


def on_model_thread(fn, *args, **kwargs):
    """fn(*args, **kwargs) on one of MODEL_THREADS (directly when already on one), with the caller's
    context variables (gradio's progress bars and toasts find their event through them)."""
    if threading.current_thread().name.startswith("ganzoo-model"):
        return fn(*args, **kwargs)
    return MODEL_THREADS.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()


def user_errors(fn):
    """Run a handler (on a model thread); turn anything it raises into a gr.Error with one human
    sentence.

    ganzoo.errors' InputError / CheckpointError carry messages written for the user. Anything else
    (a ValueError from deep inside a library included) is a bug: it is logged with its traceback
    on the server and the user gets a short apology.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return on_model_thread(fn, *args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as e:
            raise gr.Error(sentence(e), print_exception=False) from None
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error("Something went wrong on the server while doing this; the details are "
                           "in the server log.", print_exception=False) from None
    return wrapper


def sentence(e: BaseException) -> str:
    """A user error's message as the visitor reads it."""
    msg = str(e) or type(e).__name__
    return msg[:1].upper() + msg[1:]


def upscale(img: Image.Image, target: int) -> Image.Image:
    """Integer nearest-neighbour upscale so that the long side is at most `target` pixels."""
    k = max(1, target // max(img.size))  # never past the target: a 256-px result stays 256
    return img if k == 1 else img.resize((img.width * k, img.height * k), Image.NEAREST)


def number(value, name: str, lo: float, hi: float, integer: bool = False):
    """Validate one numeric input (events run with preprocess=False, so values arrive raw)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name} must be a finite number")
    if integer and not v.is_integer():
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if not lo <= v <= hi:
        lo_s, hi_s = (int(lo), int(hi)) if integer else (lo, hi)
        raise InputError(f"{name} must be between {lo_s} and {hi_s}, got {int(v) if integer else v}")
    return int(v) if integer else v


class PipelineCache:
    """Loaded pipelines by model name: the installed models of a family, and the released ones
    (ganzoo.released), fetched on their first pick. Loading is guarded by a lock (two requests for
    a cold model load it once); lookups of loaded models take no lock; a fetch runs outside it."""

    instances: list["PipelineCache"] = []

    def __init__(self, family: str, factory, catalogue=released):
        """catalogue: the module of the family's models fetched on first pick (CATALOGUE,
        for_family, fetch; each entry has family, title, picker_note): ganzoo.released or
        ganzoo.upscalers."""
        self.family, self.factory, self.catalogue = family, factory, catalogue
        self._loaded: dict = {}
        self._failed: dict[str, str] = {}   # a broken folder is tried (and logged) once
        self._own: dict[Path, object] = {}   # pipelines of visitors' own imports, by folder
        self._lock = threading.Lock()
        PipelineCache.instances.append(self)

    @classmethod
    def loaded_count(cls) -> int:
        """Pipelines held by every cache now (installed and visitors' own)."""
        return sum(len(c._loaded) + len(c._own) for c in cls.instances)

    @classmethod
    def forget(cls, folder: Path) -> None:
        """Drop the pipelines loaded from a visitor's folder (they left)."""
        for cache in cls.instances:
            for path in [p for p in cache._own if folder in p.parents]:
                cache._own.pop(path, None)

    def names(self) -> list[str]:
        return ganzoo.list_models(family=self.family)

    def choices(self, request=None) -> list[tuple[str, str]]:
        """(label, name) for a picker: the installed models, the visitor's own imports, then the
        released ones not fetched yet."""
        installed = self.names() + [n for n in own_models(request, self.family) if n not in self.names()]
        catalogue = self.catalogue.CATALOGUE
        out = [(catalogue[n].title if n in catalogue else n, n) for n in installed]
        out += [(f"{e.title} — {e.picker_note}", e.name) for e in self.catalogue.for_family(self.family)
                if e.name not in installed]
        return out

    def get(self, name, progress=None, request=None):
        """The pipeline of `name`: an installed model, the visitor's own import, or a released one
        (fetched first, reporting progress(fraction, text))."""
        own = own_models(request, self.family).get(name) if isinstance(name, str) else None
        if own is not None:
            if own not in self._own:
                self._own[own] = self.factory(str(own))
            return self._own[own]
        p = self._loaded.get(name)
        if p is not None:
            return p
        if not isinstance(name, str) or not name:
            raise InputError("choose a model")

        entry = self.catalogue.CATALOGUE.get(name)
        if entry is not None and entry.family == self.family and name not in self.names():
            try:   # a failure is one sentence; nothing is cached, the next pick retries
                self.catalogue.fetch(name, progress)
            except USER_ERRORS as e:
                log.warning("fetching the %s model %r failed: %s", self.family, name, e)
                raise
        with self._lock:
            p = self._loaded.get(name)
            if p is not None:
                return p
            if name in self._failed:
                raise ganzoo.CheckpointError(self._failed[name])
            known = self.names()  # only bundled checkpoints: no paths or Hub ids from requests
            if name not in known:
                raise InputError(f"unknown model {name!r}; available models: "
                                 f"{', '.join(known) or 'none (no checkpoints are bundled)'}")
            try:
                p = self.factory(name)
            except InputError:
                raise
            except Exception as e:
                log.exception("loading checkpoint %r failed", name)
                self._failed[name] = (str(e) if isinstance(e, ganzoo.CheckpointError) else
                                      f"model {name!r} could not be loaded: its checkpoint folder "
                                      f"is broken or incompatible ({type(e).__name__})")
                raise ganzoo.CheckpointError(self._failed[name]) from None
            self._loaded[name] = p
            return p

    def title(self, name) -> str:
        """What the picker shows for `name`."""
        return next((label.split(" — ")[0] for label, n in self.choices() if n == name), str(name))


def picker_fetch(cache: PipelineCache, picker: gr.Dropdown, shown: list, default: str | None):
    """The first step of a picker's change event, where its models may need a download: the
    picked model is fetched (progress over `shown`, the tab's outputs) and the rest of the
    event (`.then(...)` on what this returns) draws with it.

    A fetch that fails (no network, a broken file) says why in one sentence, as a warning rather
    than an error: an error marks the tab's outputs with an "Error" badge that stays, and left the
    picker on a model every later stroke failed with. The picker goes back to the last model that
    worked for this visitor (its own change event redraws with it), the tab's pictures stay, and
    the server log says what failed (PipelineCache.get).
    """
    ok = gr.State(default)

    def fetch(model, last_ok, request: gr.Request = None, progress=gr.Progress()):
        keep = [gr.skip()] * len(shown)
        try:
            on_model_thread(cache.get, model, lambda f, text: progress(f, desc=text), request)
        except Exception as e:
            back = last_ok if last_ok and last_ok != model else None
            if isinstance(e, USER_ERRORS):
                said = sentence(e).rstrip()
                said += ("" if said.endswith((".", "!", "?")) else ".") + \
                    (f" The picker is back on {cache.title(back)}." if back else "")
            else:
                log.exception("fetching the %s model %r failed", cache.family, model)
                said = "That model could not be prepared; the details are in the server log."
            gr.Warning(said)
            return (*keep, back if back else gr.skip(), gr.skip())
        return (*keep, gr.skip(), model)

    return picker.change(fetch, [picker, ok], [*shown, picker, ok], show_progress="full", preprocess=False,
                         api_visibility="private", concurrency_limit=2, concurrency_id="fetch")


def payload_path(value) -> str | None:
    """The server-side file of an image payload (events run with preprocess=False: gradio has
    already checked that the file is in its upload cache and hands us the FileData dict)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("path")
    if isinstance(value, (str, Path)):
        return str(value)
    raise InputError("unexpected image payload: send an image file")


def import_pth(file, family: str, cache: "PipelineCache", examples: str, request=None):
    """An uploaded reference generator (.pth) of `family` → the visitor's own model, picked."""
    path = payload_path(file)
    if path is None:
        raise InputError(f"Choose a .pth file first (e.g. {examples.split(',')[0]}.pth).")
    name = imports.import_pth(Path(path), family, examples, request)
    gr.Info(f"Imported {name}: it is now in your model list.")
    return gr.Dropdown(choices=cache.choices(request), value=name)



@dataclass
class TabHandles:
    """What a tab builder gives back for wiring across tabs (the zoo opens a model in its tab)."""
    tab: gr.Tab
    family: str | None = None             # the model family the tab runs
    picker: gr.Dropdown | None = None     # its model picker


def opening(cache: PipelineCache, preferred: str, missing: str, intro: str) -> tuple[list[str], str | None]:
    """The start of a tab (inside its gr.Tab): what it does, or how to get a model when none is
    installed; returns (the picker's models, the one shown first: `preferred` when installed)."""
    names = cache.names()
    if not names:
        gr.Markdown(missing)
    gr.Markdown(intro)
    return names, preferred if preferred in names else (names[0] if names else None)


def first_result(what: str, fn, *args):
    """A tab's output shown the moment the page opens: `fn(*args)` run once at start-up on the
    tab's first example (every visitor sees the same cached picture), or None, logged, when it
    cannot be made (no model installed, a broken one): the tab then opens empty, as before."""
    try:
        return fn(*args)
    except Exception as e:  # never fatal: the app starts, the tab works when the visitor acts
        log.warning("no opening result for %s: %s", what, e)
        return None


def pth_importer(title: str, text: str, elem_prefix: str) -> tuple[gr.File, gr.Button]:
    """A closed accordion to import released reference weights (.pth): (the file box, its button)."""
    with gr.Accordion(title, open=False):
        gr.Markdown(text)
        with gr.Row():
            return (gr.File(file_types=[".pth"], label=".pth file", elem_id=f"{elem_prefix}pth_file"),
                    gr.Button("import", elem_id=f"{elem_prefix}pth_import"))
