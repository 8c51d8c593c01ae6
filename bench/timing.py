"""Timing helpers shared by the latency benchmarks."""
from __future__ import annotations

import statistics
import time


def interleaved_ms(fns, runs: int, warmup: int = 3) -> list[float]:
    """Median wall time (ms) of each function, the runs interleaved so that machine noise (another
    process, frequency changes) hits all of them alike."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    ts = [[] for _ in fns]
    for _ in range(runs):
        for t_list, fn in zip(ts, fns):
            t = time.perf_counter()
            fn()
            t_list.append(time.perf_counter() - t)
    return [statistics.median(t) * 1000 for t in ts]


def median_ms(fn, runs: int, warmup: int = 3) -> float:
    return interleaved_ms([fn], runs, warmup)[0]


def machine(note: str = "") -> dict:
    """Where a bench ran, for its JSON: CPU model, cores, whether bf16 is native, the load average at the
    time (other processes share the cores: a high load makes the timings noisy) and a free-text note."""
    import os
    import platform
    from datetime import datetime, timezone

    import torch

    cpu = platform.processor() or platform.machine()
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        cpu = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        flags = next(line.split(":", 1)[1] for line in info.splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        pass
    try:
        native_bf16 = bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:
        native_bf16 = False
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "avx2": "avx2" in flags, "avx512": "avx512f" in flags,
            "native_bf16": native_bf16, "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "loadavg": load, "torch": torch.__version__, "python": platform.python_version(),
            "utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"), "note": note}
