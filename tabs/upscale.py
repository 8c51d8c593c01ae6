"""Super-resolution tab: upload a small picture, pick ×2/×3/×4 and a model, see the result beside
bicubic on a before/after slider and in zoomed crops. The released photo upscalers (Real-ESRGAN,
RealSR) come from installed packages and work offline; they are converted on their first pick."""
from __future__ import annotations

import time

import gradio as gr
import numpy as np
from PIL import Image

from ganzoo import upscalers
from ganzoo.errors import InputError
from ganzoo.pipelines.images import open_image_keep_mode
from ganzoo.pipelines.upscale import SCALES, SRPipeline, bicubic

from appkit.common import (EXAMPLES_DIR, PipelineCache, TabHandles, first_result, opening, payload_path, picker_fetch,
                           user_errors)

SR = PipelineCache("sr", SRPipeline.from_pretrained, catalogue=upscalers)
FIRST_MODEL = "realsr-df2k"          # the best-looking photo model that needs no network
# The long side the app takes, by network: on a 2-core server a 23-block RRDB needs ~40 s for a
# 512-px picture and the compact one ~2 s for 768 px (bench/sr_latency.py); the Python API
# (SRPipeline) takes up to 4096 px.
APP_MAX_SIDE = {"rrdb": 512, "compact": 768}
ZOOM_SIDE, ZOOM = 96, 3              # the crops: 96 output pixels shown 3× (nearest), so pixels show
SCALE_CHOICES = [(f"×{s}", s) for s in SCALES]


