"""End-to-end: the real app (the session's `server`, see conftest.py and appserver.py) driven in
headless Chromium through Playwright, doing what a person does on each tab and checking what they
see. Debian's Chromium (/usr/bin/chromium) is used; no browser is downloaded.

Screenshots of every tab go to a temporary `shots/` folder, and also to $GANZOO_SHOTS when set.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from page_actions import open_tab, select_brush, stroke  # noqa: E402  (what a visitor does, shared with the benches)

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -r requirements-dev.txt)")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 30_000


# ---- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("shots")


@pytest.fixture
def page(browser, server):
    """A fresh page on the app, loaded; fails the test on uncaught page errors, error toasts and
    tracebacks the app logged while the test ran."""
    url, log = server
    log_start = log.stat().st_size
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(url, wait_until="load")   # not "networkidle": the unload event keeps a heartbeat stream open
        pg.wait_for_selector("#latent_out img")
        yield pg
        assert not errors, f"uncaught errors in the page: {errors}"
        assert_no_error_toast(pg)
        with open(log, "rb") as f:
            f.seek(log_start)
            new = f.read().decode(errors="replace")
        # a page that closes while the browser still uploads canvas strokes makes starlette log a
        # ClientDisconnect: the visitor left, the app did nothing wrong
        errors_logged = [b for b in new.split("Traceback")[1:] if "starlette.requests.ClientDisconnect" not in b]
        assert not errors_logged, f"the app logged an exception:\n{new[-3000:]}"
    finally:
        context.close()


# ---- helpers ---------------------------------------------------------------------------------

def assert_no_error_toast(page):
    texts = page.locator('[data-testid="toast-body"].error [data-testid="toast-text"]').all_inner_texts()
    assert not texts, f"the app showed an error: {texts}"


def screenshot(page, shots: Path, name: str):
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("GANZOO_SHOTS"):
        out = Path(os.environ["GANZOO_SHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, out / path.name)


def img_src(page, elem_id: str) -> str | None:
    """The src of the image shown in component `elem_id`, or None when it shows none."""
    return page.evaluate("s => document.querySelector(s)?.src ?? null", f"#{elem_id} img")


def wait_image(page, elem_id: str, *, not_src: str | None = None, src: str | None = None) -> str:
    """Wait until `elem_id` shows a loaded image whose src differs from `not_src` (or equals `src`);
    the URL is a hash of the file's content, so an identical picture keeps its src."""
    page.wait_for_function(
        """([sel, notSrc, src]) => {
            const i = document.querySelector(sel);
            return !!i && i.complete && i.naturalWidth > 0 &&
                   (src === null ? i.src !== notSrc : i.src === src);
        }""", arg=[f"#{elem_id} img", not_src, src], timeout=WAIT_MS)
    return img_src(page, elem_id)


def fetch(page, elem_id: str) -> np.ndarray:
    """The pixels of the image `elem_id` shows, fetched like the browser fetched them."""
    resp = page.request.get(img_src(page, elem_id))
    assert resp.ok, resp.status
    return np.asarray(Image.open(io.BytesIO(resp.body())).convert("RGB"))


def selected_tab(page) -> str:
    return page.locator("[role=tab][aria-selected=true]").inner_text().strip()


def zoo_row(page, name: str):
    """The model-name cell of `name`'s row in the zoo table (the table also renders a hidden copy
    of its rows to measure the columns, hence the test ids)."""
    return page.locator("#zoo_table [data-testid^='cell-'][data-testid$='-0']").filter(
        has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))


def slider_value(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} input[type=number]").input_value()


# ---- tabs ------------------------------------------------------------------------------------

