"""A light drawing pad for the live tabs: a plain 2D canvas in a `gr.HTML` component.

Why not gradio's Sketchpad: in gradio 6.31 its page exports its WebGL canvases to PNGs and uploads
them several times per event (20–28 uploads and ~1 s per stroke in headless Chromium, see
bench/stroke_latency.py); this pad exports one PNG per stroke, in the page, and sends it with the
event itself.

Contract. The pad's value is the drawing as a PNG data URL (`data:image/png;base64,…`, an opaque
picture: black strokes on white, the pad's size), or "" when the pad is empty.
- The page → the server: after every stroke, undo or clear, the page sets the value and fires the
  pad's `input` event (listen with `pad.input(fn, [pad, …])`; the value travels with the event).
- The server → the page: an event that outputs a value to the pad (`as_value(path)`) puts that
  drawing on the pad as the visitor's own strokes (they can draw on it, erase, undo, clear). It
  fires no `input`: the handler that set it returns its results itself.
Tools, with the accessible names the browser tests use: "Brush", "Eraser" (the active one has the
class `highlight`), "Undo", "Clear canvas".

`hole_pad` is the same pad over a picture, for painting a hole (inpainting). Its value, set by the
server: {"picture": a data URL of the picture (a preview: see picture_value), "width", "height": the
picture's size, "mask": a PNG data URL of the hole or ""}; sent by the
page after every stroke, undo or clear: {"mask": …} alone (the picture stays on the server, so a
stroke sends a few kB whatever the picture's size). The mask is the picture's size in pixels, the
hole painted opaque, the rest transparent (`decode_mask`).
"""
from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, UnidentifiedImageError

from ganzoo.errors import InputError

PREFIX = "data:image/png;base64,"
MAX_VALUE_CHARS = 8 * 2**20   # a 384-px drawing is ~10–40 kB; anything near this is not a drawing

_TEMPLATE = """
<div class="drawpad">
  <div class="bar" role="toolbar" aria-label="drawing tools">
    <button type="button" data-tool="pen" class="highlight" aria-label="Brush" title="Brush">pen</button>
    <button type="button" data-tool="eraser" aria-label="Eraser" title="Eraser">eraser</button>
    <button type="button" data-act="undo" aria-label="Undo" title="Undo">undo</button>
    <button type="button" data-act="clear" aria-label="Clear canvas" title="Clear canvas">clear</button>
  </div>
  <canvas width="${size}" height="${size}" aria-label="${label}"></canvas>
</div>
"""

_CSS = """
.drawpad { display: flex; flex-direction: column; gap: 6px; width: 100%; max-width: ${size}px; }
.drawpad .bar { display: flex; gap: 6px; }
.drawpad .bar button { min-width: 40px; height: 36px; border: 1px solid var(--border-color-primary);
  border-radius: 6px; background: var(--background-fill-secondary); font-size: 14px; padding: 0 10px;
  color: var(--body-text-color); cursor: pointer; }
.drawpad .bar button.highlight { border-color: var(--color-accent); background: var(--color-accent-soft); }
.drawpad canvas { width: 100%; aspect-ratio: 1 / 1; border: 1px solid var(--border-color-primary);
  border-radius: 6px; background: #fff; touch-action: none; cursor: crosshair; }
"""

# What both pads do with the pointer and the tools, after each pad's own part has defined canvas,
# ctx, show(value), send(empty), style(tool, scale), ready() and wipe(). Strokes are round-capped
# segments between pointer positions in canvas pixels, whatever the canvas's size on screen; one
# snapshot per stroke for undo (≤ 30).
_COMMON_JS = """
const undo = [];
let tool = 'pen', down = false, last = null;
function snapshot() { undo.push(ctx.getImageData(0, 0, canvas.width, canvas.height)); if (undo.length > 30) undo.shift(); }
function at(e) {
  const r = canvas.getBoundingClientRect();
  return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
}
function segment(a, b) {
  ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  style(tool, canvas.width / canvas.getBoundingClientRect().width);
  ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
  ctx.globalCompositeOperation = 'source-over';
}
canvas.addEventListener('pointerdown', e => {
  if (e.button !== 0 || !ready()) return;
  snapshot(); down = true; last = at(e); segment(last, last);
  canvas.setPointerCapture(e.pointerId); e.preventDefault();
});
canvas.addEventListener('pointermove', e => { if (!down) return; const p = at(e); segment(last, p); last = p; });
function end() { if (!down) return; down = false; window.__drawpad_stroke_end = performance.now(); send(false); }
canvas.addEventListener('pointerup', end);
canvas.addEventListener('pointercancel', end);
element.querySelectorAll('[data-tool]').forEach(b => b.addEventListener('click', () => {
  tool = b.dataset.tool;
  element.querySelectorAll('[data-tool]').forEach(o => o.classList.toggle('highlight', o === b));
}));
element.querySelector('[data-act=undo]').addEventListener('click', () => {
  if (!undo.length) return;
  ctx.putImageData(undo.pop(), 0, 0); send(false);
});
element.querySelector('[data-act=clear]').addEventListener('click', () => { snapshot(); wipe(); send(true); });
show(props.value);
watch('value', () => { if (props.value !== shown) show(props.value); });
"""

