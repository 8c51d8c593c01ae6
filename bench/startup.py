#!/usr/bin/env python
"""App start time: from launching the command to the first HTTP 200, on the bundled checkpoints,
offline (HF_HUB_OFFLINE=1: a start must not need the network). Goal: ≤ 10 s on CPU.

    python bench/startup.py [--runs 3]

Rows: `python app.py` and `gradio app.py` (the Space runs the former; the latter is what the
gradio docs suggest), each started --runs times in a fresh process on a free port.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_process import ROOT, start_app, stop_app  # noqa: E402
from timing import machine  # noqa: E402

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
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "startup.json"),
                    help="also write the times here, with the machine (the README is made from it)")
    ap.add_argument("--note", default="", help="a note for the JSON, e.g. what else ran on the machine")
    a = ap.parse_args()
    at_start = machine(a.note)
    results = []
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
        results.append({"command": name, "median_s": round(med, 2), "runs_s": [round(t, 2) for t in times]})
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": at_start, "loadavg_end": machine()["loadavg"],
                                            "goal_s": GOAL_S, "offline": True, "rows": results}, indent=1))
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