def test_latent_sliders_change_the_image(page, shots):
    src0 = wait_image(page, "latent_out")
    assert page.locator("#latent_model input").input_value() == "tiny-cgan"
    first = fetch(page, "latent_out")
    assert first.shape[0] == first.shape[1] >= 200          # 28 px shown ×9, nearest

    page.locator("#seed input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    src1 = wait_image(page, "latent_out", not_src=src0)
    assert slider_value(page, "seed") == "49"

    page.locator("#dir1 input[type=range]").fill("2.5")
    src2 = wait_image(page, "latent_out", not_src=src1)
    assert src2 != src0 and slider_value(page, "dir1") == "2.5"
    screenshot(page, shots, "latent")

    # back to where it started: the same picture again (same content, same URL)
    page.locator("#dir1 input[type=range]").fill("0")
    wait_image(page, "latent_out", src=src1)
    seed_box = page.locator("#seed input[type=number]")
    seed_box.fill("48")
    seed_box.press("Enter")
    wait_image(page, "latent_out", src=src0)

    # an example row sets the seed and class it shows (tiny-cgan has no measured showcase: the
    # fixed rows 48/c0, 7/c2, 123/c1), with the class in its text, and the image follows
    row = page.locator("#latent_examples button.gallery-item").nth(1)     # one text column: buttons
    assert row.inner_text().strip() == "seed 7, class c2, truncation 0.8"
    row.click()
    wait_image(page, "latent_out", not_src=src0)
    assert slider_value(page, "seed") == "7"
    assert page.locator("#latent_class input").input_value() == "c2"


def clear_sketchpad(page):
    """The pad's bin button: the drawing and both pictures go, with no error toast."""
    page.locator("#sketchpad").get_by_role("button", name="Clear canvas").click()
    page.wait_for_function("() => !document.querySelector('#sketch_out img')", timeout=WAIT_MS)
    assert page.locator('[data-testid="toast-body"].error').count() == 0


def test_sketch_opens_with_a_result_and_strokes_are_translated(page, shots):
    open_tab(page, "Sketch → image")
    page.wait_for_selector("#sketchpad canvas")
    # the first example is on the pad and its picture beside it before the visitor does anything
    assert img_src(page, "sketch_out") is not None and img_src(page, "sketch_seen") is not None
    assert fetch(page, "sketch_out").shape == (384, 384, 3)
    screenshot(page, shots, "sketch_opened")
    clear_sketchpad(page)
    select_brush(page, "sketchpad")

    stroke(page, "sketchpad", (0.42, 0.4), (0.58, 0.6))     # down and to the right
    seen1 = wait_image(page, "sketch_seen")
    out1 = wait_image(page, "sketch_out")
    seen = fetch(page, "sketch_seen").mean(-1)
    ys, xs = np.nonzero(seen < 128)
    assert 50 < len(xs) < 0.3 * seen.size                    # a stroke on white, as drawn
    assert np.corrcoef(xs, ys)[0, 1] > 0.8                   # going down to the right
    assert fetch(page, "sketch_out").shape == (384, 384, 3)

    stroke(page, "sketchpad", (0.58, 0.4), (0.42, 0.6))     # a second stroke: a cross
    wait_image(page, "sketch_seen", not_src=seen1)
    wait_image(page, "sketch_out", not_src=out1)
    ys, xs = np.nonzero(fetch(page, "sketch_seen").mean(-1) < 128)
    assert abs(np.corrcoef(xs, ys)[0, 1]) < 0.5              # both diagonals now
    screenshot(page, shots, "sketch")

    # undo takes the second stroke back: the same drawing, so the very same picture again
    page.locator("#sketchpad").get_by_role("button", name="Undo").click()
    wait_image(page, "sketch_out", src=out1)
    wait_image(page, "sketch_seen", src=seen1)
    # the eraser wipes part of the remaining stroke off the pad, and the picture follows
    ink = ("() => { const c = document.querySelector('#sketchpad canvas'); const d = c.getContext('2d')"
           ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4)"
           " n += d[i] < 128; return n; }")
    before = page.evaluate(ink)
    page.locator("#sketchpad").get_by_role("button", name="Eraser").click()
    stroke(page, "sketchpad", (0.42, 0.4), (0.5, 0.5))
    wait_image(page, "sketch_out", not_src=out1)
    assert 0 < page.evaluate(ink) < 0.8 * before

    clear_sketchpad(page)   # clearing is no mistake: no toast (it used to say "empty")


