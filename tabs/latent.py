"""Latent space tab: seed, class, truncation and SeFa direction sliders with a live image, a 4×4
grid and a seed-to-seed interpolation GIF."""
from __future__ import annotations

import random
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

import gradio as gr
import numpy as np

from PIL import Image
from ganzoo import hub, latents, upscalers
from ganzoo.errors import InputError
from ganzoo.pipelines import LatentPipeline, SRPipeline
from ganzoo.pipelines.latent import MAX_SEED
from ganzoo.showcase import TRUNCATION as SHOWCASE_TRUNCATION

from appkit.common import (PipelineCache, TabHandles, log, number, opening, payload_path, picker_fetch, upscale,
                           user_errors)

N_DIRECTIONS = 8
DIRECTION_RANGE = 5.0
SEED_UI_MAX = 9999            # the slider's range; the API accepts any seed the pipeline does
DISPLAY_PX = 256              # single images are shown at about this size
GRID_DISPLAY_PX = 512
SMOOTH_FROM_PX = 64           # pictures this large are enlarged smoothly; smaller ones (digits) keep crisp pixels
SEED0 = 48                    # the first seed of a model without a measured showcase (ganzoo.showcase)
TRUNCATION0 = SHOWCASE_TRUNCATION

LATENT = PipelineCache("latent", LatentPipeline.from_pretrained, catalogue=latents)
FACES = latents.FACES.name    # shown first when installed (app.py fetches it at start-up)
# "sharpen ×4": the 64-px sample enlarged by Real-ESRGAN's compact network (converted offline from its
# package) instead of Lanczos; only colour models of at least this size (a 28-px digit stays crisp)
SHARPEN_MODEL, SHARPEN_FROM_PX, SHARPEN_TO_PX = "realesr-animevideov3", 64, 128
SHARPENER = PipelineCache("sr", SRPipeline.from_pretrained, catalogue=upscalers)
_sharpen_off: list[str] = []     # why sharpening is not available, once it failed (logged once)
_GIF_DIR = Path(tempfile.gettempdir()) / "ganzoo-app-gifs"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_GIF_KEEP_S = 600             # our GIF files are copied into gradio's cache when returned
# Models with a preview head (the 1024-px FastGANs: ~1 s a picture) show the 128-px preview while a
# slider is dragged and the full picture on release. The page may send the drag's last value after
# the release (trigger_mode="always_last"), so the last full pictures are kept: a preview request for
# exactly those settings gets the full picture back instead of replacing it with the preview.
_FULL: OrderedDict = OrderedDict()
_FULL_KEEP = 8
_full_lock = threading.Lock()


def _display(img, target: int, tile: int | None = None):
    """A picture enlarged for the page: smoothly for colour models' pictures (no big pixels), by
    whole pixels for small ones (a 28-px digit stays sharp)."""
    if (tile or min(img.size)) < SMOOTH_FROM_PX:
        return upscale(img, target)
    s = target / max(img.size)
    return img if s <= 1 else img.resize((round(img.width * s), round(img.height * s)), Image.Resampling.LANCZOS)


def _sharpener_pipe() -> SRPipeline | None:
    """The compact SR pipeline of "sharpen ×4" (converted once), or None, logged once, where it cannot be made."""
    if _sharpen_off:
        return None
    try:
        return SHARPENER.get(SHARPEN_MODEL)
    except Exception as e:   # never fatal: the picture is enlarged with Lanczos instead
        _sharpen_off.append(str(e))
        log.warning("sharpen ×4 is not available (%s): pictures are enlarged with Lanczos", e)
        return None


def sharpens(p: LatentPipeline) -> bool:
    """Whether "sharpen ×4" applies to a model's pictures (colour, SHARPEN_FROM_PX to SHARPEN_TO_PX)."""
    return p.cfg.channels == 3 and SHARPEN_FROM_PX <= p.cfg.img_size <= SHARPEN_TO_PX


def _shown(p: LatentPipeline, img: Image.Image, sharpen) -> Image.Image:
    """A sample as the page shows it: ×4 by the compact SR network when `sharpen` is on and applies."""
    if sharpen and sharpens(p) and (sr := _sharpener_pipe()) is not None:
        img = Image.fromarray(sr.upscale_array(np.asarray(img.convert("RGB")), 4))
    return _display(img, DISPLAY_PX)


