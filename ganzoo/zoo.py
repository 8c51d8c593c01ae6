"""What the zoo knows about each installed checkpoint, read from its folder without building the network.

The app's zoo tab renders these entries; `python -m ganzoo.zoo` prints them as a table.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from safetensors import safe_open

from . import hub, registry
from .cards import origins
from .metric_names import formatted, headline, headline_keys, human

# sections of a card the zoo tab shows open; every other one is folded (ZooEntry.visitor_card)
OPEN_SECTIONS = ("Sliders",)
SHORT_ROWS = 9   # at most this many numbers in a card's short table

@dataclass
class ZooEntry:
    name: str
    family: str
    path: Path
    config: dict
    params: int
    size_mb: float

    @property
    def tab(self) -> str | None:
        """The app tab that runs this model (classifiers have none: they are the metrics' judges)."""
        record = registry.FAMILIES.get(self.family)
        return record.tab_id if record else None

    @property
    def family_title(self) -> str:
        record = registry.FAMILIES.get(self.family)
        return record.title if record else self.family

    @property
    def data(self) -> str:
        d = self.config.get("data", {})
        if self.config.get("domains"):
            return " ↔ ".join(self.config["domains"])
        return "+".join(d.get("sources", [])) or d.get("name", "?")

    @property
    def loss(self) -> str:
        return self.config.get("training", {}).get("train", {}).get("loss", "")

    @property
    def image_size(self) -> int | None:
        return self.config.get("model", {}).get("img_size")

    def headline(self) -> str:
        """What it measured, in words (metric_names); the card lists every number with its key."""
        return headline(self.config.get("metrics", {}), self.config.get("domains"))

    @property
    def command(self) -> str:
        tr = self.config.get("training", {})
        return "\n".join(c for c in [tr.get("command"), *tr.get("resumed_with", [])] if c)

    @property
    def trained(self) -> str:
        tr = self.config.get("training", {})
        if not tr:
            return ""
        parts = [f"{tr['steps']:,} steps × {tr['batch_size']}" if "steps" in tr else "",
                 f"{tr['wall_time_s'] / 60:.0f} min" if "wall_time_s" in tr else "", tr.get("hardware", "")]
        text = ", ".join(p for p in parts if p)
        # --init-from: the runs its generator came from count too
        earlier = [f"{o['steps']:,} × {o['batch_size']}" if "steps" in o else "?" for o in origins(tr)]
        return text + (f" (after {' + '.join(earlier)} steps of the run it started from)" if earlier else "")

    def card(self) -> str:
        """The model card's markdown without its YAML header and without the images (the tab shows
        the sample grid itself; relative image links do not resolve in the browser)."""
        path = self.path / "README.md"
        if not path.is_file():
            return f"# {self.name}\n\n(no model card)"
        text = path.read_text()
        text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)\n?", "", text)
        return re.sub(r"## Samples\s*\n(?=#|\Z)", "", text).strip()

    def visitor_card(self) -> str:
        """The card as the zoo tab shows it, short enough to read on a phone: its introduction,
        the sliders (latent models), a short table of the numbers the zoo's "how good" speaks of,
        and every other section folded (<details>), the full metrics table with its keys among
        them (emoji-inpaint's has 72 rows)."""
        head, *sections = re.split(r"^## ", self.card(), flags=re.M)
        out = [head.rstrip()]
        for section in sections:
            title, _, body = section.partition("\n")
            body = body.strip()
            if title.strip() in OPEN_SECTIONS:
                out.append(f"## {title}\n\n{body}")
                continue
            if title.strip() == "Metrics":
                short = self._short_table()
                if short:
                    out.append("## How good\n\n" + short)
                title = "Metrics: every number, with its key"
            out.append(f"<details><summary>{title.strip()}</summary>\n\n{body}\n\n</details>")
        return "\n\n".join(out)

    def _short_table(self) -> str:
        """The headline's numbers (else the first ones), in the card's words, without the keys."""
        metrics, domains = self.config.get("metrics", {}), self.config.get("domains")
        keys = set(headline_keys(metrics))
        picked = [k for k in metrics if k in keys] or list(metrics)
        if not picked:
            return ""
        return "\n".join(["| what was measured | value |", "|---|---|",
                          *(f"| {human(k, domains)} | {formatted(k, metrics[k], domains)} |" for k in picked[:SHORT_ROWS])])

    def grid(self) -> Path | None:
        p = self.path / "samples.png"
        return p if p.is_file() else None


def _param_count(weights: Path) -> int:
    n = 0
    with safe_open(str(weights), "pt") as f:
        for key in f.keys():
            shape = f.get_slice(key).get_shape()
            count = 1
            for s in shape:
                count *= s
            n += count
    return n


def entry(name: str) -> ZooEntry:
    path = hub.resolve(name)
    config = json.loads((path / hub.CONFIG_NAME).read_text())
    weights = path / hub.WEIGHTS_NAME
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return ZooEntry(name=name, family=config.get("family", "?"), path=path, config=config,
                    params=_param_count(weights) if weights.is_file() else 0, size_mb=size / 2 ** 20)


def entries() -> list[ZooEntry]:
    """Every installed checkpoint that can be read; a broken folder is left out (loading it says why)."""
    out = []
    for name in hub.list_models():
        try:
            out.append(entry(name))
        except Exception:  # noqa: BLE001 - unreadable weights/config: the tabs report it on load
            continue
    return out


def table(items: list[ZooEntry] | None = None) -> list[list]:
    rows = []
    for e in items if items is not None else entries():
        rows.append([e.name, e.family_title + (f" ({e.loss})" if e.loss else ""), e.data,
                     f"{e.image_size} px" if e.image_size else "", f"{e.params / 1e6:.2f} M",
                     f"{e.size_mb:.1f} MB", e.headline(), e.trained])
    return rows


HEADERS = ["model", "family", "data", "image", "weights", "on disk", "how good", "trained"]


def main():
    rows = table()
    print("| " + " | ".join(HEADERS) + " |\n|" + "---|" * len(HEADERS))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


if __name__ == "__main__":
    main()
