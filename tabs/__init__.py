"""The app's tabs, one module each (latent, sketch, transfer, inpaint, zoo); app.py composes them.

Each module's `build(...)` adds its tab inside the current gr.Tabs and returns a TabHandles
(tabs.common) that app.py uses for wiring across tabs. Handlers are plain functions of raw request
values (events run with preprocess=False) and raise ganzoo.errors for the visitor to read;
`tabs.common.user_errors` turns those into one sentence. gradio internals live in tabs.compat.
"""
