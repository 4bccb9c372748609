"""Feedback on answers (thumbs up/down, wrong citation), kept in SQLite and exported as gold candidates.

Everything stored is redacted of personal data first. Answer texts are kept only when
``ASSISTANT_KEEP_TRANSCRIPTS`` is on; a question is always kept (redacted) because it is what makes
a rating useful to the evaluation set.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.privacy import redact
from assistant.settings import Settings

RATINGS = ("up", "down", "wrong_citation")
MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    section_ids TEXT NOT NULL,
    refused INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down', 'wrong_citation')),
    comment TEXT NOT NULL DEFAULT '',
    history TEXT NOT NULL DEFAULT '[]',
    answer TEXT
)
"""


class FeedbackError(ValueError):
    """Feedback that cannot be stored as given (unknown rating, empty question)."""


@dataclass(frozen=True)
class FeedbackRow:
    id: int
    created: float
    question: str
    lang: str
    section_ids: list[str]
    refused: bool
    rating: str
    comment: str
    history: list[str]
    answer: str | None


def feedback_path(settings: Settings) -> Path:
    return settings.data_dir / "feedback.sqlite"


class FeedbackStore:
    """One SQLite file; each call opens its own connection, so the store is safe across threads."""

    def __init__(self, path: Path, keep_transcripts: bool = False) -> None:
        self.path = path
        self.keep_transcripts = keep_transcripts
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(feedback_path(settings), settings.keep_transcripts)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Created on first write, so that merely starting the app leaves no file behind.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            if not self._ready:
                connection.execute(_SCHEMA)
                self._ready = True
            yield connection
            connection.commit()
        finally:
            connection.close()

    def record(
        self,
        question: str,
        lang: str,
        section_ids: Sequence[str],
        refused: bool,
        rating: str,
        comment: str = "",
        history: Sequence[str] = (),
        answer: str | None = None,
    ) -> int:
        """Store one rating; returns its row id. Question, comment and history are redacted."""
        if rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
        if not question or not question.strip():
            raise FeedbackError("feedback needs the question it is about")
        row = (
            time.time(),
            redact(question.strip()),
            lang,
            json.dumps(list(section_ids)),
            int(bool(refused)),
            rating,
            redact(comment.strip()[:MAX_COMMENT_CHARS]),
            json.dumps([redact(h) for h in history], ensure_ascii=False),
            redact(answer) if (answer and self.keep_transcripts) else None,
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created, question, lang, section_ids, refused, rating, "
                "comment, history, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def add_comment(self, row_id: int, comment: str) -> bool:
        """Attach a (redacted) comment to an earlier rating; False if there is no such rating."""
        text = redact(comment.strip()[:MAX_COMMENT_CHARS])
        if not text or not self.path.exists():
            return False
        with self._lock, self._connect() as db:
            cursor = db.execute("UPDATE feedback SET comment = ? WHERE id = ?", (text, row_id))
            return cursor.rowcount == 1

    def rows(self) -> list[FeedbackRow]:
        if not self.path.exists():
            return []
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "SELECT id, created, question, lang, section_ids, refused, rating, comment, "
                "history, answer FROM feedback ORDER BY id"
            )
            return [
                FeedbackRow(
                    id=r[0],
                    created=r[1],
                    question=r[2],
                    lang=r[3],
                    section_ids=json.loads(r[4]),
                    refused=bool(r[5]),
                    rating=r[6],
                    comment=r[7],
                    history=json.loads(r[8]),
                    answer=r[9],
                )
                for r in cursor.fetchall()
            ]


def candidate_item(row: FeedbackRow) -> dict[str, Any]:
    """A gold-format item for a reviewer: a thumbs-up vouches for its citations; other ratings
    leave ``expected_sections`` empty and ask for review."""
    confirmed = row.rating == "up"
    if row.refused:
        kind = "out_of_scope" if confirmed else "factual"
        expected: list[str] = []
    else:
        kind = "factual"
        expected = list(row.section_ids) if confirmed else []
    item: dict[str, Any] = {
        "id": f"fb-{row.id:06d}",
        "lang": row.lang,
        "question": row.question,
        "expected_sections": expected,
        "must_mention": [],
        "kind": kind,
        "candidate": True,
        "needs_review": not confirmed,
        "feedback": {"rating": row.rating, "cited_sections": row.section_ids},
    }
    if row.comment:
        item["feedback"]["comment"] = row.comment
    if row.history:
        item["history"] = row.history
    return item


def export_candidates(store: FeedbackStore, out: Any) -> int:
    """Write every stored rating as one JSON line to the text stream ``out``; returns the count."""
    count = 0
    for row in store.rows():
        out.write(json.dumps(candidate_item(row), ensure_ascii=False) + "\n")
        count += 1
    return count