def test_a_sketch_example_lands_on_the_pad_and_can_be_drawn_on(page, shots):
    open_tab(page, "Sketch → image")
    page.wait_for_selector("#sketchpad canvas")
    clear_sketchpad(page)
    page.locator("#sketch_examples button.gallery-item").nth(2).click()
    out1 = wait_image(page, "sketch_out")
    seen1 = img_src(page, "sketch_seen")
    ink1 = int((fetch(page, "sketch_seen").mean(-1) < 128).sum())
    assert ink1 > 50                                          # the example drawing, as the model sees it
    select_brush(page, "sketchpad")
    stroke(page, "sketchpad", (0.36, 0.62), (0.64, 0.62))     # a line added to the example
    wait_image(page, "sketch_out", not_src=out1)
    wait_image(page, "sketch_seen", not_src=seen1)
    ink2 = int((fetch(page, "sketch_seen").mean(-1) < 128).sum())
    # the example plus the new line (the model's view is re-centred and re-scaled, so the ink of
    # the whole is not more; a line alone would be a tenth of it)
    assert ink2 > 0.6 * ink1
    screenshot(page, shots, "sketch_example_edited")


def test_a_photo_uploaded_to_the_sketch_tab_lands_on_the_pad_as_its_edges(page, shots):
    """The pad shows what the result is made of: the photo's edges, to draw on; the upload box
    empties (it showed the photo beside the pad's old drawing, and the model saw a black block)."""
    open_tab(page, "Sketch → image")
    page.wait_for_selector("#sketchpad canvas")
    before = img_src(page, "sketch_out")
    page.get_by_text("upload a drawing or photo instead").click()
    photo = Path(__file__).resolve().parent.parent / "examples" / "photos" / "chelsea.jpg"
    page.locator("#sketch_upload input[type=file]").set_input_files(str(photo))
    wait_image(page, "sketch_out", not_src=before)
    toast = page.locator('[data-testid="toast-body"].info [data-testid="toast-text"]').first
    sync_api.expect(toast).to_contain_text("your photo became a drawing of its edges", timeout=WAIT_MS)
    grey = fetch(page, "sketch_seen").mean(-1)
    assert (grey > 200).mean() > 0.7 and (grey < 80).mean() > 0.02   # lines on white, not a black block
    pad = page.evaluate("""() => { const c = document.querySelector('#sketchpad canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let ink = 0, white = 0;
        for (let i = 0; i < d.length; i += 4) { ink += d[i] < 80; white += d[i] > 200; }
        return [ink, white, d.length / 4]; }""")
    assert pad[0] > 0.02 * pad[2] and pad[1] > 0.7 * pad[2], pad          # the edges are on the pad
    sync_api.expect(page.locator("#sketch_upload img")).to_have_count(0)  # and the upload box is empty
    screenshot(page, shots, "sketch_photo_upload")


def _photo(path: Path) -> Path:
    """A small real picture: a red disc and a blue bar on white, 96×64."""
    im = Image.new("RGB", (96, 64), "white")
    d = ImageDraw.Draw(im)
    d.ellipse((10, 8, 58, 56), fill=(220, 30, 30))
    d.rectangle((64, 10, 86, 54), fill=(30, 60, 200))
    im.save(path)
    return path


