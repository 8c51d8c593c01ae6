"""The README's pictures of each tab: the real app on the bundled checkpoints (and the face model, if
it was fetched once), as a visitor opens it in Chromium at 1280×800 (GANZOO_FETCH=0: nothing
downloaded). Needs playwright and Debian's chromium.

    python docs/make_screenshots.py        # rewrites docs/tab_*.jpg
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from app_process import start_app, stop_app  # noqa: E402
from page_actions import open_tab  # noqa: E402
TABS = {"latent": "Latent space", "sketch": "Sketch → image", "transfer": "Domain transfer",
        "inpaint": "Inpainting", "upscale": "Super-resolution", "zoo": "Model zoo"}
WIDTH = 960   # the saved pictures' width (the page is shot at 1280)


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="ganzoo-shots-"))
    app, url, _, _ = start_app(work, env={"GANZOO_FETCH": "0"})   # bench/app_process.py: as the README starts it
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url, wait_until="load")
            page.wait_for_selector("#latent_out img", timeout=60_000)
            for key, name in TABS.items():
                open_tab(page, name)
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
        stop_app(app)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