# The drawing pad: black on white; the eraser paints white; widths in canvas pixels (what the
# model sees does not depend on the screen).
_JS = """
const canvas = element.querySelector('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
let shown = null;
function blank() {
  ctx.globalCompositeOperation = 'source-over'; ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
}
function show(value) {            // a value set by the server: its drawing becomes the pad's content
  shown = value;
  blank();
  if (!value) return;
  const img = new Image();
  img.onload = () => { if (shown === value) ctx.drawImage(img, 0, 0, canvas.width, canvas.height); };
  img.src = value;
}
function send(empty) {
  const value = empty ? '' : canvas.toDataURL('image/png');
  shown = value;
  props.value = value;
  trigger('input');
}
function style(tool, scale) {
  ctx.strokeStyle = tool === 'pen' ? props.pen : '#fff';
  ctx.lineWidth = tool === 'pen' ? props.pen_px : props.eraser_px;
}
function ready() { return true; }
function wipe() { blank(); }
""" + _COMMON_JS


_HOLE_TEMPLATE = """
<div class="holepad">
  <div class="bar" role="toolbar" aria-label="painting tools">
    <button type="button" data-tool="pen" class="highlight" aria-label="Brush" title="Brush">brush</button>
    <button type="button" data-tool="eraser" aria-label="Eraser" title="Eraser">eraser</button>
    <button type="button" data-act="undo" aria-label="Undo" title="Undo">undo</button>
    <button type="button" data-act="clear" aria-label="Clear canvas" title="Remove the hole">clear</button>
  </div>
  <div class="stage"><img alt="the picture to fill" draggable="false"><canvas aria-label="${label}"></canvas></div>
</div>
"""

_HOLE_CSS = _CSS.replace(".drawpad", ".holepad").replace("${size}", "384") + """
.holepad .stage { position: relative; width: 100%; line-height: 0; border: 1px solid var(--border-color-primary);
  border-radius: 6px; overflow: hidden; background: #fff; }
.holepad .stage img { width: 100%; height: auto; image-rendering: pixelated; user-select: none; }
.holepad .stage canvas { position: absolute; inset: 0; width: 100%; height: 100%; aspect-ratio: auto;
  border: 0; border-radius: 0; background: transparent; opacity: 0.8; }
"""

# The paint canvas has the picture's own size, laid over the picture as shown; a brush is
# pen_px screen pixels wide whatever the picture's size; the eraser removes paint.
_HOLE_JS = """
const img = element.querySelector('img'), canvas = element.querySelector('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
let shown = null;
function show(value) {
  shown = value;
  const v = value || {};
  if (!v.picture) { img.removeAttribute('src'); canvas.width = canvas.height = 1; return; }
  img.onload = () => {
    if (shown !== value) return;
    canvas.width = v.width || img.naturalWidth; canvas.height = v.height || img.naturalHeight; undo.length = 0;
    if (v.mask) {
      const m = new Image();
      m.onload = () => { if (shown === value) ctx.drawImage(m, 0, 0, canvas.width, canvas.height); };
      m.src = v.mask;
    }
  };
  img.src = v.picture;
}
function send(empty) {
  const value = { mask: empty ? '' : canvas.toDataURL('image/png') };
  shown = value;
  props.value = value;
  trigger('input');
}
function style(tool, scale) {
  ctx.globalCompositeOperation = tool === 'pen' ? 'source-over' : 'destination-out';
  ctx.strokeStyle = props.pen;
  ctx.lineWidth = (tool === 'pen' ? props.pen_px : props.eraser_px) * scale;
}
function ready() { return !!img.getAttribute('src'); }
function wipe() { ctx.clearRect(0, 0, canvas.width, canvas.height); }
""" + _COMMON_JS


