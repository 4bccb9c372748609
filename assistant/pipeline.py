"""The one entry point that answers a question: validate -> retrieve -> decide -> answer."""

from __future__ import annotations

import time
from functools import cached_property

from assistant.answer import Answer, ExtractiveAnswerer
from assistant.conversation import retrieval_query
from assistant.embeddings import Embedder, make_embedder
from assistant.index import IndexSnapshot, load_snapshot
from assistant.privacy import redact, warnings_for
from assistant.refusal import model_for
from assistant.retriever import HybridRetriever
from assistant.settings import Settings
from assistant.text import detect_lang, has_control_chars


class QuestionError(ValueError):
    """The question cannot be answered as typed (empty, too long, control characters)."""


def validate_question(question: str, max_chars: int) -> str:
    if question is None or not question.strip():
        raise QuestionError("the question is empty: type a question about the PCPD's AI guidance")
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}: shorten it"
        )
    if has_control_chars(question):
        raise QuestionError("the question contains control characters: remove them and try again")
    return question.strip()


class Assistant:
    """Loads the index once and answers questions; safe to share between threads (read-only)."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._embedder = embedder

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(self.settings)

    @cached_property
    def snapshot(self) -> IndexSnapshot:
        return load_snapshot(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.snapshot, self.embedder, self.settings)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(
            self.retriever, model_for(self.snapshot.calibration), self.settings.answer_sentences
        )

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        lang = detect_lang(question, self.settings.default_lang)
        # Identifiers typed into a question never reach retrieval, traces or the returned Answer.
        warnings = warnings_for(question, lang)
        question = redact(question, lang)
        history = [redact(turn) for turn in history or []]
        query = retrieval_query(question, history)
        result = self.retriever.search(query, lang=lang)
        t_answer = time.perf_counter()
        answer = self.answerer.answer(question, result, focus=question)
        done = time.perf_counter()
        answer.timings_ms = {
            **result.timings_ms,
            "answer": (done - t_answer) * 1000,
            "total": (done - started) * 1000,
        }
        answer.warnings = [*warnings, *answer.warnings]
        return answer
