"""The one entry point that answers a question: validate -> retrieve -> decide -> answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import cached_property
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.llm.channel import WorkerChannel
from assistant.answer.llm.config import llm_configured
from assistant.answer.model import MESSAGES, Answer, Citation
from assistant.answer.question_type import classify
from assistant.corpus.documents import Section
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.snapshot import IndexCorrupt, IndexSnapshot, load_snapshot
from assistant.index.store import PROBE_K, PROBES, StoreUnavailable
from assistant.retrieval.conversation import retrieval_query
from assistant.retrieval.hybrid import HybridRetriever, RetrievalResult
from assistant.retrieval.scope import model_for
from assistant.safety.audit import AuditLog
from assistant.safety.injection import without_orders
from assistant.safety.privacy import detect, redact, warnings_for
from assistant.safety.validation import validate_history, validate_question
from assistant.settings import Settings
from assistant.text.script import detect_lang

if TYPE_CHECKING:
    from assistant.answer.llm.answerer import LLMAnswerer
    from assistant.drafting import PolicyDraft


class Assistant:
    """Loads the index once and answers questions; safe to share between threads (read-only)."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        retriever: HybridRetriever | None = None,
        generator: LLMAnswerer | None = None,
        interface: str = "python",
    ) -> None:
        """Every part may be handed in (tests pass fakes, a server shares one embedder); a part
        not given is made from ``settings`` when first needed. ``generator`` given means that LLM
        answers whatever the settings say; not given, one is made only if an LLM is configured."""
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self._retriever = retriever
        self._generator = generator
        # Which front end asks by default ("cli", "ui", "api", "python"); kept in the audit log.
        self.interface = interface

    @cached_property
    def embedder(self) -> Embedder:
        if self._embedder is None and self._retriever is not None:
            return self._retriever.embedder
        return self._embedder or make_embedder(self.settings)

    @cached_property
    def snapshot(self) -> IndexSnapshot:
        if self._retriever is not None:
            return self._retriever.snapshot
        return load_snapshot(self.settings, self.embedder.name, self.embedder.dim)

    @cached_property
    def retriever(self) -> HybridRetriever:
        if self._retriever is not None:
            return self._retriever
        retriever = HybridRetriever(self.snapshot, self.embedder, self.settings)
        _check_store(retriever)
        return retriever

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog.for_settings(self.settings)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        if self._generator is not None:
            return self._generator.extractive  # the fallback the given generator was built on
        return ExtractiveAnswerer(
            self.retriever, model_for(self.snapshot.calibration), self.settings.answer_sentences
        )

    @cached_property
    def generator(self) -> LLMAnswerer | None:
        """The LLM answerer when one is configured (``ASSISTANT_LLM_*``), else None."""
        if self._generator is not None:
            return self._generator
        if not llm_configured(self.settings):
            return None
        # The LLM client (llama-index) is loaded only when an LLM is configured.
        from assistant.answer.llm.answerer import make_answerer

        return make_answerer(self.answerer, self.embedder, self.settings)

    def stream(
        self, question: str, history: list[str] | None = None, interface: str | None = None
    ) -> Iterator[tuple[Answer, bool]]:
        """(answer so far, final) pairs: verified sentences as the model writes them, then the
        answer. Without an LLM there is only the final answer. ``ask`` does the work (so anything
        it records, it records for streamed answers too) in a worker thread."""
        if self.generator is None:
            yield self.ask(question, history, interface=interface), True
            return
        channel = WorkerChannel(
            lambda emit: self.ask(question, history, interface=interface, on_partial=emit),
            name="answer-stream",
        )
        for kind, value in channel.events():
            yield value, kind == "end"

    def _draft(
        self, question: str, searched: str, lang: str, result: RetrievalResult
    ) -> Answer | None:
        """The drafter's one clause for a draft request, or None when it finds no clause topic
        (the question is then answered, or declined, like any other)."""
        # Imported here: only draft requests need the drafter.
        from assistant.drafting import DraftError, draft_clause

        try:
            draft = draft_clause(
                searched, self.retriever.section, lang=lang, retriever=self.retriever
            )
        except DraftError:
            return None
        if not draft.clauses():
            return None
        # A clause found only by searching is drafted only for a question the guidance covers:
        # "write me a VBA macro" must not get a policy clause. Nor is one whose keywords matched
        # inside a request about something the guidance names as outside it (「幫我寫個 Python
        # script 自動 summarise 啲 email」 matches "summarise", a permitted use).
        routed_by_keywords = draft.route is not None and draft.route.method == "keywords"
        covered = self.answerer.refusal.in_scope(result)
        if not covered and (not routed_by_keywords or result.concepts_out):
            return None
        answer = _draft_answer(question, lang, draft, result, self.retriever.section)
        answer.question_rule = classify(searched).rule
        return answer

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
        kind = classify(searched)
        # Nothing left once orders and stuffing are out: declined without searching, so that the
        # words of the orders never choose sections.
        result = self.retriever.search(query, lang=lang) if searched else _nothing(lang, query)
        t_answer = time.perf_counter()
        drafted = self._draft(question, searched, lang, result) if kind.name == "draft" else None
        if drafted is not None:
            answer = drafted
        elif not searched:
            answer = self.answerer.decline(question, result, NOTHING_TO_SEARCH)
        elif self.generator is None:
            answer = self.answerer.answer(question, result, focus=searched, question_type=kind)
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


