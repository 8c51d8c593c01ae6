"""Where the server's memory goes, for the soak benchmark (bench/soak.py --trace): with
GANZOO_MEMTRACE=PATH the app starts tracemalloc and appends one JSON line to PATH every
GANZOO_MEMTRACE_S seconds (default 60): resident memory, gradio's stored sessions, the editors' blob
stores, the loaded pipelines, and the Python allocation sites that grew most since the first line.

Off unless the variable is set. tracemalloc slows every Python allocation (a HEAD of the page: 35 ms
-> 1-1.6 s on a 2-core CPU), so it starts only once the server answers (gradio's launch gives up on
a localhost that takes over 3 s), and GANZOO_MEMTRACE_SITES=0 leaves it off: the counts and resident
memory alone, at full speed.
"""
from __future__ import annotations

import json
import os
import threading
import time
import tracemalloc
import urllib.request

from . import compat
from .common import PipelineCache


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _counts(demo) -> dict:
    return {"gradio_sessions": compat.session_count(demo), "pipelines": PipelineCache.loaded_count(),
            "temp_files": compat.temp_file_count(demo)}


def _wait_until_serving(demo) -> None:
    while True:
        url = getattr(demo, "local_url", None)
        if url:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.5)


def _grew_most(base, snap) -> list[dict]:
    top = []
    for st in snap.compare_to(base, "traceback")[:12]:
        frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in st.traceback[-4:]]
        top.append({"kb": round(st.size_diff / 1024, 1), "count": st.count_diff, "where": frames})
    return top


def start(demo, path: str, period_s: float | None = None, sites: bool | None = None) -> threading.Thread:
    """Append a line to `path` every `period_s` seconds from a daemon thread; `sites`: also trace
    allocation sites with tracemalloc (default: GANZOO_MEMTRACE_SITES, on)."""
    period_s = period_s or float(os.environ.get("GANZOO_MEMTRACE_S", "60"))
    if sites is None:
        sites = os.environ.get("GANZOO_MEMTRACE_SITES", "1") != "0"

    def run():
        base = None
        if sites:
            _wait_until_serving(demo)
            tracemalloc.start(8)
        while True:
            time.sleep(period_s)
            line = {"t": time.time(), "rss_mb": round(_rss_mb(), 1), **_counts(demo)}
            if sites:
                snap = tracemalloc.take_snapshot().filter_traces(
                    [tracemalloc.Filter(False, tracemalloc.__file__)])
                line["traced_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20, 1)
                if base is None:
                    base = snap
                    line["grew_most"] = []
                else:
                    line["grew_most"] = _grew_most(base, snap)
            with open(path, "a") as f:
                f.write(json.dumps(line) + "\n")

    thread = threading.Thread(target=run, name="ganzoo-memtrace", daemon=True)
    thread.start()
    return thread
