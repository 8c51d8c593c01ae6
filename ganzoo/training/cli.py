"""The training commands, built from the registry: every family whose record names a `command`
(ganzoo.training.commands) gets its flags plus the loop's, which every family shares.

    python -m ganzoo.training pix2pix --dataset openmoji --size 128 --out runs/sketch2emoji
    python train/pix2pix.py ...                                    # the same command
    accelerate launch -m ganzoo.training latent --dataset emoji ...

A config dataclass gives its fields as flags (`add_config_args`): the default is written once, in
the dataclass, and the help in the field's metadata (ganzoo.training.task.setting).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
from dataclasses import dataclass
from typing import Callable

import torch

from .. import registry
from ..evaluate import main as evaluate_main
from .loop import COMPILE_MODES, LoopConfig, fit, main_command


@dataclass(frozen=True, kw_only=True)
class Command:
    """A family's training command."""
    script: str                     # its script in a checkout (the card's training command names it)
    doc: str                        # --help: what it trains, examples, the data specs it reads
    batch_size: int                 # the default --batch-size (per process)
    add_arguments: Callable         # (parser, data group) -> None: the family's flags
    build: Callable                 # args -> (task, data)
    check: Callable | None = None   # (parser, args) -> None: flags that only make sense together


def duration_s(text: str) -> float:
    """'90s', '6m', '1.5h' or a bare number of minutes -> seconds."""
    t = text.strip().lower()
    unit = {"s": 1, "m": 60, "h": 3600}.get(t[-1:])
    try:
        value = float(t[:-1] if unit else t) * (unit or 60)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (examples: 90s, 6m, 1.5h)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the time budget must be positive")
    return value


def command(family: str) -> Command:
    record = registry.family(family)
    if record.command is None:
        raise ValueError(f"the {family} family has no training command")
    return record.load("command")


def families() -> list[str]:
    """The families that have a training command, in registry order."""
    return [f.name for f in registry.FAMILIES.values() if f.command]


