"""gradio is imported without rewriting its type stubs (the cost of `assistant serve`'s start)."""

from __future__ import annotations

import json
import subprocess
import sys


def _python(script: str) -> str:
    """``script``'s standard output from a new interpreter (so that gradio loads afresh)."""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_web_package_imports_gradio_without_its_stub_writer() -> None:
    script = (
        "import json, pathlib, sys\n"
        "import importlib.util\n"
        "folder = pathlib.Path(importlib.util.find_spec('gradio').origin).parent\n"
        "before = {str(p): p.stat().st_mtime_ns for p in folder.rglob('*.pyi')}\n"
        "import assistant.interfaces.web.app  # installs the hook before gradio loads\n"
        "import gradio as gr, gradio.component_meta as meta\n"
        "with gr.Blocks() as demo:\n"
        "    box = gr.Textbox(label='x')\n"
        "after = {str(p): p.stat().st_mtime_ns for p in folder.rglob('*.pyi')}\n"
        "print(json.dumps({'writer': meta.create_or_modify_pyi.__module__,\n"
        "    'changed': [p for p in after if before.get(p) != after[p]],\n"
        "    'events': hasattr(box, 'change')}))\n"
    )
    result = json.loads(_python(script).strip().splitlines()[-1])
    assert result == {
        "writer": "assistant.interfaces.web.gradio_import",
        "changed": [],
        "events": True,
    }


def test_without_the_hook_gradio_would_rewrite_the_stubs() -> None:
    """The function the hook replaces is still gradio's stub writer (a gradio upgrade that drops
    or renames it makes this fail, and the hook can go)."""
    script = (
        "import gradio.component_meta as meta, inspect\n"
        "print(meta.create_or_modify_pyi.__module__, "
        "'pyi_file.write_text' in inspect.getsource(meta.create_or_modify_pyi))\n"
    )
    assert _python(script).split() == ["gradio.component_meta", "True"]
