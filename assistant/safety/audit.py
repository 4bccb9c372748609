"""Audit log: one record per answer, so that an organisation can show a regulator what the
assistant was asked (as configured), what it retrieved, what it cited or declined, and why.

What a record holds is set by three settings: ``audit_question`` ("redacted": the question after
personal data was replaced; "hash": only the SHA-256 of that redacted question, so a known question
can be matched but nothing can be read; "none": neither), ``keep_transcripts`` (the answer text and
earlier questions of the chat, off by default) and ``audit_retention_days`` (older records are
deleted whenever the log is opened or written; 0 keeps them). Personal-data values are never stored,
only their kinds.

The log fails closed: if a record cannot be written the answer is not given, because an answer
without its record is exactly what an audit must rule out. ``audit_log=false`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from assistant import __version__
from assistant.safety.files import create_private
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer.model import Answer

QUESTION_MODES = ("redacted", "hash", "none")
INTERFACES = ("cli", "ui", "api", "python")

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        time_utc TEXT NOT NULL,
        interface TEXT NOT NULL,
        question_mode TEXT NOT NULL,
        question TEXT,
        question_sha256 TEXT,
        lang TEXT NOT NULL,
        retrieved TEXT NOT NULL,
        cited TEXT NOT NULL,
        refused INTEGER NOT NULL,
        refusal_reason TEXT NOT NULL,
        in_scope_probability REAL NOT NULL,
        personal_data TEXT NOT NULL,
        corpus_hash TEXT NOT NULL,
        index_generation TEXT NOT NULL,
        embedder TEXT NOT NULL,
        llm_model TEXT NOT NULL,
        app_version TEXT NOT NULL,
        total_ms REAL NOT NULL,
        transcript TEXT
    )
    """,
    "CREATE INDEX IF NOT EXISTS audit_created ON audit (created)",
)
_COLUMNS = (
    "created, time_utc, interface, question_mode, question, question_sha256, lang, retrieved, "
    "cited, refused, refusal_reason, in_scope_probability, personal_data, corpus_hash, "
    "index_generation, embedder, llm_model, app_version, total_ms, transcript"
)


class AuditError(RuntimeError):
    """The audit log cannot be written or is misconfigured; the message says what to do."""


def audit_path(settings: Settings) -> Path:
    return settings.data_dir / "audit.sqlite"


def question_hash(redacted_question: str) -> str:
    """SHA-256 of the redacted question; the same question always gives the same hash."""
    return hashlib.sha256(redacted_question.strip().encode("utf-8")).hexdigest()


