"""The audit log: one record per answer from every front end, holding no personal data."""

import dataclasses
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from gradio_client import Client

from assistant import __version__
from assistant.interfaces.cli import main
from assistant.interfaces.web.app import build_app, launch
from assistant.interfaces.web.service import UIService
from assistant.pipeline import Assistant
from assistant.safety.audit import AuditError, AuditLog, audit_path, parse_since, question_hash
from assistant.safety.feedback import FeedbackStore
from assistant.settings import Settings
from tests.conftest import free_port

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
PERSONAL = "Chan Tai Man, HKID A123456(3), phone 9123 4567: do staff need strong passwords?"
RAW_VALUES = ("Chan Tai Man", "A123456", "9123 4567", "91234567")


def _assistant(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path, **changes: object
) -> Assistant:
    settings = built_settings.replace(data_dir=tmp_path / "data", **changes)
    return Assistant(settings, embedder=fixture_assistant.embedder)


def _rows(settings: Settings) -> list[dict]:
    return AuditLog.for_settings(settings).records()


def _use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in ("corpus_dir", "index_dir", "data_dir"):
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", str(getattr(settings, name)))


def test_each_answer_is_recorded_with_what_a_regulator_needs(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    assistant = _assistant(built_settings, fixture_assistant, tmp_path)
    answered = assistant.ask(PERSONAL)
    declined = assistant.ask("點樣整菠蘿包？")
    assert declined.refused
    first, second = _rows(assistant.settings)
    manifest = assistant.snapshot.manifest
    assert first["question"] == answered.question
    assert first["question"].startswith("[NAME], HKID [HKID], phone [PHONE]")
    assert first["question_sha256"] == question_hash(answered.question)
    assert first["personal_data"] == ["hkid", "name", "phone"]
    assert first["cited"] == ["checklist-2025/4"] and not first["refused"]
    assert first["retrieved"][0]["section_id"] == answered.retrieval.hits[0].section_id
    assert {"rank", "score", "dense", "bm25"} <= set(first["retrieved"][0])
    assert first["corpus_hash"] == manifest["corpus_hash"]
    assert first["index_generation"] == manifest["generation"]
    assert first["embedder"] == manifest["embedder"] == assistant.embedder.name
    assert first["llm_model"] == "" and first["app_version"] == __version__
    assert first["interface"] == "python" and first["time"].endswith("Z")
    assert 0.0 <= first["in_scope_probability"] <= 1.0
    assert "transcript" not in first  # keep_transcripts is off
    assert second["refused"] and second["cited"] == [] and second["lang"] == "zh-Hant"
    assert second["refusal_reason"].startswith(("weak evidence", "no section"))
    assert second["personal_data"] == []
    # Not one byte of the typed personal data is anywhere in the database file.
    stored = audit_path(assistant.settings).read_bytes()
    for value in RAW_VALUES:
        assert value.encode() not in stored


def test_question_can_be_kept_as_a_hash_only_or_not_at_all(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    hashed = _assistant(built_settings, fixture_assistant, tmp_path / "h", audit_question="hash")
    answer = hashed.ask("What does DPP 4 require?")
    (record,) = _rows(hashed.settings)
    assert "question" not in record
    assert record["question_sha256"] == question_hash("What does DPP 4 require?")
    assert record["question_sha256"] == question_hash(answer.question)
    assert b"DPP 4 require" not in audit_path(hashed.settings).read_bytes()
    bare = _assistant(built_settings, fixture_assistant, tmp_path / "n", audit_question="none")
    bare.ask("What does DPP 4 require?")
    (record,) = _rows(bare.settings)
    assert "question" not in record and "question_sha256" not in record
    assert record["cited"] == ["pdpo-dpps/dpp4"]


def test_transcripts_only_when_configured_and_then_redacted(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    assistant = _assistant(built_settings, fixture_assistant, tmp_path, keep_transcripts=True)
    answer = assistant.ask("咁密碼呢？", history=["陳大文 電話 91234567，員工可以用邊啲裝置？"])
    (record,) = _rows(assistant.settings)
    transcript = record["transcript"]
    assert transcript["answer"] == answer.text and transcript["question"] == "咁密碼呢？"
    assert transcript["history"] == ["[姓名] 電話 [電話]，員工可以用邊啲裝置？"]


def test_old_records_are_purged_on_the_next_write(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    assistant = _assistant(built_settings, fixture_assistant, tmp_path, audit_retention_days=30)
    assistant.ask("What does DPP 4 require?")
    assistant.ask("What does DPP 3 require?")
    path = audit_path(assistant.settings)
    with sqlite3.connect(path) as db:  # age the first record past the retention period
        db.execute("UPDATE audit SET created = ? WHERE id = 1", (time.time() - 31 * 86400,))
    assistant.ask("Do staff need strong passwords?")
    assert [r["id"] for r in _rows(assistant.settings)] == [2, 3]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit SET created = ? WHERE id = 2", (time.time() - 40 * 86400,))
    # Opening the log to read it purges too, so an export never shows expired records.
    assert [r["id"] for r in _rows(assistant.settings)] == [3]
    keep = AuditLog(path, retention_days=0)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit SET created = ? WHERE id = 3", (time.time() - 4000 * 86400,))
    assert [r["id"] for r in keep.records()] == [3]


def test_the_log_can_be_switched_off(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    assistant = _assistant(built_settings, fixture_assistant, tmp_path, audit_log=False)
    assistant.ask("What does DPP 4 require?")
    assert not audit_path(assistant.settings).exists()


def test_no_answer_without_its_record(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be", "utf-8")
    assistant = Assistant(built_settings.replace(data_dir=blocked), fixture_assistant.embedder)
    with pytest.raises(AuditError, match="ASSISTANT_AUDIT_LOG=false"):
        assistant.ask("What does DPP 4 require?")
    with pytest.raises(AuditError, match="not one of redacted, hash, none"):
        AuditLog(tmp_path / "a.sqlite", question_mode="plain")


def test_personal_data_never_reaches_the_logs(
    built_settings: Settings,
    fixture_assistant: Assistant,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Neither the Python log nor what is stored: the audit log and the feedback of the chat page
    (a rating with a comment) keep the redacted question, never what was typed."""
    settings = built_settings.replace(data_dir=tmp_path / "data")
    service = UIService(settings, Assistant(settings, embedder=fixture_assistant.embedder))
    chinese = "陳大文 身份證 A123456(3) 可唔可以輸入生成式AI？"
    with caplog.at_level(logging.DEBUG):
        english_answer = service.ask(PERSONAL)
        chinese_answer = service.ask(chinese, history=[PERSONAL])
        service.record_feedback(
            service.turn_record(english_answer, []),
            "down",
            "wrong: my HKID is A123456(3), call 9123 4567",
        )
        service.record_feedback(service.turn_record(chinese_answer, [PERSONAL]), "up")
    raw_values = (*RAW_VALUES, "陳大文")
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for value in raw_values:
        assert value not in logged

    audited = _rows(settings)
    assert [r["personal_data"] for r in audited] == [["hkid", "name", "phone"], ["hkid", "name"]]
    assert (
        audited[0]["question"]
        == "[NAME], HKID [HKID], phone [PHONE]: do staff need strong passwords?"
    )
    assert audited[1]["question"].startswith("[姓名] 身份證 [HKID]")
    feedback = FeedbackStore.for_settings(settings).rows()
    assert [f.question for f in feedback] == [audited[0]["question"], audited[1]["question"]]
    assert feedback[0].comment == "wrong: my HKID is [HKID], call [PHONE]"
    stored_rows = json.dumps(audited, ensure_ascii=False) + json.dumps(
        [dataclasses.asdict(f) for f in feedback], ensure_ascii=False
    )
    # Every file the two databases consist of, journal files included, byte for byte.
    files = sorted(settings.data_dir.glob("*.sqlite*"))
    assert {f.name for f in files} >= {"audit.sqlite", "feedback.sqlite"}
    stored_bytes = b"".join(f.read_bytes() for f in files)
    for value in raw_values:
        assert value not in stored_rows
        assert value.encode() not in stored_bytes


def test_cli_records_and_exports_with_since(
    built_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = built_settings.replace(data_dir=tmp_path / "data")
    _use_env(monkeypatch, settings)
    assert main(["ask", "--json", PERSONAL]) == 0
    assert main(["ask", "What does DPP 4 require?"]) == 0
    capsys.readouterr()
    ten_days_ago = time.time() - 10 * 86400  # within the 180-day retention
    with sqlite3.connect(audit_path(settings)) as db:
        db.execute("UPDATE audit SET created = ? WHERE id = 1", (ten_days_ago,))
    five_days_ago = datetime.fromtimestamp(time.time() - 5 * 86400, UTC).date().isoformat()
    out = tmp_path / "export" / "audit.jsonl"
    assert main(["audit", "export", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["interface"] for r in records] == ["cli", "cli"]
    assert "A123456" not in out.read_text("utf-8")
    assert parse_since(five_days_ago) > ten_days_ago
    assert main(["audit", "export", "--since", five_days_ago]) == 0
    captured = capsys.readouterr()
    recent = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["id"] for r in recent] == [2] and "1 audit record(s)" in captured.err
    assert main(["audit", "export", "--since", "last tuesday"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_cli_says_what_to_do_when_the_log_cannot_be_written(
    built_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use_env(monkeypatch, built_settings.replace(data_dir=tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_AUDIT_QUESTION", "everything")
    assert main(["ask", "What does DPP 4 require?"]) == 2  # refused when the settings load
    assert "ASSISTANT_AUDIT_QUESTION='everything' is not one of" in capsys.readouterr().err


@pytest.fixture(scope="module")
def api(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Client, UIService]]:
    settings = built_settings.replace(data_dir=tmp_path_factory.mktemp("audit-api"))
    service = UIService(settings, Assistant(settings, embedder=fixture_assistant.embedder))
    app = build_app(settings, service)
    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False), service
    finally:
        app.close()


def test_api_and_ui_answers_are_recorded_with_their_interface(
    api: tuple[Client, UIService],
) -> None:
    client, service = api
    client.predict(PERSONAL, api_name="/ask")
    service.ask("What does DPP 4 require?")  # what the chat page calls
    records = _rows(service.settings)
    assert [r["interface"] for r in records] == ["api", "ui"]
    assert records[0]["personal_data"] == ["hkid", "name", "phone"]
    assert "A123456" not in audit_path(service.settings).read_bytes().decode("utf-8", "replace")


def test_an_unknown_interface_is_a_programming_error(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    answer = SimpleNamespace()  # never reached: the interface is checked first
    with pytest.raises(ValueError, match="unknown interface 'web'"):
        log.record(answer, "web")  # type: ignore[arg-type]
    assert not (tmp_path / "audit.sqlite").exists()
