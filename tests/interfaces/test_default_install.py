"""Every command of the README works after the default install only (`make run`), or says which
extra to install; none ends in a traceback.

A fresh virtual environment per run would cost minutes, so the test runs each command in a
subprocess that cannot import any file of a distribution that only the extras (`dev`, `st`,
`llm-local`) bring: the files are found from the installed packages' metadata, and a finder at
the front of `sys.meta_path` refuses them as if they were not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from assistant.devtools.loadtest import free_port
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, run_cli

DISTRIBUTION = "pcpd-ai-assistant"
EXTRAS = ("dev", "st", "llm-local")

BLOCKER = '''
import importlib.machinery, json, os, sys
_BLOCKED = frozenset(json.load(open(os.environ["DEFAULT_INSTALL_BLOCKED"])))
class _ExtrasOnly:
    """Imports of files that only the extras install fail as if those were not installed."""
    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.origin in _BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _ExtrasOnly())
'''


def _closure(requirements: list[Requirement], extra: str = "") -> set[str]:
    """The installed distributions ``requirements`` need, transitively (normalised names);
    a distribution asked for with extras (``sqlalchemy[asyncio]``) brings those extras' needs."""
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    stack = [
        (r, "") for r in requirements if r.marker is None or r.marker.evaluate({"extra": extra})
    ]
    stack += [(r, e) for r, _ in list(stack) for e in r.extras]
    while stack:
        requirement, with_extra = stack.pop()
        name = requirement.name.lower().replace("_", "-")
        if (name, with_extra) in seen:
            continue
        seen.add((name, with_extra))
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        names.add(name)
        for line in dist.requires or []:
            needed = Requirement(line)
            if needed.marker is None:
                applies = not with_extra
            else:
                applies = needed.marker.evaluate({"extra": with_extra})
                # A marker without any extra applies to the plain distribution only once.
                applies = applies and (with_extra == "" or "extra" in str(needed.marker))
            if applies:
                stack.append((needed, ""))
                stack += [(needed, e) for e in needed.extras]
    return names


def _extras_only_files() -> tuple[set[str], list[str]]:
    own = [Requirement(r) for r in metadata.distribution(DISTRIBUTION).requires or []]
    default = _closure(own)
    extras = set().union(*(_closure(own, extra) for extra in EXTRAS)) - default
    files: set[str] = set()
    for name in extras:
        dist = metadata.distribution(name)
        for f in dist.files or []:
            if f.suffix in (".py", ".so", ".pyd"):
                files.add(str(Path(dist.locate_file(f)).resolve()))
    return files, sorted(extras)


@pytest.fixture(scope="module")
def default_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Settings]:
    folder = tmp_path_factory.mktemp("default-install")
    files, extras = _extras_only_files()
    # What the default install leaves out, so the check below would catch a regression.
    assert {"torch", "matplotlib", "llama-index-retrievers-bm25", "pytest"} <= set(extras)
    (folder / "blocked.json").write_text(json.dumps(sorted(files)), "utf-8")
    (folder / "site").mkdir()
    (folder / "site" / "sitecustomize.py").write_text(BLOCKER, "utf-8")
    # The bundled corpus, as a new user has it (read only); the index and data are the test's.
    settings = Settings.from_env(
        env={},
        corpus_dir=PROJECT_ROOT / "corpus",
        index_dir=folder / "index",
        data_dir=folder / "data",
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(folder / "site"),
        "DEFAULT_INSTALL_BLOCKED": str(folder / "blocked.json"),
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_AUTH_FILE": "",
    }
    return env, settings


def test_the_blocker_really_hides_the_extras(default_install) -> None:  # type: ignore[no-untyped-def]
    env, _ = default_install
    probe = (
        "import importlib\nfor m in ('matplotlib', 'torch', 'llama_index.retrievers.bm25', "
        "'llama_index.core', 'chromadb', 'gradio'):\n"
        "    try:\n        importlib.import_module(m); print(m, 'yes')\n"
        "    except ModuleNotFoundError:\n        print(m, 'no')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.stdout.split("\n")[:6] == [
        "matplotlib no",
        "torch no",
        "llama_index.retrievers.bm25 no",
        "llama_index.core yes",
        "chromadb yes",
        "gradio yes",
    ], out.stderr


def test_every_readme_command_after_the_default_install(  # type: ignore[no-untyped-def]
    default_install, tmp_path: Path
) -> None:
    env, settings = default_install
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "1",
                "lang": "en",
                "question": "do staff need multi-factor authentication",
                "expected_sections": ["checklist-2025/4"],
                "answer_type": "permission",
                "kind": "factual",
            }
        )
        + "\n",
        "utf-8",
    )
    users = tmp_path / "users.json"
    commands: list[tuple[list[str], str | None, int]] = [
        (["index"], None, 0),
        (["index"], None, 0),
        (["ask", "can i put client emails in chatgpt"], None, 0),
        (["ask", "--json", "員工可以用咩裝置使用生成式AI"], None, 0),
        (["ask", "--trace", "what does dpp4 require"], None, 0),
        (["chat"], "what does dpp4 require\n", 0),
        (["corpus", "check"], None, 0),
        (["corpus", "cards"], None, 0),
        (["draft", "--org", "Acme Ltd"], None, 0),
        (["draft", "--request", "a clause on what HR staff must not paste into ChatGPT"], None, 0),
        (["feedback", "export"], None, 0),
        (["audit", "export"], None, 0),
        (["db", "upgrade"], None, 0),
        (["users", "add", "trainer", "--file", str(users)], "a long enough password\n", 0),
        (["config"], None, 0),
        (["eval", "--gold", str(gold), "--report", str(tmp_path / "r.md")], None, 0),
        (["eval", "--gold", str(gold), "--no-baselines"], None, 0),
        # Needs the dev extra for its plot: says so before timing anything.
        (["bench", "--scales", "1", "--questions", "1", "--repeats", "1"], None, 1),
    ]
    for args, stdin, code in commands:
        out = run_cli(settings, *args, env=env, input=stdin)
        assert "Traceback" not in out.stderr, (args, out.stderr)
        assert out.returncode == code, (args, out.returncode, out.stderr[-2000:])
        if args[0] == "eval" and "--no-baselines" not in args:
            # The llama-index baseline is skipped and named, the others still run.
            assert "Not run: llama-index BM25Retriever" in out.stdout
            assert "pip install -e '.[dev]'" in out.stdout
            assert "BM25 only" in out.stdout
            assert "no chart" in out.stderr and (tmp_path / "r.md").exists()
        if args[0] == "bench":
            assert "pip install -e '.[dev]'" in out.stderr
    assert users.exists()


def test_serve_and_loadtest_after_the_default_install(default_install) -> None:  # type: ignore[no-untyped-def]
    env, settings = default_install
    assert run_cli(settings, "index", env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.interfaces.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.3)
        out = run_cli(
            settings,
            "loadtest",
            "--clients",
            "2",
            "--requests",
            "1",
            "--url",
            f"http://127.0.0.1:{port}/",
            env=env,
        )
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in (server.stderr.read() if server.stderr else "")
