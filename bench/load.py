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
Latencies include gradio_client's own overhead (about 70 ms per call on a 2-core machine) and the client threads share the CPU with the server: on a small
machine this measures the pair, as a real deployment with remote clients would not.
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
from app_process import start_app, stop_app, wait_http  # noqa: E402

SAMPLE_S = 0.5

# endpoint label -> weight in each session's mix (a slider drag sends many /generate calls; the
# heavy buttons are pressed less often). Labels are api names, /domain_transfer split by direction.
MIX = {
    "/generate": 6,
    "/grid": 1,
    "/interpolate": 0.5,
    "/sketch2img": 3,
    "/upload2img": 1,
    "/domain_transfer a2b": 1.5,
    "/domain_transfer b2a": 1.5,
    "/inpaint": 3,
    "/zoo_card": 0.5,
}
# classes of the latent models the mix uses (the API lists only the default model's classes)
LATENT_CLASSES = {"emoji-gan": ["noto", "twemoji"]}
BURST_ENDPOINT = "/interpolate"


# ----------------------------------------------------------------------------------------------
# the server

def _pid_listening_on(port: int) -> int | None:
    import psutil

    try:
        for c in psutil.net_connections(kind="tcp"):
            if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid:
                return c.pid
    except (psutil.AccessDenied, PermissionError):
        pass
    return None


class RssSampler(threading.Thread):
    """Resident memory of a process and its children (MB) every `period` s, with phase labels."""

    def __init__(self, pid: int, period: float = SAMPLE_S):
        super().__init__(daemon=True)
        import psutil

        self.proc, self.period = psutil.Process(pid), period
        self.samples: list[tuple[float, float, str]] = []   # (t since start, MB, phase)
        self.phase = "idle"
        self.t0 = time.perf_counter()
        self._halt = threading.Event()

    def rss_mb(self) -> float:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def run(self):
        while not self._halt.is_set():
            try:
                self.samples.append((time.perf_counter() - self.t0, self.rss_mb(), self.phase))
            except Exception:  # the server went away
                return
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join(5)


# ----------------------------------------------------------------------------------------------
# requests

class Inputs:
    """Files for the endpoints, and one call's (args, kwargs) per endpoint label."""

    def __init__(self, workdir: Path, api: dict):
        from PIL import Image, ImageDraw

        self.api = api
        gen = {p["parameter_name"]: p for p in api["/generate"]["parameters"]}
        self.latent_default = gen["model"]["parameter_default"]
        enum = gen["class_name"]["python_type"]["type"]
        self.latent_classes = {self.latent_default: [c.strip(" '\"") for c in
                                                     enum[enum.index("[") + 1:enum.rindex("]")].split(",")]}
        models = gen["model"]["python_type"]["type"]
        self.latent_classes.update({m: c for m, c in LATENT_CLASSES.items() if f"'{m}'" in models})

        rng = random.Random(0)
        sk = workdir / "sketches"
        sk.mkdir(parents=True, exist_ok=True)
        self.sketches = []
        for i in range(8):   # black strokes on white, as the Sketchpad's composite
            im = Image.new("RGB", (384, 384), "white")
            d = ImageDraw.Draw(im)
            cx, cy, r = rng.randint(150, 234), rng.randint(150, 234), rng.randint(70, 130)
            d.ellipse((cx - r, cy - r, cx + r, cy + r), outline="black", width=6)
            for _ in range(rng.randint(1, 4)):
                d.line([(rng.randint(60, 324), rng.randint(60, 324)) for _ in range(rng.randint(2, 4))],
                       fill="black", width=6)
            im.save(sk / f"sketch{i}.png")
            self.sketches.append(str(sk / f"sketch{i}.png"))
        ex = ROOT / "examples"
        self.drawings = sorted(map(str, (ex / "sketches").glob("*.png")))
        self.noto = sorted(map(str, (ex / "transfer").glob("noto_*.png")))
        self.twemoji = sorted(map(str, (ex / "transfer").glob("twemoji_*.png")))
        self.inpaint = [(str(p), str(p.with_name(p.stem + ".mask.png")))
                        for p in sorted((ex / "inpaint").glob("*.png"))
                        if not p.name.endswith((".mask.png", ".composite.png"))
                        and p.with_name(p.stem + ".mask.png").is_file()]
        zoo = api["/zoo_card"]["parameters"][0]["python_type"]["type"]
        self.zoo = [m.strip(" '\"") for m in zoo[zoo.index("[") + 1:zoo.rindex("]")].split(",")]
        missing = [k for k, v in dict(sketches=self.drawings, noto=self.noto, twemoji=self.twemoji,
                                      inpaint=self.inpaint).items() if not v]
        if missing:
            raise SystemExit(f"examples missing for: {', '.join(missing)} (examples/*)")

    def _latent(self, rng: random.Random) -> dict:
        model = rng.choice(sorted(self.latent_classes))
        v = dict(seed=rng.randint(0, 9999), class_name=rng.choice(self.latent_classes[model]),
                 truncation=round(rng.uniform(0.1, 2.0) / 0.05) * 0.05, model=model)
        v.update({f"dir{i}": round(rng.uniform(-5, 5), 1) for i in range(1, 9)})
        return v

    def call(self, label: str, rng: random.Random, frames: int | None = None) -> tuple[str, tuple, dict]:
        from gradio_client import handle_file

        if label == "/generate":
            return label, (), self._latent(rng)
        if label == "/grid":
            v = self._latent(rng)
            v["seed"] = min(v["seed"], 9999 - 15)
            return label, (), v
        if label == "/interpolate":
            v = self._latent(rng)
            v["seed_a"] = v.pop("seed")
            return label, (), dict(v, seed_b=rng.randint(0, 9999), frames=frames or rng.randint(4, 16))
        if label == "/sketch2img":
            return label, ({"background": None, "layers": [],
                            "composite": handle_file(rng.choice(self.sketches))},), {}
        if label == "/upload2img":
            return label, (handle_file(rng.choice(self.drawings)),), {}
        if label.startswith("/domain_transfer"):
            d = label.split()[1]
            return "/domain_transfer", (), dict(image=handle_file(rng.choice(self.noto if d == "a2b" else self.twemoji)),
                                                direction=d)
        if label == "/inpaint":
            bg, mask = rng.choice(self.inpaint)
            return label, ({"background": handle_file(bg), "layers": [handle_file(mask)], "composite": None},), {}
        if label == "/zoo_card":
            return label, (rng.choice(self.zoo),), {}
        raise KeyError(label)


