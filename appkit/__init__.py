"""What the app's tabs stand on, apart from the tabs themselves (tabs/):

- common: a handler's errors as one sentence, the model threads, raw-value checks, the cache of
  loaded pipelines, the .pth importer widgets, TabHandles.
- drawpad: the light drawing pads (a stroke sends one small PNG).
- imports: a visitor's own uploaded weights, kept to their session.
- cache_budget: gradio's cache on disk bounded in bytes.
- memtrace: where the server's memory goes (bench/soak.py --trace).
- compat: every use of gradio's internals, for the one gradio version they were checked on.
"""
