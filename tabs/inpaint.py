"""Inpainting tab: upload a picture, brush over a part; the GAN fills the hole after every stroke,
next to OpenCV's classical inpainting. The picker offers the bundled inpainters and the released
ones (ganzoo.inpainters: LaMa, downloaded on its first pick); a line under it says what pictures
each model was made for.

The page paints on a light pad (appkit.drawpad.hole_pad): a stroke sends only the hole; the picture
stays on the server, its file kept in a per-visitor gr.State (an example's, an upload's). API
callers send an ImageEditor value ({"background", "layers"}) to /inpaint, as before.
"""
from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from ganzoo import inpainters
from ganzoo.errors import InputError
from ganzoo.pipelines import InpaintPipeline

from appkit.common import (EXAMPLES_DIR, PipelineCache, TabHandles, first_result, opening, payload_path, picker_fetch,
                           upscale, user_errors)
from appkit.drawpad import decode_mask, hole_pad, picture_value
from ganzoo.pipelines.images import open_image
from ganzoo.pipelines.inpaint import CROP_MARGIN, read_mask, telea

INPAINT = PipelineCache("inpaint", InpaintPipeline.from_pretrained, catalogue=inpainters)
BRUSH_COLOUR = "#ff00ff"
INPAINT_DISPLAY_PX = 384


def _editor_parts(value):
    """An ImageEditor value → (background, [paint layers]) as files or bytes; the background is
    None when nothing was uploaded."""
    if not value:
        return None, []
    if not isinstance(value, dict):
        raise InputError("the editor value must have a 'background' picture and paint 'layers'")
    layers = value.get("layers") or []
    return payload_path(value.get("background")), [p for p in map(payload_path, layers) if p]


NO_PICTURE = "Upload a picture (or click an example), then paint over the part to fill."


@user_errors
def inpaint_image(editor=None, model=None):
    """An ImageEditor value (picture and painted hole: the API) → (GAN result, OpenCV Telea result, notice)."""
    background, layers = _editor_parts(editor)
    if background is None:
        return None, None, NO_PICTURE
    img = open_image(background)
    return _fill(img, read_mask(layers, img.size), model)


def _picture(path):
    """The visitor's picture (its file on the server) → RGB image, as the pad shows it."""
    if not Path(path).is_file():
        raise InputError("Your picture is no longer on the server (it was cleaned up after a while): "
                         "upload it again.")
    if not Path(path).resolve().is_relative_to(EXAMPLES_DIR.resolve()):
        os.utime(path)   # an upload in use: the newest file for the cache budget (appkit/cache_budget.py)
    return open_image(path)


@user_errors
def paint_stroke(pad=None, picture=None, model=None):
    """The page's pad after a stroke (the hole) and the visitor's picture → (GAN, Telea, notice)."""
    if not picture:
        return None, None, NO_PICTURE
    img = _picture(picture)
    return _fill(img, decode_mask(pad, img.size), model)


@user_errors
def load_example(composite=None, model=None):
    """An example clicked (its thumbnail: the picture with its hole) → (pad, picture, GAN, Telea, notice)."""
    path = payload_path(composite)
    if path is None:
        return (gr.skip(),) * 5
    bg, mask = _example_files(path)
    img = _picture(str(bg))
    hole = read_mask(str(mask), img.size)
    return (picture_value(img, hole), str(bg), *_fill(img, hole, model))


@user_errors
def load_upload(file=None, model=None):
    """A picture uploaded → (pad, picture, GAN, Telea, notice): the picture on the pad, no hole yet.
    A large picture is kept at the size the app works at (a PNG beside the upload)."""
    path = payload_path(file)
    if path is None:
        return (gr.skip(),) * 5
    img = open_image(path)
    work = Path(path).with_name(Path(path).stem + ".picture.png")
    img.save(work)
    shown = upscale(img, INPAINT_DISPLAY_PX)
    return (picture_value(img), str(work), shown, shown,
            "Now paint over the part of the picture to fill: the GAN fills it after every stroke.")


def _fill(img, hole, model):
    """A picture and its hole → (GAN result, OpenCV Telea result, notice), shown enlarged if small."""
    if not hole.any():
        img = upscale(img, INPAINT_DISPLAY_PX)
        return img, img, "The mask is empty: paint over the part of the picture to fill (the input is shown)."
    if not model and not INPAINT.names():  # no GAN installed: the classical result still helps
        return None, upscale(telea(img, hole), INPAINT_DISPLAY_PX), (
            "No inpainting GAN is installed, so only OpenCV's result is shown: train one with "
            "`python train/inpaint.py`.")
    pipe = INPAINT.get(model)
    res = pipe.inpaint(img, hole)
    note = f"The hole covers {hole.mean():.0%} of the picture; every pixel outside it is unchanged."
    if pipe.arch == "lama":
        if res.scale < 1:
            note += (f" LaMa looked at the hole and {CROP_MARGIN} px around it, shrunk to {res.scale:.0%}; its fill "
                     "is enlarged back, so it is a little softer than the picture around it.")
    elif max(img.size) > 2 * pipe.size:
        note += (" The GAN learnt on small emoji: in a large picture it fills at its own scale and the fill is "
                 "enlarged, so it looks softer than the picture around it.")
    # small pictures (an emoji) are shown enlarged by an integer factor, pixels kept as they are
    return upscale(res.image, INPAINT_DISPLAY_PX), upscale(telea(img, hole), INPAINT_DISPLAY_PX), note


