"""Feedback on answers (thumbs up/down, wrong citation), kept in a database and exported as gold candidates.

The database is ``data/feedback.sqlite``, or the one of ``ASSISTANT_DATABASE_URL`` that all
replicas share (see ``assistant/safety/database.py``). Everything stored is redacted of personal data first. Answer texts are kept only when
``ASSISTANT_KEEP_TRANSCRIPTS`` is on; a question is always kept (redacted) because it is what makes
a rating useful to the evaluation set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from assistant.corpus.documents import LANGS, SECTION_ID_RE
from assistant.safety.database import Database, DatabaseUnavailable
from assistant.safety.privacy import redact
from assistant.safety.validation import has_lone_surrogates, text_problem
from assistant.settings import Settings

RATINGS = ("up", "down", "wrong_citation")
MAX_COMMENT_CHARS = 2000
# An answer cites a handful of sections; more than this is not a rating of an answer.
MAX_SECTION_IDS = 10
# Earlier questions kept with a rating (the web page sends the one a follow-up leans on).
MAX_HISTORY_TURNS = 6
# The languages of answers: every one is a language the evaluation set (load_gold) accepts.
FEEDBACK_LANGS = LANGS

# The table as the migrations leave it (assistant/safety/migrations/versions/feedback_*.py).
TABLE = sa.Table(
    "feedback",
    sa.MetaData(),
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("created", sa.Float),
    sa.Column("question", sa.Text),
    sa.Column("lang", sa.Text),
    sa.Column("section_ids", sa.Text),
    sa.Column("refused", sa.Integer),
    sa.Column("rating", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("history", sa.Text),
    sa.Column("answer", sa.Text),
)


class FeedbackError(ValueError):
    """Feedback that cannot be stored as given (unknown rating or language, empty or overlong
    question, unknown sections); the message says what is wrong."""


class FeedbackUnavailable(RuntimeError):
    """The feedback database cannot be reached or written; nothing was stored."""


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
    """An SQLite file (``path``) or a database URL; safe across threads and processes."""

    def __init__(
        self,
        path: Path | str,
        keep_transcripts: bool = False,
        max_question_chars: int = Settings.max_question_chars,
    ) -> None:
        # A database URL that cannot be used raises DatabaseConfigError here, at start-up.
        is_url = isinstance(path, str) and "://" in path
        self.db = Database(str(path)) if is_url else Database.for_file(Path(path))
        # The SQLite file, or None for a database server.
        self.path = self.db.path
        self.keep_transcripts = keep_transcripts
        # The same limit as for asking: a rating is of an answer to a question that was asked.
        self.max_question_chars = max_question_chars

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.database_url or feedback_path(settings),
            settings.keep_transcripts,
            settings.max_question_chars,
        )

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        # Created on first write, so that merely starting the app leaves no file behind.
        try:
            with self.db.begin("feedback") as connection:
                yield connection
        except DatabaseUnavailable as exc:
            raise FeedbackUnavailable(
                f"the rating was not stored: the feedback database {self.db.shown} cannot be written "
                f"({exc}); nothing was stored"
            ) from None

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
        known_sections: Collection[str] | None = None,
    ) -> int:
        """Store one rating; returns its row id. Question, comment and history are redacted.

        Everything is checked first, since ratings can come from anyone who reaches the app: the
        question and earlier questions (length and characters, as when asking), the language,
        and the cited section ids (well formed, at most ``MAX_SECTION_IDS``, and among
        ``known_sections`` when given)."""
        if rating not in RATINGS:
            raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
        if not isinstance(question, str) or not question.strip():
            raise FeedbackError("feedback needs the question it is about")
        self._check_text("the question", question)
        if lang not in FEEDBACK_LANGS:
            raise FeedbackError(
                f"lang must be one of {', '.join(FEEDBACK_LANGS)}, not {str(lang)[:20]!r}"
            )
        ids = _section_ids(section_ids, known_sections)
        if not isinstance(comment or "", str):
            raise FeedbackError("the comment must be text")
        comment = (comment or "").strip()[:MAX_COMMENT_CHARS]
        if has_lone_surrogates(comment):
            raise FeedbackError("the comment contains invalid characters: retype it")
        if isinstance(history, str) or not isinstance(history, Sequence):
            raise FeedbackError("history must be a list of the earlier questions")
        turns = list(history)[-MAX_HISTORY_TURNS:]
        for turn in turns:
            self._check_text("an earlier question", turn)
        row = {
            "created": time.time(),
            "question": redact(question.strip()),
            "lang": lang,
            "section_ids": json.dumps(ids),
            "refused": int(bool(refused)),
            "rating": rating,
            "comment": redact(comment),
            "history": json.dumps([redact(h) for h in turns], ensure_ascii=False),
            "answer": redact(answer) if (answer and self.keep_transcripts) else None,
        }
        with self._connect() as db:
            return int(db.execute(sa.insert(TABLE).values(**row).returning(TABLE.c.id)).scalar())

    def _check_text(self, name: str, text: object) -> None:
        problem = text_problem(text, self.max_question_chars)
        if problem is not None:
            code, message = problem
            raise FeedbackError(
                f"{name} must be text" if code == "not_text" else f"{name} {message}"
            )

    def add_comment(self, row_id: int, comment: str) -> bool:
        """Attach a (redacted) comment to an earlier rating; False if there is no such rating."""
        text = redact(comment.strip()[:MAX_COMMENT_CHARS])
        if not text or not self.db.exists:
            return False
        with self._connect() as db:
            update = sa.update(TABLE).where(TABLE.c.id == row_id).values(comment=text)
            return db.execute(update).rowcount == 1

    def rows(self) -> list[FeedbackRow]:
        if not self.db.exists:
            return []
        with self._connect() as db:
            return [
                FeedbackRow(
                    id=r.id,
                    created=r.created,
                    question=r.question,
                    lang=r.lang,
                    section_ids=json.loads(r.section_ids),
                    refused=bool(r.refused),
                    rating=r.rating,
                    comment=r.comment,
                    history=json.loads(r.history),
                    answer=r.answer,
                )
                for r in db.execute(sa.select(TABLE).order_by(TABLE.c.id))
            ]


def _section_ids(section_ids: object, known: Collection[str] | None) -> list[str]:
    """The cited section ids, checked: a list of at most ``MAX_SECTION_IDS`` ids of the corpus's
    form (``checklist-2025/4``), each among ``known`` when it is given."""
    if isinstance(section_ids, str) or not isinstance(section_ids, Sequence):
        raise FeedbackError("section_ids must be a list of section ids")
    if len(section_ids) > MAX_SECTION_IDS:
        raise FeedbackError(
            f"{len(section_ids)} section ids were given; an answer cites at most {MAX_SECTION_IDS}"
        )
    bad = [i for i in section_ids if not isinstance(i, str) or not SECTION_ID_RE.match(i)]
    if bad:
        shown = ", ".join(repr(str(i)[:40]) for i in bad[:3])
        raise FeedbackError(f"not a section id: {shown} (ids look like checklist-2025/4)")
    ids = list(dict.fromkeys(section_ids))
    unknown = [i for i in ids if known is not None and i not in known]
    if unknown:
        raise FeedbackError(
            f"no section {', '.join(unknown[:3])} in the guidance: cite the ids of the answer"
        )
    return ids


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
