"""Optional generative answers from an OpenAI-compatible server (or a local GGUF model).

Configured by ``ASSISTANT_LLM_BASE_URL`` (plus ``_MODEL``, ``_API_KEY``, ``_TIMEOUT_S``,
``_MAX_TOKENS``) through llama-index's OpenAI-compatible client; ``ASSISTANT_LLM_MODEL`` naming a
``.gguf`` file with no base URL runs that model in-process through llama-cpp-python instead.
Unconfigured, the assistant stays extractive.

The calibrated out-of-scope decision comes first: a question it declines is never sent to the
model. The model sees only the retrieved sections (with their ids) and the redacted question; every
sentence it writes is verified (``assistant.verify``) before it is shown. When the model cannot be
reached, is too slow, writes something unusable, or too little of its answer survives
verification, the extractive answer is shown instead with a notice saying why.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms import LLM, CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.llm.channel import WorkerChannel
from assistant.answer.llm.config import gguf_path, llm_configured  # noqa: F401 (re-exported for callers)
from assistant.answer.model import MESSAGES, Answer, Citation
from assistant.answer.verify import NOT_COVERED, Checked, SentenceStream, Verifier
from assistant.corpus.documents import Section
from assistant.extras import require
from assistant.index.embeddings import Embedder
from assistant.retrieval.hybrid import RetrievalResult
from assistant.safety.injection import without_orders
from assistant.settings import Settings
from assistant.text.script import has_control_chars, strip_markdown

# Sections given to the model: the best retrieved ones, each cut to a length that keeps the prompt
# within a small model's context window.
PROMPT_SECTIONS = 3
SECTION_CHARS = 2400
ANSWER_SENTENCES = 6
# Too little survives when no sentence does, or fewer than this share of the claims written.
MIN_KEPT_SHARE = 0.5
# A stream may go quiet for at most the configured timeout at a time, and take this many times it
# in all, so that a slow-but-working server can finish while a stalled one cannot hold a question.
TOTAL_TIME_FACTOR = 4
HISTORY_TURNS = 3

SYSTEM_PROMPT = """You answer questions about the Hong Kong Privacy Commissioner for Personal Data's \
(PCPD) guidance on artificial intelligence and personal data, using only the guidance sections \
given with the question.

Rules:
1. Use only what the sections state. Add no facts, figures, advice or examples of your own.
2. End every sentence with the id of the section it comes from in square brackets, for example \
[checklist-2025/2]. Use only the ids of the sections given.
3. Stay close to the wording of the sections. Write at most {sentences} short sentences of plain \
prose: no headings, no lists, no introduction.
4. {language}
5. If the sections do not answer the question, reply with exactly {not_covered} and nothing else."""

LANGUAGE_RULE = {
    "en": "Write in English.",
    "zh-Hant": (
        "Write in Traditional Chinese as used in Hong Kong (繁體中文), even when the question is "
        "in Cantonese or mixes in English words."
    ),
}
LANGUAGE_NAME = {"en": "English", "zh-Hant": "Traditional Chinese (繁體中文)"}

CONDENSE_PROMPT = """Rewrite the user's latest question so that it can be understood without the \
conversation. Take from the earlier questions only what the latest one leaves out (such as the \
topic it refers to). Keep the language of the latest question. If it already stands alone, \
return it unchanged. Reply with the rewritten question only, on one line."""

NOTICES = {
    "en": {
        "unavailable": (
            "The language model could not be used ({reason}), so this answer quotes the "
            "guidance directly."
        ),
        "unverified": (
            "The generated answer could not be verified against the guidance ({kept} of {total} "
            "sentences supported), so this answer quotes the guidance directly."
        ),
        "removed": (
            "{n} generated sentence(s) were left out because the guidance sections did not "
            "support them."
        ),
        "timeout": "it did not reply in time",
        "error": "the server could not be reached or returned an error",
        "malformed": "its reply was empty or unreadable",
    },
    "zh-Hant": {
        "unavailable": "未能使用語言模型（{reason}），因此以下答案直接引述指引原文。",
        "unverified": (
            "生成的答案未能經指引核實（{total} 句中只有 {kept} 句獲支持），因此以下答案直接引述指引原文。"
        ),
        "removed": "有 {n} 句生成內容因未獲指引章節支持而被刪去。",
        "timeout": "回應逾時",
        "error": "未能連接伺服器或伺服器回報錯誤",
        "malformed": "回覆內容空白或無法讀取",
    },
}


class LLMTimeout(Exception):
    """The model did not answer (or stopped answering) within the allowed time."""


