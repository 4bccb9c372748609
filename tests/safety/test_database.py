"""The storage of the audit log and feedback: SQLite by default, PostgreSQL when configured,
migrated without losing records, failing closed while the database is down and healing after."""

import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command

from assistant.pipeline import Assistant
from assistant.safety.audit import AuditError, AuditLog, request_context
from assistant.safety.database import (
    BRANCHES,
    HEADS,
    MIGRATIONS,
    Database,
    DatabaseConfigError,
    alembic_config,
    normalise_url,
    shown_url,
    version_table,
)
from assistant.safety.feedback import FeedbackStore, FeedbackUnavailable
from assistant.settings import Settings
from tests.conftest import PostgresServer, free_port, fresh_database, need_binaries

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

# The tables exactly as version 0.1 created them, before migrations existed.
OLD_AUDIT = """
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, time_utc TEXT NOT NULL,
    interface TEXT NOT NULL, question_mode TEXT NOT NULL, question TEXT, question_sha256 TEXT,
    lang TEXT NOT NULL, retrieved TEXT NOT NULL, cited TEXT NOT NULL, refused INTEGER NOT NULL,
    refusal_reason TEXT NOT NULL, in_scope_probability REAL NOT NULL, personal_data TEXT NOT NULL,
    corpus_hash TEXT NOT NULL, index_generation TEXT NOT NULL, embedder TEXT NOT NULL,
    llm_model TEXT NOT NULL, app_version TEXT NOT NULL, total_ms REAL NOT NULL, transcript TEXT
);
CREATE INDEX audit_created ON audit (created);
"""
OLD_ROW = (
    "INSERT INTO audit (created, time_utc, interface, question_mode, question, question_sha256, "
    "lang, retrieved, cited, refused, refusal_reason, in_scope_probability, personal_data, "
    "corpus_hash, index_generation, embedder, llm_model, app_version, total_ms, transcript) "
    "VALUES (?, '2025-01-01T00:00:00.000Z', 'cli', 'redacted', ?, NULL, 'en', '[]', "
    "'[\"pdpo-dpps/dpp4\"]', 0, '', 0.9, '[]', 'abc', 'gen-1', 'e5', '', '0.1.0', 12.5, NULL)"
)


def _assistant(settings: Settings, fixture_assistant: Assistant, **changes: object) -> Assistant:
    return Assistant(settings.replace(**changes), embedder=fixture_assistant.embedder)


def test_the_recorded_heads_are_alembics_and_a_database_at_head_is_left_to_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert {b: script.get_revision(f"{b}@head").revision for b in BRANCHES} == HEADS
    db = Database.for_file(tmp_path / "x.sqlite3")
    assert db.migrate("audit") == HEADS["audit"]
    # A second process finds the tables at head and does not run alembic.
    calls: list[object] = []
    monkeypatch.setattr(command, "upgrade", lambda *a, **k: calls.append(a))
    assert Database.for_file(tmp_path / "x.sqlite3").migrate("audit") == HEADS["audit"]
    assert calls == []


def test_urls_are_checked_and_never_show_a_password() -> None:
    assert normalise_url("postgres://a:pw@db/x") == "postgresql+psycopg://a:pw@db/x"
    assert normalise_url("postgresql://a@db/x") == "postgresql+psycopg://a@db/x"
    assert shown_url("postgresql+psycopg://a:secret@db/x") == "postgresql+psycopg://a:***@db/x"
    for bad in ("mysql://a@db/x", "postgresql+psycopg2://a@db/x", "not a url"):
        with pytest.raises(DatabaseConfigError, match="ASSISTANT_DATABASE_URL"):
            normalise_url(bad)
    with pytest.raises(AuditError, match="only postgresql:// and sqlite:///"):
        AuditLog("mysql://a@db/x")


