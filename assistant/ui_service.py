"""What the web UI and its API do, without Gradio: ask, open sections, browse, rate answers.

Kept apart from the Gradio wiring so that the same functions serve the browser and the
``gradio_client`` API, and can be tested directly.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from assistant.answer import Answer
from assistant.conversation import is_follow_up
from assistant.corpus import Corpus, Section
from assistant.feedback import FeedbackStore
from assistant.pipeline import Assistant, QuestionError, validate_question
from assistant.privacy import detect, redact, warning_message
from assistant.settings import Settings
from assistant.text import detect_lang
from assistant.ui_render import BROWSE, CITE, other_lang, section_panel, toc_html
from assistant.ui_text import FAQ, t, ui_lang


class UIService:
    """One per app: the loaded index, the feedback store, and lookups over the sections."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.assistant = assistant or Assistant(settings)
        self.feedback = FeedbackStore.for_settings(settings)

    def warm(self) -> None:
        """Load the index and models now, so that the first question is as fast as the rest."""
        self.assistant.answerer  # noqa: B018

    @property
    def default_lang(self) -> str:
        return ui_lang(self.settings.default_lang)

    # ------------------------------------------------------------------ sections

    @cached_property
    def corpus(self) -> Corpus:
        return self.assistant.snapshot.corpus

    @cached_property
    def known_ids(self) -> set[str]:
        return set(self.corpus.section_ids())

    @cached_property
    def _ordered(self) -> list[Section]:
        return sorted(self.corpus.sections, key=lambda s: (self._doc_rank[s.doc_id], s.order))

    @cached_property
    def _doc_rank(self) -> dict[str, int]:
        rank: dict[str, int] = {}
        for s in self.corpus.sections:
            rank.setdefault(s.doc_id, len(rank))
        return rank

    def section(self, section_id: str, lang: str) -> Section | None:
        return self.corpus.section(section_id, lang)

    def documents(self, lang: str) -> list[tuple[str, str]]:
        """(label, doc id) pairs in corpus order, labelled in ``lang`` where possible."""
        labels: dict[str, str] = {}
        for s in self._ordered:
            if s.doc_id not in labels or s.lang == lang:
                labels[s.doc_id] = s.document.label
        return [(label, doc_id) for doc_id, label in labels.items()]

    def doc_sections(self, doc_id: str, lang: str) -> list[Section]:
        sections = [s for s in self._ordered if s.doc_id == doc_id and s.lang == lang]
        return sections or [s for s in self._ordered if s.doc_id == doc_id]

    def doc_labels(self, lang: str) -> dict[str, str]:
        """Section id -> short document name, for citation chips."""
        return {s.id: s.document.label for s in self._ordered if s.lang == lang}

    def headings(self, lang: str) -> dict[str, str]:
        return {s.id: s.display_heading for s in self._ordered if s.lang == lang}

    def section_html(
        self,
        section_id: str,
        lang: str,
        ui: str,
        prefix: str = CITE,
        quotes: list[str] | None = None,
    ) -> str | None:
        section = self.corpus.in_lang(section_id, lang)
        if section is None:
            return None
        children = [
            c
            for cid in self.corpus.children(section.id)
            if (c := self.corpus.in_lang(cid, section.lang)) is not None
        ]
        children.sort(key=lambda s: s.order)
        parent = self.corpus.in_lang(section.parent_id, section.lang) if section.parent_id else None
        neighbours: tuple[Section | None, Section | None] = (None, None)
        if prefix == BROWSE:
            siblings = self.doc_sections(section.doc_id, section.lang)
            at = next((i for i, s in enumerate(siblings) if s.id == section.id), -1)
            if at >= 0:
                neighbours = (
                    siblings[at - 1] if at > 0 else None,
                    siblings[at + 1] if at + 1 < len(siblings) else None,
                )
        return section_panel(
            section,
            self.corpus.twin(section),
            ui,
            prefix,
            self.known_ids,
            quotes or (),
            children,
            parent,
            neighbours,
        )

    def toc(self, doc_id: str, lang: str, current: str | None) -> str:
        return toc_html(self.doc_sections(doc_id, lang), current)

    # ------------------------------------------------------------------ answers

    @property
    def threshold(self) -> float:
        return float(self.assistant.answerer.refusal.threshold)

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        return self.assistant.ask(question, history)

    @staticmethod
    def payload(answer: Answer) -> dict[str, Any]:
        """``Answer.to_json(trace=True)`` plus the cited sentences the chat renders one by one."""
        data = answer.to_json(trace=True)
        data["sentences"] = [[sentence, number] for sentence, number in answer.sentences]
        data["question"] = answer.question
        return data

    def question_error(self, question: str, ui: str) -> str | None:
        """A message in the UI language when the question cannot be asked as typed."""
        try:
            validate_question(question, self.settings.max_question_chars)
        except QuestionError as exc:
            text = str(exc)
            if "characters long" in text:
                return t(ui, "error_long", n=len(question), limit=self.settings.max_question_chars)
            if "control characters" in text:
                return t(ui, "error_control")
            return ""
        return None

    # ------------------------------------------------------------------ privacy and feedback

    @staticmethod
    def privacy_check(text: str, lang: str = "") -> dict[str, Any]:
        """Personal data in a message being typed; ``message`` warns before it is sent."""
        findings = detect(text or "")
        lang = lang if lang in ("en", "zh-Hant") else detect_lang(text or "")
        return {
            "found": bool(findings),
            "kinds": sorted({f.kind for f in findings}),
            "spans": [[f.start, f.end] for f in findings],
            "redacted": redact(text or "", lang),
            "message": warning_message(findings, lang, before_sending=True) if findings else "",
        }

    def record_feedback(self, turn: dict[str, Any], rating: str, comment: str = "") -> int:
        history = list(turn.get("history") or [])
        return self.feedback.record(
            turn["question"],
            turn["lang"],
            turn.get("section_ids", []),
            bool(turn.get("refused")),
            rating,
            comment,
            history=history,
            answer=turn.get("answer"),
        )

    @staticmethod
    def turn_record(answer: Answer, history: list[str]) -> dict[str, Any]:
        """What feedback on this answer needs; the question is already redacted by the pipeline."""
        context = history[-1:] if history and is_follow_up(answer.question) else []
        return {
            "question": answer.question,
            "lang": answer.lang,
            "section_ids": [c.section.id for c in answer.citations],
            "refused": answer.refused,
            "history": context,
            "answer": answer.text,
        }

    @staticmethod
    def faq(lang: str) -> list[dict[str, Any]]:
        return [
            {"topic": topic, "questions": list(questions)}
            for topic, questions in FAQ.get(ui_lang(lang), FAQ["en"])
        ]

    @staticmethod
    def twin_lang(lang: str) -> str:
        return other_lang(lang)