class LLMMalformed(ValueError):
    """The model replied, but with nothing usable."""


# ---------------------------------------------------------------- clients


def make_llm(settings: Settings) -> LLM:
    """llama-index's OpenAI-compatible client for the configured server, or a local GGUF model."""
    gguf = gguf_path(settings)
    if gguf is not None:
        return LlamaCppLLM(
            model_path=str(gguf),
            max_tokens=settings.llm_max_tokens,
        )
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model or "default",
        api_base=settings.llm_base_url.rstrip("/"),
        # Local servers (llama.cpp, Ollama, vLLM without --api-key) accept any key.
        api_key=settings.llm_api_key or "not-needed",
        is_chat_model=True,
        is_function_calling_model=False,
        context_window=8192,
        max_tokens=settings.llm_max_tokens,
        temperature=0.1,
        timeout=settings.llm_timeout_s,
        # A retry triples the wait before the fallback; one failed attempt is enough to decide.
        max_retries=0,
        reuse_client=True,
    )


class LlamaCppLLM(CustomLLM):
    """A GGUF model run in-process by llama-cpp-python (``pip install '.[llm-local]'``)."""

    model_path: str
    max_tokens: int = 512
    context_window: int = 4096
    temperature: float = 0.1
    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=Path(self.model_path).name,
        )

    def _model(self) -> Any:
        if self._llama is None:
            Llama = require("llama_cpp", "llm-local", "a GGUF model file").Llama
            self._llama = Llama(
                model_path=self.model_path, n_ctx=self.context_window, verbose=False
            )
        return self._llama

    def _args(self, messages: Iterable[ChatMessage]) -> dict[str, Any]:
        return {
            "messages": [{"role": m.role.value, "content": m.content or ""} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    @llm_chat_callback()
    def chat(self, messages: Any, **kwargs: Any) -> ChatResponse:
        with self._lock:
            out = self._model().create_chat_completion(**self._args(messages))
        content = out["choices"][0]["message"].get("content") or ""
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=content), raw=out
        )

    @llm_chat_callback()
    def stream_chat(self, messages: Any, **kwargs: Any) -> ChatResponseGen:
        args = self._args(messages)

        def gen() -> ChatResponseGen:
            # llama.cpp contexts are not thread-safe: one generation at a time.
            with self._lock:
                text = ""
                for chunk in self._model().create_chat_completion(**args, stream=True):
                    delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                    text += delta
                    yield ChatResponse(
                        message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
                        delta=delta,
                        raw=chunk,
                    )

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        with self._lock:
            out = self._model().create_completion(
                prompt, max_tokens=self.max_tokens, temperature=self.temperature
            )
        return CompletionResponse(text=out["choices"][0]["text"], raw=out)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            with self._lock:
                text = ""
                for chunk in self._model().create_completion(
                    prompt, max_tokens=self.max_tokens, temperature=self.temperature, stream=True
                ):
                    delta = chunk["choices"][0]["text"]
                    text += delta
                    yield CompletionResponse(text=text, delta=delta, raw=chunk)

        return gen()


# ---------------------------------------------------------------- bounded calls


def _stream_within(start: Callable[[], Iterable[Any]], idle_s: float) -> Iterator[str]:
    """Text deltas of a streamed reply; raises ``LLMTimeout`` if it stalls or runs too long.

    The client runs in a worker thread so that no server, however it misbehaves, can hold the
    caller beyond the deadline; a stalled worker ends on the client's own timeout.
    """

    stopped = threading.Event()

    def work(emit: Callable[[Any], None]) -> None:
        for chunk in start():
            if stopped.is_set():
                break
            emit(getattr(chunk, "delta", None) or "")

    channel = WorkerChannel(work, name="llm-stream", stopped=stopped)
    deadline = time.monotonic() + idle_s * TOTAL_TIME_FACTOR
    try:
        while True:
            wait = min(idle_s, deadline - time.monotonic())
            if wait <= 0:
                raise LLMTimeout(f"the reply took over {idle_s * TOTAL_TIME_FACTOR:g} s")
            try:
                kind, value = channel.next_event(timeout=wait)
            except queue.Empty:
                if wait < idle_s:
                    raise LLMTimeout(
                        f"the reply took over {idle_s * TOTAL_TIME_FACTOR:g} s"
                    ) from None
                raise LLMTimeout(f"no reply within {idle_s:g} s") from None
            if kind == "end":
                return
            if not isinstance(value, str):
                raise LLMMalformed("a streamed part was not text")
            yield value
    finally:
        channel.stopped.set()


