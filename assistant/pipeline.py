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
from assistant.privacy import detect, redact, warnings_for
from assistant.refusal import model_for
from assistant.retriever import HybridRetriever
from assistant.settings import Settings
from assistant.store import StoreUnavailable
from assistant.text import detect_lang, has_control_chars

if TYPE_CHECKING:
    from assistant.llm import LLMAnswerer


class QuestionError(ValueError):
    """The question cannot be answered as typed (empty, too long, control or invalid characters,
    no words at all)."""


def validate_question(question: str, max_chars: int) -> str:
    if question is None or not question.strip():
        raise QuestionError("the question is empty: type a question about the PCPD's AI guidance")
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}: shorten it"
        )
    if has_control_chars(question):
        raise QuestionError("the question contains control characters: remove them and try again")
    # Lone surrogates arrive from JSON ("\\ud800") or undecodable command-line bytes; no encoder
    # downstream accepts them.
    if any("\ud800" <= ch <= "\udfff" for ch in question):
        raise QuestionError("the question contains invalid characters: retype it and try again")
    # Without a letter or digit there is nothing to search for, and retrieval would still return
    # its nearest sections for, say, a row of emoji.
    if not any(ch.isalnum() for ch in question):
        raise QuestionError(
            "the question has no words in it: type a question about the PCPD's AI guidance"
        )
    return question.strip()


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
        history: list[str] | None = None,
        interface: str | None = None,
        on_partial: Callable[[Answer], None] | None = None,
    ) -> Answer:
        """``on_partial`` receives a generated answer as it grows, one verified sentence at a time."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        lang = detect_lang(question, self.settings.default_lang)
        # Identifiers typed into a question never reach retrieval, traces or the returned Answer.
        warnings = warnings_for(question, lang)
        personal_data = sorted({f.kind for f in detect(question)})
        question = redact(question, lang)
        history = [redact(turn) for turn in history or []]
        # Orders and markup typed into a question are not searched (see assistant/injection.py).
        searched = without_orders(question)
        query = retrieval_query(searched, [without_orders(turn) for turn in history])
        result = self.retriever.search(query, lang=lang)
        t_answer = time.perf_counter()
        if self.generator is None:
            answer = self.answerer.answer(question, result, focus=searched)
        else:
            result, condensed = self.generator.condense(
                question, history, result, lambda q: self.retriever.search(q, lang=lang)
            )
            answer = self.generator.answer(
                question, result, focus=question, on_partial=on_partial, condensed=condensed
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
