"""Model zoo tab: every installed model in one table, its card, sample grid and training command;
"open in its tab" selects the model in the tab that runs its family."""
from __future__ import annotations

import gradio as gr
from PIL import Image

import ganzoo
from ganzoo import zoo
from ganzoo.errors import InputError

from appkit.common import TabHandles, user_errors

COLUMN_WIDTHS = ["12%", "13%", "10%", "6%", "7%", "7%", "25%", "20%"]   # one per zoo.HEADERS


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
    return (e.visitor_card(), _read_png(grid) if grid else None, e.command or "(no training command recorded)",
            gr.update(interactive=e.tab is not None,
                      value="open in its tab" if e.tab else "no tab: a classifier that scores generated images"))


def _opener(pickers: dict[str, gr.Dropdown]):
    """"open in its tab": select the tab of the model's family and the model in its picker."""
    families = list(pickers)

    def open_model(name):
        e = zoo.entry(name)
        if e.tab is None or e.family not in pickers:
            return [gr.update()] * (1 + len(families))
        return [gr.Tabs(selected=e.tab)] + [gr.update(value=name) if fam == e.family else gr.update()
                                            for fam in families]
    return open_model


def _zoo_row(evt: gr.SelectData):
    return evt.row_value[0] if evt.row_value else gr.update()


def build(tabs: gr.Tabs, pickers: dict[str, gr.Dropdown]) -> TabHandles:
    """Every installed model with its card; "open in its tab" selects it in the tab that runs it
    (`pickers`: each family's model picker, from the other tabs' handles)."""
    items = zoo.entries()
    names = [e.name for e in items]
    first = next((n for n in names if n == "mnist-cgan"), names[0] if names else None)
    card, grid, command, _ = zoo_card(first) if first else ("No models are installed.", None, "", None)
    with gr.Tab("Model zoo", id="zoo") as tab:
        gr.Markdown("Every model this page runs: what it learnt from, how big it is and how good it is. "
                    "Click a row (or pick a name) for its card: what it does and doesn't know, what was measured "
                    "and how it was trained; *open in its tab* takes you to it.")
        # fixed shares of the page's width: the table fits a laptop screen, long cells wrap
        table = gr.Dataframe(zoo.table(items), headers=zoo.HEADERS, interactive=False, elem_id="zoo_table",
                             wrap=True, max_height=420, column_widths=COLUMN_WIDTHS)
        with gr.Row():
            model = gr.Dropdown(names, value=first, label="model", elem_id="zoo_model", scale=3)
            open_btn = gr.Button("open in its tab", variant="primary", elem_id="zoo_open", scale=1)
        with gr.Row():
            with gr.Column(scale=1):
                gr.Markdown("**Pictures it made**")
                # no label or download button over the picture: they hid its top row
                grid_img = gr.Image(value=grid, type="pil", format="png", label="samples", show_label=False,
                                    interactive=False, elem_id="zoo_grid", buttons=["fullscreen"])
                cmd = gr.Code(value=command, language="shell", label="trained with", interactive=False,
                              elem_id="zoo_command")
            with gr.Column(scale=2):
                card_md = gr.Markdown(card, elem_id="zoo_card")
        table.select(_zoo_row, None, model, queue=False, api_visibility="private")
        model.change(user_errors(zoo_card), model, [card_md, grid_img, cmd, open_btn], queue=False,
                     api_name="zoo_card")
        open_btn.click(user_errors(_opener(pickers)), model, [tabs, *pickers.values()], queue=False,
                       api_visibility="private")
    return TabHandles(tab)


