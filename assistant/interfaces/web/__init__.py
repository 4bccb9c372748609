"""The Gradio web UI: layout, rendering, the Gradio-free service layer and the page's API."""

# First, before any module of this package imports gradio: see gradio_import.
from assistant.interfaces.web import gradio_import  # noqa: F401