def test_transfer_upload_and_both_directions(page, shots, tmp_path, checkpoints):
    from ganzoo.pipelines import CycleGANPipeline

    pipe = CycleGANPipeline.from_pretrained(checkpoints / "tiny-cycle")
    photo = _photo(tmp_path / "photo.png")
    open_tab(page, "Domain transfer")
    page.wait_for_selector("#photo input[type=file]", state="attached")
    assert page.locator("#transfer_model input").input_value() == "tiny-cycle"
    radio = page.locator("#transfer_direction")
    assert radio.locator("input[value=a2b]").is_checked()
    # the first example and its translation are there before the visitor does anything
    opened = [img_src(page, e) for e in ("photo", "transfer_in", "transfer_out")]
    assert None not in opened

    page.locator("#photo input[type=file]").set_input_files(str(photo))
    wait_image(page, "transfer_in", not_src=opened[1])
    a2b = wait_image(page, "transfer_out", not_src=opened[2])
    shown = fetch(page, "transfer_out").astype(int)
    h, w, _ = shown.shape
    assert abs(w / h - 96 / 64) < 0.1                        # the picture's shape is kept
    want = np.asarray(pipe(Image.open(photo), "a2b"), int)
    k = w // want.shape[1]
    assert np.abs(shown[::k, ::k] - want).max() <= 1        # what the model makes of it, red → blue
    screenshot(page, shots, "transfer_a2b")

    radio.get_by_text("blue → red").click()
    b2a = wait_image(page, "transfer_out", not_src=a2b)
    assert radio.locator("input[value=b2a]").is_checked()
    want = np.asarray(pipe(Image.open(photo), "b2a"), int)
    assert np.abs(fetch(page, "transfer_out").astype(int)[::k, ::k] - want).max() <= 1
    screenshot(page, shots, "transfer_b2a")

    radio.get_by_text("red → blue").click()
    wait_image(page, "transfer_out", src=a2b)
    assert b2a != a2b


def test_inpaint_a_painted_stroke_is_filled(page, shots, tmp_path):
    photo = _photo(tmp_path / "photo.png")
    picture = np.asarray(Image.open(photo).convert("RGB")).astype(int)
    open_tab(page, "Inpainting")
    page.wait_for_selector("#editor canvas", state="attached")
    note = page.locator("#inpaint_note")
    toasts = page.locator('[data-testid="toast-body"].error')
    # the first example's fills are there before the visitor does anything
    assert img_src(page, "inpaint_out") is not None and img_src(page, "inpaint_telea") is not None
    sync_api.expect(note).to_contain_text("The hole covers")

    opened = img_src(page, "inpaint_out")
    with page.expect_file_chooser() as chooser:
        page.locator("#inpaint_upload").click()
    chooser.value.set_files(str(photo))
    sync_api.expect(note).to_contain_text("Now paint over the part", timeout=WAIT_MS)
    unchanged = wait_image(page, "inpaint_out", not_src=opened)   # nothing painted yet: the picture itself
    shown = fetch(page, "inpaint_out").astype(int)
    k = shown.shape[1] // 96
    assert shown.shape == (64 * k, 96 * k, 3) and np.array_equal(shown[::k, ::k], picture)
    # the pad shows the picture, hole-free
    assert page.evaluate("() => document.querySelector('#editor canvas').width") == 96
    assert toasts.count() == 0, toasts.all_inner_texts()

    select_brush(page, "editor")
    stroke(page, "editor", (0.45, 0.5), (0.55, 0.5))
    wait_image(page, "inpaint_out", not_src=unchanged)
    wait_image(page, "inpaint_telea")
    sync_api.expect(note).to_contain_text("every pixel outside it is unchanged", timeout=WAIT_MS)
    filled = fetch(page, "inpaint_out").astype(int)
    k = filled.shape[1] // 96
    assert filled.shape == (64 * k, 96 * k, 3)
    changed = (filled[::k, ::k] != picture).any(-1)
    assert 0 < changed.mean() < 0.5                          # a hole was filled, the rest kept
    ys, xs = np.nonzero(changed)
    assert 20 < xs.mean() < 76 and 12 < ys.mean() < 52       # where the stroke went: the middle
    assert fetch(page, "inpaint_telea").shape == filled.shape
    screenshot(page, shots, "inpaint")


