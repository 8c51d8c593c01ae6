"""The contract between the training loop (ganzoo.training.loop.fit) and a model family's task.

Like the reference pix2pix/CycleGAN code's BaseModel, without its option objects: a task owns its
networks, optimisers and training step; the loop owns devices, precision, data feeding, logging,
sample grids, resume states and the export call. The loop uses nothing but what is declared here.

    class MyTask(Task):
        family = "mine"              # the registry family its export is loaded as
        train_config = MyTrainConfig # the dataclass of its training settings (config.json: training.train)
        data_kind = "images"         # what `fit` feeds it (DATA_KINDS)
        networks = ("G", "D")        # attributes train_step runs: compiled / DDP-wrapped by the loop
        kept = ()                    # more module attributes a resume state holds (EMA copy, pools)

        def setup(self, accelerator, seed): ...      # the networks, and self.optim = {name: optimiser}
        def train_step(self, batches, step): ...     # one update; losses as device tensors
        def export(self, folder, meta): ...          # the generator's checkpoint folder

The names are written once: `networks` and `kept` name the attributes a resume state saves
(`modules()`; a network set to None, e.g. pix2pix's D when it trains with L1 alone, is left out),
and `self.optim` is what it saves of the optimisers (`optimizers()`).
"""
from __future__ import annotations

from dataclasses import asdict, field

import torch

from .. import hub
from ..utils import to_tensor

# what `fit` feeds a task, by kind: a batch is a dict of device tensors in [-1, 1]
DATA_KINDS = {
    "images": "an ImageSet (ganzoo.data.load_images): batches {'image', 'label' if labelled}",
    "pairs": "a PairSet (ganzoo.data.paired.load_pairs): batches {'input': A, 'image': its B}",
    "unpaired": "an UnpairedSet (ganzoo.data.unpaired.load_unpaired): batches {'input': A, 'image': B}, drawn apart",
}


def setting(default, help: str):
    """A field of a training config with its help text: the command-line flag made of it
    (ganzoo.training.cli.add_config_args) shows both."""
    return field(default=default, metadata={"help": help})