def _latent_inputs(model, seed, class_name, truncation, dirs, seed_name="seed"):
    """Validate raw request values → (pipeline, kwargs for the pipeline call)."""
    p = LATENT.get(model)
    seed = number(seed, seed_name, 0, MAX_SEED, integer=True)
    truncation = number(truncation, "truncation", 0.1, 2.0)
    shifts = [number(d, f"direction {i + 1}", -DIRECTION_RANGE, DIRECTION_RANGE)
              for i, d in enumerate(dirs)]
    if p.class_names:
        if class_name is None or class_name == "":
            raise InputError(f"choose a class; this model knows {', '.join(p.class_names)}")
        if str(class_name) not in p.class_names:
            raise InputError(f"unknown class {class_name!r}; this model knows {', '.join(p.class_names)}")
        class_id = str(class_name)
    else:
        class_id = None  # unconditional: the class input is hidden and ignored
    return p, seed, dict(class_id=class_id, truncation=truncation, shifts=shifts)


@user_errors
def latent_generate(seed=SEED0, class_name=None, truncation=TRUNCATION0, dir1=0.0, dir2=0.0, dir3=0.0,
                    dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0, model=None, sharpen=True, found=None,
                    quick=False):
    """One image for a seed, class, truncation and 8 SeFa direction offsets (upscaled PNG); with
    `found` (the page's state after "find my face", not part of the API) the sliders move that
    picture instead of the seed's. quick (the page's, while a slider moves): a model with a preview
    head answers with its preview."""
    p, seed, kw = _latent_inputs(model, seed, class_name, truncation,
                                 [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8])
    if isinstance(found, dict) and found.get("model") == model:
        return _shown(p, p.picture(found["found"], kw["shifts"]), sharpen)
    if not p.preview_size:
        return _shown(p, p(seed=seed, **kw), sharpen)
    key = (model, seed, kw["class_id"], kw["truncation"], tuple(kw["shifts"]))
    with _full_lock:
        full = _FULL.get(key)
    if full is not None or quick:
        return full or _display(p(seed=seed, preview=True, **kw), DISPLAY_PX)
    full = p(seed=seed, **kw)
    with _full_lock:
        _FULL[key] = full
        while len(_FULL) > _FULL_KEEP:
            _FULL.popitem(last=False)
    return full


@user_errors
def latent_find(photo=None, model=None, sharpen=True, progress=gr.Progress()):
    """Find my face: the model's picture closest to an uploaded photo (GAN inversion) → (the picture,
    the page's state for the sliders, a line saying how close it came, the sliders back at 0)."""
    path = payload_path(photo)
    if path is None:
        raise InputError("No photo was uploaded: choose one first (a face filling the square works best).")
    p = LATENT.get(model)
    found = p.find(path, progress=(lambda done, n: progress(done / n, desc=f"searching: step {done} of {n}"))
                   if progress is not None else None)
    line = (f"Found the closest picture this model can make: **{found.psnr:.1f} dB** PSNR against your photo's "
            f"centre square at {p.cfg.img_size} px (higher is closer). The sliders now move this picture; "
            "move the seed to go back to sampling.")
    return (_shown(p, p.picture(found), sharpen), {"model": model, "found": found}, line,
            *([0.0] * N_DIRECTIONS))


@user_errors
def latent_grid(seed=SEED0, class_name=None, truncation=TRUNCATION0, dir1=0.0, dir2=0.0, dir3=0.0,
                dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0, model=None):
    """A 4×4 grid: seeds seed … seed+15 with the same class, truncation and directions."""
    p, seed, kw = _latent_inputs(model, seed, class_name, truncation,
                                 [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8])
    if seed + 15 > MAX_SEED:
        raise InputError(f"seed must be at most {MAX_SEED - 15} for a grid of 16 consecutive seeds")
    return _display(p.grid(seed, n=16, nrow=4, **kw), GRID_DISPLAY_PX, p.preview_size or p.cfg.img_size)


@user_errors
def latent_interpolate(seed_a=SEED0, seed_b=7, frames=24, class_name=None, truncation=TRUNCATION0,
                       dir1=0.0, dir2=0.0, dir3=0.0, dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0,
                       model=None):
    """An animated GIF looping seed_a → seed_b → seed_a (spherical interpolation)."""
    p, seed_a, kw = _latent_inputs(model, seed_a, class_name, truncation,
                                   [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8], "seed A")
    seed_b = number(seed_b, "seed B", 0, MAX_SEED, integer=True)
    frames = number(frames, "frames", 2, 120, integer=True)
    _GIF_DIR.mkdir(parents=True, exist_ok=True)
    _prune_gifs()
    path = _GIF_DIR / f"{model}-{seed_a}-{seed_b}-{uuid.uuid4().hex[:8]}.gif"
    return str(p.interpolation_gif(path, seed_a, seed_b, frames=frames,
                                   scale=max(1, round(DISPLAY_PX / (p.preview_size or p.cfg.img_size))), **kw))


