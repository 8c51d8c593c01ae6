"""The bundled model cards and the zoo speak to visitors: each card is titled by its model's name and
is what its config generates; every stored metric has words (its raw key stays in the card)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from ganzoo import metric_names, registry, zoo
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
def test_a_bundled_cards_metadata_is_what_huggingface_hub_reads_back(folder):
    """The front matter parses with huggingface_hub (a model-index it cannot read raises) into the
    config's license, tags, data sets and every numeric metric with its value."""
    cfg = json.loads((folder / "config.json").read_text())
    data = ModelCard.load(folder / "README.md").data
    sources = cfg["data"]["sources"]
    assert data.library_name == "ganzoo"
    # one license when the data has one (OpenMoji's share-alike), else "other" (MNIST: none stated; Noto + Twemoji: two)
    assert data.license == {("openmoji",): "cc-by-sa-4.0"}.get(tuple(sources), "other")
    assert data.datasets == sources
    assert data.tags == [t for t in ["gan", "ganzoo", cfg["family"], cfg["training"].get("train", {}).get("loss")] if t]
    numeric = {k: v for k, v in cfg.get("metrics", {}).items() if isinstance(v, (int, float))}
    assert numeric, "a bundled model without measured numbers"
    assert data.model_name == folder.name
    assert {r.metric_type: r.metric_value for r in data.eval_results} == numeric
    assert len(data.eval_results) == len(numeric)
    task = registry.FAMILIES[cfg["family"]].hf_task or (
        "conditional-image-generation" if cfg["model"].get("num_classes") else "unconditional-image-generation")
    assert {r.task_type for r in data.eval_results} == {task}
    assert {(r.dataset_type, r.dataset_name) for r in data.eval_results} == {(cfg["data"]["name"], " + ".join(sources))}


def test_a_released_models_card_has_no_datasets_or_model_index(tmp_path):
    folder = tmp_path / "some-release"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "family": "cyclegan", "model": {"img_size": 256, "in_channels": 3, "out_channels": 3}, "domains": ["a", "b"],
        "released": {"title": "a → b", "source": "somewhere", "citation": "someone", "data": "not stated", "inputs": "a photo"}}))
    card = ModelCard.load(write_model_card(folder))
    assert card.data.to_dict() == {"library_name": "ganzoo", "license": "other", "tags": ["gan", "ganzoo", "cyclegan"]}
    assert "## Where the weights come from" in card.text and "## Training data" not in card.text


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
