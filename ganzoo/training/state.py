"""A run's resume states: everything `--resume` needs to continue exactly where a killed run
stopped (every module and optimiser, the random streams, the clock), written atomically; a
`latest` pointer names the newest, and an unfinished state is never loaded."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .. import hub
from .task import unwrap

STATE_DIR = "state"
LATEST = "latest"


def _rng_state(task) -> dict:
    st = {"torch": torch.get_rng_state(), "noise": task.noise.get_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state()
    return st


def save_state(out_dir: Path, step: int, task, accelerator, clock: dict | None = None) -> Path:
    """Write the full training state for `step` atomically, then point `latest` at it."""
    root = out_dir / STATE_DIR
    name = f"step-{step:08d}"

    def write(tmp: Path):
        tensors = {}
        for mname, m in task.modules().items():
            for k, v in unwrap(accelerator, m).state_dict().items():
                tensors[f"{mname}.{k}"] = v.detach().cpu().contiguous().clone()
        save_file(tensors, str(tmp / "modules.safetensors"))
        torch.save({k: o.state_dict() for k, o in task.optimizers().items()}, tmp / "optimizers.pt")
        torch.save(_rng_state(task), tmp / "rng.pt")
        (tmp / "meta.json").write_text(json.dumps({"step": step, **(clock or {})}))

    hub.write_folder_atomically(root / name, write)
    tmp_ptr = root / f".{LATEST}.tmp"
    tmp_ptr.write_text(name)
    os.replace(tmp_ptr, root / LATEST)
    for old in sorted(root.glob("step-*"))[:-2]:  # keep the newest two
        shutil.rmtree(old, ignore_errors=True)
    return root / name


def complete_states(out_dir: Path) -> list[Path]:
    """The run's saved states that were written to the end (meta.json is written last), oldest first."""
    return sorted(d for d in (Path(out_dir) / STATE_DIR).glob("step-*") if (d / "meta.json").is_file())


def latest_state(out_dir: Path) -> Path | None:
    """The state `latest` points to when it is complete, else the newest complete one (a kill
    between writing a state and moving the pointer, or a copied run folder), else None."""
    ptr = Path(out_dir) / STATE_DIR / LATEST
    if ptr.is_file():
        d = Path(out_dir) / STATE_DIR / ptr.read_text().strip()
        if (d / "meta.json").is_file():
            return d
    done = complete_states(out_dir)
    return done[-1] if done else None


def load_state(state: Path, task, accelerator) -> dict:
    tensors = load_file(str(state / "modules.safetensors"))
    for mname, m in task.modules().items():
        prefix = mname + "."
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        unwrap(accelerator, m).load_state_dict(sd, strict=True)
    # our own files; weights_only refuses anything but tensors and plain containers
    opts = torch.load(state / "optimizers.pt", weights_only=True, map_location="cpu")
    for k, o in task.optimizers().items():
        o.load_state_dict(opts[k])
    rng = torch.load(state / "rng.pt", weights_only=True, map_location="cpu")
    torch.set_rng_state(rng["torch"])
    try:
        task.noise.set_state(rng["noise"])
    except RuntimeError:  # saved on another device type (a CPU run resumed on a GPU): a new stream
        task.noise.manual_seed(int(rng["noise"].long().sum()))
        print("resume: the saved noise stream is from another device type; continuing with a new "
              "stream seeded from it (the run is no longer bit-identical to an uninterrupted one)")
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state(rng["cuda"])
    return json.loads((state / "meta.json").read_text())
