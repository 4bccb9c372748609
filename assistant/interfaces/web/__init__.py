"""The Gradio web UI: layout, rendering, the Gradio-free service layer and the page's API."""