def _paint_left(pixels: np.ndarray) -> int:
    """Pixels of a result still in the brush colour (magenta), give or take PNG rounding."""
    return int((np.abs(pixels.astype(int) - (255, 0, 255)).max(-1) <= 3).sum())


def test_inpaint_a_stroke_on_an_example_fills_the_examples_hole_too(page, shots):
    # an example's hole is on the pad as paint the visitor can add to: after the next stroke both
    # the example's hole and the new one are filled (gradio's editor once sent the example's hole
    # as solid magenta in the picture)
    open_tab(page, "Inpainting")
    page.wait_for_selector("#editor canvas", state="attached")
    page.locator("#inpaint_examples button.gallery-item").first.click()
    first = wait_image(page, "inpaint_out")
    assert _paint_left(fetch(page, "inpaint_out")) == 0
    select_brush(page, "editor")
    stroke(page, "editor", (0.45, 0.55), (0.55, 0.6))
    wait_image(page, "inpaint_out", not_src=first)
    page.wait_for_timeout(500)   # the Telea result arrives with the same answer
    for elem in ("inpaint_out", "inpaint_telea"):
        shown = fetch(page, elem)
        assert _paint_left(shown) == 0, (elem, _paint_left(shown))
    screenshot(page, shots, "inpaint_example_stroke")


def test_zoo_row_opens_the_model_in_its_tab(page, shots):
    latent_before = img_src(page, "latent_out")
    open_tab(page, "Model zoo")
    zoo_row(page, "tiny-gan").click()
    sync_api.expect(page.locator("#zoo_model input")).to_have_value("tiny-gan", timeout=WAIT_MS)
    sync_api.expect(page.locator("#zoo_card h1, #zoo_card h2").first).to_have_text("tiny-gan", timeout=WAIT_MS)
    screenshot(page, shots, "zoo")

    page.locator("#zoo_open").click()
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')"
                           "?.textContent.trim() === 'Latent space'", timeout=WAIT_MS)
    sync_api.expect(page.locator("#latent_model input")).to_have_value("tiny-gan", timeout=WAIT_MS)
    wait_image(page, "latent_out", not_src=latent_before)   # drawn by the unconditional model
    sync_api.expect(page.locator("#latent_class")).to_be_hidden(timeout=WAIT_MS)
    screenshot(page, shots, "zoo_opened_latent")

    open_tab(page, "Model zoo")
    zoo_row(page, "tiny-inpaint").click()
    sync_api.expect(page.locator("#zoo_model input")).to_have_value("tiny-inpaint", timeout=WAIT_MS)
    page.locator("#zoo_open").click()
    page.wait_for_function("() => document.querySelector('[role=tab][aria-selected=true]')"
                           "?.textContent.trim() === 'Inpainting'", timeout=WAIT_MS)
    assert selected_tab(page) == "Inpainting"
    sync_api.expect(page.locator("#inpaint_model input")).to_have_value("tiny-inpaint", timeout=WAIT_MS)


