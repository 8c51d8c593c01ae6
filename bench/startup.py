#!/usr/bin/env python
"""App start time: from launching the command to the first HTTP 200, on the bundled checkpoints,
offline (HF_HUB_OFFLINE=1: a start must not need the network). Goal: ≤ 10 s on CPU.

    python bench/startup.py [--runs 3]

Rows: `python app.py` and `gradio app.py` (the Space runs the former; the latter is what the
gradio docs suggest), each started --runs times in a fresh process on a free port.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import start_app, stop_app  # noqa: E402

GOAL_S = 10.0


def start_once(cmd: list[str]) -> float:
    work = Path(tempfile.mkdtemp(prefix="ganzoo-startup-"))
    proc, _, took, _ = start_app(work, cmd, {"HF_HUB_OFFLINE": "1", "GANZOO_MODELS": str(work / "models")})
    stop_app(proc)
    shutil.rmtree(work, ignore_errors=True)
    return took


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
