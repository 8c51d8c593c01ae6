"""The app's tabs, one module per model family (latent, sketch, transfer, inpaint) and the zoo.

A family's registry record names its tab's builder (`tab="tabs.sketch:build"`); app.py builds one
tab per such record, in registry order, then the zoo. `build()` adds the tab inside the current
gr.Tabs (with the id `registry.Family.tab_id`, the module's name) and returns an
appkit.common.TabHandles for wiring across tabs. Handlers are plain functions of raw request
values (events run with preprocess=False) and raise ganzoo.errors for the visitor to read;
`appkit.common.user_errors` turns those into one sentence. What the tabs stand on (errors, the
pipeline cache, drawing pads, imports, gradio internals) is in appkit/.
"""