def _call_within(call: Callable[[], str], timeout_s: float) -> str:
    """One non-streamed reply, or ``LLMTimeout``."""
    return "".join(_stream_within(lambda: [_Delta(call())], timeout_s))


@dataclass
class _Delta:
    delta: str


# ---------------------------------------------------------------- prompts


def polish_messages(clause: str, lang: str) -> list[ChatMessage]:
    """Reword one policy clause; drafting's verifier decides whether the result may be used."""
    language = "English" if lang == "en" else "Traditional Chinese as written in Hong Kong"
    rules = (
        f"You edit workplace policy clauses. Reword the clause in clear, plain {language}. "
        "Keep every fact, number, name, placeholder in square brackets and every prohibition. "
        "Add nothing new and do not add headings. Reply with the reworded clause only."
    )
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=rules),
        ChatMessage(role=MessageRole.USER, content=clause),
    ]


def clause_rewriter(settings: Settings, llm: LLM | None = None) -> Callable[[str, str], str]:
    """``rewrite(text, lang)`` for drafting's optional polish: one chat request per clause."""
    model = llm or make_llm(settings)

    def rewrite(text: str, lang: str) -> str:
        messages = polish_messages(text, lang)
        return _call_within(
            lambda: str(model.chat(messages).message.content or ""), settings.llm_timeout_s
        )

    return rewrite


def answer_messages(question: str, sections: list[Section], lang: str) -> list[ChatMessage]:
    """The system rules, then the sections (each under its id) and the question."""
    blocks = []
    for s in sections:
        text = strip_markdown(s.text).strip()
        if len(text) > SECTION_CHARS:
            text = text[:SECTION_CHARS].rsplit(" ", 1)[0] + " …"
        blocks.append(f"[{s.id}] {s.document.title} — {s.display_heading}\n{text}")
    system = SYSTEM_PROMPT.format(
        sentences=ANSWER_SENTENCES, language=LANGUAGE_RULE[lang], not_covered=NOT_COVERED
    )
    user = (
        "Guidance sections:\n\n"
        + "\n\n".join(blocks)
        + f"\n\nQuestion: {question}\n\nAnswer in {LANGUAGE_NAME[lang]}, citing section ids:"
    )
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=system),
        ChatMessage(role=MessageRole.USER, content=user),
    ]


def condense_messages(question: str, history: list[str]) -> list[ChatMessage]:
    earlier = "\n".join(f"{i}. {turn}" for i, turn in enumerate(history, 1))
    user = f"Earlier questions:\n{earlier}\n\nLatest question: {question}\n\nRewritten question:"
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=CONDENSE_PROMPT),
        ChatMessage(role=MessageRole.USER, content=user),
    ]


def _clean_condensed(text: str, question: str) -> str | None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    line = lines[0]
    for prefix in ("rewritten question:", "standalone question:", "question:"):
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip("\"'“”「」 ")
    if not line or has_control_chars(line) or len(line) > 3 * len(question) + 200:
        return None
    return line


# ---------------------------------------------------------------- the answerer


@dataclass
class _Run:
    """What one generation produced, for the answer and its trace."""

    checked: list[Checked] = field(default_factory=list)
    text: str = ""
    failure: str = ""  # "timeout", "error" or "malformed"
    detail: str = ""
    declined: bool = False

    @property
    def kept(self) -> list[Checked]:
        return [c for c in self.checked if c.kept]

    @property
    def claims(self) -> list[Checked]:
        return [c for c in self.checked if not c.framing]


