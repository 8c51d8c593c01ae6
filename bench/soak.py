#!/usr/bin/env python
"""Soak test: the app as the README starts it, for an hour or more, with visitors coming and going.

    python bench/soak.py                          # 60 minutes, 8 visitors at once
    python bench/soak.py --minutes 10 --trace     # a shorter look, with the server's tracemalloc log
    python bench/soak.py --minutes 90 --visitors 12 --json bench/results/soak.json

The app is started with `python app.py` (bench/app_process.py: a free port, gradio's cache in a
temporary folder). A steady number of visitors (`--visitors`) use it at once: each is a new
`gradio_client` session that picks two or three tabs, makes 3–8 requests on them with 0.5–3 s
between (the endpoints and inputs of bench/traffic.py: every tab's API), then leaves; a new visitor
takes its place, so hundreds of distinct sessions pass over the run. Every minute the bench records
the server's resident memory (the process and its children), gradio's cache on disk (bytes, files),
the visitors so far and at once, and the requests served.

At the end it prints memory over time, requests/s per core, p50/p95 per endpoint, the cache size and
the sessions, and checks the goals: over the last half hour (or the last half of a shorter run)
resident memory grows by ≤ --growth-tolerance-mb (the least-squares trend over that window times
its length) and the cache on disk stays under --cache-limit-mb. With --trace the app writes
appkit/memtrace.py's log (allocation sites that grew, gradio's stored sessions) and the bench prints
its last line. Client and server share the machine: latencies are the pair's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import RssSampler, start_app, stop_app  # noqa: E402
from traffic import MIX, Inputs, call_once  # noqa: E402

# the endpoints of each tab, as a visitor meets them
TABS = {
    "latent": ["/generate", "/generate", "/generate", "/grid", "/interpolate"],
    "sketch": ["/sketch2img", "/sketch2img", "/upload2img"],
    "transfer": ["/domain_transfer a2b", "/domain_transfer b2a"],
    "inpaint": ["/inpaint"],
    "zoo": ["/zoo_card"],
}


class Visitors:
    """Keeps `n` visitors on the app until `t_end`; each records its requests in `records`."""

    def __init__(self, url: str, inputs: Inputs, n: int, t_end: float, seed: int = 0):
        self.url, self.inputs, self.n, self.t_end = url, inputs, n, t_end
        self.records: list[dict] = []
        self.started = self.finished = 0
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def visit(self, idx: int) -> None:
        from gradio_client import Client

        rng = random.Random(idx)
        try:
            client = Client(self.url, verbose=False)
        except Exception as e:  # noqa: BLE001 - a refused visitor is a result
            self.records.append(dict(visitor=idx, endpoint="(connect)", t=time.time(), ok=False,
                                     latency_ms=float("nan"), error=str(e)[:200]))
            return
        try:
            tabs = rng.sample(sorted(TABS), rng.randint(2, 3))
            for _ in range(rng.randint(3, 8)):
                if time.time() > self.t_end:
                    break
                label = rng.choice(TABS[rng.choice(tabs)])
                r = call_once(client, self.inputs, label, rng)
                self.records.append(dict(visitor=idx, t=time.time(), **r))
                time.sleep(rng.uniform(0.5, 3.0))
        finally:
            client.close()

    def _one(self, idx: int) -> None:
        try:
            self.visit(idx)
        finally:
            with self.lock:
                self.finished += 1

    def run(self) -> None:
        live: list[threading.Thread] = []
        while time.time() < self.t_end:
            live = [t for t in live if t.is_alive()]
            while len(live) < self.n:
                with self.lock:
                    self.started += 1
                    idx = self.started
                t = threading.Thread(target=self._one, args=(idx,), daemon=True)
                t.start()
                live.append(t)
            time.sleep(0.2)
        for t in live:
            t.join(60)


def folder_size(path: Path) -> tuple[int, int]:
    n = size = 0
    for p in path.rglob("*"):
        try:
            if p.is_file():
                n += 1
                size += p.stat().st_size
        except OSError:   # removed while we looked
            pass
    return size, n


def trend_mb_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute."""
    if len(points) < 3:
        return float("nan")
    ts, ys = [p[0] for p in points], [p[1] for p in points]
    tm, ym = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - tm) ** 2 for t in ts)
    return 60 * sum((t - tm) * (y - ym) for t, y in zip(ts, ys)) / den if den else float("nan")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(x for x in xs if x == x)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--visitors", type=int, default=8, help="visitors on the app at once")
    ap.add_argument("--warmup-minutes", type=float, default=3.0, help="left out of the growth window's start")
    ap.add_argument("--growth-tolerance-mb", type=float, default=25.0)
    ap.add_argument("--cache-limit-mb", type=float, default=300.0)
    ap.add_argument("--trace", action="store_true", help="the app logs tracemalloc diffs (appkit/memtrace.py)")
    ap.add_argument("--json", type=Path, help="write the minute-by-minute record and every request here")
    args = ap.parse_args()

    from gradio_client import Client

    workdir = Path(tempfile.mkdtemp(prefix="ganzoo-soak-"))
    trace = workdir / "memtrace.jsonl"
    env = {"GANZOO_FETCH": "0"}
    if args.trace:
        env.update(GANZOO_MEMTRACE=str(trace), GANZOO_MEMTRACE_S="60")
    proc, url, startup_s, log_path = start_app(workdir, env=env)
    try:
        sampler = RssSampler(proc.pid, period=2.0)
        sampler.start()
        api = Client(url, verbose=False).view_api(print_info=False, return_format="dict")["named_endpoints"]
        inputs = Inputs(workdir, api)
        t0 = time.time()
        visitors = Visitors(url, inputs, args.visitors, t0 + args.minutes * 60)
        runner = threading.Thread(target=visitors.run, daemon=True)
        runner.start()
        minutes: list[dict] = []
        while runner.is_alive():
            runner.join(60)
            size, files = folder_size(workdir / "gradio")
            rec = dict(minute=round((time.time() - t0) / 60, 1), rss_mb=round(sampler.rss_mb(), 1),
                       cache_mb=round(size / 2**20, 1), cache_files=files, visitors=visitors.started,
                       at_once=visitors.started - visitors.finished, requests=len(visitors.records))
            minutes.append(rec)
            print(json.dumps(rec), file=sys.stderr, flush=True)
        sampler.stop()
        wall = time.time() - t0
    finally:
        stop_app(proc)

    # ---- report ----------------------------------------------------------------------------------
    rec = visitors.records
    ok = [r for r in rec if r["ok"]]
    window0 = max(args.warmup_minutes * 60, wall - 30 * 60) if wall > 60 * 60 else max(args.warmup_minutes * 60, wall / 2)
    pts = [(t, mb) for t, mb, _ in sampler.samples if t >= window0]
    slope = trend_mb_per_min(pts)
    growth = slope * (wall - window0) / 60
    peak_cache = max((m["cache_mb"] for m in minutes), default=0.0)
    cores = os.cpu_count() or 1
    print(f"\nSoak: {wall / 60:.0f} min, {args.visitors} visitors at once, {visitors.started} visitors in all, "
          f"`python app.py` started in {startup_s:.1f} s; {platform.processor() or platform.machine()}, "
          f"{cores} cores (client and server share them)\n")
    print("| minute | RSS MB | gradio cache MB (files) | visitors so far | requests |")
    print("|---:|---:|---:|---:|---:|")
    step = max(1, len(minutes) // 12)
    for m in minutes[::step] + ([minutes[-1]] if minutes and (len(minutes) - 1) % step else []):
        print(f"| {m['minute']:.0f} | {m['rss_mb']:.0f} | {m['cache_mb']:.1f} ({m['cache_files']}) | "
              f"{m['visitors']} | {m['requests']} |")
    print("\n| endpoint | served | errors | p50 | p95 |\n|---|---:|---:|---:|---:|")
    for label in MIX:
        xs = [r for r in rec if r["endpoint"] == label]
        if xs:
            lat = [r["latency_ms"] for r in xs if r["ok"]]
            print(f"| {label} | {len(lat)} | {len(xs) - len(lat)} | {pct(lat, .5) / 1e3:.2f} s | {pct(lat, .95) / 1e3:.2f} s |")
    print(f"| all | {len(ok)} ({len(ok) / wall:.2f} / s, {len(ok) / wall / cores:.2f} / s per core) | "
          f"{len(rec) - len(ok)} | | |")
    errors = sorted({r["error"] for r in rec if not r["ok"]})[:5]
    if errors:
        print("\nerrors seen:", *errors, sep="\n  ")
    verdict = "✅" if growth <= args.growth_tolerance_mb else "❌"
    print(f"\nRSS over the window from minute {window0 / 60:.0f} to {wall / 60:.0f}: trend {slope:+.2f} MB/min, "
          f"{growth:+.1f} MB over the window (goal ≤ {args.growth_tolerance_mb:.0f}) {verdict}; "
          f"gradio cache peak {peak_cache:.1f} MB (limit {args.cache_limit_mb:.0f}) "
          f"{'✅' if peak_cache <= args.cache_limit_mb else '❌'}")
    if args.trace and trace.is_file():
        last = json.loads(trace.read_text().splitlines()[-1])
        print("\nserver (appkit/memtrace.py, last line):", json.dumps({k: v for k, v in last.items() if k != "grew_most"}))
        for row in last["grew_most"][:8]:
            print(f"  {row['kb']:+9.1f} KB {row['count']:+7d}  {' < '.join(reversed(row['where']))}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(dict(
            minutes=args.minutes, visitors=args.visitors, visitors_total=visitors.started, wall_s=wall,
            startup_s=startup_s, cores=cores, machine=platform.processor() or platform.machine(),
            window_start_s=window0, rss_trend_mb_per_min=slope, rss_growth_window_mb=growth,
            cache_peak_mb=peak_cache, by_minute=minutes,
            trace=[json.loads(x) for x in trace.read_text().splitlines()] if trace.is_file() else None,
            requests=rec), indent=1, default=str))
        print(f"wrote {args.json}")
    if log_path.exists() and "Traceback" in log_path.read_text(errors="replace"):
        keep = Path(tempfile.gettempdir()) / "ganzoo-soak-app.log"
        shutil.copy(log_path, keep)
        print(f"the server logged tracebacks: {keep}", file=sys.stderr)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
