import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.conftest import make_settings

KEYS = {"answer", "lang", "refused", "citations", "timings_ms"}
CITATION_KEYS = {"section_id", "doc_id", "title", "heading", "lang", "url", "quote"}


def run_cli(
    settings: Settings, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def test_ask_json_contract(built_settings: Settings) -> None:
    out = run_cli(built_settings, "ask", "--json", "員工可以用咩裝置使用生成式AI？")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= KEYS
    assert data["lang"] == "zh-Hant" and data["refused"] is False
    assert set(data["citations"][0]) >= CITATION_KEYS
    assert data["citations"][0]["section_id"] == "checklist-2025/4"
    assert data["timings_ms"]["total"] > 0


def test_ask_for_a_person_prints_answer_and_sources(built_settings: Settings) -> None:
    out = run_cli(built_settings, "ask", "What", "does", "DPP", "4", "require?")
    assert out.returncode == 0, out.stderr
    assert "Sources:" in out.stdout and "DPP 4" in out.stdout


@pytest.mark.parametrize(
    ("question", "fragment"), [("  ", "empty"), ("x" * 4001, "limit"), ("a\x07b", "control")]
)
def test_bad_questions_exit_2_with_one_line(
    built_settings: Settings, question: str, fragment: str
) -> None:
    out = run_cli(built_settings, "ask", question)
    assert out.returncode == 2
    assert fragment in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_no_index_tells_the_user_to_run_index(tmp_path: Path) -> None:
    out = run_cli(make_settings(tmp_path), "ask", "What is DPP 4?")
    assert out.returncode == 1
    assert "run `assistant index`" in out.stderr and "Traceback" not in out.stderr


def test_unreachable_chroma_server_names_host_and_port(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    out = run_cli(
        settings, "index", env={"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": "9"}
    )
    assert out.returncode == 1
    assert "127.0.0.1:9" in out.stderr and "Traceback" not in out.stderr


def test_index_command_and_corpus_check(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    out = run_cli(settings, "index")
    assert out.returncode == 0, out.stderr
    assert "index built" in out.stdout
    again = run_cli(settings, "index")
    assert "up to date" in again.stdout
    check = run_cli(settings, "corpus", "check", "--no-canonical")
    assert check.returncode == 0 and "corpus OK" in check.stdout
    strict = run_cli(settings, "corpus", "check")
    assert strict.returncode == 1 and "missing from the corpus" in strict.stderr


def test_chat_answers_follow_ups_in_the_terminal(built_settings: Settings) -> None:
    environment = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(built_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
    }
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat"],
        input="Which devices may staff use for AI tools?\nand what about passwords?\n\n",
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Sources:") == 2
    assert "multi-factor" in out.stdout
