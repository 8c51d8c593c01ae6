"""Where the server's memory goes, for the soak benchmark (bench/soak.py --trace): with
GANZOO_MEMTRACE=PATH the app starts tracemalloc and appends one JSON line to PATH every
GANZOO_MEMTRACE_S seconds (default 60): resident memory, gradio's stored sessions, the editors' blob
stores, the loaded pipelines, and the Python allocation sites that grew most since the first line.

Off unless the variable is set: tracemalloc slows every Python allocation.
"""
from __future__ import annotations

import json
import os
import threading
import time
import tracemalloc


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _counts(demo) -> dict:
    from .common import PipelineCache

    holder = getattr(demo, "state_holder", None)
    return {
        "gradio_sessions": len(getattr(holder, "session_data", {})),
        "pipelines": sum(len(c._loaded) + len(c._own) for c in PipelineCache.instances),
        "temp_files": sum(len(getattr(b, "temp_files", ())) for b in demo.blocks.values()),
    }


def start(demo, path: str, period_s: float | None = None) -> threading.Thread:
    period_s = period_s or float(os.environ.get("GANZOO_MEMTRACE_S", "60"))
    tracemalloc.start(8)

    def run():
        base = None
        while True:
            time.sleep(period_s)
            snap = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)])
            top = []
            if base is not None:
                for st in snap.compare_to(base, "traceback")[:12]:
                    frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in st.traceback[-4:]]
                    top.append({"kb": round(st.size_diff / 1024, 1), "count": st.count_diff, "where": frames})
            else:
                base = snap
            line = {"t": time.time(), "rss_mb": round(_rss_mb(), 1),
                    "traced_mb": round(tracemalloc.get_traced_memory()[0] / 2**20, 1), **_counts(demo),
                    "grew_most": top}
            with open(path, "a") as f:
                f.write(json.dumps(line) + "\n")

    thread = threading.Thread(target=run, name="ganzoo-memtrace", daemon=True)
    thread.start()
    return thread
