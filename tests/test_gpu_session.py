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
    from gpu_session import PLAN

    back = tmp_path / "back"
    done = subprocess.run([sys.executable, str(ROOT / "train" / "gpu_session.py"), "--tiny", "--out", str(tmp_path),
                           "--deliver", str(back)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["packed"]) == set(PLAN)
    assert summary["delivered"] == {name: "delivered" for name in ["meta", *PLAN]}   # tiny packs all fit
    for name in PLAN:
        assert summary["runs"][name]["rc"] == 0 and summary["runs"][name]["exported"], name
        with tarfile.open(back / f"{name}.tgz") as tar:
            members = set(tar.getnames())
        assert {f"{name}/final/config.json", f"{name}/final/model.safetensors", f"{name}/log.jsonl"} <= members
    assert summary["bench"]["eager"] == {"rc": 0, "json": True}
    with tarfile.open(back / "meta.tgz") as tar:
        assert {"meta/summary.json", "meta/throughput_eager.json"} <= set(tar.getnames())
    rows = json.loads((tmp_path / "throughput_eager.json").read_text())["rows"]
    assert rows and all(r["gflop_per_step"] > 0 for r in rows)


def test_delivery_splits_a_large_pack_and_leaves_what_a_call_cannot_bring_back(tmp_path):
    sys.path.insert(0, str(ROOT / "train"))
    import gpu_session

    out, back = tmp_path / "out", tmp_path / "back"
    out.mkdir()
    sizes = {"meta": 1, "emoji-fastgan": 14, "emoji-inpaint": 14, "emoji-inpaint-scratch": 14, "noto2twemoji": 10,
             "sketch2emoji": 22}   # MiB: 75 in all, more than the 64 a call brings back
    for name, mib in sizes.items():
        (out / f"{name}.tgz").write_bytes(bytes([len(name)]) * (mib * 2**20))
    done = gpu_session.deliver(out, back)
    assert done == {**{n: "delivered" for n in sizes if n != "sketch2emoji"}, "sketch2emoji": "left"}
    assert (out / "sketch2emoji.tgz").is_file() and not (out / "meta.tgz").exists()
    assert sum(f.stat().st_size for f in back.iterdir()) <= gpu_session.BACK_BYTES
    # the second call brings the rest, in parts under the per-file limit that join back exactly
    back2 = tmp_path / "back2"
    assert gpu_session.deliver(out, back2) == {"sketch2emoji": "delivered"}
    parts = sorted(back2.glob("sketch2emoji.tgz.part*"))
    assert len(parts) == 2 and all(p.stat().st_size <= gpu_session.BACK_FILE_BYTES for p in parts)
    assert b"".join(p.read_bytes() for p in parts) == bytes([len("sketch2emoji")]) * (22 * 2**20)
