"""What a caller of the real app sees when its queue is full: many simultaneous submits of the
heaviest endpoint from one session (gradio_client's message and how long it takes, a raw REST
caller's HTTP answer, the browser's text from gradio's frontend bundle, what another session gets
meanwhile), and whether the server answers again once the burst has drained. Used by bench/load.py."""
from __future__ import annotations

import random
import statistics
import threading
import time
from pathlib import Path

from traffic import Inputs, _error_text

BURST_ENDPOINT = "/interpolate"



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
