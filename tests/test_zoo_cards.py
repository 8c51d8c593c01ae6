"""The zoo tab's card (ZooEntry.visitor_card): short for visitors, nothing lost (folded)."""
from __future__ import annotations

import os
import re

import pytest

from ganzoo import zoo

pytestmark = pytest.mark.skipif(bool(os.environ.get("GANZOO_CHECKPOINTS")), reason="reads the bundled checkpoints")


def _shown(card: str) -> str:
    """What a visitor sees before unfolding anything."""
    return re.sub(r"<details>.*?</details>", "", card, flags=re.S)


@pytest.mark.parametrize("name", ["emoji-inpaint", "sketch2emoji", "emoji-sr", "mnist-cgan", "noto2twemoji", "emoji-gan"])
def test_a_card_shows_a_short_table_and_folds_the_rest(name):
    e = zoo.entry(name)
    full, card = e.card(), e.visitor_card()
    shown = _shown(card)
    assert "## How good" in shown
    short = shown.split("## How good", 1)[1].split("\n## ", 1)[0]
    table = [line for line in short.splitlines() if line.startswith("| ")]
    assert 2 <= len(table) <= zoo.SHORT_ROWS + 1, table
    assert all(line.count("|") == 3 for line in table)            # what and value: no key column
    assert "`" not in "".join(table)
    # every number of the metrics table is still there, folded with its key
    keys = re.findall(r"\| `([a-z0-9_]+)` \|", full)
    assert keys and all(f"`{k}`" in card for k in keys)
    assert card.count("<details>") == card.count("</details>") >= 2
    lines = [line for line in shown.splitlines() if line.strip()]
    assert len(lines) <= 40 < len([line for line in full.splitlines() if line.strip()]), len(lines)


def test_the_inpainter_card_leads_with_its_gain_over_opencv_at_every_size():
    shown = _shown(zoo.entry("emoji-inpaint").visitor_card())
    rows = [line for line in shown.splitlines() if "PSNR gain over classical" in line]
    assert len(rows) == 9   # 3 picture sizes × 3 hole sizes


def test_the_sliders_stay_open_on_a_latent_card():
    shown = _shown(zoo.entry("mnist-cgan").visitor_card())
    assert "## Sliders" in shown and "direction" in shown
