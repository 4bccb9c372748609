"""Faults: the Chroma server going away under the web app, a damaged or missing index, and an
index build killed midway. Each is caused for real (a server process stopped, bytes overwritten,
``kill -9``), never simulated by patching the code under test."""

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Page, expect

from assistant.index.snapshot import current_generation, load_snapshot
from assistant.interfaces.cli import main
from assistant.interfaces.web import app as ui_module
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import FAILURES, UIService
from assistant.pipeline import Assistant
from assistant.retrieval.indexing import build_index
from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, ChromaServer, free_port, make_settings
from tests.interfaces.web.test_browser import (  # noqa: F401  (fixtures and helpers of the browser suite)
    ask,
    browser_context_args,
    browser_type_launch_args,
    open_app,
    shot,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
QUESTION = "Do staff need strong passwords for AI tools?"


def _server_settings(tmp_path: Path, server: ChromaServer, built_settings: Settings) -> Settings:
    settings = make_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=server.port)
    shutil.copytree(built_settings.index_dir / "cache", settings.index_dir / "cache")
    build_index(settings)
    return settings


def _serve(settings: Settings) -> Iterator[str]:
    app = build_app(settings, UIService(settings, Assistant(settings)))
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


# ---------------------------------------------------------------- the Chroma server goes away


@pytest.mark.server
def test_api_says_the_store_is_away_and_recovers_when_it_returns(
    chroma_server: ChromaServer, tmp_path: Path, built_settings: Settings
) -> None:
    settings = _server_settings(tmp_path, chroma_server, built_settings)
    for url in _serve(settings):
        client = Client(url, verbose=False)
        before = client.predict(QUESTION, api_name="/ask")
        assert before["citations"][0]["section_id"] == "checklist-2025/4"
        chroma_server.stop()
        with pytest.raises(Exception, match=f"Chroma server at 127.0.0.1:{chroma_server.port}"):
            client.predict(QUESTION, api_name="/ask")
        # Browsing needs no vector store and keeps working meanwhile.
        section = client.predict("checklist-2025/4", "en", api_name="/section")
        assert section["heading"] == "4 Data security"
        chroma_server.start()
        after = client.predict(QUESTION, api_name="/ask")  # no restart of the app
        assert after["answer"] == before["answer"] and after["citations"] == before["citations"]


@pytest.mark.server
@pytest.mark.browser
def test_chat_page_says_the_store_is_away_and_recovers_when_it_returns(
    chroma_server: ChromaServer, tmp_path: Path, built_settings: Settings, page: Page
) -> None:
    settings = _server_settings(tmp_path, chroma_server, built_settings)
    for url in _serve(settings):
        open_app(page, url)
        expect(ask(page, QUESTION)).to_contain_text("multi-factor authentication")
        chroma_server.stop()
        page.fill("#question textarea", "Which devices may staff use with generative AI tools?")
        page.press("#question textarea", "Enter")
        notice = page.locator("#chatbot .notice")
        expect(notice).to_have_text(FAILURES["en"]["store"])
        shot(page, "15-store-away")
        chroma_server.start()
        answer = ask(page, "Which devices may staff use with generative AI tools?")
        expect(answer).to_contain_text("devices")
        expect(answer.locator("a.cite-chip").first).to_be_visible()


def test_failure_notices_are_in_the_interface_language() -> None:
    from assistant.index.snapshot import IndexCorrupt
    from assistant.index.store import StoreUnavailable

    store = StoreUnavailable("the Chroma server at h:1 did not answer")
    assert UIService.failure_notice(store, "zh-Hant") == FAILURES["zh-Hant"]["store"]
    index = IndexCorrupt("damaged")
    assert "assistant index --rebuild" in UIService.failure_notice(index, "en")
    assert "出現內部錯誤" in UIService.failure_notice(RuntimeError("x"), "zh-Hant")


# ---------------------------------------------------------------- a damaged or missing index


