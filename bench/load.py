#!/usr/bin/env python
"""Load test of the real app: many concurrent gradio_client sessions over every tab, server memory,
and what a caller sees when the queue is full.

    python bench/load.py [--clients 20] [--seconds 60] [--json PATH]
    python bench/load.py --url http://127.0.0.1:7860/ [--pid PID]    # a server that is already running
    python bench/load.py --clients 4 --seconds 10 --burst 40           # a quick look

Unless --url/--port names a running server, the app is started as the README says (`python app.py`
in a subprocess, on a free port, GRADIO_ANALYTICS_ENABLED=False, GRADIO_SERVER_PORT; gradio's file
cache and TMPDIR in a temporary folder that is removed afterwards) and the bench waits for HTTP 200.

1. warm-up: one call of every endpoint in the mix, one after the other (models load lazily; those
   first-call times are the "cold" column), so the load phase measures a warm server;
2. load: `--clients` threads, each with its own `gradio_client.Client` session, loop for `--seconds`
   over a weighted mix of the app's API endpoints with valid, varied inputs (MIX below): random
   seeds / class / truncation / direction sliders for /generate and /grid, short GIFs from
   /interpolate, drawn sketches for /sketch2img, example drawings for /upload2img, examples/transfer
   in both directions of /domain_transfer (noto_* a2b, twemoji_* b2a), examples/inpaint with their
   RGBA mask layer for /inpaint, and /zoo_card. Every request's endpoint, latency (client side:
   upload, queue, run and download of the result) and error message is recorded;
3. memory: the server's resident memory (psutil, the process and its children) every 0.5 s: at
   the start of the load, its peak, at the end, and its growth over the second half of the load
   (goal: bounded, growth ≤ --growth-tolerance-mb);
4. full queue: `--burst` simultaneous `client.submit` calls of the heaviest endpoint (/interpolate
   with --burst-frames frames; it runs one at a time) from one session. The app's queue holds
   QUEUE_MAX_SIZE waiting events; the calls beyond it must fail at once with a message, not hang.
   The bench prints the message a gradio_client caller gets (and how long it took), the HTTP answer
   a raw REST caller gets (POST /gradio_api/call/interpolate while the queue is full), the text the
   browser shows (read from gradio's frontend bundle, not run in a browser), what another session's
   /generate gets meanwhile (the size limit counts every endpoint's waiting events together), and
   checks that the server answers again once the burst has drained.

Prints markdown tables; --json PATH writes every request, every memory sample and the summary.
Latencies include gradio_client's own overhead (about 70 ms per call on a 2-core machine) and the
client threads share the CPU with the server: on a small machine this measures the pair, as a
real deployment with remote clients would not.
"""
from __future__ import annotations

import argparse
import json
import math
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import SAMPLE_S, RssSampler, _pid_listening_on, start_app, stop_app, wait_http  # noqa: E402
from traffic import MIX, Inputs, call_once, session  # noqa: E402
from burst import BURST_ENDPOINT, burst  # noqa: E402




# ----------------------------------------------------------------------------------------------
# report

def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def rss_summary(samples, t_load0: float, t_load1: float, tolerance_mb: float) -> dict:
    load = [(t, mb) for t, mb, ph in samples if ph == "load"]
    if len(load) < 4:
        return {}
    mid_t = (t_load0 + t_load1) / 2

    def around(t, w=1.0):
        v = [mb for tt, mb in load if abs(tt - t) <= w]
        return statistics.median(v) if v else float("nan")

    second = [(t, mb) for t, mb in load if t >= mid_t]
    if len(second) >= 2:
        mt = statistics.fmean(t for t, _ in second)
        mm = statistics.fmean(mb for _, mb in second)
        den = sum((t - mt) ** 2 for t, _ in second)
        slope = sum((t - mt) * (mb - mm) for t, mb in second) / den * 60 if den else 0.0
    else:
        slope = float("nan")
    start, mid, end = load[0][1], around(mid_t), statistics.median(mb for _, mb in load[-4:])
    return dict(start_mb=start, peak_mb=max(mb for _, mb in load), mid_mb=mid, end_mb=end,
                growth_second_half_mb=end - mid, slope_second_half_mb_per_min=slope,
                tolerance_mb=tolerance_mb, bounded=(end - mid) <= tolerance_mb)


