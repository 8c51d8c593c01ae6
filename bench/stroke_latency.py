#!/usr/bin/env python
"""What a visitor waits for in the browser: a brush stroke (or a slider step) → the new picture on
the page, measured in headless Chromium (Playwright, Debian's /usr/bin/chromium) at 1280×800 on the
real app. Goals: stroke → result ≤ 300 ms after mouse-up at the median, slider → image ≤ 100 ms.

    python bench/stroke_latency.py                       # starts `python app.py`, 15 strokes a case
    python bench/stroke_latency.py --strokes 30 --cases sketch,inpaint
    python bench/stroke_latency.py --url http://127.0.0.1:7860/     # an app that is already running
                                                                    # (same tab names and elem ids)
    python bench/stroke_latency.py --same-page --cases sketch,inpaint,slider   # one visitor, tab to tab

Unless --url is given, the app is started as the README says (`python app.py` on a free port,
GRADIO_SERVER_PORT, GANZOO_FETCH=0, HF_HUB_OFFLINE=1, analytics off; gradio's cache in a temporary
folder) and the bench waits for HTTP 200 (bench/app_process.py).

Cases (after --warmup unmeasured strokes each, so lazy model loads are not counted):
- sketch:  a stroke on the "Sketch → image" tab's pad (#sketchpad) → #sketch_out shows a new image;
- inpaint: a picture (--picture, default examples/inpaint/photo_coffee.png, 600×400) is uploaded
  with the "Inpainting" tab's "use your own picture" button, then a stroke on its painting pad
  (#editor) → #inpaint_out shows a new image;
- inpaint_example (not run unless asked for): as inpaint, but the picture (the coffee photo with
  its painted hole) comes from a click in the tab's example gallery (#inpaint_examples), as a
  visitor who tries an example does;
- slider:  one ArrowRight step of the latent tab's seed slider (#seed) → #latent_out shows a new image.

Every stroke goes somewhere else on the canvas (strokes add up, so every result differs: the image
URL is a content hash, an identical result would keep its src; a stroke whose picture does not
change within --timeout-ms counts as "missed"). Times are taken inside the page
(performance.now()): from the pointerup (for the slider: the range input's `input` event) to the
moment the output's <img> has a new src and has loaded. After each stroke the bench waits until the
page has sent no request for --quiet-ms, then counts the requests the stroke caused (Playwright
request events): uploads (POST /gradio_api/upload), queue joins (POST /gradio_api/queue/join) and
blob posts (POST /gradio_api/component_server: the editor's accept_blobs), and how many PNGs the
page encoded from its canvases (HTMLCanvasElement.toBlob and toDataURL calls; gradio's editors
encoded one PNG for the background, one per layer and one for the composite per export, the app's
drawing pads one per stroke).

Prints a markdown table and a second one of where the time goes (median ms after the mouse-up at
which the page's first blob post or upload started, i.e. its canvas export was done; its queue join
was sent; the result picture was requested, i.e. the server had answered), and writes JSON (--json,
every stroke included). The CPU the browser, the app and anything else on the machine share matters
a lot on a small machine: the JSON records the load average and any other busy process seen at the
start (e.g. a training run), and the table's heading says so. The app's pads are plain 2D canvases;
gradio's own editors (which the app used until this bench showed their cost) draw with WebGL, in
software (SwiftShader) in headless Chromium; --browser-arg passes other Chromium flags.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import start_app, stop_app  # noqa: E402
from page_actions import open_tab, select_brush, stroke  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
GOAL_MS = {"sketch": 300, "inpaint": 300, "slider": 100, "inpaint_example": 300}
WAIT_MS = 30_000
EXAMPLE_INDEX = 3   # inpaint_example: examples/inpaint/photo_coffee.png in the tab's example gallery
COUNTED = {"uploads": "/gradio_api/upload", "queue_joins": "/gradio_api/queue/join",
           "blob_posts": "/gradio_api/component_server"}

# In the page: count canvas PNG encodes, note the time of the last pointerup and range input, and
# arm a watcher that notes when an output's <img> has a new src and has loaded.
INIT_JS = """
(() => {
  window.__pngs = 0;
  const tb = HTMLCanvasElement.prototype.toBlob, tu = HTMLCanvasElement.prototype.toDataURL;
  HTMLCanvasElement.prototype.toBlob = function (...a) { window.__pngs += 1; return tb.apply(this, a); };
  HTMLCanvasElement.prototype.toDataURL = function (...a) { window.__pngs += 1; return tu.apply(this, a); };
  if (window.OffscreenCanvas) {
    const cb = OffscreenCanvas.prototype.convertToBlob;
    OffscreenCanvas.prototype.convertToBlob = function (...a) { window.__pngs += 1; return cb.apply(this, a); };
  }
  window.__up = null; window.__input = null;
  window.addEventListener('pointerup', () => { window.__up = performance.now(); }, true);
  window.addEventListener('input', () => { window.__input = performance.now(); }, true);
  window.__arm = (sel) => {
    const box = document.querySelector(sel);
    const img0 = box && box.querySelector('img');
    const old = img0 ? img0.src : null;
    window.__done = null;
    performance.clearResourceTimings();   // the buffer holds 250 entries; each stroke starts afresh
    const check = () => {
      const img = box && box.querySelector('img');
      if (window.__done !== null || !img || !img.src || img.src === old) return;
      const mark = () => { if (window.__done === null && img.src !== old) window.__done = performance.now(); };
      if (img.complete && img.naturalWidth > 0) mark(); else img.addEventListener('load', mark, {once: true});
    };
    if (window.__obs) window.__obs.disconnect();
    window.__obs = new MutationObserver(check);
    if (box) window.__obs.observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
    return old;
  };
})();
"""


# Where the time goes, from the page's resource timings: ms after the pointerup / input event at
# which the first blob post or upload started (≈ the canvas export), the queue join started, and
# the output picture's download started (≈ the server's answer arrived).
MILESTONES_JS = """
(t0var) => {
  const t0 = window[t0var];
  const es = performance.getEntriesByType('resource').filter(e => e.startTime >= t0);
  const first = f => { const e = es.find(f); return e ? Math.round(e.startTime - t0) : null; };
  return {
    first_post: first(e => /component_server|\\/upload/.test(e.name)),
    queue_join: first(e => e.name.includes('/queue/join')),
    result_fetch: first(e => e.name.includes('/gradio_api/file=')),
  };
}
"""
MILESTONES = ("first_post", "queue_join", "result_fetch")


def machine_state() -> dict:
    """Cores, load average and other processes busy on the CPU (sampled over 1 s)."""
    import psutil

    me = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    procs = [p for p in psutil.process_iter(["pid", "cmdline"]) if p.pid not in me]
    for p in procs:
        try:
            p.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(1.0)
    busy = []
    for p in procs:
        try:
            pct = p.cpu_percent(None)
        except psutil.Error:
            continue
        if pct >= 20:
            busy.append({"pid": p.pid, "cpu_percent": round(pct), "cmd": " ".join(p.info["cmdline"] or [])[:160]})
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "busy_processes": sorted(busy, key=lambda b: -b["cpu_percent"]),
            "utc": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}


class Requests:
    """The page's requests, by kind, as Playwright sees them."""

    def __init__(self, page):
        self.log: list[tuple[float, str]] = []
        page.on("request", lambda r: self.log.append((time.monotonic(), r.url)))

    def mark(self) -> int:
        return len(self.log)

    def counts(self, since: int) -> dict:
        urls = [u for _, u in self.log[since:]]
        return {k: sum(path in u for u in urls) for k, path in COUNTED.items()}

    def wait_quiet(self, page, quiet_ms: int, limit_s: float = 10.0):
        """Until the page has sent no request for quiet_ms (the heartbeat stream stays open, so an
        open connection is no request)."""
        t_end = time.monotonic() + limit_s
        while time.monotonic() < t_end:
            last = self.log[-1][0] if self.log else 0.0
            idle = time.monotonic() - last
            if idle * 1000 >= quiet_ms:
                return
            page.wait_for_timeout(max(20, quiet_ms - idle * 1000))


