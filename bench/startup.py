#!/usr/bin/env python
"""App start time: from launching the command to the first HTTP 200, on the bundled checkpoints,
offline (HF_HUB_OFFLINE=1: a start must not need the network). Goal: ≤ 10 s on CPU.

    python bench/startup.py [--runs 3]

Rows: `python app.py` and `gradio app.py` (the Space runs the former; the latter is what the
gradio docs suggest), each started --runs times in a fresh process on a free port.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_once(cmd: list[str], timeout: float = 120.0) -> float:
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="ganzoo-startup-"))
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", HF_HUB_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(work), GANZOO_MODELS=str(work / "models"))
    t = time.perf_counter()
    # a process group: `gradio app.py` serves from a child process that must be stopped too
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while time.perf_counter() - t < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}")
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200:
                    return time.perf_counter() - t
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{' '.join(cmd)} did not answer in {timeout:.0f} s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(1)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    gradio_cmd = Path(sys.executable).parent / "gradio"
    rows = {"python app.py": [sys.executable, "app.py"]}
    if gradio_cmd.is_file():
        rows["gradio app.py"] = [str(gradio_cmd), "app.py"]
    print(f"| command | median start → HTTP 200 | runs | goal ≤ {GOAL_S:.0f} s |")
    print("|---|---|---|---|")
    for name, cmd in rows.items():
        times = [start_once(cmd) for _ in range(a.runs)]
        med = statistics.median(times)
        print(f"| `{name}` | {med:.1f} s | {', '.join(f'{t:.1f}' for t in times)} | "
              f"{'✅' if med <= GOAL_S else '❌'} |", flush=True)


if __name__ == "__main__":
    main()
