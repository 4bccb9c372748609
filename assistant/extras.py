"""Optional dependencies: a clear message naming the extra to install, never a traceback.

The default install (`make run`) leaves out what only some commands need: the test and
evaluation tools (`dev`: matplotlib, llama-index's BM25 retriever), the sentence-transformers
backend (`st`) and the in-process GGUF model (`llm-local`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS = {
    "dev": "the test and evaluation tools",
    "st": "the sentence-transformers backend",
    "llm-local": "the in-process GGUF model",
}


class MissingExtra(RuntimeError):
    """An optional dependency is not installed; the message says how to install it."""

    def __init__(self, module: str, extra: str, purpose: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{purpose} needs {module.split('.')[0]}, which the default install leaves out "
            f"({EXTRAS.get(extra, extra)}): run `.venv/bin/pip install -e '.[{extra}]'` "
            "(`make test` installs it)"
        )


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """``module`` imported, or ``MissingExtra`` when it (or what it needs) is not installed."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise MissingExtra(module, extra, purpose) from None
