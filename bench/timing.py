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
