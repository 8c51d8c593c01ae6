"""Visitors of the real app, as gradio_client sessions: valid, varied inputs for every tab's API
endpoint (Inputs), one call (call_once), and a session that loops over a weighted mix of
endpoints until a deadline (session). Used by bench/load.py."""
from __future__ import annotations

import random
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# endpoint label -> weight in each session's mix (a slider drag sends many /generate calls; the
# heavy buttons are pressed less often). Labels are api names, /domain_transfer split by direction.
MIX = {
    "/generate": 6,
    "/grid": 1,
    "/interpolate": 0.5,
    "/sketch2img": 3,
    "/upload2img": 1,
    "/domain_transfer a2b": 1.5,
    "/domain_transfer b2a": 1.5,
    "/inpaint": 3,
    "/zoo_card": 0.5,
}
# classes of the latent models the mix uses (the API lists only the default model's classes)
LATENT_CLASSES = {"emoji-gan": ["noto", "twemoji"]}


class Inputs:
    """Files for the endpoints, and one call's (args, kwargs) per endpoint label."""

    def __init__(self, workdir: Path, api: dict):
        from PIL import Image, ImageDraw

        self.api = api
        gen = {p["parameter_name"]: p for p in api["/generate"]["parameters"]}
        self.latent_default = gen["model"]["parameter_default"]
        enum = gen["class_name"]["python_type"]["type"]
        self.latent_classes = {self.latent_default: [c.strip(" '\"") for c in
                                                     enum[enum.index("[") + 1:enum.rindex("]")].split(",")]}
        models = gen["model"]["python_type"]["type"]
        self.latent_classes.update({m: c for m, c in LATENT_CLASSES.items() if f"'{m}'" in models})

        rng = random.Random(0)
        sk = workdir / "sketches"
        sk.mkdir(parents=True, exist_ok=True)
        self.sketches = []
        for i in range(8):   # black strokes on white, as the drawing pad sends them
            im = Image.new("RGB", (384, 384), "white")
            d = ImageDraw.Draw(im)
            cx, cy, r = rng.randint(150, 234), rng.randint(150, 234), rng.randint(70, 130)
            d.ellipse((cx - r, cy - r, cx + r, cy + r), outline="black", width=6)
            for _ in range(rng.randint(1, 4)):
                d.line([(rng.randint(60, 324), rng.randint(60, 324)) for _ in range(rng.randint(2, 4))],
                       fill="black", width=6)
            im.save(sk / f"sketch{i}.png")
            self.sketches.append(str(sk / f"sketch{i}.png"))
        from appkit.drawpad import as_value   # the pad's value: the drawing as a PNG data URL

        self.pad_values = {p: as_value(p) for p in self.sketches}
        ex = ROOT / "examples"
        self.drawings = sorted(map(str, (ex / "sketches").glob("*.png")))
        self.noto = sorted(map(str, (ex / "transfer").glob("noto_*.png")))
        self.twemoji = sorted(map(str, (ex / "transfer").glob("twemoji_*.png")))
        self.inpaint = [(str(p), str(p.with_name(p.stem + ".mask.png")))
                        for p in sorted((ex / "inpaint").glob("*.png"))
                        if not p.name.endswith((".mask.png", ".composite.png"))
                        and p.with_name(p.stem + ".mask.png").is_file()]
        zoo = api["/zoo_card"]["parameters"][0]["python_type"]["type"]
        self.zoo = [m.strip(" '\"") for m in zoo[zoo.index("[") + 1:zoo.rindex("]")].split(",")]
        missing = [k for k, v in dict(sketches=self.drawings, noto=self.noto, twemoji=self.twemoji,
                                      inpaint=self.inpaint).items() if not v]
        if missing:
            raise SystemExit(f"examples missing for: {', '.join(missing)} (examples/*)")

    def _latent(self, rng: random.Random) -> dict:
        model = rng.choice(sorted(self.latent_classes))
        v = dict(seed=rng.randint(0, 9999), class_name=rng.choice(self.latent_classes[model]),
                 truncation=round(rng.uniform(0.1, 2.0) / 0.05) * 0.05, model=model)
        v.update({f"dir{i}": round(rng.uniform(-5, 5), 1) for i in range(1, 9)})
        return v

    def call(self, label: str, rng: random.Random, frames: int | None = None) -> tuple[str, tuple, dict]:
        from gradio_client import handle_file

        if label == "/generate":
            return label, (), self._latent(rng)
        if label == "/grid":
            v = self._latent(rng)
            v["seed"] = min(v["seed"], 9999 - 15)
            return label, (), v
        if label == "/interpolate":
            v = self._latent(rng)
            v["seed_a"] = v.pop("seed")
            return label, (), dict(v, seed_b=rng.randint(0, 9999), frames=frames or rng.randint(4, 16))
        if label == "/sketch2img":
            return label, (self.pad_values[rng.choice(self.sketches)],), {}
        if label == "/upload2img":
            return label, (handle_file(rng.choice(self.drawings)),), {}
        if label.startswith("/domain_transfer"):
            d = label.split()[1]
            return "/domain_transfer", (), dict(image=handle_file(rng.choice(self.noto if d == "a2b" else self.twemoji)),
                                                direction=d)
        if label == "/inpaint":
            bg, mask = rng.choice(self.inpaint)
            return label, ({"background": handle_file(bg), "layers": [handle_file(mask)], "composite": None},), {}
        if label == "/zoo_card":
            return label, (rng.choice(self.zoo),), {}
        raise KeyError(label)


def _error_text(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    return f"{type(e).__name__}: {msg}"[:300]


def call_once(client, inputs: Inputs, label: str, rng: random.Random) -> dict:
    api_name, args, kwargs = inputs.call(label, rng)
    t = time.perf_counter()
    try:
        client.predict(*args, api_name=api_name, **kwargs)
        ok, err = True, None
    except Exception as e:  # noqa: BLE001 — every failure is a result here
        ok, err = False, _error_text(e)
    return dict(endpoint=label, latency_ms=(time.perf_counter() - t) * 1e3, ok=ok, error=err)


def session(url: str, idx: int, inputs: Inputs, mix: dict, start: threading.Barrier, t_end: list,
            out: list, t0: float):
    from gradio_client import Client

    rng = random.Random(1000 + idx)
    labels, weights = zip(*mix.items())
    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001
        out.append(dict(client=idx, endpoint="(connect)", t_start=0.0, latency_ms=float("nan"), ok=False,
                        error=_error_text(e)))
        start.wait()
        return
    start.wait()
    try:
        while time.perf_counter() < t_end[0]:
            label = rng.choices(labels, weights)[0]
            ts = time.perf_counter() - t0
            r = call_once(client, inputs, label, rng)
            out.append(dict(client=idx, t_start=ts, **r))
    finally:
        client.close()