def build_parser(family: str) -> argparse.ArgumentParser:
    cmd = command(family)
    p = argparse.ArgumentParser(prog=f"python {cmd.script}", description=cmd.doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_arguments(p, p.add_argument_group("data"))
    add_loop_args(p, out=f"runs/{family}", batch_size=cmd.batch_size)
    return p


def parse_args(family: str, argv=None) -> argparse.Namespace:
    p = build_parser(family)
    args = p.parse_args(argv)
    if command(family).check:
        command(family).check(p, args)
    return args


def build(family: str, args) -> tuple:
    """(task, data, loop config) of a family's training command from its parsed flags."""
    task, data = command(family).build(args)
    return task, data, loop_config(args)


def add_loop_args(p: argparse.ArgumentParser, out: str, batch_size: int, steps: int = 10_000) -> None:
    lp = p.add_argument_group("loop")
    lp.add_argument("--steps", type=int, default=steps, help="optimisation steps of the run")
    lp.add_argument("--time-budget", type=duration_s, metavar="DURATION",
                    help="fit the run to this wall time (90s, 20m, 1.5h; bare number: minutes): --steps "
                         "becomes what the measured step rate allows, so the lr schedule still ends at 0")
    lp.add_argument("--batch-size", type=int, default=batch_size, help="per process")
    lp.add_argument("--scale-lr-from", type=int, metavar="BATCH",
                    help="scale every learning rate by sqrt(global batch / BATCH), the square-root rule for "
                         "Adam (Malladi et al. 2022): BATCH is the batch the learning rates were tuned at")
    lp.add_argument("--seed", type=int, default=0, help="seeds the networks, the data order and every draw")
    lp.add_argument("--out", default=out, help="run folder (samples, log, resume state)")
    lp.add_argument("--export", help="checkpoint folder to write at the end (default: OUT/final)")
    lp.add_argument("--sample-every", type=int, default=500, help="steps between sample grids in OUT")
    lp.add_argument("--ckpt-every", type=int, default=1000, help="steps between resume states in OUT")
    lp.add_argument("--mixed-precision", default="auto", choices=("auto", "no", "bf16", "fp16"),
                    help="auto: bf16 on a GPU, fp32 on a CPU")
    lp.add_argument("--init-from", metavar="CHECKPOINT",
                    help="start the generator from an exported checkpoint (fresh discriminator and optimisers)")
    lp.add_argument("--resume", action="store_true", help="continue from OUT's latest saved state")
    lp.add_argument("--push-to-hub", metavar="REPO", help="publish the exported checkpoint to this Hub repo")
    lp.add_argument("--threads", type=int, help="CPU threads for torch")
    lp.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    lp.add_argument("--compile", action="store_true", help="torch.compile the networks of the training step")
    lp.add_argument("--compile-mode", choices=COMPILE_MODES, default="default",
                    help="torch.compile's mode (implies --compile); reduce-overhead adds CUDA graphs, which "
                         "small networks at small batches need to keep a GPU busy")
    lp.add_argument("--evaluate", nargs="?", const="", default=None, metavar="OPTIONS",
                    help="measure the exported checkpoint at the end (python -m ganzoo.evaluate) and store "
                         "the numbers in its config.json and card; OPTIONS: that command's own options in one "
                         "string, e.g. --evaluate '--features classifier -n 2000'")


def add_config_args(group, cls, skip=(), choices: dict | None = None, presets: bool = False) -> None:
    """One --flag per field of the config dataclass `cls`, with the dataclass's default and the
    field's metadata help: a default is written once, in the config. presets=True: flags default
    to None, so that a preset (e.g. a loss's optimiser settings) fills in what was not given."""
    for f in dataclasses.fields(cls):
        if f.name in skip or f.default is dataclasses.MISSING:
            continue
        flag, d = "--" + f.name.replace("_", "-"), f.default
        help_text = f"{f.metadata.get('help', '')} (default: {'by the preset' if presets else d})".strip()
        if isinstance(d, bool):
            group.add_argument(flag, action=argparse.BooleanOptionalAction, default=None if presets else d,
                               help=help_text)
        elif d is not None:
            group.add_argument(flag, type=type(d), default=None if presets else d, help=help_text,
                               choices=(choices or {}).get(f.name))


def config_from_args(cls, args, base: dict | None = None, **values):
    """`cls` from the parsed flags of its fields (None: not given), over `base`, under `values`."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if getattr(args, f.name, None) is not None}
    return cls(**{**(base or {}), **given, **values})


def loop_config(args) -> LoopConfig:
    return LoopConfig(out_dir=args.out, steps=args.steps, batch_size=args.batch_size, seed=args.seed,
                      sample_every=args.sample_every, ckpt_every=args.ckpt_every,
                      mixed_precision=args.mixed_precision, resume=args.resume, export_dir=args.export,
                      push_to_hub=args.push_to_hub, progress=not args.no_progress,
                      compile=args.compile or args.compile_mode != "default", compile_mode=args.compile_mode,
                      time_budget_s=args.time_budget, init_from=args.init_from)


LR_FIELDS = ("lr", "lr_g", "lr_d")


def scale_learning_rates(train_cfg, global_batch: int, tuned_at: int) -> float:
    """Multiply the training config's learning rates by sqrt(global_batch / tuned_at) in place
    (the config records the rates the run used); returns the factor."""
    factor = (global_batch / tuned_at) ** 0.5
    for name in LR_FIELDS:
        if getattr(train_cfg, name, None) is not None:
            setattr(train_cfg, name, getattr(train_cfg, name) * factor)
    return factor


def main(family: str, argv=None):
    """A family's training command: parse, build (task, data, loop), train, say where the
    checkpoint is (and measure it with --evaluate)."""
    args = parse_args(family, argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    task, data, loop = build(family, args)
    if args.scale_lr_from:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        f = scale_learning_rates(task.tcfg, args.batch_size * world, args.scale_lr_from)
        print(f"learning rates × {f:.3f} (global batch {args.batch_size * world}, tuned at {args.scale_lr_from})")
    run_command = main_command() if argv is None else f"python {command(family).script} " + " ".join(argv)
    out = fit(task, data, loop, command=run_command)
    if int(os.environ.get("RANK", "0")) != 0:  # the other processes of a multi-process run: rank 0 exports
        return out
    print(f"checkpoint written to {out}")
    if args.evaluate is not None:
        evaluate_main([str(out)] + ([f"--threads={args.threads}"] if args.threads else []) + shlex.split(args.evaluate))
    return out
