"""Inpainting tab: upload a picture, brush over a part; the GAN fills the hole after every stroke,
next to OpenCV's classical inpainting."""
from __future__ import annotations

import gradio as gr
import numpy as np

from ganzoo.errors import InputError
from ganzoo.pipelines import InpaintPipeline

from .common import EXAMPLES_DIR, PipelineCache, TabHandles, first_result, opening, payload_path, upscale, user_errors
from .compat import editor_blobs

INPAINT = PipelineCache("inpaint", InpaintPipeline.from_pretrained)
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
    blobs = editor_blobs(value, _EDITORS)
    if blobs is not None and blobs.background:
        return blobs.background, [x for x in blobs.layers if x]
    layers = value.get("layers") or []
    return payload_path(value.get("background")), [p for p in map(payload_path, layers) if p]


@user_errors
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
        img = upscale(img, INPAINT_DISPLAY_PX)
        return img, img, "The mask is empty: paint over the part of the picture to fill (the input is shown)."
    if not model and not INPAINT.names():  # no GAN installed: the classical result still helps
        return None, upscale(telea(img, hole), INPAINT_DISPLAY_PX), (
            "No inpainting GAN is installed, so only OpenCV's result is shown: train one with "
            "`python train/inpaint.py`.")
    pipe = INPAINT.get(model)
    res = pipe.inpaint(img, hole)
    note = f"The hole covers {hole.mean():.0%} of the picture; every pixel outside it is unchanged."
    if max(img.size) > 2 * pipe.size:
        note += (" The GAN learnt on small emoji: in a large picture it fills at its own scale and the fill is "
                 "enlarged, so it looks softer than the picture around it.")
    # small pictures (an emoji) are shown enlarged by an integer factor, pixels kept as they are
    return upscale(res.image, INPAINT_DISPLAY_PX), upscale(telea(img, hole), INPAINT_DISPLAY_PX), note


def _brush_paint(img) -> np.ndarray:
    """Pixels of the picture in the brush colour: paint that gradio's editor has flattened into the
    background. It does so with an example's paint layer as soon as the visitor adds a stroke (the
    background it then sends is the example's composite, the layer only the new stroke), and the
    example's hole would come back as solid magenta. Paint is a hole wherever it ended up."""
    return (np.asarray(img) == _BRUSH_RGB).all(-1)


FIRST_INPAINT = "twemoji_elephant"   # the example in the editor when the page opens, with both fills


def _inpaint_examples() -> list[dict]:
    rows = []
    for bg in sorted((EXAMPLES_DIR / "inpaint").glob("*.png"), key=lambda p: (p.stem != FIRST_INPAINT, p.stem)):
        if bg.name.endswith((".mask.png", ".composite.png")):
            continue
        mask, comp = bg.with_name(bg.stem + ".mask.png"), bg.with_name(bg.stem + ".composite.png")
        if mask.is_file() and comp.is_file():
            rows.append({"background": str(bg), "layers": [str(mask)], "composite": str(comp)})
    return rows


def build() -> TabHandles:
    """Inpainting: upload a picture, brush over a part, the GAN fills it (next to OpenCV Telea)."""
    with gr.Tab("Inpainting", id="inpaint") as tab:
        names, default = opening(
            INPAINT, "emoji-inpaint",
            "No inpainting model is bundled yet: train one with `python train/inpaint.py --dataset emoji --size 128`.",
            "Paint over part of the picture and the GAN fills the hole after every stroke; beside it, the "
            "classical way (OpenCV) fills the same hole. Try the example below, upload your own picture, or "
            "click another example. It learnt from emoji, so it fills emoji best: outlines, faces, flat colours. "
            "Only the painted pixels change.")
        examples = _inpaint_examples()
        first = examples[0] if examples and default else None
        opened = first_result("the inpainting tab", inpaint_image, first, default) if first else None
        model = gr.Dropdown(names, value=default, label="model", elem_id="inpaint_model")
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                editor = gr.ImageEditor(value=first if opened else None, type="numpy", image_mode="RGBA", sources=["upload", "clipboard"],
                                        transforms=(), layers=False, canvas_size=(384, 384),
                                        brush=gr.Brush(colors=[BRUSH_COLOUR], color_mode="fixed", default_size=16),
                                        eraser=gr.Eraser(default_size=16), label="picture: paint the hole",
                                        elem_id="editor")
                _EDITORS.append(editor)
            with gr.Column(scale=2, min_width=260):
                out = gr.Image(value=opened[0] if opened else None, type="pil", format="png", label="GAN (ganzoo)", interactive=False,
                               elem_id="inpaint_out", buttons=["download", "fullscreen"])
            with gr.Column(scale=2, min_width=260):
                base = gr.Image(value=opened[1] if opened else None, type="pil", format="png",
                                label="classical (OpenCV)", interactive=False,
                                elem_id="inpaint_telea", buttons=["download", "fullscreen"])
        note = gr.Markdown(opened[2] if opened else "", elem_id="inpaint_note")
        live = dict(fn=inpaint_image, inputs=[editor, model], outputs=[out, base, note], preprocess=False,
                    trigger_mode="always_last", show_progress="minimal", concurrency_limit=2,
                    concurrency_id="inpaint")
        editor.change(api_name="inpaint", **live)
        model.change(**dict(live, api_visibility="private"))
        if examples:
            gr.Examples([[e] for e in examples], inputs=[editor], examples_per_page=8, elem_id="inpaint_examples",
                        label="examples: held-out emoji (never trained on) with a painted hole")
    return TabHandles(tab, "inpaint", model)


