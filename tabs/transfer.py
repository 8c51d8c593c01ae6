"""Domain transfer tab (CycleGAN): upload a picture, see it in the other domain, either way the
model allows. Released reference CycleGAN generators (.pth) can be imported."""
from __future__ import annotations

import gradio as gr

from ganzoo.errors import InputError
from ganzoo.pipelines import CycleGANPipeline

from appkit.common import (EXAMPLES_DIR, PipelineCache, TabHandles, first_result, import_pth, opening, payload_path,
                     picker_fetch, pth_importer, upscale, user_errors)

CYCLEGAN = PipelineCache("cyclegan", CycleGANPipeline.from_pretrained)
TRANSFER_DISPLAY_PX = 384
# how much detail: the long side the model runs at, × the size it was trained at (a released
# photo model: 256 px; more is sharper and slower)
DETAIL = {"standard": 1.0, "more detail": 1.5, "most detail": 2.0}


def _direction_choices(model, progress=None, request=None) -> list[tuple[str, str]]:
    try:
        return [(label, d) for d, label in CYCLEGAN.get(model, progress, request).directions.items()]
    except Exception:  # a broken or missing model: the translate call says why
        return []


def _progress(progress):
    """gradio's progress bar as the (fraction, text) callback ganzoo.released reports to."""
    return (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None


@user_errors
def domain_transfer(image=None, model=None, direction="a2b", detail="standard", request: gr.Request = None,
                    progress=gr.Progress()):
    """An uploaded picture (any size or mode) → (the input as the model sees it, its translation)."""
    path = payload_path(image)
    if path is None:
        raise InputError("No image was uploaded: choose a picture first.")
    if not isinstance(direction, str):
        raise InputError("direction must be a2b or b2a")
    if detail not in DETAIL:
        raise InputError(f"detail must be one of {', '.join(DETAIL)}")
    pipe = CYCLEGAN.get(model, _progress(progress), request)
    seen, out = pipe.translate(path, direction, round(pipe.cfg.img_size * DETAIL[detail]))
    return upscale(seen, TRANSFER_DISPLAY_PX), upscale(out, TRANSFER_DISPLAY_PX)


@user_errors
def import_cyclegan_weights(file=None, request: gr.Request = None):
    """A released reference CycleGAN generator (.pth) → a new entry in the visitor's model picker."""
    return import_pth(file, "cyclegan", CYCLEGAN, "horse2zebra, style_monet", request)


def _transfer_quiet(image=None, model=None, direction="a2b", detail="standard", request: gr.Request = None,
                    progress=gr.Progress()):
    """A new model or direction redoes the translation if there is a picture; none is no error."""
    if payload_path(image) is None:
        return None, None
    return domain_transfer(image, model, direction, detail, request, progress)


@user_errors
def _transfer_model_update(model, request: gr.Request = None):
    """A picked model (fetched by picker_fetch): its directions."""
    choices = _direction_choices(model, request=request)
    return gr.Radio(choices=choices, value=choices[0][1] if choices else None)


FIRST_TRANSFER = "twemoji_grinning-face-with-star-eyes"   # shown when the page opens: a clear change of style


def _transfer_examples(model) -> list[list[str]]:
    """[picture, direction] rows: each example file is named STYLE_what.png, and its direction is
    the one that starts from STYLE in the default model (a2b otherwise)."""
    try:
        domains = CYCLEGAN.get(model).domains if model else []
    except Exception:
        domains = []
    rows = []
    for p in sorted((EXAMPLES_DIR / "transfer").glob("*.png"), key=lambda p: (p.stem != FIRST_TRANSFER, p.stem)):
        style = p.stem.split("_", 1)[0]
        rows.append([str(p), "b2a" if len(domains) == 2 and style == domains[1] else "a2b"])
    return rows


def build() -> TabHandles:
    """CycleGAN: upload a picture, see it in the other domain (either way the model allows)."""
    with gr.Tab("Domain transfer", id="transfer") as tab:
        names, default = opening(
            CYCLEGAN, "noto2twemoji",
            "No CycleGAN model is installed yet: import a released generator (`horse2zebra.pth`, `style_monet.pth`, "
            "…) below, or train one with `python train/cyclegan.py --domain-a noto --domain-b twemoji`.",
            "Upload a picture or click an example, pick a direction, and see it redrawn in the other style. "
            "The emoji model turns Google's Noto emoji (shaded, outlined) into Twitter's flat Twemoji style and "
            "back; it knows emoji, not photos. For photos, pick a photo model in the list: *vintage photo* works "
            "at once, the others (horse ↔ zebra, photo → Monet, summer ↔ winter, …) download on first use.")
        choices = _direction_choices(default) if default else []
        examples = _transfer_examples(default)
        first = examples[0] if examples and default else None
        opened = first_result("the transfer tab", domain_transfer, first[0], default, first[1]) if first else None
        with gr.Row(equal_height=False):
            model = gr.Dropdown(CYCLEGAN.choices(), value=default, label="model", elem_id="transfer_model", scale=2)
            direction = gr.Radio(choices, value=first[1] if opened else choices[0][1] if choices else None,
                                 label="direction", elem_id="transfer_direction", scale=2)
            detail = gr.Radio(list(DETAIL), value="standard", label="detail", elem_id="transfer_detail",
                              info="more detail takes longer", scale=1)
        # picture, translation, then the model's view: on a phone the result comes right under the picture
        with gr.Row():
            with gr.Column(scale=2, min_width=280):
                photo = gr.Image(value=first[0] if opened else None, type="filepath", sources=["upload", "clipboard"],
                                 label="picture", elem_id="photo", height=384)
            with gr.Column(scale=2, min_width=280):
                out = gr.Image(value=opened[1] if opened else None, type="pil", format="png", label="translated",
                               interactive=False, elem_id="transfer_out", buttons=["download", "fullscreen"])
            with gr.Column(scale=1, min_width=160):
                seen = gr.Image(value=opened[0] if opened else None, type="pil", format="png",
                                label="as the model sees it", interactive=False, elem_id="transfer_in", buttons=[])
        pth, import_btn = pth_importer(
            "use your own CycleGAN weights (.pth)",
            "Have a generator trained with the original CycleGAN code (a `.pth` file such as `horse2zebra` or "
            "`style_monet`; each file holds one direction)? Load it here and it joins your model list. Only "
            "plain weights are accepted, it is yours alone, and it is deleted when you leave the page.", "cyclegan_")

        run = dict(fn=domain_transfer, inputs=[photo, model, direction, detail], outputs=[seen, out],
                   preprocess=False, show_progress="minimal", concurrency_limit=1, concurrency_id="transfer")
        photo.upload(api_name="domain_transfer", **run)
        quiet = dict(run, fn=_transfer_quiet, api_visibility="private")
        direction.input(**quiet)
        detail.input(**quiet)
        # a released model is fetched on its first pick: the progress bar shows on the direction box
        picker_fetch(CYCLEGAN, model, [direction], default).then(
            _transfer_model_update, model, direction, show_progress="hidden", api_visibility="private",
            queue=False).then(**quiet)
        import_btn.click(import_cyclegan_weights, pth, model, preprocess=False,
                         api_name="import_cyclegan", concurrency_limit=1)
        if examples:
            ex = gr.Examples(examples, inputs=[photo, direction], examples_per_page=8,
                             label="examples: held-out emoji (never trained on), Noto and Twemoji style")
            ex.load_input_event.then(**quiet)
        photos = sorted(str(p) for p in (EXAMPLES_DIR / "photos").glob("*.jpg"))
        if photos:
            ex = gr.Examples(photos, inputs=[photo], examples_per_page=8,
                             label="photos (for the photo models; public domain and CC0, from scikit-image)")
            ex.load_input_event.then(**quiet)
    return TabHandles(tab, "cyclegan", model)


