"""Front ends over the pipeline: the command line and the web UI (Gradio page and its API)."""
