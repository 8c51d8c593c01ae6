"""What a visitor does in the app's page, for Playwright drivers (tests/test_browser.py,
bench/stroke_latency.py): open a tab, pick a pad's brush, draw a stroke. Timeouts in ms."""
from __future__ import annotations

WAIT_MS = 30_000


def open_tab(page, name: str, timeout: int = WAIT_MS):
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_function("n => [...document.querySelectorAll('[role=tab]')].some("
                           "t => t.textContent.trim() === n && t.getAttribute('aria-selected') === 'true')",
                           arg=name, timeout=timeout)


def stroke(page, elem_id: str, start: tuple[float, float], end: tuple[float, float], steps: int = 6):
    """Drag the mouse over the pad's canvas from `start` to `end` (fractions of its box)."""
    box = page.locator(f"#{elem_id} canvas").first.bounding_box()
    at = lambda fx, fy: (box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)  # noqa: E731
    page.mouse.move(*at(*start))
    page.mouse.down()
    page.mouse.move(*at(*end), steps=steps)
    page.mouse.up()


def select_brush(page, elem_id: str, timeout: int = WAIT_MS):
    """Pick the Brush tool of a drawing pad (appkit/drawpad.py; the active tool is highlighted)."""
    brush = page.locator(f"#{elem_id}").get_by_role("button", name="Brush", exact=True)
    if "highlight" not in (brush.get_attribute("class") or ""):
        brush.click()
    page.wait_for_function("b => b.className.includes('highlight')", arg=brush.element_handle(),
                           timeout=timeout)
