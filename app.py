"""ganzoo's Gradio app: one builder function per tab, no model code (that lives in ganzoo.pipelines).

    python app.py            # host/port from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT

Checkpoints come from `checkpoints/` (or the folder named by GANZOO_CHECKPOINTS). Every handler
turns library errors into a `gr.Error` with a human sentence (see `_user_errors`); the only state
shared between requests is the cache of loaded pipelines.
"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import functools
import logging
import math
import random
import tempfile
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
from PIL import Image

import ganzoo
from ganzoo import zoo
from ganzoo.errors import USER_ERRORS, InputError
from ganzoo.pipelines import CycleGANPipeline, InpaintPipeline, LatentPipeline, Pix2PixPipeline
from ganzoo.pipelines.latent import MAX_SEED

log = logging.getLogger("ganzoo.app")

QUEUE_MAX_SIZE = 32           # requests waiting beyond this are refused ("queue full")
DEFAULT_CONCURRENCY = 1       # per event, unless the event says otherwise
N_DIRECTIONS = 8
DIRECTION_RANGE = 5.0
SEED_UI_MAX = 9999            # the slider's range; the API accepts any seed the pipeline does
DISPLAY_PX = 256              # single images are upscaled (nearest) to about this size
GRID_DISPLAY_PX = 512
SEED0, TRUNCATION0 = 42, 0.8  # what the tab shows first

HEADER = """
# ganzoo — a PyTorch GAN zoo
Train, load and run GANs from Hugging Face–style checkpoint folders. Everything here runs on CPU
with the models bundled in `checkpoints/`.
"""


# ----------------------------------------------------------------------------------------------
# serving under load

def _save_pil_to_cache_atomically(img, cache_dir, name: str = "image", format: str = "webp") -> str:
    """gradio's own version names a cached output after its content hash and rewrites that file
    in place, so when two sessions make the same picture at once (two users clicking one example)
    one download could read a half-rewritten file (seen under bench/load.py: a truncated /inpaint
    answer). Same file names; written once, under a temporary name, then renamed."""
    from gradio import processing_utils as pu

    data = pu.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / pu.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    path = (folder / f"{name}.{format}").resolve()
    if not path.is_file():  # same hash, same bytes: an existing file is already right
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return str(path)


def _serving_tweaks() -> None:
    from gradio import processing_utils

    processing_utils.save_pil_to_cache = _save_pil_to_cache_atomically
    try:  # glibc gives each worker thread its own malloc arena; 2 keep RSS lower and flatter
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


# ----------------------------------------------------------------------------------------------
# shared helpers (every tab may use them)

def _user_errors(fn):
    """Run a handler; turn anything it raises into a gr.Error with one human sentence.

    ganzoo.errors' InputError / CheckpointError carry messages written for the user. Anything else
    (a ValueError from deep inside a library included) is a bug: it is logged with its traceback
    on the server and the user gets a short apology.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except USER_ERRORS as e:
            msg = str(e) or type(e).__name__
            raise gr.Error(msg[:1].upper() + msg[1:], print_exception=False) from None
        except Exception:
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error("Something went wrong on the server while doing this; the details are "
                           "in the server log.", print_exception=False) from None
    return wrapper