def test_sqlite_stays_the_default_created_owner_only_on_first_write(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    assistant = _assistant(built_settings, fixture_assistant, data_dir=tmp_path / "data")
    log = assistant.audit
    assert log.path == tmp_path / "data" / "audit.sqlite" and not log.path.exists()
    assert log.records() == [] and not log.path.exists()  # reading creates nothing
    assistant.ask("What does DPP 4 require?")
    assert os.stat(log.path).st_mode & 0o777 == 0o600
    store = FeedbackStore.for_settings(assistant.settings)
    store.record("What does DPP 4 require?", "en", ["pdpo-dpps/dpp4"], False, "up")
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert Database.for_file(log.path).revision("audit") == "audit_0002"


def test_an_upgrade_keeps_every_record_of_a_database_written_before_migrations(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "audit.sqlite"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.executescript(OLD_AUDIT)
        now = time.time()
        for i in range(3):
            db.execute(OLD_ROW, (now - i, f"old question {i}"))
    assistant = _assistant(built_settings, fixture_assistant, data_dir=path.parent)
    old = assistant.audit.records()
    assert [r["question"] for r in old] == ["old question 0", "old question 1", "old question 2"]
    assert {r["replica"] for r in old} == {""} and old[0]["cited"] == ["pdpo-dpps/dpp4"]
    assistant.ask("What does DPP 4 require?")
    records = assistant.audit.records()
    assert [r["id"] for r in records] == [1, 2, 3, 4] and records[3]["replica"]
    with sqlite3.connect(path) as db:
        (version,) = db.execute(f"SELECT version_num FROM {version_table('audit')}").fetchone()
    assert version == "audit_0002"


def test_the_log_fails_closed_and_recovers_by_itself(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data folder should be", "utf-8")
    assistant = _assistant(built_settings, fixture_assistant, data_dir=blocked)
    with pytest.raises(AuditError, match="no answer is given without its audit record"):
        assistant.ask("What does DPP 4 require?")
    blocked.unlink()
    blocked.mkdir()  # the operator fixes the folder; the same process answers again
    assistant.ask("What does DPP 4 require?")
    assert assistant.audit.count() == 1


def test_threads_writing_at_once_lose_no_record(
    tmp_path: Path, fixture_assistant: Assistant
) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    answered = Assistant(
        fixture_assistant.settings.replace(audit_log=False), fixture_assistant.embedder
    )
    sample = answered.ask("What does DPP 4 require?")
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: log.record(sample, "api"), range(40)))
    assert sorted(ids) == list(range(1, 41)) and log.count() == 40


# ---------------------------------------------------------------- PostgreSQL


def test_postgres_holds_the_audit_log_and_feedback_of_several_replicas(
    postgres: PostgresServer, built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    url = fresh_database(postgres, "shared")
    one = _assistant(built_settings, fixture_assistant, database_url=url, replica="r1",
                     data_dir=tmp_path / "d1")  # fmt: skip
    two = _assistant(built_settings, fixture_assistant, database_url=url, replica="r2",
                     data_dir=tmp_path / "d2")  # fmt: skip
    one.ask("Chan Tai Man, HKID A123456(3): do staff need strong passwords?")
    two.ask("點樣整菠蘿包？")
    with request_context("proxy-request-1"):
        one.ask("What does DPP 4 require?")
        two.ask("What does DPP 4 require?")  # the same request retried on the other replica
    records = AuditLog.for_settings(one.settings).records()
    assert [r["replica"] for r in records] == ["r1", "r2", "r1"]
    assert records[0]["question"].startswith("[NAME], HKID [HKID]")
    assert records[1]["refused"] and records[1]["lang"] == "zh-Hant"
    assert not (tmp_path / "d1").exists()  # nothing went to SQLite files
    store = FeedbackStore.for_settings(one.settings)
    row = store.record("What does DPP 4 require?", "en", ["pdpo-dpps/dpp4"], False, "up")
    assert store.add_comment(row, "call 9123 4567")
    (stored,) = FeedbackStore.for_settings(two.settings).rows()
    assert stored.comment == "call [PHONE]" and stored.section_ids == ["pdpo-dpps/dpp4"]


def test_postgres_retention_purge_and_export(
    postgres: PostgresServer, built_settings: Settings, fixture_assistant: Assistant
) -> None:
    url = fresh_database(postgres, "purge")
    assistant = _assistant(built_settings, fixture_assistant, database_url=url,
                           audit_retention_days=30)  # fmt: skip
    assistant.ask("What does DPP 4 require?")
    assistant.ask("What does DPP 3 require?")
    engine = Database(url).engine
    with engine.begin() as db:
        db.exec_driver_sql(f"UPDATE audit SET created = {time.time() - 31 * 86400} WHERE id = 1")
    log = AuditLog.for_settings(assistant.settings)
    assert [r["id"] for r in log.records()] == [2]
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

    assert log.export(Out(), since=time.time() - 3600) == 1  # type: ignore[arg-type]
    assert '"cited": ["pdpo-dpps/dpp3"]' in lines[0]


def test_postgres_upgrade_from_the_first_revision_keeps_the_records(
    postgres: PostgresServer,
) -> None:
    url = fresh_database(postgres, "upgrade")
    database = Database(url)
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection, "audit"), "audit_0001")
        connection.exec_driver_sql(
            "INSERT INTO audit (created, time_utc, interface, question_mode, question, lang, "
            "retrieved, cited, refused, refusal_reason, in_scope_probability, personal_data, "
            "corpus_hash, index_generation, embedder, llm_model, app_version, total_ms) VALUES "
            f"({time.time()}, 't', 'cli', 'redacted', 'kept', 'en', '[]', '[]', 0, '', 0.5, '[]',"
            " 'c', 'g', 'e', '', '0.1.0', 1.0)"
        )
    assert database.revision("audit") == "audit_0001"
    (record,) = AuditLog(url).records()
    assert record["question"] == "kept" and record["replica"] == ""
    assert database.revision("audit") == "audit_0002"


def test_postgres_down_refuses_answers_clearly_and_they_resume_without_a_restart(
    built_settings: Settings, fixture_assistant: Assistant, tmp_path: Path
) -> None:
    need_binaries("postgres")
    server = PostgresServer(free_port())
    server.start()
    try:
        url = fresh_database(server, "outage")
        assistant = _assistant(built_settings, fixture_assistant, database_url=url,
                               data_dir=tmp_path / "data")  # fmt: skip
        assistant.ask("What does DPP 4 require?")
        store = FeedbackStore.for_settings(assistant.settings)
        server.stop()
        with pytest.raises(AuditError) as refused:
            assistant.ask("What does DPP 3 require?")
        message = str(refused.value)
        assert "cannot use the audit database postgresql+psycopg://assistant@127.0.0.1" in message
        assert "no answer is given without its audit record" in message
        assert "check that the database is running" in message
        with pytest.raises(FeedbackUnavailable, match="nothing was stored"):
            store.record("What does DPP 4 require?", "en", ["pdpo-dpps/dpp4"], False, "up")
        server.start()
        assistant.ask("What does DPP 3 require?")  # the same objects: no restart
        assert [r["cited"] for r in assistant.audit.records()] == [
            ["pdpo-dpps/dpp4"], ["pdpo-dpps/dpp3"]
        ]  # fmt: skip
    finally:
        server.remove()
