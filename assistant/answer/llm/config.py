"""Whether an LLM is configured, decided from the settings alone (the client itself is heavy)."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm_base_url) or gguf_path(settings) is not None


def gguf_path(settings: Settings) -> Path | None:
    """The local GGUF model to run in-process: ``ASSISTANT_LLM_MODEL`` naming a .gguf file with
    no base URL."""
    model = settings.llm_model.strip()
    if settings.llm_base_url or not model.lower().endswith(".gguf"):
        return None
    return Path(model).expanduser()
