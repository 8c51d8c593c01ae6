#!/usr/bin/env python
"""Draw the example sketches with a mouse in the real app (headless Chromium via Playwright) and
keep exactly what the app's drawing pad sends to the server.

    python examples/draw_sketches.py --url http://127.0.0.1:7860/     # app already running
    python examples/draw_sketches.py                                  # starts `python app.py` itself

Each doodle is a few strokes given as points on the unit square; the mouse follows them with a
little hand tremor (seeded), like a person drawing with a mouse. The PNG the pad sends after the
last stroke (its value: appkit/drawpad.py) is saved to examples/sketches/<name>.png, and a screenshot of the tab with the
result to shots/sketch_<name>.png.
"""
from __future__ import annotations

import argparse
import io
import math
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def circle(cx, cy, r, n=36, start=0.0, end=360.0):
    return [(cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
            for a in np.linspace(start, end, n)]


DOODLES = {
    "smiley": [circle(.5, .5, .34), circle(.38, .4, .04, 12), circle(.62, .4, .04, 12),
               circle(.5, .52, .18, 16, 20, 160)],
    "heart": [[(.5, .82), (.22, .52), (.18, .36), (.24, .24), (.36, .2), (.46, .26), (.5, .34),
               (.54, .26), (.64, .2), (.76, .24), (.82, .36), (.78, .52), (.5, .82)]],
    "house": [[(.22, .48), (.22, .84), (.78, .84), (.78, .48)], [(.16, .52), (.5, .18), (.84, .52)],
              [(.44, .84), (.44, .64), (.56, .64), (.56, .84)]],
    "cat": [circle(.5, .56, .3), [(.26, .38), (.28, .14), (.42, .28)], [(.58, .28), (.72, .14), (.74, .38)],
            circle(.4, .52, .035, 10), circle(.6, .52, .035, 10), [(.47, .64), (.5, .67), (.53, .64)],
            [(.2, .62), (.4, .66)], [(.8, .62), (.6, .66)]],
    "sun": [circle(.5, .5, .18)] + [[(.5 + .26 * math.cos(a), .5 + .26 * math.sin(a)),
                                      (.5 + .38 * math.cos(a), .5 + .38 * math.sin(a))]
                                     for a in np.linspace(0, 2 * math.pi, 9)[:-1]],
    "star": [[(.5 + (.36 if i % 2 == 0 else .15) * math.cos(math.radians(-90 + 36 * i)),
               .52 + (.36 if i % 2 == 0 else .15) * math.sin(math.radians(-90 + 36 * i))) for i in range(11)]],
    "tree": [circle(.5, .38, .24), [(.44, .6), (.44, .86), (.56, .86), (.56, .6)]],
    "fish": [[(.2, .5), (.35, .33), (.55, .3), (.7, .42), (.7, .58), (.55, .7), (.35, .67), (.2, .5)],
             [(.7, .5), (.86, .36), (.86, .64), (.7, .5)], circle(.33, .46, .025, 8)],
    # (drawn after the first eight, so those come out of the same random wobble as before)
    "apple": [circle(.5, .58, .28, 40), [(.5, .32), (.53, .14)],
              [(.53, .24), (.62, .15), (.72, .17), (.64, .26), (.53, .24)]],
    "flower": [circle(.5, .36, .07, 14)]
              + [circle(.5 + .15 * math.cos(a), .36 + .15 * math.sin(a), .075, 16)
                 for a in np.linspace(-math.pi / 2, 1.5 * math.pi, 6)[:-1]]
              + [[(.5, .58), (.5, .88)], [(.5, .76), (.36, .66), (.5, .72)]],
}


def _wobble(points, rng, px):
    return [(x + rng.normal(0, px), y + rng.normal(0, px)) for x, y in points]


def _start_app(port: int):
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("the app did not start")


def _last_composite(page) -> Image.Image | None:
    """The drawing the pad sent last: strokes on an opaque white background."""
    import base64

    url = page.evaluate("() => window.__drawing || null")
    if not url:
        return None
    img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    img.load()
    return img.convert("RGB")


# the pad's value leaves the page as a data URL from its canvas: keep the last one
CAPTURE_JS = """
(() => {
  const orig = HTMLCanvasElement.prototype.toDataURL;
  HTMLCanvasElement.prototype.toDataURL = function (...a) { const u = orig.apply(this, a); window.__drawing = u; return u; };
})();
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--port", type=int, default=7899)
    ap.add_argument("--out", default=str(ROOT / "examples" / "sketches"))
    ap.add_argument("--shots", default=str(ROOT / "shots"))
    ap.add_argument("--only", nargs="*", help="draw only these doodles")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    proc = None
    url = a.url
    if not url:
        proc, url = _start_app(a.port)
    out, shots = Path(a.out), Path(a.shots)
    out.mkdir(parents=True, exist_ok=True)
    shots.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, strokes in DOODLES.items():
                if a.only and name not in a.only:
                    continue
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.add_init_script(CAPTURE_JS)
                page.goto(url, wait_until="load")   # not "networkidle": the app keeps a heartbeat stream open
                page.get_by_role("tab", name="Sketch → image").click()
                pad = page.locator("#sketchpad")
                pad.wait_for()
                pad.get_by_role("button", name="Clear canvas").click()   # the pad opens with the cat
                # the cleared pad's answer (no picture) must be in before the first stroke, or it could
                # overtake a stroke's picture
                page.wait_for_function("() => !document.querySelector('#sketch_out img')", timeout=60_000)
                pad.get_by_role("button", name="Brush", exact=True).click()
                box = page.locator("#sketchpad canvas").first.bounding_box()
                # draw in the canvas's middle square, as a person would
                side = min(box["width"], box["height"]) * 0.62
                x0 = box["x"] + (box["width"] - side) / 2
                y0 = box["y"] + (box["height"] - side) / 2
                for stroke in strokes:
                    pts = _wobble(stroke, rng, 0.006)
                    page.mouse.move(x0 + pts[0][0] * side, y0 + pts[0][1] * side)
                    page.mouse.down()
                    for x, y in pts[1:]:
                        page.mouse.move(x0 + x * side, y0 + y * side, steps=6)
                    page.mouse.up()
                    page.wait_for_timeout(150)
                # every stroke sends the pad; the drawing is done once a picture is shown and has not
                # changed for 1.5 s
                page.wait_for_function(
                    """() => { const i = document.querySelector('#sketch_out img'); if (!i) return false;
                               const now = performance.now();
                               if (i.src !== window.__last_src) { window.__last_src = i.src; window.__since = now; }
                               return now - window.__since > 1500; }""",
                    timeout=120_000, polling=250)
                img = _last_composite(page)
                if img is None:
                    raise SystemExit(f"{name}: no sketch upload was seen")
                img.save(out / f"{name}.png")
                page.screenshot(path=str(shots / f"sketch_{name}.png"))
                print(f"{name}: {img.size} → {out / (name + '.png')}")
                page.close()
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()


if __name__ == "__main__":
    main()