def _progress(progress):
    return (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None


def zoomed_crops(before: Image.Image, after: Image.Image) -> Image.Image:
    """The most detailed ZOOM_SIDE square of the result (where bicubic and the model differ most),
    shown ZOOM× from both: bicubic left, the model right."""
    a = np.asarray(before.convert("RGB"), np.float32)
    b = np.asarray(after.convert("RGB"), np.float32)
    side = min(ZOOM_SIDE, a.shape[0], a.shape[1])
    diff = np.abs(a - b).mean(-1)
    # the sum of |difference| over every side × side window (a summed-area table), on a coarse grid
    sat = np.pad(diff.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    step = max(1, side // 4)
    ys, xs = np.arange(0, a.shape[0] - side + 1, step), np.arange(0, a.shape[1] - side + 1, step)
    sums = sat[ys[:, None] + side, xs[None] + side] - sat[ys[:, None], xs[None] + side] \
        - sat[ys[:, None] + side, xs[None]] + sat[ys[:, None], xs[None]]
    iy, ix = np.unravel_index(int(np.argmax(sums)), sums.shape)
    box = (int(xs[ix]), int(ys[iy]), int(xs[ix]) + side, int(ys[iy]) + side)
    gap = 6
    out = Image.new("RGB", (2 * side * ZOOM + gap, side * ZOOM), "white")
    for i, img in enumerate((before, after)):
        crop = img.convert("RGB").crop(box).resize((side * ZOOM, side * ZOOM), Image.Resampling.NEAREST)
        out.paste(crop, (i * (side * ZOOM + gap), 0))
    return out


@user_errors
def upscale_picture(image=None, model=None, scale=4, request: gr.Request = None, progress=gr.Progress()):
    """A picture → ((bicubic, the model's), zoomed crops of both, a line saying what was done)."""
    path = payload_path(image)
    if path is None:
        raise InputError("No picture was uploaded: choose one first.")
    if scale not in SCALES:
        raise InputError(f"The factor must be one of {', '.join(f'×{s}' for s in SCALES)}.")
    pipe = SR.get(model, _progress(progress), request)
    img = open_image_keep_mode(path)
    limit = APP_MAX_SIDE[pipe.cfg.arch]
    if max(img.size) > limit:
        raise InputError(f"The picture is {img.width}×{img.height} pixels; here this model takes up to {limit} "
                         f"pixels on the long side (the compact models {APP_MAX_SIDE['compact']}): crop or shrink it.")
    pipe.check(img.width, img.height, scale)
    total = pipe.tiles(img.width, img.height)
    report = _progress(progress)
    start = time.perf_counter()
    out = pipe(img, scale, progress=(lambda done, n: report(done / n, f"upscaling: {done / n:.0%}")) if report else None)
    seconds = time.perf_counter() - start
    before = bicubic(img, scale)
    title = upscalers.CATALOGUE[model].title if model in upscalers.CATALOGUE else model
    line = (f"×{scale}: {img.width}×{img.height} → {out.width}×{out.height} pixels with **{title}** in "
            f"{seconds:.1f} s ({total} tile{'s' if total > 1 else ''}). Drag the slider: bicubic on the left, "
            "the model on the right.")
    return (before, out), zoomed_crops(before, out), line


def _upscale_quiet(image=None, model=None, scale=4, request: gr.Request = None, progress=gr.Progress()):
    """A new factor or model redoes the picture if there is one; none is no error."""
    if payload_path(image) is None:
        return None, None, ""
    return upscale_picture(image, model, scale, request, progress)


def _examples() -> list[str]:
    return sorted((str(p) for p in (EXAMPLES_DIR / "sr").glob("*.png")),
                  key=lambda p: (not p.endswith("photo_chelsea.png"), p))


def build() -> TabHandles:
    """Super-resolution: a small picture made 2-4× larger, beside bicubic."""
    with gr.Tab("Super-resolution", id="upscale") as tab:
        _, default = opening(
            SR, FIRST_MODEL, "",
            "Upload a small picture (or click an example), pick how much larger, and compare the GAN's result "
            "with plain bicubic enlargement on the slider. The photo models are Real-ESRGAN and RealSR, trained "
            "by their authors on photos and shipped in Python packages, so they work without a network; the "
            "first pick of each takes a few seconds to prepare. The compact models answer in about a second.")
        if default is None and FIRST_MODEL in upscalers.CATALOGUE:
            default = FIRST_MODEL            # converted on the first result below
        examples = _examples()
        opened = first_result("the super-resolution tab", upscale_picture, examples[0], default, 4) \
            if examples and default else None
        choices = SR.choices()
        with gr.Row(equal_height=False):
            model = gr.Dropdown(choices, value=default, label="model", elem_id="sr_model", scale=3, min_width=280)
            scale = gr.Radio(SCALE_CHOICES, value=4, label="how much larger", elem_id="sr_scale", scale=1, min_width=200)
        with gr.Row():
            with gr.Column(scale=1, min_width=240):
                photo = gr.Image(value=examples[0] if opened else None, type="filepath", sources=["upload", "clipboard"],
                                 label="small picture", elem_id="sr_photo", height=256)
                info = gr.Markdown(opened[2] if opened else "", elem_id="sr_info")
            with gr.Column(scale=2, min_width=300):
                slider = gr.ImageSlider(value=opened[0] if opened else None, type="pil", format="png",
                                        label="bicubic ↔ model", interactive=False, elem_id="sr_out",
                                        buttons=["download", "fullscreen"])
        zoom = gr.Image(value=opened[1] if opened else None, type="pil", format="png", interactive=False,
                        label=f"zoomed {ZOOM}×: bicubic (left), model (right)", elem_id="sr_zoom", buttons=[])

        run = dict(fn=upscale_picture, inputs=[photo, model, scale], outputs=[slider, zoom, info], preprocess=False,
                   show_progress="full", concurrency_limit=1, concurrency_id="upscale")
        photo.upload(api_name="upscale", **run)
        quiet = dict(run, fn=_upscale_quiet, api_visibility="private")
        scale.input(**quiet)
        # .change: the zoo's "open in its tab" sets the picker too; the picture is redone once the model is ready
        picker_fetch(SR, model, [slider], default).then(**quiet)
        if examples:
            ex = gr.Examples(examples, inputs=[photo], examples_per_page=8,
                             label="examples: photos shrunk 4× (public domain and CC0, from scikit-image) and "
                                   "held-out emoji drawn at 64 px")
            ex.load_input_event.then(**quiet)
    return TabHandles(tab, "sr", model)