def made_for_line(model) -> str:
    """The line under the picker: what pictures the model was made for."""
    what = inpainters.made_for(model) if model else ""
    return f"**Made for:** {what}." if what else ""


@user_errors
def _picked(pad=None, picture=None, model=None):
    """A picked model (fetched by picker_fetch): what it is made for, and the visitor's hole filled with it."""
    if not picture:
        return None, None, NO_PICTURE, made_for_line(model)
    img = _picture(picture)
    return (*_fill(img, decode_mask(pad, img.size), model), made_for_line(model))


FIRST_INPAINT = "twemoji_elephant"   # the example in the editor when the page opens, with both fills


def _example_files(composite) -> tuple[Path, Path]:
    """An example's thumbnail (NAME.composite.png: the picture with its hole painted in; gradio may
    hand over a cached copy) → its picture and hole mask in examples/inpaint."""
    name = Path(composite).name.removesuffix(".composite.png")
    return EXAMPLES_DIR / "inpaint" / f"{name}.png", EXAMPLES_DIR / "inpaint" / f"{name}.mask.png"


def _inpaint_examples() -> list[str]:
    """The examples' thumbnails whose picture and mask are there, FIRST_INPAINT first."""
    name = lambda p: p.name.removesuffix(".composite.png")  # noqa: E731
    comps = sorted((EXAMPLES_DIR / "inpaint").glob("*.composite.png"), key=lambda p: (name(p) != FIRST_INPAINT, name(p)))
    return [str(c) for c in comps if all(f.is_file() for f in _example_files(c))]


def build() -> TabHandles:
    """Inpainting: upload a picture, brush over a part, the GAN fills it (next to OpenCV Telea)."""
    with gr.Tab("Inpainting", id="inpaint") as tab:
        _, default = opening(
            INPAINT, "emoji-inpaint",
            "No inpainting model is bundled yet: train one with `python train/inpaint.py --dataset emoji --size 128`.",
            "Paint over part of the picture and the GAN fills the hole after every stroke; beside it, the "
            "classical way (OpenCV) fills the same hole. Try the example below, upload your own picture, or "
            "click another example. It learnt from emoji, so it fills emoji best: outlines, faces, flat colours; "
            "for photos, pick LaMa in the model list (a 204 MB download on its first pick). "
            "Only the painted pixels change.")
        examples = _inpaint_examples()
        first = examples[0] if examples and default else None
        # (pad, picture file, GAN, Telea, notice), as if the visitor had clicked the first example
        opened = first_result("the inpainting tab", load_example, first, default) if first else None
        model = gr.Dropdown(INPAINT.choices(), value=default, label="model", elem_id="inpaint_model")
        made_for = gr.Markdown(made_for_line(default), elem_id="inpaint_made_for")
        picture = gr.State(opened[1] if opened else None)   # the visitor's picture file
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                pad = hole_pad(opened[0] if opened else None, label="picture: paint the hole", elem_id="editor",
                               pen=BRUSH_COLOUR)
                upload = gr.UploadButton("📷 use your own picture", file_types=["image"], size="sm",
                                         elem_id="inpaint_upload")
            with gr.Column(scale=2, min_width=260):
                out = gr.Image(value=opened[2] if opened else None, type="pil", format="png", label="GAN (ganzoo)",
                               interactive=False,
                               elem_id="inpaint_out", buttons=["download", "fullscreen"])
            with gr.Column(scale=2, min_width=260):
                base = gr.Image(value=opened[3] if opened else None, type="pil", format="png",
                                label="classical (OpenCV)", interactive=False,
                                elem_id="inpaint_telea", buttons=["download", "fullscreen"])
        note = gr.Markdown(opened[4] if opened else "", elem_id="inpaint_note")
        quick = dict(preprocess=False, trigger_mode="always_last", show_progress="minimal", concurrency_limit=2,
                     concurrency_id="inpaint", api_visibility="private")
        # the page fires input after every stroke, undo and clear, with the hole alone
        pad.input(paint_stroke, [pad, picture, model], [out, base, note], **quick)
        # a new model (downloaded first, if it is a released one) says what it is for and refills the hole
        picker_fetch(INPAINT, model, [out, base], default).then(
            _picked, [pad, picture, model], [out, base, note, made_for], preprocess=False, api_visibility="private",
            show_progress="hidden", concurrency_limit=2, concurrency_id="inpaint")
        loaded = [pad, picture, out, base, note]
        upload.upload(load_upload, [upload, model], loaded, **quick)
        if examples:
            picked = gr.Image(type="filepath", visible=False)
            gr.Examples([[e] for e in examples], inputs=picked, examples_per_page=8,
                        elem_id="inpaint_examples", label="examples: held-out emoji (never trained on) with a painted hole")
            picked.change(load_example, [picked, model], loaded, **quick)
        # API callers: a picture and its painted hole as an ImageEditor value (never drawn in the page)
        api_editor = gr.ImageEditor(visible=False, type="numpy", image_mode="RGBA", layers=False)
        gr.on([], inpaint_image, [api_editor, model], [out, base, note], api_name="inpaint", preprocess=False,
              concurrency_limit=2, concurrency_id="inpaint")
    return TabHandles(tab, "inpaint", model)


