"""The one training loop every family runs on.

It owns what is the same for all GANs: devices and mixed precision (accelerate), seeding, batches
drawn from data held on the device, progress, sample grids, NaN stop, atomic resume states and
the final export/publish. A family plugs in a *task* object (see `latent.py`) that owns its
networks, optimisers and `train_step`.
"""
from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from tqdm.auto import tqdm

from .. import hub
from ..cards import write_model_card
from ..nn.inference import bf16_is_fast
from ..utils import save_grid
from .meter import LossMeter, PhasedPlanner
from .state import STATE_DIR, latest_state, load_state, save_state
from .task import DATA_KINDS, unwrap


@dataclass
class LoopConfig:
    out_dir: str = "runs/latent"
    steps: int = 10_000
    batch_size: int = 64
    seed: int = 0
    sample_every: int = 500
    ckpt_every: int = 1000
    log_every: int = 50
    mixed_precision: str = "auto"      # auto: bf16 on CUDA, fp32 on CPU
    resume: bool = False
    export_dir: str | None = None      # default: <out_dir>/final
    push_to_hub: str | None = None
    progress: bool = True
    compile: bool = False              # torch.compile the networks the training step runs
    compile_mode: str = "default"      # torch.compile's mode; "reduce-overhead" adds CUDA graphs
    time_budget_s: float | None = None  # fit the run's step count (and lr schedule) to this wall time
    init_from: str | None = None       # start the generator from this exported checkpoint (fine-tuning)


def make_accelerator(mixed_precision: str):
    if mixed_precision == "auto":
        mixed_precision = "bf16" if torch.cuda.is_available() else "no"
    elif mixed_precision == "bf16" and not torch.cuda.is_available():
        if not bf16_is_fast():  # emulated: the 64-px emoji DCGAN trained at 2.7 img/s in bf16 vs 49.7 in fp32 (2-core AVX2 EPYC)
            print("warning: this CPU has no native bf16 (AVX512-BF16 / AMX), so bf16 training runs far slower "
                  "than fp32 here; drop --mixed-precision bf16 (auto uses fp32 on a CPU)", file=sys.stderr, flush=True)
    return Accelerator(mixed_precision=mixed_precision)