def _upscale(img: Image.Image, target: int) -> Image.Image:
    """Integer nearest-neighbour upscale so that the long side is at most `target` pixels."""
    k = max(1, target // max(img.size))  # never past the target: a 256-px result stays 256
    return img if k == 1 else img.resize((img.width * k, img.height * k), Image.NEAREST)


def _number(value, name: str, lo: float, hi: float, integer: bool = False):
    """Validate one numeric input (events run with preprocess=False, so values arrive raw)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise InputError(f"{name} must be a finite number")
    if integer and not v.is_integer():
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if not lo <= v <= hi:
        lo_s, hi_s = (int(lo), int(hi)) if integer else (lo, hi)
        raise InputError(f"{name} must be between {lo_s} and {hi_s}, got {int(v) if integer else v}")
    return int(v) if integer else v


# each tab's model picker by family, filled by the tab builders: the zoo tab opens a model in its tab
MODEL_PICKERS: dict[str, gr.Dropdown] = {}


class _PipelineCache:
    """Loaded pipelines by bundled model name. Loading is guarded by a lock (two requests for a
    cold model load it once); lookups of loaded models take no lock."""

    def __init__(self, family: str, factory):
        self.family, self.factory = family, factory
        self._loaded: dict = {}
        self._failed: dict[str, str] = {}   # a broken folder is tried (and logged) once
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return ganzoo.list_models(family=self.family)

    def get(self, name):
        p = self._loaded.get(name)
        if p is not None:
            return p
        if not isinstance(name, str) or not name:
            raise InputError("choose a model")
        with self._lock:
            p = self._loaded.get(name)
            if p is not None:
                return p
            if name in self._failed:
                raise ganzoo.CheckpointError(self._failed[name])
            known = self.names()  # only bundled checkpoints: no paths or Hub ids from requests
            if name not in known:
                raise InputError(f"unknown model {name!r}; available models: "
                                 f"{', '.join(known) or 'none (no checkpoints are bundled)'}")
            try:
                p = self.factory(name)
            except InputError:
                raise
            except Exception as e:
                log.exception("loading checkpoint %r failed", name)
                self._failed[name] = (str(e) if isinstance(e, ganzoo.CheckpointError) else
                                      f"model {name!r} could not be loaded: its checkpoint folder "
                                      f"is broken or incompatible ({type(e).__name__})")
                raise ganzoo.CheckpointError(self._failed[name]) from None
            self._loaded[name] = p
            return p


# ----------------------------------------------------------------------------------------------
# latent-space tab

LATENT = _PipelineCache("latent", LatentPipeline.from_pretrained)
_GIF_DIR = Path(tempfile.gettempdir()) / "ganzoo-app-gifs"
_GIF_KEEP_S = 600             # our GIF files are copied into gradio's cache when returned


def _latent_inputs(model, seed, class_name, truncation, dirs, seed_name="seed"):
    """Validate raw request values → (pipeline, kwargs for the pipeline call)."""
    p = LATENT.get(model)
    seed = _number(seed, seed_name, 0, MAX_SEED, integer=True)
    truncation = _number(truncation, "truncation", 0.1, 2.0)
    shifts = [_number(d, f"direction {i + 1}", -DIRECTION_RANGE, DIRECTION_RANGE)
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


@_user_errors
def latent_generate(seed=SEED0, class_name=None, truncation=TRUNCATION0, dir1=0.0, dir2=0.0, dir3=0.0,
                    dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0, model=None):
    """One image for a seed, class, truncation and 8 SeFa direction offsets (upscaled PNG)."""
    p, seed, kw = _latent_inputs(model, seed, class_name, truncation,
                                 [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8])
    return _upscale(p(seed=seed, **kw), DISPLAY_PX)


@_user_errors
def latent_grid(seed=SEED0, class_name=None, truncation=TRUNCATION0, dir1=0.0, dir2=0.0, dir3=0.0,
                dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0, model=None):
    """A 4×4 grid: seeds seed … seed+15 with the same class, truncation and directions."""
    p, seed, kw = _latent_inputs(model, seed, class_name, truncation,
                                 [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8])
    if seed + 15 > MAX_SEED:
        raise InputError(f"seed must be at most {MAX_SEED - 15} for a grid of 16 consecutive seeds")
    return _upscale(p.grid(seed, n=16, nrow=4, **kw), GRID_DISPLAY_PX)


@_user_errors
def latent_interpolate(seed_a=SEED0, seed_b=7, frames=24, class_name=None, truncation=TRUNCATION0,
                       dir1=0.0, dir2=0.0, dir3=0.0, dir4=0.0, dir5=0.0, dir6=0.0, dir7=0.0, dir8=0.0,
                       model=None):
    """An animated GIF looping seed_a → seed_b → seed_a (spherical interpolation)."""
    p, seed_a, kw = _latent_inputs(model, seed_a, class_name, truncation,
                                   [dir1, dir2, dir3, dir4, dir5, dir6, dir7, dir8], "seed A")
    seed_b = _number(seed_b, "seed B", 0, MAX_SEED, integer=True)
    frames = _number(frames, "frames", 2, 120, integer=True)
    _GIF_DIR.mkdir(parents=True, exist_ok=True)
    _prune_gifs()
    path = _GIF_DIR / f"{model}-{seed_a}-{seed_b}-{uuid.uuid4().hex[:8]}.gif"
    return str(p.interpolation_gif(path, seed_a, seed_b, frames=frames,
                                   scale=max(1, round(DISPLAY_PX / p.cfg.img_size)), **kw))


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


def _latent_default(names):
    """The model shown first: mnist-cgan if bundled, else the first that loads. A broken bundled
    checkpoint is skipped (and logged) so the app still starts; requests for it get a gr.Error."""
    order = sorted(names, key=lambda n: n != "mnist-cgan")
    for name in order:
        try:
            classes = LATENT.get(name).class_names
            c = classes[0] if classes else None
            return (name, classes, latent_generate(SEED0, c, TRUNCATION0, model=name),
                    latent_grid(SEED0, c, TRUNCATION0, model=name))
        except Exception as e:
            log.warning("model %r is not usable: %s", name, getattr(e, "message", e))
    return (order[0] if order else None), [], None, None


def build_latent_tab() -> gr.Tab:
    """Latent GANs: seed / class / truncation / SeFa sliders with a live image, a 4×4 grid and an
    interpolation GIF. Self-contained: it only adds components and events inside its own tab."""
    names = LATENT.names()
    default, classes, first_image, first_grid = _latent_default(names)

    with gr.Tab("Latent space", id="latent") as tab:
        if not names:
            gr.Markdown("No latent checkpoints are bundled yet: train one with "
                        "`python train/latent.py ...` (it exports to `checkpoints/<name>`).")
        gr.Markdown("Move a slider and the image follows. The eight *directions* are the "
                    "strongest semantic directions of the generator's first layer "
                    "([SeFa](https://arxiv.org/abs/2007.06600)). The grid shows seeds seed … seed+15 "
                    "with the same settings; it follows when you release a slider.")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                model = gr.Dropdown(names, value=default, label="model", elem_id="latent_model")
                MODEL_PICKERS["latent"] = model
                seed = gr.Slider(0, SEED_UI_MAX, value=SEED0, step=1, precision=0, label="seed",
                                 elem_id="seed", buttons=[])
                class_name = gr.Dropdown(classes, value=classes[0] if classes else None,
                                         label="class", visible=bool(classes),
                                         interactive=bool(classes), elem_id="latent_class")
                truncation = gr.Slider(0.1, 2.0, value=TRUNCATION0, step=0.05, label="truncation",
                                       info="smaller: more typical, less varied", buttons=[],
                                       elem_id="truncation")
                randomise = gr.Button("🎲 randomise", elem_id="randomise")
            with gr.Column(scale=1, min_width=300):
                image = gr.Image(value=first_image, type="pil", format="png", label="sample",
                                 interactive=False, elem_id="latent_out", height=DISPLAY_PX + 40,
                                 buttons=["download", "fullscreen"])
            with gr.Column(scale=1, min_width=300):
                dirs = [gr.Slider(-DIRECTION_RANGE, DIRECTION_RANGE, value=0.0, step=0.1,
                                  label=f"direction {i + 1}", buttons=[], elem_id=f"dir{i + 1}")
                        for i in range(N_DIRECTIONS)]
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

        settings = [seed, class_name, truncation, *dirs, model]   # = the handlers' parameters
        # Live image: every slider step, collapsed to the latest value while a call runs.
        # preprocess=False: the handlers validate raw values themselves, so an API caller gets
        # "seed must be between …" rather than gradio's generic bounds message.
        gr.on(triggers=[seed.change, class_name.change, truncation.change,
                        *(d.change for d in dirs)],
              fn=latent_generate, inputs=settings, outputs=image, api_name="generate",
              trigger_mode="always_last", show_progress="hidden", preprocess=False,
              concurrency_limit=2, concurrency_id="latent_live")
        grid_event = dict(fn=latent_grid, inputs=settings, outputs=grid, api_name="grid",
                          preprocess=False, trigger_mode="always_last", show_progress="minimal",
                          concurrency_limit=1, concurrency_id="latent_heavy")
        gr.on(triggers=[grid_btn.click, seed.release, truncation.release,
                        *(d.release for d in dirs)], **grid_event)
        gif_btn.click(latent_interpolate, inputs=[seed, seed_b, frames, *settings[1:]], outputs=gif,
                      api_name="interpolate", preprocess=False, concurrency_limit=1,
                      concurrency_id="latent_heavy")

        hidden = dict(api_visibility="private", show_progress="hidden")
        # A new model: update the class choices first, then draw (never a stale class).
        model.change(_latent_class_update, [model, class_name], class_name, queue=False,
                     **hidden).then(
            latent_generate, settings, image, preprocess=False, **hidden).then(
            latent_grid, settings, grid, preprocess=False, **hidden)
        randomise.click(_latent_randomise, None, [seed, *dirs], queue=False, **hidden).then(
            latent_grid, settings, grid, preprocess=False, **hidden)
        reset.click(lambda: [0.0] * N_DIRECTIONS, None, dirs, queue=False, **hidden)
        class_name.change(latent_grid, settings, grid, preprocess=False,
                          trigger_mode="always_last", **hidden)

        if default is not None:
            rows = [[default, s, c, TRUNCATION0] for s, c in
                    ([(SEED0, classes[0]), (7, classes[-1]), (123, classes[len(classes) // 2])]
                     if classes else [(SEED0, None), (7, None), (123, None)])]
            gr.Examples(rows, inputs=[model, seed, class_name, truncation], label="examples",
                        examples_per_page=6)
    return tab


# ----------------------------------------------------------------------------------------------
# sketch → image tab (pix2pix)

PIX2PIX = _PipelineCache("pix2pix", Pix2PixPipeline.from_pretrained)
SKETCH_DISPLAY_PX = 384
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
MAX_PTH_BYTES = 400 * 2**20    # a released unet_256 is 218 MB


_SKETCHPADS: list = []      # the tab's Sketchpad: the browser sends its strokes as blobs to it
_BLOBS_KEPT = 64            # drawings remembered per Sketchpad (a model switch redraws the last one)


def _editor_blobs(value, editors: list):
    """The strokes the browser uploaded for an editor value (a Sketchpad or ImageEditor sends its
    canvas as blobs to the component, keyed by the value's id, then only the id), or None."""
    if not value.get("id"):
        return None
    for editor in editors:
        store = editor.blob_storage
        blobs = store.get(value["id"])
        while len(store) > _BLOBS_KEPT:  # bounded: the oldest drawings are forgotten
            store.pop(next(iter(store)))
        if blobs is not None:
            return blobs
    return None


def _sketch_source(value):
    """A Sketchpad value → the composite drawing (file path or PNG bytes), or None when empty.

    An API caller sends the composite as a file; the browser sends blobs (see _editor_blobs).
    preprocess=False keeps every decoding error ours (a clear sentence).
    """
    if not value:
        return None
    if not isinstance(value, dict):
        raise InputError("the sketch must be a Sketchpad value with a 'composite' image")
    blobs = _editor_blobs(value, _SKETCHPADS)
    if blobs is not None and blobs.composite:
        return blobs.composite
    return _payload_path(value.get("composite"))


def _payload_path(value) -> str | None:
    """The server-side file of an image payload (events run with preprocess=False: gradio has
    already checked that the file is in its upload cache and hands us the FileData dict)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("path")
    if isinstance(value, (str, Path)):
        return str(value)
    raise InputError("unexpected image payload: send an image file")


def _translate(model, src):
    pipe = PIX2PIX.get(model)
    seen, out = pipe.translate(src)
    return _upscale(seen, SKETCH_DISPLAY_PX // 2), _upscale(out, SKETCH_DISPLAY_PX)


@_user_errors
def sketch_to_image(sketch=None, model=None):
    """A Sketchpad value ({"background", "layers", "composite"}) → (model input, result)."""
    from ganzoo.pipelines.translate import EmptyCanvas

    # a cleared (or blank) canvas clears the results: pressing "clear" is not a mistake
    src = _sketch_source(sketch)
    if src is None:
        return None, None
    try:
        return _translate(model, src)
    except EmptyCanvas:
        return None, None


@_user_errors
def upload_to_image(image=None, model=None):
    """An uploaded drawing or photo (any size or mode) → (model input, result)."""
    path = _payload_path(image)
    if path is None:
        raise InputError("No image was uploaded: choose a drawing or photo first.")
    return _translate(model, path)


def _import_pth(file, family: str, cache: "_PipelineCache", examples: str):
    """A released reference generator (.pth) of `family` → a new entry in that tab's model picker."""
    from ganzoo.reference import load_reference, save_reference

    path = _payload_path(file)
    if path is None:
        raise InputError(f"Choose a .pth file first (e.g. {examples.split(',')[0]}.pth).")
    p = Path(path)
    if p.suffix.lower() != ".pth":
        raise InputError(f"Reference weights are .pth files (e.g. {examples.split(',')[0]}.pth).")
    if p.stat().st_size > MAX_PTH_BYTES:
        raise InputError(f"That file is larger than {MAX_PTH_BYTES // 2**20} MB; a released generator "
                         f"is at most about 218 MB.")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in p.stem)[:64] or "reference"
    if name in ganzoo.list_models():
        raise InputError(f"A model called {name!r} already exists; rename the file to import it.")
    ckpt = load_reference(p, name)  # read once (up to 218 MB): checked, then written
    if ckpt.family != family:
        raise InputError(f"The file {p.name} holds a released {ckpt.family} generator, not a {family} one; "
                         f"this tab runs {family} models ({examples}, …).")
    save_reference(ckpt)
    gr.Info(f"Imported {name}: it is now in the model list.")
    return gr.Dropdown(choices=cache.names(), value=name)


@_user_errors
def import_reference_weights(file=None):
    """A released reference pix2pix generator (.pth) → a new entry in the model picker."""
    return _import_pth(file, "pix2pix", PIX2PIX, "facades_label2photo, edges2shoes")


def _sketch_examples() -> list[str]:
    return sorted(str(p) for p in (EXAMPLES_DIR / "sketches").glob("*.png"))


def build_sketch_tab() -> gr.Tab:
    """pix2pix: draw (or upload) line art, get a picture after every stroke."""
    names = PIX2PIX.names()
    default = "sketch2emoji" if "sketch2emoji" in names else (names[0] if names else None)
    with gr.Tab("Sketch → image", id="sketch") as tab:
        if not names:
            gr.Markdown("No pix2pix checkpoints are bundled yet: train one with "
                        "`python train/pix2pix.py --dataset openmoji ...`.")
        gr.Markdown("Pick the brush (left of the canvas) and draw — an emoji-like outline works best (a face, a heart, a "
                    "house, an animal) — and the picture updates after every stroke. The drawing is "
                    "centred and its strokes are evened out before the model sees it (middle). "
                    "Or upload a drawing, or a photo for models trained on photos.")
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                sketch = gr.Sketchpad(type="pil", image_mode="RGBA", canvas_size=(384, 384), layers=False,
                                      brush=gr.Brush(colors=["#000000"], color_mode="fixed", default_size=6),
                                      label="draw here", elem_id="sketchpad")
                _SKETCHPADS.append(sketch)
                with gr.Accordion("upload a drawing or photo instead", open=False):
                    upload = gr.Image(type="filepath", sources=["upload", "clipboard"], label="upload",
                                      elem_id="sketch_upload", height=240)
            with gr.Column(scale=1, min_width=160):
                model = gr.Dropdown(names, value=default, label="model", elem_id="sketch_model")
                MODEL_PICKERS["pix2pix"] = model
                seen = gr.Image(type="pil", format="png", label="what the model sees",
                                interactive=False, elem_id="sketch_seen", buttons=[])
            with gr.Column(scale=3, min_width=320):
                out = gr.Image(type="pil", format="png", label="result", interactive=False,
                               elem_id="sketch_out", height=SKETCH_DISPLAY_PX + 40,
                               buttons=["download", "fullscreen"])
        with gr.Accordion("load released pix2pix weights (.pth)", open=False):
            gr.Markdown("Generators released with the reference pix2pix code (`facades_label2photo`, "
                        "`edges2shoes`, `map2sat`, …; `unet_256`) load as they are. The file is read "
                        "with `torch.load(weights_only=True)`: anything but tensors is refused. "
                        "Offline: `python -m ganzoo.reference FILE.pth` does the same.")
            with gr.Row():
                pth = gr.File(file_types=[".pth"], label=".pth file", elem_id="pth_file")
                import_btn = gr.Button("import", elem_id="pth_import")

        live = dict(outputs=[seen, out], preprocess=False, trigger_mode="always_last",
                    show_progress="minimal", concurrency_limit=2, concurrency_id="sketch")
        sketch.change(sketch_to_image, [sketch, model], api_name="sketch2img", **live)
        upload.upload(upload_to_image, [upload, model], api_name="upload2img", **live)
        # a new model redraws whatever is on the canvas (quietly: an empty canvas is no error here)
        model.change(_redraw, [sketch, upload, model], [seen, out], preprocess=False,
                     api_visibility="private", show_progress="minimal")
        import_btn.click(import_reference_weights, pth, model, preprocess=False,
                         api_name="import_reference", concurrency_limit=1)
        examples = _sketch_examples()
        if examples:
            # one input: the examples show as a row of thumbnails; a click loads one into the
            # upload box, then it is translated with whatever model is picked
            ex = gr.Examples(examples, inputs=upload, label="example drawings (drawn with a mouse in this app)",
                             examples_per_page=8)
            ex.load_input_event.then(upload_to_image, [upload, model], [seen, out], preprocess=False,
                                     api_visibility="private", show_progress="minimal")
    return tab


def _redraw(sketch=None, upload=None, model=None):
    src = _sketch_source(sketch) if isinstance(sketch, dict) else None
    src = src or _payload_path(upload)
    if src is None:
        return None, None
    return _user_errors(_translate)(model, src)


# ----------------------------------------------------------------------------------------------
# domain transfer tab (CycleGAN)

CYCLEGAN = _PipelineCache("cyclegan", CycleGANPipeline.from_pretrained)
TRANSFER_DISPLAY_PX = 384


def _direction_choices(model) -> list[tuple[str, str]]:
    try:
        return [(label, d) for d, label in CYCLEGAN.get(model).directions.items()]
    except Exception:  # a broken or missing model: the translate call says why
        return []


@_user_errors
def domain_transfer(image=None, model=None, direction="a2b"):
    """An uploaded picture (any size or mode) → (the input as the model sees it, its translation)."""
    path = _payload_path(image)
    if path is None:
        raise InputError("No image was uploaded: choose a picture first.")
    if not isinstance(direction, str):
        raise InputError("direction must be a2b or b2a")
    pipe = CYCLEGAN.get(model)
    seen, out = pipe.translate(path, direction)
    return _upscale(seen, TRANSFER_DISPLAY_PX), _upscale(out, TRANSFER_DISPLAY_PX)


@_user_errors
def import_cyclegan_weights(file=None):
    """A released reference CycleGAN generator (.pth) → a new entry in the model picker."""
    return _import_pth(file, "cyclegan", CYCLEGAN, "horse2zebra, style_monet")


def _transfer_quiet(image=None, model=None, direction="a2b"):
    """A new model or direction redoes the translation if there is a picture; none is no error."""
    if _payload_path(image) is None:
        return None, None
    return domain_transfer(image, model, direction)


def _transfer_model_update(model):
    choices = _direction_choices(model)
    return gr.Radio(choices=choices, value=choices[0][1] if choices else None)


def _transfer_examples(model) -> list[list[str]]:
    """[picture, direction] rows: each example file is named STYLE_what.png, and its direction is
    the one that starts from STYLE in the default model (a2b otherwise)."""
    try:
        domains = CYCLEGAN.get(model).domains if model else []
    except Exception:
        domains = []
    rows = []
    for p in sorted((EXAMPLES_DIR / "transfer").glob("*.png")):
        style = p.stem.split("_", 1)[0]
        rows.append([str(p), "b2a" if len(domains) == 2 and style == domains[1] else "a2b"])
    return rows


def build_transfer_tab() -> gr.Tab:
    """CycleGAN: upload a picture, see it in the other domain (either way the model allows)."""
    names = CYCLEGAN.names()
    default = "noto2twemoji" if "noto2twemoji" in names else (names[0] if names else None)
    choices = _direction_choices(default) if default else []
    with gr.Tab("Domain transfer", id="transfer") as tab:
        if not names:
            gr.Markdown("No CycleGAN model is installed yet: import a released generator "
                        "(`horse2zebra.pth`, `style_monet.pth`, …) below, or train one with "
                        "`python train/cyclegan.py --domain-a noto --domain-b twemoji`.")
        gr.Markdown("Upload a picture (or click an example below) and pick the direction; the output "
                    "keeps the picture's shape. `noto2twemoji` turns Google's Noto emoji (gradients, "
                    "outlines) into Twitter's flat Twemoji style and back; it knows emoji, not photos.")
        with gr.Row():
            with gr.Column(scale=1, min_width=200):
                model = gr.Dropdown(names, value=default, label="model", elem_id="transfer_model")
                MODEL_PICKERS["cyclegan"] = model
                direction = gr.Radio(choices, value=choices[0][1] if choices else None, label="direction",
                                     elem_id="transfer_direction")
                photo = gr.Image(type="filepath", sources=["upload", "clipboard"], label="picture",
                                 elem_id="photo", height=260)
            with gr.Column(scale=2, min_width=320):
                seen = gr.Image(type="pil", format="png", label="input (as the model sees it)",
                                interactive=False, elem_id="transfer_in", buttons=[])
            with gr.Column(scale=2, min_width=320):
                out = gr.Image(type="pil", format="png", label="translated", interactive=False,
                               elem_id="transfer_out", buttons=["download", "fullscreen"])
        with gr.Accordion("load released CycleGAN weights (.pth)", open=False):
            gr.Markdown("Generators released with the reference CycleGAN code (`horse2zebra`, "
                        "`zebra2horse`, `style_monet`, `summer2winter_yosemite`, …) load as they are, "
                        "read with `torch.load(weights_only=True)`; each holds one direction. "
                        "`python -m ganzoo.reference horse2zebra` downloads the official file (when there "
                        "is a network) and imports it; `python -m ganzoo.reference FILE.pth` imports one you have.")
            with gr.Row():
                pth = gr.File(file_types=[".pth"], label=".pth file", elem_id="cyclegan_pth_file")
                import_btn = gr.Button("import", elem_id="cyclegan_pth_import")

        run = dict(fn=domain_transfer, inputs=[photo, model, direction], outputs=[seen, out],
                   preprocess=False, show_progress="minimal", concurrency_limit=1, concurrency_id="transfer")
        photo.upload(api_name="domain_transfer", **run)
        quiet = dict(run, fn=_transfer_quiet, api_visibility="private")
        direction.input(**quiet)
        model.change(_transfer_model_update, model, direction, queue=False,
                     api_visibility="private").then(**quiet)
        import_btn.click(import_cyclegan_weights, pth, model, preprocess=False,
                         api_name="import_cyclegan", concurrency_limit=1)
        examples = _transfer_examples(default)
        if examples:
            ex = gr.Examples(examples, inputs=[photo, direction], examples_per_page=8,
                             label="examples: held-out emoji (never trained on), Noto and Twemoji style")
            ex.load_input_event.then(**quiet)
    return tab


# ----------------------------------------------------------------------------------------------
# inpainting tab

INPAINT = _PipelineCache("inpaint", InpaintPipeline.from_pretrained)
_EDITORS: list = []
BRUSH_COLOUR = "#ff00ff"
_BRUSH_RGB = tuple(int(BRUSH_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
INPAINT_DISPLAY_PX = 384


def _editor_parts(value):
    """An ImageEditor value → (background, [paint layers]) as files or bytes; the background is
    None when nothing was uploaded."""
    if not value:
        return None, []
    if not isinstance(value, dict):
        raise InputError("the editor value must have a 'background' picture and paint 'layers'")
    blobs = _editor_blobs(value, _EDITORS)
    if blobs is not None and blobs.background:
        return blobs.background, [x for x in blobs.layers if x]
    layers = value.get("layers") or []
    return _payload_path(value.get("background")), [p for p in map(_payload_path, layers) if p]


@_user_errors
def inpaint_image(editor=None, model=None):
    """The editor's picture and painted hole → (GAN result, OpenCV Telea result, notice)."""
    from ganzoo.pipelines.images import open_image
    from ganzoo.pipelines.inpaint import read_mask, telea

    background, layers = _editor_parts(editor)
    if background is None:  # a cleared editor, or gradio's change event racing its own upload
        return None, None, "Upload a picture (or click an example), then paint over the part to fill."
    img = open_image(background)
    hole = read_mask(layers, img.size) | _brush_paint(img)
    if not hole.any():
        img = _upscale(img, INPAINT_DISPLAY_PX)
        return img, img, "The mask is empty: paint over the part of the picture to fill (the input is shown)."
    if not model and not INPAINT.names():  # no GAN installed: the classical result still helps
        return None, _upscale(telea(img, hole), INPAINT_DISPLAY_PX), (
            "No inpainting GAN is installed, so only OpenCV's result is shown: train one with "
            "`python train/inpaint.py`.")
    pipe = INPAINT.get(model)
    res = pipe.inpaint(img, hole)
    note = f"Filled {res.image.width}×{res.image.height} px from a {res.region[2] - res.region[0]}×" \
           f"{res.region[3] - res.region[1]} region around the hole, at the model's {pipe.size} px; " \
           "every pixel outside the hole is the upload's."
    # small pictures (an emoji) are shown enlarged by an integer factor, pixels kept as they are
    return _upscale(res.image, INPAINT_DISPLAY_PX), _upscale(telea(img, hole), INPAINT_DISPLAY_PX), note


def _brush_paint(img) -> "np.ndarray":
    """Pixels of the picture in the brush colour: paint that gradio's editor has flattened into the
    background. It does so with an example's paint layer as soon as the visitor adds a stroke (the
    background it then sends is the example's composite, the layer only the new stroke), and the
    example's hole would come back as solid magenta. Paint is a hole wherever it ended up."""
    import numpy as np

    return (np.asarray(img) == _BRUSH_RGB).all(-1)


def _inpaint_examples() -> list[dict]:
    rows = []
    for bg in sorted((EXAMPLES_DIR / "inpaint").glob("*.png")):
        if bg.name.endswith((".mask.png", ".composite.png")):
            continue
        mask, comp = bg.with_name(bg.stem + ".mask.png"), bg.with_name(bg.stem + ".composite.png")
        if mask.is_file() and comp.is_file():
            rows.append({"background": str(bg), "layers": [str(mask)], "composite": str(comp)})
    return rows


def build_inpaint_tab() -> gr.Tab:
    """Inpainting: upload a picture, brush over a part, the GAN fills it (next to OpenCV Telea)."""
    names = INPAINT.names()
    default = "emoji-inpaint" if "emoji-inpaint" in names else (names[0] if names else None)
    with gr.Tab("Inpainting", id="inpaint") as tab:
        if not names:
            gr.Markdown("No inpainting model is bundled yet: train one with "
                        "`python train/inpaint.py --dataset emoji --size 128`.")
        gr.Markdown("Upload a picture (or click an example), then paint over what should go: the GAN "
                    "fills the hole after every stroke, next to OpenCV's classical inpainting (Telea). "
                    "Pictures of any size work; only the painted pixels change.")
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                editor = gr.ImageEditor(type="numpy", image_mode="RGBA", sources=["upload", "clipboard"],
                                        transforms=(), layers=False, canvas_size=(384, 384),
                                        brush=gr.Brush(colors=[BRUSH_COLOUR], color_mode="fixed", default_size=16),
                                        eraser=gr.Eraser(default_size=16), label="picture: paint the hole",
                                        elem_id="editor")
                _EDITORS.append(editor)
                model = gr.Dropdown(names, value=default, label="model", elem_id="inpaint_model")
                MODEL_PICKERS["inpaint"] = model
            with gr.Column(scale=2, min_width=260):
                out = gr.Image(type="pil", format="png", label="GAN (ganzoo)", interactive=False,
                               elem_id="inpaint_out", buttons=["download", "fullscreen"])
            with gr.Column(scale=2, min_width=260):
                base = gr.Image(type="pil", format="png", label="OpenCV Telea (classical)", interactive=False,
                                elem_id="inpaint_telea", buttons=["download", "fullscreen"])
        note = gr.Markdown(elem_id="inpaint_note")
        live = dict(fn=inpaint_image, inputs=[editor, model], outputs=[out, base, note], preprocess=False,
                    trigger_mode="always_last", show_progress="minimal", concurrency_limit=2,
                    concurrency_id="inpaint")
        editor.change(api_name="inpaint", **live)
        model.change(**dict(live, api_visibility="private"))
        examples = _inpaint_examples()
        if examples:
            gr.Examples([[e] for e in examples], inputs=[editor], examples_per_page=8, elem_id="inpaint_examples",
                        label="examples: held-out emoji (never trained on) with a painted hole")
    return tab


# ----------------------------------------------------------------------------------------------
# model zoo tab

def _read_png(path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        return im


def zoo_card(name=None):
    """The card, sample grid and training command of one installed model."""
    if not isinstance(name, str) or name not in ganzoo.list_models():
        raise InputError(f"unknown model {name!r}; installed models: {', '.join(ganzoo.list_models())}")
    e = zoo.entry(name)
    grid = e.grid()
    # an image, not a path: gradio serves files only from the working and temp folders
    return (e.card(), _read_png(grid) if grid else None, e.command or "(no training command recorded)",
            gr.update(interactive=e.tab is not None,
                      value="open in its tab" if e.tab else "no tab: a classifier that scores generated images"))


def _zoo_open(name):
    e = zoo.entry(name)
    if e.tab is None:
        return [gr.update()] * (1 + len(MODEL_PICKERS))
    return [gr.Tabs(selected=e.tab)] + [gr.update(value=name) if fam == e.family else gr.update()
                                        for fam in MODEL_PICKERS]


def _zoo_row(evt: gr.SelectData):
    return evt.row_value[0] if evt.row_value else gr.update()


def build_zoo_tab(tabs: gr.Tabs) -> gr.Tab:
    """Every installed model with its card; "open in its tab" selects it in the tab that runs it."""
    items = zoo.entries()
    names = [e.name for e in items]
    first = next((n for n in names if n == "mnist-cgan"), names[0] if names else None)
    card, grid, command, _ = zoo_card(first) if first else ("No models are installed.", None, "", None)
    with gr.Tab("Model zoo", id="zoo") as tab:
        gr.Markdown("Every bundled model, read from its checkpoint folder: what it is, what it was trained "
                    "on, how big it is, what it measured and the command that trained it. Click a row or "
                    "pick a name for its card.")
        table = gr.Dataframe(zoo.table(items), headers=zoo.HEADERS, interactive=False, elem_id="zoo_table",
                             wrap=True, max_height=420)
        with gr.Row():
            model = gr.Dropdown(names, value=first, label="model", elem_id="zoo_model", scale=3)
            open_btn = gr.Button("open in its tab", variant="primary", elem_id="zoo_open", scale=1)
        with gr.Row():
            with gr.Column(scale=1):
                grid_img = gr.Image(value=grid, type="pil", format="png", label="samples", interactive=False,
                                    elem_id="zoo_grid", buttons=["download", "fullscreen"])
                cmd = gr.Code(value=command, language="shell", label="trained with", interactive=False,
                              elem_id="zoo_command")
            with gr.Column(scale=2):
                card_md = gr.Markdown(card, elem_id="zoo_card")
        table.select(_zoo_row, None, model, queue=False, api_visibility="private")
        model.change(_user_errors(zoo_card), model, [card_md, grid_img, cmd, open_btn], queue=False,
                     api_name="zoo_card")
        open_btn.click(_user_errors(_zoo_open), model, [tabs, *MODEL_PICKERS.values()], queue=False, api_visibility="private")
    return tab


# ----------------------------------------------------------------------------------------------

MISSING: dict[str, str] = {}   # models that could not be fetched at start: name -> why


def fetch_missing_models() -> None:
    """Download published models that checkpoints/ lacks (GANZOO_FETCH=0: don't); never fatal."""
    if os.environ.get("GANZOO_FETCH", "1") == "0":
        return
    MISSING.update(ganzoo.hub.fetch_missing())
    for why in MISSING.values():
        log.warning("%s", why)


def _missing_notice() -> str:
    if not MISSING:
        return ""
    why = next(iter(MISSING.values()))  # the first reason says it for all (they share a cause)
    return (f"\n> **Not available right now:** {', '.join(f'`{n}`' for n in MISSING)}. "
            f"{why[:1].upper()}{why[1:]}.\n")


def build_app() -> gr.Blocks:
    with gr.Blocks(title="ganzoo", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(HEADER + _missing_notice())
        with gr.Tabs() as tabs:
            build_latent_tab()
            build_sketch_tab()
            build_transfer_tab()
            build_inpaint_tab()
            build_zoo_tab(tabs)
    return demo


if __name__ == "__main__":  # `python app.py` and `gradio app.py` (which runs this file) both come here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    fetch_missing_models()
    _serving_tweaks()
    port = os.getenv("GRADIO_SERVER_PORT")
    demo = build_app().queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=DEFAULT_CONCURRENCY)
    demo.launch(
        server_name=os.getenv("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(port) if port else None,
        ssr_mode=False,
        show_error=True,
        footer_links=["api", "gradio"],
    )
