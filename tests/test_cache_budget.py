"""gradio's file cache is bounded in bytes: the oldest files go first, never the app's own opening
files, never one a visitor may still be downloading."""
from __future__ import annotations

import os
import time

from appkit.cache_budget import MIN_AGE_S, CacheBudget


def _file(root, name, kb, age_s, now):
    p = root / name / "image.png"
    p.parent.mkdir(parents=True)
    p.write_bytes(b"x" * kb * 1024)
    os.utime(p, (now - age_s, now - age_s))
    return p


def test_the_oldest_files_go_until_the_cache_is_under_budget(tmp_path):
    now = time.time()
    opening = _file(tmp_path, "opening", 300, 10_000, now)         # there when the app was built
    budget = CacheBudget(tmp_path, budget_mb=1.0)
    old = [_file(tmp_path, f"old{i}", 200, 5000 - i, now) for i in range(4)]
    young = _file(tmp_path, "young", 100, MIN_AGE_S / 2, now)        # being downloaded, maybe
    # 1,200 KB > 1 MB: delete oldest first until ≤ 80% (819 KB): two old files go
    total, deleted = budget.sweep(now)
    assert (total, deleted) == (800 * 1024, 2)
    assert opening.exists() and young.exists()
    assert [p.exists() for p in old] == [False, False, True, True]
    assert not old[0].parent.exists()                                  # its hash-named folder too


def test_under_budget_nothing_is_deleted(tmp_path):
    now = time.time()
    budget = CacheBudget(tmp_path, budget_mb=1.0)
    files = [_file(tmp_path, f"f{i}", 100, 9000, now) for i in range(5)]
    assert budget.sweep(now) == (500 * 1024, 0)
    assert all(p.exists() for p in files)
