"""Sketch → image tab (pix2pix): draw with the mouse or upload a drawing; the picture follows
every stroke. Released reference pix2pix generators (.pth) can be imported."""
from __future__ import annotations

import gradio as gr

from ganzoo.errors import InputError
from ganzoo.pipelines import Pix2PixPipeline

from appkit.common import (EXAMPLES_DIR, PipelineCache, TabHandles, first_result, import_pth, opening, payload_path,
                     picker_fetch, pth_importer, upscale, user_errors)
from appkit.drawpad import as_value, decode, draw_pad
from ganzoo.pipelines.translate import EmptyCanvas

PIX2PIX = PipelineCache("pix2pix", Pix2PixPipeline.from_pretrained)
SKETCH_DISPLAY_PX = 384


def _translate(model, src, progress=None, request=None):
    pipe = PIX2PIX.get(model, (lambda f, text: progress(f, desc=text)) if progress is not None else None, request)
    seen, out = pipe.translate(src)
    return upscale(seen, SKETCH_DISPLAY_PX // 2), upscale(out, SKETCH_DISPLAY_PX)


@user_errors
def sketch_to_image(sketch=None, model=None, request: gr.Request = None, progress=gr.Progress()):
    """A drawing-pad value (the drawing as a PNG data URL, "" when empty: see appkit.drawpad) →
    (model input, result)."""
    # a cleared (or blank) canvas clears the results: pressing "clear" is not a mistake
    src = decode(sketch)
    if src is None:
        return None, None
    try:
        return _translate(model, src, progress, request)
    except EmptyCanvas:
        return None, None


@user_errors
def load_example(path=None, model=None, request: gr.Request = None, progress=gr.Progress()):
    """An example drawing clicked → (the pad's new drawing, model input, result)."""
    src = payload_path(path)
    if src is None:
        return gr.skip(), gr.skip(), gr.skip()
    return (as_value(src), *_translate(model, src, progress, request))


def _uploaded(image, model, progress, request):
    """(the pipeline, what the model is given, whether a photo became a drawing, model input, result)."""
    path = payload_path(image)
    if path is None:
        raise InputError("No image was uploaded: choose a drawing or photo first.")
    pipe = PIX2PIX.get(model, (lambda f, text: progress(f, desc=text)) if progress is not None else None, request)
    given, drawn = pipe.as_drawing(path)
    return (pipe, given, drawn, *_translate(model, given, progress, request))


@user_errors
def upload_to_image(image=None, model=None, request: gr.Request = None, progress=gr.Progress()):
    """An uploaded drawing or photo (any size or mode) → (model input, result). A line-art model
    given a photo draws the photo's edges (Pix2PixPipeline.as_drawing)."""
    return _uploaded(image, model, progress, request)[3:]


@user_errors
def _upload_to_pad(image=None, model=None, request: gr.Request = None, progress=gr.Progress()):
    """The page's upload: for a line-art model the drawing (a photo's edges) goes on the pad, where
    it can be drawn on, and the upload box empties, so one drawing is shown, the one the result is
    made of → (pad, upload box, model input, result). A model of pictures leaves the pad alone."""
    pipe, given, drawn, seen, out = _uploaded(image, model, progress, request)
    if not pipe.is_sketch_model:
        return gr.skip(), gr.skip(), seen, out
    if drawn:
        gr.Info("This model colours line drawings, so your photo became a drawing of its edges, now on the "
                "pad: draw on it, erase, or clear it.")
    return as_value(given), None, seen, out


@user_errors
def import_reference_weights(file=None, request: gr.Request = None):
    """A released reference pix2pix generator (.pth) → a new entry in the visitor's model picker."""
    return import_pth(file, "pix2pix", PIX2PIX, "facades_label2photo, edges2shoes", request)


FIRST_SKETCH = "cat"   # the drawing on the pad when the page opens (with its picture beside it)


def _sketch_examples() -> list[str]:
    """The example drawings (files), FIRST_SKETCH first: a click puts one on the pad, where the
    visitor can draw on, erase or clear it."""
    paths = sorted((EXAMPLES_DIR / "sketches").glob("*.png"), key=lambda p: (p.stem != FIRST_SKETCH, p.stem))
    return [str(p) for p in paths]


def build() -> TabHandles:
    """pix2pix: draw (or upload) line art, get a picture after every stroke."""
    with gr.Tab("Sketch → image", id="sketch") as tab:
        names, default = opening(
            PIX2PIX, "sketch2emoji",
            "No pix2pix checkpoints are bundled yet: train one with `python train/pix2pix.py --dataset openmoji ...`.",
            "Draw an outline and the model paints it in emoji colours after every stroke. Start from the cat "
            "(draw on it, or clear the pad with its clear button and draw your own: a face, a heart, a house, an "
            "animal) or click an example below. It learnt from emoji outlines, so it knows emoji shapes, not "
            "photos; the small picture next to the model picker is your drawing as the model sees it (centred, "
            "lines evened out). For photos, pick a released model such as *drawing → shoe photo*.")
        examples = _sketch_examples()
        first = examples[0] if examples else None
        # (pad, model input, result), as if the visitor had clicked the first example
        opened = first_result("the sketch tab", load_example, first, default) if first and default else None
        with gr.Row():
            with gr.Column(scale=3, min_width=320):
                sketch = draw_pad(opened[0] if opened else "", label="draw here", elem_id="sketchpad",
                                  size=SKETCH_DISPLAY_PX)
            with gr.Column(scale=3, min_width=320):
                out = gr.Image(value=opened[2] if opened else None, type="pil", format="png", label="result",
                               interactive=False, elem_id="sketch_out", height=SKETCH_DISPLAY_PX + 40,
                               buttons=["download", "fullscreen"])
        if examples:
            # a click puts the drawing on the pad (editable) and shows its picture; all on one page (with
            # 8 a page the sun and the tree hid behind a page-2 link)
            picked = gr.Image(type="filepath", visible=False)
            gr.Examples([[e] for e in examples], inputs=picked, examples_per_page=max(8, len(examples)),
                        elem_id="sketch_examples",
                        label="example drawings (drawn with a mouse in this app): click one to draw on it")
        with gr.Row():
            model = gr.Dropdown(PIX2PIX.choices(), value=default, label="model", elem_id="sketch_model", scale=2)
            seen = gr.Image(value=opened[1] if opened else None, type="pil", format="png",
                            label="what the model sees", show_label=False, interactive=False, elem_id="sketch_seen",
                            buttons=[], height=140, scale=1, min_width=140)
        with gr.Accordion("upload a drawing or photo instead", open=False):
            upload = gr.Image(type="filepath", sources=["upload", "clipboard"], label="upload",
                              elem_id="sketch_upload", height=240)
        pth, import_btn = pth_importer(
            "use your own pix2pix weights (.pth)",
            "Have a generator trained with the original pix2pix code (a `.pth` file such as `edges2shoes` or "
            "`facades_label2photo`)? Load it here and it joins your model list. Only plain weights are "
            "accepted, it is yours alone, and it is deleted when you leave the page.", "")

        live = dict(outputs=[seen, out], preprocess=False, trigger_mode="always_last",
                    show_progress="minimal", concurrency_limit=2, concurrency_id="sketch")
        # the page fires input after every stroke, undo and clear, the drawing travelling with it
        sketch.input(sketch_to_image, [sketch, model], api_name="sketch2img", **live)
        if examples:
            picked.change(load_example, [picked, model], [sketch, seen, out], preprocess=False,
                          api_visibility="private", show_progress="minimal", concurrency_limit=2,
                          concurrency_id="sketch")
        upload.upload(_upload_to_pad, [upload, model],
                      **{**live, "outputs": [sketch, upload, seen, out], "api_visibility": "private"})
        gr.on([], upload_to_image, [upload, model], api_name="upload2img", **live)   # for API callers
        # a new model redraws whatever is on the canvas (quietly: an empty canvas is no error here)
        picker_fetch(PIX2PIX, model, [seen, out], default).then(
            _redraw, [sketch, upload, model], [seen, out], preprocess=False, api_visibility="private",
            show_progress="hidden", concurrency_limit=2, concurrency_id="sketch")
        import_btn.click(import_reference_weights, pth, model, preprocess=False,
                         api_name="import_reference", concurrency_limit=1)
    return TabHandles(tab, "pix2pix", model)


@user_errors
def _redraw(sketch=None, upload=None, model=None, request: gr.Request = None):
    """A picked model (fetched by picker_fetch) redraws what is there."""
    src = decode(sketch) or payload_path(upload)
    if src is None:
        return None, None
    try:
        return _translate(model, src, request=request)
    except EmptyCanvas:
        return None, None