def utc_iso(timestamp: float) -> str:
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def parse_since(text: str) -> float:
    """A date (``2025-06-30``, midnight UTC) or an ISO date-time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"--since {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class AuditLog:
    """One SQLite file; each call opens its own connection, so the log is safe across threads."""

    def __init__(
        self,
        path: Path,
        question_mode: str = "redacted",
        retention_days: int = 180,
        keep_transcripts: bool = False,
        enabled: bool = True,
    ) -> None:
        if question_mode not in QUESTION_MODES:
            raise AuditError(
                f"ASSISTANT_AUDIT_QUESTION={question_mode!r} is not one of {', '.join(QUESTION_MODES)}"
            )
        if retention_days < 0:
            raise AuditError("ASSISTANT_AUDIT_RETENTION_DAYS must be 0 (keep) or a number of days")
        self.path = path
        self.question_mode = question_mode
        self.retention_days = retention_days
        self.keep_transcripts = keep_transcripts
        self.enabled = enabled
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def for_settings(cls, settings: Settings) -> AuditLog:
        return cls(
            audit_path(settings),
            settings.audit_question,
            settings.audit_retention_days,
            settings.keep_transcripts,
            settings.audit_log,
        )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            create_private(self.path)
            connection = sqlite3.connect(self.path, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise AuditError(self._cannot(exc)) from None
        try:
            if not self._ready:
                for statement in _SCHEMA:
                    connection.execute(statement)
                self._ready = True
            self._purge(connection)
            yield connection
            connection.commit()
        except sqlite3.Error as exc:
            raise AuditError(self._cannot(exc)) from None
        finally:
            connection.close()

    def _cannot(self, exc: BaseException) -> str:
        return (
            f"cannot use the audit log {self.path} ({exc.__class__.__name__}: {exc}); no answer is "
            "given without its audit record: fix ASSISTANT_DATA_DIR or set ASSISTANT_AUDIT_LOG=false"
        )

    def _purge(self, connection: sqlite3.Connection) -> int:
        if not self.retention_days:
            return 0
        cutoff = time.time() - self.retention_days * 86400
        return connection.execute("DELETE FROM audit WHERE created < ?", (cutoff,)).rowcount

    def record(
        self,
        answer: Answer,
        interface: str,
        personal_data: Sequence[str] = (),
        history: Sequence[str] = (),
        manifest: dict[str, Any] | None = None,
        llm_model: str = "",
    ) -> int | None:
        """Store the record of one answer; returns its id (None when the log is off).

        ``answer.question`` and ``history`` must already be redacted: the pipeline does that
        before retrieval, and nothing unredacted is passed here.
        """
        if interface not in INTERFACES:
            raise ValueError(f"unknown interface {interface!r}: one of {', '.join(INTERFACES)}")
        if not self.enabled:
            return None
        manifest = manifest or {}
        now = time.time()
        question = answer.question
        hits = answer.retrieval.hits if answer.retrieval is not None else []
        transcript = (
            json.dumps(
                {"question": question, "history": list(history), "answer": answer.text},
                ensure_ascii=False,
            )
            if self.keep_transcripts
            else None
        )
        row = (
            now,
            utc_iso(now),
            interface,
            self.question_mode,
            question if self.question_mode == "redacted" else None,
            question_hash(question) if self.question_mode != "none" else None,
            answer.lang,
            json.dumps(
                [
                    {
                        "section_id": h.section_id,
                        "rank": h.rank,
                        "score": round(h.score, 6),
                        "dense": None if h.dense_score is None else round(h.dense_score, 6),
                        "bm25": None if h.bm25_score is None else round(h.bm25_score, 6),
                    }
                    for h in hits
                ]
            ),
            json.dumps([c.section.id for c in answer.citations]),
            int(answer.refused),
            answer.refusal_reason,
            round(float(answer.in_scope_probability), 6),
            json.dumps(sorted(set(personal_data))),
            str(manifest.get("corpus_hash", "")),
            str(manifest.get("generation", "")),
            str(manifest.get("embedder", "")),
            llm_model,
            __version__,
            round(float(answer.timings_ms.get("total", 0.0)), 3),
            transcript,
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                f"INSERT INTO audit ({_COLUMNS}) VALUES ({', '.join('?' * 20)})", row
            )
            return int(cursor.lastrowid or 0)

    def records(self, since: float | None = None) -> list[dict[str, Any]]:
        """Every record (oldest first), as exported; ``since`` is a Unix time."""
        if not self.path.exists():
            return []
        with self._lock, self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM audit WHERE created >= ? ORDER BY id", (since or 0.0,)
            ).fetchall()
        return [_exported(dict(row)) for row in rows]

    def export(self, out: IO[str], since: float | None = None) -> int:
        """Write the records as JSON lines to ``out``; returns the count."""
        records = self.records(since)
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(records)


def _exported(row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": row["id"],
        "time": row["time_utc"],
        "interface": row["interface"],
        "question_mode": row["question_mode"],
    }
    if row["question"] is not None:
        record["question"] = row["question"]
    if row["question_sha256"] is not None:
        record["question_sha256"] = row["question_sha256"]
    record.update(
        lang=row["lang"],
        retrieved=json.loads(row["retrieved"]),
        cited=json.loads(row["cited"]),
        refused=bool(row["refused"]),
        refusal_reason=row["refusal_reason"],
        in_scope_probability=row["in_scope_probability"],
        personal_data=json.loads(row["personal_data"]),
        corpus_hash=row["corpus_hash"],
        index_generation=row["index_generation"],
        embedder=row["embedder"],
        llm_model=row["llm_model"],
        app_version=row["app_version"],
        total_ms=row["total_ms"],
    )
    if row["transcript"] is not None:
        record["transcript"] = json.loads(row["transcript"])
    return record
