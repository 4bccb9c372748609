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
Records go to ``data/audit.sqlite``, or to the database of ``ASSISTANT_DATABASE_URL`` that all
replicas share (see ``assistant/safety/database.py``); a database that is down refuses answers
until it is back, and the next answer after that is recorded without a restart.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from assistant import __version__
from assistant.safety.database import Database, DatabaseConfigError, DatabaseUnavailable
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer.model import Answer

QUESTION_MODES = ("redacted", "hash", "none")
INTERFACES = ("cli", "ui", "api", "python")

# The table as the migrations leave it (assistant/safety/migrations/versions/audit_*.py).
TABLE = sa.Table(
    "audit",
    sa.MetaData(),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("created", sa.Float),
    sa.Column("time_utc", sa.Text),
    sa.Column("interface", sa.Text),
    sa.Column("question_mode", sa.Text),
    sa.Column("question", sa.Text),
    sa.Column("question_sha256", sa.Text),
    sa.Column("lang", sa.Text),
    sa.Column("retrieved", sa.Text),
    sa.Column("cited", sa.Text),
    sa.Column("refused", sa.Integer),
    sa.Column("refusal_reason", sa.Text),
    sa.Column("in_scope_probability", sa.Float),
    sa.Column("personal_data", sa.Text),
    sa.Column("corpus_hash", sa.Text),
    sa.Column("index_generation", sa.Text),
    sa.Column("embedder", sa.Text),
    sa.Column("llm_model", sa.Text),
    sa.Column("app_version", sa.Text),
    sa.Column("total_ms", sa.Float),
    sa.Column("transcript", sa.Text),
    sa.Column("replica", sa.Text),
    sa.Column("request_key", sa.Text),
)
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
# The id of the request being answered (set by a front end that has one, such as the REST API
# behind a proxy); the pipeline's call to ``record`` needs no extra argument for it.
_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_request_id", default=None
)
MAX_REQUEST_ID_CHARS = 200


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


@contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Records written inside this block are keyed by ``request_id`` and their question: the
    same request retried on another replica (same id, same question) is recorded once."""
    token = _REQUEST_ID.set((request_id or "").strip()[:MAX_REQUEST_ID_CHARS] or None)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


def replica_name(settings: Settings) -> str:
    """The name this server writes into its records: ``ASSISTANT_REPLICA``, else the host name."""
    return settings.replica.strip() or socket.gethostname()


class AuditLog:
    """An SQLite file (``path``) or a database URL (PostgreSQL for several replicas); safe across
    threads and processes: each write is one transaction of its own."""

    def __init__(
        self,
        path: Path | str,
        question_mode: str = "redacted",
        retention_days: int = 180,
        keep_transcripts: bool = False,
        enabled: bool = True,
        replica: str = "",
    ) -> None:
        if question_mode not in QUESTION_MODES:
            raise AuditError(
                f"ASSISTANT_AUDIT_QUESTION={question_mode!r} is not one of {', '.join(QUESTION_MODES)}"
            )
        if retention_days < 0:
            raise AuditError("ASSISTANT_AUDIT_RETENTION_DAYS must be 0 (keep) or a number of days")
        try:
            is_url = isinstance(path, str) and "://" in path
            self.db = Database(str(path)) if is_url else Database.for_file(Path(path))
        except DatabaseConfigError as exc:
            raise AuditError(str(exc)) from None
        # The SQLite file, or None for a database server.
        self.path = self.db.path
        self.question_mode = question_mode
        self.retention_days = retention_days
        self.keep_transcripts = keep_transcripts
        self.enabled = enabled
        self.replica = replica

    @classmethod
    def for_settings(cls, settings: Settings) -> AuditLog:
        return cls(
            settings.database_url or audit_path(settings),
            settings.audit_question,
            settings.audit_retention_days,
            settings.keep_transcripts,
            settings.audit_log,
            replica_name(settings),
        )

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        try:
            with self.db.begin("audit") as connection:
                self._purge(connection)
                yield connection
        except DatabaseUnavailable as exc:
            raise AuditError(self._cannot(exc)) from None

    def _cannot(self, exc: BaseException) -> str:
        if self.path is not None:
            return (
                f"cannot use the audit log {self.path} ({exc}); no answer is given without its "
                "audit record: fix ASSISTANT_DATA_DIR or set ASSISTANT_AUDIT_LOG=false"
            )
        return (
            f"cannot use the audit database {self.db.shown} ({exc}); no answer is given without "
            "its audit record: check that the database is running and ASSISTANT_DATABASE_URL, or "
            "set ASSISTANT_AUDIT_LOG=false"
        )

    def _purge(self, connection: sa.Connection) -> int:
        if not self.retention_days:
            return 0
        cutoff = time.time() - self.retention_days * 86400
        return connection.execute(sa.delete(TABLE).where(TABLE.c.created < cutoff)).rowcount

    def check(self) -> None:
        """Raise ``AuditError`` unless a record could be written now (for health checks)."""
        if not self.enabled:
            return
        try:
            self.db.ping()
        except DatabaseUnavailable as exc:
            raise AuditError(self._cannot(exc)) from None

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
        before retrieval, and nothing unredacted is passed here. Inside ``request_context`` the
        record carries the request's id, and a request already recorded is not recorded twice
        (the id of the first record is returned).
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
        request_id = _REQUEST_ID.get()
        # The same request (id and question) retried elsewhere has the same key; any other
        # question under a reused id has another, so it is always recorded.
        request_key = (
            None
            if request_id is None
            else hashlib.sha256(
                json.dumps([request_id, interface, question, list(history)]).encode("utf-8")
            ).hexdigest()
        )
        row = {
            "created": now,
            "time_utc": utc_iso(now),
            "interface": interface,
            "question_mode": self.question_mode,
            "question": question if self.question_mode == "redacted" else None,
            "question_sha256": question_hash(question) if self.question_mode != "none" else None,
            "lang": answer.lang,
            "retrieved": json.dumps(
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
            "cited": json.dumps([c.section.id for c in answer.citations]),
            "refused": int(answer.refused),
            "refusal_reason": answer.refusal_reason,
            "in_scope_probability": round(float(answer.in_scope_probability), 6),
            "personal_data": json.dumps(sorted(set(personal_data))),
            "corpus_hash": str(manifest.get("corpus_hash", "")),
            "index_generation": str(manifest.get("generation", "")),
            "embedder": str(manifest.get("embedder", "")),
            "llm_model": llm_model,
            "app_version": __version__,
            "total_ms": round(float(answer.timings_ms.get("total", 0.0)), 3),
            "transcript": transcript,
            "replica": self.replica,
            "request_key": request_key,
        }
        with self._connect() as db:
            insert = _INSERT[db.dialect.name](TABLE).values(**row).returning(TABLE.c.id)
            if request_key is not None:
                insert = insert.on_conflict_do_nothing(index_elements=["request_key"])
            new_id = db.execute(insert).scalar()
            if new_id is None:  # this request was recorded already (a retry)
                new_id = db.execute(
                    sa.select(TABLE.c.id).where(TABLE.c.request_key == request_key)
                ).scalar()
            return int(new_id or 0)

    def records(self, since: float | None = None) -> list[dict[str, Any]]:
        """Every record (oldest first), as exported; ``since`` is a Unix time."""
        if not self.db.exists:
            return []
        with self._connect() as db:
            rows = db.execute(
                sa.select(TABLE).where(TABLE.c.created >= (since or 0.0)).order_by(TABLE.c.id)
            ).mappings()
            return [_exported(dict(row)) for row in rows]

    def count(self) -> int:
        """How many records the log holds (after the retention purge)."""
        if not self.db.exists:
            return 0
        with self._connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(TABLE)).scalar() or 0)

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
        replica=row["replica"],
    )
    if row["transcript"] is not None:
        record["transcript"] = json.loads(row["transcript"])
    return record
