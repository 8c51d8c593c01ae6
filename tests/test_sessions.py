"""Visitors come and go on a public Space: the server keeps gradio's page state of only the most
recent sessions (GANZOO_SESSIONS_KEPT) and drops a browser visitor's when they leave. Read from the
app's own diagnostics log (GANZOO_MEMTRACE, appkit/memtrace.py) of a real `python app.py`."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _sessions(trace: Path, after: float, timeout: float = 30.0) -> int:
    """gradio's stored sessions in the first diagnostics line written after time `after`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if trace.is_file():
            for line in trace.read_text().splitlines():
                rec = json.loads(line)
                if rec["t"] > after:
                    return rec["gradio_sessions"]
        time.sleep(0.5)
    raise AssertionError("the app wrote no diagnostics line")


def test_stored_sessions_are_capped_and_a_leaving_visitor_is_forgotten(checkpoints, tmp_path):
    from gradio_client import Client

    from appserver import running_app

    trace = tmp_path / "memtrace.jsonl"
    env = dict(GANZOO_MEMTRACE=str(trace), GANZOO_MEMTRACE_S="1", GANZOO_MEMTRACE_SITES="0", GANZOO_SESSIONS_KEPT="3")
    with running_app(checkpoints, tmp_path, env=env) as (url, _):
        # six API callers, all still connected: gradio_client keeps a heartbeat open, and a closed
        # one is a leaving visitor whose session the app forgets (a race with the count below)
        callers = [Client(url, verbose=False) for _ in range(6)]
        for c in callers:
            c.predict("tiny-gan", api_name="/zoo_card")
        assert 1 <= _sessions(trace, time.time()) <= 3      # not 6: only the most recent are kept
        for c in callers:
            c.close()

        if not CHROMIUM.exists():
            pytest.skip("no Chromium for the leaving-visitor half")
        sync_api = pytest.importorskip("playwright.sync_api")
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
            page = browser.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_selector("#latent_out img")
            page.get_by_role("tab", name="Model zoo", exact=True).click()
            page.locator("#zoo_model input").fill("tiny-gan")
            page.keyboard.press("Enter")          # an event: the visitor now has a stored session
            page.wait_for_timeout(1500)
            with_visitor = _sessions(trace, time.time())
            browser.close()                      # the visitor leaves
        deadline = time.time() + 40
        while time.time() < deadline and _sessions(trace, time.time()) >= with_visitor:
            time.sleep(1)
        assert _sessions(trace, time.time()) < with_visitor, with_visitor
