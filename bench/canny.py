#!/usr/bin/env python
"""Edge sketches: the hand-written torch Canny against cv2.Canny given the same inputs.

    python bench/canny.py [--threads 2] [--emoji 256] [--ours-commit dba0c4a]

Both make `edges_to_sketch` sketches (ganzoo.data.edges): Gaussian blur of sigma max(H, W) / 128,
3×3 Sobel per colour channel, the strongest channel's gradient per pixel, thresholds per image
from the same quantile of its non-zero gradient magnitudes (L2), non-maximum suppression,
hysteresis. "torch" is the hand-written module as of --ours-commit (read with `git show`, so this
bench still runs after it was replaced); "cv2" is ganzoo.data.edges as it is now
(cv2.GaussianBlur + cv2.Sobel on float pixels, cv2.Canny on the int16 gradients).

Data the project uses: Twemoji train images at 128 px (what `edges:emoji` feeds it), MNIST
(one grey channel, 28 px) and the example photos (examples/photos, scikit-image's test photos)
cropped square at 128 and 512 px; plus a red disc on green (no luminance edge).
Speed: median ms per image, both on --threads threads (torch.set_num_threads, cv2.setNumThreads),
interleaved. Quality: edge pixels of each, F1 of the edge pixels (exact, and with 1 px of
tolerance: an edge pixel counts as matched when the other map has one in its 3×3 neighbourhood).
Writes bench/results/canny.json and a grid bench/out/canny_grid.png (image | torch | cv2 | where
they differ: red only torch, blue only cv2; 512-px photos: their central 256 px).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ganzoo.data import load_images  # noqa: E402
from ganzoo.data.edges import edges_to_sketch  # noqa: E402
from timing import interleaved_ms, machine  # noqa: E402


def torch_detector(commit: str):
    """edges_to_sketch of ganzoo/data/edges.py as of `commit` (the torch implementation)."""
    src = subprocess.run(["git", "show", f"{commit}:ganzoo/data/edges.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    if "import torch" not in src:
        raise SystemExit(f"ganzoo/data/edges.py at {commit} is not the torch implementation")
    mod = types.ModuleType("edges_torch")
    exec(compile(src, f"{commit}:ganzoo/data/edges.py", "exec"), mod.__dict__)  # noqa: S102 - our own file from git
    return mod.edges_to_sketch


def photos(size: int) -> np.ndarray:
    out = []
    for f in sorted((ROOT / "examples" / "photos").glob("*.jpg")):
        im = Image.open(f).convert("RGB")
        s = min(im.size)
        left, top = (im.width - s) // 2, (im.height - s) // 2
        out.append(np.asarray(im.crop((left, top, left + s, top + s)).resize((size, size), Image.LANCZOS)))
    return np.stack(out)


def red_disc_on_green(size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2
    img = np.zeros((1, size, size, 3), np.uint8)
    img[0][disc] = (200, 40, 40)
    img[0][~disc] = (60, 108, 60)  # the red's luminance (88 of 255): no grey edge
    return img


def compare(a: np.ndarray, b: np.ndarray) -> dict:
    ea, eb = a[..., 0] == 0, b[..., 0] == 0
    kernel = np.ones((3, 3), np.uint8)
    grow = lambda e: np.stack([cv2.dilate(x.astype(np.uint8), kernel) for x in e]) > 0  # noqa: E731
    da, db = grow(ea), grow(eb)
    na, nb = int(ea.sum()), int(eb.sum())
    exact = 2 * int((ea & eb).sum()) / max(1, na + nb)
    precision, recall = (eb & da).sum() / max(1, nb), (ea & db).sum() / max(1, na)
    tol = 2 * precision * recall / max(1e-12, precision + recall)
    per_image = [2 * int((x & y).sum()) / max(1, int(x.sum() + y.sum())) for x, y in zip(ea, eb) if x.any() or y.any()]
    return {"edge_px_torch": na, "edge_px_cv2": nb, "f1_exact": exact, "f1_1px": float(tol),
            "f1_exact_worst_image": min(per_image) if per_image else None,
            "identical_images": int(sum((x == y).all() for x, y in zip(ea, eb)))}


def grid(rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]], cell: int, path: Path) -> None:
    tiles = []
    for img, a, b in rows:
        img = img if img.shape[-1] == 3 else np.repeat(img[..., :1], 3, -1)
        ea, eb = a[..., 0] == 0, b[..., 0] == 0
        diff = np.full(img.shape, 255, np.uint8)
        diff[ea & eb] = 0
        diff[ea & ~eb] = (230, 0, 0)
        diff[eb & ~ea] = (0, 0, 230)
        row = [img, np.repeat(a, 3, -1), np.repeat(b, 3, -1), diff]
        if img.shape[0] > cell:  # a big photo: its centre at full resolution (1-px lines do not survive a resize)
            o = (img.shape[0] - cell) // 2
            row = [x[o:o + cell, o:o + cell] for x in row]
        row = [np.asarray(Image.fromarray(x).resize((cell, cell), Image.NEAREST)) for x in row]
        tiles.append(np.concatenate([np.pad(x, ((2, 2), (2, 2), (0, 0)), constant_values=128) for x in row], 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(tiles, 0)).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--emoji", type=int, default=256, help="Twemoji train images (evenly spaced over the set)")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per set (medians)")
    ap.add_argument("--ours-commit", default="dba0c4a", help="commit with the torch ganzoo/data/edges.py")
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "canny.json"))
    ap.add_argument("--grid", default=str(ROOT / "bench" / "out" / "canny_grid.png"))
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    at_start = machine(args.note)
    ours = torch_detector(args.ours_commit)

    emoji = load_images("emoji", "train", 128).images
    mnist = load_images("mnist", "test", 28).images
    sets = {"emoji 128 px": emoji[np.linspace(0, len(emoji) - 1, args.emoji).astype(int)],
            "mnist 28 px (grey)": mnist[:256],
            "photos 128 px": photos(128), "photos 512 px": photos(512),
            "red disc on green 64 px": red_disc_on_green()}
    rows, outputs = [], {}
    for name, imgs in sets.items():
        a, b = ours(imgs), edges_to_sketch(imgs)
        outputs[name] = (imgs, a, b)
        runs = args.runs if len(imgs) > 8 else 4 * args.runs
        t_ours, t_cv2 = interleaved_ms([lambda imgs=imgs: ours(imgs), lambda imgs=imgs: edges_to_sketch(imgs)], runs, 1)
        rows.append({"set": name, "images": len(imgs), "ms_per_image_torch": t_ours / len(imgs),
                     "ms_per_image_cv2": t_cv2 / len(imgs), "speedup": t_ours / t_cv2, **compare(a, b)})

    print(f"\n{at_start['cpu']}, {at_start['cores']} cores, {args.threads} threads, torch {torch.__version__}, "
          f"cv2 {cv2.__version__}, load {at_start['loadavg']}\n")
    print("| set | images | torch ms/img | cv2 ms/img | speed-up | edge px torch | edge px cv2 | F1 exact | F1 ±1 px "
          "| worst image F1 | identical |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        worst = f"{r['f1_exact_worst_image']:.3f}" if r["f1_exact_worst_image"] is not None else "—"
        print(f"| {r['set']} | {r['images']} | {r['ms_per_image_torch']:.2f} | {r['ms_per_image_cv2']:.2f} "
              f"| {r['speedup']:.1f}× | {r['edge_px_torch']} | {r['edge_px_cv2']} | {r['f1_exact']:.4f} "
              f"| {r['f1_1px']:.4f} | {worst} | {r['identical_images']}/{r['images']} |")

    picks = [("emoji 128 px", i) for i in range(0, args.emoji, max(1, args.emoji // 5))][:5]
    picks += [("photos 512 px", i) for i in range(len(sets["photos 512 px"]))] + [("red disc on green 64 px", 0)]
    grid([tuple(x[i] for x in outputs[s]) for s, i in picks], 256, Path(args.grid))
    print(f"\nwrote {args.grid}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": at_start, "loadavg_end": machine()["loadavg"], "threads": args.threads, "runs": args.runs,
            "cv2": cv2.__version__, "torch_commit": args.ours_commit, "rows": rows}, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