def print_report(meta, cold, records, wall_s, rss, b):
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{load:.1f} when finished; python {platform.python_version()}, gradio {meta['gradio']}, "
          f"gradio_client {meta['gradio_client']}")
    started = f"started here, HTTP 200 after {meta['startup_s']:.1f} s" if meta["startup_s"] else "already running"
    print(f"server: {meta['url']} ({started}); "
          f"{meta['clients']} sessions for {meta['seconds']:.0f} s\n")
    by = {}
    for r in records:
        by.setdefault(r["endpoint"], []).append(r)
    print("| endpoint | cold first call (ms) | served | errors | p50 (ms) | p95 (ms) | max (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label in [*MIX, *(k for k in by if k not in MIX)]:
        rs = by.get(label, [])
        if not rs and label not in cold:
            continue
        ms = [r["latency_ms"] for r in rs if r["ok"]]
        c = cold.get(label)
        cs = "—" if c is None else (f"{c['latency_ms']:.0f}" if c["ok"] else "error")
        q = (f"{pct(ms, .5):.0f} | {pct(ms, .95):.0f} | {max(ms):.0f}") if ms else "— | — | —"
        print(f"| {label} | {cs} | {len(ms)} | {sum(not r['ok'] for r in rs)} | {q} |")
    ok = [r for r in records if r["ok"]]
    all_ms = [r["latency_ms"] for r in ok]
    n_err = len(records) - len(ok)
    print(f"| **all** | | **{len(ok)}** | **{n_err}** | {pct(all_ms, .5):.0f} | {pct(all_ms, .95):.0f} | "
          f"{max(all_ms, default=float('nan')):.0f} |")
    per_client = [sum(r["client"] == i and r["ok"] for r in records) for i in range(meta["clients"])]
    print(f"\noverall: **{len(ok) / wall_s:.1f} requests/s** served ({len(ok)} in {wall_s:.1f} s, the last "
          f"requests finishing after the {meta['seconds']:.0f} s mark); per session {min(per_client)}–"
          f"{max(per_client)} requests")
    errors = {}
    for r in records:
        if not r["ok"]:
            errors.setdefault((r["endpoint"], r["error"]), 0)
            errors[(r["endpoint"], r["error"])] += 1
    if errors:
        print("\nerrors under load:\n")
        for (ep, msg), k in sorted(errors.items(), key=lambda x: -x[1]):
            print(f"- {k}× {ep}: `{msg}`")
    for label, c in cold.items():
        if not c["ok"]:
            print(f"- warm-up {label}: `{c['error']}`")

    if rss:
        verdict = "✅ bounded" if rss["bounded"] else "❌ grew"
        print("\n| server RSS (MB, process + children) | value |")
        print("|---|---:|")
        print(f"| after start-up (before warm-up) | {meta['rss_boot_mb']:.0f} |")
        print(f"| at the start of the load (warm) | {rss['start_mb']:.0f} |")
        print(f"| peak during the load | {rss['peak_mb']:.0f} |")
        print(f"| at the middle of the load | {rss['mid_mb']:.0f} |")
        print(f"| at the end of the load | {rss['end_mb']:.0f} |")
        print(f"| growth over the second half (end − middle) | {rss['growth_second_half_mb']:+.0f} "
              f"(goal ≤ {rss['tolerance_mb']:.0f}: {verdict}) |")
        print(f"| trend over the second half (least squares) | {rss['slope_second_half_mb_per_min']:+.1f} MB/min |")
        if meta.get("rss_after_burst_mb") is not None:
            print(f"| peak during the full-queue burst | {meta['rss_burst_peak_mb']:.0f} |")
            print(f"| after the burst | {meta['rss_after_burst_mb']:.0f} |")
    else:
        print("\n(server RSS not sampled: no PID for the server; pass --pid)")
    if meta.get("cache_mb") is not None:
        print(f"\ngradio's file cache (uploads + outputs) after the run: {meta['cache_mb']:.0f} MB in "
              f"{meta['cache_files']} files (delete_cache clears files older than an hour, every 30 min)")

    if b:
        print(f"\n### full queue: {b['submits']} simultaneous submits of {b['endpoint']} "
              f"({b['frames']} frames; the queue holds {meta['queue_max']} waiting events)\n")
        print(f"the submit loop took {b['submit_loop_s'] * 1e3:.0f} ms; {b['served']} served "
              f"(the last {b['served_ms']['max'] / 1e3:.1f} s after its submit), {b['rejected']} refused; all settled "
              f"after {b['drain_s']:.1f} s\n" if b["served_ms"] else
              f"{b['served']} served, {b['rejected']} refused\n")
        if b["messages"]:
            print("| what the caller sees | calls | its submit → the answer: min / median / max (ms) |")
            print("|---|---:|---:|")
            for m, s in b["messages"].items():
                print(f"| gradio_client: `{m}` | {s['count']} | {s['min_ms']:.0f} / {s['median_ms']:.0f} / {s['max_ms']:.0f} |")
        answers: dict[str, list[float]] = {}
        for r in b["rest"]:
            answers.setdefault(f"HTTP {r['status']} `{r['body']}`", []).append(r["ms"])
        for a, v in answers.items():
            print(f"| raw REST POST /gradio_api/call{b['endpoint']}: {a} | {len(v)} | "
                  f"{min(v):.0f} / {statistics.median(v):.0f} / {max(v):.0f} |")
        if b["browser_text"]:
            print(f"| browser (gradio's frontend on HTTP 503, from its JS bundle, not run here): "
                  f"`{b['browser_text']}` | | |")
        o = b["other"]
        if o:
            print(f"\nanother session's {o['endpoint']} while the queue was full: "
                  + (f"served in {o['ms']:.0f} ms" if o["error"] is None else f"refused after {o['ms']:.0f} ms: `{o['error']}`")
                  + " (the queue's size limit counts waiting events of every endpoint together)")
        a = b["after"]
        answer = f"answered in {a['ms']:.0f} ms" if a["error"] is None else "failed: " + a["error"]
        print(f"\nafter the burst: /generate {answer}")


# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20, help="concurrent gradio_client sessions")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    ap.add_argument("--url", help="a running server (default: start `python app.py` here)")
    ap.add_argument("--port", type=int, help="a running server on 127.0.0.1:PORT")
    ap.add_argument("--pid", type=int, help="the running server's PID, for its memory "
                                            "(default: the process listening on the port)")
    ap.add_argument("--burst", type=int, default=80, help="simultaneous submits in the full-queue check (0: skip)")
    ap.add_argument("--burst-frames", type=int, default=60,
                    help=f"frames per {BURST_ENDPOINT} call in the burst (the UI slider's maximum is 60)")
    ap.add_argument("--growth-tolerance-mb", type=float, default=25.0,
                    help="the most the server's RSS may grow over the second half of the load")
    ap.add_argument("--json", type=Path, help="write every request, memory sample and the summary here "
                                              "(the README's table is made from bench/results/load.json)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    args = ap.parse_args()
    from timing import machine

    at_start = machine(args.note)

    import gradio_client
    import psutil  # fails early when it is missing (the memory sampler needs it)
    from gradio_client import Client

    try:
        from importlib.metadata import version
        gradio_version = version("gradio")
    except Exception:  # noqa: BLE001
        gradio_version = "?"
    import re
    m = re.search(r"^QUEUE_MAX_SIZE\s*=\s*(\d+)", (ROOT / "app.py").read_text(), re.M)
    queue_max = int(m.group(1)) if m else None

    workdir = Path(tempfile.mkdtemp(prefix="ganzoo-load-"))
    proc, startup_s, log_path = None, None, None
    try:
        if args.url or args.port:
            url = args.url or f"http://127.0.0.1:{args.port}/"
            wait_http(url)
            from urllib.parse import urlparse
            pid = args.pid or _pid_listening_on(urlparse(url).port or 80)
        else:
            proc, url, startup_s, log_path = start_app(workdir)
            pid = proc.pid
        sampler = RssSampler(pid) if pid else None
        if sampler:
            sampler.start()
            time.sleep(SAMPLE_S * 1.5)
        rss_boot = sampler.samples[-1][1] if sampler and sampler.samples else None

        api = Client(url, verbose=False).view_api(print_info=False, return_format="dict")["named_endpoints"]
        missing = sorted({k.split()[0] for k in MIX} - set(api))
        if missing:
            raise SystemExit(f"the app has no endpoint {', '.join(missing)}")
        inputs = Inputs(workdir, api)

        # 1. warm-up: every endpoint once (lazy model loads), then every latent model the mix uses
        if sampler:
            sampler.phase = "warm-up"
        warm = Client(url, verbose=False)
        rng = random.Random(1)
        cold = {label: call_once(warm, inputs, label, rng) for label in MIX}
        for m in inputs.latent_classes:
            warm.predict(api_name="/generate", **dict(inputs._latent(rng), model=m,
                                                       class_name=inputs.latent_classes[m][0]))
        warm.close()

        # 2. load
        records: list[dict] = []
        barrier = threading.Barrier(args.clients + 1)
        t_end = [math.inf]
        t0 = time.perf_counter()
        threads = [threading.Thread(target=session, args=(url, i, inputs, MIX, barrier, t_end, records, t0),
                                    daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        barrier.wait()
        t_load0 = time.perf_counter()
        t_end[0] = t_load0 + args.seconds
        if sampler:
            sampler.phase = "load"
            st0 = t_load0 - sampler.t0
        print(f"load: {args.clients} sessions for {args.seconds:.0f} s on {url} …", file=sys.stderr, flush=True)
        for t in threads:
            t.join()
        wall_s = time.perf_counter() - t_load0
        rss = {}
        if sampler:
            sampler.phase = "after-load"
            rss = rss_summary(sampler.samples, st0, st0 + args.seconds, args.growth_tolerance_mb)

        meta = dict(url=url, startup_s=startup_s, clients=args.clients, seconds=args.seconds,
                    gradio=gradio_version, gradio_client=gradio_client.__version__, psutil=psutil.__version__,
                    queue_max=queue_max,
                    rss_boot_mb=rss_boot, cpu_count=os.cpu_count(), mix=MIX, machine=at_start)

        # 4. full queue
        b = None
        if args.burst:
            time.sleep(1.0)
            print(f"full queue: {args.burst} submits of {BURST_ENDPOINT} …", file=sys.stderr, flush=True)
            if sampler:
                sampler.phase = "burst"
            b = burst(url, inputs, args.burst, args.burst_frames)
            if sampler:
                sampler.phase = "after-burst"
                time.sleep(SAMPLE_S * 2)
                meta["rss_burst_peak_mb"] = max((mb for _, mb, ph in sampler.samples if ph == "burst"), default=None)
                meta["rss_after_burst_mb"] = sampler.samples[-1][1]
        if sampler:
            sampler.stop()
        if proc is not None:
            files = [p for p in (workdir / "gradio").rglob("*") if p.is_file()]
            meta["cache_mb"] = sum(p.stat().st_size for p in files) / 2**20
            meta["cache_files"] = len(files)

        meta["loadavg_end"] = machine()["loadavg"]
        print_report(meta, cold, records, wall_s, rss, b)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(dict(
                meta=meta, cold=cold, load_wall_s=wall_s, rss=rss, burst=b, requests=records,
                rss_samples=[dict(t=t, mb=mb, phase=ph) for t, mb, ph in (sampler.samples if sampler else [])]),
                indent=1, default=str))
            print(f"\nwrote {args.json}")
    finally:
        if proc is not None:
            stop_app(proc)
            if log_path is not None and log_path.exists():
                tracebacks = log_path.read_text(errors="replace").count("Traceback")
                if tracebacks:
                    keep = Path(tempfile.gettempdir()) / f"ganzoo-load-app-{os.getpid()}.log"
                    shutil.copy(log_path, keep)
                    print(f"\nthe server logged {tracebacks} traceback(s): {keep}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