class LLMAnswerer:
    """Generated, verified answers; the extractive answerer decides scope and is the fallback."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        llm: LLM,
        embedder: Embedder | None,
        settings: Settings,
    ) -> None:
        self.extractive = extractive
        self.llm = llm
        self.embedder = embedder
        self.timeout_s = max(0.01, float(settings.llm_timeout_s))
        self.model_name = llm.metadata.model_name
        snapshot = extractive.retriever.snapshot
        self._sentence_rows: dict[tuple[str, str], list[int]] = {}
        for i, record in enumerate(snapshot.sentences):
            self._sentence_rows.setdefault((record.section_id, record.lang), []).append(i)
        self._snapshot = snapshot

    # -- follow-ups

    def condense(
        self,
        question: str,
        history: list[str],
        result: RetrievalResult,
        search: Callable[[str], RetrievalResult],
    ) -> tuple[RetrievalResult, dict[str, Any]]:
        """Retrieval for a follow-up rewritten by the model as a standalone question.

        Only questions already judged in scope go to the model, and the rewrite is kept only
        when its own retrieval is in scope too. ``question`` and ``history`` are sent as given:
        callers pass them without orders (``assistant.injection.without_orders``). The rewrite
        is filtered the same way before it is searched, so that an order the model repeats or
        writes cannot pick what is retrieved; a rewrite that is nothing but an order is unusable.
        """
        turns = [t for t in history if t.strip()][-HISTORY_TURNS:]
        refusal = self.extractive.refusal
        if not turns or not refusal.in_scope(result):
            return result, {}
        started = time.perf_counter()
        try:
            reply = _call_within(
                lambda: self.llm.chat(condense_messages(question, turns)).message.content or "",
                self.timeout_s,
            )
        except Exception as exc:
            return result, {"status": "failed", "failure": _classify(exc), "reason": _describe(exc)}
        standalone = _clean_condensed(reply, question)
        note: dict[str, Any] = {"ms": round((time.perf_counter() - started) * 1000, 1)}
        if standalone is not None:
            filtered = without_orders(standalone, keep_lone_order=False)
            if filtered.split() != standalone.split():
                note["orders_removed"] = True
            standalone = filtered or None
        if standalone is None:
            return result, {**note, "status": "unusable"}
        if standalone == question or standalone == result.query:
            return result, {**note, "status": "unchanged", "query": standalone}
        rewritten = search(standalone)
        if not refusal.in_scope(rewritten):
            return result, {**note, "status": "out of scope", "query": standalone}
        return rewritten, {**note, "status": "rewritten", "query": standalone}

    # -- answers

    def answer(
        self,
        question: str,
        result: RetrievalResult,
        focus: str | None = None,
        on_partial: Callable[[Answer], None] | None = None,
        condensed: dict[str, Any] | None = None,
    ) -> Answer:
        fallback = self.extractive.answer(question, result, focus=focus)
        if fallback.refused:
            # Out of scope (or nothing retrieved): the model is never asked.
            return fallback
        lang = result.lang
        sections = self._sections(result)
        verifier = Verifier(sections, lang, self.embedder, self._vectors)
        started = time.perf_counter()
        if condensed and condensed.get("status") == "failed":
            # The server already failed on this question; do not wait for it a second time.
            run = _Run(
                failure=condensed.get("failure", "error"), detail=condensed.get("reason", "")
            )
        else:
            # The model is sent ``focus`` (the question without its orders) when there is one;
            # the answer carries ``question`` as typed (redacted), as quoted answers do.
            prompt_question = focus or question
            run = self._generate(prompt_question, sections, lang, verifier, fallback, on_partial)
        elapsed = (time.perf_counter() - started) * 1000
        answer = self._decide(run, fallback, sections, lang)
        answer.generation = self._trace(run, answer is not fallback, condensed)
        answer.timings_ms = {**answer.timings_ms, "llm": elapsed}
        return answer

    def _sections(self, result: RetrievalResult) -> list[Section]:
        sections: list[Section] = []
        for hit in result.hits[:PROMPT_SECTIONS]:
            section = self.extractive.retriever.section(hit.section_id, result.lang)
            if section is not None:
                sections.append(section)
        return sections

    def _vectors(self, section: Section) -> tuple[list[str], np.ndarray] | None:
        rows = self._sentence_rows.get((section.id, section.lang))
        if not rows:
            return None
        texts = [self._snapshot.sentences[i].text for i in rows]
        return texts, self._snapshot.sentence_vectors[rows]

    def _generate(
        self,
        question: str,
        sections: list[Section],
        lang: str,
        verifier: Verifier,
        fallback: Answer,
        on_partial: Callable[[Answer], None] | None,
    ) -> _Run:
        run = _Run()
        stream = SentenceStream()
        messages = answer_messages(question, sections, lang)

        def take(pieces: list[str]) -> None:
            for piece in pieces:
                checked = verifier.check(piece)
                run.checked.append(checked)
                if checked.kept and on_partial is not None:
                    on_partial(self._build(run.kept, sections, fallback, lang))

        try:
            for delta in _stream_within(lambda: self.llm.stream_chat(messages), self.timeout_s):
                if stream.text.lstrip().startswith(NOT_COVERED):
                    break
                take(stream.feed(delta))
            if stream.text.lstrip().startswith(NOT_COVERED):
                run.declined = True
            else:
                take(stream.close())
        except LLMTimeout as exc:
            run.failure, run.detail = "timeout", str(exc)
        except Exception as exc:  # whatever the client raised, the reader gets the fallback
            run.failure, run.detail = _classify(exc), _describe(exc)
        run.text = stream.text
        if not run.failure and not run.declined and not run.claims:
            run.failure, run.detail = "malformed", "no sentence in the reply"
        return run

    def _build(
        self, kept: list[Checked], sections: list[Section], fallback: Answer, lang: str
    ) -> Answer:
        by_id = {s.id: s for s in sections}
        citations: dict[str, Citation] = {}
        lines: list[tuple[str, int]] = []
        for c in kept:
            assert c.section_id is not None
            citation = citations.get(c.section_id)
            if citation is None:
                citation = Citation(len(citations) + 1, by_id[c.section_id], [])
                citations[c.section_id] = citation
            if c.evidence and c.evidence not in citation.quotes:
                citation.quotes.append(c.evidence)
            lines.append((c.text, citation.number))
        joiner = "" if lang == "zh-Hant" else " "
        body = joiner.join(f"{text} [{n}]" for text, n in lines)
        sources = "\n".join(c.source_line(lang) for c in citations.values())
        text = f"{body}\n\n{MESSAGES[lang]['sources']}:\n{sources}"
        return Answer(
            fallback.question,
            lang,
            text,
            False,
            list(citations.values()),
            lines,
            fallback.retrieval,
            fallback.in_scope_probability,
        )

    def _decide(self, run: _Run, fallback: Answer, sections: list[Section], lang: str) -> Answer:
        notices = NOTICES[lang]
        if run.declined:
            answer = Answer(
                fallback.question,
                lang,
                self.extractive.refusal_text(lang),
                True,
                retrieval=fallback.retrieval,
                in_scope_probability=fallback.in_scope_probability,
                refusal_reason="the language model found that the retrieved sections do not "
                "answer the question",
            )
            return answer
        if run.failure:
            reason = notices[run.failure]
            fallback.warnings.append(
                {"kind": "llm_unavailable", "message": notices["unavailable"].format(reason=reason)}
            )
            return fallback
        kept, claims = run.kept, run.claims
        if not kept or len(kept) < MIN_KEPT_SHARE * len(claims):
            fallback.warnings.append(
                {
                    "kind": "llm_unverified",
                    "message": notices["unverified"].format(kept=len(kept), total=len(claims)),
                }
            )
            return fallback
        answer = self._build(kept, sections, fallback, lang)
        removed = len(claims) - len(kept)
        if removed:
            answer.warnings.append(
                {"kind": "llm_removed", "message": notices["removed"].format(n=removed)}
            )
        return answer

    def _trace(
        self, run: _Run, generated: bool, condensed: dict[str, Any] | None
    ) -> dict[str, Any]:
        claims, kept = run.claims, run.kept
        if run.declined:
            status, summary = "declined", "the model said the sections do not answer the question"
        elif run.failure:
            status = "fallback"
            summary = f"quoted answer shown: model {run.failure} ({run.detail})"
        elif not generated:
            status = "fallback"
            summary = (
                f"quoted answer shown: only {len(kept)} of {len(claims)} generated sentences "
                "were supported by the guidance"
            )
        else:
            status = "generated"
            summary = f"{len(kept)} of {len(claims)} generated sentences verified and shown"
        removed = [c for c in claims if not c.kept]
        if status == "generated" and removed:
            reasons = ", ".join(sorted({c.reason for c in removed}))
            summary += f"; {len(removed)} removed ({reasons})"
        dropped = sorted({i for c in run.checked for i in c.dropped})
        if dropped:
            summary += f"; citations to sections not retrieved dropped: {', '.join(dropped)}"
        return {
            "model": self.model_name,
            "status": status,
            "summary": summary,
            "reason": run.detail,
            "sentences_written": len(claims),
            "sentences_kept": len(kept),
            "dropped_citations": dropped,
            "sentences": [c.as_dict() for c in run.checked],
            "condensed": condensed or {},
            "raw": run.text[:4000],
        }


def _classify(exc: BaseException) -> str:
    """ "timeout", "malformed" (a reply that could not be read) or "error" (no usable reply)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, LLMTimeout) or names & {"APITimeoutError", "TimeoutException"}:
        return "timeout"
    if isinstance(exc, LLMMalformed) or names & {
        "APIResponseValidationError",
        "JSONDecodeError",
        "ValidationError",
        "KeyError",
        "IndexError",
        "TypeError",
        "AttributeError",
    }:
        return "malformed"
    return "error"


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message[:200]}" if message else type(exc).__name__


def make_answerer(
    extractive: ExtractiveAnswerer, embedder: Embedder | None, settings: Settings
) -> LLMAnswerer:
    return LLMAnswerer(extractive, make_llm(settings), embedder, settings)
