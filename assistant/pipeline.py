"""The one entry point that answers a question: validate -> retrieve -> decide -> answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from assistant.answer import Answer, ExtractiveAnswerer
from assistant.audit import AuditLog
from assistant.conversation import retrieval_query
from assistant.embeddings import Embedder, make_embedder
from assistant.index import IndexCorrupt, IndexSnapshot, load_snapshot
from assistant.injection import without_orders
from assistant.privacy import LABELS, detect, redact, warnings_for
from assistant.refusal import model_for
from assistant.retriever import HybridRetriever
from assistant.settings import Settings
from assistant.store import StoreUnavailable
from assistant.text import detect_lang, has_control_chars

if TYPE_CHECKING:
    from assistant.llm import LLMAnswerer


# Earlier questions used for a follow-up: the rule-based rewrite needs only the last one and the
# LLM's condensing the last three, so more are never needed; older turns are dropped.
MAX_HISTORY_TURNS = 6

# Why a question (or an earlier question sent with it) was rejected: ``QuestionError.code``, for
# front ends that say so in their own words. The messages may change; these names do not.
QUESTION_ERROR_CODES = (
    "empty",
    "not_text",
    "too_long",
    "control_chars",
    "invalid_chars",
    "no_words",
    "history_not_list",
    "history_not_text",
    "history_too_long",
    "history_control_chars",
    "history_invalid_chars",
)


class QuestionError(ValueError):
    """The question cannot be answered as typed (empty, too long, control or invalid characters,
    no words at all), or an earlier question sent with it cannot be used.

    ``code`` (one of ``QUESTION_ERROR_CODES``) names the reason; the message is for people."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def _has_lone_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def validate_question(question: str, max_chars: int) -> str:
    if question is None:
        raise QuestionError(
            "the question is empty: type a question about the PCPD's AI guidance", "empty"
        )
    if not isinstance(question, str):
        raise QuestionError("the question must be text", "not_text")
    if not question.strip():
        raise QuestionError(
            "the question is empty: type a question about the PCPD's AI guidance", "empty"
        )
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}: "
            "shorten it",
            "too_long",
        )
    if has_control_chars(question):
        raise QuestionError(
            "the question contains control characters: remove them and try again", "control_chars"
        )
    # Lone surrogates arrive from JSON ("\\ud800") or undecodable command-line bytes; no encoder
    # downstream accepts them.
    if _has_lone_surrogates(question):
        raise QuestionError(
            "the question contains invalid characters: retype it and try again", "invalid_chars"
        )
    # Without a letter or digit there is nothing to search for, and retrieval would still return
    # its nearest sections for, say, a row of emoji.
    if not any(ch.isalnum() for ch in question):
        raise QuestionError(
            "the question has no words in it: type a question about the PCPD's AI guidance",
            "no_words",
        )
    return question.strip()


_LABELS = {label for labels in LABELS.values() for label in labels.values()}


def length_as_typed(text: str) -> int:
    """The shortest length ``text`` can have had before redaction: each label such as ``[NAME]``
    may stand for a single character. Earlier questions come back from front ends redacted, and a
    label can be longer than what it replaced, so a question accepted at the limit can return a
    little over it."""
    if "[" not in text:
        return len(text)
    return len(text) - sum((len(label) - 1) * text.count(label) for label in _LABELS)


def validate_history(history: object, max_chars: int) -> list[str]:
    """The earlier questions of a conversation, checked like a question: the last
    ``MAX_HISTORY_TURNS`` are kept (blank ones dropped), and one that is too long or holds control
    or invalid characters is rejected with a ``QuestionError`` naming it."""
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, list | tuple):
        raise QuestionError(
            "the history must be a list of the earlier questions of the conversation",
            "history_not_list",
        )
    turns = list(history[-MAX_HISTORY_TURNS:])
    first = len(history) - len(turns) + 1
    kept: list[str] = []
    for number, turn in enumerate(turns, first):
        name = f"earlier question {number} of {len(history)} in the history"
        if not isinstance(turn, str):
            raise QuestionError(f"{name} is not text", "history_not_text")
        if not turn.strip():
            continue
        if length_as_typed(turn) > max_chars:
            raise QuestionError(
                f"{name} is {len(turn):,} characters long; the limit is {max_chars:,}: "
                "shorten it or leave it out",
                "history_too_long",
            )
        if has_control_chars(turn):
            raise QuestionError(
                f"{name} contains control characters: remove them", "history_control_chars"
            )
        if _has_lone_surrogates(turn):
            raise QuestionError(
                f"{name} contains invalid characters: retype it or leave it out",
                "history_invalid_chars",
            )
        kept.append(turn.strip())
    return kept