class Task:
    family: str = ""
    train_config: type | None = None
    data_kind: str = "images"
    networks: tuple[str, ...] = ("G", "D")
    kept: tuple[str, ...] = ()
    batches_per_step: int = 1        # batches one train_step consumes (e.g. n_critic for WGAN)

    def __init__(self, model_cfg, train_cfg, data_info: dict | None = None, preview=None):
        self.mcfg, self.tcfg = model_cfg, train_cfg
        self.data_info = data_info or {}
        self.preview = preview         # data the sample grids show (the same every time)
        self.total_steps: int | None = None   # set by the loop; learning-rate schedules read it
        self.acc = None                # the accelerator, from setup
        self.optim: dict[str, torch.optim.Optimizer] = {}   # set by setup

    def budget_shares(self) -> tuple[float, ...] | None:
        """For a run in phases of different step costs: each phase's share of a --time-budget
        (the loop plans every phase's step count, meter.PhasedPlanner); None: one phase."""
        return None

    @property
    def phase_ends(self) -> list[int]:
        """The step at which each phase but the last ends (what budget_shares plans)."""
        return []

    @phase_ends.setter
    def phase_ends(self, ends: list[int]) -> None:
        if ends:
            raise ValueError(f"{type(self).__name__} has one phase")

    def describe(self) -> dict:
        """What the run's card records about the task."""
        return {"model": asdict(self.mcfg), "train": asdict(self.tcfg), "data": self.data_info}

    # -- what each family writes ----------------------------------------------------------------------
    def setup(self, accelerator, seed: int) -> None:
        """Build the networks and optimisers (seeded), pass them through accelerator.prepare, set
        the `networks` and `kept` attributes and `self.optim`, and make `self.noise`, the device
        generator every random draw of train_step comes from."""
        raise NotImplementedError

    def modules(self) -> dict[str, torch.nn.Module]:
        """What a resume state holds of the modules: `networks` and `kept`, by name."""
        return {n: m for n in (*self.networks, *self.kept) if (m := getattr(self, n, None)) is not None}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """What a resume state holds of the optimisers."""
        return dict(self.optim)

    def train_step(self, batches: list[dict], step: int) -> dict[str, torch.Tensor | float]:
        """One optimisation step on `batches_per_step` batches. Losses are returned as detached
        device tensors, never read with .item() (the loop reads a window of them at once)."""
        raise NotImplementedError

    def export(self, folder, meta: dict) -> None:
        """The generator's checkpoint folder. By default: a CPU copy of `build_generator()` with the
        trained weights, its sample grid on the preview, fp16 where the probe allows, and
        `export_config()` in its config.json; families with more to export override it."""
        g = cpu_copy(self.build_generator, self.exported())
        preview = None if self.preview is None else tuple(x.float().cpu() for x in self.preview_t)
        files = {} if preview is None else {"samples.png": self.grid(g, *preview).save}
        self.save_generator(folder, meta, g, self.probe(preview), files, **self.export_config())

    # hooks of the default sample grid and export
    def exported(self) -> torch.nn.Module:
        """The trained generator the sample grid shows and the export holds (a family that keeps a
        moving average returns that)."""
        return self.plain()

    def build_generator(self) -> torch.nn.Module:
        """An untrained generator of the model config (what the export holds)."""
        raise NotImplementedError

    def preview_tensors(self, device) -> tuple[torch.Tensor, ...]:
        """The preview as the tensors `grid` takes (default: each uint8 array in [-1, 1])."""
        arrays = self.preview if isinstance(self.preview, (tuple, list)) else (self.preview,)
        return tuple(to_tensor(a).to(device) for a in arrays)

    def grid(self, g: torch.nn.Module, *preview: torch.Tensor):
        """The sample grid of generator `g` (in eval mode) on the preview tensors."""
        raise NotImplementedError

    def probe(self, preview: tuple | None) -> tuple:
        """Inputs on which fp16 storage must not change the output (hub.fp16_if_lossless)."""
        raise NotImplementedError

    def export_config(self) -> dict:
        """Extra config.json entries the family's pipeline reads."""
        return {}

    @torch.no_grad()
    def sample_grid(self):
        """A picture of what the model makes now (tensor N×C×H×W or PIL image), or None."""
        if self.preview is None:
            return None
        g = self.exported()
        was = g.training
        g.eval()
        try:
            return self.grid(g, *self.preview_t)
        finally:
            g.train(was)

    # -- shared by the families ----------------------------------------------------------------------
    def channels_last(self, *nets: torch.nn.Module) -> tuple[torch.nn.Module, ...]:
        """The networks in channels-last memory on CUDA (where cuDNN's convolutions want it)."""
        if self.acc.device.type != "cuda":
            return nets
        return tuple(n.to(memory_format=torch.channels_last) for n in nets)

    def plain(self, name: str = "G") -> torch.nn.Module:
        """The module under accelerate's and torch.compile's wrappers (its keys, its methods)."""
        return unwrap(self.acc, getattr(self, name))

    def save_generator(self, folder, meta: dict, net: torch.nn.Module, probe: tuple, files: dict | None = None,
                       extras: dict | None = None, **config) -> None:
        """Write `net` (a plain fp32 generator on the CPU, in eval mode) as this family's checkpoint
        folder: fp16 where that changes no output on `probe` visibly, with its config."""
        sd = net.state_dict()
        dtype = hub.fp16_if_lossless(net, sd, *probe)
        cfg = {"family": self.family, "model": asdict(self.mcfg), **config, "value_range": [-1, 1],
               "data": self.data_info, **meta}
        hub.save_checkpoint(folder, cfg, sd, extras=extras, files=files, dtype=dtype)


def unwrap(accelerator, model):
    """The plain module under accelerate's wrappers and torch.compile's (its keys, its methods)."""
    m = accelerator.unwrap_model(model)
    return getattr(m, "_orig_mod", m)


def cpu_copy(build, trained: torch.nn.Module) -> torch.nn.Module:
    """A fresh fp32 CPU network from `build()` with the trained weights, in eval mode."""
    net = build()
    net.load_state_dict({k: v.detach().float().cpu() for k, v in trained.state_dict().items()})
    return net.eval()
