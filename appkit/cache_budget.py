"""A byte budget for gradio's file cache (uploads and every picture the app sends back).

gradio's own clean-up (`delete_cache` on the Blocks) removes files by age only, so a busy public
Space can fill its disk between two sweeps. Every SWEEP_S seconds this janitor adds up the cache and,
when it holds more than GANZOO_CACHE_MB (default 200 MB), deletes the oldest files until it is back
under 80% of that. Files written while the app was being built (the examples and the results shown
on opening, which every page links to) are never deleted, nor is anything younger than MIN_AGE_S (a
visitor may still be downloading it).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger("ganzoo.app")
SWEEP_S = 30
MIN_AGE_S = 120


def _files(root: Path) -> list[tuple[float, int, Path]]:
    out = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            try:
                st = p.stat()
            except OSError:   # removed meanwhile (gradio's own clean-up, another request)
                continue
            out.append((st.st_mtime, st.st_size, p))
    return out


class CacheBudget:
    def __init__(self, root: str | os.PathLike, budget_mb: float | None = None):
        self.root = Path(root)
        self.budget = int((budget_mb if budget_mb is not None else float(os.environ.get("GANZOO_CACHE_MB", "200")))
                          * 2**20)
        self.pinned = {p for _, _, p in _files(self.root)}   # the app's own files, present at start

    def sweep(self, now: float | None = None) -> tuple[int, int]:
        """One pass: → (bytes in the cache after it, files deleted)."""
        now = time.time() if now is None else now
        files = _files(self.root)
        total = sum(size for _, size, _ in files)
        deleted = 0
        if total > self.budget:
            target = int(self.budget * 0.8)
            for mtime, size, path in sorted(files, key=lambda f: f[0]):
                if total <= target:
                    break
                if path in self.pinned or now - mtime < MIN_AGE_S:
                    continue
                try:
                    path.unlink()
                except OSError:
                    continue
                total -= size
                deleted += 1
                try:   # gradio keeps one file per hash-named folder: drop the folder too
                    path.parent.rmdir()
                except OSError:
                    pass
        return total, deleted

    def start(self) -> threading.Thread:
        def run():
            while True:
                time.sleep(SWEEP_S)
                try:
                    total, deleted = self.sweep()
                    if deleted:
                        log.info("gradio cache over %d MB: deleted %d oldest files (%d MB left)",
                                 self.budget // 2**20, deleted, total // 2**20)
                except Exception:  # never take the app down over its cache
                    log.exception("cache sweep failed")

        thread = threading.Thread(target=run, name="ganzoo-cache-budget", daemon=True)
        thread.start()
        return thread
