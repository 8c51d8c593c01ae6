"""The bundled model cards and the zoo speak to visitors: each card is titled by its model's name and
is what its config generates; every stored metric has words (its raw key stays in the card)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ganzoo import metric_names, zoo
from ganzoo.cards import write_model_card

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p for p in (ROOT / "checkpoints").iterdir() if (p / "README.md").is_file())


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_a_bundled_card_is_titled_by_its_model_and_generated_from_its_config(folder, tmp_path):
    card = (folder / "README.md").read_text()
    assert re.search(rf"^# {re.escape(folder.name)}$", card, re.M), "the card's title is not the model's name"
    assert f"- name: {folder.name}\n" in card or "model-index" not in card
    copy = tmp_path / folder.name
    copy.mkdir()
    for f in folder.iterdir():   # the config and the pictures the card shows (not the weights)
        if f.name == "config.json" or f.suffix == ".png":
            (copy / f.name).write_bytes(f.read_bytes())
    assert write_model_card(copy).read_text() == card, "the card differs from what its config generates"


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_metric_has_words(folder):
    cfg = json.loads((folder / "config.json").read_text())
    unknown = [k for k in cfg.get("metrics", {}) if metric_names.human(k, cfg.get("domains")) == k]
    assert not unknown, f"metrics without words (ganzoo/metric_names.py): {unknown}"


def test_metric_words_and_headline():
    assert metric_names.human("heldout_a2b_top1", ("noto", "twemoji")) == "true partner found first, noto → twemoji"
    assert metric_names.human("heldout_128px_small_ganzoo_psnr") == "PSNR, dB in the hole, 128-px pictures, small holes"
    assert metric_names.formatted("class_accuracy", 0.9919) == "99%"
    assert metric_names.human("made_up_key") == "made_up_key"
    assert metric_names.headline({"heldout_64px_small_gain_db": 0.5, "heldout_256px_large_gain_db": 1.8}) == \
        "PSNR in the hole over classical inpainting: +0.5 to +1.8 dB"
    for e in zoo.entries():
        assert "_" not in e.headline(), (e.name, e.headline())   # words, not keys