def draw_pad(value: str = "", *, label: str, elem_id: str, size: int = 384, pen: str = "#000000",
             pen_px: int = 6, eraser_px: int = 18) -> gr.HTML:
    """The pad (see the module's contract), `size` canvas pixels square, shown at most that wide."""
    return gr.HTML(value=value, label=label, show_label=False, elem_id=elem_id, html_template=_TEMPLATE,
                   css_template=_CSS, js_on_load=_JS, size=size, pen=pen, pen_px=pen_px, eraser_px=eraser_px)


def hole_pad(value: dict | None = None, *, label: str, elem_id: str, pen: str = "#ff00ff", pen_px: int = 16,
             eraser_px: int = 16) -> gr.HTML:
    """The hole-painting pad (see the module's contract), as wide as its column."""
    return gr.HTML(value=value, label=label, show_label=False, elem_id=elem_id, html_template=_HOLE_TEMPLATE,
                   css_template=_HOLE_CSS, js_on_load=_HOLE_JS, pen=pen, pen_px=pen_px, eraser_px=eraser_px)


PREVIEW_PNG_PX = 256 * 256   # pictures up to this many pixels are shown exactly (PNG); larger as JPEG


def picture_value(img: Image.Image, mask=None) -> dict:
    """A picture (and optionally its hole, a bool array) → a hole_pad value. gradio keeps each
    session's last output value (up to SESSIONS_KEPT sessions), so a large picture goes to the page
    as a JPEG preview (~150 kB for 1024×768 instead of ~1.5 MB); the hole is drawn at the
    picture's own size (width, height) and the server fills the exact picture it keeps."""
    def url(im, fmt, **kw):
        buf = io.BytesIO()
        im.save(buf, format=fmt, **kw)
        return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    hole = ""
    if mask is not None:
        m = np.asarray(mask, bool)
        rgba = np.zeros((*m.shape, 4), np.uint8)
        rgba[m] = (255, 0, 255, 255)
        hole = url(Image.fromarray(rgba, "RGBA"), "PNG")
    rgb = img if img.mode in ("RGB", "L") else img.convert("RGB")
    shown = url(rgb, "PNG") if img.width * img.height <= PREVIEW_PNG_PX else url(rgb.convert("RGB"), "JPEG", quality=85)
    return {"picture": shown, "width": img.width, "height": img.height, "mask": hole}


def decode_mask(value, size: tuple[int, int]):
    """A hole_pad value → the hole, a bool array of `size` (W, H) (all False for no mask)."""
    if value is None or value == "":
        return np.zeros(size[::-1], bool)
    if not isinstance(value, dict) or not isinstance(value.get("mask", ""), str):
        raise InputError("The painted hole must come as {'mask': a PNG data URL}, as the painting pad sends it.")
    if not value.get("mask"):
        return np.zeros(size[::-1], bool)
    im = _png(value["mask"], "The painted hole")
    alpha = np.asarray(im.convert("RGBA"))[..., 3]
    if im.size != size:  # a mask of an earlier picture, or a client's own size: follow the picture
        alpha = np.asarray(Image.fromarray(alpha).resize(size, Image.Resampling.NEAREST))
    return alpha > 127


def as_value(picture: str | Path | Image.Image) -> str:
    """A picture (file or image) → a pad value (the picture as a PNG data URL)."""
    buf = io.BytesIO()
    if isinstance(picture, Image.Image):
        picture.convert("RGB").save(buf, format="PNG")
    else:
        with Image.open(picture) as im:
            im.convert("RGB").save(buf, format="PNG")
    return PREFIX + base64.b64encode(buf.getvalue()).decode("ascii")


def decode(value) -> Image.Image | None:
    """A pad value → the drawing (RGB), or None for an empty pad. Anything else: InputError."""
    if value is None or value == "":
        return None
    return _png(value, "The drawing").convert("RGB")


def _png(value, what: str) -> Image.Image:
    if not isinstance(value, str) or not value.startswith(PREFIX):
        raise InputError(f"{what} must be a PNG data URL (data:image/png;base64,…) as the pad sends it.")
    if len(value) > MAX_VALUE_CHARS:
        raise InputError(f"{what} is too large ({len(value) // 2**20} MB): the pad sends a few dozen kB.")
    try:
        with Image.open(io.BytesIO(base64.b64decode(value[len(PREFIX):], validate=True))) as im:
            im.load()
            return im
    except (binascii.Error, UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise InputError(f"{what} could not be read: it is not a valid PNG picture.") from None
