"""A new model family is its own code plus one registry record: here a tiny "negative" family
(a 1×1 convolution that learns to invert colours), written in this file alone, gets a training
command (`python -m ganzoo.training negative`), trains with the shared loop, exports, loads, runs
through its pipeline, gets a generated card, shows in the zoo, is measured by `ganzoo.evaluate`
and gets its own tab in the app, without touching any other file."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ganzoo import registry
from ganzoo.metrics.heldout import Report
from ganzoo.pipelines.base import Pipeline
from ganzoo.pipelines.images import open_image
from ganzoo.training import cli
from ganzoo.training.optim import adam
from ganzoo.training.task import Task, cpu_copy, setting
from ganzoo.utils import to_pil


# ---- the whole family -------------------------------------------------------------------------------

@dataclass
class NegativeConfig:
    img_size: int = 16
    channels: int = 3


class Negative(nn.Module):
    def __init__(self, cfg: NegativeConfig):
        super().__init__()
        self.cfg = cfg
        self.conv = nn.Conv2d(cfg.channels, cfg.channels, 1)

    def forward(self, x):
        return torch.tanh(self.conv(x))


class NegativeTask(Task):
    family = "negative"
    data_kind = "images"
    networks = ("G",)

    def setup(self, accelerator, seed):
        self.acc = accelerator
        torch.manual_seed(seed)
        G = Negative(self.mcfg)
        self.G, opt = accelerator.prepare(G, adam(G.parameters(), self.tcfg.lr, 0.9, 0.999, accelerator.device))
        self.optim = {"G": opt}
        self.noise = torch.Generator(device=accelerator.device).manual_seed(seed)

    def train_step(self, batches, step):
        x = batches[0]["image"]
        loss = F.l1_loss(self.G(x), -x)
        self.optim["G"].zero_grad(set_to_none=True)
        self.acc.backward(loss)
        self.optim["G"].step()
        return {"l1": loss.detach()}

    def export(self, folder, meta):
        g = cpu_copy(lambda: Negative(self.mcfg), self.plain())
        self.save_generator(folder, meta, g, (torch.rand(2, 3, 16, 16) * 2 - 1,))


class NegativePipeline(Pipeline):
    family = "negative"
    default_precision = "fp32"

    def __call__(self, image) -> Image.Image:
        x = torch.from_numpy(np.asarray(open_image(image).resize((16, 16)), np.float32) / 127.5 - 1)
        return to_pil(self.forward(self.G, x.permute(2, 0, 1)[None]))[0]


def negative_metrics(ckpt, **_) -> Report:
    pipe = NegativePipeline(ckpt)
    x = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    err = np.abs(np.asarray(pipe(x), float) - (255 - x)).mean() / 255
    return Report({"negative_l1": round(float(err), 4)}, "mean L1 to the true negative of a random picture.", {})


@dataclass
class NegativeTrainConfig:
    lr: float = setting(0.05, "Adam learning rate")


def add_negative_arguments(p, data) -> None:
    data.add_argument("--n-images", type=int, default=32, help="random pictures to learn from")
    cli.add_config_args(p.add_argument_group("training"), NegativeTrainConfig)


def build_negative(args):
    images = np.random.default_rng(1).integers(0, 256, (args.n_images, 16, 16, 3), dtype=np.uint8)
    task = NegativeTask(NegativeConfig(), cli.config_from_args(NegativeTrainConfig, args), {"name": "noise"})
    return task, SimpleNamespace(images=images, labels=None, name="noise")


COMMAND = cli.Command(script="tests/test_registry.py", doc="Train a colour negative.", batch_size=8,
                      add_arguments=add_negative_arguments, build=build_negative)


def build_negative_tab():
    import gradio as gr

    import ganzoo
    from appkit.common import TabHandles, user_errors

    with gr.Tab("Negative", id=RECORD.tab_id) as tab:
        picker = gr.Dropdown(choices=ganzoo.list_models(family="negative"), label="Model")
        image, out = gr.Image(type="numpy"), gr.Image()
        gr.Button("Invert").click(user_errors(lambda img, name: NegativePipeline.from_pretrained(name)(img)),
                                  [image, picker], out)
    return TabHandles(tab, "negative", picker)


RECORD = registry.Family(
    name="negative", title="colour negative", config="test_registry:NegativeConfig",
    generator="test_registry:Negative",
    description="a 1×1 convolution that turns a picture into its colour negative.",
    pipeline="test_registry:NegativePipeline", task="test_registry:NegativeTask",
    command="test_registry:COMMAND", evaluator="test_registry:negative_metrics", tab="test_registry:build_negative_tab",
    usage=("pipe = NegativePipeline.from_pretrained({name})",))


@pytest.fixture
def negative_family():
    registry.register(RECORD)
    yield RECORD
    registry.FAMILIES.pop("negative")


def test_a_family_added_in_one_file_trains_loads_runs_and_is_measured(negative_family, tmp_path):
    import ganzoo
    from ganzoo import zoo
    from ganzoo.evaluate import evaluate

    assert "negative" in cli.families()
    out = cli.main("negative", ["--steps", "60", "--ckpt-every", "100", "--sample-every", "60", "--no-progress",
                                "--out", str(tmp_path / "run")])

    ckpt = ganzoo.load(out)
    assert ckpt.family == "negative" and isinstance(ckpt.model, Negative)
    pipe = negative_family.load("pipeline").from_pretrained(out)
    picture = np.full((16, 16, 3), (200, 30, 90), np.uint8)
    assert np.abs(np.asarray(pipe(picture), int) - (55, 225, 165)).max() < 40      # it learnt the negative
    card = (out / "README.md").read_text()
    assert "a 1×1 convolution that turns a picture into its colour negative" in card
    assert "NegativePipeline.from_pretrained('final')" in card
    row = zoo.table([zoo.entry(str(out))])[0]
    assert row[1] == "colour negative"
    rep = evaluate(out, write=True)
    assert rep.metrics["negative_l1"] < 0.2
    written = ganzoo.hub.read_config(out)
    assert written["metrics"]["negative_l1"] == rep.metrics["negative_l1"]
    assert written["metrics_notes"].startswith("Measured by `python -m ganzoo.evaluate`: mean L1")
    assert written["training"]["command"].startswith("python tests/test_registry.py --steps 60")


def test_the_app_builds_a_tab_for_every_family_that_names_one(negative_family):
    """app.py builds its tabs from the registry, in its order, then the zoo, whose "open in its
    tab" finds each family's tab by the record's tab_id."""
    import gradio as gr

    import app

    demo = app.build_app()
    ids = [b.id for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    wanted = [f.tab_id for f in registry.FAMILIES.values() if f.tab]
    assert ids == wanted + ["zoo"]
    assert wanted == ["latent", "sketch", "transfer", "inpaint", "upscale", "test_registry"]


def test_every_training_flag_says_what_it_does():
    """Every flag of every family's training command has its help text (a config field's from its
    metadata: ganzoo.training.task.setting)."""
    for family in cli.families():
        for action in cli.build_parser(family)._actions:
            assert action.help and action.help.strip() not in ("", "(default: None)") and \
                not action.help.startswith("(default"), (family, action.option_strings)


def test_the_bundled_families_name_what_exists():
    for record in registry.FAMILIES.values():
        for field in ("config", "generator", "pipeline", "task", "evaluator", "tab"):
            if getattr(record, field):
                assert callable(record.load(field)), (record.name, field)
        if record.command:
            assert isinstance(record.load("command"), cli.Command), record.name
        if record.task:
            assert record.load("task").family == record.name
        if record.pipeline:
            assert record.load("pipeline").family == record.name
