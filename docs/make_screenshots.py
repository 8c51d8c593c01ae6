"""The README's pictures of each tab: the real app on the bundled checkpoints, as a visitor opens it
in Chromium at 1280×800 (GANZOO_FETCH=0: nothing downloaded). Needs playwright and Debian's chromium.

    python docs/make_screenshots.py        # rewrites docs/tab_*.jpg
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TABS = {"latent": "Latent space", "sketch": "Sketch → image", "transfer": "Domain transfer",
        "inpaint": "Inpainting", "zoo": "Model zoo"}
WIDTH = 960   # the saved pictures' width (the page is shot at 1280)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GANZOO_FETCH="0")
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or app.poll() is not None:
                    raise SystemExit("the app did not start")
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}", wait_until="load")
            page.wait_for_selector("#latent_out img", timeout=60_000)
            for key, name in TABS.items():
                page.get_by_role("tab", name=name, exact=True).click()
                page.wait_for_timeout(2000)   # images and the editors' canvases settle
                top = page.get_by_role("tab", name=name, exact=True).bounding_box()["y"] - 8
                shot = ROOT / "docs" / f".tab_{key}.png"
                page.screenshot(path=str(shot), clip={"x": 0, "y": top, "width": 1280, "height": 720})
                im = Image.open(shot).convert("RGB")
                im.resize((WIDTH, im.height * WIDTH // im.width), Image.LANCZOS).save(
                    ROOT / "docs" / f"tab_{key}.jpg", quality=82, optimize=True)
                shot.unlink()
                print("wrote", f"docs/tab_{key}.jpg")
            browser.close()
    finally:
        app.terminate()
        app.wait(10)


if __name__ == "__main__":
    main()
