"""Import gradio without the type-stub writer it runs on every import.

Each time gradio is imported, its component metaclass re-reads the source of every component,
parses it and rewrites the component's ``.pyi`` stub next to it in site-packages
(``gradio.component_meta.create_or_modify_pyi``): about 2.8 of the 3.5 seconds the import
takes here, and a write into the installed package that fails on a read-only install. The stubs
only serve editors; nothing at run time reads them. This hook swaps that one function for a
no-op as its module is loaded, before any component class exists, so `assistant serve` starts
that much sooner. Importing this module installs the hook (``assistant.interfaces.web`` does).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

_MODULE = "gradio.component_meta"


def _no_stub(*args: Any, **kwargs: Any) -> None:
    """What ``create_or_modify_pyi`` becomes: the stubs in site-packages are left as they are."""


def _patch(module: ModuleType) -> None:
    if hasattr(module, "create_or_modify_pyi"):
        module.create_or_modify_pyi = _no_stub


class _StubWriterOff(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _patch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Install the hook once; if gradio is imported already, patch what is left to define."""
    if _MODULE in sys.modules:
        _patch(sys.modules[_MODULE])
    elif not any(isinstance(f, _StubWriterOff) for f in sys.meta_path):
        sys.meta_path.insert(0, _StubWriterOff())


install()