def _prune_gifs():
    cutoff = time.time() - _GIF_KEEP_S
    for f in _GIF_DIR.glob("*.gif"):
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


def _latent_class_update(model, class_name):
    """Class choices for a model: hidden for unconditional models; keeps the class if still valid."""
    try:
        names = LATENT.get(model).class_names
    except Exception:  # the generate call that follows reports the problem
        return gr.update()
    if not names:
        return gr.update(choices=[], value=None, visible=False, interactive=False)
    value = class_name if class_name in names else names[0]
    return gr.update(choices=names, value=value, visible=True, interactive=True)


def _latent_randomise():
    rng = random.Random()
    dirs = [round(max(-DIRECTION_RANGE, min(DIRECTION_RANGE, rng.gauss(0.0, 1.5))), 1)
            for _ in range(N_DIRECTIONS)]
    return [rng.randint(0, SEED_UI_MAX), *dirs]


def _slider_labels(model) -> list[str]:
    """The direction sliders' names: what each one was measured to change (ganzoo.pipelines.sliders)."""
    try:
        names = LATENT.get(model).direction_names if model else []
    except Exception:  # the generate call that follows reports the problem
        names = []
    return [names[i] if i < len(names) else f"direction {i + 1}" for i in range(N_DIRECTIONS)]


def _first_choice(name: str) -> tuple:
    """Sort key of the models to show first: colour models by their measured distance to real
    pictures (best first), then mnist-cgan, then the rest."""
    if name == FACES:       # a real face GAN: what the tab opens on where it is installed
        return (-1, 0.0, name)
    try:
        cfg = hub.read_config(name)
    except Exception:
        return (3, 0.0, name)
    fd = cfg.get("metrics", {}).get("fd_classifier")
    if cfg.get("model", {}).get("channels") == 3 and isinstance(fd, (int, float)):
        return (0, fd, name)
    return (1 if name == "mnist-cgan" else 2, 0.0, name)


def _label(name: str) -> str:
    """A picker entry: the name, and a warning where the model is known to be poor."""
    try:
        cfg = hub.read_config(name)
    except Exception:
        return name
    acc, k = cfg.get("metrics", {}).get("class_accuracy"), cfg.get("model", {}).get("num_classes") or 0
    if isinstance(acc, (int, float)) and k and acc < 2 / k:
        return f"{name} (poor: ignores the class you pick; kept for the study)"
    return name