NOTHING_TO_SEARCH = "nothing to search once the orders and repeated words were left out"


def _nothing(lang: str, query: str) -> RetrievalResult:
    return RetrievalResult(query, lang, [], np.zeros(0, np.float32), 0.0, 0.0, 0.0)


def _draft_answer(
    question: str,
    lang: str,
    draft: PolicyDraft,
    result: RetrievalResult,
    lookup: Callable[[str, str], Section | None],
) -> Answer:
    """A request for a clause typed into the chat, answered with the drafter's clause."""
    m = MESSAGES[lang]
    clause = draft.clauses()[0]
    citations: list[Citation] = []
    for cited in clause.citations:
        section = lookup(cited.section_id, lang)
        if section is not None:
            citations.append(
                Citation(len(citations) + 1, section, [cited.quote] if cited.quote else [])
            )
    marks = "".join(f"[{c.number}]" for c in citations)
    sources = "\n".join(c.source_line(lang) for c in citations)
    text = (
        # The clause itself is the answer, so it starts on the first line, after its label.
        f"{m['draft_lead'].format(label=clause.heading)}{' ' if lang == 'en' else ''}"
        f"{clause.text} {marks}\n\n"
        f"{m['draft_more']}\n\n{m['sources']}:\n{sources}"
    )
    answer = Answer(
        question, lang, text, False, citations, [(clause.text, 1 if citations else 0)], result
    )
    answer.answer_type = "draft"
    answer.plan_rule = f"the drafter's clause for {clause.item}"
    answer.draft = draft.to_json()
    return answer


def _check_store(retriever: HybridRetriever) -> None:
    """Query the vector store once while loading, so that a damaged embedded store is reported
    as a damaged index (with the command that fixes it) instead of failing the first question."""
    snapshot = retriever.snapshot
    probe = snapshot.sentence_vectors[:PROBES]
    if not len(probe):
        return
    expected = (snapshot.manifest.get("store_check") or {}).get("probes")
    try:
        found = [[cid for cid, _ in retriever.dense(v, k=PROBE_K)] for v in probe]
    except StoreUnavailable:
        raise
    except Exception as exc:  # chromadb raises many types for a damaged or missing store
        raise IndexCorrupt(
            f"the vector store of the index in {snapshot.folder} cannot be read "
            f"({exc.__class__.__name__}): run `assistant index --rebuild`"
        ) from None
    # The store must answer as it did when it was built (index.store.store_probe).
    if expected is not None and found != expected:
        raise IndexCorrupt(
            f"the vector store of the index in {snapshot.folder} is damaged (it no longer "
            "answers as built): run `assistant index --rebuild`"
        )


class LazyIndexSearch:
    """A search for the drafter's clause routing that loads the index only if keyword routing
    fails; without a usable index it finds nothing (the routing then says so)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def search(self, text: str, lang: str | None = None) -> Any:
        try:
            return Assistant(self.settings).retriever.search(text, lang=lang)
        except Exception:  # no index, a stale one or no Chroma server
            return SimpleNamespace(hits=[])
