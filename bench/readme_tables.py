#!/usr/bin/env python
"""The README's result and benchmark tables, generated from what measured them: the checkpoints'
config.json (model zoo, inpainting) and the benches' JSON in bench/results/ (training throughput,
inpainting latency, the MNIST study, the colour latent recipe pilots, the soak, stroke latency). Between its markers a table is never edited by hand:

    <!-- table: zoo -->
    ...
    <!-- /table -->

    python bench/readme_tables.py           # rewrite every marked table in README.md
    python bench/readme_tables.py --check   # exit 1 and say which table differs (tests/test_readme.py)
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
        g = lambda what: m[f"heldout_{px}px_{hole}_{what}"]  # noqa: E731
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


def recipes_table(file: str = "emoji_recipes.json") -> str:
    """The colour latent-GAN recipe pilots (bench/emoji_recipes.py)."""
    from emoji_recipes import table

    return table(json.loads((RESULTS / file).read_text())["rows"]) + "\n"


TABLES = {"zoo": zoo_table, "released": released_table, "inpaint": inpaint_table, "throughput": throughput_table,
          "inpaint-latency": inpaint_latency_table, "study": study_table, "soak": soak_table,
          "stroke-latency": stroke_latency_table, "emoji-recipes": recipes_table}
# equal wall-clock pilots (bench/emoji_recipes.py --minutes M): one table per budget, emoji-recipes-Mmin
TABLES.update({f.stem.replace("_", "-"): (lambda name=f.name: recipes_table(name))
               for f in RESULTS.glob("emoji_recipes_*min.json")})


def render(text: str) -> tuple[str, list[str]]:
    """README text with every marked table regenerated, and the names of those that changed."""
    changed = []

    def fill(m):
        new = TABLES[m.group(2)]()
        if new != m.group(3):
            changed.append(m.group(2))
        return m.group(1) + new + m.group(4)

    return MARKER.sub(fill, text), changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only report tables that differ from their sources")
    ap.add_argument("--readme", default=str(ROOT / "README.md"))
    a = ap.parse_args(argv)
    path = Path(a.readme)
    text, changed = render(path.read_text())
    if a.check:
        if changed:
            print(f"README tables out of date: {', '.join(changed)} (python bench/readme_tables.py)")
            return 1
        print("README tables match their sources")
        return 0
    path.write_text(text)
    print(f"rewrote {', '.join(changed) or 'nothing (all current)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