def pick(page, elem_id: str, label: str):
    """Choose the option whose text starts with `label` in the dropdown `elem_id`."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=re.compile("^" + re.escape(label))).click()


def test_a_failed_download_goes_back_to_the_last_model_in_one_sentence(page, server, shots):
    """No network: picking a released model says why it cannot be had, as a warning (no error
    badge on the pictures), the picker goes back to the model that worked, the next stroke draws
    with it, and the server log names what failed."""
    url, log = server
    open_tab(page, "Sketch → image")
    was = page.locator("#sketch_model input").input_value()
    before = img_src(page, "sketch_out")
    pick(page, "sketch_model", "drawing → shoe photo")
    toast = page.locator('[data-testid="toast-body"].warning [data-testid="toast-text"]').first
    sync_api.expect(toast).to_contain_text("Could not download edges2shoes", timeout=WAIT_MS)
    sync_api.expect(toast).to_contain_text(f"still work. The picker is back on {was}.")
    sync_api.expect(page.locator("#sketch_model input")).to_have_value(was, timeout=WAIT_MS)
    screenshot(page, shots, "sketch_failed_download")
    for elem in ("sketch_out", "sketch_seen", "sketch_model"):
        assert not page.locator(f"#{elem} .error").count(), f"{elem} shows an error badge"
    assert img_src(page, "sketch_out") == before
    stroke(page, "sketchpad", (0.2, 0.2), (0.8, 0.8))
    wait_image(page, "sketch_out", not_src=before)
    assert "fetching the pix2pix model 'edges2shoes' failed" in log.read_text()

    open_tab(page, "Domain transfer")
    was = page.locator("#transfer_model input").input_value()
    direction = page.locator("#transfer_direction").inner_text()
    pick(page, "transfer_model", "horse ↔ zebra")
    sync_api.expect(page.locator("#transfer_model input")).to_have_value(was, timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert not page.locator("#transfer_direction .error").count()
    assert page.locator("#transfer_direction").inner_text() == direction

    open_tab(page, "Latent space")
    was, before = page.locator("#latent_model input").input_value(), img_src(page, "latent_out")
    pick(page, "latent_model", "aurora (FastGAN")
    sync_api.expect(page.locator("#latent_model input")).to_have_value(was, timeout=WAIT_MS)
    page.wait_for_timeout(1000)
    assert not page.locator("#latent_out .error").count() and img_src(page, "latent_out") == before
    assert "fetching the latent model 'fastgan-aurora' failed" in log.read_text()


@contextlib.contextmanager
def screen_of(browser, server, width: int, height: int):
    """The app opened in a fresh page at one screen size (a laptop, a phone)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.goto(server[0], wait_until="load")
        pg.wait_for_selector("#latent_out img")
        yield pg
    finally:
        context.close()


def test_zoo_table_fits_a_laptop_screen(browser, server, shots):
    with screen_of(browser, server, 1280, 800) as pg:
        open_tab(pg, "Model zoo")
        widths = pg.evaluate("""() => { const t = document.querySelector('#zoo_table table').parentElement;
                                        return [t.scrollWidth, t.clientWidth]; }""")
        assert widths[0] <= widths[1], f"the zoo table is cut off on the right: {widths}"
        assert "_" not in pg.locator("#zoo_table").inner_text().split("how good", 1)[-1].split("\n")[1]
        screenshot(pg, shots, "zoo_1280")


# (tab, its input, its result) as a visitor sees them on a phone
PHONE = [("Latent space", "latent_out", "latent_out"), ("Sketch → image", "sketchpad", "sketch_out"),
         ("Domain transfer", "photo", "transfer_out"), ("Inpainting", "editor", "inpaint_out")]


def test_on_a_phone_every_tab_is_one_tap_away_and_its_result_under_its_input(browser, server, shots):
    with screen_of(browser, server, 390, 844) as pg:
        for tab, inp, out in PHONE + [("Model zoo", "zoo_table", "zoo_table")]:
            button = pg.get_by_role("tab", name=tab, exact=True)
            assert button.is_visible(), f"{tab!r} is hidden behind a menu"
            button.click()
            sync_api.expect(pg.locator(f"#{inp}")).to_be_visible()
            if out != inp:
                a, b = pg.locator(f"#{inp}").bounding_box(), pg.locator(f"#{out}").bounding_box()
                gap = b["y"] - (a["y"] + a["height"])
                assert -1 <= gap <= 300, f"{tab}: the result is {gap:.0f} px below its input"
                wait_image(pg, out)   # and it shows a result already
            screenshot(pg, shots, f"phone_{tab.split()[0].lower()}")
        # after an action the result is in view with its input: a sketch example clicked
        open_tab(pg, "Sketch → image")
        before = img_src(pg, "sketch_out")
        pg.locator("#sketch_examples button.gallery-item").nth(2).click()
        wait_image(pg, "sketch_out", not_src=before)
        pad = pg.locator("#sketchpad").bounding_box()
        pg.evaluate(f"window.scrollBy(0, {pad['y']})")               # the pad at the top of the screen
        pad, box = pg.locator("#sketchpad").bounding_box(), pg.locator("#sketch_out img").bounding_box()
        assert abs(pad["y"]) <= 2 and box["y"] + box["height"] <= 844, \
            f"the sketch result is off screen while drawing: {pad}, {box}"


