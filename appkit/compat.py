"""Every use of gradio's internals, in one place, for the gradio version they were checked on.

gradio's public API does not cover what the app needs to write cached output files atomically
(its own writer rewrites them in place), to drop the state of closed sessions and to count what
it holds (appkit.memtrace). Both reach
into modules that change between releases, so the app refuses to start on another gradio than
the pinned one (requirements.txt, the README's front matter) rather than misbehave.
"""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import gradio as gr
from gradio import processing_utils as pu

CHECKED_ON = "6.31."          # the gradio series whose internals this module was written against


def check_version(version: str = gr.__version__) -> None:
    if not version.startswith(CHECKED_ON):
        raise RuntimeError(f"ganzoo's app reaches into gradio {CHECKED_ON}x internals (appkit/compat.py); "
                           f"this is gradio {version}. Install the pinned version: pip install -r requirements.txt")


def save_pil_to_cache_atomically(img, cache_dir, name: str = "image", format: str = "webp") -> str:
    """gradio's own version names a cached output after its content hash and rewrites that file
    in place, so when two sessions make the same picture at once (two users clicking one example)
    one download could read a half-rewritten file (a truncated answer). Same file names; written
    once, under a temporary name, then renamed. PNGs are written fast: each live stroke's answer
    is encoded here, and at zlib's default level that took as long as the model (68 vs ~70 ms for
    a 600×400 photo)."""
    if format.lower() == "png":   # zlib level 1: ~4× faster than PIL's default for a photo, ~3% larger
        with io.BytesIO() as buf:
            img.save(buf, "png", pnginfo=pu.get_pil_metadata(img), compress_level=1)
            data = buf.getvalue()
    else:
        data = pu.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / pu.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    path = (folder / f"{name}.{format}").resolve()
    try:   # same hash, same bytes: an existing file is already right; it is in use again, so it
        os.utime(path)   # counts as new for the cache's byte budget (appkit/cache_budget.py)
    except FileNotFoundError:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return str(path)


def install() -> None:
    """Check the version and put the atomic cache writer in place (before serving)."""
    check_version()
    pu.save_pil_to_cache = save_pil_to_cache_atomically


def forget_session(demo, session_hash: str | None) -> None:
    """Drop gradio's stored state of a session that has ended. gradio keeps a SessionState (a copy
    of every component's config: ~190 KB for this app) for each session hash it has seen, closed
    or not, until 10,000 are stored (`state_session_capacity`); visitors who come and go then add
    up to gigabytes. Nothing of a closed browser session is used again: a reload is a new session."""
    holder = getattr(demo, "state_holder", None)
    if holder is None or not session_hash:
        return
    with holder.lock:
        holder.session_data.pop(session_hash, None)
        holder.time_last_used.pop(session_hash, None)


def session_count(demo) -> int:
    """Sessions whose page state gradio holds now."""
    holder = getattr(demo, "state_holder", None)
    return len(getattr(holder, "session_data", {}))


def temp_file_count(demo) -> int:
    """Files the page's components have written to gradio's cache and remember."""
    return sum(len(getattr(b, "temp_files", ())) for b in demo.blocks.values())
