"""The one-call GPU command (train/gpu_session.py), in its tiny mode on the CPU: every bundled GPU
model's run starts, trains, exports and is packed; the throughput bench writes its JSON. A broken
flag or script shows here, not in a lent GPU's scarce minutes."""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_gpu_session_plan_runs_end_to_end_in_tiny_mode(tmp_path):
    sys.path.insert(0, str(ROOT / "train"))
    from gpu_session import RUNS

    done = subprocess.run([sys.executable, str(ROOT / "train" / "gpu_session.py"), "--tiny", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["packed"]) == set(RUNS)
    for name in RUNS:
        assert summary["runs"][name]["rc"] == 0 and summary["runs"][name]["exported"], name
        with tarfile.open(tmp_path / f"{name}.tgz") as tar:
            members = set(tar.getnames())
        assert {f"{name}/final/config.json", f"{name}/final/model.safetensors", f"{name}/log.jsonl"} <= members
    assert summary["bench"]["eager"] == {"rc": 0, "json": True}
    rows = json.loads((tmp_path / "throughput_eager.json").read_text())["rows"]
    assert rows and all(r["gflop_per_step"] > 0 for r in rows)