def stroke_positions(n: int) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """n short strokes spread over the middle of the canvas (fractions of its box), each elsewhere."""
    out = []
    for i in range(n):
        gx, gy = i % 5, (i // 5) % 5
        jitter = 0.004 * (i // 25)
        x0, y0 = 0.38 + 0.055 * gx + jitter, 0.38 + 0.055 * gy + jitter
        dx, dy = (0.04, 0.03) if i % 2 == 0 else (0.03, -0.03)
        out.append(((x0, y0), (x0 + dx, y0 + dy)))
    return out


def measure(page, reqs: Requests, out_id: str, act, t0_var: str, quiet_ms: int, timeout_ms: int) -> dict:
    """One action → {ms (None if no new image within timeout_ms), request counts, PNG encodes}."""
    page.evaluate("sel => window.__arm(sel)", f"#{out_id}")
    since, pngs0 = reqs.mark(), page.evaluate("window.__pngs")
    act()
    try:
        page.wait_for_function("() => window.__done !== null", timeout=timeout_ms, polling=20)
        ms = page.evaluate(f"window.__done - window.{t0_var}")
    except Exception:  # playwright's TimeoutError: a stroke with no new picture
        ms = None
    reqs.wait_quiet(page, quiet_ms)
    return {"ms": None if ms is None else round(ms, 1), **reqs.counts(since),
            "png_encodes": page.evaluate("window.__pngs") - pngs0,
            "milestones_ms": page.evaluate(MILESTONES_JS, t0_var)}


def run_case(page, reqs, case: str, a) -> list[dict]:
    n = a.warmup + a.strokes
    if case == "slider":
        page.wait_for_selector("#latent_out img", timeout=WAIT_MS)
        rng = page.locator("#seed input[type=range]")
        rng.focus()

        def step(_):
            return lambda: page.keyboard.press("ArrowRight")

        return [measure(page, reqs, "latent_out", step(i), "__input", a.quiet_ms, a.timeout_ms) for i in range(n)]

    elem, out, tab = {"sketch": ("sketchpad", "sketch_out", "Sketch → image"),
                      "inpaint": ("editor", "inpaint_out", "Inpainting"),
                      "inpaint_example": ("editor", "inpaint_out", "Inpainting")}[case]
    open_tab(page, tab)
    page.wait_for_selector(f"#{elem} canvas", state="attached", timeout=WAIT_MS)
    if case == "inpaint":
        # the tab opens with an example on the canvas: let it load first, or its paint layer lands
        # on the uploaded picture (and a stroke inside that paint changes nothing)
        reqs.wait_quiet(page, 1500)
        page.evaluate("sel => window.__arm(sel)", f"#{out}")
        with page.expect_file_chooser() as chooser:   # the tab's "use your own picture" button
            page.locator("#inpaint_upload").click()
        chooser.value.set_files(str(a.picture))
        page.wait_for_function("() => window.__done !== null", timeout=a.timeout_ms)
        reqs.wait_quiet(page, a.quiet_ms)
    elif case == "inpaint_example":
        # the fourth example, the coffee photo (its hole is at the bottom, the strokes land in the
        # middle, and there is no flat white there whose fill would look the same); the tab opens
        # with the first example on the canvas
        reqs.wait_quiet(page, 1500)
        page.evaluate("sel => window.__arm(sel)", f"#{out}")
        page.locator("#inpaint_examples button.gallery-item").nth(EXAMPLE_INDEX).click()
        try:
            page.wait_for_function("() => window.__done !== null", timeout=a.timeout_ms)
        except Exception:
            pass
        reqs.wait_quiet(page, max(a.quiet_ms, 1500))   # an example can bring two answers
    select_brush(page, elem)
    page.wait_for_timeout(200)
    return [measure(page, reqs, out, (lambda s=s: stroke(page, elem, *s)), "__up", a.quiet_ms, a.timeout_ms)
            for s in stroke_positions(n)]


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def summarise(rows: list[dict], warmup: int) -> dict:
    warm, rows = rows[:warmup], rows[warmup:]
    ms = [r["ms"] for r in rows if r["ms"] is not None]
    per = lambda k: round(sum(r[k] for r in rows) / len(rows), 2)  # noqa: E731
    def mile(k):
        xs = [r["milestones_ms"][k] for r in rows if r["milestones_ms"].get(k) is not None]
        return round(statistics.median(xs)) if xs else None

    return {"strokes": len(rows), "missed": sum(r["ms"] is None for r in rows),
            "median_milestones_ms": {k: mile(k) for k in MILESTONES},
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p90_ms": round(p90(ms), 1) if ms else None,
            **{f"{k}_per_stroke": per(k) for k in (*COUNTED, "png_encodes")}, "rows": rows,
            "warmup_rows": warm}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strokes", type=int, default=15, help="measured strokes (slider steps) per case")
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured strokes first (lazy model loads)")
    ap.add_argument("--cases", default="sketch,inpaint,slider")
    ap.add_argument("--same-page", action="store_true",
                    help="all cases in one page, in the order given (e.g. the slider after drawing)")
    ap.add_argument("--url", help="measure an app that is already running instead of starting app.py")
    ap.add_argument("--picture", type=Path, default=ROOT / "examples" / "inpaint" / "photo_coffee.png",
                    help="the picture uploaded into the inpainting editor")
    ap.add_argument("--quiet-ms", type=int, default=600,
                    help="after a result, wait until the page has sent no request for this long")
    ap.add_argument("--timeout-ms", type=int, default=15_000, help="a stroke with no new image by then is 'missed'")
    ap.add_argument("--label", default="", help="a note stored in the JSON and printed (e.g. what was changed)")
    ap.add_argument("--browser-arg", action="append", default=[],
                    help="an extra Chromium flag (repeatable), e.g. --browser-arg=--use-angle=swiftshader")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "stroke_latency.json"))
    a = ap.parse_args()
    cases = [c.strip() for c in a.cases.split(",") if c.strip()]
    if unknown := set(cases) - set(GOAL_MS):
        ap.error(f"unknown cases {sorted(unknown)}; choose from {sorted(GOAL_MS)}")
    if not CHROMIUM.exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    state = machine_state()
    proc = work = None
    if a.url:
        url = a.url
    else:
        work = Path(tempfile.mkdtemp(prefix="ganzoo-stroke-"))
        proc, url, took, _ = start_app(work, env={"GANZOO_FETCH": "0", "HF_HUB_OFFLINE": "1",
                                                  "GANZOO_MODELS": str(work / "models")})
        print(f"app up in {took:.1f} s at {url}", file=sys.stderr)
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + a.browser_arg)
            ctx = page = reqs = None
            for case in cases:
                # a fresh page per case (one tab's requests don't leak into another's), unless
                # --same-page: one visitor going from tab to tab
                if page is None or not a.same_page:
                    if ctx is not None:
                        ctx.close()
                    ctx = browser.new_context(viewport=VIEWPORT)
                    page = ctx.new_page()
                    page.set_default_timeout(WAIT_MS)
                    page.add_init_script(INIT_JS)
                    reqs = Requests(page)
                    page.goto(url, wait_until="load")
                    page.wait_for_selector("#latent_out img", timeout=WAIT_MS)
                elif case == "slider":
                    page.get_by_role("tab", name="Latent space", exact=True).click()
                results[case] = summarise(run_case(page, reqs, case, a), a.warmup)
                r = results[case]
                print(f"{case}: median {r['median_ms']} ms, p90 {r['p90_ms']} ms, "
                      f"{r['uploads_per_stroke']} uploads, {r['queue_joins_per_stroke']} joins / stroke",
                      file=sys.stderr)
            ctx.close()
            browser.close()
    finally:
        if proc is not None:
            stop_app(proc)
            shutil.rmtree(work, ignore_errors=True)

    busy = "; ".join(f"{b['cmd'][:60]} ({b['cpu_percent']}% CPU)" for b in state["busy_processes"])
    print(f"\nBrowser → result, headless Chromium {VIEWPORT['width']}×{VIEWPORT['height']}, {a.strokes} "
          f"strokes a case; {state['cores']} cores, load average {state['loadavg'][0]}"
          + (f"; busy meanwhile: {busy}" if busy else "; machine otherwise idle")
          + ("; all cases in one page" if a.same_page else "")
          + (f"; Chromium flags added: {' '.join(a.browser_arg)}" if a.browser_arg else "")
          + (f"; {a.label}" if a.label else "") + "\n")
    print("| case | median ms | p90 ms | goal | uploads/stroke | queue joins/stroke | blob posts/stroke "
          "| PNG encodes/stroke | missed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case, r in results.items():
        ok = r["median_ms"] is not None and r["median_ms"] <= GOAL_MS[case]
        print(f"| {case} | {r['median_ms']} | {r['p90_ms']} | ≤ {GOAL_MS[case]} {'✅' if ok else '❌'} | "
              f"{r['uploads_per_stroke']} | {r['queue_joins_per_stroke']} | {r['blob_posts_per_stroke']} | "
              f"{r['png_encodes_per_stroke']} | {r['missed']} |")
    print("\nWhere the time goes (median ms after mouse-up / slider input): first blob post or upload "
          "starts (≈ canvas export done), queue join sent, result picture requested, result shown\n")
    print("| case | first post | queue join | result fetch | shown |")
    print("|---|---|---|---|---|")
    for case, r in results.items():
        m = r["median_milestones_ms"]
        print(f"| {case} | {m['first_post']} | {m['queue_join']} | {m['result_fetch']} | {r['median_ms']} |")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"url": a.url, "label": a.label, "same_page": a.same_page,
                                            "browser_args": ARGS + a.browser_arg, "strokes": a.strokes,
                                            "warmup": a.warmup, "viewport": VIEWPORT,
                                            "machine": state, "goal_ms": GOAL_MS, "cases": results},
                                           indent=1) + "\n")


if __name__ == "__main__":
    main()