def _copy_index(built_settings: Settings, tmp_path: Path) -> Settings:
    settings = built_settings.replace(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    shutil.copytree(built_settings.index_dir, settings.index_dir)
    return settings


def _generation(settings: Settings) -> Path:
    return settings.index_dir / str(current_generation(settings.index_dir))


def _damage(settings: Settings, how: str) -> None:
    folder = _generation(settings)
    if how == "vectors":
        (folder / "sentence_vectors.npy").write_bytes(b"not numpy")
    elif how == "chroma":
        (folder / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    elif how == "chroma-missing":
        shutil.rmtree(folder / "chroma")
    elif how == "manifest":
        (folder / "manifest.json").write_text("{ truncated", "utf-8")
    elif how == "generation-missing":
        shutil.rmtree(folder)
    elif how == "bm25":
        shutil.rmtree(folder / "bm25")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    # `serve` must never start listening in these tests: the damage has to stop it first.
    def no_launch(*args: object, **kwargs: object) -> None:
        raise AssertionError("the app was launched on a damaged index")

    monkeypatch.setattr(ui_module, "launch", no_launch)
    yield monkeypatch


def _use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))


@pytest.mark.parametrize(
    "how", ["vectors", "chroma", "chroma-missing", "manifest", "generation-missing", "bm25"]
)
def test_a_damaged_index_is_reported_by_ask_and_serve(
    built_settings: Settings,
    tmp_path: Path,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    settings = _copy_index(built_settings, tmp_path)
    _damage(settings, how)
    _use(cli_env, settings)
    assert main(["ask", QUESTION]) == 1
    asked = capsys.readouterr()
    assert asked.err.startswith("error: ") and "assistant index --rebuild" in asked.err
    assert "Traceback" not in asked.err and asked.out == ""
    assert main(["serve", "--port", str(free_port())]) == 1
    assert "assistant index --rebuild" in capsys.readouterr().err


def test_a_missing_index_is_reported_by_ask_and_serve(
    settings: Settings, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(cli_env, settings)
    assert main(["ask", QUESTION]) == 1
    assert "run `assistant index` first" in capsys.readouterr().err
    assert main(["serve", "--port", str(free_port())]) == 1
    assert "run `assistant index` first" in capsys.readouterr().err


def test_index_rebuild_repairs_a_damaged_index(
    built_settings: Settings,
    tmp_path: Path,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = _copy_index(built_settings, tmp_path)
    _damage(settings, "chroma")
    _use(cli_env, settings)
    assert main(["ask", QUESTION]) == 1
    assert main(["index", "--rebuild"]) == 0
    capsys.readouterr()
    assert main(["ask", "--json", QUESTION]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"][0]["section_id"] == "checklist-2025/4"


# ---------------------------------------------------------------- an index build killed midway


def _start_index_build(settings: Settings) -> tuple[subprocess.Popen[bytes], threading.Event]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(settings.data_dir),
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.interfaces.cli", "index", "--rebuild"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    embedding = threading.Event()

    def watch() -> None:
        assert process.stderr is not None
        seen = b""
        while chunk := process.stderr.read1(4096):  # type: ignore[attr-defined]
            seen = (seen + chunk)[-4096:]
            if b"embedding" in seen:
                embedding.set()

    threading.Thread(target=watch, daemon=True).start()
    return process, embedding


@pytest.mark.parametrize("moment", ["while embedding", "while writing the new generation"])
def test_a_killed_index_build_leaves_the_previous_index_serving(
    built_settings: Settings, tmp_path: Path, moment: str
) -> None:
    settings = make_settings(tmp_path)
    shutil.copytree(built_settings.index_dir / "cache", settings.index_dir / "cache")
    build_index(settings)
    before = current_generation(settings.index_dir)
    serving = Assistant(settings)
    expected = serving.ask(QUESTION)
    # A corpus change, so that the killed build would have produced a different index.
    corpus_file = settings.corpus_dir / "pdpo-dpps.en.md"
    corpus_file.write_text(
        corpus_file.read_text("utf-8") + "\nA sentence added after the last build.\n", "utf-8"
    )

    process, embedding = _start_index_build(settings)
    try:
        deadline = time.time() + 300
        while process.poll() is None and time.time() < deadline:
            if moment == "while embedding" and embedding.is_set():
                break
            if moment != "while embedding" and list(settings.index_dir.glob(".building-*")):
                break
            time.sleep(0.01)
        assert process.poll() is None, "the build finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()

    assert current_generation(settings.index_dir) == before
    # The assistant that was serving goes on answering, and a fresh one loads the same index.
    assert serving.ask(QUESTION).text == expected.text
    fresh = Assistant(settings)
    assert fresh.snapshot.manifest["generation"] == before
    assert fresh.ask(QUESTION).text == expected.text
    # The next build finishes normally over whatever the killed one left behind.
    report = build_index(settings)
    assert report.status == "built" and current_generation(settings.index_dir) != before
    assert load_snapshot(settings).manifest["corpus_hash"] == report.corpus_hash