def _error_text(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    return f"{type(e).__name__}: {msg}"[:300]


def call_once(client, inputs: Inputs, label: str, rng: random.Random) -> dict:
    api_name, args, kwargs = inputs.call(label, rng)
    t = time.perf_counter()
    try:
        client.predict(*args, api_name=api_name, **kwargs)
        ok, err = True, None
    except Exception as e:  # noqa: BLE001 — every failure is a result here
        ok, err = False, _error_text(e)
    return dict(endpoint=label, latency_ms=(time.perf_counter() - t) * 1e3, ok=ok, error=err)


def session(url: str, idx: int, inputs: Inputs, mix: dict, start: threading.Barrier, t_end: list,
            out: list, t0: float):
    from gradio_client import Client

    rng = random.Random(1000 + idx)
    labels, weights = zip(*mix.items())
    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001
        out.append(dict(client=idx, endpoint="(connect)", t_start=0.0, latency_ms=float("nan"), ok=False,
                        error=_error_text(e)))
        start.wait()
        return
    start.wait()
    try:
        while time.perf_counter() < t_end[0]:
            label = rng.choices(labels, weights)[0]
            ts = time.perf_counter() - t0
            r = call_once(client, inputs, label, rng)
            out.append(dict(client=idx, t_start=ts, **r))
    finally:
        client.close()


# ----------------------------------------------------------------------------------------------
# the full-queue burst

def browser_busy_text() -> str | None:
    """The message gradio's frontend shows when the queue answers 503 (from its JS bundle)."""
    import re

    import gradio

    assets = Path(gradio.__file__).parent / "templates" / "frontend" / "assets"
    for js in sorted(assets.glob("index-*.js")):
        text = js.read_text(errors="ignore")
        if "queue_full" not in text:
            continue
        m = re.search(r"t===503\)\w+\(\{type:`status`,stage:`error`,message:(\w+)", text)
        if m:
            v = re.search(r"[,;{ ]" + re.escape(m.group(1)) + r"=`([^`]*)`", text)
            if v:
                return v.group(1).strip()
    return None


def burst(url: str, inputs: Inputs, n: int, frames: int) -> dict:
    """`n` simultaneous submits of BURST_ENDPOINT from one session; a raw REST call while it is full."""
    import httpx
    from gradio_client import Client

    client = Client(url, verbose=False, max_workers=n + 8, download_files=False)
    rng = random.Random(7)
    api_name, args, kwargs = inputs.call(BURST_ENDPOINT, rng, frames=frames)
    kwargs["model"] = inputs.latent_default
    kwargs["class_name"] = inputs.latent_classes[inputs.latent_default][0]
    done: dict[int, float] = {}
    first_full = threading.Event()

    def on_done(i):
        def cb(job):
            done[i] = time.perf_counter()
            exc = job.exception()
            if exc is not None and "queue" in str(exc).lower() and "full" in str(exc).lower():
                first_full.set()
        return cb

    t0 = time.perf_counter()
    jobs, sent = [], []
    for i in range(n):
        sent.append(time.perf_counter())
        job = client.submit(*args, api_name=api_name, **kwargs)
        job.future.add_done_callback(on_done(i))
        jobs.append(job)
    submitted_s = time.perf_counter() - t0

    rest = []   # raw REST callers while the queue is full: the server's own answer and its time
    accepted = []
    other = None  # another session's light call while the burst holds the queue (the limit is global)
    if first_full.wait(30):
        oc = Client(url, verbose=False)
        to = time.perf_counter()
        try:
            oc.predict(api_name="/generate", **inputs._latent(rng))
            other = dict(endpoint="/generate", error=None)
        except Exception as e:  # noqa: BLE001
            other = dict(endpoint="/generate", error=_error_text(e))
        other["ms"] = (time.perf_counter() - to) * 1e3
        oc.close()
        data = [kwargs[p["parameter_name"]] for p in inputs.api[api_name]["parameters"]]
        with httpx.Client(timeout=60) as h:
            for _ in range(5):
                tr = time.perf_counter()
                try:
                    r = h.post(url.rstrip("/") + "/gradio_api/call" + api_name, json={"data": data})
                    rest.append(dict(status=r.status_code, body=r.text[:300], ms=(time.perf_counter() - tr) * 1e3))
                    if r.status_code == 200:   # a slot had just freed: read it later so it is not left unread
                        accepted.append(r.json()["event_id"])
                except Exception as e:  # noqa: BLE001
                    rest.append(dict(status=None, body=_error_text(e), ms=(time.perf_counter() - tr) * 1e3))
                time.sleep(0.05)
            for ev in accepted:
                try:
                    h.get(url.rstrip("/") + f"/gradio_api/call{api_name}/{ev}", timeout=600)
                except Exception:  # noqa: BLE001
                    pass

    results = []
    for i, job in enumerate(jobs):
        try:
            job.result(timeout=600)
            ok, err = True, None
        except Exception as e:  # noqa: BLE001
            ok, err = False, _error_text(e)
        results.append(dict(i=i, ok=ok, error=err, ms=(done.get(i, time.perf_counter()) - sent[i]) * 1e3))
    drain_s = time.perf_counter() - t0
    client.close()

    # the server still answers a light call at once
    after = Client(url, verbose=False)
    t = time.perf_counter()
    try:
        after.predict(api_name="/generate", **inputs._latent(rng))
        after_ok = None
    except Exception as e:  # noqa: BLE001
        after_ok = _error_text(e)
    after_ms = (time.perf_counter() - t) * 1e3
    after.close()

    rejected = [r for r in results if not r["ok"]]
    messages: dict[str, list[float]] = {}
    for r in rejected:
        messages.setdefault(r["error"], []).append(r["ms"])
    served = [r["ms"] for r in results if r["ok"]]
    return dict(endpoint=api_name, frames=frames, submits=n, submit_loop_s=submitted_s,
                served=len(served), rejected=len(rejected),
                served_ms=dict(min=min(served), max=max(served)) if served else None,
                messages={m: dict(count=len(v), min_ms=min(v), median_ms=statistics.median(v), max_ms=max(v))
                          for m, v in messages.items()},
                drain_s=drain_s, rest=rest, other=other, browser_text=browser_busy_text(),
                after=dict(ms=after_ms, error=after_ok))


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
    print(f"server: {meta['url']} ({'started here, HTTP 200 after %.1f s' % meta['startup_s'] if meta['startup_s'] else 'already running'}); "
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
        print(f"\nafter the burst: /generate {'answered in %.0f ms' % a['ms'] if a['error'] is None else 'failed: ' + a['error']}")


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
    ap.add_argument("--json", type=Path, help="write every request, memory sample and the summary here")
    args = ap.parse_args()

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
                    rss_boot_mb=rss_boot, cpu_count=os.cpu_count(), mix=MIX)

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
