"""A new model family is its own code plus one registry record: here a tiny "negative" family
(a 1×1 convolution that learns to invert colours), written in this file alone, trains with the
shared loop, exports, loads, runs through its pipeline, gets a generated card, shows in the zoo
and is measured by `ganzoo.evaluate` without touching any other file."""
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
from ganzoo.training.optim import adam
from ganzoo.training.task import Task, cpu_copy
from ganzoo.utils import to_pil
from helpers import tiny_loop


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
        self.G, self.opt = accelerator.prepare(G, adam(G.parameters(), self.tcfg.lr, 0.9, 0.999, accelerator.device))
        self.noise = torch.Generator(device=accelerator.device).manual_seed(seed)

    def modules(self):
        return {"G": self.G}

    def optimizers(self):
        return {"G": self.opt}

    def train_step(self, batches, step):
        x = batches[0]["image"]
        loss = F.l1_loss(self.G(x), -x)
        self.opt.zero_grad(set_to_none=True)
        self.acc.backward(loss)
        self.opt.step()
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
    lr: float = 0.05


RECORD = registry.Family(
    "negative", "colour negative", "test_registry:NegativeConfig", "test_registry:Negative",
    "a 1×1 convolution that turns a picture into its colour negative.",
    pipeline="test_registry:NegativePipeline", task="test_registry:NegativeTask",
    evaluator="test_registry:negative_metrics",
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
    from ganzoo.training import fit

    images = np.random.default_rng(1).integers(0, 256, (32, 16, 16, 3), dtype=np.uint8)
    data = SimpleNamespace(images=images, labels=None, name="noise")
    task = negative_family.load("task")(NegativeConfig(), NegativeTrainConfig(), {"name": "noise"})
    out = fit(task, data, tiny_loop(tmp_path / "run", steps=60, batch_size=8, ckpt_every=100))

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


def test_the_bundled_families_name_what_exists():
    for record in registry.FAMILIES.values():
        for field in ("config", "generator", "pipeline", "task", "evaluator"):
            if getattr(record, field):
                assert callable(record.load(field)), (record.name, field)
        if record.task:
            assert record.load("task").family == record.name
        if record.pipeline:
            assert record.load("pipeline").family == record.name