def _to_device(images: np.ndarray, device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous().to(device)


class DeviceData:
    """The whole (small) dataset as uint8 on the device; batches by a seeded per-epoch permutation.

    The batch at step s depends only on (seed, s), so a resumed run sees exactly the batches an
    uninterrupted run would have seen, and no DataLoader workers are needed. Paired data (a PairSet)
    gives batches with "input" (A) next to "image" (B).
    """

    def __init__(self, images: np.ndarray, labels, batch_size: int, seed: int, device, rank=0, world=1,
                 inputs: np.ndarray | None = None, unpaired: bool = False):
        self.images = _to_device(images, device)
        self.inputs = _to_device(inputs, device) if inputs is not None and not unpaired else None
        # unpaired (CycleGAN): the inputs are another domain, drawn by their own permutation
        self.inputs_feed = DeviceData(inputs, None, batch_size, seed + 7919, device, rank, world) if unpaired else None
        self.labels = torch.from_numpy(np.asarray(labels, dtype=np.int64)).to(device) if labels is not None else None
        self.batch_size, self.seed, self.rank, self.world = batch_size, seed, rank, world
        per_step = batch_size * world
        if len(self.images) < per_step:
            raise ValueError(f"the dataset has {len(self.images)} images, fewer than one batch ({per_step})")
        self.steps_per_epoch = len(self.images) // per_step
        self._perm_epoch, self._perm = -1, None

    @classmethod
    def for_task(cls, task, data, batch_size: int, seed: int, accelerator) -> "DeviceData":
        """The feed of `task.data_kind` (ganzoo.training.task.DATA_KINDS) from `data`, or a sentence
        saying which layout the task needs."""
        kind = task.data_kind
        wants = {"images": ("images",), "pairs": ("a", "b"), "unpaired": ("a", "b")}[kind]
        if not all(hasattr(data, k) for k in wants) or (kind == "unpaired") != bool(getattr(data, "unpaired", False)):
            raise ValueError(f"{type(task).__name__} trains on {DATA_KINDS[kind]}; got a {type(data).__name__}")
        where = dict(seed=seed, device=accelerator.device, rank=accelerator.process_index,
                     world=accelerator.num_processes)
        if kind == "images":
            return cls(data.images, data.labels, batch_size, **where)
        return cls(data.b, None, batch_size, inputs=data.a, unpaired=kind == "unpaired", **where)

    def batch(self, k: int) -> dict[str, torch.Tensor]:
        """The k-th batch of the run (k counts batches, not optimiser steps)."""
        epoch, i = divmod(k, self.steps_per_epoch)
        if epoch != self._perm_epoch:
            g = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
            self._perm = torch.randperm(len(self.images), generator=g).to(self.images.device)
            self._perm_epoch = epoch
        start = (i * self.world + self.rank) * self.batch_size
        idx = self._perm[start:start + self.batch_size]
        out = {"image": self.images[idx].float().div_(127.5).sub_(1.0)}
        if self.inputs_feed is not None:
            out["input"] = self.inputs_feed.batch(k)["image"]
        elif self.inputs is not None:
            out["input"] = self.inputs[idx].float().div_(127.5).sub_(1.0)
        if self.labels is not None:
            out["label"] = self.labels[idx]
        return out


def init_generator(task, accelerator, source: str) -> None:
    """Start from an exported checkpoint's generator (a fine-tune or a warm restart on a machine
    that lacks the run's state); the discriminator and optimisers start fresh."""
    ck = hub.load(source)
    sd = ck.model.state_dict()
    for name in ("G", "G_ema"):
        m = getattr(task, name, None)
        if m is None:
            continue
        try:
            unwrap(accelerator, m).load_state_dict(sd, strict=True)
        except RuntimeError as e:
            raise ValueError(f"--init-from {source}: its generator does not match this model "
                             f"({str(e).splitlines()[0]}); use the same architecture flags") from None


def lineage(source: str) -> dict:
    """How the checkpoint a run started from was trained, for the new model's card."""
    tr = hub.read_config(source).get("training", {})
    keep = ("command", "resumed_with", "steps", "batch_size", "hardware", "wall_time_s", "images_per_s", "init_from")
    return {"source": str(source), **{k: tr[k] for k in keep if k in tr}}


COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def uses_cuda_graphs(mode: str) -> bool:
    """CUDA graphs reuse their output buffers: each training step must then mark where it starts
    (torch.compiler.cudagraph_mark_step_begin)."""
    return mode in ("reduce-overhead", "max-autotune")


def compile_networks(task, mode: str = "default") -> list[str]:
    """Replace the task's training networks by torch.compile'd wrappers (same parameters; the EMA
    generator, sample grids and exports keep using plain modules)."""
    done = []
    for name in task.networks:
        m = getattr(task, name, None)
        if isinstance(m, torch.nn.Module):
            setattr(task, name, torch.compile(m, mode=None if mode == "default" else mode))
            done.append(name)
    return done


# ---- the loop -----------------------------------------------------------------------------------

def hardware() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    name = platform.processor() or platform.machine()
    try:  # platform.processor() is often empty on Linux
        name = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU ({name}, {torch.get_num_threads()} threads)"


def fit(task, data, cfg: LoopConfig, command: str | None = None) -> Path:
    """Train `task` on `data` (an ImageSet) for cfg.steps optimiser steps; return the export folder."""
    out_dir = Path(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    accelerator = make_accelerator(cfg.mixed_precision)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    task.setup(accelerator, cfg.seed)
    state = latest_state(out_dir) if cfg.resume else None
    if cfg.init_from and state is None:  # a resumed run has its own weights
        init_generator(task, accelerator, cfg.init_from)
        accelerator.print(f"generator initialised from {cfg.init_from}")
    origin = lineage(cfg.init_from) if cfg.init_from else None
    if cfg.compile:
        accelerator.print(f"torch.compile ({cfg.compile_mode}): {', '.join(compile_networks(task, cfg.compile_mode))}")
    graphs = cfg.compile and uses_cuda_graphs(cfg.compile_mode)
    total = cfg.steps  # may be lowered to fit cfg.time_budget_s
    task.total_steps = total  # for tasks with a learning-rate schedule
    feed = DeviceData.for_task(task, data, cfg.batch_size, cfg.seed, accelerator)
    k = task.batches_per_step

    step, before = 0, {"wall_time_s": 0.0, "images_seen": 0}
    commands = [command] if command else []
    if state is not None:
        meta = load_state(state, task, accelerator)
        step = meta["step"]
        if meta.get("planned_steps") and not cfg.time_budget_s:  # keep a budgeted run's schedule
            total = task.total_steps = min(cfg.steps, meta["planned_steps"])
        if meta.get("phase_ends") and task.budget_shares():  # the phases a budgeted run planned
            task.phase_ends = meta["phase_ends"]
        before = {k: meta.get(k, v) for k, v in before.items()}
        accelerator.print(f"resumed from {state} (step {step})")
        if (out_dir / "run.json").is_file():  # the model card names the command that started it
            commands = json.loads((out_dir / "run.json").read_text()).get("commands", []) + commands
    elif cfg.resume:
        unfinished = sorted(p.name for p in (out_dir / STATE_DIR).glob("step-*"))
        if unfinished:  # never start over silently on top of a run's remains
            raise RuntimeError(f"--resume: {out_dir / STATE_DIR} holds only unfinished states ({', '.join(unfinished)}), "
                               "so there is nothing complete to continue from; move them away to start over")
        accelerator.print(f"--resume: no saved state in {out_dir / STATE_DIR}, starting at step 0")
    main = accelerator.is_main_process
    if main:
        (out_dir / "run.json").write_text(json.dumps({"loop": asdict(cfg), "task": task.describe(),
                                                       "commands": commands}, indent=2))
    if accelerator.num_processes > 1:
        accelerator.print(f"{accelerator.num_processes} processes ({accelerator.distributed_type}), "
                          f"{cfg.batch_size} images each per step: global batch {cfg.batch_size * accelerator.num_processes}")

    planner = None
    if cfg.time_budget_s:
        shares = task.budget_shares()
        planner = PhasedPlanner(cfg.time_budget_s, cfg.steps, step, shares or (1.0,),
                                task.phase_ends if shares and state is not None else None, accelerator)
        if shares:  # a phase runs on until its end is planned (not to the step count the flags gave)
            task.phase_ends = [e if e is not None else cfg.steps for e in planner.ends]
    bar = tqdm(total=total, initial=step, disable=not (cfg.progress and accelerator.is_main_process),
               dynamic_ncols=True, mininterval=1.0)
    t0, images_seen, meter = time.perf_counter(), 0, LossMeter(lambda: latest_state(out_dir))

    def clock():  # totals over every session of this run, for the card
        c = {"wall_time_s": before["wall_time_s"] + time.perf_counter() - t0,
             "images_seen": before["images_seen"] + images_seen}
        if planner is None:
            return c
        return {**c, "planned_steps": total, **({"phase_ends": task.phase_ends} if task.phase_ends else {})}

    log_file = open(out_dir / "log.jsonl", "a") if main else None
    try:
        while step < total:
            batches = [feed.batch(step * k + j) for j in range(k)]
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            meter.add(step, task.train_step(batches, step))
            step += 1
            images_seen += cfg.batch_size * k * accelerator.num_processes
            bar.update(1)
            if planner is not None and (new := planner.update(step)) is not None:
                if planner.ends and planner.ends != task.phase_ends:
                    task.phase_ends = planner.ends
                    accelerator.print(f"time budget {cfg.time_budget_s:.0f} s: phase {planner.phase + 1} ends at "
                                      f"step {planner.ends[planner.phase]} ({'corrected' if planner.plans == 2 else 'planned'} "
                                      f"at step {step}); the run's total, provisional: {new}")
                elif new != total:
                    accelerator.print(f"time budget {cfg.time_budget_s:.0f} s: {new} steps "
                                      f"({'corrected' if planner.plans == 2 else 'planned'} at step {step})")
                total = task.total_steps = bar.total = new
            sample, save = step % cfg.sample_every == 0 or step == total, step % cfg.ckpt_every == 0 or step == total
            if step % cfg.log_every == 0 or sample or save:  # one device→host copy for the window
                logs = meter.read()
                bar.set_postfix({n: f"{v:.3f}" for n, v in logs.items()}, refresh=False)
                rate = images_seen / (time.perf_counter() - t0)
                if main:
                    log_file.write(json.dumps({"step": step, **logs, "img_per_s": round(rate, 1),
                                               "wall_s": round(clock()["wall_time_s"], 2)}) + "\n")
                    log_file.flush()
            if main and sample:
                grid = task.sample_grid()
                if grid is not None:
                    save_grid(grid, out_dir / "samples" / f"step_{step:08d}.png", nrow=8)
            if main and save:
                save_state(out_dir, step, task, accelerator, clock())
    finally:
        bar.close()
        if log_file:
            log_file.close()

    spent = clock()
    export = Path(cfg.export_dir or out_dir / "final")
    if main:
        meta = {"training": {"steps": total, "batch_size": cfg.batch_size, "processes": accelerator.num_processes,
                             "seed": cfg.seed,
                             "hardware": hardware(), "wall_time_s": round(spent["wall_time_s"], 1),
                             "images_per_s": round(spent["images_seen"] / max(spent["wall_time_s"], 1e-9), 1),
                             "command": commands[0] if commands else None, "resumed_with": commands[1:], **task.describe()}}
        if origin:
            meta["training"]["init_from"] = origin
        task.export(export, meta)
        write_model_card(export)
        if cfg.push_to_hub:
            url = hub.push_to_hub(export, cfg.push_to_hub)
            accelerator.print(f"pushed {export} to {url}")
    return export


def main_command() -> str:
    return " ".join(["python"] + [a if " " not in a else repr(a) for a in sys.argv])