def test_on_a_phone_the_latent_picture_stays_in_view_while_the_sliders_move(browser, server, shots):
    with screen_of(browser, server, 390, 844) as pg:
        last = pg.locator("#dir8")
        last.scroll_into_view_if_needed()
        pic, slider = pg.locator("#latent_out").bounding_box(), last.bounding_box()
        assert -1 <= pic["y"] <= 5 and pic["height"] <= 0.45 * 844, pic      # pinned at the top, not too tall
        assert slider["y"] >= pic["y"] + pic["height"] - 1, (pic, slider)   # the slider below it, not under it
        before = img_src(pg, "latent_out")
        box = pg.locator("#dir8 input[type=range]").bounding_box()
        pg.mouse.click(box["x"] + 0.9 * box["width"], box["y"] + box["height"] / 2)
        wait_image(pg, "latent_out", not_src=before)
        assert -1 <= pg.locator("#latent_out").bounding_box()["y"] <= 5
        screenshot(pg, shots, "phone_latent_sliders")


def test_on_a_phone_the_zoo_table_and_cards_are_readable(browser, server, shots):
    with screen_of(browser, server, 390, 844) as pg:
        open_tab(pg, "Model zoo")
        widths = pg.evaluate("() => [...document.querySelectorAll('#zoo_table .body-cell')].map(c => c.offsetWidth)")
        assert widths and min(widths) >= 50, widths                   # it wrapped a letter per line at ~20 px
        card = pg.locator("#zoo_card")
        folded = card.locator("details")
        assert folded.count() >= 2 and not any(folded.nth(i).get_attribute("open") is not None
                                               for i in range(folded.count()))
        folded.last.locator("summary").click()                        # a folded section unfolds
        sync_api.expect(folded.last.locator("code").first).to_be_visible()
        screenshot(pg, shots, "phone_zoo")


def test_imported_weights_leave_with_the_visitor(browser, server, tmp_path):
    """A visitor's imported .pth lives in their session's folder and is deleted when they close the page."""
    import torch

    from ganzoo.nn.resnet import CycleGANConfig, resnet_from_config

    url, log = server
    sessions = log.parent / "models" / "sessions"
    before = set(sessions.iterdir()) if sessions.is_dir() else set()
    torch.save(resnet_from_config(CycleGANConfig(img_size=64, ngf=4, n_blocks=1)).state_dict(), tmp_path / "goodbye.pth")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(url, wait_until="load")
    open_tab(pg, "Domain transfer")
    pg.get_by_text("use your own CycleGAN weights (.pth)").click()
    pg.locator("#cyclegan_pth_file input[type=file]").set_input_files(str(tmp_path / "goodbye.pth"))
    pg.locator("#cyclegan_pth_import").click()
    sync_api.expect(pg.locator("#transfer_model input")).to_have_value("goodbye", timeout=WAIT_MS)
    mine = [d for d in sessions.iterdir() if d not in before and (d / "goodbye").is_dir()]
    assert len(mine) == 1
    context.close()                                   # the visitor leaves
    deadline = time.monotonic() + 30
    while mine[0].exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not mine[0].exists(), "the imported model outlived its visitor's session"