def _showcase(model) -> list[tuple[int, str | None]]:
    """(seed, class) pairs that show a model at its clearest: measured by `python -m ganzoo.showcase`
    and stored in its config (the classifier's surest pictures), else three fixed seeds."""
    try:
        p = LATENT.get(model)
    except Exception:  # the generate call that follows reports the problem
        return []
    classes = p.class_names
    rows = [(e["seed"], e.get("class")) for e in p.ckpt.config.get("showcase") or []
            if isinstance(e, dict) and isinstance(e.get("seed"), int) and 0 <= e["seed"] <= SEED_UI_MAX
            and (e.get("class") in classes if classes else e.get("class") is None)]
    if rows:
        return rows
    return ([(SEED0, classes[0]), (7, classes[-1]), (123, classes[len(classes) // 2])] if classes
            else [(SEED0, None), (7, None), (123, None)])


def _example_rows(model) -> list[list]:
    return [[seed, c, TRUNCATION0] for seed, c in _showcase(model)]


def _example_samples(model) -> list[list[str]]:
    """The examples table's rows: one line of text each. (A column per input would show the class
    through the class dropdown of the model the page opened on: empty, with a gradio warning, for
    another model's classes.)"""
    return [[f"seed {seed}" + (f", class {c}" if c is not None else "") + f", truncation {t:g}"]
            for seed, c, t in _example_rows(model)]


def _pick_example(index, model):
    """An example of the model now picked (the examples follow the model) → seed, class, truncation."""
    rows = _example_rows(model)
    if not isinstance(index, int) or not 0 <= index < len(rows):
        return gr.update(), gr.update(), gr.update()
    seed, c, truncation = rows[index]
    return seed, (c if c is not None else gr.update()), truncation


def _follow_model(model) -> list:
    """What changes with the model besides its classes: the sliders' names, the interpolation GIF
    (it belongs to the old model: cleared) and the examples."""
    labels = [gr.update(label=label) for label in _slider_labels(model)]
    return labels + [None, gr.Dataset(samples=_example_samples(model))]


def _latent_default(names):
    """The model shown first (the best colour model, else mnist-cgan, else the first that loads), at
    its first showcase seed and class. A broken bundled checkpoint is skipped (and logged) so the app
    still starts; requests for it get a gr.Error."""
    order = sorted(names, key=_first_choice)
    for name in order:
        try:
            classes = LATENT.get(name).class_names
            seed, c = _showcase(name)[0]
            return (name, classes, (seed, c), latent_generate(seed, c, TRUNCATION0, model=name),
                    latent_grid(seed, c, TRUNCATION0, model=name))
        except Exception as e:
            log.warning("model %r is not usable: %s", name, getattr(e, "message", e))
    return (order[0] if order else None), [], (SEED0, None), None, None


def build() -> TabHandles:
    """Latent GANs: seed / class / truncation / SeFa sliders with a live image, a 4×4 grid and an
    interpolation GIF. Self-contained: it only adds components and events inside its own tab."""
    with gr.Tab("Latent space", id="latent") as tab:
        names, _ = opening(
            LATENT, "mnist-cgan",
            "No latent checkpoints are bundled yet: train one with `python train/latent.py ...` (it exports to "
            "`checkpoints/<name>`).",
            "A GAN invents pictures from random numbers: the seed picks them. Move the seed for a new picture "
            "and drag the direction sliders to change it: each one is named after what it was measured to "
            "change (which way a face looks, lightness, colour), or just numbered where nothing measured "
            "clearly. The faces are a DCGAN trained on a million rendered faces (DigiFace-1M), shown 4× "
            "larger by a super-resolution GAN; upload a photo under **Find my face** and the sliders edit the "
            "closest face it can make. The emoji model learnt from a few thousand emoji on two CPU cores, so "
            "many of its pictures are rough; the digit models are sharp. Below: the neighbouring seeds, and a "
            "walk from one seed to another.")
        default, classes, (seed0, class0), first_image, first_grid = _latent_default(names)
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                model = gr.Dropdown([(_label(n), n) for n in names] +
                                    [(f"{e.title} — {e.picker_note}", e.name) for e in latents.for_family("latent")
                                     if e.name not in names], value=default, label="model", elem_id="latent_model")
                seed = gr.Slider(0, SEED_UI_MAX, value=seed0, step=1, precision=0, label="seed",
                                 elem_id="seed", buttons=[])
                class_name = gr.Dropdown(classes, value=class0,
                                         label="class", visible=bool(classes),
                                         interactive=bool(classes), elem_id="latent_class")
                truncation = gr.Slider(0.1, 2.0, value=TRUNCATION0, step=0.05, label="truncation",
                                       info="smaller: more typical, less varied", buttons=[],
                                       elem_id="truncation")
                sharpen = gr.Checkbox(True, label="sharpen ×4", elem_id="sharpen",
                                      info="enlarge colour pictures with a super-resolution GAN (Real-ESRGAN "
                                           "compact) instead of smoothing")
                randomise = gr.Button("randomise", elem_id="randomise")
                found = gr.State(None)
                with gr.Accordion("Find my face", open=False, elem_id="find_face"):
                    gr.Markdown("Upload a photo: the model searches for its own picture closest to the photo's "
                                "centre square (a face filling the square works best), in a few seconds. The "
                                "sliders then move that picture.")
                    photo = gr.Image(type="filepath", label="photo", sources=["upload", "clipboard"],
                                     elem_id="find_photo", height=200)
                    gr.Examples([str(EXAMPLES / "faces" / "astronaut_face.png")], inputs=photo, label="example")
                    find_btn = gr.Button("find", variant="primary", elem_id="find_btn")
                    find_line = gr.Markdown(elem_id="find_line")
            # on a phone the columns stack and this one stays pinned at the top while the sliders
            # below it scroll (app.CSS), so the picture stays in view while they are dragged
            with gr.Column(scale=1, min_width=300, elem_id="latent_picture"):
                image = gr.Image(value=first_image, type="pil", format="png", label="sample",
                                 interactive=False, elem_id="latent_out", height=DISPLAY_PX + 40,
                                 buttons=["download", "fullscreen"])
            with gr.Column(scale=1, min_width=300):
                dirs = [gr.Slider(-DIRECTION_RANGE, DIRECTION_RANGE, value=0.0, step=0.1,
                                  label=label, buttons=[], elem_id=f"dir{i + 1}")
                        for i, label in enumerate(_slider_labels(default))]
                reset = gr.Button("reset directions", size="sm")

        with gr.Row():
            with gr.Column():
                grid = gr.Image(value=first_grid, type="pil", format="png",
                                label="grid", interactive=False,
                                elem_id="latent_grid", buttons=["download", "fullscreen"])
                grid_btn = gr.Button("update grid")
            with gr.Column():
                with gr.Row():
                    seed_b = gr.Slider(0, SEED_UI_MAX, value=7, step=1, precision=0,
                                       label="interpolate to seed", buttons=[], elem_id="seed_b")
                    frames = gr.Slider(4, 60, value=24, step=1, precision=0, label="frames",
                                       buttons=[], elem_id="frames")
                gif = gr.Image(type="filepath", label="interpolation (animated GIF)",
                               interactive=False, elem_id="latent_gif",
                               buttons=["download", "fullscreen"])
                gif_btn = gr.Button("make GIF", variant="primary")

        # the picked model's examples (a Dataset, not gr.Examples: its rows change with the model)
        examples = gr.Dataset(components=[gr.Textbox(label="example", render=False)],
                              samples=_example_samples(default),
                              type="index", label="examples", elem_id="latent_examples", samples_per_page=6)

        settings = [seed, class_name, truncation, *dirs, model]   # = the handlers' parameters
        live = [*settings, sharpen, found]                         # the live picture's: sharpened, or a found face
        # Live image: every slider step, collapsed to the latest value while a call runs (a preview
        # where the model has one: quick=True). preprocess=False: the handlers validate raw values
        # themselves, so an API caller gets "seed must be between …" rather than gradio's generic
        # bounds message.
        gr.on(triggers=[seed.change, class_name.change, truncation.change, sharpen.change,
                        *(d.change for d in dirs)],
              fn=latent_generate, inputs=[*live, gr.State(True)], outputs=image, api_visibility="private",
              trigger_mode="always_last", show_progress="hidden", preprocess=False,
              concurrency_limit=2, concurrency_id="latent_live")
        # the full picture when a slider is let go (the same picture again for models without a preview)
        full_event = dict(fn=latent_generate, inputs=live, outputs=image, preprocess=False, show_progress="hidden",
                          concurrency_limit=2, concurrency_id="latent_live")
        gr.on(triggers=[seed.release, truncation.release, *(d.release for d in dirs)], api_name="generate",
              trigger_mode="always_last", **full_event)
        grid_event = dict(fn=latent_grid, inputs=settings, outputs=grid, api_name="grid",
                          preprocess=False, trigger_mode="always_last", show_progress="minimal",
                          concurrency_limit=1, concurrency_id="latent_heavy")
        gr.on(triggers=[grid_btn.click, seed.release, truncation.release,
                        *(d.release for d in dirs)], **grid_event)
        gif_btn.click(latent_interpolate, inputs=[seed, seed_b, frames, *settings[1:]], outputs=gif,
                      api_name="interpolate", preprocess=False, concurrency_limit=1,
                      concurrency_id="latent_heavy")

        hidden = dict(api_visibility="private", show_progress="hidden")
        find_btn.click(latent_find, [photo, model, sharpen], [image, found, find_line, *dirs], api_name="find",
                       concurrency_limit=1, concurrency_id="latent_heavy")
        # back to sampling: the visitor moved the seed, the truncation or the class (the found picture has none)
        for control in (seed, truncation, class_name):
            control.input(lambda: (None, ""), None, [found, find_line], queue=False, **hidden)
        # A new model: update the class choices first, then draw (never a stale class).
        # a released model is fetched on its first pick, with the progress bar over the picture
        picker_fetch(LATENT, model, [image], default).then(
            _latent_class_update, [model, class_name], class_name, queue=False, **hidden).then(
            lambda: (None, ""), None, [found, find_line], queue=False, **hidden).then(
            _follow_model, model, [*dirs, gif, examples], queue=False, **hidden).then(
            latent_generate, live, image, preprocess=False, **hidden).then(
            latent_grid, settings, grid, preprocess=False, **hidden)
        after = dict(api_visibility="private", **full_event)
        randomise.click(_latent_randomise, None, [seed, *dirs], queue=False, **hidden).then(
            latent_grid, settings, grid, preprocess=False, **hidden).then(**after)
        reset.click(lambda: [0.0] * N_DIRECTIONS, None, dirs, queue=False, **hidden).then(**after)
        examples.click(_pick_example, [examples, model], [seed, class_name, truncation], queue=False,
                       **hidden).then(latent_grid, settings, grid, preprocess=False, **hidden).then(**after)
        class_name.change(latent_grid, settings, grid, preprocess=False,
                          trigger_mode="always_last", **hidden)

    return TabHandles(tab, "latent", model)