class Assistant:
    """Loads the index once and answers questions; safe to share between threads (read-only)."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        interface: str = "python",
    ) -> None:
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        # Which front end asks by default ("cli", "ui", "api", "python"); kept in the audit log.
        self.interface = interface

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(self.settings)

    @cached_property
    def snapshot(self) -> IndexSnapshot:
        return load_snapshot(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> HybridRetriever:
        retriever = HybridRetriever(self.snapshot, self.embedder, self.settings)
        _check_store(retriever)
        return retriever

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog.for_settings(self.settings)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(
            self.retriever, model_for(self.snapshot.calibration), self.settings.answer_sentences
        )

    @cached_property
    def generator(self) -> LLMAnswerer | None:
        """The LLM answerer when one is configured (``ASSISTANT_LLM_*``), else None."""
        from assistant.llm import llm_configured, make_answerer

        if not llm_configured(self.settings):
            return None
        return make_answerer(self.answerer, self.embedder, self.settings)

    def ask(
        self,
        question: str,
        history: list[str] | tuple[str, ...] | None = None,
        interface: str | None = None,
        on_partial: Callable[[Answer], None] | None = None,
    ) -> Answer:
        """``on_partial`` receives a generated answer as it grows, one verified sentence at a time.

        Raises ``QuestionError`` for a question, or an earlier question in ``history``, that cannot
        be used; only the last ``MAX_HISTORY_TURNS`` of ``history`` are used.
        """
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        history = validate_history(history, self.settings.max_question_chars)
        lang = detect_lang(question, self.settings.default_lang)
        # Identifiers typed into a question never reach retrieval, traces or the returned Answer.
        warnings = warnings_for(question, lang)
        personal_data = sorted({f.kind for f in detect(question)})
        question = redact(question, lang)
        history = [redact(turn) for turn in history]
        # Orders and markup typed into a question are neither searched nor sent to a language
        # model (see assistant/injection.py); the question shown and audited keeps them.
        searched = without_orders(question)
        searched_history = [without_orders(turn) for turn in history]
        query = retrieval_query(searched, searched_history)
        result = self.retriever.search(query, lang=lang)
        t_answer = time.perf_counter()
        if self.generator is None:
            answer = self.answerer.answer(question, result, focus=searched)
        else:
            # The model is sent the question and the earlier ones without their orders; the
            # condensed rewrite it returns is filtered the same way before it is searched.
            result, condensed = self.generator.condense(
                searched, searched_history, result, lambda q: self.retriever.search(q, lang=lang)
            )
            answer = self.generator.answer(
                question, result, focus=searched, on_partial=on_partial, condensed=condensed
            )
        done = time.perf_counter()
        answer.timings_ms = {
            **result.timings_ms,
            **answer.timings_ms,
            "answer": (done - t_answer) * 1000,
            "total": (done - started) * 1000,
        }
        answer.warnings = [*warnings, *answer.warnings]
        # Every answer, from every front end, is recorded here and only here (redacted).
        self.audit.record(
            answer,
            interface or self.interface,
            personal_data=personal_data,
            history=history,
            manifest=self.snapshot.manifest,
            llm_model=str(getattr(answer, "llm_model", "") or ""),
        )
        return answer


def _check_store(retriever: HybridRetriever) -> None:
    """Query the vector store once while loading, so that a damaged embedded store is reported
    as a damaged index (with the command that fixes it) instead of failing the first question."""
    probe = retriever.snapshot.sentence_vectors[:1]
    if not len(probe):
        return
    try:
        retriever.dense(probe[0], k=1)
    except StoreUnavailable:
        raise
    except Exception as exc:  # chromadb raises many types for a damaged or missing store
        raise IndexCorrupt(
            f"the vector store of the index in {retriever.snapshot.folder} cannot be read "
            f"({exc.__class__.__name__}): run `assistant index --rebuild`"
        ) from None
